//! The site graph: sessions, people, communities and topics linked both ways.

use crate::util::*;

fn circle() -> Fixture {
    Fixture::new()
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\naka: [DK, Dana K.]\nrole: Coordinator\ncommunities: [tech]\nexpertise: [Mailing lists]\n---\nDana keeps the lists running.\n")
        .file("content/members/eli-n.md", "---\nname: Eli Navarro\n---\n")
        .file("content/communities/tech.md", "---\nname: Technology Practitioners\nmeets: every other Tuesday\nlead: [eli-n]\n---\nPeople who became the tech person.\n")
        .file(
            "content/sessions/2026/2026-03-06-intro.md",
            session("2026-03-06T18:30:00-05:00", "title: Intro\ncommunity: tech\nfacilitators: [eli-n]\nattendees: [Dana Kim, Sam Ortiz]\ntags: [Mailing lists, Power dynamics]\n", "We met."),
        )
        .file(
            "content/sessions/2026/2026-04-10-second.md",
            session("2026-04-10", "title: Second\ncommunity: tech\nattendees: [dk, sam ortiz, DANA KIM]\ntags: [mailing-lists]\n", "Again."),
        )
}

#[test]
fn attendee_link_reaches_profile_and_back() {
    let site = circle().build_ok();
    let s = site.page("sessions/2026-03-06-intro/");
    let dana = s.follow("a.attendee");
    assert_eq!(dana.text("h1"), "Dana Kim");
    assert!(dana.links_to("sessions/2026-03-06-intro/"));
    assert!(dana.links_to("sessions/2026-04-10-second/"));
}

#[test]
fn people_are_found_by_slug_name_or_aka_in_any_case() {
    let site = circle().build_ok();
    let second = site.page("sessions/2026-04-10-second/");
    // dk, DANA KIM are one person; sam ortiz matches "Sam Ortiz".
    assert_eq!(second.texts("a.attendee"), vec!["Dana Kim", "Sam Ortiz"]);
    assert_eq!(
        second.links("a.attendee"),
        vec!["members/dana-kim/", "members/sam-ortiz/"]
    );
}

#[test]
fn a_person_without_profile_gets_a_page_listing_their_sessions() {
    let site = circle().build_ok();
    let sam = site.page("members/sam-ortiz/");
    assert_eq!(sam.text("h1"), "Sam Ortiz");
    assert!(sam.links_to("sessions/2026-03-06-intro/"));
    assert!(sam.links_to("sessions/2026-04-10-second/"));
    // Listed apart from members with a profile.
    let dir = site.page("members/");
    assert!(
        dir.links("#others-h ~ ul a")
            .contains(&"members/sam-ortiz/".to_string())
    );
    assert!(
        !dir.links(".cards a.member")
            .contains(&"members/sam-ortiz/".to_string())
    );
}

#[test]
fn facilitators_and_community_and_leads_are_linked() {
    let site = circle().build_ok();
    let s = site.page("sessions/2026-03-06-intro/");
    assert_eq!(s.links("a.facilitator"), vec!["members/eli-n/"]);
    let tech = s.follow(".kicker a");
    assert_eq!(tech.text("h1"), "Technology Practitioners");
    assert!(tech.links_to("sessions/2026-03-06-intro/"));
    assert_eq!(tech.links("a.lead"), vec!["members/eli-n/"]);
    let eli = site.page("members/eli-n/");
    assert!(
        eli.links("#facilitated-h ~ ul a.card-title")
            .contains(&"sessions/2026-03-06-intro/".to_string())
    );
}

#[test]
fn topics_merge_spellings_and_list_sessions_and_people() {
    let site = circle().build_ok();
    let topic = site.page("topics/mailing-lists/");
    assert_eq!(topic.text("h1"), "Mailing lists");
    let sessions = topic.links("#sessions-h ~ ul a.card-title");
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(topic.links_to("members/dana-kim/"));
    let index = site.page("topics/");
    let counts: Vec<String> = index.texts(".topic-cloud li");
    assert!(
        counts.contains(&"Mailing lists 2".to_string()),
        "{counts:?}"
    );
    assert!(
        counts.contains(&"Power dynamics 1".to_string()),
        "{counts:?}"
    );
}

