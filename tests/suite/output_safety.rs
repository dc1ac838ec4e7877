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
    let leftovers = cairn_folders(f.root());
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

/// Two sessions, A and B, both fine.
fn two_sessions() -> Fixture {
    Fixture::new()
        .file(
            "content/sessions/2026-01-01-a.md",
            "---\ntitle: A\n---\nFine.\n",
        )
        .file(
            "content/sessions/2026-01-02-b.md",
            "---\ntitle: B\n---\nFine.\n",
        )
}

/// Asserts that `out` holds what a fresh build of `f` writes.
fn same_as_fresh(f: &Fixture, out: &std::path::Path) {
    let fresh = f.cairn(&["build", "--output", "fresh"]);
    assert_eq!(fresh.code, 0, "{}", fresh.stderr);
    assert!(snapshot(out) == snapshot(&f.root().join("fresh")));
}

/// The site before the current one, kept beside it.
fn spare(f: &Fixture) -> std::path::PathBuf {
    f.root().join(".public.cairn-spare")
}

#[cfg(unix)]
#[test]
fn a_rebuild_writes_over_the_spare_and_leaves_unchanged_files_alone() {
    use std::os::unix::fs::MetadataExt;
    let session = |name: &str, body: &str| {
        (
            format!("content/sessions/2026-01-0{name}.md"),
            format!("---\ntitle: {name}\n---\n{body}\n"),
        )
    };
    let f = Fixture::new();
    for (n, body) in [("1-a", "Same."), ("2-b", "Old."), ("3-c", "Gone soon.")] {
        let (path, text) = session(n, body);
        f.write(&path, text);
    }
    f.build_ok();
    let out = f.root().join("public");
    let meta = |dir: &std::path::Path, p: &str| std::fs::metadata(dir.join(p)).unwrap();
    let first_404 = meta(&out, "404.html");
    // The marker gives each file's length and hash.
    let marker = std::fs::read_to_string(out.join(".cairn-output")).unwrap();
    let line = marker
        .lines()
        .find(|l| l.starts_with("404.html\t"))
        .expect("a marker line with a tab");
    let parts: Vec<&str> = line.split('\t').collect();
    assert_eq!(parts.len(), 3, "{line}");
    assert_eq!(parts[1].parse::<u64>().unwrap(), first_404.len());
    assert!(!spare(&f).exists(), "a first build keeps no spare");

    // Second build: a new tree; the first becomes the spare.
    let (path, text) = session("2-b", "New.");
    f.write(&path, text);
    f.build_ok();
    assert_eq!(meta(&spare(&f), "404.html").ino(), first_404.ino());
    assert_ne!(meta(&out, "404.html").ino(), first_404.ino());

    // By hand: a page of the spare edited (same length), another one
    // hard-linked from outside.
    let page_a = spare(&f).join("sessions/2026-01-01-a/index.html");
    let len = std::fs::metadata(&page_a).unwrap().len() as usize;
    std::fs::write(&page_a, vec![b'x'; len]).unwrap();
    let outside = f.root().join("kept.html");
    std::fs::hard_link(spare(&f).join("sessions/2026-01-02-b/index.html"), &outside).unwrap();
    let kept = std::fs::read(&outside).unwrap();

    // Third build: written over the first tree.
    let (path, text) = session("2-b", "Newer.");
    f.write(&path, text);
    std::fs::remove_file(f.root().join(session("3-c", "").0)).unwrap();
    let site = f.build_ok();
    let again = meta(&out, "404.html");
    assert_eq!(
        again.ino(),
        first_404.ino(),
        "the first tree is the output again"
    );
    assert_eq!(
        again.modified().unwrap(),
        first_404.modified().unwrap(),
        "unchanged: left alone"
    );
    assert!(
        site.page("sessions/2026-01-01-a/").source.contains("Same."),
        "edited by hand: written"
    );
    assert!(
        site.page("sessions/2026-01-02-b/")
            .source
            .contains("Newer.")
    );
    assert!(!site.exists("sessions/2026-01-03-c/"), "stale: removed");
    assert_eq!(
        std::fs::read(&outside).unwrap(),
        kept,
        "never written through a link"
    );
    // The second tree is the spare now.
    assert!(
        std::fs::read_to_string(spare(&f).join("sessions/2026-01-02-b/index.html"))
            .unwrap()
            .contains("New.")
    );
    // And the result is what a fresh build writes.
    same_as_fresh(&f, &out);
}

