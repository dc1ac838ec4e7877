//! The site kept in memory between rebuilds, for `cairn serve`.
//!
//! After an edit to notes, only the files that changed are read again
//! ([`LoadCache`]), only the bodies whose text changed are rendered again
//! ([`BodyCache`]), and only the pages the change can show on are rendered
//! again ([`affected`]): the note's own page, the pages of the people,
//! topics, community and neighbouring sessions it names (before and after
//! the edit), the pages it links to, and the list pages, feeds and index.
//! When a change moves any link target (a title, slug, name or date
//! changes, a note comes or goes) every page is rendered again.
//!
//! Most edits change none of that, nor any relation between notes (who
//! attended, which topics, which community, who owns an action item):
//! those are patched into the linked site in place (`LiveSite::patch`),
//! without loading or linking the other notes, and only the pages that
//! show what changed are rendered; feeds ([`crate::feeds::Cache`]) and the
//! search index are patched too. The result is byte for byte what
//! `cairn build` writes; a test checks.

use crate::build::{BodyCache, BuildOptions, render_bodies};
use crate::config::{Config, Kind};
use crate::content::{self, Corpus, LoadCache, LoadOptions};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::{self, Body, Site, Target};
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
    /// Calendar events and `<lastmod>`s of the last update.
    feeds: crate::feeds::Cache,
    /// Diagnostics of loading, linking and rendering the notes of `site`
    /// (shown again after an edit that changes none of them).
    note_diags: Vec<Diagnostic>,
    /// Files that the link stage had something to say about: an edit of
    /// one links the site again, so that what it says stays true.
    link_diag_files: HashSet<PathBuf>,
    /// The owners of the action items of each session note that has any,
    /// as written: an edit that changes one links the site again.
    action_owners: HashMap<PathBuf, Vec<String>>,
    pub files: Files,
}

