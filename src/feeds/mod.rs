//! Files for machines: the Atom feed, iCalendar files, the sitemap and
//! robots.txt. Every URL in them is absolute, under `base_url`.

pub mod atom;
pub mod ics;

use crate::bodies::{Held, SessionBodies};
use crate::config::Config;
use crate::content::Status;
use crate::content::dates::When;
use crate::model::{Session, Site, Target};
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Gives `put` every machine-readable file, `(output path, bytes)`, as it
/// is made.
pub fn render(
    site: &Site,
    config: &Config,
    pages: &[String],
    now: DateTime<Utc>,
    bodies: &dyn SessionBodies,
    put: &mut dyn FnMut(String, Vec<u8>),
) {
    let to = To { bodies, put };
    Cache::default().render_from(site, config, pages, now, None, to)
}

/// Where a render gets the sessions' bodies (the feed's full text) and
/// where its files go, as each is made.
struct To<'a> {
    bodies: &'a dyn SessionBodies,
    put: &'a mut dyn FnMut(String, Vec<u8>),
}

/// What the machine-readable files are made of, kept between rebuilds by
/// `cairn serve` so that an edit writes again only what it changed: each
/// session's calendar event, and each note's `<lastmod>`.
#[derive(Default)]
pub struct Cache {
    /// What every event depends on besides its session: the stamp, the
    /// host of `base_url`, the time zone.
    context: u64,
    /// Each session's source, fingerprint of what its event shows, and
    /// event, in the order of the sessions of the last call.
    events: Vec<(PathBuf, u64, Arc<str>)>,
    /// Note source -> the date of its last change, as the sitemap shows it.
    lastmods: HashMap<PathBuf, Option<String>>,
}

/// The fingerprint of what every event depends on besides its session.
fn context_of(stamp: &str, config: &Config) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (stamp, &config.base_url, config.timezone.name()).hash(&mut h);
    h.finish()
}

/// The fingerprint of everything [`ics::event_text`] reads of a session.
fn event_key(s: &Session) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.doc.slug.hash(&mut h);
    match s.when {
        When::Day(d) => (0u8, d).hash(&mut h),
        When::At(t) => (1u8, t).hash(&mut h),
    }
    s.end.hash(&mut h);
    s.title.hash(&mut h);
    s.summary().hash(&mut h);
    s.location().hash(&mut h);
    s.url.hash(&mut h);
    (s.status == Status::Cancelled).hash(&mut h);
    h.finish()
}

