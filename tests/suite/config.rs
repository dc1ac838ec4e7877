//! cairn.yaml: typed, strict about keys, helpful about mistakes.

use crate::util::*;

#[test]
fn an_unknown_key_names_the_closest_known_key_and_exits_2() {
    let run = Fixture::new()
        .file("cairn.yaml", "title: x\ntimezon: UTC\n")
        .build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("unknown key `timezon` in cairn.yaml")
        .says("cairn.yaml:2:1")
        .says("did you mean `timezone`?");
}

#[test]
fn a_missing_config_says_how_to_start() {
    let f = Fixture::new();
    std::fs::remove_file(f.root().join("cairn.yaml")).unwrap();
    let run = f.build();
    assert_eq!(run.code, 2);
    run.says("cairn init");
}

#[test]
fn content_folders_can_be_anywhere_under_the_root() {
    let site = Fixture::new()
        .config("paths:\n  sessions: notes/meetings\n  members: notes/people\n")
        .file(
            "notes/meetings/2026/03/2026-03-06-a.md",
            "---\nattendees: [Ana Lima]\n---\n",
        )
        .file("notes/people/ana.md", "---\nname: Ana Lima\n---\n")
        .build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    assert_eq!(a.links("a.attendee"), vec!["members/ana/"]);
}

#[test]
fn a_bad_time_zone_is_a_usage_error_with_a_suggestion() {
    let run = Fixture::new()
        .file("cairn.yaml", "timezone: Europe/Pariss\n")
        .build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("unknown time zone `Europe/Pariss`")
        .says("did you mean `Europe/Paris`?");
}

#[test]
fn base_url_override_from_the_command_line_is_checked() {
    let f = Fixture::new().file("content/pages/about.md", "# About\n");
    assert_eq!(f.cairn(&["build", "--base-url", "not a url"]).code, 2);
    let run = f.cairn(&["build", "--base-url", "https://example.net/sub"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // 404.html is served at any depth: its links are rooted at base_url's path.
    let notfound = Built::at(f.root().join("public")).read("404.html");
    assert!(notfound.contains("href=\"/sub/sessions/\""), "{notfound}");
}
