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

fn calendar_site() -> Fixture {
    let arabic = "نناقش كيف نمسك بزمام مجتمع الممارسة، وهل نمسك به أصلاً، ومن يقرر ذلك؛ ".repeat(4);
    Fixture::new()
        .file("content/members/ana.md", "---\nname: Ana Lima\n---\n")
        .file("content/communities/tech.md", "---\nname: Tech\n---\n")
        .file("content/sessions/a.md", "---\ntitle: With offset\ndate: 2026-03-06T18:30:00-05:00\nduration: 90m\ncommunity: tech\nlocation: Room 3B, Riverside; upstairs\nfacilitators: [ana]\n---\nFirst paragraph.\n\nSee [[ana]].\n")
        .file("content/sessions/b.md", "---\ntitle: Local time\ndate: 2026-07-06 18:30\nend: 2026-07-06T20:00:00-04:00\n---\nx\n")
        .file("content/sessions/c.md", "---\ntitle: Whole day\ndate: 2026-09-18\nstatus: cancelled\n---\nx\n")
        .file("content/sessions/d.md", format!("---\ntitle: Café and القيادة\ndate: 2027-01-20T12:00:00Z\nsummary: \"{arabic}\"\n---\nx\n"))
        .file("content/sessions/e.md", "---\ntitle: Hidden\ndate: 2026-05-05\ndraft: true\n---\nx\n")
}

fn events(ics: &str) -> Vec<ical::parser::ical::component::IcalEvent> {
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let cal = parser
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    assert!(parser.next().is_none());
    cal.events
}

fn prop<'a>(
    e: &'a ical::parser::ical::component::IcalEvent,
    name: &str,
) -> Option<&'a ical::property::Property> {
    e.properties.iter().find(|p| p.name == name)
}

fn value(e: &ical::parser::ical::component::IcalEvent, name: &str) -> String {
    prop(e, name)
        .and_then(|p| p.value.clone())
        .unwrap_or_default()
}

#[test]
fn calendar_has_right_times_all_day_events_status_and_escapes() {
    let site = calendar_site().build_ok();
    let ics = site.read("calendar.ics");
    assert!(ics.contains("\r\n"), "CRLF line ends");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "line of {} octets: {line}", line.len());
    }
    let ev = events(&ics);
    let titles: Vec<String> = ev.iter().map(|e| value(e, "SUMMARY")).collect();
    assert_eq!(
        titles,
        vec!["With offset", "Local time", "Whole day", "Café and القيادة"]
    );
    // 18:30 at -05:00 is 23:30 UTC; 90 minutes later.
    assert_eq!(value(&ev[0], "DTSTART"), "20260306T233000Z");
    assert_eq!(value(&ev[0], "DTEND"), "20260307T010000Z");
    assert_eq!(
        value(&ev[0], "LOCATION"),
        "Room 3B\\, Riverside\\; upstairs"
    );
    assert_eq!(
        value(&ev[0], "URL"),
        "https://example.org/circle/sessions/a/"
    );
    // No offset: the site's time zone (Toronto, summer time).
    assert_eq!(value(&ev[1], "DTSTART"), "20260706T223000Z");
    assert_eq!(value(&ev[1], "DTEND"), "20260707T000000Z");
    // A date alone is an all-day event.
    let start = prop(&ev[2], "DTSTART").unwrap();
    assert_eq!(start.value.as_deref(), Some("20260918"));
    assert!(format!("{:?}", start.params).contains("DATE"));
    assert_eq!(value(&ev[2], "DTEND"), "20260919");
    assert_eq!(value(&ev[2], "STATUS"), "CANCELLED");
    assert_eq!(value(&ev[0], "STATUS"), "CONFIRMED");
    // A long Arabic summary survives folding.
    let arabic = "نناقش كيف نمسك بزمام مجتمع الممارسة، وهل نمسك به أصلاً، ومن يقرر ذلك؛ ".repeat(4);
    assert_eq!(value(&ev[3], "DESCRIPTION"), arabic.trim());
    assert!(!ics.contains("Hidden"));
}

#[test]
fn calendar_uids_are_stable_across_builds_and_unique() {
    let f = calendar_site();
    let uids = |f: &Fixture| -> Vec<String> {
        f.build_ok();
        events(&std::fs::read_to_string(f.root().join("public/calendar.ics")).unwrap())
            .iter()
            .map(|e| value(e, "UID"))
            .collect()
    };
    let first = uids(&f);
    f.write(
        "content/sessions/z.md",
        "---\ntitle: Added later\ndate: 2026-01-01\n---\n",
    );
    let second = uids(&f);
    for uid in &first {
        assert!(second.contains(uid), "{uid} changed");
    }
    let mut unique = second.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), second.len());
    assert_eq!(first[0], "a@example.org");
}

