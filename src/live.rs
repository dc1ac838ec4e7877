//! The site kept in memory between rebuilds, for `cairn serve`.
//!
//! After an edit to notes, only the files that changed are read again
//! ([`LoadCache`]), only the bodies whose text changed are rendered again
//! ([`BodyCache`]), and only the pages the change can show on are rendered
//! again ([`affected`]): the note's own page, the pages of the people,
//! topics, community and neighbouring sessions it names (before and after
//! the edit), the pages it links to, and the list pages, feeds and index.
//! When a change moves any link target (a title, slug, name or date
//! changes, a note comes or goes) every page is rendered again. The
//! result is byte for byte what `cairn build` writes; a test checks.

use crate::build::{BodyCache, BuildOptions, render_bodies};
use crate::config::Config;
use crate::content::{self, LoadCache, LoadOptions};
use crate::diag::Diagnostics;
use crate::model::{self, Site, Target};
use crate::output::Content;
use crate::render::{self, Job, MemorySink, Theme};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Output path -> bytes, shared between versions of the served site.
pub type Files = HashMap<String, Arc<Vec<u8>>>;

pub struct LiveSite {
    config: Config,
    opts: BuildOptions,
    theme: Theme,
    history: crate::git::History,
    load: LoadCache,
    bodies: BodyCache,
    /// The last site that built without errors.
    site: Option<Site>,
    /// Paths of every rendered page (for the sitemap).
    pages: BTreeSet<String>,
    /// Paths written by the last render of pages not tied to one note
    /// (lists, home, search, 404), so pages that went away are noticed.
    list_pages: BTreeSet<String>,
    /// Paths of the feeds written last time.
    derived: BTreeSet<String>,
    /// The search index, updated in place.
    search: Option<crate::search::SearchIndex>,
    /// Notes changed since the last update that succeeded.
    pending: Vec<PathBuf>,
    /// The link fingerprint of the last site that built.
    good_links: Option<u64>,
    pub files: Files,
}

/// What an update did.
pub struct Update {
    /// Output paths that were written or removed; empty when the build
    /// failed (the previous files stay).
    pub changed: Vec<String>,
    /// Pages rendered.
    pub rendered: usize,
}

impl LiveSite {
    /// A first, complete build. `None` when the theme cannot load (then
    /// nothing can render; the caller tries again after the next change).
    pub fn build(config: &Config, opts: BuildOptions) -> (Option<LiveSite>, Diagnostics) {
        let theme = match Theme::load(config) {
            Ok(t) => t,
            Err(errs) => {
                let mut diags = Diagnostics::new();
                diags.extend(errs);
                return (None, diags);
            }
        };
        let mut diags = Diagnostics::new();
        let history = if config.git {
            crate::git::history(&config.root).unwrap_or_else(|d| {
                diags.push(d);
                Default::default()
            })
        } else {
            Default::default()
        };
        let mut live = LiveSite {
            config: config.clone(),
            opts,
            theme,
            history,
            load: LoadCache::default(),
            bodies: BodyCache::default(),
            site: None,
            pages: BTreeSet::new(),
            list_pages: BTreeSet::new(),
            derived: BTreeSet::new(),
            search: None,
            pending: Vec::new(),
            good_links: None,
            files: Files::new(),
        };
        let (_, more) = live.update(&[]);
        diags.extend(more);
        (Some(live), diags)
    }