/// What an update did.
#[derive(Default)]
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
        let history = crate::build::history(config, &mut diags);
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
            feeds: Default::default(),
            note_diags: Vec::new(),
            link_diag_files: HashSet::new(),
            action_owners: HashMap::new(),
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
        let mut timer = crate::build::Timer::new();
        if !changed.is_empty()
            && let Some(done) = self.patch(changed, &mut timer)
        {
            return done;
        }
        let mut diags = Diagnostics::new();
        let load_opts = self.load_options();
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
        let mut note_diags: Vec<Diagnostic> = load_diags.into_vec();
        let action_owners: HashMap<PathBuf, Vec<String>> = corpus
            .sessions
            .iter()
            .filter(|s| !s.actions.is_empty())
            .map(|s| (s.doc.source.clone(), owners(&s.actions)))
            .collect();
        timer.lap("load");
        let (mut site, link_diags) = model::link(&self.config, corpus);
        let link_diags = link_diags.into_vec();
        let link_diag_files: HashSet<PathBuf> =
            link_diags.iter().filter_map(|d| d.file.clone()).collect();
        note_diags.extend(link_diags);
        timer.lap("link");
        note_diags.extend(
            render_bodies(&mut site, &self.config, Some(&mut self.bodies), None).into_vec(),
        );
        diags.extend(note_diags.iter().cloned());
        timer.lap("markdown");
        if diags.has_errors() {
            return (Update::default(), diags);
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
        // Lists apart, to know which pages are theirs (a list or a topic
        // may be several pages).
        let (lists, entities): (Vec<Job>, Vec<Job>) = jobs.iter().partition(|j| !is_entity(**j));
        let (list_paths, list_diags) = self.render_jobs(&site, &lists, &sink);
        let (entity_paths, render_diags) = self.render_jobs(&site, &entities, &sink);
        diags.extend(list_diags);
        diags.extend(render_diags);
        timer.lap("render");
        if diags.has_errors() {
            return (Update::default(), diags);
        }
        // Pages that are no longer there: those of notes that changed, list
        // pages not rendered again, and the pages a topic rendered again
        // no longer has.
        let full = jobs.len() == render::jobs(&site).len();
        let rendered: BTreeSet<String> = list_paths.iter().chain(&entity_paths).cloned().collect();
        let mut gone: BTreeSet<String> = if full {
            self.pages.clone()
        } else {
            let mut g = self.list_pages.clone();
            if let Some(old) = &self.site {
                g.extend(pages_of_sources(old, changed));
            }
            for j in &entities {
                if let Job::Topic(i) = *j {
                    let later = format!("{}page/", site.topics[i].url);
                    g.extend(self.pages.iter().filter(|p| p.starts_with(&later)).cloned());
                }
            }
            g
        };
        gone.retain(|p| !rendered.contains(p));
        self.pages.retain(|p| !gone.contains(p));
        self.pages.extend(rendered.iter().cloned());
        self.list_pages = list_paths.into_iter().collect();
        let pages: Vec<String> = self.pages.iter().cloned().collect();
        let derived = self.feeds.render(
            &site,
            &self.config,
            &pages,
            self.opts.now,
            (!changed.is_empty()).then_some(changed),
        );
        timer.lap("feeds");
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
        if self.site.is_none() || changed.is_empty() {
            diags.extend(render::copy_statics(&self.theme, &sink));
        }
        let out = sink.0.into_inner().unwrap_or_else(|e| e.into_inner());
        let changed_files = self.publish(gone, out.files, (derived, true), search.put);
        timer.lap("write");
        self.site = Some(site);
        self.pending.clear();
        self.good_links = Some(self.bodies.links());
        self.note_diags = note_diags;
        self.link_diag_files = link_diag_files;
        self.action_owners = action_owners;
        (
            Update {
                changed: changed_files,
                rendered: jobs.len(),
            },
            diags,
        )
    }

    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            include_drafts: self.opts.include_drafts,
            now: self.opts.now,
            exclude: self.opts.exclude.clone(),
            release_sessions: false,
        }
    }

    /// Puts the files of an update in place: removes `gone`, then writes
    /// pages, feeds and search files; returns the paths that changed.
    /// `derived` holds the feeds, and whether those are all of them (then
    /// feeds not among them are gone).
    fn publish(
        &mut self,
        mut gone: BTreeSet<String>,
        pages: impl IntoIterator<Item = (String, Content)>,
        (derived, whole): (Vec<(String, Vec<u8>)>, bool),
        search: Vec<(String, Vec<u8>)>,
    ) -> Vec<String> {
        if whole {
            let now: BTreeSet<String> = derived.iter().map(|(p, _)| p.clone()).collect();
            gone.extend(self.derived.difference(&now).cloned());
            self.derived = now;
        }
        let mut changed_files = Vec::new();
        for path in gone {
            if self.files.remove(&path).is_some() {
                changed_files.push(path);
            }
        }
        let files = pages.into_iter().chain(
            derived
                .into_iter()
                .chain(search)
                .map(|(p, b)| (p, Content::Bytes(b))),
        );
        for (path, content) in files {
            let bytes = content.into_bytes().unwrap_or_default();
            if self.files.get(&path).is_none_or(|old| **old != bytes) {
                self.files.insert(path.clone(), Arc::new(bytes));
                changed_files.push(path);
            }
        }
        changed_files
    }
}

/// A note edited without changing anything another note links by or
/// counts on: its new version, to put in place of the old one.
enum NewDoc {
    Session(Box<content::SessionDoc>),
    Member(Box<content::MemberDoc>),
    Community(Box<content::CommunityDoc>),
    Page(Box<content::PageDoc>),
}

/// One note of a patch, ready to put in place.
struct Edit {
    target: Target,
    doc: NewDoc,
    /// The new body and its diagnostics (`None` for a private profile,
    /// which has no page).
    body: Option<(Body, Vec<Diagnostic>)>,
    load_diags: Vec<Diagnostic>,
}