#[test]
fn member_page_shows_topics_and_people_met_most() {
    let site = circle().build_ok();
    let dana = site.page("members/dana-kim/");
    let met = dana.texts("#met-h ~ ul li");
    assert_eq!(met[0], "Sam Ortiz 2", "{met:?}");
    assert!(
        dana.links("#topics-h ~ ul a")
            .contains(&"topics/mailing-lists/".to_string())
    );
}

#[test]
fn previous_and_next_stay_within_the_community() {
    let site = circle()
        .file(
            "content/sessions/2026-03-20-other.md",
            session("2026-03-20", "title: Elsewhere\n", "x"),
        )
        .build_ok();
    let first = site.page("sessions/2026-03-06-intro/");
    assert_eq!(
        first.links("a[rel=next]"),
        vec!["sessions/2026-04-10-second/"]
    );
    assert!(first.links("a[rel=prev]").is_empty());
}

#[test]
fn backlinks_show_where_a_page_is_mentioned() {
    let site = circle()
        .file(
            "content/pages/about.md",
            "---\ntitle: About\n---\nAsk [[Dana Kim]] or read [[2026-03-06-intro]].\n",
        )
        .build_ok();
    let dana = site.page("members/dana-kim/");
    assert_eq!(dana.links("a.backlink"), vec!["about/"]);
    let intro = site.page("sessions/2026-03-06-intro/");
    assert_eq!(intro.links("a.backlink"), vec!["about/"]);
}

#[test]
fn drafts_are_gone_from_everything() {
    let site = circle()
        .file(
            "content/sessions/2026-05-01-secret.md",
            session(
                "2026-05-01",
                "title: Secret plans\ndraft: true\nattendees: [Dana Kim]\ntags: [hidden-topic]\n",
                "shh",
            ),
        )
        .file(
            "content/members/zed.md",
            "---\nname: Zed Hidden\ndraft: true\n---\n",
        )
        .file(
            "content/pages/wip.md",
            "---\ntitle: WIP\ndraft: true\n---\n",
        )
        .build_ok();
    assert!(!site.exists("sessions/2026-05-01-secret/"));
    assert!(!site.exists("members/zed/"));
    assert!(!site.exists("wip/"));
    assert!(!site.exists("topics/hidden-topic/"));
    for url in site.pages() {
        let p = site.page(&url);
        assert!(!p.source.contains("Secret plans"), "draft title on /{url}");
        assert!(!p.source.contains("Zed Hidden"), "draft member on /{url}");
    }
}

