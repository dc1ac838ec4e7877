//! Fuzz regressions: every input the fuzz targets (`fuzz/`, see
//! docs/fuzzing.md) found a bug with, built as a note of a real site with
//! the real binary, plus the fuzz seeds. Each must build or fail with a
//! message, never panic, and every position reported must be in the file.
//!
//! Inputs live in `tests/fuzz-regressions/<target>/<name>`, byte for byte as
//! the fuzzer wrote them, so `cargo fuzz run <target> <file>` replays one.
//! `frontmatter_split` inputs are a whole note. For `frontmatter_parse` and
//! `markdown` the first byte selects options as the target reads it (kind,
//! config, drafts; raw HTML mode) and the rest is the note or its body.
//! `simple_yaml` inputs are front matter alone.

use crate::util::*;
use std::path::{Path, PathBuf};

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

/// The note text a fuzz target reads from `bytes`: invalid UTF-8 replaced
/// (the targets fuzz text, and cairn refuses a file that is not UTF-8), and
/// NUL too (cairn refuses a file with NUL bytes; markdown reads it as U+FFFD).
fn as_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\0', "\u{fffd}")
}

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    inputs(&format!("tests/fuzz-regressions/{target}"))
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    inputs(&format!("fuzz/seeds/{target}"))
}

/// No panic, exit 0 or 1 (1 with an error to show for it), and every
/// `--> file:line:column` of `note` on a line of the file, the column on
/// that line or just after its end.
#[track_caller]
fn sensible(f: &Fixture, run: &Run, note: &str, what: &str) {
    assert!(
        !run.stderr.contains("panicked"),
        "{what}: cairn panicked:\n{}",
        run.stderr
    );
    assert!(
        run.code == 0 || run.code == 1,
        "{what}: exit {}:\n{}",
        run.code,
        run.stderr
    );
    if run.code == 1 {
        assert!(
            run.stderr.contains("error"),
            "{what}: exit 1 without an error"
        );
    }
    let text = String::from_utf8_lossy(&std::fs::read(f.root().join(note)).unwrap()).into_owned();
    let lines: Vec<&str> = text.split('\n').collect();
    let prefix = format!("--> {note}:");
    for at in run
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix(&prefix))
    {
        let mut parts = at.split(':').map(|n| n.parse::<usize>().unwrap());
        let line = parts.next().unwrap();
        assert!(
            (1..=lines.len()).contains(&line),
            "{what}: line {line} of a {}-line file:\n{}",
            lines.len(),
            run.stderr
        );
        if let Some(col) = parts.next() {
            let chars = lines[line - 1].chars().count();
            assert!(
                col <= chars + 1,
                "{what}: column {col} of a {chars}-character line:\n{}",
                run.stderr
            );
        }
    }
    // The marks under a shown line stay under it.
    let shown: Vec<&str> = run.stderr.lines().collect();
    for pair in shown.windows(2) {
        let (Some((_, source)), Some((_, marks))) =
            (pair[0].split_once(" | "), pair[1].split_once(" | "))
        else {
            continue;
        };
        if marks.contains('^') && marks.chars().all(|c| c == ' ' || c == '^') {
            assert!(
                marks.chars().count() <= source.chars().count() + 1,
                "{what}: marks past the end of the line:\n{}\n{}",
                pair[0],
                pair[1]
            );
        }
    }
}

/// A `frontmatter_split` input: the whole note, as a page.
fn split_case(name: &str, input: &[u8]) -> (Fixture, Run, String) {
    let note = "content/pages/fuzz-note.md".to_string();
    let f = Fixture::new().file(&note, as_text(input));
    let run = f.build();
    sensible(&f, &run, &note, name);
    (f, run, note)
}

/// A `frontmatter_parse` input: the selector byte picks the kind, the
/// config, the file name and `--drafts`, as the fuzz target does.
fn parse_case(name: &str, input: &[u8]) -> (Fixture, Run, String) {
    let Some((&sel, text)) = input.split_first() else {
        return (Fixture::new(), Fixture::new().build(), String::new());
    };
    let note = match (sel & 3, sel & 8 != 0) {
        (0, true) => "content/sessions/2026-03-06-fuzz-note.md",
        (0, false) => "content/sessions/fuzz-note.md",
        (1, _) => "content/members/fuzz-note.md",
        (2, _) => "content/communities/fuzz-note.md",
        _ => "content/pages/fuzz-note.md",
    }
    .to_string();
    let f = Fixture::new().file(&note, as_text(text));
    if sel & 4 != 0 {
        f.write(
            "cairn.yaml",
            "title: Fuzz\ntimezone: Australia/Lord_Howe\nfields:\n  date: [when, on]\n  \
             attendees: [people, participants]\n  title: heading\n  tags: topics\n  \
             draft: hidden\n  name: full_name\n  links: urls\n",
        );
    }
    let run = if sel & 16 != 0 {
        f.cairn(&["build", "--drafts"])
    } else {
        f.build()
    };
    sensible(&f, &run, &note, name);
    (f, run, note)
}