/// The owners of action items, as written.
fn owners(actions: &[crate::model::actions::RawAction]) -> Vec<String> {
    actions.iter().map(|a| a.owner.clone()).collect()
}

/// Whether a note's first heading repeats its title (and so is dropped
/// from the body), as the build decides it.
fn same_title(heading: &Option<String>, title: &str) -> bool {
    heading
        .as_deref()
        .is_some_and(|h| h.trim().to_lowercase() == title.trim().to_lowercase())
}

/// Reads a note as the loader does, or `None` for anything unusual (a
/// link, not a file, not UTF-8, NUL bytes): the full path reports those.
fn read_note(root: &Path, rel: &Path) -> Option<(String, Option<std::time::SystemTime>)> {
    let abs = root.join(rel);
    let meta = std::fs::symlink_metadata(&abs).ok()?;
    if !meta.file_type().is_file() {
        return None;
    }
    let modified = meta.modified().ok();
    let bytes = std::fs::read(&abs).ok()?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    (!text.contains('\0')).then_some((text, modified))
}

impl LiveSite {
    /// The fast way through an edit that changes no link target and no
    /// relation between notes (the common case: a note's body, or front
    /// matter only its own page shows): reads the changed notes alone,
    /// puts them in place in the linked site, renders their bodies and
    /// the pages that show what changed, and patches feeds and search.
    /// `None` when the edit needs the full way (nothing is changed then).
    /// Renders `jobs` of `site` into `sink` with this server's theme,
    /// clock and history.
    fn render_jobs(
        &self,
        site: &Site,
        jobs: &[Job],
        sink: &MemorySink,
    ) -> (Vec<String>, Vec<Diagnostic>) {
        let with = render::Pages {
            config: &self.config,
            theme: &self.theme,
            now: self.opts.now,
            history: &self.history,
            bodies: &crate::bodies::Held,
            others: None,
        };
        render::render_pages(site, &with, jobs, sink)
    }

