//! Authoring: `cairn init` and `cairn new`, as a new user meets them.

use crate::util::*;

fn empty() -> Fixture {
    let f = Fixture::new();
    std::fs::remove_file(f.root().join("cairn.yaml")).unwrap();
    f
}

#[test]
fn init_writes_a_site_that_builds_cleanly_and_refuses_to_run_twice() {
    let f = empty();
    let run = f.cairn(&["init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("cairn.yaml"));
    let site = f.build_ok();
    assert!(!site.stderr.contains("warning"), "{}", site.stderr);
    // One community, two members, two sessions (one past, one upcoming), an about page.
    assert!(site.exists("communities/our-circle/"));
    assert!(site.exists("members/dana-kim/") && site.exists("members/eli-navarro/"));
    assert!(site.exists("about/"));
    let home = site.page("");
    assert_eq!(home.select("#upcoming-h ~ ul li").len(), 1);
    assert_eq!(home.select("#recent-h ~ ul li").len(), 1);
    assert!(site.page("actions/").select("li.action").len() == 2);
    let before = std::fs::read_to_string(f.root().join("cairn.yaml")).unwrap();
    let again = f.cairn(&["init"]);
    assert_eq!(again.code, 2);
    again.says("already holds a site");
    assert_eq!(
        std::fs::read_to_string(f.root().join("cairn.yaml")).unwrap(),
        before
    );
}

#[test]
fn init_into_a_new_folder() {
    let f = empty();
    assert_eq!(f.cairn(&["init", "our-site"]).code, 0);
    let run = f.cairn(&["build", "--root", "our-site"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn new_session_and_member_create_files_that_build_and_never_overwrite() {
    let f = empty();
    f.cairn(&["init"]);
    let run = f.cairn(&[
        "new",
        "session",
        "Power dynamics & conflict: part 2",
        "--date",
        "2026-12-01",
        "--community",
        "our-circle",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = run.stdout.trim().to_string();
    assert!(
        path.ends_with("content/sessions/2026-12-01-power-dynamics-conflict-part-2.md"),
        "{path}"
    );
    let text = std::fs::read_to_string(f.root().join(&path)).unwrap();
    assert!(
        text.contains("title: \"Power dynamics & conflict: part 2\""),
        "{text}"
    );
    // The commented example action is not an action item.
    let site = f.build_ok();
    let s = site.page("sessions/2026-12-01-power-dynamics-conflict-part-2/");
    assert_eq!(s.text("h1"), "Power dynamics & conflict: part 2");
    assert_eq!(s.links(".kicker a"), vec!["communities/our-circle/"]);
    assert!(s.select("aside li.action").is_empty());

    let run = f.cairn(&["new", "member", "Inès Ferrand"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .trim()
            .ends_with("content/members/inès-ferrand.md")
    );
    assert!(f.build_ok().exists("members/inès-ferrand/"));
    let again = f.cairn(&["new", "member", "Inès Ferrand"]);
    assert_eq!(again.code, 2);
    again.says("already exists");
}

#[test]
fn new_session_defaults_to_today_and_checks_the_date() {
    let f = empty();
    f.cairn(&["init"]);
    let run = f.cairn(&["new", "session", "Check-in"]);
    // SOURCE_DATE_EPOCH is 2026-11-23 in the tests.
    assert!(
        run.stdout.trim().ends_with("2026-11-23-check-in.md"),
        "{}",
        run.stdout
    );
    let bad = f.cairn(&["new", "session", "X", "--date", "2026-02-30"]);
    assert_eq!(bad.code, 2);
    bad.says("`2026-02-30` is not a date");
}

fn git(f: &Fixture, args: &[&str], author: &str, date: &str) -> bool {
    std::process::Command::new("git")
        .args(args)
        .current_dir(f.root())
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", "a@example.org")
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", "a@example.org")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn pages_show_their_last_change_from_git_and_an_edit_link() {
    let f = Fixture::new()
        .config("git: true\nrepo_url: https://github.com/example/notes\n")
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: A\n---\nFirst.\n",
        )
        .file("content/pages/about.md", "# About\n");
    if !git(&f, &["init", "-q"], "x", "2026-01-01T00:00:00Z") {
        eprintln!("skipped: git is not installed");
        return;
    }
    assert!(git(&f, &["add", "."], "Ana Lima", "2026-03-07T10:00:00Z"));
    assert!(git(
        &f,
        &["commit", "-qm", "first"],
        "Ana Lima",
        "2026-03-07T10:00:00Z"
    ));
    f.write(
        "content/sessions/2026-03-06-a.md",
        "---\ntitle: A\n---\nSecond.\n",
    );
    assert!(git(
        &f,
        &["commit", "-qam", "second"],
        "Bo Chen",
        "2026-04-02T10:00:00Z"
    ));
    let site = f.build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    assert_eq!(a.text(".page-source time"), "2026-04-02");
    assert_eq!(a.text(".updated-by"), "Bo Chen");
    assert_eq!(
        a.select("a.edit-link")[0].value().attr("href"),
        Some("https://github.com/example/notes/edit/main/content/sessions/2026-03-06-a.md")
    );
    assert_eq!(site.page("about/").text(".updated-by"), "Ana Lima");
    // Generated pages have no note behind them.
    assert!(site.page("topics/").select(".page-source").is_empty());

    // A shallow clone: no dates, one warning, still a successful build.
    let clone = Fixture::new();
    let url = format!("file://{}", f.root().display());
    assert!(git(
        &clone,
        &["clone", "-q", "--depth", "1", &url, "c"],
        "x",
        "2026-01-01T00:00:00Z"
    ));
    let run = clone.cairn(&["build", "--root", "c"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.says("shallow clone");
    assert_eq!(run.stderr.matches("warning:").count(), 1, "{}", run.stderr);
    let built = Built::at(clone.root().join("c/public"));
    assert!(
        built
            .page("sessions/2026-03-06-a/")
            .select(".page-source time")
            .is_empty()
    );
}

#[test]
fn without_git_a_git_site_still_builds_with_one_warning() {
    let f = Fixture::new()
        .config("git: true\n")
        .file("content/pages/about.md", "# About\n");
    let site = f.build_ok();
    assert_eq!(
        site.stderr.matches("warning:").count(),
        1,
        "{}",
        site.stderr
    );
    assert!(
        site.stderr.contains("not in a git repository"),
        "{}",
        site.stderr
    );
}