#[test]
fn drafts_are_built_with_the_drafts_flag() {
    let f = circle().file(
        "content/sessions/2026-05-01-secret.md",
        session("2026-05-01", "title: Secret plans\ndraft: true\n", "shh"),
    );
    let run = f.cairn(&["build", "--drafts"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(Built::at(f.root().join("public")).exists("sessions/2026-05-01-secret/"));
}

#[test]
fn private_profiles_have_no_page_and_appear_unlinked() {
    let site = circle()
        .file(
            "content/members/mo.md",
            "---\nname: Mo Private\nprivate: true\nexpertise: [Secret craft]\n---\nbio\n",
        )
        .file(
            "content/sessions/2026-06-01-x.md",
            session(
                "2026-06-01",
                "title: X\nattendees: [mo, Dana Kim]\n",
                "With [[Mo Private]].",
            ),
        )
        .build_ok();
    assert!(!site.exists("members/mo/"));
    assert!(!site.exists("topics/secret-craft/"));
    let x = site.page("sessions/2026-06-01-x/");
    assert_eq!(x.texts(".attendee"), vec!["Mo Private", "Dana Kim"]);
    assert!(!x.links_to("members/mo/"));
    assert!(x.select("span.attendee.unlinked").len() == 1);
    // In the body the wikilink is plain text.
    assert!(x.text(".prose").contains("With Mo Private."));
    let dir = site.page("members/");
    assert!(!dir.source.contains("Mo Private"));
}

#[test]
fn unknown_person_in_strict_mode_is_an_error_with_a_suggestion() {
    let run = Fixture::new()
        .config("people: strict\n")
        .file("content/members/eli-n.md", "---\nname: Eli N\n---\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ndate: 2026-03-06\nattendees:\n  - eli-n\n  - eli-m\n---\n",
        )
        .build_err();
    run.says("unknown person `eli-m`")
        .says("content/sessions/2026-03-06-a.md:5:5")
        .says("did you mean `eli-n`?");
}

#[test]
fn a_near_miss_name_in_open_mode_is_a_warning() {
    let f = Fixture::new()
        .file("content/members/yuki.md", "---\nname: Yuki Tanaka\n---\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ndate: 2026-03-06\nattendees: [Yuki Tanka]\n---\n",
        );
    let site = f.build_ok();
    assert!(
        site.stderr
            .contains("warning: `Yuki Tanka` has no profile but is close to `Yuki Tanaka`"),
        "{}",
        site.stderr
    );
    assert!(
        site.stderr.contains("2026-03-06-a.md:3:"),
        "{}",
        site.stderr
    );
    assert!(site.exists("members/yuki-tanka/"));
}

#[test]
fn field_aliases_merge_lists() {
    let site = Fixture::new()
        .config("fields:\n  attendees: [members, other_attendees]\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ndate: 2026-03-06\nmembers: [Ana Lima]\nother_attendees: [Bo Chen]\n---\n",
        )
        .build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    assert_eq!(a.texts("a.attendee"), vec!["Ana Lima", "Bo Chen"]);
}

#[test]
fn two_files_claiming_one_url_are_an_error_naming_both() {
    let run = Fixture::new()
        .file(
            "content/sessions/2026/2026-03-06-a.md",
            session("2026-03-06", "", ""),
        )
        .file(
            "content/sessions/2027/x.md",
            session("2027-03-06", "slug: 2026-03-06-a\n", ""),
        )
        .build_err();
    run.says("`/sessions/2026-03-06-a/` is claimed by both")
        .says("content/sessions/2026/2026-03-06-a.md")
        .says("content/sessions/2027/x.md");
}

#[test]
fn a_page_cannot_take_a_url_cairn_uses() {
    Fixture::new()
        .file("content/pages/sessions.md", "# Sessions\n")
        .build_err()
        .says("page `sessions` would replace cairn's own `/sessions/`");
}

#[test]
fn slugs_beat_names_and_aliases_split_commas_and_draft_titles_warn() {
    let site = Fixture::new()
        .config("fields:\n  attendees: [members, other_attendees]\n")
        .file("content/members/budgets.md", "---\nname: Budgets Person\n---\n")
        .file("content/members/x.md", "---\nname: Leadership\n---\n")
        .file("content/sessions/2026-01-01-a.md", "---\ntags: [leadership]\nother_attendees: Priya R., Sam\n---\nSee [[leadership]] and [[Secret plans]].\n")
        .file("content/sessions/2026-01-02-b.md", "---\ntitle: Secret plans\ndraft: true\n---\n")
        .build_ok();
    let a = site.page("sessions/2026-01-01-a/");
    // The topic's slug wins over a person whose name is the same word.
    assert_eq!(a.links(".prose a"), vec!["topics/leadership/"]);
    assert_eq!(a.texts("a.attendee"), vec!["Priya R.", "Sam"]);
    assert!(
        site.stderr.contains("[[Secret plans]] links to a draft"),
        "{}",
        site.stderr
    );
}

#[test]
fn a_link_stage_error_is_placed_in_a_note_saved_with_a_bom_and_crlf() {
    // A build lets each note's front matter go once loaded and reads it
    // again for a diagnostic found later: as the loader read it.
    let run = Fixture::new()
        .config("people: strict\n")
        .file("content/members/eli-n.md", "---\nname: Eli N\n---\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "\u{feff}---\r\ndate: 2026-03-06\r\nattendees:\r\n  - eli-n\r\n  - eli-m\r\n---\r\nBody.\r\n",
        )
        .build_err();
    run.says("unknown person `eli-m`")
        .says("content/sessions/2026-03-06-a.md:5:5");
}
