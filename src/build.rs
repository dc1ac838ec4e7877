//! The whole pipeline, load → link → markdown → render, as one call that
//! `build`, `check` (and later `serve`) share.

use crate::config::Config;
use crate::content::{self, LoadOptions};
use crate::diag::Diagnostics;
use crate::markdown::{self, Note};
use crate::model::{self, Body, Site, Target};
use crate::output::Output;
use crate::render::{self, Theme};
use crate::slug::root_of;
use chrono::{DateTime, Utc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

pub struct BuildOptions {
    pub include_drafts: bool,
    pub now: DateTime<Utc>,
    /// Folders the loader must not read (the output folder).
    pub exclude: Vec<PathBuf>,
}

impl BuildOptions {
    /// "Now" is SOURCE_DATE_EPOCH when set (reproducible builds), else the clock.
    pub fn now_from_env() -> DateTime<Utc> {
        std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .unwrap_or_else(Utc::now)
    }
}

/// What a build produced.
pub struct Built {
    pub site: Site,
    /// `None` when there were errors.
    pub output: Option<Output>,
    pub notes: usize,
}

/// Runs every stage, collecting all diagnostics.
/// Everything but the rendering of pages: the stages every command shares.
struct Prepared {
    theme: Option<Theme>,
    site: Site,
    /// With `stream`: each session body's print ([`crate::bodies::print`]).
    prints: Vec<u128>,
    notes: usize,
    history: crate::git::History,
    /// With `stream`: the previous build's cache, and what it knows of
    /// each session.
    reuse: Option<crate::reuse::Reuse>,
    /// With `stream`: the notes this build loaded, for the next one.
    kept_notes: Option<crate::content::kept::Writer>,
    timer: Timer,
}

/// With `stream` (the paths of the build cache and of the kept notes),
/// sessions are not rendered but let go (see [`crate::bodies`]), the cache
/// is read while the notes load, and unchanged session notes are taken
/// from the previous build ([`crate::content::kept`]).
fn prepare(
    config: &Config,
    opts: &BuildOptions,
    stream: Option<(&std::path::Path, &std::path::Path)>,
    diags: &mut Diagnostics,
) -> Prepared {
    let mut timer = Timer::new();
    let theme = match Theme::load(config) {
        Ok(t) => Some(t),
        Err(errs) => {
            diags.extend(errs);
            None
        }
    };
    let load_opts = LoadOptions {
        include_drafts: opts.include_drafts,
        now: opts.now,
        exclude: opts.exclude.clone(),
        release_sessions: stream.is_some(),
    };
    timer.lap("theme");
    let env = stream.map(|_| crate::reuse::env(config));
    let kept_notes = stream
        .zip(env)
        .map(|((_, path), env)| content::kept::Writer::new(path.to_owned(), env));
    let ((corpus, load_diags), mut reuse) = rayon::join(
        || match (stream, env, &kept_notes) {
            (Some((_, path)), Some(env), Some(writer)) => {
                let kept = content::kept::Kept::load(path, env);
                let keeping = content::Keeping {
                    kept: kept.as_ref(),
                    writer,
                };
                content::load_keeping(config, &load_opts, &keeping)
            }
            _ => content::load(config, &load_opts),
        },
        || {
            stream.zip(env).map(|((path, _), env)| {
                let cache = crate::reuse::Cache::load(path);
                crate::reuse::Reuse::new(env, path.to_owned(), cache)
            })
        },
    );
    diags.extend(load_diags);
    if let Some(w) = &kept_notes {
        timer.note(&format!(
            "{} of {} session notes taken from the last build",
            w.taken(),
            corpus.sessions.len()
        ));
    }
    timer.lap("load");
    let notes = corpus.sessions.len()
        + corpus.members.len()
        + corpus.communities.len()
        + corpus.pages.len();
    let (mut site, link_diags) = model::link(config, corpus);
    diags.extend(link_diags);
    timer.lap("link");
    let mut prints = Vec::new();
    let stream = reuse.as_mut().map(|r| (&mut prints, r));
    diags.extend(render_bodies(&mut site, config, None, stream));
    timer.lap("markdown");
    let history = history(config, diags);
    timer.lap("git");
    Prepared {
        reuse,
        kept_notes,
        theme,
        site,
        prints,
        notes,
        history,
        timer,
    }
}

/// Runs every stage and keeps the site in memory (serve, check).
pub fn build(config: &Config, opts: &BuildOptions) -> (Built, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut p = prepare(config, opts, None, &mut diags);
    let mut output = None;
    if let Some(theme) = &p.theme {
        let (out, render_diags) = render::render(&p.site, config, theme, opts.now, &p.history);
        diags.extend(render_diags);
        p.timer.lap("render");
        if !diags.has_errors() {
            output = Some(out);
        }
    }
    (
        Built {
            site: p.site,
            output,
            notes: p.notes,
        },
        diags,
    )
}

/// What `build_to` did.
pub struct Written {
    pub notes: usize,
    /// HTML pages written; `None` when nothing was written.
    pub pages: Option<usize>,
    /// Session pages kept from the previous build ([`crate::reuse`]).
    pub kept: usize,
    /// Member and topic pages kept from the previous build
    /// ([`crate::reuse::Others`]).
    pub members_kept: usize,
    pub topics_kept: usize,
    /// Session notes taken as the previous build loaded them, not read
    /// ([`crate::content::kept`]).
    pub notes_kept: usize,
}

/// Runs every stage and writes each page into a staging folder beside
/// `out` as soon as it is rendered; swaps it in only if the whole build
/// succeeded, else leaves `out` as it was (the staging folder is kept as
/// the spare, see [`crate::output::Staging::abandon`]). Builds of one site
/// take turns ([`crate::output::lock`]): call it from a thread outside
/// rayon's pool, since it may wait there for another build.
pub fn build_to(
    config: &Config,
    opts: &BuildOptions,
    out: &std::path::Path,
) -> (Written, Diagnostics, Option<crate::output::WriteError>) {
    let mut diags = Diagnostics::new();
    // The output folder is checked and the staging folder made (walking
    // the current output, renaming the spare) while the notes load.
    // The output and the spare are checked while the notes load (on the
    // pool's threads, whose allocator arenas the build goes on using);
    // nothing is renamed or written until the notes are known to be good.
    // Builds of one site take turns (see [`crate::output::lock`]); taken
    // here, before any rayon work, and held to the end of the build.
    let _lock = crate::output::lock(&config.root);
    let cache_path = crate::output::cache_name(&crate::output::absolute(out));
    let notes_path = crate::output::notes_name(&crate::output::absolute(out));
    let (survey, mut p) = rayon::join(
        || crate::output::Staging::survey(out),
        || prepare(config, opts, Some((&cache_path, &notes_path)), &mut diags),
    );
    let mut written = Written {
        notes: p.notes,
        pages: None,
        kept: 0,
        members_kept: 0,
        topics_kept: 0,
        notes_kept: p.kept_notes.as_ref().map_or(0, |w| w.taken()),
    };
    let Some(theme) = p.theme.as_ref().filter(|_| !diags.has_errors()) else {
        // Nothing is written, but every error is reported: the sessions'
        // own (broken links) are found when they are rendered.
        let reread = crate::bodies::Reread::new(config, &p.prints);
        let found: Vec<_> = (0..p.site.sessions.len())
            .into_par_iter()
            .map(|i| reread.found(&p.site, i).1.diags)
            .collect();
        diags.extend(found.into_iter().flatten());
        diags.extend(reread.into_errors());
        return (written, diags, None);
    };
    let staging = match survey.and_then(crate::output::Staging::begin) {
        Ok(s) => s,
        Err(e) => return (written, diags, Some(e)),
    };
    // (`prepare` read the cache, since it was given its path.)
    let mut reuse = p.reuse.take().unwrap_or_else(|| {
        crate::reuse::Reuse::new(crate::reuse::env(config), cache_path.clone(), None)
    });
    let mut others = std::mem::take(&mut reuse.others);
    let with = render::Pages {
        config,
        theme,
        now: opts.now,
        history: &p.history,
        bodies: &crate::bodies::Held,
        others: Some(&others),
    };
    let (pages, render_diags) =
        render::render_streamed(&mut p.site, &with, &p.prints, &staging, &mut reuse);
    diags.extend(render_diags);
    written.kept = reuse.kept;
    written.members_kept = *others.kept[0].get_mut();
    written.topics_kept = *others.kept[1].get_mut();
    p.timer.lap("render");
    if diags.has_errors() {
        staging.abandon();
        return (written, diags, None);
    }
    // Each session page's print, before the staging folder's list of
    // prints goes into its marker.
    let pages_written: Vec<Option<crate::output::Print>> = p
        .site
        .sessions
        .iter()
        .map(|s| staging.print_of(&format!("{}index.html", s.url)))
        .collect();
    let others_written: Vec<(String, u128, crate::output::Print)> = others
        .keys()
        .into_iter()
        .filter_map(|(path, key)| {
            let print = staging.print_of(&path)?;
            Some((path, key, print))
        })
        .collect();
    let finished = staging.finish();
    let kept_notes = p.kept_notes.take();
    if finished.is_ok() {
        reuse.save(&p.site, &pages_written, &others_written);
        if let Some(notes) = kept_notes {
            notes.finish();
        }
    }
    p.timer.lap("write");
    // Freeing the site (every session, person and index) takes a while at
    // tens of thousands of notes; nothing waits for it. A process that
    // exits meanwhile just ends it.
    let _ = std::thread::Builder::new()
        .name("cairn-free".into())
        .spawn(move || drop(p));
    match finished {
        Ok(()) => {
            written.pages = Some(pages.iter().filter(|x| x.ends_with(".html")).count());
            (written, diags, None)
        }
        Err(e) => (written, diags, Some(e)),
    }
}

/// Who last changed each note, when the site asks for it (`git: true`);
/// without git history, one warning and no names.
pub(crate) fn history(config: &Config, diags: &mut Diagnostics) -> crate::git::History {
    if !config.git {
        return Default::default();
    }
    crate::git::history(&config.root).unwrap_or_else(|d| {
        diags.push(d);
        Default::default()
    })
}

/// The stage the build is in, for the progress bar: (index, name).
pub static STAGE: std::sync::Mutex<(u64, &str)> = std::sync::Mutex::new((0, "starting"));

/// The stages, in order, as the progress bar names them.
pub const STAGES: [&str; 7] = [
    "theme", "load", "link", "markdown", "git", "render", "write",
];

fn next_stage(done: &str) {
    if let (Some(i), Ok(mut st)) = (STAGES.iter().position(|s| *s == done), STAGE.lock()) {
        *st = ((i + 1) as u64, STAGES.get(i + 1).copied().unwrap_or("done"));
    }
}

/// Stage timings, printed to stderr when `CAIRN_TIMINGS` is set.
pub struct Timer {
    on: bool,
    last: std::time::Instant,
    /// CPU time used by then (user + system, all threads), in ms.
    last_cpu: u64,
}

impl Timer {
    pub fn new() -> Timer {
        let on = std::env::var_os("CAIRN_TIMINGS").is_some();
        Timer {
            on,
            last: std::time::Instant::now(),
            last_cpu: if on { cpu_ms() } else { 0 },
        }
    }

    /// Prints `what` among the timings.
    pub fn note(&self, what: &str) {
        if self.on {
            eprintln!("  ({what})");
        }
    }

    pub fn lap(&mut self, stage: &str) {
        next_stage(stage);
        if self.on {
            let cpu = cpu_ms();
            eprintln!(
                "  {stage:<10} {:>8.1} ms  {:>6} ms CPU  {:>6} MB resident, {:>6} MB peak",
                self.last.elapsed().as_secs_f64() * 1000.0,
                cpu.saturating_sub(self.last_cpu),
                memory_mb("VmRSS:"),
                memory_mb("VmHWM:"),
            );
            self.last_cpu = cpu;
        }
        self.last = std::time::Instant::now();
    }
}

/// CPU time the process has used, user and system, in ms (0 where
/// `/proc/self/stat` is not there). Its clock ticks are assumed to be
/// 100 a second, as on every Linux system cairn runs on.
fn cpu_ms() -> u64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces):
            // state is the 3rd field, utime the 14th, stime the 15th.
            let rest = s.get(s.rfind(')')? + 2..)?;
            let f: Vec<&str> = rest.split(' ').collect();
            let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some(ticks * 10)
        })
        .unwrap_or(0)
}

