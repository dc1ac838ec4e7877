//! The search index, queried by the real `search.js` run under node (the
//! same code the browser runs). Skipped, with a message, without node.

use crate::util::*;
use std::path::Path;
use std::process::Command;

const DRIVER: &str = r#"
const s = require(process.argv[2]);
const fs = require("fs"), path = require("path");
const root = process.argv[3];
const get = p => Promise.resolve(JSON.parse(fs.readFileSync(path.join(root, p), "utf8")));
(async () => {
  const r = await s.search(process.argv[4], JSON.parse(process.argv[5] || "{}"), get);
  const out = [];
  for (const h of r.hits.slice(0, 20)) out.push((await s.record(h.doc, get)).u);
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"#;

fn node() -> bool {
    let ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipped: node is not installed, so search.js cannot run here");
    }
    ok
}

/// URLs of the hits for `query`, best first.
fn query(out: &Path, q: &str, filters: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let driver = dir.path().join("driver.js");
    std::fs::write(&driver, DRIVER).unwrap();
    // A copy with a .js name node will load as CommonJS.
    let lib = dir.path().join("search.js");
    std::fs::copy(out.join("search.js"), &lib).unwrap();
    let run = Command::new("node")
        .arg(&driver)
        .arg(&lib)
        .arg(out)
        .arg(q)
        .arg(filters)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).unwrap()
}

fn fixture() -> Fixture {
    Fixture::new()
        .file("content/members/ana.md", "---\nname: Ana Lima\nexpertise: [budgets]\n---\nAna keeps the accounts.\n")
        .file("content/members/mo.md", "---\nname: Mo Private\nprivate: true\n---\nMo collects zanzibarite stones.\n")
        .file("content/sessions/2026-03-06-budgets.md", "---\ntitle: Budgets for learning\nattendees: [Ana Lima, Bo Chen]\ntags: [budgets]\n---\nWho pays for our learning? We met at the Café Crème.\n")
        .file("content/sessions/2026-04-01-reins.md", "---\ntitle: Holding the reins\ntags: [leadership]\n---\nنناقش القِيَادَة في مجتمع الممارسة.\n\nThe budget came up briefly.\n")
        .file("content/sessions/2026-05-01-secret.md", "---\ntitle: Secret\ndraft: true\n---\nquixotically unfindable word.\n")
}