#[test]
fn a_rebuild_over_a_spare_with_a_folder_where_a_file_was_and_back() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    let out = f.root().join("public");
    let as_file = |f: &Fixture| {
        let _ = std::fs::remove_dir_all(f.root().join("static/thing"));
        f.write("static/thing", "a file");
    };
    let as_folder = |f: &Fixture| {
        let _ = std::fs::remove_file(f.root().join("static/thing"));
        f.write("static/thing/inner.txt", "in a folder");
    };
    // Each build writes over the tree of two builds before: file, file,
    // folder (over a file), file, file (over a folder).
    for (i, shape) in ["file", "file", "folder", "file", "file"]
        .into_iter()
        .enumerate()
    {
        if shape == "file" {
            as_file(&f)
        } else {
            as_folder(&f)
        }
        f.build_ok();
        let fresh = f.cairn(&["build", "--output", &format!("fresh-{i}")]);
        assert_eq!(fresh.code, 0, "{}", fresh.stderr);
        assert!(
            snapshot(&out) == snapshot(&f.root().join(format!("fresh-{i}"))),
            "build {i} ({shape}) differs from a fresh build"
        );
    }
}

#[test]
fn a_build_that_fails_while_writing_keeps_the_spare_usable() {
    let f = two_sessions();
    f.build_ok();
    f.build_ok();
    assert!(spare(&f).exists());
    let before = snapshot(&f.root().join("public"));
    // A broken link is found while the sessions are written.
    f.write(
        "content/sessions/2026-01-02-b.md",
        "---\ntitle: B\n---\nSee [[nobody-at-all]].\n",
    );
    f.build_err().says("nobody-at-all");
    assert_eq!(snapshot(&f.root().join("public")), before);
    // The spare stays, whole and cairn's: the next build uses it.
    assert_eq!(cairn_folders(f.root()), [".public.cairn-spare"]);
    f.write(
        "content/sessions/2026-01-02-b.md",
        "---\ntitle: B\n---\nFixed.\n",
    );
    let site = f.build_ok();
    assert!(
        site.page("sessions/2026-01-02-b/")
            .source
            .contains("Fixed.")
    );
    same_as_fresh(&f, &f.root().join("public"));
}

#[test]
fn a_marker_edited_to_name_files_outside_is_not_followed() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    f.build_ok();
    f.build_ok();
    // Files beside the site that a damaged or hand-edited marker names.
    f.write("keep-me.txt", "mine");
    let outside = f.root().join("keep-me.txt");
    for marker in [
        f.root().join("public/.cairn-output"),
        spare(&f).join(".cairn-output"),
    ] {
        let mut text = std::fs::read_to_string(&marker).unwrap();
        text.push_str("../keep-me.txt\t4\t00000000000000000000000000000000\n");
        text.push_str(&format!("{}\n", outside.display()));
        std::fs::write(&marker, text).unwrap();
    }
    f.write("content/sessions/2026-01-01-a.md", "changed");
    f.build_ok();
    f.build_ok();
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "mine");
}

#[test]
fn a_failed_build_over_a_spare_edited_by_hand_does_not_vouch_for_the_edit() {
    let f = two_sessions();
    f.build_ok();
    // Edited by hand in the output, same length; that output becomes the
    // spare of the next build.
    let page = f.root().join("public/404.html");
    let len = std::fs::metadata(&page).unwrap().len() as usize;
    std::fs::write(&page, vec![b'x'; len]).unwrap();
    f.build_ok();
    // A build that fails while writing, over that spare.
    f.write(
        "content/sessions/2026-01-02-b.md",
        "---\ntitle: B\n---\nSee [[nobody-at-all]].\n",
    );
    f.build_err().says("nobody-at-all");
    f.write(
        "content/sessions/2026-01-02-b.md",
        "---\ntitle: B\n---\nFine.\n",
    );
    f.build_ok();
    same_as_fresh(&f, &f.root().join("public"));
}

