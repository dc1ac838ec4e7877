//! Markdown to HTML: pulldown-cmark with cairn's passes over its events.
//!
//! - `[[slug]]`, `[[slug|label]]`, `[[Display Name]]` become links to the
//!   entity's page (an unknown target is an error at its line and column);
//! - relative links to `.md` files become links to their pages;
//! - headings get ids (for anchors); blocks get `dir="auto"` so that a
//!   right-to-left paragraph inside a left-to-right note displays correctly;
//! - raw HTML is passed, escaped or sanitized per `markdown.raw_html`.

use crate::config::RawHtml;
use crate::diag::{Diagnostic, Span};
use crate::model::{Body, Site, Target};
use crate::slug::slugify;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

/// The questions the rendering of a body asks the site, one after the
/// other: what a `[[name]]` leads to, who an action item's `@owner` is,
/// which note is at a (resolved) relative `.md` link's path. A body's HTML
/// and links depend on the site only through the answers, so a body with
/// the same text and the same answers renders the same ([`crate::reuse`]).
#[derive(Clone, Debug, Default)]
pub struct Asked {
    /// Each question: its kind ([`ASK_WIKI`], [`ASK_OWNER`],
    /// [`ASK_SOURCE`]), the length of its text (4 bytes, little-endian)
    /// and the text. Compact: a build keeps every session's to its end.
    pub questions: Box<[u8]>,
    /// The print of the answers the rendering got ([`answers`]); `None`
    /// when they cannot be asked again.
    pub print: Option<u128>,
}

const ASK_WIKI: u8 = 0;
const ASK_OWNER: u8 = 1;
const ASK_SOURCE: u8 = 2;

/// Questions and answers while a body is rendered.
#[derive(Default)]
struct Asking {
    questions: Vec<u8>,
    answers: Vec<u8>,
    /// A question that cannot be asked again was asked (a path that is not
    /// UTF-8): the body's answers are never known.
    unknown: bool,
}

impl Asking {
    /// Records the question and the answer `site` gave (`target`).
    fn ask(&mut self, site: &Site, kind: u8, text: &str, target: Option<Target>) {
        self.questions.push(kind);
        self.questions
            .extend_from_slice(&(text.len() as u32).to_le_bytes());
        self.questions.extend_from_slice(text.as_bytes());
        answer(&mut self.answers, site, kind, text, target);
    }

    fn done(self) -> Asked {
        Asked {
            print: (!self.unknown).then(|| crate::output::hash128(&self.answers)),
            questions: self.questions.into(),
        }
    }
}

/// Appends a question and its answer (target kind, URL, label) to the
/// bytes the answers' print is made of; whether the answer is a link of
/// the body (as [`render`] makes them).
fn answer(b: &mut Vec<u8>, site: &Site, kind: u8, text: &str, target: Option<Target>) -> bool {
    b.push(kind);
    b.extend_from_slice(&(text.len() as u32).to_le_bytes());
    b.extend_from_slice(text.as_bytes());
    let Some(t) = target else {
        b.push(0);
        return false;
    };
    let (url, label) = site.target(t);
    b.push(match t {
        Target::Session(_) => 1,
        Target::Person(_) => 2,
        Target::Community(_) => 3,
        Target::Page(_) => 4,
        Target::Topic(_) => 5,
    });
    b.push(url.is_some() as u8);
    for part in [url.unwrap_or_default(), label] {
        b.extend_from_slice(&(part.len() as u32).to_le_bytes());
        b.extend_from_slice(part.as_bytes());
    }
    match kind {
        ASK_WIKI => true,
        ASK_OWNER => matches!(t, Target::Person(_)) && url.is_some(),
        _ => url.is_some(),
    }
}

/// The answers `site` gives now to `questions` ([`Asked::questions`]):
/// their print, as the rendering made it, and the links of a body that
/// asked them. `None` when they cannot be told.
pub fn answers(site: &Site, mut questions: &[u8]) -> Option<(u128, Vec<Target>)> {
    let mut b = Vec::with_capacity(questions.len() * 4);
    let mut links = Vec::new();
    while let [kind, rest @ ..] = questions {
        let (len, rest) = rest.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        let (text, rest) = (rest.get(..len)?, rest.get(len..)?);
        questions = rest;
        let text = std::str::from_utf8(text).ok()?;
        let target = match *kind {
            ASK_WIKI | ASK_OWNER => site.resolve(text),
            ASK_SOURCE => site.by_source.get(Path::new(text)).copied(),
            _ => return None,
        };
        if answer(&mut b, site, *kind, text, target)
            && let Some(t) = target
        {
            links.push(t);
        }
    }
    Some((crate::output::hash128(&b), links))
}