/// A `markdown` input: the body of a session note in a small site where
/// some wikilinks resolve (a public and a private member, a community, a
/// page, a topic, a draft); the selector byte picks the raw HTML mode.
fn markdown_case(name: &str, input: &[u8]) -> (Fixture, Run, String) {
    let Some((&sel, body)) = input.split_first() else {
        return (Fixture::new(), Fixture::new().build(), String::new());
    };
    let mode = ["allow", "escape", "sanitize", "escape"][usize::from(sel & 3)];
    let note = "content/sessions/2026-03-06-kickoff.md".to_string();
    let mut text = b"---\ntitle: Kickoff\ntags: [accessibility]\ncommunity: design\n---\n".to_vec();
    text.extend_from_slice(as_text(body).as_bytes());
    let f = Fixture::new()
        .config(&format!("markdown:\n  raw_html: {mode}\n"))
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\n---\n")
        .file(
            "content/members/pat-quinn.md",
            "---\nname: Pat Quinn\nprivate: true\n---\n",
        )
        .file(
            "content/members/ines-ferrand.md",
            "---\nname: Inès Ferrand\n---\n",
        )
        .file("content/communities/design.md", "---\nname: Design\n---\n")
        .file("content/pages/about.md", "---\ntitle: About \"us\"\n---\n")
        .file("content/pages/old-idea.md", "---\ndraft: true\n---\n")
        .file(&note, text);
    let run = f.build();
    sensible(&f, &run, &note, name);
    if run.code == 0 && mode != "allow" {
        let page = Built::at(f.root().join("public")).page("sessions/2026-03-06-kickoff/");
        assert!(
            page.select(".prose script").is_empty(),
            "{name}: a script in {mode} mode"
        );
    }
    (f, run, note)
}

#[test]
fn a_closing_line_at_the_very_end_of_a_note() {
    // frontmatter_split: `---\n\n---` without a final line end put the
    // (empty) body on line 4 of a 3-line file.
    let cases = regressions("frontmatter_split");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "closing-fence-at-eof.md")
        .unwrap();
    let (f, run, _) = split_case("closing-fence-at-eof.md", input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(Built::at(f.root().join("public")).exists("fuzz-note/"));
}

#[test]
fn a_yaml_error_after_lone_carriage_returns_points_into_the_file() {
    // frontmatter_parse: YAML counts each lone `\r` as a line break, so an
    // error at the end of the front matter of a 9-line note was reported on
    // line 89. It is on the closing line.
    let cases = regressions("frontmatter_parse");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "lone-cr-yaml-error-line")
        .unwrap();
    let (_, run, note) = parse_case("lone-cr-yaml-error-line", input);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.says(&format!("--> {note}:8:1"))
        .says("invalid front matter");
}

#[test]
fn a_wikilink_over_three_lines_is_marked_on_its_first() {
    // markdown: the broken wikilink's mark ran 55 characters from column
    // 26 of a 58-character line.
    let cases = regressions("markdown");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "wikilink-over-three-lines")
        .unwrap();
    let (_, run, _) = markdown_case("wikilink-over-three-lines", input);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.says("[[dana-kz").says("does not match any");
}

#[test]
fn every_regression_and_seed_builds_or_fails_with_a_message() {
    type Case = fn(&str, &[u8]) -> (Fixture, Run, String);
    let targets: [(&str, Case); 3] = [
        ("frontmatter_split", split_case),
        ("frontmatter_parse", parse_case),
        ("markdown", markdown_case),
    ];
    let mut seen: Vec<PathBuf> = Vec::new();
    for (target, case) in targets {
        for (name, input) in regressions(target).into_iter().chain(seeds(target)) {
            case(&format!("{target}/{name}"), &input);
            seen.push(PathBuf::from(target).join(name));
        }
    }
    assert!(seen.len() >= 20, "{seen:?}");
}

#[test]
fn no_two_headings_share_an_id() {
    // markdown, found while adding the fuzz target's "ids are unique"
    // check: `## A`, `## A`, `## A 2` gave two headings `id="a-2"`.
    let cases = regressions("markdown");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "duplicate-heading-ids")
        .unwrap();
    let (f, run, _) = markdown_case("duplicate-heading-ids", input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = Built::at(f.root().join("public")).page("sessions/2026-03-06-kickoff/");
    let ids: Vec<&str> = page
        .select(".prose :is(h2, h3)")
        .into_iter()
        .filter_map(|h| h.value().attr("id"))
        .collect();
    assert_eq!(ids, vec!["a", "a-2", "a-2-2", "a-3", "a-4"]);
}

