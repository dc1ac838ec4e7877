//! No data is lost: failed builds leave the previous output as it was, and
//! cairn never replaces or writes into a folder it did not create.

use crate::util::*;

#[test]
fn a_failed_build_leaves_the_previous_output_byte_for_byte() {
    let f = Fixture::new().file(
        "content/sessions/2026-01-01-a.md",
        "---\ntitle: First\n---\n",
    );
    f.build_ok();
    let before = snapshot(&f.root().join("public"));
    assert!(before.contains_key("sessions/2026-01-01-a/index.html"));
    f.write(
        "content/sessions/2026-01-02-b.md",
        "---\ndate: 2026-02-30\n---\n",
    );
    f.build_err().says("previous output").says("untouched");
    assert_eq!(snapshot(&f.root().join("public")), before);
    // No staging leftovers beside it.
    let leftovers: Vec<_> = std::fs::read_dir(f.root())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("cairn-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_rebuild_replaces_the_output_and_drops_removed_pages() {
    let f = Fixture::new()
        .file("content/sessions/2026-01-01-a.md", "a")
        .file("content/sessions/2026-01-02-b.md", "b");
    f.build_ok();
    std::fs::remove_file(f.root().join("content/sessions/2026-01-02-b.md")).unwrap();
    let site = f.build_ok();
    assert!(site.exists("sessions/2026-01-01-a/"));
    assert!(!site.exists("sessions/2026-01-02-b/"));
}

#[test]
fn a_folder_cairn_did_not_create_is_refused_and_left_intact() {
    let f = Fixture::new()
        .file("content/sessions/2026-01-01-a.md", "a")
        .file("public/precious.txt", "keep me");
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("refusing to write").says("not created by cairn");
    assert_eq!(
        std::fs::read_to_string(f.root().join("public/precious.txt")).unwrap(),
        "keep me"
    );
    assert_eq!(snapshot(&f.root().join("public")).len(), 1);
}

#[test]
fn an_empty_folder_may_be_used() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    std::fs::create_dir(f.root().join("public")).unwrap();
    assert!(f.build_ok().exists("sessions/2026-01-01-a/"));
}

#[test]
fn a_file_added_to_cairns_output_is_not_deleted() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    f.build_ok();
    f.write("public/CNAME", "example.org");
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("files cairn did not write").says("CNAME");
    assert_eq!(
        std::fs::read_to_string(f.root().join("public/CNAME")).unwrap(),
        "example.org"
    );
}

#[test]
fn the_site_root_and_content_folders_are_refused() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    for out in [
        ".",
        "content",
        "content/sessions",
        "content/sessions/out",
        "static",
    ] {
        let run = f.cairn(&["build", "--output", out]);
        assert_eq!(run.code, 2, "--output {out}: {}", run.stderr);
        run.says("refusing to write");
    }
    assert!(f.root().join("content/sessions/2026-01-01-a.md").is_file());
    assert!(!f.root().join("content/sessions/out").exists());
}

#[test]
fn an_output_folder_inside_a_root_level_notes_folder_is_not_read_back() {
    // Sessions at the site root, output inside it: the output is skipped.
    let f = Fixture::new()
        .config("paths:\n  sessions: .\n")
        .file("2026-01-01-a.md", "a");
    f.build_ok();
    let site = f.build_ok();
    assert_eq!(
        site.pages()
            .iter()
            .filter(|p| p.starts_with("sessions/2"))
            .count(),
        1
    );
}

#[cfg(unix)]
#[test]
fn a_rebuild_links_unchanged_files_and_rewrites_the_rest() {
    use std::os::unix::fs::MetadataExt;
    let f = Fixture::new()
        .file(
            "content/sessions/2026-01-01-a.md",
            "---\ntitle: A\n---\nSame.\n",
        )
        .file(
            "content/sessions/2026-01-02-b.md",
            "---\ntitle: B\n---\nOld.\n",
        );
    f.build_ok();
    let out = f.root().join("public");
    let ino = |p: &str| std::fs::metadata(out.join(p)).unwrap().ino();
    let (a, b, missing) = (
        ino("sessions/2026-01-01-a/index.html"),
        ino("sessions/2026-01-02-b/index.html"),
        ino("404.html"),
    );
    // The marker gives each file's length and hash.
    let marker = std::fs::read_to_string(out.join(".cairn-output")).unwrap();
    let line = marker
        .lines()
        .find(|l| l.starts_with("404.html\t"))
        .expect("a marker line with a tab");
    let parts: Vec<&str> = line.split('\t').collect();
    assert_eq!(parts.len(), 3, "{line}");
    assert_eq!(
        parts[1].parse::<u64>().unwrap(),
        std::fs::metadata(out.join("404.html")).unwrap().len()
    );
    // A page of the output edited in place, same length, is written anew.
    let page_a = out.join("sessions/2026-01-01-a/index.html");
    let len = std::fs::metadata(&page_a).unwrap().len() as usize;
    std::fs::write(&page_a, vec![b'x'; len]).unwrap();
    f.write(
        "content/sessions/2026-01-02-b.md",
        "---\ntitle: B\n---\nNew.\n",
    );
    let site = f.build_ok();
    assert_eq!(ino("404.html"), missing, "unchanged: linked");
    assert_ne!(
        ino("sessions/2026-01-02-b/index.html"),
        b,
        "changed: written"
    );
    assert_ne!(
        ino("sessions/2026-01-01-a/index.html"),
        a,
        "edited: written"
    );
    assert!(site.page("sessions/2026-01-02-b/").source.contains("New."));
    assert!(site.page("sessions/2026-01-01-a/").source.contains("Same."));
    // And the result is what a fresh build writes.
    let fresh = f.cairn(&["build", "--output", "fresh"]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert!(snapshot(&out) == snapshot(&f.root().join("fresh")));
}