impl Cache {
    /// Every machine-readable file, as [`render`] writes it. `changed`
    /// names the notes whose files changed since the last call (their
    /// `<lastmod>` is read again); `None` reads every note's again.
    pub fn render(
        &mut self,
        site: &Site,
        config: &Config,
        pages: &[String],
        now: DateTime<Utc>,
        changed: Option<&[PathBuf]>,
    ) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let to = To {
            bodies: &Held,
            put: &mut |p, b| out.push((p, b)),
        };
        self.render_from(site, config, pages, now, changed, to);
        out
    }

    /// [`Cache::render`], with the sessions' body HTML from `bodies`.
    fn render_from(
        &mut self,
        site: &Site,
        config: &Config,
        pages: &[String],
        now: DateTime<Utc>,
        changed: Option<&[PathBuf]>,
        to: To<'_>,
    ) {
        let To { bodies, put } = to;
        let stamp = ics::stamp(now);
        let context = context_of(&stamp, config);
        if context != self.context {
            self.events.clear();
            self.context = context;
        }
        let old = std::mem::take(&mut self.events);
        let known: HashMap<&Path, usize> = old
            .iter()
            .enumerate()
            .map(|(i, (src, _, _))| (src.as_path(), i))
            .collect();
        self.events = site
            .sessions
            .par_iter()
            .map(|s| {
                let key = event_key(s);
                let text = match known.get(s.doc.source.as_path()).map(|&i| &old[i]) {
                    Some((_, k, text)) if *k == key => text.clone(),
                    _ => Arc::from(ics::event_text(s, config, &stamp)),
                };
                (s.doc.source.clone(), key, text)
            })
            .collect();
        drop(known);
        drop(old);
        self.refresh_lastmods(site, changed);

        put(
            "feed.xml".to_string(),
            atom::feed(site, config, now, bodies).into_bytes(),
        );
        put("calendar.ics".to_string(), self.site_calendar(config));
        for c in &site.communities {
            put(
                format!("{}calendar.ics", c.url),
                self.calendar_of(config, c),
            );
        }
        put(
            "sitemap.xml".to_string(),
            sitemap(site, config, pages, &self.lastmods).into_bytes(),
        );
        put(
            "robots.txt".to_string(),
            format!(
                "User-agent: *\nAllow: /\n\nSitemap: {}sitemap.xml\n",
                config.base_url
            )
            .into_bytes(),
        );
    }

    fn site_calendar(&self, config: &Config) -> Vec<u8> {
        let events = self.events.iter().map(|(_, _, e)| &**e);
        ics::assemble(config, &config.title, events).into_bytes()
    }

    fn calendar_of(&self, config: &Config, c: &crate::model::Community) -> Vec<u8> {
        let name = format!("{} — {}", c.name, config.title);
        let events = c.sessions.iter().map(|&i| &*self.events[i].2);
        ics::assemble(config, &name, events).into_bytes()
    }

    /// After the notes at `changed` were edited in place in `site` (the
    /// same notes, in the same order, with the same relations as at the
    /// last call): the files that changed, with their new bytes. `None`
    /// when that cannot be told ([`Cache::render`] then).
    pub fn patch<'a>(
        &mut self,
        site: &Site,
        config: &Config,
        pages: impl IntoIterator<Item = &'a String>,
        now: DateTime<Utc>,
        changed: &[PathBuf],
    ) -> Option<Vec<(String, Vec<u8>)>> {
        let stamp = ics::stamp(now);
        if self.events.len() != site.sessions.len() || context_of(&stamp, config) != self.context {
            return None;
        }
        let mut out = Vec::new();
        let mut sessions = Vec::new();
        let mut dates = false;
        for source in changed {
            let target = site.by_source.get(source).copied();
            if let Some(Target::Session(i)) = target {
                sessions.push(i);
            }
            let date = date_of(match target {
                Some(Target::Session(i)) => site.sessions[i].doc.modified,
                Some(Target::Person(i)) => site.people[i].profile.as_ref().and_then(|d| d.modified),
                Some(Target::Community(i)) => {
                    site.communities[i].doc.as_ref().and_then(|d| d.modified)
                }
                Some(Target::Page(i)) => site.pages[i].doc.modified,
                _ => None,
            });
            if self.lastmods.get(source) != Some(&date) {
                dates = true;
                self.lastmods.insert(source.clone(), date);
            }
        }
        if !sessions.is_empty() {
            out.push((
                "feed.xml".to_string(),
                atom::feed(site, config, now, &Held).into_bytes(),
            ));
        }
        let mut communities = BTreeSet::new();
        let mut all = false;
        for i in sessions {
            let s = &site.sessions[i];
            let (source, key, text) = &mut self.events[i];
            if *source != s.doc.source {
                return None;
            }
            let new = event_key(s);
            if new != *key {
                *key = new;
                *text = Arc::from(ics::event_text(s, config, &stamp));
                all = true;
                communities.extend(s.community);
            }
        }
        if all {
            out.push(("calendar.ics".to_string(), self.site_calendar(config)));
        }
        for c in communities {
            let c = &site.communities[c];
            out.push((
                format!("{}calendar.ics", c.url),
                self.calendar_of(config, c),
            ));
        }
        if dates {
            let pages: Vec<String> = pages.into_iter().cloned().collect();
            out.push((
                "sitemap.xml".to_string(),
                sitemap(site, config, &pages, &self.lastmods).into_bytes(),
            ));
        }
        Some(out)
    }

    /// Keeps the `<lastmod>` of every note of the site, reading again
    /// those of `changed` (all when `None`) and of notes not seen before.
    fn refresh_lastmods(&mut self, site: &Site, changed: Option<&[PathBuf]>) {
        let mut old = std::mem::take(&mut self.lastmods);
        if let Some(changed) = changed {
            for c in changed {
                old.remove(c);
            }
        } else {
            old.clear();
        }
        let sources = sources(site);
        let dates: Vec<Option<String>> = sources
            .par_iter()
            .map(|(_, src, modified)| match old.get(*src) {
                Some(d) => d.clone(),
                None => date_of(*modified),
            })
            .collect();
        self.lastmods = sources
            .into_iter()
            .zip(dates)
            .map(|((_, src, _), d)| (src.to_path_buf(), d))
            .collect();
    }
}

/// A time as the sitemap's `<lastmod>` shows it.
fn date_of(t: Option<SystemTime>) -> Option<String> {
    Some(crate::content::dates::ymd(
        DateTime::<Utc>::from(t?).date_naive(),
        "-",
    ))
}

/// `(page path, source, when the source changed)` of every page that
/// shows one note.
fn sources(site: &Site) -> Vec<(String, &Path, Option<SystemTime>)> {
    let mut out = Vec::new();
    for s in &site.sessions {
        out.push((
            format!("{}index.html", s.url),
            s.doc.source.as_path(),
            s.doc.modified,
        ));
    }
    for p in &site.people {
        if let (Some(url), Some(d)) = (&p.url, &p.profile) {
            out.push((format!("{url}index.html"), d.source.as_path(), d.modified));
        }
    }
    for c in &site.communities {
        if let Some(d) = &c.doc {
            out.push((
                format!("{}index.html", c.url),
                d.source.as_path(),
                d.modified,
            ));
        }
    }
    for p in &site.pages {
        out.push((
            format!("{}index.html", p.url),
            p.doc.source.as_path(),
            p.doc.modified,
        ));
    }
    out
}

/// Every HTML page but the 404 page.
fn sitemap(
    site: &Site,
    config: &Config,
    pages: &[String],
    lastmods: &HashMap<PathBuf, Option<String>>,
) -> String {
    let sources: HashMap<String, &Path> = self::sources(site)
        .into_iter()
        .map(|(page, src, _)| (page, src))
        .collect();
    let mut x = String::with_capacity(pages.len() * 100 + 200);
    x.push_str(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let base = atom::xml_escape(&config.base_url);
    for path in pages {
        let Some(dir) = path.strip_suffix("index.html") else {
            continue;
        };
        let _ = write!(x, "  <url><loc>{base}{}</loc>", atom::xml_escape(dir));
        if let Some(date) = sources
            .get(path)
            .and_then(|s| lastmods.get(*s))
            .and_then(|d| d.as_deref())
        {
            let _ = write!(x, "<lastmod>{date}</lastmod>");
        }
        x.push_str("</url>\n");
    }
    x.push_str("</urlset>\n");
    x
}