/// A line of `/proc/self/status` in MB (0 where there is none).
fn memory_mb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(key))?;
            line[key.len()..]
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb / 1024)
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

/// Whether the note's first heading repeats its title (and so is dropped
/// from the body: the page shows the title as its one `h1`).
pub(crate) fn same(heading: &Option<String>, title: &str) -> bool {
    heading
        .as_deref()
        .is_some_and(|h| h.trim().to_lowercase() == title.trim().to_lowercase())
}

/// Bodies rendered by an earlier build, reused by the next one (`cairn
/// serve`) for notes whose text did not change, as long as every link
/// target of the site (names, slugs, URLs, titles, positions) is the same.
#[derive(Default)]
pub struct BodyCache {
    links: u64,
    bodies: std::sync::Mutex<HashMap<PathBuf, (u64, Rendered)>>,
}

impl BodyCache {
    /// The fingerprint of the link targets the cached bodies were rendered with.
    pub fn links(&self) -> u64 {
        self.links
    }
}

type Rendered = (Body, Vec<crate::diag::Diagnostic>);

fn hash_of(parts: impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(parts)
}

/// Everything a body's HTML can depend on besides its own text.
fn link_fingerprint(site: &Site) -> u64 {
    let mut names: Vec<(&String, &Target)> = site.link_index.iter().collect();
    names.sort_unstable();
    let mut sources: Vec<(&PathBuf, &Target)> = site.by_source.iter().collect();
    sources.sort_unstable();
    let shown = |t: &Target| site.target(*t);
    hash_of((
        names
            .iter()
            .map(|(k, t)| (k, t, shown(t)))
            .collect::<Vec<_>>(),
        sources
            .iter()
            .map(|(k, t)| (k, t, shown(t)))
            .collect::<Vec<_>>(),
        &site.drafts,
        &site.broken,
    ))
}

