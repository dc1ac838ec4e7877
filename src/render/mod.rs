//! RENDER: the linked site to pages in memory. Each page kind has its
//! template and its typed context ([`context`]); pages render in parallel.

pub mod charts;
pub mod context;
pub mod html;
pub mod stats;
pub mod theme;

use crate::bodies::{Held, SessionBodies};
use crate::config::Config;
use crate::content::Status;
use crate::diag::Diagnostic;
use crate::model::{Session, Site, Target};
use crate::output::{Content, Output};
use crate::slug::root_of;
use chrono::{DateTime, Utc};
use context::*;
use rayon::prelude::*;
pub use theme::Theme;

/// One page to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Job {
    Home,
    Sessions,
    Session(usize),
    Members,
    Person(usize),
    Topics,
    Topic(usize),
    Communities,
    Community(usize),
    Page(usize),
    Actions,
    Search,
    NotFound,
}

struct Renderer<'a> {
    history: &'a crate::git::History,
    site: &'a Site,
    bodies: &'a dyn SessionBodies,
    config: &'a Config,
    theme: &'a Theme,
    ctx: SiteCtx<'a>,
    now: DateTime<Utc>,
    /// How `/sessions/` splits into pages, worked out on first use.
    paging: std::sync::OnceLock<SessionPaging>,
    /// Each person's place in the site's people sorted by name (then by
    /// index), worked out on first use: rankings of people compare these
    /// numbers instead of names.
    name_rank: std::sync::OnceLock<Vec<u32>>,
    /// Each session's short date and ISO date, worked out on first use:
    /// a session is listed on many pages.
    dates: &'a [std::sync::OnceLock<(String, String)>],
    /// Each session's row on member, topic and community pages, written on
    /// first use: a session is a row on the pages of everyone who came, of
    /// each of its topics and of its community.
    rows: &'a [std::sync::OnceLock<Box<str>>],
    /// Member and topic pages a build may keep ([`crate::reuse::Others`]).
    others: Option<&'a crate::reuse::Others>,
    /// Each session's print as member and topic pages show it
    /// ([`Renderer::facts`]).
    facts: &'a [std::sync::OnceLock<u128>],
    /// Each person's print as others' pages show them
    /// ([`Renderer::person_prints`]).
    person_prints: std::sync::OnceLock<Vec<u128>>,
}

/// The templates of the pages that list sessions as rows.
const MEMBER: &str = "member.html";
const TOPIC: &str = "topic.html";
const COMMUNITY: &str = "community.html";

/// Past sessions listed on each page of `/sessions/`.
pub const SESSIONS_PER_PAGE: usize = 100;

/// The URL of page `n` of `/sessions/`.
pub fn sessions_page_url(n: usize) -> String {
    if n <= 1 {
        "sessions/".to_string()
    } else {
        format!("sessions/page/{n}/")
    }
}

/// Sessions listed on each page of a topic, newest first.
pub const TOPIC_SESSIONS_PER_PAGE: usize = 100;

/// The URL of page `n` of the topic whose first page is at `url`.
pub fn topic_page_url(url: &str, n: usize) -> String {
    if n <= 1 {
        url.to_string()
    } else {
        format!("{url}page/{n}/")
    }
}

/// The pages of `/sessions/`: upcoming sessions (soonest first), then past
/// ones (newest first), 100 a page.
struct SessionPaging {
    /// Upcoming, then past.
    order: Vec<usize>,
    /// How many of `order` are upcoming.
    upcoming: usize,
    index: Vec<YearLink>,
    pages: usize,
}

/// Where rendered files go: memory (serve, check) or a staging folder
/// (build), as each page is rendered, so a build never holds every page.
pub trait Sink: Sync {
    fn put(&self, path: &str, content: Content) -> Result<(), String>;

    /// Keeps the previous build's file at `path` if its bytes are `print`;
    /// false when it cannot (then the file must be put).
    fn keep(&self, _path: &str, _print: crate::output::Print) -> bool {
        false
    }
}

/// Collects the site in memory.
pub struct MemorySink(pub std::sync::Mutex<Output>);

impl Sink for MemorySink {
    fn put(&self, path: &str, content: Content) -> Result<(), String> {
        let mut out = self.0.lock().map_err(|_| "poisoned".to_string())?;
        out.files.insert(path.to_string(), content);
        Ok(())
    }
}

impl Sink for crate::output::Staging {
    fn put(&self, path: &str, content: Content) -> Result<(), String> {
        crate::output::Staging::put(self, path, &content).map_err(|e| e.to_string())
    }

    fn keep(&self, path: &str, print: crate::output::Print) -> bool {
        crate::output::Staging::keep(self, path, print)
    }
}

/// Renders every page of the site into memory.
pub fn render(
    site: &Site,
    config: &Config,
    theme: &Theme,
    now: DateTime<Utc>,
    history: &crate::git::History,
) -> (Output, Vec<Diagnostic>) {
    let sink = MemorySink(std::sync::Mutex::new(Output::default()));
    let (_, diags) = render_into(site, config, theme, now, history, &Held, &sink);
    (
        sink.0.into_inner().unwrap_or_else(|e| e.into_inner()),
        diags,
    )
}

/// Renders every page, feed, index and static file into `sink`, with the
/// sessions' body HTML from `bodies`; returns the paths of the rendered
/// pages.
pub fn render_into(
    site: &Site,
    config: &Config,
    theme: &Theme,
    now: DateTime<Utc>,
    history: &crate::git::History,
    bodies: &dyn SessionBodies,
    sink: &dyn Sink,
) -> (Vec<String>, Vec<Diagnostic>) {
    // The search index alongside the pages: each fills the cores the other
    // leaves idle (the index's sequential steps, the pages' waits on the disk).
    let ((mut pages, mut diags), search) = rayon::join(
        || {
            let pages = Pages {
                config,
                theme,
                now,
                history,
                bodies,
                others: None,
            };
            render_pages(site, &pages, &jobs(site), sink)
        },
        || {
            let mut timer = crate::build::Timer::new();
            let diags = render_search(site, config, bodies, sink);
            timer.lap("search");
            diags
        },
    );
    pages.sort();
    diags.extend(render_feeds(site, config, &pages, now, bodies, sink));
    diags.extend(search);
    diags.extend(copy_statics(theme, sink));
    (pages, diags)
}

/// Every page of the site, as jobs.
pub fn jobs(site: &Site) -> Vec<Job> {
    let mut jobs = vec![
        Job::Home,
        Job::Sessions,
        Job::Members,
        Job::Topics,
        Job::Communities,
        Job::Actions,
        Job::Search,
        Job::NotFound,
    ];
    jobs.extend((0..site.sessions.len()).map(Job::Session));
    jobs.extend(
        site.people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_public())
            .map(|(i, _)| Job::Person(i)),
    );
    jobs.extend((0..site.topics.len()).map(Job::Topic));
    jobs.extend((0..site.communities.len()).map(Job::Community));
    jobs.extend((0..site.pages.len()).map(Job::Page));
    jobs
}

/// What pages are rendered with, besides the site.
#[derive(Clone, Copy)]
pub struct Pages<'a> {
    pub config: &'a Config,
    pub theme: &'a Theme,
    pub now: DateTime<Utc>,
    pub history: &'a crate::git::History,
    pub bodies: &'a dyn SessionBodies,
    /// Pages a build may keep from the previous one.
    pub others: Option<&'a crate::reuse::Others>,
}

/// Renders the given pages, in parallel, into `sink`; returns their paths
/// (in no particular order).
pub fn render_pages(
    site: &Site,
    with: &Pages<'_>,
    jobs: &[Job],
    sink: &dyn Sink,
) -> (Vec<String>, Vec<Diagnostic>) {
    with_renderer(site, with, |r| r.render_jobs(jobs, sink))
}