/// What the renderer needs to know about the note it renders.
pub struct Note<'a> {
    pub body: &'a str,
    pub source: &'a Path,
    /// File line of the body's first line.
    pub body_line: usize,
    /// Relative path from this note's page to the site root (`../../`).
    pub root: &'a str,
    /// Drop the first `# ` heading: it became the page title.
    pub strip_title: bool,
}

/// The pulldown-cmark options every note is rendered with (the
/// benchmark's markdown-only reference uses them too).
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_WIKILINKS
}

/// Maps byte offsets of the body to file positions.
struct Lines {
    starts: Vec<usize>,
    first: usize,
}

impl Lines {
    fn new(text: &str, first: usize) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts, first }
    }

    fn span(&self, text: &str, offset: usize, len: usize) -> Span {
        let i = self.starts.partition_point(|&s| s <= offset) - 1;
        let col = text[self.starts[i]..offset].chars().count() + 1;
        // A link can run over several lines; the report shows the first, so
        // the mark stops at its end.
        let marked = &text[offset..offset + len];
        let marked = marked.split('\n').next().unwrap_or(marked);
        Span::new(self.first + i, col, marked.chars().count())
    }
}

/// How deep lists, list items and block quotes may nest in the HTML; deeper
/// ones are flattened into the one at this depth, their text kept. No note
/// needs more, and HTML parsers take time quadratic in the depth (the
/// sanitizer's took 28 s on 64 KiB of `- - - …`; browsers stop at 512).
const MAX_NESTING: usize = 100;

/// Ids the default theme gives elements of the pages a body appears on: a
/// heading `## Main` becomes `main-2`, so `#main` still reaches the skip
/// link's target and every id stays unique on the page.
const THEME_IDS: &[&str] = &[
    "main",
    "site-search-q",
    "site-search-results",
    "site-search-status",
    "search-page-form",
    "search-page-q",
    "search-page-results",
    "search-page-status",
    "search-kind",
    "search-community",
    "search-year",
    "actions-h",
    "attendance-h",
    "attended-h",
    "attendees-h",
    "backlinks-h",
    "communities-h",
    "done-h",
    "experts-h",
    "facilitated-h",
    "facilitators-h",
    "leadership-h",
    "members-h",
    "met-h",
    "open-h",
    "others-h",
    "past-h",
    "people-h",
    "recent-h",
    "related-h",
    "sessions-h",
    "timeline-h",
    "topics-h",
    "upcoming-h",
];

