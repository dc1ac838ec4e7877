//! Growth: what a build produces must grow linearly with the notes. A
//! quadratic step (every page listing every other page, a topic page
//! serializing its sessions for every pager) shows up as output that grows
//! faster than the input — measured in bytes, not seconds.

use crate::util::*;
use std::path::Path;

fn site(notes: usize) -> Fixture {
    let f = Fixture::new();
    let members = notes / 5;
    for m in 0..members {
        f.write(
            &format!("content/members/m{m}.md"),
            format!(
                "---\nname: Member {m}\ncommunities: [c{}]\n---\nBio {m}.\n",
                m % 3
            ),
        );
    }
    for c in 0..3 {
        f.write(
            &format!("content/communities/c{c}.md"),
            format!("---\nname: Circle {c}\n---\n"),
        );
    }
    for n in 0..notes {
        let people: Vec<String> = (0..8)
            .map(|k| format!("m{}", (n * 7 + k * 13) % members))
            .collect();
        f.write(
            &format!("content/sessions/{}-{:02}-{:02}-n{n}.md", 2020 + n % 7, n % 12 + 1, n % 28 + 1),
            format!(
                "---\ntitle: Note {n}\ncommunity: c{}\nattendees: [{}]\ntags: [t{}, t{}]\n---\nText about t{} with [[m{}]].\n\n- [ ] @m{} follow up\n",
                n % 3,
                people.join(", "),
                n % 20,
                (n + 3) % 20,
                n % 20,
                (n * 3) % members,
                (n * 11) % members
            ),
        );
    }
    f
}

fn bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum()
}

#[test]
fn output_grows_linearly_with_the_notes() {
    let small = site(100).build_ok();
    let large = site(400).build_ok();
    let (s, l) = (bytes(&small.out), bytes(&large.out));
    let ratio = l as f64 / s as f64;
    eprintln!("output: {s} -> {l} bytes ({ratio:.2}x)");
    // Four times the notes (and people): about four times the bytes. A
    // quadratic step would give sixteen.
    assert!(
        ratio < 4.4,
        "output grew {ratio:.2}x for 4x the notes ({s} -> {l} bytes)"
    );
    assert!(large.pages().len() <= small.pages().len() * 4 + 40);
}

/// 230 past sessions over three years, all about `review` and one in 50
/// about `rare` too, and two upcoming; one person at all.
pub fn long_list() -> Fixture {
    let f = Fixture::new().file("content/members/eli.md", "---\nname: Eli\n---\n");
    for i in 0..230 {
        let rare = if i % 50 == 0 { ", rare" } else { "" };
        f.write(
            &format!("content/sessions/s{i:03}.md"),
            format!(
                "---\ntitle: Session {i}\ndate: {}-{:02}-{:02}\nattendees: [eli]\ntags: [review{rare}]\n---\nNotes {i}.\n",
                2022 + i / 80,
                i % 12 + 1,
                i % 28 + 1
            ),
        );
    }
    for i in 0..2 {
        f.write(
            &format!("content/sessions/later-{i}.md"),
            format!("---\ntitle: Later {i}\ndate: 2030-0{}-01\n---\n", i + 1),
        );
    }
    f
}

/// Checks page `n` of the `total` pages of a list whose first page is at
/// `first` (the others at `<first>page/<n>/`): one labelled pager, with
/// links to the pages before and after. Returns the next page, if any.
#[track_caller]
fn next_page(page: &Page, first: &str, n: usize, total: usize) -> Option<Page> {
    let url = |k: usize| match k {
        1 => first.to_string(),
        k => format!("{first}page/{k}/"),
    };
    assert_eq!(page.select("nav.pager[aria-label]").len(), 1, "page {n}");
    let prev: Vec<String> = (n > 1).then(|| url(n - 1)).into_iter().collect();
    assert_eq!(page.links("nav.pager a[rel=prev]"), prev, "page {n}");
    let next: Vec<String> = (n < total).then(|| url(n + 1)).into_iter().collect();
    assert_eq!(page.links("nav.pager a[rel=next]"), next, "page {n}");
    (n < total).then(|| page.follow("nav.pager a[rel=next]"))
}

