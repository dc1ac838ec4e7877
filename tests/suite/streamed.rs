//! `cairn build` writes each session's page without ever holding every
//! session's HTML (`src/bodies.rs`): it guesses what each body links to,
//! renders each session once, and repairs the backlinks the guess got
//! wrong. What it writes must be exactly what the site holds in memory
//! (`cairn serve`, `cairn check`), byte for byte.

use crate::util::*;
use std::collections::BTreeMap;
use std::path::Path;

pub const NOW: i64 = 1_780_000_000;

pub fn options() -> cairn::build::BuildOptions {
    cairn::build::BuildOptions {
        include_drafts: false,
        now: chrono::DateTime::from_timestamp(NOW, 0).unwrap(),
        exclude: vec![],
    }
}

/// Every file of the site as held in memory.
pub fn in_memory(root: &Path) -> BTreeMap<String, Vec<u8>> {
    in_memory_with(root, &options())
}

/// [`in_memory`], built with `opts`.
pub fn in_memory_with(root: &Path, opts: &cairn::build::BuildOptions) -> BTreeMap<String, Vec<u8>> {
    let config = cairn::config::Config::load(root).unwrap();
    let (built, diags) = cairn::build::build(&config, opts);
    assert!(!diags.has_errors(), "{:?}", diags.sorted());
    built
        .output
        .unwrap()
        .files
        .into_iter()
        .map(|(path, content)| (path, content.into_bytes().unwrap()))
        .collect()
}

/// Every file a build writes (without the output marker).
fn written(root: &Path, out: &Path) -> BTreeMap<String, Vec<u8>> {
    let config = cairn::config::Config::load(root).unwrap();
    let (w, diags, err) = cairn::build::build_to(&config, &options(), out);
    assert!(err.is_none(), "{err:?}");
    assert!(!diags.has_errors(), "{:?}", diags.sorted());
    assert!(w.pages.is_some());
    let mut files = snapshot(out);
    files.remove(".cairn-output");
    files
}

#[track_caller]
fn same_files(root: &Path) {
    let out = root.join("public");
    assert_same(&written(root, &out), &in_memory(root), "written");
}

