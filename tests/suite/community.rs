//! What a community needs from its site: action items, calendar, feed,
//! attendance, and the files static hosts expect.

use crate::util::*;

fn with_actions() -> Fixture {
    Fixture::new()
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\n---\n")
        .file("content/members/mo.md", "---\nname: Mo Private\nprivate: true\n---\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: First\n---\n## Next steps\n\n- [ ] @dana-kim draft the partner survey (due 2026-04-01)\n- [x] @\"Dana Kim\" book the room\n- [ ] @\"Sam Ortiz\" ask the centre about funding\n- [ ] @mo keep notes\n- [ ] a task nobody owns\n\n```\n- [ ] @dana-kim not an action\n```\n",
        )
        .file(
            "content/sessions/2026-11-20-b.md",
            "---\ntitle: Second\n---\n- [ ] @dana-kim send the summary (due 2026-12-15)\n",
        )
}

#[test]
fn actions_page_lists_open_items_by_person_then_done_ones() {
    let site = with_actions().build_ok();
    let page = site.page("actions/");
    let owners = page.texts(".action-group h3 .person");
    assert_eq!(owners, vec!["Dana Kim", "Mo Private", "Sam Ortiz"]);
    let dana: Vec<String> = page.texts("#dana-kim li.action span[dir]");
    // Soonest due first.
    assert_eq!(dana, vec!["draft the partner survey", "send the summary"]);
    // 2026-04-01 is before "now" (2026-11-23): overdue; 2026-12-15 is not.
    assert_eq!(page.select("#dana-kim li.is-overdue").len(), 1);
    assert!(
        page.select("#dana-kim li.is-overdue")[0]
            .text()
            .any(|t| t.contains("draft the partner survey"))
    );
    assert_eq!(
        page.texts("#done-h ~ ul li span[dir]"),
        vec!["book the room"]
    );
    // A private owner is named, not linked.
    assert!(page.select("#mo h3 a").is_empty());
    assert_eq!(page.select("#mo h3 .unlinked").len(), 1);
    assert_eq!(
        page.links("#dana-kim .action-from a"),
        vec!["sessions/2026-03-06-a/", "sessions/2026-11-20-b/"]
    );
}

#[test]
fn member_page_shows_open_items_and_session_page_its_items() {
    let site = with_actions().build_ok();
    let dana = site.page("members/dana-kim/");
    assert_eq!(
        dana.texts("#actions-h ~ ul li span[dir]"),
        vec!["draft the partner survey", "send the summary"]
    );
    let first = site.page("sessions/2026-03-06-a/");
    assert_eq!(first.select("aside li.action").len(), 4);
    // In the body, the owner becomes a link to their page.
    assert_eq!(
        first.links(".prose a.owner"),
        vec![
            "members/dana-kim/",
            "members/dana-kim/",
            "members/sam-ortiz/"
        ]
    );
    assert_eq!(
        first.texts(".prose a.owner"),
        vec!["Dana Kim", "Dana Kim", "Sam Ortiz"]
    );
}

#[test]
fn an_unknown_owner_follows_the_strict_rule() {
    Fixture::new()
        .config("people: strict\n")
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\n---\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: A\n---\nText.\n\n- [ ] @dana-kin call\n",
        )
        .build_err()
        .says("unknown person `dana-kin`")
        .says("content/sessions/2026-03-06-a.md:6:7")
        .says("did you mean `dana-kim`?");
}

#[test]
fn a_bad_due_date_is_an_error_at_its_line() {
    Fixture::new()
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: A\n---\n- [ ] @ana call (due 2026-02-30)\n",
        )
        .build_err()
        .says("invalid due date `2026-02-30`")
        .says("content/sessions/2026-03-06-a.md:4:7");
}