#[test]
fn each_community_has_its_own_calendar_and_subscribe_links() {
    let site = calendar_site().build_ok();
    let ev = events(&site.read("communities/tech/calendar.ics"));
    assert_eq!(ev.len(), 1);
    assert_eq!(value(&ev[0], "SUMMARY"), "With offset");
    let home = site.page("");
    assert_eq!(home.links("a.calendar-file"), vec!["calendar.ics"]);
    assert_eq!(
        home.select("a.subscribe-link")[0].value().attr("href"),
        Some("webcal://example.org/circle/calendar.ics")
    );
    let tech = site.page("communities/tech/");
    assert_eq!(
        tech.links("a.calendar-file"),
        vec!["communities/tech/calendar.ics"]
    );
    assert!(site.broken_links().is_empty(), "{:?}", site.broken_links());
}

fn atom(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).expect("well-formed XML")
}

const ATOM: &str = "http://www.w3.org/2005/Atom";

#[test]
fn feed_is_atom_with_past_notes_newest_first_and_absolute_urls() {
    let site = calendar_site().build_ok();
    let xml = site.read("feed.xml");
    let doc = atom(&xml);
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().namespace(), Some(ATOM));
    assert_eq!(feed.tag_name().name(), "feed");
    for required in ["id", "title", "updated"] {
        assert!(
            feed.children().any(|c| c.has_tag_name((ATOM, required))),
            "feed without {required}"
        );
    }
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name((ATOM, "entry")))
        .collect();
    let titles: Vec<&str> = entries
        .iter()
        .map(|e| {
            e.children()
                .find(|c| c.has_tag_name((ATOM, "title")))
                .unwrap()
                .text()
                .unwrap()
        })
        .collect();
    // Newest first; the future session and the draft are not in it.
    assert_eq!(titles, vec!["Whole day", "Local time", "With offset"]);
    let first = entries.last().unwrap();
    let child = |n: &str| {
        first
            .children()
            .find(|c| c.has_tag_name((ATOM, n)))
            .unwrap()
    };
    assert_eq!(
        child("id").text(),
        Some("https://example.org/circle/sessions/a/")
    );
    assert_eq!(child("updated").text(), Some("2026-03-06T18:30:00-05:00"));
    assert_eq!(
        child("author")
            .children()
            .find(|c| c.has_tag_name((ATOM, "name")))
            .unwrap()
            .text(),
        Some("Ana Lima")
    );
    let content = child("content").text().unwrap();
    assert!(
        content.contains("href=\"https://example.org/circle/members/ana/\""),
        "{content}"
    );
    for e in &entries {
        for c in ["id", "title", "updated", "author"] {
            assert!(
                e.children().any(|x| x.has_tag_name((ATOM, c))),
                "entry without {c}"
            );
        }
    }
}

#[test]
fn feed_can_carry_summaries_only() {
    let site = calendar_site()
        .config("feed:\n  content: summary\n")
        .build_ok();
    let xml = site.read("feed.xml");
    let doc = atom(&xml);
    assert!(
        doc.descendants()
            .all(|n| !n.has_tag_name((ATOM, "content")))
    );
    assert!(doc.descendants().any(|n| n.has_tag_name((ATOM, "summary"))));
}

#[test]
fn sitemap_and_robots_list_public_pages_only() {
    let site = calendar_site()
        .file(
            "content/members/mo.md",
            "---\nname: Mo\nprivate: true\n---\n",
        )
        .build_ok();
    let xml = site.read("sitemap.xml");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(locs.contains(&"https://example.org/circle/"));
    assert!(locs.contains(&"https://example.org/circle/sessions/a/"));
    assert!(
        locs.iter()
            .all(|l| l.starts_with("https://example.org/circle/"))
    );
    assert!(
        !locs
            .iter()
            .any(|l| l.contains("404") || l.contains("/e/") || l.contains("members/mo/"))
    );
    // One <url> per page of the site, but the 404 page.
    assert_eq!(locs.len(), site.pages().len() - 1);
    assert!(doc.descendants().any(|n| n.has_tag_name("lastmod")));
    assert_eq!(
        site.read("robots.txt")
            .lines()
            .find(|l| l.starts_with("Sitemap:")),
        Some("Sitemap: https://example.org/circle/sitemap.xml")
    );
}

fn circle_over_time() -> Fixture {
    Fixture::new()
        .file("content/communities/collab.md", "---\nname: Collaboration circle\n---\n")
        .file("content/sessions/2026-03-06-first.md", "---\ncommunity: collab\nfacilitators: [Host]\nattendees: [A, B, C, D, E]\ntags: [power, conflict]\n---\n")
        .file("content/sessions/2026-05-29-second.md", "---\ncommunity: collab\nfacilitators: [Host]\nattendees: [A, F]\ntags: [power, energy]\n---\n")
        .file("content/sessions/2026-06-10-off.md", "---\ncommunity: collab\nstatus: cancelled\n---\n")
        .file("content/sessions/2026-09-18-third.md", "---\ncommunity: collab\nfacilitators: [A, B]\nattendees: [C]\ntags: [power]\n---\n")
        .file("content/sessions/2027-01-01-planned.md", "---\ncommunity: collab\nfacilitators: [Z]\n---\n")
}