/// Renders one note's body.
pub fn render(site: &Site, raw_html: RawHtml, note: &Note) -> (Body, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    // Line starts, for the position of a diagnostic (few notes need them).
    let lines = std::cell::OnceCell::new();
    let lines = || lines.get_or_init(|| Lines::new(note.body, note.body_line));
    let mut out_events: Vec<Event> = Vec::with_capacity(note.body.len() / 16);
    let mut links = Vec::new();
    let mut asked = Asking::default();
    // Heading ids given so far (the theme's own are taken from the start),
    // and the last number tried after each base.
    let mut ids: HashSet<String> = HashSet::new();
    let free = |id: &str, ids: &mut HashSet<String>| {
        !THEME_IDS.contains(&id) && ids.insert(id.to_string())
    };
    let mut last_suffix: HashMap<String, usize> = HashMap::new();
    let mut first_paragraph = String::new();
    let mut in_first_paragraph = false;
    let mut seen_paragraph = false;
    let mut stripped_title = !note.strip_title;
    let mut depth = 0usize;
    // Open lists, items and block quotes, each with whether it is in the
    // HTML (see MAX_NESTING), and how many of them are.
    let mut nesting: Vec<bool> = Vec::new();
    let mut kept = 0usize;
    // Buffer for a heading until its end, to give it an id.
    let mut heading: Option<(Vec<Event>, String)> = None;
    // Inside a wikilink whose label we replace: skip the inner events.
    let mut skip_label = false;
    // Inside a link we dropped (private person, draft): drop its end too.
    let mut drop_link_end: Vec<bool> = Vec::new();

    // Text after a task list marker, held back to find an `@owner`.
    let mut owner_buf: Option<String> = None;

    let parser = Parser::new_ext(note.body, options()).into_offset_iter();
    // What each event becomes; one buffer for all (an allocation per event
    // was a tenth of the markdown stage).
    let mut emit: Vec<Event> = Vec::new();
    for (event, range) in parser {
        emit.clear();
        if let Some(buf) = owner_buf.as_mut() {
            if let Event::Text(t) = &event {
                buf.push_str(t);
                continue;
            }
            let buf = owner_buf.take().unwrap_or_default();
            emit.extend(owner_link(site, note.root, buf, &mut links, &mut asked));
        }
        match event {
            Event::TaskListMarker(done) => {
                // A labelled checkbox: screen readers say what it means.
                emit.push(Event::Html(
                    if done {
                        "<input type=\"checkbox\" disabled=\"\" checked=\"\" aria-label=\"done\"> "
                    } else {
                        "<input type=\"checkbox\" disabled=\"\" aria-label=\"to do\"> "
                    }
                    .into(),
                ));
                owner_buf = Some(String::new());
            }
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                mut attrs,
            }) => {
                attrs.push(("dir".into(), Some("auto".into())));
                heading = Some((
                    vec![Event::Start(Tag::Heading {
                        level,
                        id,
                        classes,
                        attrs,
                    })],
                    String::new(),
                ));
                continue;
            }
            Event::End(TagEnd::Heading(level)) => {
                if let Some((mut evs, text)) = heading.take() {
                    if !stripped_title && level == HeadingLevel::H1 {
                        stripped_title = true;
                        continue;
                    }
                    if let Some(Event::Start(Tag::Heading { id, .. })) = evs.first_mut() {
                        let base = id
                            .as_ref()
                            .map_or_else(|| slugify(&text), |i| i.to_string());
                        let base = if base.is_empty() {
                            "section".to_string()
                        } else {
                            base
                        };
                        // `base-2` may be taken already, by a heading
                        // `Base 2` or an explicit id: count on until free.
                        let unique = if free(&base, &mut ids) {
                            base
                        } else {
                            let n = last_suffix.entry(base.clone()).or_insert(1);
                            loop {
                                *n += 1;
                                let candidate = format!("{base}-{n}");
                                if free(&candidate, &mut ids) {
                                    break candidate;
                                }
                            }
                        };
                        *id = Some(CowStr::from(unique));
                    }
                    evs.push(Event::End(TagEnd::Heading(level)));
                    out_events.extend(evs);
                }
                continue;
            }
            Event::Start(Tag::Paragraph) => {
                if depth == 0 && !seen_paragraph {
                    in_first_paragraph = true;
                    seen_paragraph = true;
                }
                emit.push(Event::Html("<p dir=\"auto\">".into()));
            }
            Event::End(TagEnd::Paragraph) => {
                in_first_paragraph = false;
                emit.push(Event::Html("</p>\n".into()));
            }
            Event::Start(Tag::Item | Tag::BlockQuote(_) | Tag::List(_)) => {
                depth += 1;
                // An item is in the HTML when its list is.
                let keep = if matches!(event, Event::Start(Tag::Item)) {
                    nesting.last().copied().unwrap_or(true)
                } else {
                    kept < MAX_NESTING
                };
                nesting.push(keep);
                if keep {
                    kept += 1;
                    emit.push(match event {
                        Event::Start(Tag::Item) => Event::Html("<li dir=\"auto\">".into()),
                        Event::Start(Tag::BlockQuote(_)) => {
                            Event::Html("<blockquote dir=\"auto\">\n".into())
                        }
                        other => other,
                    });
                }
            }
            Event::End(TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::List(_)) => {
                depth = depth.saturating_sub(1);
                if nesting.pop().unwrap_or(true) {
                    kept = kept.saturating_sub(1);
                    emit.push(match event {
                        Event::End(TagEnd::Item) => Event::Html("</li>\n".into()),
                        Event::End(TagEnd::BlockQuote(_)) => Event::Html("</blockquote>\n".into()),
                        other => other,
                    });
                } else if matches!(event, Event::End(TagEnd::Item)) {
                    // Flattened items still read apart.
                    emit.push(Event::SoftBreak);
                }
            }
            Event::Start(Tag::FootnoteDefinition(_)) | Event::Start(Tag::Table(_)) => {
                depth += 1;
                emit.push(event);
            }
            Event::End(TagEnd::FootnoteDefinition) | Event::End(TagEnd::Table) => {
                depth = depth.saturating_sub(1);
                emit.push(event);
            }
            Event::Start(Tag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                title,
                id,
            }) => {
                let raw: &str = &dest_url;
                let (name, fragment) = match raw.split_once('#') {
                    Some((n, f)) => (n, Some(f)),
                    None => (raw, None),
                };
                let resolved = site.resolve(name);
                asked.ask(site, ASK_WIKI, name, resolved);
                match resolved {
                    Some(target) => {
                        links.push(target);
                        let (url, label) = site.target(target);
                        match url {
                            Some(url) => {
                                let dest = join_url(note.root, url, fragment);
                                emit.push(Event::Start(Tag::Link {
                                    link_type: LinkType::Inline,
                                    dest_url: dest.into(),
                                    title,
                                    id,
                                }));
                                drop_link_end.push(false);
                            }
                            None => drop_link_end.push(true),
                        }
                        if !has_pothole {
                            emit.push(Event::Text(label.to_string().into()));
                            skip_label = true;
                        }
                    }
                    None => {
                        let span = lines().span(note.body, range.start, range.len());
                        if site.is_broken(name) {
                            // The target's own error is reported; not this.
                        } else if site.is_draft(name) {
                            diags.push(
                                Diagnostic::warning(
                                    "draft-link",
                                    format!(
                                        "[[{name}]] links to a draft; it is shown as plain text"
                                    ),
                                )
                                .in_file(note.source)
                                .at(span),
                            );
                        } else {
                            diags.push(
                                Diagnostic::error("broken-wikilink", format!("[[{name}]] does not match any member, session, community or page"))
                                    .in_file(note.source)
                                    .at(span)
                                    .help(match site.near_target(name) {
                                        Some(n) => format!("did you mean [[{n}]]?"),
                                        None => "link to a file name without `.md`, or to a person's display name".into(),
                                    }),
                            );
                        }
                        drop_link_end.push(true);
                    }
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest = match rewrite_md_link(site, note, &dest_url, &mut asked) {
                    MdLink::NotMd => dest_url,
                    MdLink::Page(target, url) => {
                        links.push(target);
                        url.into()
                    }
                    MdLink::Missing(path) => {
                        let span = lines().span(note.body, range.start, range.len());
                        diags.push(
                            Diagnostic::warning("broken-link", format!("link to `{dest_url}`, which is not a published note of this site ({path})"))
                                .in_file(note.source)
                                .at(span)
                                .help("check the file name; links are relative to this note's folder"),
                        );
                        dest_url
                    }
                };
                drop_link_end.push(false);
                emit.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: dest,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                skip_label = false;
                if !drop_link_end.pop().unwrap_or(false) {
                    emit.push(event);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) if raw_html == RawHtml::Escape => {
                emit.push(Event::Text(h));
            }
            other => {
                if skip_label {
                    continue;
                }
                emit.push(other);
            }
        }
        if in_first_paragraph {
            for e in &emit {
                match e {
                    Event::Text(t) | Event::Code(t) => first_paragraph.push_str(t),
                    Event::SoftBreak | Event::HardBreak => first_paragraph.push(' '),
                    _ => {}
                }
            }
        }
        if let Some((evs, text)) = heading.as_mut() {
            for e in &emit {
                if let Event::Text(t) | Event::Code(t) = e {
                    text.push_str(t);
                }
            }
            evs.append(&mut emit);
        } else {
            out_events.append(&mut emit);
        }
    }
    let mut html = String::with_capacity(note.body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out_events.into_iter());
    if raw_html == RawHtml::Sanitize {
        html = sanitizer().clean(&html).to_string();
    }
    let body = Body {
        // An exact copy: every body is held until its pages are written.
        html: html.into(),
        first_paragraph: squeeze_spaces(&first_paragraph),
        links,
        asked: asked.done(),
    };
    (body, diags)
}