#[cfg(unix)]
#[test]
fn links_in_the_output_or_the_spare_are_never_followed() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    f.build_ok();
    f.build_ok();
    f.write("mine/index.html", "precious");
    let mine = f.root().join("mine");
    // A folder of the spare replaced by a link to a folder of the user's:
    // the spare is left alone, and nothing is written through the link.
    let in_spare = spare(&f).join("sessions/2026-01-01-a");
    std::fs::remove_dir_all(&in_spare).unwrap();
    std::os::unix::fs::symlink(&mine, &in_spare).unwrap();
    f.build_ok();
    f.build_ok();
    assert_eq!(
        std::fs::read_to_string(mine.join("index.html")).unwrap(),
        "precious"
    );
    same_as_fresh(&f, &f.root().join("public"));
    // A page of the output replaced by a link: refused, as a file cairn
    // did not write, and the linked file is untouched.
    let page = f.root().join("public/sessions/2026-01-01-a");
    std::fs::remove_dir_all(&page).unwrap();
    std::os::unix::fs::symlink(&mine, &page).unwrap();
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("did not write");
    assert_eq!(
        std::fs::read_to_string(mine.join("index.html")).unwrap(),
        "precious"
    );
}

#[test]
fn a_spare_holding_a_file_added_by_hand_is_left_alone() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    f.build_ok();
    f.build_ok();
    std::fs::write(spare(&f).join("CNAME"), "example.org").unwrap();
    f.build_ok();
    f.build_ok();
    assert!(!f.root().join("public/CNAME").exists(), "never published");
    assert_eq!(
        std::fs::read_to_string(spare(&f).join("CNAME")).unwrap(),
        "example.org"
    );
}

#[test]
fn a_folder_of_the_spare_where_the_new_site_has_a_file_goes_without_its_parent() {
    let f = Fixture::new().file("content/sessions/2026-01-01-a.md", "a");
    let out = f.root().join("public");
    f.write("static/x/y/z.txt", "deep");
    f.build_ok();
    f.build_ok();
    // Over the first tree, which has x/y/ as a folder.
    std::fs::remove_dir_all(f.root().join("static/x/y")).unwrap();
    f.write("static/x/y", "now a file");
    f.build_ok();
    same_as_fresh(&f, &out);
}

/// A build of `f` into `public/`, started and left running.
fn spawn_build(f: &Fixture) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .arg("build")
        .current_dir(f.root())
        .env("SOURCE_DATE_EPOCH", NOW)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cairn")
}

#[test]
fn a_build_waits_while_another_holds_the_output_and_then_finishes() {
    let f = two_sessions();
    let first = f.build_ok();
    let before = snapshot(&first.out);
    f.write(
        "content/sessions/2026-01-03-c.md",
        "---\ntitle: C\n---\nNew.\n",
    );
    // What a build of this output holds while it runs: the lock of the
    // folder the output is in.
    let held = std::fs::File::open(f.root()).unwrap();
    held.lock().unwrap();
    let mut child = spawn_build(&f);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the build did not wait for the lock"
    );
    assert!(
        snapshot(&first.out) == before,
        "the output changed while locked"
    );
    // No staging folder either: it is made only under the lock.
    assert!(cairn_folders(f.root()).is_empty());
    held.unlock().unwrap();
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(
        stderr.contains("waiting for another cairn build"),
        "{stderr}"
    );
    assert!(first.exists("sessions/2026-01-03-c/"));
    same_as_fresh(&f, &first.out);
}

#[test]
fn builds_of_one_output_at_once_take_turns() {
    // Enough pages that the builds overlap while they write.
    let f = two_sessions();
    for i in 0..100 {
        f.write(
            &format!("content/sessions/2025-01-01-s{i}.md"),
            format!("---\ntitle: S{i}\n---\nSee [[2026-01-01-a]].\n"),
        );
    }
    f.build_ok();
    for round in 0..4 {
        f.write(
            "content/sessions/2026-01-03-c.md",
            format!("---\ntitle: C\n---\nRound {round}.\n"),
        );
        let builds: Vec<_> = (0..3).map(|_| spawn_build(&f)).collect();
        for b in builds {
            let done = b.wait_with_output().unwrap();
            assert!(
                done.status.success(),
                "{}",
                String::from_utf8_lossy(&done.stderr)
            );
        }
        same_as_fresh(&f, &f.root().join("public"));
        let left = cairn_folders(f.root());
        assert!(left.iter().all(|n| n.ends_with("cairn-spare")), "{left:?}");
    }
}

