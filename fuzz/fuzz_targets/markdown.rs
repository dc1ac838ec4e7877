//! Markdown to HTML with cairn's passes (wikilinks, `.md` links, heading
//! ids, task items with `@owner`) and the action item scanner, against a
//! small fixed site so that some wikilinks resolve, some are private,
//! drafts or broken, and most are unknown.
//!
//! Invalid UTF-8 and NUL (which cairn refuses in a file) become U+FFFD.
//!
//! First byte: bits 0-1 the raw HTML mode, bit 2 whether the first `# `
//! heading is the title, bits 3-4 the file line of the body's first line.
//! The rest is the body.

#![no_main]

mod common;

use cairn::config::RawHtml;
use cairn::content::dates::When;
use cairn::content::fields::Locator;
use cairn::content::meta::{PageMeta, SessionMeta};
use cairn::content::{Doc, Status};
use cairn::markdown::{Note, render};
use cairn::model::actions::scan;
use cairn::model::{Body, Community, Page, Person, Session, Site, Target, Topic};
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SOURCE: &str = "content/sessions/2026-03-06-kickoff.md";

fn doc<M>(source: &str, slug: &str, meta: M) -> Doc<M> {
    Doc {
        source: PathBuf::from(source),
        slug: slug.into(),
        meta,
        extra: BTreeMap::new(),
        body: "".into(),
        body_line: 1,
        heading: None,
        loc: Locator::default(),
        modified: None,
    }
}

fn person(slug: &str, name: &str, public: bool) -> Person {
    Person {
        slug: slug.into(),
        name: name.into(),
        url: public.then(|| format!("members/{slug}/")),
        profile: None,
        body: Body::default(),
        attended: vec![],
        facilitated: vec![],
        communities: vec![],
        topics: vec![],
        actions: vec![],
        backlinks: vec![],
    }
}

fn site() -> &'static Site {
    static S: OnceLock<Site> = OnceLock::new();
    S.get_or_init(|| {
        let day = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
        let sessions = vec![Session {
            doc: doc(SOURCE, "2026-03-06-kickoff", SessionMeta::default()),
            title: "Kickoff".into(),
            url: "sessions/2026-03-06-kickoff/".into(),
            when: When::Day(day),
            end: None,
            status: Status::Held,
            community: Some(0),
            facilitators: vec![0],
            attendees: vec![1],
            topics: vec![0],
            actions: vec![],
            body: Body::default(),
            backlinks: vec![],
            prev: None,
            next: None,
        }];
        let people = vec![
            person("dana-kim", "Dana Kim", true),
            person("pat-quinn", "Pat Quinn", false),
            person("ines-ferrand", "Inès Ferrand", true),
        ];
        let communities = vec![Community {
            slug: "design".into(),
            name: "Design <Circle>".into(),
            url: "communities/design/".into(),
            doc: None,
            body: Body::default(),
            leads: vec![0],
            members: vec![0, 1],
            sessions: vec![0],
            backlinks: vec![],
        }];
        let pages = vec![Page {
            doc: doc("content/pages/about.md", "about", PageMeta::default()),
            title: "About \"us\"".into(),
            url: "about/".into(),
            body: Body::default(),
            backlinks: vec![],
        }];
        let topics = vec![Topic {
            name: "accessibility".into(),
            slug: "accessibility".into(),
            url: "topics/accessibility/".into(),
            sessions: vec![0],
            experts: vec![0],
            backlinks: vec![],
        }];
        let link_index: HashMap<String, Target> = [
            ("2026-03-06-kickoff", Target::Session(0)),
            ("kickoff", Target::Session(0)),
            ("dana-kim", Target::Person(0)),
            ("dana kim", Target::Person(0)),
            ("pat-quinn", Target::Person(1)),
            ("pat quinn", Target::Person(1)),
            ("ines-ferrand", Target::Person(2)),
            ("inès ferrand", Target::Person(2)),
            ("design", Target::Community(0)),
            ("about", Target::Page(0)),
            ("accessibility", Target::Topic(0)),
        ]
        .into_iter()
        .map(|(k, t)| (k.to_string(), t))
        .collect();
        let by_source: HashMap<PathBuf, Target> = [
            (SOURCE, Target::Session(0)),
            ("content/members/dana-kim.md", Target::Person(0)),
            ("content/members/pat-quinn.md", Target::Person(1)),
            ("content/communities/design.md", Target::Community(0)),
            ("content/pages/about.md", Target::Page(0)),
        ]
        .into_iter()
        .map(|(p, t)| (PathBuf::from(p), t))
        .collect();
        Site {
            sessions,
            people,
            communities,
            pages,
            topics,
            actions: vec![],
            link_index,
            by_source,
            drafts: vec!["old-idea".into(), "old idea".into()],
            broken: vec!["broken-note".into()],
        }
    })
}