    fn patch(
        &mut self,
        changed: &[PathBuf],
        timer: &mut crate::build::Timer,
    ) -> Option<(Update, Diagnostics)> {
        let site = self.site.as_ref()?;
        self.search.as_ref()?;
        self.good_links?;
        let load_opts = self.load_options();
        let mut edits: Vec<Edit> = Vec::new();
        for rel in changed {
            if self.link_diag_files.contains(rel) || !self.load.knows(rel) {
                return None;
            }
            let target = *site.by_source.get(rel)?;
            let kind = match target {
                Target::Session(_) => Kind::Session,
                Target::Person(_) => Kind::Member,
                Target::Community(_) => Kind::Community,
                Target::Page(_) => Kind::Page,
                Target::Topic(_) => return None,
            };
            let (text, modified) = read_note(&self.config.root, rel)?;
            let (corpus, load_diags) =
                content::load_note_text(&self.config, &load_opts, kind, rel, &text, modified);
            if load_diags.iter().any(Diagnostic::is_error) {
                return None;
            }
            let owners = self.action_owners.get(rel).map_or(&[][..], |o| &o[..]);
            let doc = same_links(site, target, corpus, owners)?;
            let body = new_body(site, &self.config, target, &doc);
            edits.push(Edit {
                target,
                doc,
                body,
                load_diags,
            });
        }
        timer.lap("load");
        // The notes are read again by the next full update too.
        for rel in changed {
            self.load.forget(rel);
        }
        let sources: HashSet<&PathBuf> = changed.iter().collect();
        let mut note_diags: Vec<Diagnostic> = self
            .note_diags
            .iter()
            .filter(|d| d.file.as_ref().is_none_or(|f| !sources.contains(f)))
            .cloned()
            .collect();
        for e in &edits {
            note_diags.extend(e.load_diags.iter().cloned());
            if let Some((_, ds)) = &e.body {
                note_diags.extend(ds.iter().cloned());
            }
        }
        let mut diags = Diagnostics::new();
        diags.extend(note_diags.iter().cloned());
        timer.lap("markdown");
        if diags.has_errors() {
            return Some((Update::default(), diags));
        }
        let site = self.site.as_mut()?;
        let mut wanted: BTreeSet<Job> = BTreeSet::new();
        for e in &edits {
            if let (NewDoc::Session(n), Target::Session(i)) = (&e.doc, e.target) {
                let source = &site.sessions[i].doc.source;
                if n.actions.is_empty() {
                    self.action_owners.remove(source);
                } else {
                    self.action_owners
                        .insert(source.clone(), owners(&n.actions));
                }
            }
        }
        for e in edits {
            put_in_place(site, e, &mut wanted);
        }
        let site = self.site.as_ref()?;
        let jobs: Vec<Job> = wanted.into_iter().collect();
        timer.lap("link");
        let sink = MemorySink(std::sync::Mutex::new(Default::default()));
        let (_, render_diags) = self.render_jobs(site, &jobs, &sink);
        diags.extend(render_diags);
        timer.lap("render");
        if diags.has_errors() {
            // A template failed on what the note gave it. The notes are in
            // place already: the next update takes the full way, and
            // renders every page.
            self.good_links = None;
            return Some((Update::default(), diags));
        }
        let now = self.opts.now;
        let (derived, whole) = match self
            .feeds
            .patch(site, &self.config, &self.pages, now, changed)
        {
            Some(files) => (files, false),
            None => {
                let pages: Vec<String> = self.pages.iter().cloned().collect();
                let files = self
                    .feeds
                    .render(site, &self.config, &pages, now, Some(changed));
                (files, true)
            }
        };
        timer.lap("feeds");
        let search = self
            .search
            .as_mut()?
            .update(site, self.config.timezone, changed);
        timer.lap("search");
        let out = sink.0.into_inner().unwrap_or_else(|e| e.into_inner());
        let changed_files = self.publish(
            search.remove.into_iter().collect(),
            out.files,
            (derived, whole),
            search.put,
        );
        timer.lap("write");
        self.pending.clear();
        self.note_diags = note_diags;
        Some((
            Update {
                changed: changed_files,
                rendered: jobs.len(),
            },
            diags,
        ))
    }
}

/// The loaded note of `corpus`, if it is still the note `target` of
/// `site` with every link target and relation the same: the same title,
/// name, slug, date, status, people, topics, community, aliases and
/// action owners. Anything else it may change.
fn same_links(site: &Site, target: Target, corpus: Corpus, owners: &[String]) -> Option<NewDoc> {
    let Corpus {
        mut sessions,
        mut members,
        mut communities,
        mut pages,
        drafts,
        broken,
    } = corpus;
    if !drafts.is_empty() || !broken.is_empty() {
        return None;
    }
    match target {
        Target::Session(i) => {
            let new = sessions.pop()?;
            let old = &site.sessions[i];
            let (a, b) = (&old.doc.meta, &new.doc.meta);
            let actions_same = owners.len() == new.actions.len()
                && owners
                    .iter()
                    .zip(&new.actions)
                    .all(|(x, y)| *x == y.owner && !matches!(y.due, Some(Err(_))));
            (new.title == old.title
                && new.when == old.when
                && new.status == old.status
                && new.doc.slug == old.doc.slug
                && a.community == b.community
                && a.facilitators == b.facilitators
                && a.attendees == b.attendees
                && a.tags == b.tags
                && actions_same)
                .then(|| NewDoc::Session(Box::new(new)))
        }
        Target::Person(i) => {
            let new = members.pop()?;
            let old = &site.people[i];
            let doc = old.profile.as_ref()?;
            let (a, b) = (&doc.meta, &new.doc.meta);
            (new.name == old.name
                && new.doc.slug == doc.slug
                && a.aka == b.aka
                && a.communities == b.communities
                && a.expertise == b.expertise
                && a.private == b.private)
                .then(|| NewDoc::Member(Box::new(new)))
        }
        Target::Community(i) => {
            let new = communities.pop()?;
            let old = &site.communities[i];
            let doc = old.doc.as_ref()?;
            (new.name == old.name && new.doc.slug == doc.slug && doc.meta.lead == new.doc.meta.lead)
                .then(|| NewDoc::Community(Box::new(new)))
        }
        Target::Page(i) => {
            let new = pages.pop()?;
            let old = &site.pages[i];
            (new.title == old.title && new.doc.slug == old.doc.slug)
                .then(|| NewDoc::Page(Box::new(new)))
        }
        Target::Topic(_) => None,
    }
}

