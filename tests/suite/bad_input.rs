//! Bad input: every odd file is reported with its file (and line), never a
//! panic, a hang, or a read or write outside the site.

use crate::util::*;

#[track_caller]
fn no_panic(run: &Run) {
    assert!(
        !run.stderr.contains("panicked"),
        "cairn panicked:\n{}",
        run.stderr
    );
}

fn session_file(f: &Fixture, name: &str, content: impl AsRef<[u8]>) -> Run {
    f.write(&format!("content/sessions/{name}"), content);
    let run = f.build();
    no_panic(&run);
    run
}

#[test]
fn a_yaml_bomb_fails_fast() {
    let mut bomb = String::from(
        "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .into_iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!(
            "{}: &{} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n",
            name,
            name,
            p = prev
        ));
    }
    bomb.push_str("title: boom\n---\n");
    let f = Fixture::new();
    let started = std::time::Instant::now();
    let run = session_file(&f, "2026-01-01-bomb.md", bomb);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.says("2026-01-01-bomb.md");
}

#[test]
fn empty_nul_and_front_matter_only_files() {
    let f = Fixture::new();
    f.write("content/sessions/2026-01-01-empty.md", "");
    f.write(
        "content/sessions/2026-01-02-only.md",
        "---\ntitle: Only front matter\n---\n",
    );
    let site = f.build_ok();
    assert!(site.exists("sessions/2026-01-01-empty/"));
    assert_eq!(
        site.page("sessions/2026-01-02-only/").text("h1"),
        "Only front matter"
    );
    let run = session_file(&f, "2026-01-03-nul.md", vec![0u8; 4096]);
    assert_eq!(run.code, 1);
    run.says("2026-01-03-nul.md").says("NUL");
}

#[test]
fn duplicate_keys_and_a_string_where_a_list_belongs() {
    let f = Fixture::new();
    let run = session_file(&f, "2026-01-01-dup.md", "---\ntitle: a\ntitle: b\n---\n");
    assert_eq!(run.code, 1);
    run.says("2026-01-01-dup.md:").says("duplicate");
    std::fs::remove_file(f.root().join("content/sessions/2026-01-01-dup.md")).unwrap();
    // A map where a list of people belongs.
    let run = session_file(
        &f,
        "2026-01-02-map.md",
        "---\nattendees:\n  dana: yes\n---\n",
    );
    assert_eq!(run.code, 1);
    run.says("2026-01-02-map.md:2:1").says("`attendees`");
}

#[test]
fn a_large_note_builds() {
    let f = Fixture::new();
    let para = "A paragraph about budgets for learning and who pays for it. ".repeat(40);
    let body: String = (0..2500)
        .map(|i| format!("## Part {i}\n\n{para}\n\n"))
        .collect();
    assert!(body.len() > 6_000_000);
    let run = session_file(
        &f,
        "2026-01-01-big.md",
        format!("---\ntitle: Big\n---\n{body}"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_named_pipe_among_the_notes_does_not_hang() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    let pipe = f.root().join("content/sessions/2026-01-02-pipe.md");
    if !std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let run = f.build();
    no_panic(&run);
    assert_eq!(run.code, 1);
    run.says("2026-01-02-pipe.md").says("not a regular file");
}

#[test]
fn symlinks_out_of_the_site_and_loops_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\ntitle: Secret outside\n---\nsecret words\n",
    )
    .unwrap();
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        f.root().join("content/sessions/2026-01-02-link.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        f.root().join("content/sessions"),
        f.root().join("content/sessions/loop"),
    )
    .unwrap();
    let run = f.build();
    no_panic(&run);
    assert_eq!(run.code, 1);
    run.says("2026-01-02-link.md").says("outside the site");
    assert!(!f.root().join("public").exists());
}

#[test]
fn paths_in_front_matter_cannot_reach_outside() {
    let f = Fixture::new()
        .file(
            "content/members/a.md",
            "---\nname: A\navatar: ../../../etc/passwd\n---\n",
        )
        .file(
            "content/sessions/2026-01-01-a.md",
            "---\ntags: [\"../../x\", \"<b>t</b>\"]\n---\n[up](../../../../etc/passwd.md)\n",
        );
    let run = f.build();
    no_panic(&run);
    // Tags become safe slugs; nothing is written outside the output.
    f.write("content/members/a.md", "---\nname: A\n---\n");
    assert_eq!(f.build().code, 0);
    let site = Built::at(f.root().join("public"));
    assert!(site.exists("topics/x/"));
    assert!(!f.root().join("x").exists() && !f.root().parent().unwrap().join("x").exists());
    let a = site.page("members/a/");
    for img in a.select("img") {
        let src = img.value().attr("src").unwrap();
        assert!(!src.contains(".."), "avatar climbs out: {src}");
    }
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.says("content/members/a.md:3:9")
        .says("not a path inside static/");
}

#[test]
fn names_with_spaces_emoji_and_right_to_left_text() {
    let site = Fixture::new()
        .file("content/sessions/2026-01-01 Notes with spaces 🎉.md", "---\nattendees: [\"سارة 🌿\", \"Zoë O'Brien\"]\ntags: [\"🎉\", \"القيادة\"]\n---\nText.\n")
        .build_ok();
    let url = site
        .pages()
        .into_iter()
        .find(|p| p.starts_with("sessions/2026"))
        .unwrap();
    let s = site.page(&url);
    assert_eq!(s.texts("a.attendee"), vec!["سارة 🌿", "Zoë O'Brien"]);
    assert!(site.broken_links().is_empty(), "{:?}", site.broken_links());
}

#[test]
fn a_wikilink_to_itself_is_fine() {
    let site = Fixture::new()
        .file(
            "content/sessions/2026-01-01-a.md",
            "---\ntitle: A\n---\nSee [[2026-01-01-a]].\n",
        )
        .build_ok();
    let a = site.page("sessions/2026-01-01-a/");
    assert_eq!(a.links(".prose a"), vec!["sessions/2026-01-01-a/"]);
    assert!(
        a.select("a.backlink").is_empty(),
        "a page is not its own backlink"
    );
}

#[test]
fn an_unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    let path = f.root().join("content/sessions/2026-01-01-a.md");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        eprintln!("skipped: running as root, which can read a file without permissions");
        return;
    }
    let run = f.build();
    no_panic(&run);
    assert_eq!(run.code, 1);
    run.says("2026-01-01-a.md").says("cannot read this file");
}
