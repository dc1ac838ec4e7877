//! The command line: exit codes, check, and the closing summary.

use crate::util::*;

#[test]
fn check_writes_nothing_and_reports_like_build() {
    let f = Fixture::new().file("content/sessions/a.md", "---\ndate: 2026-13-01\n---\n");
    let run = f.cairn(&["check"]);
    assert_eq!(run.code, 1);
    run.says("content/sessions/a.md:2:7").says("no month 13");
    assert!(!f.root().join("public").exists());
}

#[test]
fn check_json_is_machine_readable() {
    let f = Fixture::new().file("content/sessions/a.md", "---\ndate: 2026-13-01\n---\n");
    let run = f.cairn(&["check", "--format", "json"]);
    assert_eq!(run.code, 1);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"], "content/sessions/a.md");
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], 7);
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "date");
}

#[test]
fn a_clean_build_says_what_it_built() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "x");
    let run = f.build();
    assert_eq!(run.code, 0);
    run.says("Built ").says(" pages from 1 notes in ");
}

#[test]
fn bad_usage_exits_2() {
    let f = Fixture::new();
    assert_eq!(f.cairn(&["build", "--no-such-flag"]).code, 2);
    assert_eq!(f.cairn(&["frobnicate"]).code, 2);
}

#[test]
fn config_errors_are_json_too_and_a_missing_theme_is_a_config_error() {
    let f = Fixture::new().file("cairn.yaml", "titel: x\n");
    let run = f.cairn(&["check", "--format", "json"]);
    assert_eq!(run.code, 2);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(v["diagnostics"][0]["suggestion"], "did you mean `title`?");
    let f = Fixture::new().config("theme: nosuch\n");
    assert_eq!(f.build().code, 2);
}
