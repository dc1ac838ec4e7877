//! Where session pages, the search index and the feed get each session's
//! rendered body.
//!
//! `cairn serve` and `cairn check` keep every body in the site ([`Held`]).
//! A build keeps none: sessions are nearly all of a site's text, and
//! holding their HTML until the last page is written made a build's
//! memory three to four times the size of the markdown. Instead the
//! markdown stage only guesses what each session links to
//! ([`crate::markdown::guess_links`]) and lets its text go; each session
//! is then read again and rendered once, when the search index takes it
//! ([`Streamed`]), and its page is written right then; the HTML goes when
//! both are done. What the pages of other notes show of a session (its
//! first paragraph, its links) is kept, and backlinks the guess got wrong
//! are repaired before the list pages are written ([`crate::render`]).

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::markdown::{self, Note};
use crate::model::{Body, Site, Target};
use crate::slug::root_of;
use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};

/// A session's rendered body, by index.
pub trait SessionBodies: Sync {
    fn body<'s>(&'s self, site: &'s Site, session: usize) -> Cow<'s, Body>;
}

/// Every body is in the site.
pub struct Held;

impl SessionBodies for Held {
    fn body<'s>(&'s self, site: &'s Site, session: usize) -> Cow<'s, Body> {
        Cow::Borrowed(&site.sessions[session].body)
    }
}

/// Session bodies rendered again from their files when asked for: for the
/// pages a build writes after the sessions' own (repaired backlinks, the
/// feed). Their diagnostics were reported when they were first rendered.
pub struct Reread<'a> {
    config: &'a Config,
    /// A print of each session's body as it was loaded ([`print`]): a file
    /// changed since is an error, not a page that disagrees with the rest
    /// of the site.
    prints: &'a [u128],
    errors: Mutex<Vec<Diagnostic>>,
}

impl<'a> Reread<'a> {
    pub fn new(config: &'a Config, prints: &'a [u128]) -> Reread<'a> {
        Reread {
            config,
            prints,
            errors: Mutex::default(),
        }
    }

    /// Files that could not be read again, or changed since they were loaded.
    pub fn into_errors(self) -> Vec<Diagnostic> {
        self.errors.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// Session `i` rendered from its file, with the diagnostics of its body.
    fn render(&self, site: &Site, i: usize) -> Result<(Body, Vec<Diagnostic>), Diagnostic> {
        let s = &site.sessions[i];
        let text = crate::content::read_body(self.config, &s.doc.source)?;
        if self.prints.get(i) != Some(&print(&text)) {
            return Err(Diagnostic::error(
                "changed",
                "this file changed while the site was being built",
            )
            .in_file(&s.doc.source)
            .help("build again once it is saved"));
        }
        let root = root_of(&s.url);
        Ok(markdown::render(
            site,
            self.config.raw_html,
            &Note {
                body: &text,
                source: &s.doc.source,
                body_line: s.doc.body_line,
                root: &root,
                strip_title: crate::build::same(&s.doc.heading, &s.title),
            },
        ))
    }

    /// Session `i` rendered from its file, and what the rendering found.
    /// (The body's links move into what was found.)
    pub fn found(&self, site: &Site, i: usize) -> (Body, Found) {
        let (mut body, diags) = self.render(site, i).unwrap_or_else(|d| self.failed(d));
        let found = Found {
            first_paragraph: body.first_paragraph.clone(),
            links: std::mem::take(&mut body.links),
            asked: body.asked.clone(),
            diags,
        };
        (body, found)
    }

    fn failed(&self, d: Diagnostic) -> (Body, Vec<Diagnostic>) {
        if let Ok(mut errors) = self.errors.lock() {
            errors.push(d);
        }
        Default::default()
    }
}

impl SessionBodies for Reread<'_> {
    fn body<'s>(&'s self, site: &'s Site, session: usize) -> Cow<'s, Body> {
        let (body, _) = self
            .render(site, session)
            .unwrap_or_else(|d| self.failed(d));
        Cow::Owned(body)
    }
}

/// What the first rendering of a session found.
pub struct Found {
    pub first_paragraph: String,
    pub links: Vec<Target>,
    /// What the rendering asked of the site ([`crate::markdown::Asked`]).
    pub asked: crate::markdown::Asked,
    pub diags: Vec<Diagnostic>,
}

/// Writes a session's page, given its rendered body.
pub type WritePage<'a> = dyn Fn(usize, &Body) -> Result<(), Diagnostic> + Sync + 'a;

/// The first rendering of each session: asked for once, by the search
/// index; writes the session's page with the HTML and keeps what the other
/// pages need ([`Found`]).
pub struct Streamed<'a> {
    reread: &'a Reread<'a>,
    write_page: &'a WritePage<'a>,
    found: Vec<OnceLock<Found>>,
    errors: Mutex<Vec<Diagnostic>>,
}

impl<'a> Streamed<'a> {
    pub fn new(reread: &'a Reread<'a>, sessions: usize, write_page: &'a WritePage<'a>) -> Self {
        Streamed {
            reread,
            write_page,
            found: (0..sessions).map(|_| OnceLock::new()).collect(),
            errors: Mutex::default(),
        }
    }

    /// Session `i` was not rendered: its page was kept from the previous
    /// build ([`crate::reuse`]), and this is what its rendering found then.
    pub fn preset(&self, i: usize, found: Found) {
        if let Some(slot) = self.found.get(i) {
            let _ = slot.set(found);
        }
    }

    /// Per session, what its rendering found (`None`: never asked for), and
    /// the errors of writing pages.
    pub fn finish(self) -> (Vec<Option<Found>>, Vec<Diagnostic>) {
        (
            self.found.into_iter().map(OnceLock::into_inner).collect(),
            self.errors.into_inner().unwrap_or_else(|e| e.into_inner()),
        )
    }
}

impl SessionBodies for Streamed<'_> {
    fn body<'s>(&'s self, site: &'s Site, session: usize) -> Cow<'s, Body> {
        let (body, found) = self.reread.found(site, session);
        let Some(slot) = self.found.get(session) else {
            return Cow::Owned(body);
        };
        if slot.set(found).is_ok()
            && let Err(d) = (self.write_page)(session, &body)
            && let Ok(mut errors) = self.errors.lock()
        {
            errors.push(d);
        }
        Cow::Owned(body)
    }
}

/// A fingerprint of a body's text ([`crate::output::hash128`]), to tell
/// whether a file changed between the two reads of one build.
pub fn print(text: &str) -> u128 {
    crate::output::hash128(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::print;

    #[test]
    fn print_tells_texts_apart() {
        let a = "Notes of the session.\n\nWe agreed to meet again in May.\n";
        assert_ne!(print(a), print(&a.replace("May", "Jun")));
        assert_ne!(print(a), print(&a[..a.len() - 1]));
        assert_ne!(print("ab"), print("ba"));
        assert_ne!(print(""), print("\0"));
    }
}