#[test]
fn community_page_shows_newcomers_first_facilitators_and_the_trend() {
    let site = circle_over_time().build_ok();
    let c = site.page("communities/collab/");
    let cell = sel("th, td");
    let rows: Vec<String> = c
        .select(".figures-table tbody tr")
        .iter()
        .map(|tr| {
            tr.select(&cell)
                .map(|td| norm(&td.text().collect::<String>()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            "First 6 Mar 2026 6 6 0",
            "Second 29 May 2026 3 1 2",
            "Off 10 Jun 2026 cancelled",
            "Third 18 Sep 2026 3 0 3",
        ]
    );
    let firsts = c.texts(".first-facilitators li");
    assert_eq!(firsts, vec!["2026 Q1: Host", "2026 Q3: A, B"]);
    let facts = c.texts("#leadership-h ~ dl dd");
    assert_eq!(facts, vec!["3", "1", "3"]);
    assert_eq!(
        c.text(".trend"),
        "Attendance down 50 % since the first session (6 then, 3 last time); 3 people have facilitated; 1 cancelled."
    );
    // The chart: one linked bar per past session, with a text alternative.
    let svg = &c.select("#attendance-h ~ figure svg[role=group]")[0];
    assert_eq!(svg.select(&sel("a")).count(), 4);
    let labelled = svg.value().attr("aria-labelledby").unwrap();
    for id in labelled.split(' ') {
        assert_eq!(svg.select(&sel(&format!("[id='{id}']"))).count(), 1, "{id}");
    }
    assert!(
        c.text("svg desc").contains("4 sessions") || c.text("svg desc").contains("3 sessions"),
        "{}",
        c.text("svg desc")
    );
    // A member's timeline has one mark per session taken part in.
    let a = site.page("members/a/");
    assert_eq!(a.select("#timeline-h ~ figure svg[role=group] a").len(), 3);
    // The same line is on the home page's community card.
    assert!(
        site.page("")
            .texts(".card .trend")
            .contains(&c.text(".trend"))
    );
}

#[test]
fn topic_page_lists_related_topics() {
    let site = circle_over_time().build_ok();
    let t = site.page("topics/power/");
    assert_eq!(t.texts("a.related"), vec!["conflict", "energy"]);
    assert_eq!(
        t.links("a.related"),
        vec!["topics/conflict/", "topics/energy/"]
    );
}

#[test]
fn a_topic_linked_from_a_note_shows_where() {
    let site = circle_over_time()
        .file(
            "content/pages/guide.md",
            "# Guide\n\nRead about [[power]].\n",
        )
        .build_ok();
    assert_eq!(
        site.page("topics/power/").links("a.backlink"),
        vec!["guide/"]
    );
}

#[test]
fn the_actions_page_lists_the_latest_done_items_and_counts_the_rest() {
    let body: String = (0..105).map(|i| format!("- [x] @ana task {i}\n")).collect();
    let site = Fixture::new()
        .file(
            "content/sessions/2026-01-01-a.md",
            format!("---\ntitle: A\n---\n{body}"),
        )
        .build_ok();
    let page = site.page("actions/");
    assert_eq!(page.select("#done-h ~ ul li.action").len(), 100);
    assert!(
        page.text("#done-h ~ p")
            .starts_with("And 5 earlier done items")
    );
    assert!(page.text(".lede").contains("105 done"));
}

#[test]
fn a_long_actions_page_shows_three_items_a_person_and_links_to_the_rest() {
    let body: String = (0..520)
        .map(|i| format!("- [ ] @dana-kim task {i} (due 2026-12-{:02})\n", i % 28 + 1))
        .collect();
    let sam: String = (0..4)
        .map(|i| format!("- [ ] @\"Sam Ortiz\" job {i}\n"))
        .collect();
    let site = Fixture::new()
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\n---\n")
        .file(
            "content/sessions/2026-01-01-a.md",
            format!("---\ntitle: A\n---\n{body}{sam}"),
        )
        .build_ok();
    let page = site.page("actions/");
    assert_eq!(page.select("#dana-kim li.action").len(), 3);
    assert_eq!(page.text("#dana-kim h3 .count"), "520");
    // Soonest due first.
    assert_eq!(
        page.texts("#dana-kim li.action span[dir]"),
        vec!["task 0", "task 28", "task 56"]
    );
    assert_eq!(
        page.text("#dana-kim p.more"),
        "And 517 more on the page of Dana Kim."
    );
    assert_eq!(page.links("#dana-kim p.more a"), vec!["members/dana-kim/"]);
    // People without a profile have a page too.
    assert_eq!(page.select("#sam-ortiz li.action").len(), 3);
    assert!(page.text(".lede").contains("524 open"));
    let dana = site.page("members/dana-kim/");
    assert_eq!(dana.select("#actions-h ~ ul li.action").len(), 520);
}