/// Adds to each target the notes whose bodies link to it, in order, each
/// once (a note does not link back to itself).
fn link_back(site: &mut Site) {
    fn pairs(from: Target, links: &[Target]) -> impl Iterator<Item = (Target, Target)> + '_ {
        links
            .iter()
            .filter(move |&&to| to != from)
            .map(move |&to| (to, from))
    }
    let s: &Site = site;
    let mut backlinks: Vec<(Target, Target)> = s
        .sessions
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, x)| pairs(Target::Session(i), &x.body.links))
        .chain(
            s.people
                .par_iter()
                .enumerate()
                .flat_map_iter(|(i, x)| pairs(Target::Person(i), &x.body.links)),
        )
        .chain(
            s.communities
                .par_iter()
                .enumerate()
                .flat_map_iter(|(i, x)| pairs(Target::Community(i), &x.body.links)),
        )
        .chain(
            s.pages
                .par_iter()
                .enumerate()
                .flat_map_iter(|(i, x)| pairs(Target::Page(i), &x.body.links)),
        )
        .collect();
    backlinks.par_sort_unstable();
    backlinks.dedup();
    for group in backlinks.chunk_by(|a, b| a.0 == b.0) {
        site.backlinks_mut(group[0].0)
            .extend(group.iter().map(|&(_, from)| from));
    }
}