    /// Brings the site up to date after changes to the notes `changed`
    /// (paths relative to the site root; an empty list rebuilds all).
    pub fn update(&mut self, changed: &[PathBuf]) -> (Update, Diagnostics) {
        // Changes of updates that failed are still to be shown.
        let everything = changed.is_empty() || self.site.is_none();
        for p in changed {
            if !self.pending.contains(p) {
                self.pending.push(p.clone());
            }
        }
        let changed: Vec<PathBuf> = if everything {
            Vec::new()
        } else {
            self.pending.clone()
        };
        let changed = &changed[..];
        let mut diags = Diagnostics::new();
        let load_opts = LoadOptions {
            include_drafts: self.opts.include_drafts,
            now: self.opts.now,
            exclude: self.opts.exclude.clone(),
        };
        let mut timer = crate::build::Timer::new();
        for rel in changed {
            // A note that came or went (or was renamed): walk again.
            if !self.load.knows(rel) || !self.config.root.join(rel).is_file() {
                self.load.rediscover();
            }
            self.load.forget(rel);
        }
        if changed.is_empty() {
            self.load.rediscover();
        }
        let (corpus, load_diags) = content::load_cached(&self.config, &load_opts, &mut self.load);
        diags.extend(load_diags);
        timer.lap("load");
        let (mut site, link_diags) = model::link(&self.config, corpus);
        diags.extend(link_diags);
        timer.lap("link");
        diags.extend(render_bodies(
            &mut site,
            &self.config,
            Some(&mut self.bodies),
        ));
        timer.lap("markdown");
        let nothing = Update {
            changed: Vec::new(),
            rendered: 0,
        };
        if diags.has_errors() {
            return (nothing, diags);
        }
        let all = render::jobs(&site);
        let jobs: Vec<Job> = match (&self.site, changed.is_empty()) {
            (Some(old), false) if self.good_links == Some(self.bodies.links()) => {
                let wanted = affected(old, &site, changed);
                all.into_iter().filter(|j| wanted.contains(j)).collect()
            }
            _ => all,
        };
        let sink = MemorySink(std::sync::Mutex::new(Default::default()));
        let (paths, render_diags) = render::render_pages(
            &site,
            &self.config,
            &self.theme,
            self.opts.now,
            &self.history,
            &jobs,
            &sink,
        );
        diags.extend(render_diags);
        timer.lap("render");
        if diags.has_errors() {
            return (nothing, diags);
        }
        // Pages that are no longer there: those of notes that changed, and
        // list pages not rendered again.
        let full = jobs.len() == render::jobs(&site).len();
        let rendered: BTreeSet<String> = paths.iter().cloned().collect();
        let mut gone: BTreeSet<String> = if full {
            self.pages.clone()
        } else {
            let mut g = self.list_pages.clone();
            if let Some(old) = &self.site {
                g.extend(pages_of_sources(old, changed));
            }
            g
        };
        gone.retain(|p| !rendered.contains(p));
        self.pages.retain(|p| !gone.contains(p));
        self.pages.extend(rendered.iter().cloned());
        self.list_pages = jobs
            .iter()
            .zip(&paths)
            .filter(|(j, _)| !is_entity(**j))
            .map(|(_, p)| p.clone())
            .collect();
        let pages: Vec<String> = self.pages.iter().cloned().collect();
        let derived = MemorySink(std::sync::Mutex::new(Default::default()));
        let sink_pages = sink;
        let sink = derived;
        diags.extend(render::render_feeds(
            &site,
            &self.config,
            &pages,
            self.opts.now,
            &sink,
        ));
        timer.lap("feeds");
        if diags.has_errors() {
            return (nothing, diags);
        }
        let derived = sink.0.into_inner().unwrap_or_else(|e| e.into_inner());
        let tz = self.config.timezone;
        let search = match (&mut self.search, changed.is_empty()) {
            (Some(index), false) => index.update(&site, tz, changed),
            _ => {
                let index = crate::search::SearchIndex::build(&site, tz);
                let put = index.files();
                let now: BTreeSet<&String> = put.iter().map(|(p, _)| p).collect();
                let remove = self
                    .files
                    .keys()
                    .filter(|p| p.starts_with("search/") && p.ends_with(".json"))
                    .filter(|p| !now.contains(p))
                    .cloned()
                    .collect();
                self.search = Some(index);
                crate::search::Delta { put, remove }
            }
        };
        gone.extend(search.remove);
        timer.lap("search");
        let sink = sink_pages;
        if self.site.is_none() || changed.is_empty() {
            diags.extend(render::copy_statics(&self.theme, &sink));
        }
        let mut out = sink.0.into_inner().unwrap_or_else(|e| e.into_inner());
        let now: BTreeSet<String> = derived.files.keys().cloned().collect();
        gone.extend(self.derived.difference(&now).cloned());
        self.derived = now;
        out.files.extend(derived.files);
        out.files
            .extend(search.put.into_iter().map(|(p, b)| (p, Content::Bytes(b))));
        let mut changed_files = Vec::new();
        for path in gone {
            if self.files.remove(&path).is_some() {
                changed_files.push(path);
            }
        }
        for (path, content) in out.files {
            let bytes = match content {
                Content::Bytes(b) => b,
                Content::Copy(from) => std::fs::read(&from).unwrap_or_default(),
            };
            if self.files.get(&path).is_none_or(|old| **old != bytes) {
                self.files.insert(path.clone(), Arc::new(bytes));
                changed_files.push(path);
            }
        }
        timer.lap("write");
        self.site = Some(site);
        self.pending.clear();
        self.good_links = Some(self.bodies.links());
        (
            Update {
                changed: changed_files,
                rendered: jobs.len(),
            },
            diags,
        )
    }
}