/// Calls `f` with a renderer of `site`.
fn with_renderer<T>(site: &Site, with: &Pages<'_>, f: impl FnOnce(&Renderer<'_>) -> T) -> T {
    let Pages {
        config,
        theme,
        now,
        history,
        bodies,
        others,
    } = *with;
    let generator = concat!("cairn ", env!("CARGO_PKG_VERSION"));
    let dates: Vec<std::sync::OnceLock<(String, String)>> = (0..site.sessions.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let rows: Vec<std::sync::OnceLock<Box<str>>> = (0..site.sessions.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let facts: Vec<std::sync::OnceLock<u128>> = (0..site.sessions.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let r = Renderer {
        history,
        site,
        bodies,
        config,
        theme,
        ctx: SiteCtx {
            title: &config.title,
            description: &config.description,
            language: &config.language,
            dir: config.text_direction(),
            generator,
            webcal: format!(
                "webcal://{}",
                config
                    .base_url
                    .split_once("://")
                    .map_or("", |(_, rest)| rest)
            ),
            extra: &config.extra,
        },
        now,
        paging: std::sync::OnceLock::new(),
        name_rank: std::sync::OnceLock::new(),
        dates: &dates,
        rows: &rows,
        others,
        facts: &facts,
        person_prints: std::sync::OnceLock::new(),
    };
    f(&r)
}

/// Session `i` links to `links` (what rendering its body found, or will
/// find), no longer to what it was thought to: the backlinks of each
/// target that gains or loses it are repaired, and the target given to
/// `changed`.
fn relink(site: &mut Site, i: usize, links: Vec<Target>, changed: &mut dyn FnMut(Target)) {
    let from = Target::Session(i);
    let set = |v: &[Target]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v.retain(|&t| t != from);
        v
    };
    let real = set(&links);
    let before = set(&site.sessions[i].body.links);
    for &to in before.iter().filter(|t| real.binary_search(t).is_err()) {
        site.backlinks_mut(to).retain(|&b| b != from);
        changed(to);
    }
    for &to in real.iter().filter(|t| before.binary_search(t).is_err()) {
        let list = site.backlinks_mut(to);
        if let Err(at) = list.binary_search(&from) {
            list.insert(at, from);
        }
        changed(to);
    }
    site.sessions[i].body.links = links;
}

/// A session page kept from the previous build ([`crate::reuse`]).
struct KeptPage {
    /// The number of its search document in the cache.
    doc: usize,
    path: String,
    /// Its key and its body's.
    keys: (u128, u128),
    first_paragraph: String,
}

/// Whether a page shows sessions' summaries (their first paragraphs).
fn shows_summaries(job: Job) -> bool {
    matches!(job, Job::Home | Job::Sessions | Job::Community(_))
}

/// Renders every page, feed, index and static file of a build into `sink`,
/// as [`render_into`] does, without ever holding every session's HTML (see
/// [`crate::bodies`]): `site` comes from the markdown stage with the
/// sessions' links guessed and their text let go, `prints` are their body
/// prints; `with.bodies` is not used (sessions are read again). Returns the
/// paths of the rendered pages.
///
/// 1. The search index takes each session, rendered from its file, and
///    its page is written then; meanwhile, the pages that show no
///    session's summary.
/// 2. Each session's first paragraph goes into the site, and backlinks the
///    guess got wrong are repaired (their pages rendered again).
/// 3. The pages that show summaries, the index's files, the feeds.
///
/// Before 1, sessions whose page `reuse` can keep from the previous build
/// are kept, and are neither read nor rendered; `reuse` gets the keys and
/// search documents of this build for the next ([`crate::reuse`]).
pub fn render_streamed(
    site: &mut Site,
    with: &Pages<'_>,
    prints: &[u128],
    sink: &dyn Sink,
    reuse: &mut crate::reuse::Reuse,
) -> (Vec<String>, Vec<Diagnostic>) {
    let mut timer = crate::build::Timer::new();
    let reread = crate::bodies::Reread::new(with.config, prints);
    // A page that asks for a session's body outside its own page gets it
    // read and rendered again.
    let with = &Pages {
        bodies: &reread,
        ..*with
    };
    let all = jobs(site);
    let (later, first): (Vec<Job>, Vec<Job>) = all
        .iter()
        .copied()
        .filter(|j| !matches!(j, Job::Session(_)))
        .partition(|&j| shows_summaries(j));
    let tz = with.config.timezone;

    // 0. Sessions whose body is the one the cache knows link to what their
    // rendering found then (see `build::render_bodies`), not to what the
    // guess says: their targets' pages are then right the first time, and
    // can be kept.
    let mut known = std::mem::take(&mut reuse.known);
    if known.len() != site.sessions.len() || prints.len() != known.len() {
        known = Vec::new();
    }

    // 1.
    let shared: &Site = site;
    let (found, mut pages, mut diags, docs) = with_renderer(shared, with, |r| {
        let written = std::sync::Mutex::new(Vec::new());
        let n = shared.sessions.len();
        let keyed = prints.len() == n && r.theme.is_default("session.html");
        let new_keys: Vec<std::sync::OnceLock<(u128, u128)>> =
            (0..n).map(|_| std::sync::OnceLock::new()).collect();
        let env = reuse.env;
        let write_page = |i: usize, body: &crate::model::Body| {
            let (path, bytes) = match keyed {
                // The page without its body gives the key; the body goes in.
                true => {
                    let (path, empty, at) = r.session_split(i, body)?;
                    if let Some(answers) = body.asked.print {
                        let body_key = crate::reuse::body_key(env, shared, i, prints[i], answers);
                        let key = crate::reuse::key(body_key, shared, i, &empty);
                        let _ = new_keys[i].set((key, body_key));
                    }
                    let mut page = Vec::with_capacity(empty.len() + body.html.len());
                    page.extend_from_slice(&empty[..at]);
                    page.extend_from_slice(body.html.as_bytes());
                    page.extend_from_slice(&empty[at..]);
                    (path, page)
                }
                false => r.session_page(i, body)?,
            };
            sink.put(&path, Content::Bytes(bytes))
                .map_err(|e| Diagnostic::error("output", e))?;
            if let Ok(mut w) = written.lock() {
                w.push(path);
            }
            Ok(())
        };
        let streamed = crate::bodies::Streamed::new(&reread, shared.sessions.len(), &write_page);
        let mut cache = reuse.cache.take();
        // The cache's entries went into `known`; its search documents stay.
        if let Some(c) = cache.as_mut() {
            c.drop_entries();
        }
        let kept = match keyed {
            true => r.keep_sessions(std::mem::take(&mut known), sink, &streamed),
            false => Vec::new(),
        };
        let cache = cache.as_ref();
        let kept_doc = |i: usize| {
            let k = kept.get(i)?.as_ref()?;
            cache?.doc(k.doc, k.first_paragraph.clone())
        };
        let from_cache = crate::search::Kept {
            terms: cache.map_or(&[][..], |c| &c.terms),
            docs: Some(&kept_doc),
        };
        let ((mut pages, mut diags), docs) = rayon::join(
            || r.render_jobs(&first, sink),
            || crate::search::index_reusing(shared, tz, &streamed, &from_cache),
        );
        let (found, errors) = streamed.finish();
        diags.extend(errors);
        pages.extend(written.into_inner().unwrap_or_else(|e| e.into_inner()));
        reuse.keys = new_keys.into_iter().map(|k| k.into_inner()).collect();
        for (i, k) in kept.into_iter().enumerate() {
            if let Some(k) = k {
                reuse.keys[i] = Some(k.keys);
                reuse.kept += 1;
                pages.push(k.path);
            }
        }
        (found, pages, diags, docs)
    });

    timer.note(&format!(
        "{} of {} session pages kept, {} member pages, {} topic pages",
        reuse.kept,
        site.sessions.len(),
        with.others
            .map_or(0, |o| o.kept[0].load(std::sync::atomic::Ordering::Relaxed)),
        with.others
            .map_or(0, |o| o.kept[1].load(std::sync::atomic::Ordering::Relaxed)),
    ));
    timer.lap("sessions");

    // 2.
    let mut again: std::collections::BTreeSet<Target> = Default::default();
    for (i, found) in found.into_iter().enumerate() {
        let found = found.unwrap_or_else(|| {
            // Not asked for by the index: its page goes with the later ones.
            again.insert(Target::Session(i));
            reread.found(site, i).1
        });
        if !found.diags.is_empty()
            && let Some(k) = reuse.keys.get_mut(i)
        {
            *k = None;
        }
        diags.extend(found.diags);
        relink(site, i, found.links, &mut |to| {
            again.insert(to);
        });
        let body = &mut site.sessions[i].body;
        body.first_paragraph = found.first_paragraph;
        body.asked = found.asked;
    }
    // A page written again is not what its key (taken before) describes.
    for t in &again {
        if let Target::Session(i) = *t
            && let Some(k) = reuse.keys.get_mut(i)
        {
            *k = None;
        }
    }
    let mut rest = later;
    rest.extend(all.iter().copied().filter(|j| {
        let t = match *j {
            Job::Session(i) => Target::Session(i),
            Job::Person(i) => Target::Person(i),
            Job::Topic(i) => Target::Topic(i),
            Job::Page(i) => Target::Page(i),
            _ => return false,
        };
        again.contains(&t)
    }));

    // 3.
    let shared: &Site = site;
    let ((more, more_diags), search) = rayon::join(
        || render_pages(shared, with, &rest, sink),
        || {
            let failed = std::sync::Mutex::new(Vec::new());
            reuse.write_docs(&docs, shared);
            crate::search::put_files(shared, tz, docs, &|path, bytes| {
                if let Err(e) = sink.put(&path, Content::Bytes(bytes))
                    && let Ok(mut f) = failed.lock()
                {
                    f.push(Diagnostic::error("output", e));
                }
            });
            failed.into_inner().unwrap_or_else(|e| e.into_inner())
        },
    );
    timer.lap("lists");
    pages.extend(more);
    pages.sort();
    pages.dedup();
    diags.extend(more_diags);
    diags.extend(search);
    diags.extend(render_feeds(
        shared,
        with.config,
        &pages,
        with.now,
        &reread,
        sink,
    ));
    diags.extend(copy_statics(with.theme, sink));
    diags.extend(reread.into_errors());
    (pages, diags)
}

impl Renderer<'_> {
    /// Session `i`'s page without its body (`body` gives the rest), and
    /// where the body goes in it: only for the default template.
    fn session_split(
        &self,
        i: usize,
        body: &crate::model::Body,
    ) -> Result<(String, Vec<u8>, usize), Diagnostic> {
        let sess = &self.site.sessions[i];
        let at = std::cell::Cell::new(usize::MAX);
        let mut page = self.session(i, body);
        page.content = "";
        page.content_at = Some(&at);
        let source = Some(&sess.doc.source);
        let (path, bytes) = self.page("session.html", &sess.url, "sessions", page, source)?;
        let at = Some(at.get()).filter(|&at| at <= bytes.len());
        let at = at.ok_or_else(|| Diagnostic::error("template", "the session page has no body"))?;
        Ok((path, bytes, at))
    }

    /// The sessions whose page is kept from the previous build. What
    /// their rendering found is given to `streamed`, which then never
    /// renders them.
    fn keep_sessions(
        &self,
        known: Vec<Option<crate::reuse::Known>>,
        sink: &dyn Sink,
        streamed: &crate::bodies::Streamed<'_>,
    ) -> Vec<Option<KeptPage>> {
        let site = self.site;
        known
            .into_par_iter()
            .enumerate()
            .map(|(i, known)| {
                let known = known?;
                let body = crate::model::Body {
                    first_paragraph: known.first_paragraph,
                    ..Default::default()
                };
                let (path, empty, _) = self.session_split(i, &body).ok()?;
                let key = crate::reuse::key(known.body_key, site, i, &empty);
                if key != known.key || !sink.keep(&path, known.page) {
                    return None;
                }
                let found = crate::bodies::Found {
                    first_paragraph: body.first_paragraph.clone(),
                    links: site.sessions[i].body.links.clone(),
                    asked: known.asked,
                    diags: Vec::new(),
                };
                streamed.preset(i, found);
                Some(KeptPage {
                    doc: known.doc,
                    path,
                    keys: (key, known.body_key),
                    first_paragraph: body.first_paragraph,
                })
            })
            .collect()
    }

    /// Renders `jobs` in parallel into `sink`; returns their paths (in no
    /// particular order).
    fn render_jobs(&self, jobs: &[Job], sink: &dyn Sink) -> (Vec<String>, Vec<Diagnostic>) {
        let r = self;
        // `/sessions/` and a long topic are several pages: one unit of
        // work each.
        let units: Vec<(Job, usize)> = jobs
            .iter()
            .flat_map(|&j| {
                let pages = match j {
                    Job::Sessions => r.paging().pages,
                    Job::Topic(i) => r.topic_pages(i),
                    _ => 1,
                };
                (1..=pages).map(move |n| (j, n))
            })
            .collect();
        let results: Vec<Result<String, Diagnostic>> = units
            .par_iter()
            .map(|&(j, n)| {
                // A member or topic page made of what the previous build's
                // was made of is kept (see `crate::reuse`).
                // A member page's light context, made for its key, is
                // made whole if the page is not kept.
                let mut light = None;
                let keyed = match j {
                    Job::Person(i) => r.person_key(i).map(|(k, page)| {
                        light = Some(page);
                        let url = r.site.people[i].url.as_deref().unwrap_or_default();
                        (k, format!("{url}index.html"), 0)
                    }),
                    Job::Topic(i) => r.topic_key(i, n).map(|k| {
                        let url = topic_page_url(&r.site.topics[i].url, n);
                        (k, format!("{url}index.html"), 1)
                    }),
                    _ => None,
                };
                let keyed = r.others.zip(keyed);
                if let Some((others, (key, path, kind))) = &keyed
                    && let Some(print) = others.page(path, *key)
                    && sink.keep(path, print)
                {
                    others.kept[*kind].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    others.made(path.clone(), *key);
                    return Ok(path.clone());
                }
                let (path, bytes) = match (j, light) {
                    (Job::Person(i), Some(light)) => r.person_page(i, light)?,
                    _ => r.job(j, n)?,
                };
                sink.put(&path, Content::Bytes(bytes))
                    .map_err(|e| Diagnostic::error("output", e))?;
                if let Some((others, (key, _, _))) = keyed {
                    others.made(path.clone(), key);
                }
                Ok(path)
            })
            .collect();
        let mut diags = Vec::new();
        let mut pages = Vec::new();
        for res in results {
            match res {
                Ok(path) => pages.push(path),
                Err(d) => diags.push(d),
            }
        }
        (pages, diags)
    }
}

/// `s` into a key's bytes, its length first.
fn put_keyed(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u64).to_le_bytes());
    b.extend_from_slice(s.as_bytes());
}

