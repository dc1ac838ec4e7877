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
  for (const h of r.hits.slice(0, 20)) out.push((await get("search/r/" + h.doc + ".json")).u);
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