/// Jobs that render a page of one note's entity (not a list).
fn is_entity(j: Job) -> bool {
    matches!(
        j,
        Job::Session(_) | Job::Person(_) | Job::Topic(_) | Job::Community(_) | Job::Page(_)
    )
}

/// The output paths of the pages of the notes at `sources`.
fn pages_of_sources(site: &Site, sources: &[PathBuf]) -> Vec<String> {
    sources
        .iter()
        .filter_map(|p| site.by_source.get(p))
        .filter_map(|t| site.target(*t).0)
        .map(|url| format!("{url}index.html"))
        .collect()
}

/// An entity, by what stays the same when the site is linked again.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Session(PathBuf),
    Person(String),
    Topic(String),
    Community(String),
    Page(PathBuf),
}

fn key(site: &Site, t: Target) -> Key {
    match t {
        Target::Session(i) => Key::Session(site.sessions[i].doc.source.clone()),
        Target::Person(i) => Key::Person(site.people[i].slug.clone()),
        Target::Topic(i) => Key::Topic(site.topics[i].slug.clone()),
        Target::Community(i) => Key::Community(site.communities[i].slug.clone()),
        Target::Page(i) => Key::Page(site.pages[i].doc.source.clone()),
    }
}

/// Everything whose page shows something of `t`.
fn related(site: &Site, t: Target, out: &mut Vec<Target>) {
    out.push(t);
    match t {
        Target::Session(i) => {
            let s = &site.sessions[i];
            out.extend(s.everyone().map(Target::Person));
            out.extend(
                s.actions
                    .iter()
                    .map(|&a| Target::Person(site.actions[a].owner)),
            );
            out.extend(s.topics.iter().map(|&x| Target::Topic(x)));
            out.extend(s.community.map(Target::Community));
            out.extend(s.prev.map(Target::Session));
            out.extend(s.next.map(Target::Session));
            out.extend(&s.body.links);
        }
        Target::Person(i) => {
            let p = &site.people[i];
            out.extend(
                p.attended
                    .iter()
                    .chain(&p.facilitated)
                    .map(|&x| Target::Session(x)),
            );
            out.extend(p.communities.iter().map(|&x| Target::Community(x)));
            out.extend(p.topics.iter().map(|&x| Target::Topic(x)));
            out.extend(
                p.actions
                    .iter()
                    .map(|&a| Target::Session(site.actions[a].session)),
            );
            out.extend(&p.body.links);
        }
        Target::Community(i) => {
            let c = &site.communities[i];
            out.extend(c.sessions.iter().map(|&x| Target::Session(x)));
            out.extend(c.members.iter().map(|&x| Target::Person(x)));
            out.extend(&c.body.links);
        }
        Target::Page(i) => out.extend(&site.pages[i].body.links),
        Target::Topic(_) => {}
    }
}