fn put_all(sink: &dyn Sink, files: impl IntoIterator<Item = (String, Content)>) -> Vec<Diagnostic> {
    files
        .into_iter()
        .filter_map(|(path, content)| sink.put(&path, content).err())
        .map(|e| Diagnostic::error("output", e))
        .collect()
}

/// The feed, calendars, sitemap and robots.txt; `pages` are the paths of
/// every rendered page, sorted.
pub fn render_feeds(
    site: &Site,
    config: &Config,
    pages: &[String],
    now: DateTime<Utc>,
    bodies: &dyn SessionBodies,
    sink: &dyn Sink,
) -> Vec<Diagnostic> {
    let indexes: Vec<String> = pages
        .iter()
        .filter(|k| k.ends_with("index.html"))
        .cloned()
        .collect();
    let mut diags = Vec::new();
    crate::feeds::render(site, config, &indexes, now, bodies, &mut |path, bytes| {
        diags.extend(put_all(sink, [(path, Content::Bytes(bytes))]))
    });
    diags
}

/// The search index.
pub fn render_search(
    site: &Site,
    config: &Config,
    bodies: &dyn SessionBodies,
    sink: &dyn Sink,
) -> Vec<Diagnostic> {
    put_search(
        crate::search::build_from(site, config.timezone, bodies),
        sink,
    )
}

/// Writes files of the search index (all of them, or the `put` of a
/// [`crate::search::Delta`]) into `sink`, in parallel: at 10k notes the
/// index is some thirteen thousand small files.
pub fn put_search(files: Vec<(String, Vec<u8>)>, sink: &dyn Sink) -> Vec<Diagnostic> {
    files
        .into_par_iter()
        .filter_map(|(path, bytes)| sink.put(&path, Content::Bytes(bytes)).err())
        .map(|e| Diagnostic::error("output", e))
        .collect()
}