/// A build reads only the folders of the output and the spare that changed
/// since the last build finished (by their change time, which cannot be
/// set back): what is added deep inside either is still found.
#[cfg(unix)]
#[test]
fn files_added_deep_in_the_output_or_the_spare_are_found() {
    let f = two_sessions();
    f.build_ok();
    f.build_ok();
    let out = f.root().join("public");
    let page = out.join("sessions/2026-01-02-b");
    assert!(page.is_dir());
    // In a folder the site has, with the folder's modification time set
    // back to long before the build.
    std::fs::write(page.join("notes.txt"), "mine").unwrap();
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
    std::fs::File::open(&page)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("did not write").says("notes.txt");
    std::fs::remove_file(page.join("notes.txt")).unwrap();
    // In folders the site does not have.
    std::fs::create_dir_all(page.join("a/b")).unwrap();
    std::fs::write(page.join("a/b/deep.txt"), "mine").unwrap();
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("deep.txt");
    std::fs::remove_dir_all(page.join("a")).unwrap();
    f.build_ok();
    // In the spare: it is left alone, and what was added is never
    // published.
    let in_spare = spare(&f).join("sessions/2026-01-02-b");
    std::fs::write(in_spare.join("extra.txt"), "mine").unwrap();
    f.build_ok();
    f.build_ok();
    assert_eq!(
        std::fs::read_to_string(in_spare.join("extra.txt")).unwrap(),
        "mine"
    );
    assert!(!out.join("sessions/2026-01-02-b/extra.txt").exists());
    same_as_fresh(&f, &out);
}

/// A marker dated later than now (a clock set back since the build):
/// every folder is read, and what was added is found.
#[cfg(unix)]
#[test]
fn a_marker_from_the_future_means_every_folder_is_read() {
    let f = two_sessions();
    f.build_ok();
    let out = f.root().join("public");
    let page = out.join("sessions/2026-01-02-b");
    std::fs::write(page.join("notes.txt"), "mine").unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .append(true)
        .open(out.join(".cairn-output"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("notes.txt");
}

/// Copies the folder `from` to `to`, with everything in it.
#[cfg(unix)]
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A copy of a folder, given a file, put in place of the folder after a
/// later build: below its top, its folders changed before that build's
/// marker. The file is found all the same, in the output and in the
/// spare. (A survey that read only the folders changed since the marker
/// missed it, and then published it.)
#[cfg(unix)]
#[test]
fn a_copied_folder_put_back_after_a_build_is_read_whole() {
    let f = two_sessions();
    f.build_ok();
    f.build_ok();
    let out = f.root().join("public");
    let copy = f.root().join("copy");
    let put_back = |site: &std::path::Path| {
        copy_tree(&site.join("sessions"), &copy);
        std::fs::write(copy.join("2026-01-02-b/private.txt"), "mine").unwrap();
        f.build_ok();
        std::fs::remove_dir_all(site.join("sessions")).unwrap();
        std::fs::rename(&copy, site.join("sessions")).unwrap();
    };
    put_back(&out);
    let run = f.build();
    assert_eq!(run.code, 2, "{}", run.stderr);
    run.says("private.txt");
    std::fs::remove_file(out.join("sessions/2026-01-02-b/private.txt")).unwrap();
    // In the spare: it is left alone, and the file never published.
    let spare = spare(&f);
    put_back(&spare);
    f.build_ok();
    f.build_ok();
    assert!(!out.join("sessions/2026-01-02-b/private.txt").exists());
    assert_eq!(
        std::fs::read_to_string(spare.join("sessions/2026-01-02-b/private.txt")).unwrap(),
        "mine"
    );
}