#[test]
fn the_index_answers_queries_as_the_browser_would() {
    if !node() {
        return;
    }
    let site = fixture().build_ok();
    let out = &site.out;
    // Title and tags rank above a passing mention in a body.
    let hits = query(out, "budgets", "{}");
    assert_eq!(hits[0], "sessions/2026-03-06-budgets/", "{hits:?}");
    assert!(hits.contains(&"members/ana/".to_string()), "{hits:?}");
    // The word being typed matches as a prefix.
    let typed = query(out, "budg", "{}");
    assert!(
        typed.contains(&"sessions/2026-04-01-reins/".to_string()),
        "{typed:?}"
    );
    // Two words: pages with both first.
    assert_eq!(
        query(out, "budgets learning ", "{}")[0],
        "sessions/2026-03-06-budgets/"
    );
    // Accents and case fold.
    assert_eq!(
        query(out, "cafe creme ", "{}"),
        vec!["sessions/2026-03-06-budgets/"]
    );
    // Arabic as written, with or without diacritics.
    assert_eq!(
        query(out, "القيادة ", "{}"),
        vec!["sessions/2026-04-01-reins/"]
    );
    assert_eq!(
        query(out, "القِيَادَة ", "{}"),
        vec!["sessions/2026-04-01-reins/"]
    );
    // Filters.
    // People: the expert first, then who attended a session on it.
    assert_eq!(
        query(out, "budgets", r#"{"kind":"member"}"#),
        vec!["members/ana/", "members/bo-chen/"]
    );
    assert!(query(out, "budgets", r#"{"year":"2025"}"#).is_empty());
}

#[test]
fn drafts_and_private_profiles_are_not_findable() {
    if !node() {
        return;
    }
    let site = fixture().build_ok();
    assert!(query(&site.out, "quixotically ", "{}").is_empty());
    assert!(query(&site.out, "zanzibarite ", "{}").is_empty());
    assert!(
        query(&site.out, "Mo Private ", "{}")
            .iter()
            .all(|u| !u.contains("members/mo"))
    );
    // Not even in the index files.
    for e in walkdir::WalkDir::new(site.out.join("search"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
    {
        let text = std::fs::read_to_string(e.path()).unwrap();
        assert!(
            !text.contains("quixotically") && !text.contains("zanzibarite"),
            "{}",
            e.path().display()
        );
    }
}

#[test]
fn the_example_site_finds_the_budgets_session_and_its_people() {
    if !node() {
        return;
    }
    let f = Fixture::new();
    let out = f.root().join("out");
    let run = f.cairn(&[
        "build",
        "--root",
        concat!(env!("CARGO_MANIFEST_DIR"), "/example-site"),
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hits = query(&out, "budget", "{}");
    assert!(
        hits.iter()
            .take(3)
            .any(|u| u == "sessions/2026-07-08-budgets-for-learning/"),
        "{hits:?}"
    );
    assert!(hits.iter().any(|u| u.starts_with("members/")), "{hits:?}");
}

#[test]
fn every_page_has_a_search_box_and_the_search_page_works_without_js_too() {
    let site = fixture().build_ok();
    for url in site.pages() {
        let p = site.page(&url);
        assert_eq!(
            p.select("form[role=search] input[type=search]")
                .len()
                .min(1),
            1,
            "/{url}"
        );
    }
    let s = site.page("search/");
    assert!(
        s.links("noscript a").contains(&"topics/".to_string()) || s.source.contains("<noscript>")
    );
    let action = s.select("form.site-search")[0]
        .value()
        .attr("action")
        .unwrap();
    assert_eq!(s.resolve(action), Some("search/".to_string()));
}

// ---- incremental updates (what `cairn serve` does after an edit) ----

use cairn::search::{Delta, SearchIndex};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The linked site of the fixture as it is on disk now (with bodies
/// rendered), and its time zone.
fn linked(root: &Path) -> (cairn::model::Site, chrono_tz::Tz) {
    let config = cairn::config::Config::load(root).unwrap();
    let opts = cairn::build::BuildOptions {
        include_drafts: false,
        now: chrono::DateTime::from_timestamp(NOW.parse().unwrap(), 0).unwrap(),
        exclude: vec![],
    };
    let (built, diags) = cairn::build::build(&config, &opts);
    assert!(!diags.has_errors(), "{:?}", diags.sorted());
    (built.site, config.timezone)
}

fn as_map(files: Vec<(String, Vec<u8>)>) -> BTreeMap<String, Vec<u8>> {
    let n = files.len();
    let map: BTreeMap<String, Vec<u8>> = files.into_iter().collect();
    assert_eq!(map.len(), n, "a path came twice");
    map
}

/// Applies `delta` to files kept as the output folder would keep them.
fn apply(disk: &mut BTreeMap<String, Vec<u8>>, delta: &Delta) {
    for path in &delta.remove {
        assert!(disk.remove(path).is_some(), "removes {path}, not there");
    }
    for (path, bytes) in &delta.put {
        assert!(
            disk.get(path) != Some(bytes),
            "rewrites {path} with the same bytes"
        );
        disk.insert(path.clone(), bytes.clone());
    }
}

fn updates_fixture() -> Fixture {
    Fixture::new()
        .file("content/members/ana.md", "---\nname: Ana Lima\nexpertise: [budgets]\nrole: Treasurer\n---\nAna keeps the accounts of [[tech]].\n")
        .file("content/members/bo.md", "---\nname: Bo Chen\naka: [Bobo]\n---\nBo writes grant reports.\n")
        .file("content/members/mo.md", "---\nname: Mo Private\nprivate: true\n---\nMo collects zanzibarite stones.\n")
        .file("content/communities/tech.md", "---\nname: Tech Circle\ndescription: People who became the tech person.\n---\nWe meet monthly.\n")
        .file("content/pages/about.md", "---\ntitle: About\n---\nRun by [[Bo Chen]] since 2020.\n")
        .file("content/sessions/2026-03-06-budgets.md", "---\ntitle: Budgets for learning\ncommunity: tech\nattendees: [ana, bo]\ntags: [budgets]\n---\nWho pays for our learning? [[ana]] asked. We met at the Café Crème.\n\n- [ ] @mo send the survey\n- [ ] @ana check the ledger\n")
        .file("content/sessions/2026-04-01-reins.md", "---\ntitle: Holding the reins\ntags: [leadership]\nattendees: [bo]\n---\nنناقش القِيَادَة في مجتمع الممارسة.\n\nThe budget came up briefly.\n")
        .file("content/sessions/2026-05-01-third.md", "---\ntitle: Third time lucky\ncommunity: tech\nattendees: [ana]\ntags: [luck]\n---\nA quiet evening about spreadsheets.\n")
}

type Edit = fn(&Fixture) -> Vec<&'static str>;

#[test]
fn an_update_writes_what_a_fresh_build_would() {
    let f = updates_fixture();
    let (site, tz) = linked(f.root());
    let mut ix = SearchIndex::build(&site, tz);
    assert_eq!(
        as_map(ix.files()),
        as_map(cairn::search::build(&site, tz)),
        "SearchIndex::build and build agree"
    );
    let mut disk = as_map(ix.files());
    let steps: Vec<(&str, Edit)> = vec![
        ("nothing changed", |_| vec![]),
        ("a word of a body", |f| {
            let p = "content/sessions/2026-03-06-budgets.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("Who pays", "Who funds"));
            vec![p]
        }),
        ("a title", |f| {
            let p = "content/sessions/2026-04-01-reins.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(
                p,
                text.replace("Holding the reins", "Holding the budget reins"),
            );
            vec![p]
        }),
        ("tags", |f| {
            let p = "content/sessions/2026-05-01-third.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("[luck]", "[luck, budgets]"));
            vec![p]
        }),
        ("an attendee who has a page", |f| {
            let p = "content/sessions/2026-05-01-third.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("[ana]", "[ana, bo]"));
            vec![p]
        }),
        ("an attendee new to the site", |f| {
            let p = "content/sessions/2026-05-01-third.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("bo]", "bo, Cy Newcomer]"));
            vec![p]
        }),
        ("a member renamed (sessions and links follow)", |f| {
            let p = "content/members/ana.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("Ana Lima", "Ana Lima-Silva"));
            vec![p]
        }),
        ("a private member renamed", |f| {
            let p = "content/members/mo.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("Mo Private", "Mo Hidden"));
            vec![p]
        }),
        ("a community's description", |f| {
            let p = "content/communities/tech.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("tech person", "spreadsheet person"));
            vec![p]
        }),
        ("a community renamed (a bio links to it)", |f| {
            let p = "content/communities/tech.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("Tech Circle", "Tech Guild"));
            vec![p]
        }),
        ("a page", |f| {
            let p = "content/pages/about.md";
            f.write(
                p,
                "---\ntitle: About us\n---\nRun by [[Bo Chen]] since 2021, with [[ana]].\n",
            );
            vec![p]
        }),
        ("a note added", |f| {
            let p = "content/sessions/2026-06-01-fourth.md";
            f.write(p, "---\ntitle: Fourth\nattendees: [Bo Chen]\ntags: [budgets, minutes]\n---\nMinutes and budgets.\n");
            vec![p]
        }),
        ("a note removed", |f| {
            let p = "content/sessions/2026-04-01-reins.md";
            std::fs::remove_file(f.root().join(p)).unwrap();
            vec![p]
        }),
        ("a note made a draft", |f| {
            let p = "content/sessions/2026-05-01-third.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replacen("---\n", "---\ndraft: true\n", 1));
            vec![p]
        }),
        ("a draft published again", |f| {
            let p = "content/sessions/2026-05-01-third.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("draft: true\n", ""));
            vec![p]
        }),
        ("a date that moves the note", |f| {
            let from = "content/sessions/2026-03-06-budgets.md";
            let to = "content/sessions/2026-07-01-budgets.md";
            let text = std::fs::read_to_string(f.root().join(from)).unwrap();
            std::fs::remove_file(f.root().join(from)).unwrap();
            f.write(to, text);
            vec![from, to]
        }),
        ("a body word, after all that", |f| {
            let p = "content/sessions/2026-07-01-budgets.md";
            let text = std::fs::read_to_string(f.root().join(p)).unwrap();
            f.write(p, text.replace("ledger", "books"));
            vec![p]
        }),
    ];
    for (n, (what, edit)) in steps.into_iter().enumerate() {
        // As a watcher reports them: absolute, or relative to the root.
        let changed: Vec<PathBuf> = edit(&f)
            .iter()
            .map(|p| match n % 2 {
                0 => f.root().join(p),
                _ => PathBuf::from(p),
            })
            .collect();
        let (site, tz) = linked(f.root());
        let delta = ix.update(&site, tz, &changed);
        apply(&mut disk, &delta);
        let fresh = as_map(SearchIndex::build(&site, tz).files());
        if disk != fresh {
            let differ: std::collections::BTreeSet<&String> = fresh
                .keys()
                .chain(disk.keys())
                .filter(|k| disk.get(*k) != fresh.get(*k))
                .collect();
            panic!("after {what}: these files differ from a fresh build: {differ:?}");
        }
        assert_eq!(as_map(ix.files()), fresh, "after {what}: files()");
        match what {
            "nothing changed" => assert!(delta.is_empty(), "{delta:?}"),
            // One record at most, and no other note's.
            "a word of a body" | "a body word, after all that" => {
                let records: Vec<&String> = delta
                    .put
                    .iter()
                    .map(|(p, _)| p)
                    .filter(|p| p.starts_with("search/r/"))
                    .collect();
                assert!(records.len() <= 1, "after {what}: {records:?}");
                assert!(delta.remove.is_empty());
            }
            _ => {}
        }
    }
}