/// The theme's static files, then the site's own (which win).
pub fn copy_statics(theme: &Theme, sink: &dyn Sink) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut statics = Output::default();
    for (name, bytes) in theme::DEFAULT_STATIC {
        statics.add(name.to_string(), bytes.to_vec());
    }
    for dir in &theme.static_dirs {
        statics.copy_dir(dir, &mut diags);
    }
    diags.extend(put_all(sink, statics.files));
    diags
}

/// The attendance chart of a community page.
fn charts_attendance(
    site: &Site,
    figures: &[stats::SessionFigures],
    root: &str,
    tz: chrono_tz::Tz,
) -> String {
    let dates: Vec<String> = figures
        .iter()
        .map(|f| site.sessions[f.session].when.short(tz))
        .collect();
    let urls: Vec<String> = figures
        .iter()
        .map(|f| format!("{root}{}", site.sessions[f.session].url))
        .collect();
    let bars: Vec<charts::Bar> = figures
        .iter()
        .enumerate()
        .map(|(i, f)| charts::Bar {
            title: &site.sessions[f.session].title,
            date: &dates[i],
            day: site.sessions[f.session].when.day(tz),
            url: &urls[i],
            returning: f.returning,
            newcomers: f.newcomers,
            cancelled: f.cancelled,
        })
        .collect();
    charts::attendance_chart(&bars, "attendance")
}

/// The participation timeline of a member page.
fn charts_timeline(
    site: &Site,
    person: &crate::model::Person,
    root: &str,
    tz: chrono_tz::Tz,
) -> String {
    let mut ids: Vec<(usize, bool)> = person.attended.iter().map(|&s| (s, false)).collect();
    ids.extend(person.facilitated.iter().map(|&s| (s, true)));
    ids.sort_unstable();
    if ids.len() > charts::TIMELINE_MARKS {
        // Columns per month: no titles, dates or links needed.
        let marks: Vec<charts::Mark> = ids
            .iter()
            .map(|&(s, facilitated)| charts::Mark {
                title: "",
                date: "",
                day: site.sessions[s].when.day(tz),
                url: "",
                facilitated,
            })
            .collect();
        return charts::participation_columns(&marks, "timeline");
    }
    let dates: Vec<String> = ids
        .iter()
        .map(|(s, _)| site.sessions[*s].when.short(tz))
        .collect();
    let urls: Vec<String> = ids
        .iter()
        .map(|(s, _)| format!("{root}{}", site.sessions[*s].url))
        .collect();
    let marks: Vec<charts::Mark> = ids
        .iter()
        .enumerate()
        .map(|(i, &(s, facilitated))| charts::Mark {
            title: &site.sessions[s].title,
            date: &dates[i],
            day: site.sessions[s].when.day(tz),
            url: &urls[i],
            facilitated,
        })
        .collect();
    charts::participation_timeline(&marks, "timeline")
}

/// Done action items listed on /actions/, newest first.
const DONE_SHOWN: usize = 100;

/// Above this many open action items, /actions/ lists only the
/// [`OPEN_SHOWN`] soonest due of each person who has a page (which lists
/// them all).
const OPEN_ALL: usize = 500;
const OPEN_SHOWN: usize = 3;

/// At most `max` characters, cut at a word boundary, with an ellipsis.
pub fn excerpt(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => text.into(),
        Some((cut, _)) => {
            let head = &text[..cut];
            let head = head.rfind(' ').map_or(head, |i| &head[..i]);
            format!("{}…", head.trim_end_matches([',', ';', ':', '.', ' '])).into()
        }
    }
}

impl<'a> Renderer<'a> {
    /// A session's page, given its rendered body.
    fn session_page(
        &self,
        i: usize,
        body: &crate::model::Body,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        let sess = &self.site.sessions[i];
        self.page(
            "session.html",
            &sess.url,
            "sessions",
            self.session(i, body),
            Some(&sess.doc.source),
        )
    }

    /// Page `n` of `job` (only `/sessions/` has more than one).
    /// Member `id`'s page, made whole from its light context.
    fn person_page(
        &self,
        id: usize,
        light: MemberPage<'a>,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        let p = &self.site.people[id];
        self.page(
            MEMBER,
            p.url.as_deref().unwrap_or_default(),
            "members",
            self.person_full(id, light),
            p.profile.as_ref().map(|d| &d.source),
        )
    }

    fn job(&self, job: Job, n: usize) -> Result<(String, Vec<u8>), Diagnostic> {
        let s = self.site;
        match job {
            Job::Home => self.page("index.html", "", "home", self.home(), None),
            Job::Sessions => self.page(
                "sessions.html",
                &sessions_page_url(n),
                "sessions",
                self.session_list(n),
                None,
            ),
            Job::Session(i) => self.session_page(i, &self.bodies.body(s, i)),
            Job::Members => self.page(
                "members.html",
                "members/",
                "members",
                self.member_list(),
                None,
            ),
            Job::Person(i) => self.person_page(i, self.person_light(i)),
            Job::Topics => self.page("topics.html", "topics/", "topics", self.topic_list(), None),
            Job::Topic(i) => self.page(
                TOPIC,
                &topic_page_url(&s.topics[i].url, n),
                "topics",
                self.topic(i, n),
                None,
            ),
            Job::Communities => self.page(
                "communities.html",
                "communities/",
                "communities",
                self.community_list(),
                None,
            ),
            Job::Community(i) => {
                let c = &s.communities[i];
                self.page(
                    COMMUNITY,
                    &c.url,
                    "communities",
                    self.community(i),
                    c.doc.as_ref().map(|d| &d.source),
                )
            }
            Job::Page(i) => {
                let p = &s.pages[i];
                self.page(
                    "page.html",
                    &p.url,
                    "pages",
                    self.free_page(i),
                    Some(&p.doc.source),
                )
            }
            Job::Actions => self.page("actions.html", "actions/", "actions", self.actions(), None),
            Job::Search => self.page("search.html", "search/", "search", NotFound {}, None),
            Job::NotFound => {
                let root = self.config.base_path().to_string();
                let ctx = Page {
                    site: &self.ctx,
                    root: &root,
                    url: "404.html",
                    section: "",
                    source: None,
                    page: NotFound {},
                };
                self.render_to("404.html", "404.html", &ctx, None)
            }
        }
    }

    fn page<T: html::Native>(
        &self,
        template: &str,
        url: &str,
        section: &str,
        page: T,
        source: Option<&std::path::PathBuf>,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        let root = root_of(url);
        let ctx = self.page_ctx(&root, url, section, source, page);
        self.render_to(template, &format!("{url}index.html"), &ctx, source)
    }