/// `disk` (what a build wrote) has the files `memory` has, byte for byte.
#[track_caller]
pub fn assert_same(
    disk: &BTreeMap<String, Vec<u8>>,
    memory: &BTreeMap<String, Vec<u8>>,
    step: &str,
) {
    let only_disk: Vec<&String> = disk.keys().filter(|k| !memory.contains_key(*k)).collect();
    let only_memory: Vec<&String> = memory.keys().filter(|k| !disk.contains_key(*k)).collect();
    assert!(
        only_disk.is_empty() && only_memory.is_empty(),
        "{step}: only written: {only_disk:?}; only in memory: {only_memory:?}"
    );
    for (path, bytes) in memory {
        assert!(
            disk[path] == *bytes,
            "{step}: {path} differs:\n--- written\n{}\n--- in memory\n{}",
            String::from_utf8_lossy(&disk[path]),
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Links the quick guess gets wrong, both ways.
pub fn tricky() -> Fixture {
    Fixture::new()
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\n---\nDana keeps the lists running; see [[2026-03-06-intro]].\n")
        .file("content/members/eli-n.md", "---\nname: Eli Navarro\n---\n")
        .file("content/members/mo.md", "---\nname: Mo Private\nprivate: true\n---\n")
        .file("content/communities/tech.md", "---\nname: Tech Circle\n---\nWe meet monthly.\n")
        .file("content/pages/about.md", "---\ntitle: About\n---\nRun by [[Eli Navarro]].\n")
        .file(
            "content/sessions/2026/2026-03-06-intro.md",
            session("2026-03-06T18:30:00-05:00", "title: Intro\ncommunity: tech\nattendees: [dana-kim, eli-n]\ntags: [lists]\n", "We met, and [[Eli Navarro]] took notes.\n\n- [ ] @dana-kim send the minutes\n"),
        )
        .file(
            "content/sessions/2026/2026-04-10-code.md",
            // Only in code: not a link, though the text has one.
            session("2026-04-10", "title: Code\ncommunity: tech\nattendees: [eli-n]\n", "How to write a link:\n\n```\n[[Dana Kim]] and [intro](2026-03-06-intro.md)\n```\n\nAnd inline: `[[eli-n]]`.\n"),
        )
        .file(
            "content/sessions/2026/2026-05-01-reference.md",
            // Reference links: a link the guess does not see.
            session("2026-05-01", "title: Reference\ncommunity: tech\nattendees: [dana-kim]\n", "See [the intro][first] and [Dana][d].\n\n[first]: 2026-03-06-intro.md\n[d]: ../../members/dana-kim.md\n"),
        )
        .file(
            "content/sessions/2026/2026-06-01-table.md",
            // A pipe in a table cell ends the cell; an escaped one does not.
            session("2026-06-01", "title: Table\nattendees: [eli-n]\n", "| who | what |\n|---|---|\n| [[dana-kim|Dana]] | lists |\n| [[eli-n\\|Eli]] | notes |\n\n- [ ] @\"Mo Private\" tidy up\n- [x] @eli-n done it\n"),
        )
        .file(
            // A byte-order mark and CRLF line ends, read twice alike.
            "content/sessions/2026/2026-08-01-windows.md",
            "\u{feff}---\r\ntitle: Windows\r\nattendees: [dana-kim]\r\n---\r\nSaved on Windows by [[Dana Kim]].\r\n\r\nSecond paragraph.\r\n",
        )
        .file(
            "content/sessions/2026/2026-07-01-escaped.md",
            session("2026-07-01", "title: Escaped\nattendees: [eli-n]\n", "Not a link: \\[[Dana Kim]] nor \\[x](2026-03-06-intro.md).\n\n![a picture](2026-05-01-reference.md)\n"),
        )
}

#[test]
fn a_build_writes_what_the_site_holds_in_memory() {
    same_files(tricky().root());
}

#[test]
fn the_example_site_is_written_as_it_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site");
    for e in walkdir::WalkDir::new(&example).into_iter().flatten() {
        let rel = e.path().strip_prefix(&example).unwrap();
        if rel.starts_with("public") || rel.starts_with(".git") {
            continue;
        }
        let to = dir.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else if e.file_type().is_file() {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    same_files(dir.path());
}

#[test]
fn backlinks_follow_the_rendered_links_not_the_guess() {
    let site = tricky().build_ok();
    let mentions = |url: &str| {
        let mut v = site.page(url).links("section.backlinks a");
        v.sort();
        v
    };
    // The code block's text is no link; the reference links are.
    assert_eq!(
        mentions("members/dana-kim/"),
        vec![
            "sessions/2026-03-06-intro/",
            "sessions/2026-05-01-reference/",
            "sessions/2026-08-01-windows/"
        ]
    );
    assert_eq!(
        mentions("sessions/2026-03-06-intro/"),
        vec!["members/dana-kim/", "sessions/2026-05-01-reference/"]
    );
    // The escaped pipe keeps the link whole; the code span is no link.
    assert_eq!(
        mentions("members/eli-n/"),
        vec![
            "about/",
            "sessions/2026-03-06-intro/",
            "sessions/2026-06-01-table/"
        ]
    );
}

#[test]
fn a_note_changed_since_it_was_loaded_is_an_error_naming_it() {
    use cairn::bodies::SessionBodies;
    // A build reads each session again to write its page, and checks the
    // body is the one it loaded (its print): otherwise the page would
    // disagree with the lists and backlinks made from the first read.
    let f = tricky();
    let config = cairn::config::Config::load(f.root()).unwrap();
    let (built, diags) = cairn::build::build(&config, &options());
    assert!(!diags.has_errors());
    let site = built.site;
    let i = site
        .sessions
        .iter()
        .position(|s| s.title == "Code")
        .unwrap();
    let source = site.sessions[i].doc.source.clone();
    let text = std::fs::read_to_string(f.root().join(&source)).unwrap();
    let body = text.splitn(3, "---\n").nth(2).unwrap();
    let mut prints: Vec<u128> = vec![0; site.sessions.len()];
    prints[i] = cairn::bodies::print(body);

    let same = cairn::bodies::Reread::new(&config, &prints);
    assert!(same.body(&site, i).html.contains("<code>"));
    assert!(same.into_errors().is_empty());

    f.write(
        source.to_str().unwrap(),
        text.replace("How to write", "How not to write"),
    );
    let changed = cairn::bodies::Reread::new(&config, &prints);
    assert!(changed.body(&site, i).html.is_empty());
    let errors = changed.into_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, "changed");
    assert_eq!(errors[0].file.as_deref(), Some(source.as_path()));
}

/// Pieces of session bodies that link, or look as if they link, in every
/// way the quick reading of a build can get wrong.
const PIECES: &[&str] = &[
    "Plain words, nothing to follow.",
    "[[ana]] opened the evening.",
    "[[Bo Chen|Bo]] took notes.",
    "See [[s1]] and [[s2#what-we-agreed]].",
    "Read [the first one](2026-01-01-s1.md) again.",
    "An [odd](<2026-01-02-s2.md>) link, and one to [Ana](../members/ana.md).",
    "```\n[[ana]] in a fence, [x](2026-01-01-s1.md) too\n```",
    "    [[bo]] in indented code",
    "`[[ana]]` and `[y](2026-01-03-s3.md)` in code spans.",
    "Escaped: \\[[ana]] and \\[z](2026-01-01-s1.md).",
    "![a picture](2026-01-02-s2.md) is no link.",
    "A [reference][r] link.\n\n[r]: 2026-01-03-s3.md",
    "[Bo][] by collapsed reference.\n\n[Bo]: ../members/bo.md",
    "| who | what |\n|---|---|\n| [[ana|Ana]] | a split cell |\n| [[bo\\|Bo]] | a whole one |",
    "- [ ] @ana send the notes\n- [x] @\"Bo Chen\" booked the room",
    "- [ ] @cy a private owner",
    "> [[s3]] said in a quote",
    "<div>[[ana]] in raw HTML</div>",
    "Text [[ana]] then [[nobody-draft]].",
    "Nested [outer [inner](2026-01-01-s1.md) text](2026-01-02-s2.md).",
    "A footnote[^1].\n\n[^1]: It mentions [[bo]].",
    "## A heading with [[ana]]",
];

#[test]
fn random_bodies_are_written_as_they_are_held() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..25 {
        let f = Fixture::new()
            .file("content/members/ana.md", "---\nname: Ana Lima\n---\nAna runs [[s1]].\n")
            .file("content/members/bo.md", "---\nname: Bo Chen\n---\n")
            .file("content/members/cy.md", "---\nname: Cy Private\nprivate: true\n---\n")
            .file("content/sessions/2026-01-09-draft.md", "---\ndate: 2026-01-09\ntitle: Nobody draft\nslug: nobody-draft\ndraft: true\n---\nHidden.\n");
        for n in 1..=6 {
            let body: Vec<&str> = (0..1 + next(6))
                .map(|_| PIECES[next(PIECES.len())])
                .collect();
            f.write(
                &format!("content/sessions/2026-01-0{n}-s{n}.md"),
                session(
                    &format!("2026-01-0{n}"),
                    &format!("title: S{n}\nslug: s{n}\nattendees: [ana, bo]\n"),
                    &body.join("\n\n"),
                ),
            );
        }
        same_files(f.root());
    }
}

/// Two builds of one site at once in one process (two outputs): the
/// second waits for the first's lock on the site folder; neither may wait
/// on a thread the other needs (a waiting pool thread hung both).
#[test]
fn two_builds_in_one_process_take_turns_without_hanging() {
    let f = Fixture::new();
    for i in 0..400 {
        f.write(
            &format!("content/sessions/2025-01-01-s{i}.md"),
            format!("---\ntitle: S{i}\nattendees: [Ann, Bo]\n---\nSee [[2025-01-01-s0]].\n"),
        );
    }
    let root = f.root().to_path_buf();
    let (tx, rx) = std::sync::mpsc::channel();
    for name in ["a", "b"] {
        let (root, tx) = (root.clone(), tx.clone());
        std::thread::spawn(move || {
            let files = written(&root, &root.join(name));
            let _ = tx.send(files);
        });
    }
    let within = std::time::Duration::from_secs(120);
    let a = rx.recv_timeout(within).expect("a build hung");
    let b = rx.recv_timeout(within).expect("a build hung");
    assert_eq!(a.len(), b.len());
    assert!(a == b, "the two outputs differ");
}
