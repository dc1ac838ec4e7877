//! Drafts and private profiles over HTTP: a real `cairn serve` is crawled
//! from `/` by following every link, plus the feeds, the calendars, the
//! sitemap and every file of the search index, and no answer may contain
//! any of the words that only drafts and private profiles hold.

use crate::util::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Words found only in drafts (sessions, a page, a profile), each once.
const DRAFT_MARKERS: [&str; 18] = [
    "zqdrafttitle",
    "zqdraftsummary",
    "zqdraftlocation",
    "zqdraftfacilitator",
    "zqdraftonlyperson",
    "zqdrafttag",
    "zqdraftheading",
    "zqdraftbody",
    "zqdraftaction",
    "zqdraftfuturetitle",
    "zqdraftfuturebody",
    "zqdraftmember",
    "zqdraftrole",
    "zqdraftorg",
    "zqdraftexpertise",
    "zqdraftbio",
    "zqdraftpagetitle",
    "zqdraftpagebody",
];

/// Words found only in private profiles. Mo Private's name is not one: a
/// private person's name is shown, unlinked, where notes name them.
const PRIVATE_MARKERS: [&str; 9] = [
    "zqprivaterole",
    "zqprivateorg",
    "zqprivateexpertise",
    "zqprivatealias",
    "zqprivatelink",
    "zqprivatebio",
    "zqprivatename",
    "zqprivatehiddenrole",
    "zqprivatehiddenbio",
];

/// Where the profiles that must have no page would be.
const NO_PAGES: [&str; 3] = ["members/mo/", "members/hidden/", "members/draftee/"];

/// A circle with two published sessions (one past, one upcoming), a public
/// member, a private member named in a published note, a private member
/// named nowhere, a draft member, two draft sessions (one upcoming) that
/// name people, topics and actions of their own, and a draft page.
fn secretive_site() -> Fixture {
    Fixture::new()
        .file(
            "content/communities/circle.md",
            "---\nname: Open Circle\ndescription: A circle that meets in the open.\nlead: [Dana Kim]\n---\nWe meet.\n",
        )
        .file(
            "content/members/dana.md",
            "---\nname: Dana Kim\nrole: Facilitator\ncommunities: [circle]\nexpertise: [budgets]\n---\nDana's public bio.\n",
        )
        .file(
            "content/members/mo.md",
            "---\nname: Mo Private\nrole: Zqprivaterole coordinator\norganization: Zqprivateorg Collective\njoined: 2026-01-05\ncommunities: [circle]\nexpertise: [zqprivateexpertise]\naka: [Zqprivatealias]\nlinks:\n  site: https://zqprivatelink.example.org/\nprivate: true\n---\nZqprivatebio: Mo's own words.\n",
        )
        .file(
            "content/members/hidden.md",
            "---\nname: Zqprivatename Hidden\nrole: Zqprivatehiddenrole\nprivate: true\n---\nZqprivatehiddenbio.\n",
        )
        .file(
            "content/members/draftee.md",
            "---\nname: Zqdraftmember Person\nrole: Zqdraftrole\norganization: Zqdraftorg\nexpertise: [zqdraftexpertise]\ndraft: true\n---\nZqdraftbio.\n",
        )
        .file(
            "content/sessions/2026-03-06-open.md",
            "---\ntitle: Open session\ncommunity: circle\nattendees: [Dana Kim, Mo Private]\ntags: [budgets]\n---\nWe talked about budgets with [[Mo Private]] and [[Dana Kim]].\n\nSee also [[2026-04-01-planning]].\n\n- [ ] Dana Kim to share the notes\n",
        )
        .file(
            "content/sessions/2026-12-10-next.md",
            "---\ntitle: Next session\ncommunity: circle\nattendees: [Dana Kim]\ntags: [budgets]\n---\nPlanned.\n",
        )
        .file(
            "content/sessions/2026-04-01-planning.md",
            "---\ntitle: Zqdrafttitle meeting\ndraft: true\ncommunity: circle\nsummary: Zqdraftsummary text.\nlocation: Zqdraftlocation hall\nfacilitators: [Zqdraftfacilitator Jones]\nattendees: [Dana Kim, Zqdraftonlyperson Smith, Zqdraftmember Person]\ntags: [zqdrafttag]\n---\n# Zqdraftheading\n\nZqdraftbody words.\n\n- [ ] Dana Kim to zqdraftaction\n",
        )
        .file(
            "content/sessions/2026-12-01-future.md",
            "---\ntitle: Zqdraftfuturetitle\ndraft: true\ncommunity: circle\nattendees: [Dana Kim]\n---\nZqdraftfuturebody.\n",
        )
        .file("content/pages/about.md", "# About\n\nAbout us.\n")
        .file(
            "content/pages/wip.md",
            "---\ntitle: Zqdraftpagetitle\ndraft: true\n---\nZqdraftpagebody.\n",
        )
}

