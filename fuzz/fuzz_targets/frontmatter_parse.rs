//! The loader on one note's text: split, YAML, `fields:` aliases, typed
//! front matter of each kind, dates and durations. Never panics, and every
//! diagnostic points inside the file.
//!
//! First byte: bits 0-1 the kind, bit 2 the config (plain, or with aliases
//! and a half-hour DST zone), bit 3 a dated or plain file name, bit 4
//! whether drafts are included. The rest is the file; invalid UTF-8 and NUL
//! (which cairn refuses in a file) become U+FFFD.

#![no_main]

mod common;

use cairn::config::{Config, Kind};
use cairn::content::{LoadOptions, load_note_text};
use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

const ROOT: &str = "/nonexistent/cairn-fuzz-site";

fn configs() -> &'static [Config; 2] {
    static C: OnceLock<[Config; 2]> = OnceLock::new();
    C.get_or_init(|| {
        let root = Path::new(ROOT);
        let plain = Config::parse(root, "title: Fuzz\ntimezone: America/Toronto\n").unwrap();
        let aliased = Config::parse(
            root,
            "title: Fuzz\ntimezone: Australia/Lord_Howe\nfields:\n  date: [when, on]\n  \
             attendees: [people, participants]\n  title: heading\n  tags: topics\n  \
             draft: hidden\n  name: full_name\n  links: urls\n",
        )
        .unwrap();
        [plain, aliased]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let kind = [Kind::Session, Kind::Member, Kind::Community, Kind::Page][usize::from(sel & 3)];
    let config = &configs()[usize::from(sel >> 2 & 1)];
    let dated = sel & 8 != 0;
    let file = match (kind, dated) {
        (Kind::Session, true) => "content/sessions/2026-03-06-fuzz-note.md",
        (Kind::Session, false) => "content/sessions/fuzz-note.md",
        (Kind::Member, _) => "content/members/fuzz-note.md",
        (Kind::Community, _) => "content/communities/fuzz-note.md",
        (Kind::Page, _) => "content/pages/fuzz-note.md",
    };
    let opts = LoadOptions {
        include_drafts: sel & 16 != 0,
        now: Utc.timestamp_opt(1_795_435_200, 0).unwrap(),
        exclude: Vec::new(),
    };
    // Text as cairn could read it: it refuses files that are not UTF-8 or
    // hold NUL bytes.
    let raw = String::from_utf8_lossy(rest).replace('\0', "\u{fffd}");
    let (corpus, diags) = load_note_text(config, &opts, kind, Path::new(file), &raw);

    // What the loader read: every position must be inside it.
    let text = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
    let text = text.replace("\r\n", "\n");
    let lines = common::lines(&text);
    for d in &diags {
        assert_eq!(d.file.as_deref(), Some(Path::new(file)), "{d:?}");
        if let Some(span) = d.span {
            common::assert_span_inside(&lines, 1, span, &format!("{}: {}", d.code, d.message));
        }
    }
    let loaded = corpus.sessions.len()
        + corpus.members.len()
        + corpus.communities.len()
        + corpus.pages.len()
        + usize::from(!corpus.drafts.is_empty());
    assert!(loaded <= 1);
    if loaded == 0 {
        assert!(
            diags.iter().any(|d| d.is_error()),
            "nothing loaded, no error"
        );
    }

    // What later stages do with a session's times.
    let tz = config.timezone;
    for s in &corpus.sessions {
        let _ = s.when.instant(tz);
        let _ = s.when.day(tz);
        let _ = s.when.iso();
        let _ = s.when.display(tz);
        let _ = s.when.short(tz);
        let _ = s.when.year(tz);
        if let Some(end) = s.end {
            let _ = end.to_rfc3339();
            let _ = end.with_timezone(&tz).format("%H:%M").to_string();
        }
        assert!(!s.title.is_empty());
    }
    for doc_body in corpus
        .sessions
        .iter()
        .map(|s| (&s.doc.body, s.doc.body_line))
        .chain(corpus.pages.iter().map(|p| (&p.doc.body, p.doc.body_line)))
    {
        let (body, line) = doc_body;
        // The body is the end of the file, starting on the line it claims.
        assert!(text.ends_with(&body[..]));
        let at = text.len() - body.len();
        assert_eq!(line, 1 + text[..at].matches('\n').count());
    }
});