    /// What every page's template gets: the site, the way to its root
    /// (`root`, [`root_of`] `url`), where it is, its source, and `page`.
    fn page_ctx<'p, T: serde::Serialize>(
        &'p self,
        root: &'p str,
        url: &'p str,
        section: &'p str,
        source: Option<&'p std::path::PathBuf>,
        page: T,
    ) -> Page<'p, T> {
        Page {
            site: &self.ctx,
            root,
            url,
            section,
            source: source.map(|path| self.source_ctx(path)),
            page,
        }
    }

    fn render_to<T: html::Native>(
        &self,
        template: &str,
        path: &str,
        ctx: &Page<'_, T>,
        source: Option<&std::path::PathBuf>,
    ) -> Result<(String, Vec<u8>), Diagnostic> {
        // A failing override is the template's fault; the default theme's
        // failures come from what the note gave it.
        let template_file = self.theme.sources.get(template);
        let err = |msg: String| {
            let mut d = Diagnostic::error("template", msg);
            d.file = template_file.or(source).cloned();
            if let (Some(_), Some(src)) = (template_file, source) {
                d.message
                    .push_str(&format!(" (rendering {})", src.display()));
            }
            d
        };
        if self.theme.is_default(template) {
            let mut html = String::with_capacity(16 * 1024);
            if T::native(ctx, &mut html) {
                return Ok((path.to_string(), html.into_bytes()));
            }
        }
        let context = tera::Context::from_serialize(ctx)
            .map_err(|e| err(format!("cannot build the context of /{path}: {e}")))?;
        let html = self.theme.tera.render(template, &context).map_err(|e| {
            err(format!(
                "template `{template}` failed for /{path}: {}",
                theme::tera_message(&e)
            ))
        })?;
        Ok((path.to_string(), html.into_bytes()))
    }

    // ---- small building blocks ----

    fn source_ctx(&self, path: &'a std::path::Path) -> SourceCtx<'a> {
        let change = self.history.get(path);
        SourceCtx {
            path: path.to_string_lossy().replace('\\', "/"),
            updated: change.map(|c| c.date.as_str()),
            updated_by: change.map(|c| c.author.as_str()),
            edit_url: self.config.repo_url.as_ref().map(|repo| {
                crate::git::edit_url(
                    repo,
                    &self.config.repo_branch,
                    self.config.edit_url.as_deref(),
                    path,
                )
            }),
        }
    }

    fn person_link(&self, id: usize) -> PersonLink<'a> {
        let p = &self.site.people[id];
        PersonLink {
            name: &p.name,
            url: p.url.as_deref(),
        }
    }

    fn link(&self, t: Target) -> Option<Link<'a>> {
        let (url, title) = self.site.target(t);
        url.map(|url| Link { title, url })
    }

    fn backlinks(&self, ts: &[Target]) -> Vec<Link<'a>> {
        ts.iter().filter_map(|t| self.link(*t)).collect()
    }

    /// A card with its summary, for the home page and the session list.
    fn card(&self, id: usize) -> SessionCard<'a> {
        let mut c = self.row(id);
        c.summary = excerpt(self.site.sessions[id].summary(), 240);
        c
    }

    /// A card without summary, for the long lists of member, topic and
    /// community pages.
    fn row(&self, id: usize) -> SessionCard<'a> {
        let s: &'a Session = &self.site.sessions[id];
        let (date, datetime) = self.dates(id);
        SessionCard {
            title: &s.title,
            url: &s.url,
            date,
            datetime,
            status: s.status,
            community: s.community.and_then(|c| self.link(Target::Community(c))),
            summary: std::borrow::Cow::Borrowed(""),
            people: s.everyone().count(),
            row_html: "",
        }
    }

    /// A row of the long lists of member, topic and community pages, its
    /// HTML written once ([`SessionCard::row_html`]).
    /// Only for a page whose `template` is the default theme's.
    fn listed(&self, id: usize, template: &str) -> SessionCard<'a> {
        let mut c = self.row(id);
        if self.theme.is_default(template) {
            c.row_html = self.rows[id].get_or_init(|| html::session_row_html(&c));
        }
        c
    }

    /// A session's short date ("6 Mar 2026") and ISO date.
    fn dates(&self, id: usize) -> &'a (String, String) {
        self.dates[id].get_or_init(|| {
            let when = &self.site.sessions[id].when;
            (when.short(self.config.timezone), when.iso())
        })
    }

    fn is_upcoming(&self, s: &Session) -> bool {
        s.status == Status::Planned
            && s.when.instant(self.config.timezone) >= self.now - chrono::Duration::hours(12)
            || s.when.instant(self.config.timezone) > self.now
    }

    fn community_card(&self, id: usize) -> CommunityCard<'a> {
        let c = &self.site.communities[id];
        let meta = c.doc.as_ref().map(|d| &d.meta);
        CommunityCard {
            name: &c.name,
            url: &c.url,
            description: meta
                .and_then(|m| m.description.as_ref())
                .map_or("", |t| t.as_str()),
            meets: meta
                .and_then(|m| m.meets.as_ref())
                .map_or("", |t| t.as_str()),
            sessions: c.sessions.len(),
            members: c
                .members
                .iter()
                .filter(|&&p| self.site.people[p].is_public())
                .count(),
            trend: stats::community(self.site, c, self.config.timezone).trend,
        }
    }

    /// People of a set of sessions, most frequent first.
    fn people_count<I: IntoIterator<Item = usize>>(
        &self,
        sessions: I,
        skip: Option<usize>,
        limit: usize,
    ) -> Vec<Counted<PersonLink<'a>>> {
        self.counted_links(self.people_ranked(sessions, skip, limit))
    }

    fn counted_links(&self, ranked: Vec<(usize, usize)>) -> Vec<Counted<PersonLink<'a>>> {
        ranked
            .into_iter()
            .map(|(p, count)| Counted {
                item: self.person_link(p),
                count,
            })
            .collect()
    }

    /// `(person, sessions)` of a set of sessions, most frequent first, then
    /// by name; at most `limit`.
    fn people_ranked<I: IntoIterator<Item = usize>>(
        &self,
        sessions: I,
        skip: Option<usize>,
        limit: usize,
    ) -> Vec<(usize, usize)> {
        thread_local! {
            /// Counts by person index, each with the number of the ranking
            /// that made it: a count from an earlier ranking reads as zero,
            /// so nothing is cleared between rankings (a member's page
            /// counts a few hundred people of thousands), not even after a
            /// ranking cut short.
            static COUNTS: std::cell::RefCell<(u32, Vec<(u32, u32)>)> =
                const { std::cell::RefCell::new((0, Vec::new())) };
        }
        let rank = self.name_rank();
        COUNTS.with_borrow_mut(|(generation, counts)| {
            *generation = generation.wrapping_add(1);
            if *generation == 0 {
                counts.fill((0, 0));
                *generation = 1;
            }
            let now = *generation;
            counts.resize(self.site.people.len(), (0, 0));
            // The people seen, in order of first sight.
            let mut seen: Vec<usize> = Vec::new();
            for sid in sessions {
                for p in self.site.sessions[sid].everyone() {
                    if Some(p) != skip {
                        let c = &mut counts[p];
                        if c.0 != now {
                            *c = (now, 0);
                            seen.push(p);
                        }
                        c.1 += 1;
                    }
                }
            }
            // Most sessions first, then by name (then by index, so that the
            // order never depends on anything but the site): the name rank
            // holds both, and is unique.
            let mut keyed: Vec<(std::cmp::Reverse<u32>, u32, usize)> = seen
                .into_iter()
                .map(|p| (std::cmp::Reverse(counts[p].1), rank[p], p))
                .collect();
            if limit < keyed.len() {
                keyed.select_nth_unstable(limit);
                keyed.truncate(limit);
            }
            keyed.sort_unstable();
            keyed
                .into_iter()
                .map(|(n, _, p)| (p, n.0 as usize))
                .collect()
        })
    }

    /// See [`Renderer::name_rank`]'s field.
    fn name_rank(&self) -> &[u32] {
        self.name_rank.get_or_init(|| {
            let people = &self.site.people;
            let mut order: Vec<usize> = (0..people.len()).collect();
            order.sort_unstable_by(|&a, &b| people[a].name.cmp(&people[b].name).then(a.cmp(&b)));
            let mut rank = vec![0u32; people.len()];
            for (r, p) in order.into_iter().enumerate() {
                rank[p] = r as u32;
            }
            rank
        })
    }

    // ---- pages ----

    fn home(&self) -> Home<'a> {
        let s = self.site;
        let upcoming: Vec<usize> = (0..s.sessions.len())
            .filter(|&i| self.is_upcoming(&s.sessions[i]))
            .take(5)
            .collect();
        let recent: Vec<usize> = (0..s.sessions.len())
            .rev()
            .filter(|&i| {
                !self.is_upcoming(&s.sessions[i]) && s.sessions[i].status != Status::Cancelled
            })
            .take(6)
            .collect();
        let people: Vec<Counted<PersonLink>> = self
            .people_count(0..s.sessions.len(), None, 24)
            .into_iter()
            .filter(|c| c.item.url.is_some())
            .take(12)
            .collect();
        Home {
            upcoming: upcoming.into_iter().map(|i| self.card(i)).collect(),
            recent: recent.into_iter().map(|i| self.card(i)).collect(),
            communities: (0..s.communities.len())
                .map(|i| self.community_card(i))
                .collect(),
            people,
            session_count: s.sessions.len(),
            people_count: s.people.iter().filter(|p| p.is_public()).count(),
            topic_count: s.topics.len(),
        }
    }

    fn paging(&self) -> &SessionPaging {
        self.paging.get_or_init(|| {
            let tz = self.config.timezone;
            let (mut past, mut upcoming) = (Vec::new(), Vec::new());
            for (i, sess) in self.site.sessions.iter().enumerate().rev() {
                if self.is_upcoming(sess) {
                    upcoming.push(i);
                } else {
                    past.push(i);
                }
            }
            upcoming.reverse();
            let first_past = upcoming.len();
            let mut index: Vec<YearLink> = Vec::new();
            for (k, &i) in past.iter().enumerate() {
                let year = self.site.sessions[i].when.year(tz);
                if index.last().is_none_or(|y| y.year != year) {
                    let page = (first_past + k) / SESSIONS_PER_PAGE + 1;
                    index.push(YearLink {
                        year,
                        url: format!("{}#y{year}", sessions_page_url(page)),
                    });
                }
            }
            let mut order = upcoming;
            order.extend(past);
            SessionPaging {
                pages: order.len().div_ceil(SESSIONS_PER_PAGE).max(1),
                order,
                upcoming: first_past,
                index,
            }
        })
    }

    /// Page `number` (from 1) of `/sessions/`.
    fn session_list(&self, number: usize) -> SessionList<'a> {
        let tz = self.config.timezone;
        let paging = self.paging();
        let start = ((number - 1) * SESSIONS_PER_PAGE).min(paging.order.len());
        let end = (start + SESSIONS_PER_PAGE).min(paging.order.len());
        let split = paging.upcoming.clamp(start, end);
        let mut years: Vec<Year> = Vec::new();
        for &i in &paging.order[split..end] {
            let y = self.site.sessions[i].when.year(tz);
            match years.last_mut() {
                Some(last) if last.year == y => last.sessions.push(self.card(i)),
                _ => years.push(Year {
                    year: y,
                    sessions: vec![self.card(i)],
                }),
            }
        }
        let total = paging.pages;
        SessionList {
            title: if number > 1 {
                format!("Sessions, page {number} of {total}")
            } else {
                "Sessions".to_string()
            },
            upcoming: paging.order[start..split]
                .iter()
                .map(|&i| self.card(i))
                .collect(),
            years,
            index: paging.index.clone(),
            pager: (total > 1).then(|| Pager {
                number,
                total,
                prev: (number > 1).then(|| sessions_page_url(number - 1)),
                next: (number < total).then(|| sessions_page_url(number + 1)),
            }),
        }
    }

    fn session<'h>(&self, id: usize, body: &'h crate::model::Body) -> SessionPage<'h>
    where
        'a: 'h,
    {
        let s: &'a Session = &self.site.sessions[id];
        let tz = self.config.timezone;
        SessionPage {
            title: &s.title,
            date: s.when.display(tz),
            datetime: s.when.iso(),
            end: s.end.map(|e| {
                let e = e.with_timezone(&tz);
                if e.date_naive() == s.when.day(tz) {
                    e.format("%H:%M").to_string()
                } else {
                    e.format("%A %-d %B %Y, %H:%M").to_string()
                }
            }),
            status: s.status,
            location: s.location(),
            community: s.community.and_then(|c| self.link(Target::Community(c))),
            facilitators: s
                .facilitators
                .iter()
                .map(|&p| self.person_link(p))
                .collect(),
            attendees: s
                .attendees
                .iter()
                .filter(|p| !s.facilitators.contains(p))
                .map(|&p| self.person_link(p))
                .collect(),
            topics: s
                .topics
                .iter()
                .filter_map(|&t| self.link(Target::Topic(t)))
                .collect(),
            summary: s.summary_with(&body.first_paragraph),
            content: &body.html,
            content_at: None,
            backlinks: self.backlinks(&s.backlinks),
            prev: s.prev.and_then(|p| self.link(Target::Session(p))),
            next: s.next.and_then(|p| self.link(Target::Session(p))),
            actions: s.actions.iter().map(|&a| self.action(a)).collect(),
            source: s.doc.source.display().to_string(),
            extra: &s.doc.extra,
        }
    }

    fn member_card(&self, id: usize) -> Option<MemberCard<'a>> {
        let p = &self.site.people[id];
        let meta = p.profile.as_ref().map(|d| &d.meta);
        Some(MemberCard {
            name: &p.name,
            url: p.url.as_deref()?,
            role: meta
                .and_then(|m| m.role.as_ref())
                .map_or("", |t| t.as_str()),
            organization: meta
                .and_then(|m| m.organization.as_ref())
                .map_or("", |t| t.as_str()),
            sessions: p.attended.len() + p.facilitated.len(),
        })
    }

    fn member_list(&self) -> MemberList<'a> {
        let mut members = Vec::new();
        let mut others = Vec::new();
        for (i, p) in self.site.people.iter().enumerate() {
            if let Some(card) = self.member_card(i) {
                if p.profile.is_some() {
                    members.push(card);
                } else {
                    others.push(card);
                }
            }
        }
        let by_name =
            |a: &MemberCard, b: &MemberCard| a.name.to_lowercase().cmp(&b.name.to_lowercase());
        members.sort_by(by_name);
        others.sort_by(by_name);
        MemberList { members, others }
    }

    /// Member `id`'s page made whole from its light part
    /// ([`Renderer::person_light`]).
    fn person_full(&self, id: usize, light: MemberPage<'a>) -> MemberPage<'a> {
        let p = &self.site.people[id];
        let sessions = p.attended.iter().chain(&p.facilitated).copied();
        let rows = |ids: &[usize]| ids.iter().rev().map(|&s| self.listed(s, MEMBER)).collect();
        MemberPage {
            content: &p.body.html,
            facilitated: rows(&p.facilitated),
            attended: rows(&p.attended),
            met_most: self.people_count(sessions, Some(id), 8),
            timeline: charts_timeline(
                self.site,
                p,
                &root_of(p.url.as_deref().unwrap_or_default()),
                self.config.timezone,
            ),
            backlinks: self.backlinks(&p.backlinks),
            ..light
        }
    }

    /// Member `id`'s page without what takes time to make (its rows, the
    /// people met most, the timeline), which [`Renderer::person_key`]
    /// covers by what they are made of, and without its longest strings
    /// (the profile's text, the backlinks), which it takes as they are.
    fn person_light(&self, id: usize) -> MemberPage<'a> {
        let p = &self.site.people[id];
        let meta = p.profile.as_ref().map(|d| &d.meta);
        let text = |f: Option<&'a crate::content::fields::Text>| f.map_or("", |t| t.as_str());
        // Sessions of this person per topic.
        let mut per_topic = vec![0usize; self.site.topics.len()];
        for &s in p.attended.iter().chain(&p.facilitated) {
            for &t in &self.site.sessions[s].topics {
                per_topic[t] += 1;
            }
        }
        let topic_counts: Vec<Counted<Link>> = p
            .topics
            .iter()
            .filter_map(|&t| {
                Some(Counted {
                    item: self.link(Target::Topic(t))?,
                    count: per_topic[t],
                })
            })
            .collect();
        MemberPage {
            name: &p.name,
            has_profile: p.profile.is_some(),
            role: text(meta.and_then(|m| m.role.as_ref())),
            organization: text(meta.and_then(|m| m.organization.as_ref())),
            joined: text(meta.and_then(|m| m.joined.as_ref())),
            avatar: meta.and_then(|m| m.avatar.as_ref()).map(|a| {
                a.as_str()
                    .trim_start_matches('/')
                    .trim_start_matches("static/")
                    .to_string()
            }),
            aka: meta.map_or(&[], |m| &m.aka.0[..]),
            links: meta.map_or_else(Vec::new, |m| {
                m.links
                    .iter()
                    .map(|(label, url)| Link {
                        title: label,
                        url: url.as_str(),
                    })
                    .collect()
            }),
            expertise: meta.map_or_else(Vec::new, |m| {
                m.expertise
                    .0
                    .iter()
                    .filter_map(|t| {
                        let slug = crate::slug::slugify_nonempty(t);
                        let id = self.site.topics.iter().position(|x| x.slug == slug)?;
                        self.link(Target::Topic(id))
                    })
                    .collect()
            }),
            communities: p
                .communities
                .iter()
                .filter_map(|&c| self.link(Target::Community(c)))
                .collect(),
            content: "",
            facilitated: Vec::new(),
            attended: Vec::new(),
            topics: topic_counts,
            met_most: Vec::new(),
            actions: self.sorted_open(p.actions.iter().copied()),
            timeline: String::new(),
            timeline_grouped: p.attended.len() + p.facilitated.len() > charts::TIMELINE_MARKS,
            backlinks: Vec::new(),
            extra: p.profile.as_ref().map(|d| &d.extra),
        }
    }

    /// The key of member `id`'s page, when a build may keep it: its
    /// context without its rows, people met and timeline
    /// ([`Renderer::person_light`]), and the sessions those are made of, in
    /// the order of each list and of the timeline ([`Renderer::list_key`]);
    /// and that light context, to make the page from when it is not kept.
    fn person_key(&self, id: usize) -> Option<(u128, MemberPage<'a>)> {
        let p = &self.site.people[id];
        let url = p.url.as_deref()?;
        self.others.filter(|_| self.theme.is_default(MEMBER))?;
        let mut timeline: Vec<(usize, bool)> = p.attended.iter().map(|&s| (s, false)).collect();
        timeline.extend(p.facilitated.iter().map(|&s| (s, true)));
        timeline.sort_unstable();
        let listed = (p.facilitated.iter().map(|&s| (s, 0)))
            .chain(p.attended.iter().map(|&s| (s, 1)))
            .chain(timeline.into_iter().map(|(s, f)| (s, 2 + f as u8)));
        let source = p.profile.as_ref().map(|d| &d.source);
        let light = self.person_light(id);
        // The profile's text and the backlinks (the longest strings) go in
        // as they are: as JSON, each byte would be looked at for escaping.
        let mut raw: Vec<&str> = vec![&p.body.html];
        for l in self.backlinks(&p.backlinks) {
            raw.extend([l.title, l.url]);
        }
        let key = self.list_key(MEMBER, url, "members", source, (&light, raw), listed)?;
        Some((key, light))
    }

    /// The key of topic `id`'s page, when a build may keep it: its context
    /// without its rows and people ([`Renderer::topic_with`]), and the
    /// sessions those are made of ([`Renderer::list_key`]).
    fn topic_key(&self, id: usize, n: usize) -> Option<u128> {
        let t = &self.site.topics[id];
        self.others.filter(|_| self.theme.is_default(TOPIC))?;
        // The first page counts the people of every session; the others
        // show only their own rows.
        let shown = self.topic_rows(id, n);
        let listed = t
            .sessions
            .iter()
            .rev()
            .enumerate()
            .filter(|(k, _)| n == 1 || shown.contains(k))
            .map(|(k, &s)| (s, u8::from(!shown.contains(&k))));
        let light = (self.topic_with(id, n, false), Vec::new());
        self.list_key(
            TOPIC,
            &topic_page_url(&t.url, n),
            "topics",
            None,
            light,
            listed,
        )
    }

    /// The key of a page of `template` that lists sessions: a hash of the
    /// environment, of the page's context `light` (all of it but what is
    /// made of the sessions it lists, serialized, with the strings `raw`
    /// left out of it as they are), and of `listed`: each
    /// of those sessions' [`Renderer::facts`] with a byte for the list it
    /// is in, in order. The same key, the same page.
    fn list_key<T: serde::Serialize>(
        &self,
        template: &str,
        url: &str,
        section: &str,
        source: Option<&'a std::path::PathBuf>,
        (light, raw): (T, Vec<&str>),
        listed: impl Iterator<Item = (usize, u8)>,
    ) -> Option<u128> {
        let others = self.others?;
        let root = root_of(url);
        let ctx = self.page_ctx(&root, url, section, source, light);
        let mut b = Vec::with_capacity(4096);
        b.extend_from_slice(template.as_bytes());
        b.push(b'\n');
        b.extend_from_slice(&others.env.to_le_bytes());
        serde_json::to_writer(&mut b, &ctx).ok()?;
        b.push(0);
        for s in raw {
            put_keyed(&mut b, s);
        }
        for (s, list) in listed {
            b.extend_from_slice(&self.facts(s).to_le_bytes());
            b.push(list);
        }
        Some(crate::output::hash128(&b))
    }

    /// A print of all that a member or topic page shows of session `id`
    /// (its row, its day on the timeline) or works out from it (the people
    /// met most, or who talked about a topic: everyone there, by
    /// [`Renderer::person_prints`]).
    fn facts(&self, id: usize) -> u128 {
        *self.facts[id].get_or_init(|| {
            let s = &self.site.sessions[id];
            let c = self.row(id);
            let mut b = Vec::with_capacity(512);
            put_keyed(&mut b, c.title);
            put_keyed(&mut b, c.url);
            put_keyed(&mut b, c.date);
            put_keyed(&mut b, c.datetime);
            put_keyed(&mut b, &c.summary);
            b.push(c.status as u8);
            match c.community {
                Some(l) => {
                    b.push(1);
                    put_keyed(&mut b, l.title);
                    put_keyed(&mut b, l.url);
                }
                None => b.push(0),
            }
            b.extend_from_slice(&(c.people as u64).to_le_bytes());
            let day = s.when.day(self.config.timezone);
            b.extend_from_slice(&chrono::Datelike::num_days_from_ce(&day).to_le_bytes());
            let prints = self.person_prints();
            for p in s.everyone() {
                b.extend_from_slice(&prints[p].to_le_bytes());
            }
            crate::output::hash128(&b)
        })
    }

    /// A print of each person as rankings of people show and order them:
    /// name, page, slug, and where the name is someone else's too, the
    /// person's number (which breaks the tie, see [`Renderer::name_rank`]).
    fn person_prints(&self) -> &[u128] {
        self.person_prints.get_or_init(|| {
            let people = &self.site.people;
            let rank = self.name_rank();
            let mut by_rank = vec![0usize; people.len()];
            for (p, &r) in rank.iter().enumerate() {
                by_rank[r as usize] = p;
            }
            let name_of = |r: usize| by_rank.get(r).map(|&p| people[p].name.as_str());
            (0..people.len())
                .into_par_iter()
                .map(|i| {
                    let p = &people[i];
                    let r = rank[i] as usize;
                    let shared = name_of(r + 1) == Some(&p.name)
                        || r.checked_sub(1).and_then(name_of) == Some(&p.name);
                    let mut b = Vec::with_capacity(p.name.len() + p.slug.len() + 64);
                    for s in [&p.name, &p.slug, p.url.as_deref().unwrap_or("\0")] {
                        put_keyed(&mut b, s);
                    }
                    if shared {
                        b.extend_from_slice(&(i as u64).to_le_bytes());
                    }
                    crate::output::hash128(&b)
                })
                .collect()
        })
    }

    fn topic_list(&self) -> TopicList<'a> {
        let mut topics: Vec<Counted<Link>> = self
            .site
            .topics
            .iter()
            .map(|t| Counted {
                item: Link {
                    title: &t.name,
                    url: &t.url,
                },
                count: t.sessions.len(),
            })
            .collect();
        topics.sort_by(|a, b| {
            a.item
                .title
                .to_lowercase()
                .cmp(&b.item.title.to_lowercase())
        });
        TopicList { topics }
    }

    fn topic(&self, id: usize, n: usize) -> TopicPage<'a> {
        self.topic_with(id, n, true)
    }

    /// How many pages topic `id` has.
    fn topic_pages(&self, id: usize) -> usize {
        self.site.topics[id]
            .sessions
            .len()
            .div_ceil(TOPIC_SESSIONS_PER_PAGE)
            .max(1)
    }

    /// Which of topic `id`'s sessions, newest first, page `n` lists.
    fn topic_rows(&self, id: usize, n: usize) -> std::ops::Range<usize> {
        let all = self.site.topics[id].sessions.len();
        let start = ((n - 1) * TOPIC_SESSIONS_PER_PAGE).min(all);
        start..(start + TOPIC_SESSIONS_PER_PAGE).min(all)
    }

    /// Page `n` (from 1) of topic `id`: its sessions, newest first, 100 a
    /// page; the first page also has the people and the related topics.
    /// Without `full`, without its rows and people (see
    /// [`Renderer::topic_key`]).
    fn topic_with(&self, id: usize, n: usize, full: bool) -> TopicPage<'a> {
        let t = &self.site.topics[id];
        let total = self.topic_pages(id);
        let first = n == 1;
        let rows = self.topic_rows(id, n);
        TopicPage {
            name: &t.name,
            title: match first {
                true => t.name.clone(),
                false => format!("{}, page {n} of {total}", t.name),
            },
            count: t.sessions.len(),
            sessions: match full {
                true => t
                    .sessions
                    .iter()
                    .rev()
                    .skip(rows.start)
                    .take(rows.len())
                    .map(|&s| self.listed(s, TOPIC))
                    .collect(),
                false => Vec::new(),
            },
            people: match full && first {
                true => self.people_count(t.sessions.iter().copied(), None, 24),
                false => Vec::new(),
            },
            experts: match first {
                true => t.experts.iter().map(|&p| self.person_link(p)).collect(),
                false => Vec::new(),
            },
            backlinks: match first {
                true => self.backlinks(&t.backlinks),
                false => Vec::new(),
            },
            related: match first {
                true => stats::related_topics(self.site, id, 8)
                    .into_iter()
                    .filter_map(|(t, count)| {
                        Some(Counted {
                            item: self.link(Target::Topic(t))?,
                            count,
                        })
                    })
                    .collect(),
                false => Vec::new(),
            },
            pager: (total > 1).then(|| Pager {
                number: n,
                total,
                prev: (n > 1).then(|| topic_page_url(&t.url, n - 1)),
                next: (n < total).then(|| topic_page_url(&t.url, n + 1)),
            }),
        }
    }

    fn community_list(&self) -> CommunityList<'a> {
        CommunityList {
            communities: (0..self.site.communities.len())
                .map(|i| self.community_card(i))
                .collect(),
        }
    }

    fn community(&self, id: usize) -> CommunityPage<'a> {
        let c = &self.site.communities[id];
        let card = self.community_card(id);
        let (upcoming, past): (Vec<usize>, Vec<usize>) = c
            .sessions
            .iter()
            .partition(|&&s| self.is_upcoming(&self.site.sessions[s]));
        let counted = self.people_ranked(c.sessions.iter().copied(), None, usize::MAX);
        let mut listed = vec![false; self.site.people.len()];
        for &(p, _) in &counted {
            listed[p] = true;
        }
        let mut members = self.counted_links(counted);
        for &m in &c.members {
            if !listed[m] {
                listed[m] = true;
                members.push(Counted {
                    item: self.person_link(m),
                    count: 0,
                });
            }
        }
        let tz = self.config.timezone;
        let f = stats::community(self.site, c, tz);
        let root = root_of(&c.url);
        let figures = Figures {
            held: f.held,
            cancelled: f.cancelled,
            facilitators: f.facilitators,
            first_facilitators: f
                .first_facilitators
                .into_iter()
                .map(|q| QuarterLeads {
                    quarter: q.quarter,
                    people: q.people.into_iter().map(|p| self.person_link(p)).collect(),
                })
                .collect(),
            chart: charts_attendance(self.site, &f.sessions, &root, tz),
            chart_grouped: f.sessions.len() > charts::ATTENDANCE_BARS,
            sessions: f
                .sessions
                .iter()
                .map(|x| {
                    let s = &self.site.sessions[x.session];
                    SessionFigure {
                        title: &s.title,
                        url: &s.url,
                        date: &self.dates(x.session).0,
                        total: x.newcomers + x.returning,
                        newcomers: x.newcomers,
                        returning: x.returning,
                        cancelled: x.cancelled,
                    }
                })
                .collect(),
        };
        CommunityPage {
            trend: f.trend,
            figures,
            name: card.name,
            description: card.description,
            meets: card.meets,
            leads: c.leads.iter().map(|&p| self.person_link(p)).collect(),
            content: &c.body.html,
            upcoming: upcoming.into_iter().map(|s| self.card(s)).collect(),
            past: past
                .into_iter()
                .rev()
                .map(|s| self.listed(s, COMMUNITY))
                .collect(),
            members,
            backlinks: self.backlinks(&c.backlinks),
        }
    }

    fn action(&self, id: usize) -> ActionItem<'a> {
        let a = &self.site.actions[id];
        let s = &self.site.sessions[a.session];
        ActionItem {
            owner: self.person_link(a.owner),
            text: &a.text,
            due: a.due.map(crate::content::dates::short_day),
            due_iso: a.due.map(|d| crate::content::dates::ymd(d, "-")),
            overdue: self.overdue(id),
            done: a.done,
            session: Link {
                title: &s.title,
                url: &s.url,
            },
            session_date: &self.dates(a.session).0,
        }
    }

    /// Open items, soonest due first (undated last), then oldest session.
    fn sorted_open(&self, ids: impl Iterator<Item = usize>) -> Vec<ActionItem<'a>> {
        self.sorted_open_ids(ids)
            .into_iter()
            .map(|a| self.action(a))
            .collect()
    }

    fn sorted_open_ids(&self, ids: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut open: Vec<usize> = ids.filter(|&a| !self.site.actions[a].done).collect();
        open.sort_by_key(|&a| {
            let x = &self.site.actions[a];
            (x.due.is_none(), x.due, x.session)
        });
        open
    }

    /// Whether action item `id` is open and past its due date.
    fn overdue(&self, id: usize) -> bool {
        let a = &self.site.actions[id];
        let today = self.now.with_timezone(&self.config.timezone).date_naive();
        !a.done && a.due.is_some_and(|d| d < today)
    }

    fn actions(&self) -> ActionsPage<'a> {
        let site = self.site;
        let mut owners: Vec<usize> = site
            .actions
            .iter()
            .filter(|a| !a.done)
            .map(|a| a.owner)
            .collect();
        // Each owner once, then by name (slugs are unique, so no ties):
        // one lowercased name per owner, not two per comparison of items.
        owners.sort_unstable();
        owners.dedup();
        owners.sort_by_cached_key(|&o| {
            let p = &site.people[o];
            (p.name.to_lowercase(), p.slug.as_str())
        });
        let mut overdue_count = 0;
        let cap = if site.actions.iter().filter(|a| !a.done).count() > OPEN_ALL {
            OPEN_SHOWN
        } else {
            usize::MAX
        };
        let open: Vec<ActionGroup> = owners
            .into_iter()
            .map(|o| {
                let ids = self.sorted_open_ids(site.people[o].actions.iter().copied());
                overdue_count += ids.iter().filter(|&&a| self.overdue(a)).count();
                // Someone with a page: the first few here, all there.
                let shown = if site.people[o].is_public() {
                    ids.len().min(cap)
                } else {
                    ids.len()
                };
                ActionGroup {
                    owner: self.person_link(o),
                    anchor: site.people[o].slug.clone(),
                    items: ids[..shown].iter().map(|&a| self.action(a)).collect(),
                    count: ids.len(),
                    more: ids.len() - shown,
                }
            })
            .collect();
        let mut done: Vec<usize> = (0..site.actions.len())
            .filter(|&a| site.actions[a].done)
            .collect();
        let done_count = done.len();
        done.sort_by_key(|&a| std::cmp::Reverse(site.actions[a].session));
        let open_count = open.iter().map(|g| g.count).sum();
        ActionsPage {
            open,
            // The latest done items; the rest stay on their session pages.
            done: done
                .into_iter()
                .take(DONE_SHOWN)
                .map(|a| self.action(a))
                .collect(),
            done_count,
            done_more: done_count.saturating_sub(DONE_SHOWN),
            open_count,
            overdue_count,
        }
    }

    fn free_page(&self, id: usize) -> FreePage<'a> {
        let p = &self.site.pages[id];
        FreePage {
            title: &p.title,
            summary: match &p.doc.meta.summary {
                Some(s) if !s.as_str().is_empty() => s.as_str(),
                _ => &p.body.first_paragraph,
            },
            content: &p.body.html,
            backlinks: self.backlinks(&p.backlinks),
            extra: &p.doc.extra,
        }
    }
}