/// The site path (`/a/b/`) that `href`, found on the page at `base`,
/// points to on this server; `None` for other sites and fragments.
fn resolve(addr: &str, base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    let href = href.split('#').next().unwrap_or("");
    let href = href.split('?').next().unwrap_or("");
    let own = format!("http://{addr}");
    let path = if let Some(rest) = href.strip_prefix(&own) {
        if rest.is_empty() { "/" } else { rest }.to_string()
    } else if href.is_empty() || href.contains(':') || href.starts_with("//") {
        return None; // this page, or another site or scheme
    } else if href.starts_with('/') {
        href.to_string()
    } else {
        format!("{}{href}", &base[..=base.rfind('/').unwrap_or(0)])
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    // A path ending in `/.` or `/..` names a folder.
    if path.ends_with("/.") || path.ends_with("/..") {
        parts.push("");
    }
    Some(format!("/{}", parts.join("/")))
}

/// Every answer the server gives, by path: each page reachable from `/`
/// (and every file those pages link to), the feeds, calendars, sitemap,
/// robots.txt, a missing page, the search script and every file of the
/// search index.
fn crawl(addr: &str) -> BTreeMap<String, Reply> {
    let mut seen: BTreeMap<String, Reply> = BTreeMap::new();
    let mut queue: VecDeque<String> = [
        "/",
        "/feed.xml",
        "/calendar.ics",
        "/communities/circle/calendar.ics",
        "/sitemap.xml",
        "/robots.txt",
        "/no/such/page/",
        "/search.js",
        "/search/manifest.json",
        "/search/facets.json",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let links = sel("a[href], link[href], script[src], img[src], iframe[src], form[action]");
    while let Some(path) = queue.pop_front() {
        if seen.contains_key(&path) {
            continue;
        }
        assert!(seen.len() < 2_000, "the crawl does not end");
        let reply = get(addr, &path);
        if reply.status == 301 {
            let to = reply
                .headers
                .lines()
                .find_map(|l| l.strip_prefix("Location: "))
                .expect("a 301 says where");
            queue.push_back(to.trim().to_string());
        }
        let html = reply
            .headers
            .to_ascii_lowercase()
            .contains("content-type: text/html");
        if html {
            let doc = scraper::Html::parse_document(&reply.text());
            for el in doc.select(&links) {
                let v = el.value();
                let href = ["href", "src", "action"]
                    .iter()
                    .find_map(|a| v.attr(a))
                    .unwrap_or("");
                if let Some(p) = resolve(addr, &path, href) {
                    queue.push_back(p);
                }
            }
        }
        if !html {
            // Feeds, calendars and the sitemap name pages by full URL.
            let own = format!("http://{addr}/");
            let text = reply.text();
            for (at, _) in text.match_indices(&own) {
                let url: String = text[at..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !"<>\"'\\".contains(*c))
                    .collect();
                queue.extend(resolve(addr, "/", &url));
            }
        }
        if path == "/search/manifest.json" {
            let m: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
            for n in m["shards"].as_object().expect("shards").values() {
                queue.push_back(format!("/search/s/{}.json", n.as_u64().unwrap()));
            }
            for n in 0..m["docs"].as_u64().expect("docs") {
                queue.push_back(format!("/search/r/{n}.json"));
            }
        }
        seen.insert(path, reply);
    }
    seen
}

/// Each marker that appears, with the paths it appears in.
fn found(answers: &BTreeMap<String, Reply>, markers: &[&str]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, reply) in answers {
        let text = format!("{}\n{}", reply.headers, reply.text()).to_lowercase();
        for m in markers {
            if text.contains(m) {
                out.entry(m.to_string()).or_default().push(path.clone());
            }
        }
    }
    out
}

#[test]
fn no_draft_or_private_profile_is_served_anywhere() {
    let f = secretive_site();
    let mut s = Server::for_site(&f);
    let answers = crawl(&s.addr);
    let paths: BTreeSet<&str> = answers.keys().map(String::as_str).collect();
    // The crawl reached the whole site.
    for want in [
        "/sessions/2026-03-06-open/",
        "/sessions/2026-12-10-next/",
        "/members/dana/",
        "/communities/circle/",
        "/topics/budgets/",
        "/actions/",
        "/about/",
        "/search/",
        "/cairn.css",
        "/search/r/0.json",
    ] {
        assert!(paths.contains(want), "the crawl missed {want}: {paths:?}");
    }
    let ok = answers.values().filter(|r| r.status == 200).count();
    assert!(ok > 20, "only {ok} pages and files served");
    let mut all: Vec<&str> = DRAFT_MARKERS.to_vec();
    all.extend(PRIVATE_MARKERS);
    let leaks = found(&answers, &all);
    assert!(leaks.is_empty(), "served: {leaks:#?}");
    // No page for a private or draft profile, and no link to one.
    for path in NO_PAGES {
        assert_eq!(get(&s.addr, &format!("/{path}")).status, 404, "/{path}");
        for (from, reply) in &answers {
            assert!(!reply.text().contains(path), "{from} links to /{path}");
        }
    }
    // The private person named in a note is shown there, unlinked.
    let open = &answers["/sessions/2026-03-06-open/"];
    assert!(open.text().contains("Mo Private"));
    s.healthy();
}

/// The same crawl of the same site served with `--drafts` finds every
/// draft word: the crawl reaches wherever a draft could show.
#[test]
fn the_crawl_finds_drafts_when_they_are_served() {
    let f = secretive_site();
    let mut s = Server::start(f.root(), &["--drafts"]);
    let answers = crawl(&s.addr);
    let drafts = found(&answers, &DRAFT_MARKERS);
    let missing: Vec<&str> = DRAFT_MARKERS
        .iter()
        .copied()
        .filter(|m| !drafts.contains_key(*m))
        .collect();
    assert!(missing.is_empty(), "not found with --drafts: {missing:?}");
    // Private profiles stay private with drafts.
    let private = found(&answers, &PRIVATE_MARKERS);
    assert!(private.is_empty(), "served with --drafts: {private:#?}");
    s.healthy();
}

#[test]
fn links_resolve_like_a_browser() {
    let a = "127.0.0.1:1";
    assert_eq!(resolve(a, "/", "./"), Some("/".into()));
    assert_eq!(resolve(a, "/", "./members/"), Some("/members/".into()));
    assert_eq!(
        resolve(a, "/sessions/x/", "../../cairn.css"),
        Some("/cairn.css".into())
    );
    assert_eq!(resolve(a, "/sessions/x/", ".."), Some("/sessions/".into()));
    assert_eq!(
        resolve(a, "/a/b.html", "c.html#x"),
        Some("/a/c.html".into())
    );
    assert_eq!(
        resolve(a, "/", "/__cairn/live.js"),
        Some("/__cairn/live.js".into())
    );
    assert_eq!(
        resolve(a, "/x/", "http://127.0.0.1:1/feed.xml"),
        Some("/feed.xml".into())
    );
    assert_eq!(resolve(a, "/", "webcal://example.org/c.ics"), None);
    assert_eq!(resolve(a, "/", "https://example.org/"), None);
    assert_eq!(resolve(a, "/", "#main"), None);
    assert_eq!(resolve(a, "/", "mailto:x@example.org"), None);
}
