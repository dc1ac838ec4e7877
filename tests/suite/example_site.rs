//! The example site: builds cleanly, every link resolves, and every
//! session and attendee reach each other.

use crate::util::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Builds example-site once for all tests of this module.
fn example() -> &'static Built {
    static SITE: OnceLock<(tempfile::TempDir, Built)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let out = tempfile::tempdir().unwrap();
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-site");
            let target = out.path().join("site");
            let run = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
                .args(["build", "--root"])
                .arg(&root)
                .arg("--output")
                .arg(&target)
                .env("SOURCE_DATE_EPOCH", NOW)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
            assert!(run.status.success(), "example-site failed:\n{stderr}");
            assert!(
                !stderr.contains("warning"),
                "example-site has warnings:\n{stderr}"
            );
            (out, Built::with_stderr(target, stderr))
        })
        .1
}

#[test]
fn every_internal_link_resolves() {
    let broken = example().broken_links();
    assert!(broken.is_empty(), "{broken:#?}");
}

#[test]
fn every_session_reaches_its_attendees_and_back() {
    let site = example();
    // Every page of the session list, following "Older sessions".
    let mut list = site.page("sessions/");
    let mut sessions = list.links("a.card-title");
    while !list.links("nav.pager a[rel=next]").is_empty() {
        list = list.follow("nav.pager a[rel=next]");
        sessions.extend(list.links("a.card-title"));
    }
    assert!(sessions.len() >= 12, "{sessions:?}");
    let mut people_seen = 0;
    for s in &sessions {
        let page = site.page(s);
        for person in page.links("a.attendee, a.facilitator") {
            people_seen += 1;
            let p = site.page(&person);
            assert!(p.links_to(s), "/{person} does not link back to /{s}");
        }
    }
    assert!(people_seen > 50, "only {people_seen} attendee links");
}

#[test]
fn it_shows_the_communities_and_upcoming_sessions() {
    let site = example();
    let home = site.page("");
    assert!(home.select("#upcoming-h ~ ul li").len() >= 2);
    assert!(home.select("#communities-h ~ ul li").len() >= 3);
}

#[test]
fn no_draft_or_private_profile_leaks() {
    let site = example();
    for url in site.pages() {
        let p = site.page(&url);
        assert!(
            !url.contains("mei-ling-zhou"),
            "private profile page /{url}"
        );
        assert!(!url.contains("lena-vogel"), "draft profile page /{url}");
        assert!(!p.source.contains("Lena Vogel"), "draft member on /{url}");
        assert!(
            !p.source.contains("members/mei-ling-zhou/"),
            "link to private profile on /{url}"
        );
        assert!(
            !url.contains("2026-10-28-welcoming-new-members"),
            "draft session /{url}"
        );
    }
}

#[test]
fn its_calendar_and_feed_parse() {
    let site = example();
    let ics = site.read("calendar.ics");
    let mut parser = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()));
    let cal = parser.next().unwrap().expect("valid calendar");
    assert!(cal.events.len() >= 14);
    let first = &cal.events[0];
    let start = first
        .properties
        .iter()
        .find(|p| p.name == "DTSTART")
        .unwrap();
    // 6 March 2026, 18:30 in Toronto (EST, -05:00).
    assert_eq!(start.value.as_deref(), Some("20260306T233000Z"));
    let cancelled = cal
        .events
        .iter()
        .filter(|e| {
            e.properties
                .iter()
                .any(|p| p.name == "STATUS" && p.value.as_deref() == Some("CANCELLED"))
        })
        .count();
    assert_eq!(cancelled, 1);
    let feed = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&feed).expect("well-formed feed");
    let entries = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .count();
    assert!(entries >= 10, "{entries}");
    assert!(site.page("actions/").select("li.action").len() > 10);
}

#[test]
fn it_works_under_a_sub_path() {
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("example-site");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "build",
            "--base-url",
            "https://example.net/deep/sub/path",
            "--root",
        ])
        .arg(&root)
        .arg("--output")
        .arg(&target)
        .env("SOURCE_DATE_EPOCH", NOW)
        .output()
        .unwrap();
    assert!(run.status.success());
    let site = Built::at(target);
    // Pages link relatively, so they resolve wherever the folder is served.
    assert!(site.broken_links().is_empty(), "{:?}", site.broken_links());
    // Machine files carry absolute addresses under the prefix.
    let prefix = "https://example.net/deep/sub/path/";
    let sitemap = site.read("sitemap.xml");
    let doc = roxmltree::Document::parse(&sitemap).unwrap();
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        !locs.is_empty() && locs.iter().all(|l| l.starts_with(prefix)),
        "{locs:?}"
    );
    let feed = site.read("feed.xml");
    let doc = roxmltree::Document::parse(&feed).unwrap();
    for link in doc.descendants().filter(|n| n.has_tag_name("link")) {
        assert!(link.attribute("href").unwrap().starts_with(prefix));
    }
    assert!(
        site.read("calendar.ics")
            .contains(&format!("URL:{prefix}sessions/"))
    );
    // The 404 page is served at any depth: its links are rooted at the prefix.
    let notfound = scraper::Html::parse_document(&site.read("404.html"));
    let hrefs: Vec<&str> = notfound
        .select(&sel("a[href], link[href]"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    for h in hrefs
        .iter()
        .filter(|h| !h.contains("://") && !h.starts_with('#'))
    {
        assert!(h.starts_with("/deep/sub/path/"), "{h}");
    }
}