/// The body of the new version of note `target`, rendered as the build
/// renders it (link targets are those of `site`, which the edit keeps).
fn new_body(
    site: &Site,
    config: &Config,
    target: Target,
    doc: &NewDoc,
) -> Option<(Body, Vec<Diagnostic>)> {
    // What the markdown stage needs of a note: its text, file, first body
    // line and first heading.
    fn parts<M>(d: &content::Doc<M>) -> (&str, &Path, usize, &Option<String>) {
        (&d.body, &d.source, d.body_line, &d.heading)
    }
    let ((d_body, source, body_line, heading), title, url): (_, &str, &str) = match (doc, target) {
        (NewDoc::Session(n), Target::Session(i)) => (
            parts(&n.doc),
            &site.sessions[i].title,
            &site.sessions[i].url,
        ),
        (NewDoc::Member(n), Target::Person(i)) => (
            parts(&n.doc),
            &site.people[i].name,
            site.people[i].url.as_deref()?,
        ),
        (NewDoc::Community(n), Target::Community(i)) => (
            parts(&n.doc),
            &site.communities[i].name,
            &site.communities[i].url,
        ),
        (NewDoc::Page(n), Target::Page(i)) => {
            (parts(&n.doc), &site.pages[i].title, &site.pages[i].url)
        }
        _ => return None,
    };
    let root = crate::slug::root_of(url);
    Some(crate::markdown::render(
        site,
        config.raw_html,
        &crate::markdown::Note {
            body: d_body,
            source,
            body_line,
            root: &root,
            strip_title: same_title(heading, title),
        },
    ))
}

/// The job of the page of `t`, if it has one.
fn job_of(site: &Site, t: Target) -> Option<Job> {
    Some(match t {
        Target::Session(i) => Job::Session(i),
        Target::Person(i) => {
            site.people[i].is_public().then_some(())?;
            Job::Person(i)
        }
        Target::Topic(i) => Job::Topic(i),
        Target::Community(i) => Job::Community(i),
        Target::Page(i) => Job::Page(i),
    })
}