/// `items` are `n` different strings.
#[track_caller]
fn assert_distinct(items: &[String], n: usize) {
    let unique: std::collections::BTreeSet<&String> = items.iter().collect();
    assert_eq!((items.len(), unique.len()), (n, n), "{items:?}");
}

#[test]
fn the_session_list_is_paged_and_reaches_every_session() {
    let site = long_list().build_ok();
    let first = site.page("sessions/");
    assert_eq!(first.text("h1"), "Sessions");
    assert_eq!(
        first.links("#upcoming-h ~ ul a.card-title"),
        vec!["sessions/later-0/", "sessions/later-1/"]
    );
    // Upcoming first, then past sessions newest first, 100 a page: 98 past
    // sessions on the first, then 100, then 32.
    let mut seen = Vec::new();
    let mut page = first;
    let mut titles = Vec::new();
    for n in 1..=3 {
        assert_eq!(page.text(".lede"), format!("Page {n} of 3."));
        titles.push(page.text("title"));
        let cards = page.links("section[aria-labelledby^=y] a.card-title");
        assert_eq!(cards.len(), [98, 100, 32][n - 1], "page {n}");
        seen.extend(cards);
        match next_page(&page, "sessions/", n, 3) {
            Some(next) => page = next,
            None => break,
        }
    }
    assert!(!site.exists("sessions/page/1/"));
    assert!(!site.exists("sessions/page/4/"));
    // Every past session exactly once, newest first.
    assert_distinct(&seen, 230);
    assert!(seen[0] > seen[229], "{} then {}", seen[0], seen[229]);
    // Titles tell the pages apart.
    assert_distinct(&titles, 3);
    // The year index links to where each year starts, on every page.
    let page3 = site.page("sessions/page/3/");
    for p in [site.page("sessions/"), page3] {
        let years = p.select("nav.year-index a");
        assert_eq!(years.len(), 3);
        for a in years {
            let href = a.value().attr("href").unwrap();
            let (_, anchor) = href.split_once('#').expect("an anchor");
            let target = site.page(&p.resolve(href).unwrap());
            assert_eq!(target.select(&format!("h2#{anchor}")).len(), 1, "{href}");
        }
    }
    // The sitemap lists the list pages.
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("sessions/page/3/</loc>"));
    assert!(site.broken_links().is_empty());
}

#[test]
fn a_long_topic_is_paged_and_reaches_every_session() {
    let site = long_list().build_ok();
    let first = site.page("topics/review/");
    assert_eq!(first.text("h1"), "review");
    // Newest first, 100 a page, the count of all of them on every page.
    let (mut seen, mut days, mut titles) = (Vec::new(), Vec::new(), Vec::new());
    let mut page = first;
    for n in 1..=3 {
        assert_eq!(page.text(".page-head .lede"), format!("Page {n} of 3."));
        assert_eq!(page.text("#sessions-h .count"), "230", "page {n}");
        titles.push(page.text("title"));
        let rows = page.links("#sessions-h ~ ul.rows a.card-title");
        assert_eq!(rows.len(), [100, 100, 30][n - 1], "page {n}");
        seen.extend(rows);
        days.extend(
            page.select("#sessions-h ~ ul.rows time")
                .into_iter()
                .filter_map(|t| t.value().attr("datetime").map(str::to_string)),
        );
        // Who talked about it and related topics: on the first page only.
        assert_eq!(page.select("aside.sidebar").len(), usize::from(n == 1));
        if n == 1 {
            assert_eq!(page.links("#people-h ~ ul.people a"), vec!["members/eli/"]);
            assert_eq!(
                page.links("#related-h ~ ul a.related"),
                vec!["topics/rare/"]
            );
        }
        match next_page(&page, "topics/review/", n, 3) {
            Some(next) => page = next,
            None => break,
        }
    }
    assert!(!site.exists("topics/review/page/1/"));
    assert!(!site.exists("topics/review/page/4/"));
    // Every session exactly once, newest first.
    assert_distinct(&seen, 230);
    assert_eq!(days.len(), 230);
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    assert!(days[0] > days[229]);
    assert_distinct(&titles, 3);
    // A topic that fits on one page has no pager.
    let rare = site.page("topics/rare/");
    assert!(rare.select("nav.pager").is_empty());
    assert_eq!(rare.links("#sessions-h ~ ul.rows a.card-title").len(), 5);
    assert!(!site.exists("topics/rare/page/2/"));
    let sitemap = site.read("sitemap.xml");
    assert!(sitemap.contains("topics/review/page/3/</loc>"));
    assert!(site.broken_links().is_empty());
}