/// The pages an edit of the notes at `changed` can change, as jobs of
/// `new`: everything related to those notes before or after the edit, and
/// every page not tied to one note.
fn affected(old: &Site, new: &Site, changed: &[PathBuf]) -> HashSet<Job> {
    let mut keys: HashSet<Key> = HashSet::new();
    for site in [old, new] {
        let mut targets = Vec::new();
        for source in changed {
            if let Some(t) = site.by_source.get(source) {
                related(site, *t, &mut targets);
            }
        }
        keys.extend(targets.into_iter().map(|t| key(site, t)));
    }
    let mut index: HashMap<Key, Target> = HashMap::new();
    for i in 0..new.sessions.len() {
        index.insert(key(new, Target::Session(i)), Target::Session(i));
    }
    for i in 0..new.people.len() {
        index.insert(key(new, Target::Person(i)), Target::Person(i));
    }
    for i in 0..new.topics.len() {
        index.insert(key(new, Target::Topic(i)), Target::Topic(i));
    }
    for i in 0..new.communities.len() {
        index.insert(key(new, Target::Community(i)), Target::Community(i));
    }
    for i in 0..new.pages.len() {
        index.insert(key(new, Target::Page(i)), Target::Page(i));
    }
    let mut jobs: HashSet<Job> = render::jobs(new)
        .into_iter()
        .filter(|j| !is_entity(*j))
        .collect();
    jobs.extend(keys.iter().filter_map(|k| index.get(k)).map(|t| match *t {
        Target::Session(i) => Job::Session(i),
        Target::Person(i) => Job::Person(i),
        Target::Topic(i) => Job::Topic(i),
        Target::Community(i) => Job::Community(i),
        Target::Page(i) => Job::Page(i),
    }));
    jobs
}