/// `s` with its words separated by single spaces (as
/// `split_whitespace().collect::<Vec<_>>().join(" ")`, in one pass).
fn squeeze_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// What a body's text says it links to, found without parsing it and
/// before any name is looked up: every `[[name]]`, every `](dest)`, and
/// the owner of every `- [ ] @owner` item ([`guess_links`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawLinks {
    /// Each one as a kind byte ([`RAW_NAME`], [`RAW_PATH`], [`RAW_OWNER`])
    /// and its text, one after another: two allocations a note, not one
    /// for each link (a build holds tens of thousands of these at once).
    text: String,
    /// Where each one ends in `text`.
    ends: Vec<u32>,
}

const RAW_NAME: u8 = b'n';
const RAW_PATH: u8 = b'p';
const RAW_OWNER: u8 = b'o';

impl RawLinks {
    /// Its text and the ends of its parts, to be kept
    /// ([`crate::content::kept`]).
    pub(crate) fn parts(&self) -> (&str, &[u32]) {
        (&self.text, &self.ends)
    }

    /// Raw links from [`RawLinks::parts`]; `None` if the ends are not
    /// ends of `text`.
    pub(crate) fn from_parts(text: String, ends: Vec<u32>) -> Option<RawLinks> {
        let mut start = 0;
        for &end in &ends {
            let end = end as usize;
            if end <= start || !text.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        (start == text.len()).then_some(RawLinks { text, ends })
    }

    fn push(&mut self, kind: u8, text: &str) {
        self.text.push(kind as char);
        self.text.push_str(text);
        self.ends.push(self.text.len() as u32);
    }

    /// Each link's kind and text, in the order they were found.
    fn iter(&self) -> impl Iterator<Item = (u8, &str)> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).filter_map(|(start, &end)| {
            let (start, end) = (start as usize, end as usize);
            Some((
                *self.text.as_bytes().get(start)?,
                self.text.get(start + 1..end)?,
            ))
        })
    }
}