#[test]
fn a_topic_with_nothing_beside_its_sessions_has_no_empty_sidebar() {
    // Nobody at its one session, and no other topic.
    let site = Fixture::new()
        .file(
            "content/sessions/lone.md",
            "---\ntitle: Lone\ndate: 2021-06-01\ntags: [lone]\n---\n",
        )
        .build_ok();
    let lone = site.page("topics/lone/");
    assert!(lone.select("aside").is_empty());
    assert_eq!(
        lone.links("#sessions-h ~ ul.rows a.card-title"),
        vec!["sessions/lone/"]
    );
}

#[test]
fn a_long_participation_timeline_is_grouped_by_month() {
    let site = long_list().build_ok();
    let eli = site.page("members/eli/");
    let svg = eli.select("figure.chart svg[role=group]");
    assert_eq!(svg.len(), 1);
    // Columns with counts, not a linked mark per session: the lists below
    // link every session.
    assert!(eli.select("figure.chart svg a").is_empty());
    assert!(eli.select("figure.chart svg g > title").len() >= 30);
    assert!(eli.text("figure.chart figcaption").starts_with("Columns:"));
    assert_eq!(eli.links("#attended-h ~ ul a.card-title").len(), 230);
}

#[test]
fn a_long_attendance_chart_is_grouped_by_month() {
    let f = Fixture::new().file("content/communities/weekly.md", "---\nname: Weekly\n---\n");
    // 66 sessions over 17 months, the fourth of each month cancelled; two
    // people at each, one of them new after the first.
    for i in 0..66 {
        let status = if i % 4 == 3 {
            "status: cancelled\n"
        } else {
            ""
        };
        f.write(
            &format!("content/sessions/w{i:02}.md"),
            format!(
                "---\ntitle: Week {i}\ndate: {}-{:02}-{:02}\ncommunity: weekly\nattendees: [a, b{}]\n{status}---\n",
                2024 + i / 48,
                i % 48 / 4 + 1,
                i % 4 * 7 + 1,
                i % 5
            ),
        );
    }
    let site = f.build_ok();
    let c = site.page("communities/weekly/");
    let svg = c.select("#attendance-h ~ figure svg[role=group]");
    assert_eq!(svg.len(), 1);
    // A column per month (17 of them, from January 2024 to May 2025),
    // each with its tooltip, and no link per session...
    assert!(c.select("figure.chart svg a").is_empty());
    let tips = c.texts("figure.chart svg g > title");
    assert_eq!(tips.len(), 17, "{tips:?}");
    assert_eq!(
        tips[0],
        "January 2024: 4 sessions, 2.0 people on average (1.3 new); 1 cancelled"
    );
    assert!(
        c.text("figure.chart svg desc")
            .ends_with("Each column is the average session of a month.")
    );
    assert!(c.text("figure.chart figcaption").starts_with("Columns:"));
    // ... which the table under it still has, every one of them.
    assert_eq!(c.select(".figures-table tbody tr").len(), 66);
    assert!(site.broken_links().is_empty());
}