/// `path` relative to `root`, as notes name their sources.
pub fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::build;

    struct Site {
        dir: tempfile::TempDir,
        config: Config,
    }

    impl Site {
        fn new(files: &[(&str, &str)]) -> Site {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("cairn.yaml"),
                "title: Test\nbase_url: http://127.0.0.1:1111/\n",
            )
            .unwrap();
            let site = Site {
                config: Config::load(dir.path()).unwrap(),
                dir,
            };
            for (path, text) in files {
                site.write(path, text);
            }
            site
        }

        fn write(&self, path: &str, text: &str) {
            let p = self.dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }

        fn opts(&self) -> BuildOptions {
            BuildOptions {
                include_drafts: false,
                now: chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
                exclude: vec![],
            }
        }

        /// What a fresh build gives.
        fn fresh(&self) -> HashMap<String, Vec<u8>> {
            let (built, diags) = build(&self.config, &self.opts());
            assert!(!diags.has_errors(), "{diags:?}");
            built
                .output
                .unwrap()
                .files
                .into_iter()
                .map(|(k, v)| {
                    let bytes = match v {
                        Content::Bytes(b) => b,
                        Content::Copy(p) => std::fs::read(p).unwrap(),
                    };
                    (k, bytes)
                })
                .collect()
        }
    }

    #[track_caller]
    fn same_as_fresh(live: &LiveSite, site: &Site, what: &str) {
        let fresh = site.fresh();
        let mut served: Vec<&String> = live.files.keys().collect();
        served.sort();
        let mut built: Vec<&String> = fresh.keys().collect();
        built.sort();
        assert_eq!(served, built, "{what}: not the same files");
        for (path, bytes) in &fresh {
            assert!(
                live.files[path].as_slice() == bytes.as_slice(),
                "{what}: {path} differs from a fresh build:\n--- live\n{}\n--- fresh\n{}",
                String::from_utf8_lossy(&live.files[path]),
                String::from_utf8_lossy(bytes)
            );
        }
    }

    const S1: &str = "content/sessions/2026-03-06-a.md";
    const S2: &str = "content/sessions/2026-04-10-b.md";
    const DANA: &str = "content/members/dana.md";

    fn session(title: &str, date: &str, front: &str, body: &str) -> String {
        format!("---\ntitle: {title}\ndate: {date}\n{front}---\n{body}\n")
    }

    #[test]
    fn every_kind_of_edit_gives_what_a_fresh_build_gives() {
        let site = Site::new(&[
            (
                DANA,
                "---\nname: Dana Kim\ncommunities: [circle]\nexpertise: [budgets]\n---\nBio.\n",
            ),
            (
                "content/members/omar.md",
                "---\nname: Omar Haddad\n---\nOmar's bio.\n",
            ),
            (
                "content/communities/circle.md",
                "---\nname: Circle\nlead: [Dana Kim]\n---\nWe meet.\n",
            ),
            (
                S1,
                &session(
                    "First",
                    "2026-03-06",
                    "attendees: [Dana Kim]\ntags: [budgets]\ncommunity: circle\n",
                    "We talked about budgets. See [[Second]].",
                ),
            ),
            (
                S2,
                &session(
                    "Second",
                    "2026-04-10",
                    "attendees: [dana, omar]\ntags: [budgets, tools]\ncommunity: circle\n",
                    "- [ ] @omar write it up (due 2026-05-01)",
                ),
            ),
            (
                "content/pages/about.md",
                "# About\n\nAbout us, and [[First]].\n",
            ),
        ]);
        let (live, diags) = LiveSite::build(&site.config, site.opts());
        assert!(!diags.has_errors(), "{diags:?}");
        let mut live = live.unwrap();
        same_as_fresh(&live, &site, "first build");
        let total = render::jobs(live.site.as_ref().unwrap()).len();

        // (file, new text, whether only some pages should render)
        let edits: Vec<(&str, String, bool)> = vec![
            (S1, session("First", "2026-03-06", "attendees: [Dana Kim]\ntags: [budgets]\ncommunity: circle\n", "We talked about mailing lists. See [[Second]]."), true),
            (S1, session("First", "2026-03-06", "attendees: [Dana Kim, omar]\ntags: [budgets]\ncommunity: circle\n", "Omar came too. See [[Second]]."), true),
            (S1, session("First", "2026-03-06", "attendees: [omar]\ntags: [tools]\n", "Dana left; no community."), true),
            (S2, session("Second", "2026-04-10", "attendees: [dana, omar]\ntags: [budgets, tools]\ncommunity: circle\n", "- [x] @omar write it up\n- [ ] @dana book a room"), true),
            (DANA, "---\nname: Dana Kim\ncommunities: [circle]\nexpertise: [budgets]\n---\nA new bio.\n".into(), true),
            ("content/communities/circle.md", "---\nname: Circle\nlead: [omar]\n---\nWe meet monthly.\n".into(), true),
            ("content/pages/about.md", "# About\n\nAbout us, and [[Second]].\n".into(), true),
            // These move link targets: everything renders again.
            (DANA, "---\nname: Dana Kim\ncommunities: [circle]\nexpertise: [tools]\n---\nA new bio.\n".into(), false),
            (S1, session("First, renamed", "2026-03-06", "attendees: [omar]\ntags: [tools]\n", "Renamed."), false),
            (S1, session("First, renamed", "2026-05-01", "attendees: [omar]\ntags: [tools]\n", "Moved after the second."), false),
            (S2, session("Second", "2026-04-10", "attendees: [dana]\ntags: [a-new-topic]\n", "New topic."), false),
            ("content/sessions/2026-06-01-c.md", session("Third", "2026-06-01", "attendees: [dana]\n", "A new note."), false),
            (S2, session("Second", "2026-04-10", "draft: true\n", "Now a draft."), false),
        ];
        for (i, (path, text, partial)) in edits.iter().enumerate() {
            site.write(path, text);
            let (update, diags) = live.update(&[PathBuf::from(path)]);
            assert!(!diags.has_errors(), "edit {i}: {diags:?}");
            same_as_fresh(&live, &site, &format!("edit {i} of {path}"));
            if *partial {
                assert!(
                    update.rendered < total,
                    "edit {i}: rendered {} of {total} pages",
                    update.rendered
                );
            }
        }

        // A deleted note, a broken one (the last good site stays), a fix.
        std::fs::remove_file(site.dir.path().join("content/sessions/2026-06-01-c.md")).unwrap();
        live.update(&[PathBuf::from("content/sessions/2026-06-01-c.md")]);
        same_as_fresh(&live, &site, "deleted note");
        let before = live.files.clone();
        site.write(S1, "---\ntitle: [broken\n---\n");
        let (update, diags) = live.update(&[PathBuf::from(S1)]);
        assert!(diags.has_errors());
        assert!(update.changed.is_empty());
        assert_eq!(live.files, before, "a failed update changes nothing");
        // While it is broken, another note changes too; the fix shows both.
        site.write(
            S2,
            &session(
                "Second",
                "2026-04-10",
                "attendees: [dana]\n",
                "Edited meanwhile: zebra.",
            ),
        );
        let (_, diags) = live.update(&[PathBuf::from(S2)]);
        assert!(diags.has_errors());
        site.write(
            S1,
            &session("First", "2026-03-06", "attendees: [omar]\n", "Fixed."),
        );
        live.update(&[PathBuf::from(S1)]);
        same_as_fresh(&live, &site, "fixed note");
    }
}