/// Renders every markdown body in parallel and records backlinks; with a
/// cache, reuses what it can and leaves this build's bodies in it. With
/// `stream`, sessions are not rendered: their text is let go and their
/// prints put there ([`crate::bodies`]); a session whose body the build
/// cache knows links to what it linked to then (put in
/// [`crate::reuse::Reuse::known`]), the others to what
/// [`markdown::guess_links`] guesses.
pub(crate) fn render_bodies(
    site: &mut Site,
    config: &Config,
    cache: Option<&mut BodyCache>,
    stream: Option<(&mut Vec<u128>, &mut crate::reuse::Reuse)>,
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let raw = config.raw_html;
    let keep = cache.is_some();
    let empty: std::sync::Arc<str> = std::sync::Arc::from("");
    let sources: Vec<std::sync::Arc<str>> = site
        .sessions
        .iter_mut()
        .map(|x| match keep {
            true => x.doc.body.clone(),
            false => std::mem::replace(&mut x.doc.body, empty.clone()),
        })
        .collect();
    let s: &Site = site;
    let fingerprint = cache.as_ref().map(|_| link_fingerprint(s));
    let fresh = BodyCache {
        links: fingerprint.unwrap_or(0),
        bodies: Default::default(),
    };
    let old = cache
        .as_deref()
        .filter(|c| Some(c.links) == fingerprint)
        .map(|c| c.bodies.lock().unwrap_or_else(|e| e.into_inner()));
    let streaming = stream.is_some();
    let reused = stream
        .as_ref()
        .and_then(|(_, r)| Some((r.cache.as_ref()?, r.env)));
    let note = |body: &str, source: &PathBuf, body_line, url: &str, heading: bool| {
        let key = fingerprint.map(|_| hash_of((body, body_line, url, heading)));
        if let (Some(key), Some(old)) = (key, &old)
            && let Some((k, done)) = old.get(source)
            && *k == key
        {
            let done = done.clone();
            if let Ok(mut new) = fresh.bodies.lock() {
                new.insert(source.clone(), (key, done.clone()));
            }
            return done;
        }
        let root = root_of(url);
        let done = markdown::render(
            s,
            raw,
            &Note {
                body,
                source,
                body_line,
                root: &root,
                strip_title: heading,
            },
        );
        if let (Some(key), Ok(mut new)) = (key, fresh.bodies.lock()) {
            new.insert(source.clone(), (key, done.clone()));
        }
        done
    };
    // Sessions are most of the text: without a cache (a build) each
    // note's markdown is let go as soon as its HTML exists, so the two are
    // never all in memory at once.
    let sessions: Vec<_> = sources
        .into_par_iter()
        .zip(s.sessions.par_iter())
        .enumerate()
        .map(|(i, (text, x))| {
            if streaming {
                let print = match &x.doc.released {
                    Some(r) => r.print,
                    None => crate::bodies::print(&text),
                };
                let mut known = reused.and_then(|(c, env)| c.known(env, s, i, print));
                let links = match (&mut known, &x.doc.released) {
                    // Kept here only: `Reuse::known` is read with the site.
                    (Some(k), _) => std::mem::take(&mut k.links),
                    (None, released) => {
                        let root = root_of(&x.url);
                        let note = Note {
                            body: &text,
                            source: &x.doc.source,
                            body_line: x.doc.body_line,
                            root: &root,
                            strip_title: false,
                        };
                        match released {
                            Some(r) => markdown::resolve_links(s, &note, &r.links),
                            None => markdown::guess_links(s, &note),
                        }
                    }
                };
                let body = Body {
                    links,
                    ..Body::default()
                };
                return ((body, Vec::new()), Some((print, known)));
            }
            let done = note(
                &text,
                &x.doc.source,
                x.doc.body_line,
                &x.url,
                same(&x.doc.heading, &x.title),
            );
            (done, None)
        })
        .collect();
    let people: Vec<_> = s
        .people
        .par_iter()
        .map(|p| match (&p.profile, &p.url) {
            (Some(d), Some(url)) => Some(note(
                &d.body,
                &d.source,
                d.body_line,
                url,
                same(&d.heading, &p.name),
            )),
            _ => None,
        })
        .collect();
    let communities: Vec<_> = s
        .communities
        .par_iter()
        .map(|c| {
            c.doc.as_ref().map(|d| {
                note(
                    &d.body,
                    &d.source,
                    d.body_line,
                    &c.url,
                    same(&d.heading, &c.name),
                )
            })
        })
        .collect();
    let pages: Vec<_> = s
        .pages
        .par_iter()
        .map(|p| {
            note(
                &p.doc.body,
                &p.doc.source,
                p.doc.body_line,
                &p.url,
                same(&p.doc.heading, &p.title),
            )
        })
        .collect();

    // Each session's body goes in on all cores: one by one, at 50k
    // sessions, this (and letting the raw links go) took a quarter second.
    let streamed: Vec<_> = site
        .sessions
        .par_iter_mut()
        .zip(sessions)
        .map(|(x, ((body, ds), streamed))| {
            x.body = body;
            if let Some(r) = x.doc.released.as_mut().filter(|_| streaming) {
                // Resolved: what is left to know comes from rendering.
                r.links = Default::default();
            }
            (ds, streamed)
        })
        .collect();
    let (mut prints, mut known) = (Vec::new(), Vec::new());
    for (ds, streamed) in streamed {
        diags.extend(ds);
        if let Some((print, k)) = streamed {
            prints.push(print);
            known.push(k);
        }
    }
    if let Some((stream, reuse)) = stream {
        *stream = prints;
        if reuse.cache.is_some() {
            reuse.known = known;
        }
    }
    let mut take = |(body, ds): (Body, Vec<crate::diag::Diagnostic>), slot: &mut Body| {
        diags.extend(ds);
        *slot = body;
    };
    for (i, r) in people.into_iter().enumerate() {
        if let Some(r) = r {
            take(r, &mut site.people[i].body);
        }
    }
    for (i, r) in communities.into_iter().enumerate() {
        if let Some(r) = r {
            take(r, &mut site.communities[i].body);
        }
    }
    for (i, r) in pages.into_iter().enumerate() {
        take(r, &mut site.pages[i].body);
    }
    drop(old);
    if let Some(cache) = cache {
        *cache = fresh;
    }
    link_back(site);
    diags
}