#[test]
fn deeply_nested_lists_are_flattened_in_bounded_time() {
    // markdown, found timing the fuzz target on 64 KiB inputs: 32 767
    // nested lists (`- - - … x`) took 28 s in the sanitizer (release
    // build), HTML parsers being quadratic in nesting depth.
    let cases = regressions("markdown");
    let (_, input) = cases.iter().find(|(n, _)| n == "nested-lists-64k").unwrap();
    let started = std::time::Instant::now();
    let (f, run, _) = markdown_case("nested-lists-64k", input);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = Built::at(f.root().join("public")).page("sessions/2026-03-06-kickoff/");
    let items = page.select(".prose li").len();
    assert!((40..=60).contains(&items), "{items} items");
    assert!(page.text(".prose").contains('x'), "the text is kept");
}

#[test]
fn many_action_items_load_in_linear_time() {
    // markdown (the action scanner), found timing the fuzz target on
    // 64 KiB inputs: each item's line was counted from the top of the note,
    // so 72 810 items took 21 s to load in a release build (minutes in a
    // debug one). Linear, the whole debug build of this note takes a few
    // seconds; the bound only catches the quadratic kind, with room for a
    // busy machine.
    let cases = regressions("markdown");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "many-task-items-64k")
        .unwrap();
    let started = std::time::Instant::now();
    let (_, run, _) = markdown_case("many-task-items-64k", input);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn deeply_nested_flow_collections_are_refused_at_once() {
    // frontmatter_parse, found timing 64 KiB inputs: a value of 60 KB of
    // `[` took 5.3 s to load (release build; quadratic in unsafe-libyaml)
    // before serde_yaml's recursion limit stopped it. The nesting check
    // (`content::frontmatter::check_nesting`) refuses it before the YAML
    // parser runs, at the 64th bracket.
    let cases = regressions("frontmatter_parse");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "deep-flow-brackets-64k")
        .unwrap();
    let started = std::time::Instant::now();
    let (_, run, note) = parse_case("deep-flow-brackets-64k", input);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.says(&format!("--> {note}:2:71"))
        .says("nest more than 64 levels deep")
        .says("needs quotes");
    // A debug build took minutes before the check.
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}

#[test]
fn thousands_of_bad_profile_links_load_in_linear_time() {
    // frontmatter_parse, found timing 64 KiB inputs: 12,000 links that are
    // not web, mail or phone addresses took 5.8 s to load (release build):
    // each was looked up from the top of the YAML to point at its line.
    // Here three times the stored input: 13,545 links, 200 KB. JSON output,
    // so that the time is the loading's, not the printing's.
    let cases = regressions("frontmatter_parse");
    let (_, input) = cases
        .iter()
        .find(|(n, _)| n == "many-bad-links-64k")
        .unwrap();
    let text = as_text(&input[1..]);
    let (front, close) = text.rsplit_once("---\n").unwrap();
    let mut note = front.to_string();
    let entries: Vec<&str> = front.lines().filter(|l| l.starts_with("  l")).collect();
    for k in 1..3 {
        for line in &entries {
            note.push_str(&format!(
                "{}_{k}\n",
                line.replacen(':', &format!("_{k}:"), 1)
            ));
        }
    }
    note.push_str("---\n");
    note.push_str(close);
    let total = entries.len() * 3;
    assert!(total > 12_000, "{total}");
    let f = Fixture::new().file("content/members/dana-kim.md", &note);
    let started = std::time::Instant::now();
    let run = f.cairn(&["check", "--format", "json"]);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["errors"], total, "{}", run.stdout);
    // Each error points at its own entry.
    let lines: std::collections::BTreeSet<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["line"].as_u64())
        .collect();
    assert_eq!(lines.len(), total);
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
}

#[test]
fn front_matter_read_line_by_line_reads_as_serde_yaml_reads_it() {
    // simple_yaml: a map entry with an empty name panicked; a name of more
    // than 1,024 characters, which libyaml refuses, was read.
    for (name, input) in regressions("simple_yaml")
        .into_iter()
        .chain(seeds("simple_yaml"))
    {
        let yaml = as_text(&input);
        if let Some(m) = cairn::content::simple_yaml::parse(&yaml) {
            match serde_yaml::from_str::<serde_yaml::Value>(&yaml) {
                Ok(serde_yaml::Value::Mapping(expected)) => assert_eq!(m, expected, "{name}"),
                other => panic!("{name}: serde_yaml reads {other:?}"),
            }
        }
        // As the front matter of a member's profile, with the real binary.
        let note = "content/members/fuzz-note.md";
        let f = Fixture::new().file(note, format!("---\n{yaml}\n---\n"));
        let run = f.build();
        sensible(&f, &run, note, &name);
    }
    let long = regressions("simple_yaml")
        .into_iter()
        .find(|(n, _)| n == "name-longer-than-libyaml-takes")
        .unwrap();
    assert_eq!(cairn::content::simple_yaml::parse(&as_text(&long.1)), None);
}