/// The deepest nesting of lists, list items and block quotes in `html`.
fn nesting_depth(html: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let (close, name) = match rest.strip_prefix('/') {
            Some(n) => (true, n),
            None => (false, rest),
        };
        let end = name
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(name.len());
        if matches!(&name[..end], "ul" | "ol" | "li" | "blockquote") {
            if close {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
                max = max.max(depth);
            }
        }
    }
    max
}

/// The `id` of every `<h1>`..`<h6>` tag of `html`.
fn heading_ids(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<h") {
        rest = &rest[i + 2..];
        if !rest.starts_with(['1', '2', '3', '4', '5', '6'])
            || rest[1..].starts_with(|c: char| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let id = tag
            .split_once(" id=\"")
            .map(|(_, v)| v[..v.find('"').unwrap_or(v.len())].to_string());
        out.push(id.expect("a heading without an id"));
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let raw_html = [
        RawHtml::Allow,
        RawHtml::Escape,
        RawHtml::Sanitize,
        RawHtml::Escape,
    ][usize::from(sel & 3)];
    let strip_title = sel & 4 != 0;
    let body_line = 1 + usize::from(sel >> 3 & 3) * 7;
    // Text as cairn could read it: it refuses files that are not UTF-8 or
    // hold NUL bytes.
    let body = String::from_utf8_lossy(rest).replace('\0', "\u{fffd}");
    let site = site();

    let note = Note {
        body: &body,
        source: Path::new(SOURCE),
        body_line,
        root: "../../",
        strip_title,
    };
    let (out, diags) = render(site, raw_html, &note);
    // A Rust String is UTF-8 by construction; the check is that nothing
    // above panicked on a char boundary on the way.
    assert!(std::str::from_utf8(out.html.as_bytes()).is_ok());
    if raw_html != RawHtml::Allow {
        let lower = out.html.to_ascii_lowercase();
        assert!(
            !lower.contains("<script"),
            "raw HTML got through in {raw_html:?} mode: {}",
            out.html
        );
    }
    assert!(!out.first_paragraph.contains(['\n', '\t']));
    // Only when raw HTML is escaped (otherwise the note's own tags count):
    // lists and quotes nest at most 100 deep, plus an item in the last list
    // (HTML parsers take time quadratic in the depth); every heading has an
    // id, and no two share one (anchors must land).
    if raw_html == RawHtml::Escape {
        let depth = nesting_depth(&out.html);
        assert!(depth <= 101, "lists and quotes nest {depth} deep");
        let mut ids = std::collections::HashSet::new();
        for id in heading_ids(&out.html) {
            assert!(ids.insert(id.clone()), "two headings with id {id:?}");
        }
    }
    for t in &out.links {
        let _ = site.target(*t);
    }
    let lines = common::lines(&body);
    for d in &diags {
        assert_eq!(d.file.as_deref(), Some(Path::new(SOURCE)));
        let span = d.span.expect("markdown diagnostics have a position");
        common::assert_span_inside(
            &lines,
            body_line,
            span,
            &format!("{}: {}", d.code, d.message),
        );
    }

    for a in scan(&body, body_line) {
        common::assert_span_inside(&lines, body_line, a.span, "action owner");
        assert!(!a.owner.is_empty());
        // The span marks `@owner` as written.
        let line = lines[a.span.line - body_line];
        let marked: String = line
            .chars()
            .skip(a.span.column - 1)
            .take(a.span.len)
            .collect();
        assert!(marked.starts_with('@'), "span marks {marked:?}");
    }
});