/// Reads [`RawLinks`] from a body.
pub fn raw_links(body: &str) -> RawLinks {
    let bytes = body.as_bytes();
    let mut raw = RawLinks::default();
    for i in memchr::memchr2_iter(b'[', b']', bytes) {
        let rest = &body[i + 1..];
        if bytes[i] == b'[' {
            if let Some(after) = rest.strip_prefix('[')
                && let Some(end) = after.find("]]")
            {
                let inner = &after[..end];
                let line = &body[body[..i].rfind('\n').map_or(0, |n| n + 1)..];
                // In a table row, `|` ends the cell: not a link.
                if !(inner.contains('|') && line.trim_start().starts_with('|')) {
                    let dest = inner.split('|').next().unwrap_or(inner);
                    raw.push(RAW_NAME, dest.split('#').next().unwrap_or(dest));
                }
            }
        } else if let Some(after) = rest.strip_prefix('(') {
            let after = after.trim_start_matches([' ', '\t']);
            let after = after
                .strip_prefix('\n')
                .map_or(after, |a| a.trim_start_matches([' ', '\t']));
            let dest = match after.strip_prefix('<') {
                Some(a) => a.split(['>', '\n']).next().unwrap_or(""),
                None => link_destination(after),
            };
            if is_markdown_path(dest.split('#').next().unwrap_or(dest)) {
                raw.push(RAW_PATH, dest);
            }
        } else if let Some(after) = rest.strip_prefix(' ')
            && after.starts_with('@')
        {
            let line = after.split('\n').next().unwrap_or(after);
            if let Some((name, _)) = crate::model::actions::split_owner(line) {
                raw.push(RAW_OWNER, name);
            }
        }
    }
    raw
}

/// The notes a body links to, guessed from its [`RawLinks`]. Meant to
/// agree with the links [`render`] finds, so that a build can write each
/// session's page as soon as its body is rendered; where it does not (a
/// link in a code block, a reference-style link), the build repairs the
/// backlinks it got wrong once every body is rendered.
pub fn resolve_links(site: &Site, note: &Note, raw: &RawLinks) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for (kind, text) in raw.iter() {
        let to = match kind {
            RAW_NAME => site.resolve(text),
            RAW_PATH => match rewrite_md_link(site, note, text, &mut Asking::default()) {
                MdLink::Page(t, _) => Some(t),
                _ => None,
            },
            _ => match site.resolve(text) {
                Some(Target::Person(id)) if site.people[id].url.is_some() => {
                    Some(Target::Person(id))
                }
                _ => None,
            },
        };
        out.extend(to);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// [`resolve_links`] of the body's [`raw_links`].
pub fn guess_links(site: &Site, note: &Note) -> Vec<Target> {
    resolve_links(site, note, &raw_links(note.body))
}

/// A link destination written without `<>`: up to a space or the `)`
/// that closes the link (parentheses inside it come in pairs).
fn link_destination(text: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return &text[..i],
            ')' => depth -= 1,
            c if c.is_whitespace() => return &text[..i],
            _ => {}
        }
    }
    text
}