/// Puts an edited note in place in `site`, and adds to `wanted` the pages
/// that show something that changed: the note's own page, the pages its
/// body links to or no longer links to (their backlinks), and the lists
/// and pages whose rows show what changed (a summary, an action item, a
/// member's role, a community's description).
fn put_in_place(site: &mut Site, edit: Edit, wanted: &mut BTreeSet<Job>) {
    let t = edit.target;
    wanted.extend(job_of(site, t));
    let text = |x: &Option<crate::content::fields::Text>| x.as_ref().map(|v| v.0.clone());
    match (edit.doc, t) {
        (NewDoc::Session(n), Target::Session(i)) => {
            let n = *n;
            let before = site.sessions[i].summary().to_string();
            let s = &mut site.sessions[i];
            s.doc = n.doc;
            s.end = n.end;
            if let Some((body, _)) = &edit.body {
                // The summary is read below, with the new body in place.
                s.body.first_paragraph = body.first_paragraph.clone();
            }
            if s.summary() != before {
                wanted.extend([Job::Home, Job::Sessions]);
                wanted.extend(s.community.map(Job::Community));
            }
            let ids = s.actions.clone();
            let mut moved = false;
            // Actions without an owner were left out by the link stage.
            let kept = n
                .actions
                .into_iter()
                .filter(|a| !a.owner.trim().trim_start_matches('@').is_empty());
            for (a, raw) in ids.iter().zip(kept) {
                let due = raw.due.and_then(Result::ok);
                let x = &mut site.actions[*a];
                if x.text != raw.text || x.due != due || x.done != raw.done {
                    moved = true;
                    x.text = raw.text.clone();
                    x.due = due;
                    x.done = raw.done;
                }
            }
            if moved {
                wanted.insert(Job::Actions);
                for &a in &ids {
                    let owner = site.actions[a].owner;
                    wanted.extend(job_of(site, Target::Person(owner)));
                }
            }
        }
        (NewDoc::Member(n), Target::Person(i)) => {
            let n = *n;
            let p = &mut site.people[i];
            if let Some(old) = &p.profile
                && (text(&old.meta.role) != text(&n.doc.meta.role)
                    || text(&old.meta.organization) != text(&n.doc.meta.organization))
            {
                wanted.insert(Job::Members);
            }
            p.profile = Some(n.doc);
        }
        (NewDoc::Community(n), Target::Community(i)) => {
            let n = *n;
            let c = &mut site.communities[i];
            if let Some(old) = &c.doc
                && (text(&old.meta.description) != text(&n.doc.meta.description)
                    || text(&old.meta.meets) != text(&n.doc.meta.meets))
            {
                wanted.extend([Job::Home, Job::Communities]);
            }
            c.doc = Some(n.doc);
        }
        (NewDoc::Page(n), Target::Page(i)) => site.pages[i].doc = n.doc,
        _ => {}
    }
    let Some((body, _)) = edit.body else {
        return;
    };
    let links =
        |b: &Body| -> BTreeSet<Target> { b.links.iter().copied().filter(|&x| x != t).collect() };
    let Some(slot) = site.body_mut(t) else {
        return;
    };
    let (old, new) = (links(slot), links(&body));
    *slot = body;
    for &to in old.symmetric_difference(&new) {
        let list = site.backlinks_mut(to);
        // Backlinks are kept sorted, as the build sorts them.
        match (list.binary_search(&t), new.contains(&to)) {
            (Err(at), true) => list.insert(at, t),
            (Ok(at), false) => {
                list.remove(at);
            }
            _ => {}
        }
        wanted.extend(job_of(site, to));
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
                .map(|(k, v)| (k, v.into_bytes().unwrap()))
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
    const FUTURE: &str = "content/sessions/2026-07-01-d.md";

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
            (
                FUTURE,
                &session(
                    "Fourth",
                    "2026-07-01",
                    "attendees: [omar]\ncommunity: circle\n",
                    "Plans.",
                ),
            ),
        ]);
        let (live, diags) = LiveSite::build(&site.config, site.opts());
        assert!(!diags.has_errors(), "{diags:?}");
        let mut live = live.unwrap();
        same_as_fresh(&live, &site, "first build");
        let total = render::jobs(live.site.as_ref().unwrap()).len();

        // (file, new text, at most how many pages should render: `None`
        // for all of them, `Some(total - 1)` for some)
        let some = Some(total - 1);
        let all = None;
        let edits: Vec<(&str, String, Option<usize>)> = vec![
            (S1, session("First", "2026-03-06", "attendees: [Dana Kim]\ntags: [budgets]\ncommunity: circle\n", "We talked about mailing lists. See [[Second]]."), some),
            (S1, session("First", "2026-03-06", "attendees: [Dana Kim, omar]\ntags: [budgets]\ncommunity: circle\n", "Omar came too. See [[Second]]."), some),
            (S1, session("First", "2026-03-06", "attendees: [omar]\ntags: [tools]\n", "Dana left; no community."), some),
            (S2, session("Second", "2026-04-10", "attendees: [dana, omar]\ntags: [budgets, tools]\ncommunity: circle\n", "- [x] @omar write it up\n- [ ] @dana book a room"), some),
            (DANA, "---\nname: Dana Kim\ncommunities: [circle]\nexpertise: [budgets]\n---\nA new bio.\n".into(), some),
            ("content/communities/circle.md", "---\nname: Circle\nlead: [omar]\n---\nWe meet monthly.\n".into(), some),
            ("content/pages/about.md", "# About\n\nAbout us, and [[Second]].\n".into(), some),
            // Edits that keep every link target and relation: the notes
            // are put in place, and only pages that show a change render.
            // A body that links to two more pages (their backlinks), and
            // so a new summary (home, the list of sessions).
            (S1, session("First", "2026-03-06", "attendees: [omar]\ntags: [tools]\n", "Dana left; no community. See [[About]] and [[Dana Kim]]."), Some(5)),
            // One link less, a summary (lists show it), a location and
            // an end (the calendar), a key of the theme's.
            (S1, session("First", "2026-03-06", "attendees: [omar]\ntags: [tools]\nsummary: A short summary.\nlocation: Room 4\nend: 2026-03-06T18:00\nmood: good\n", "See [[Dana Kim]]."), Some(4)),
            // The same body and summary in other words: its page alone.
            (S1, session("First", "2026-03-06", "attendees: [omar]\ntags: [tools]\nsummary: A short summary.\nlocation: Room 4\nend: 2026-03-06T18:00\nmood: good\n", "See [[Dana Kim]], again."), Some(1)),
            // Action items ticked and dated (/actions/, the owners' pages).
            (S2, session("Second", "2026-04-10", "attendees: [dana, omar]\ntags: [budgets, tools]\ncommunity: circle\n", "- [x] @omar write it up\n- [x] @dana book a room (due 2026-06-01)\n\nDone."), Some(7)),
            // A role (the directory), a bio that links.
            (DANA, "---\nname: Dana Kim\nrole: Treasurer\ncommunities: [circle]\nexpertise: [budgets]\n---\nA new bio, see [[First]].\n".into(), Some(3)),
            // A community's description and rhythm (home, the list).
            ("content/communities/circle.md", "---\nname: Circle\nlead: [omar]\ndescription: A circle.\nmeets: monthly\n---\nWe meet monthly.\n".into(), Some(3)),
            ("content/pages/about.md", "---\nsummary: Who we are.\n---\n# About\n\nAbout us, and [[Second]].\n".into(), Some(1)),
            // An upcoming session: its card on home and its community.
            (FUTURE, session("Fourth", "2026-07-01", "attendees: [omar]\ncommunity: circle\n", "New plans, with [[Circle]]."), Some(5)),
            // These move link targets: everything renders again.
            (DANA, "---\nname: Dana Kim\ncommunities: [circle]\nexpertise: [tools]\n---\nA new bio.\n".into(), all),
            (S1, session("First, renamed", "2026-03-06", "attendees: [omar]\ntags: [tools]\n", "Renamed."), all),
            (S1, session("First, renamed", "2026-05-01", "attendees: [omar]\ntags: [tools]\n", "Moved after the second."), all),
            (S2, session("Second", "2026-04-10", "attendees: [dana]\ntags: [a-new-topic]\n", "New topic."), all),
            ("content/sessions/2026-06-01-c.md", session("Third", "2026-06-01", "attendees: [dana]\n", "A new note."), all),
            (S2, session("Second", "2026-04-10", "draft: true\n", "Now a draft."), all),
            // A name close to a known one: the link stage warns, and an
            // edit of that note takes the full way to keep the warning true.
            (S1, session("First, renamed", "2026-05-01", "attendees: [Dana Kin]\n", "A guest."), all),
            (S1, session("First, renamed", "2026-05-01", "attendees: [Dana Kin]\n", "A guest, and more text."), some),
        ];
        for (i, (path, text, most)) in edits.iter().enumerate() {
            site.write(path, text);
            let (update, diags) = live.update(&[PathBuf::from(path)]);
            assert!(!diags.has_errors(), "edit {i}: {diags:?}");
            same_as_fresh(&live, &site, &format!("edit {i} of {path}"));
            if let Some(most) = most {
                assert!(
                    update.rendered <= *most,
                    "edit {i}: rendered {} pages, expected at most {most} of {total}",
                    update.rendered
                );
            }
        }
        let (_, diags) = live.update(&[PathBuf::from(S1)]);
        assert!(
            diags.iter().any(|d| d.code == "near-person"),
            "the warning is shown again: {diags:?}"
        );

        // A link to nothing in a body edit is an error that changes
        // nothing; two edits later (one of them fine), both show.
        let before = live.files.clone();
        site.write(
            FUTURE,
            &session(
                "Fourth",
                "2026-07-01",
                "attendees: [omar]\ncommunity: circle\n",
                "See [[Nobody at all]].",
            ),
        );
        let (update, diags) = live.update(&[PathBuf::from(FUTURE)]);
        assert!(diags.iter().any(|d| d.is_error()), "{diags:?}");
        assert!(update.changed.is_empty());
        assert_eq!(live.files, before, "a failed update changes nothing");
        site.write(
            "content/pages/about.md",
            "---\nsummary: Who we are.\n---\n# About\n\nAbout us, and [[Fourth]].\n",
        );
        let (_, diags) = live.update(&[PathBuf::from("content/pages/about.md")]);
        assert!(diags.has_errors());
        site.write(
            FUTURE,
            &session(
                "Fourth",
                "2026-07-01",
                "attendees: [omar]\ncommunity: circle\n",
                "Fixed, see [[About]].",
            ),
        );
        let (update, diags) = live.update(&[PathBuf::from(FUTURE)]);
        assert!(!diags.has_errors(), "{diags:?}");
        assert!(update.rendered < total);
        same_as_fresh(&live, &site, "a broken link fixed");

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

    #[test]
    fn a_topic_that_loses_a_page_loses_it_in_serve_too() {
        // 101 sessions about `review` (two pages) and one about `other`.
        let mut files: Vec<(String, String)> = (0..101)
            .map(|i| {
                let day = format!("2025-01-{:02}", i % 28 + 1);
                let path = format!("content/sessions/{day}-s{i}.md");
                (
                    path,
                    session(&format!("S {i}"), &day, "tags: [review]\n", "x"),
                )
            })
            .collect();
        files.push((
            "content/sessions/2024-12-01-o.md".into(),
            session("Other", "2024-12-01", "tags: [other]\n", "y"),
        ));
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (&a[..], &b[..])).collect();
        let site = Site::new(&refs);
        let (live, diags) = LiveSite::build(&site.config, site.opts());
        assert!(!diags.has_errors(), "{diags:?}");
        let mut live = live.unwrap();
        let second = "topics/review/page/2/index.html";
        assert!(live.files.contains_key(second));
        same_as_fresh(&live, &site, "first build");
        // One session moves to `other`: `review` fits on one page. No
        // topic is added or removed, so only some pages are made again.
        let p = "content/sessions/2025-01-01-s0.md";
        site.write(p, &session("S 0", "2025-01-01", "tags: [other]\n", "x"));
        let (u, diags) = live.update(&[PathBuf::from(p)]);
        assert!(!diags.has_errors(), "{diags:?}");
        assert!(u.rendered < render::jobs(live.site.as_ref().unwrap()).len());
        assert!(!live.files.contains_key(second));
        same_as_fresh(&live, &site, "a page fewer");
        // And back: the page comes back.
        site.write(p, &session("S 0", "2025-01-01", "tags: [review]\n", "x"));
        live.update(&[PathBuf::from(p)]);
        assert!(live.files.contains_key(second));
        same_as_fresh(&live, &site, "the page back");
    }
}