/// The text after a task list marker: a leading `@owner` becomes a link to
/// the owner's page (plain text for people without one).
fn owner_link<'e>(
    site: &Site,
    root: &str,
    text: String,
    links: &mut Vec<Target>,
    asked: &mut Asking,
) -> Vec<Event<'e>> {
    let lead = text.len() - text.trim_start().len();
    let Some((name, rest)) = crate::model::actions::split_owner(&text[lead..]) else {
        return vec![Event::Text(text.into())];
    };
    let resolved = site.resolve(name);
    asked.ask(site, ASK_OWNER, name, resolved);
    let Some(Target::Person(id)) = resolved else {
        return vec![Event::Text(text.clone().into())];
    };
    let person = &site.people[id];
    let mut out = vec![Event::Text(text[..lead].to_string().into())];
    match &person.url {
        Some(url) => {
            links.push(Target::Person(id));
            out.push(Event::Html(
                format!(
                    "<a class=\"owner\" href=\"{}\">",
                    crate::render::theme::escape_html(&join_url(root, url, None))
                )
                .into(),
            ));
            out.push(Event::Text(person.name.clone().into()));
            out.push(Event::Html("</a>".into()));
        }
        None => out.push(Event::Text(person.name.clone().into())),
    }
    out.push(Event::Text(rest.to_string().into()));
    out
}

enum MdLink {
    NotMd,
    Page(Target, String),
    Missing(String),
}

/// Whether `path` ends in `.md` or `.markdown`, in any case.
fn is_markdown_path(path: &str) -> bool {
    let ends_with = |ext: &str| {
        path.len() >= ext.len()
            && path.as_bytes()[path.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
    };
    ends_with(".md") || ends_with(".markdown")
}

/// A relative link to a `.md` file, resolved against the note's folder.
fn rewrite_md_link(site: &Site, note: &Note, dest: &str, asked: &mut Asking) -> MdLink {
    if dest.contains("://") || dest.starts_with(['/', '#']) || dest.starts_with("mailto:") {
        return MdLink::NotMd;
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (dest, None),
    };
    if !is_markdown_path(path) {
        return MdLink::NotMd;
    }
    let decoded = percent_decode(path);
    let mut target = PathBuf::new();
    let base = note.source.parent().unwrap_or(Path::new(""));
    for c in base.join(&decoded).components() {
        match c {
            Component::Normal(n) => target.push(n),
            Component::ParentDir => {
                if !target.pop() {
                    return MdLink::Missing("it points outside the site".into());
                }
            }
            Component::CurDir => {}
            _ => return MdLink::Missing("absolute paths are not followed".into()),
        }
    }
    let found = site.by_source.get(&target).copied();
    match target.to_str() {
        Some(path) => asked.ask(site, ASK_SOURCE, path, found),
        None => asked.unknown = true,
    }
    match found.as_ref() {
        Some(&t) => match site.target(t).0 {
            Some(url) => MdLink::Page(t, join_url(note.root, url, fragment)),
            None => MdLink::Missing("that profile is private".into()),
        },
        None => MdLink::Missing(format!("no note at {}", target.display())),
    }
}

/// `root` + `url`, then `#fragment` when there is one.
fn join_url(root: &str, url: &str, fragment: Option<&str>) -> String {
    let mut out =
        String::with_capacity(root.len() + url.len() + fragment.map_or(0, |f| f.len() + 1));
    out.push_str(root);
    out.push_str(url);
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_tags(["input"])
            .add_generic_attributes(["dir", "id", "class", "lang"])
            .add_tag_attributes("input", ["type", "checked", "disabled", "aria-label"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"]);
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_paths_in_any_case() {
        for p in [
            "a.md",
            "a.MD",
            "notes/é.Md",
            "x.markdown",
            "x.MarkDown",
            ".md",
        ] {
            assert!(is_markdown_path(p), "{p}");
        }
        for p in ["", "md", "a.mdx", "a.m", "a.markdow", "émd"] {
            assert!(!is_markdown_path(p), "{p}");
        }
    }

    #[test]
    fn byte_offsets_map_to_file_lines_and_char_columns() {
        let text = "ab\nçé [[x]]\n";
        let l = Lines::new(text, 5);
        let off = text.find("[[").unwrap();
        assert_eq!(l.span(text, off, 5), Span::new(6, 4, 5));
    }

    #[test]
    fn a_mark_stops_at_the_end_of_its_line() {
        // Found by fuzzing: a wikilink over three lines marked 55
        // characters of a 58-character line from column 26.
        let text = "x [[a\nb]]\n";
        let l = Lines::new(text, 1);
        assert_eq!(l.span(text, 2, 8), Span::new(1, 3, 3));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b.md"), "a b.md");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%é%"), "%é%");
    }
}
