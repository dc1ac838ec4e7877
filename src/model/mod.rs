//! LINK: turns the loaded documents into one site graph. Sessions know
//! their community, facilitators, attendees and topics; people know the
//! sessions they attended and led; every entity has its URL, and no two
//! claim the same one.

pub mod actions;
pub mod people;

use crate::config::{Config, PeopleMode};
use crate::content::dates::When;
use crate::content::meta::{CommunityMeta, MemberMeta, PageMeta, SessionMeta};
use crate::content::{Corpus, Doc, Status, keys_for};
use crate::diag::{Diagnostic, Diagnostics, closest};
use crate::slug::slugify_nonempty;
use chrono::{DateTime, FixedOffset};
use people::{Lookup, PeopleIndex};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;

/// A reference to any entity that has a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Session(usize),
    Person(usize),
    Community(usize),
    Page(usize),
    Topic(usize),
}

/// Markdown rendered to HTML, with what it links to.
#[derive(Debug, Default, Clone)]
pub struct Body {
    /// Shared: `cairn serve` keeps each body in its cache and in the site.
    pub html: std::sync::Arc<str>,
    /// Plain text of the first paragraph.
    pub first_paragraph: String,
    pub links: Vec<Target>,
    /// What rendering it asked of the site ([`crate::markdown::Asked`]).
    pub asked: crate::markdown::Asked,
}

pub struct Session {
    pub doc: Doc<SessionMeta>,
    pub title: String,
    pub url: String,
    pub when: When,
    pub end: Option<DateTime<FixedOffset>>,
    pub status: Status,
    pub community: Option<usize>,
    pub facilitators: Vec<usize>,
    pub attendees: Vec<usize>,
    pub topics: Vec<usize>,
    /// Indexes into [`Site::actions`].
    pub actions: Vec<usize>,
    pub body: Body,
    pub backlinks: Vec<Target>,
    /// Previous and next session of the same community (or of the site).
    pub prev: Option<usize>,
    pub next: Option<usize>,
}

impl Session {
    pub fn summary(&self) -> &str {
        self.summary_with(&self.body.first_paragraph)
    }

    /// Where it took place, as written.
    pub fn location(&self) -> Option<&str> {
        self.doc.meta.location.as_ref().map(|l| l.as_str())
    }

    /// The summary, given the body's first paragraph.
    pub fn summary_with<'a>(&'a self, first_paragraph: &'a str) -> &'a str {
        match &self.doc.meta.summary {
            Some(s) if !s.0.is_empty() => &s.0,
            _ => first_paragraph,
        }
    }

    /// Everyone who was there: facilitators, then attendees.
    pub fn everyone(&self) -> impl Iterator<Item = usize> + '_ {
        self.facilitators
            .iter()
            .chain(
                self.attendees
                    .iter()
                    .filter(|a| !self.facilitators.contains(a)),
            )
            .copied()
    }
}

pub struct Person {
    pub slug: String,
    pub name: String,
    /// `None` for private (or draft) people: shown by name, never linked.
    pub url: Option<String>,
    pub profile: Option<Doc<MemberMeta>>,
    pub body: Body,
    pub attended: Vec<usize>,
    pub facilitated: Vec<usize>,
    pub communities: Vec<usize>,
    pub topics: Vec<usize>,
    /// Action items this person owns, indexes into [`Site::actions`].
    pub actions: Vec<usize>,
    pub backlinks: Vec<Target>,
}

impl Person {
    pub fn is_public(&self) -> bool {
        self.url.is_some()
    }
}

pub struct Community {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub doc: Option<Doc<CommunityMeta>>,
    pub body: Body,
    pub leads: Vec<usize>,
    pub members: Vec<usize>,
    pub sessions: Vec<usize>,
    pub backlinks: Vec<Target>,
}

pub struct Page {
    pub doc: Doc<PageMeta>,
    pub title: String,
    pub url: String,
    pub body: Body,
    pub backlinks: Vec<Target>,
}

pub struct Topic {
    pub name: String,
    pub slug: String,
    pub url: String,
    pub sessions: Vec<usize>,
    /// People with this topic in their expertise.
    pub experts: Vec<usize>,
    pub backlinks: Vec<Target>,
}

/// An action item of a session note.
pub struct Action {
    pub session: usize,
    pub owner: usize,
    pub text: String,
    pub due: Option<chrono::NaiveDate>,
    pub done: bool,
}

/// The linked site.
pub struct Site {
    /// Sorted by date, then slug.
    pub sessions: Vec<Session>,
    pub people: Vec<Person>,
    pub communities: Vec<Community>,
    pub pages: Vec<Page>,
    pub topics: Vec<Topic>,
    /// Action items, in session order.
    pub actions: Vec<Action>,
    /// Lowercased slug, name or title -> entity, for `[[wikilinks]]`.
    pub link_index: HashMap<String, Target>,
    /// Source path -> entity, for relative `.md` links.
    pub by_source: HashMap<PathBuf, Target>,
    /// Keys of drafts, so a link to one says so.
    pub drafts: Vec<String>,
    /// Slugs of notes that failed to load.
    pub broken: Vec<String>,
}

/// URLs the site itself uses; a page may not take them.
const RESERVED: &[&str] = &[
    "sessions",
    "members",
    "topics",
    "communities",
    "actions",
    "search",
    "static",
    "feed.xml",
    "calendar.ics",
    "sitemap.xml",
    "robots.txt",
    "404.html",
];

struct UrlRegistry {
    owners: HashMap<String, PathBuf>,
}

impl UrlRegistry {
    fn claim(&mut self, url: &str, source: &std::path::Path, diags: &mut Diagnostics) -> bool {
        if let Some(first) = self.owners.get(url) {
            diags.push(
                Diagnostic::error(
                    "url-clash",
                    format!(
                        "`/{url}` is claimed by both {} and {}",
                        first.display(),
                        source.display()
                    ),
                )
                .in_file(source)
                .help("rename one of the files, or give one of them a different `slug:`"),
            );
            return false;
        }
        self.owners.insert(url.to_string(), source.to_path_buf());
        true
    }
}

struct Linker<'a> {
    config: &'a Config,
    diags: Diagnostics,
    people: Vec<Person>,
    index: PeopleIndex,
    drafts: Vec<String>,
    communities: Vec<Community>,
    community_keys: HashMap<String, usize>,
    topics: Vec<Topic>,
    topic_keys: HashMap<String, usize>,
    actions: Vec<Action>,
}

impl Linker<'_> {
    fn new_person(&mut self, slug: String, name: String, url: Option<String>) -> usize {
        self.people.push(Person {
            slug,
            name,
            url,
            profile: None,
            body: Body::default(),
            attended: vec![],
            facilitated: vec![],
            communities: vec![],
            topics: vec![],
            actions: vec![],
            backlinks: vec![],
        });
        self.people.len() - 1
    }

    /// Resolves people named under `field` in `doc`, creating pages for
    /// people without a profile (open mode) or reporting them (strict).
    /// The people `names` name, in order, once each; `known` holds those
    /// already found (see [`PeopleIndex::find`]), by position.
    fn people_of<M>(
        &mut self,
        doc: &Doc<M>,
        field: &str,
        names: &[String],
        known: &[Option<usize>],
    ) -> Vec<usize> {
        let mut ids = Vec::with_capacity(names.len());
        for (i, raw) in names.iter().enumerate() {
            let found = known.get(i).copied().flatten();
            let Some(id) = found.or_else(|| {
                let keys = keys_for(self.config, field);
                self.person(doc, field, raw, || doc.loc.value(&keys, raw))
            }) else {
                continue;
            };
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// Resolves one name, as [`Linker::people_of`] does; `span` says where
    /// the name is written, for diagnostics.
    fn person<M>(
        &mut self,
        doc: &Doc<M>,
        field: &str,
        raw: &str,
        span: impl FnOnce() -> Option<crate::diag::Span>,
    ) -> Option<usize> {
        {
            let name = raw.trim().trim_start_matches('@');
            if name.is_empty() {
                return None;
            }
            let id = match self.index.lookup(name) {
                Lookup::Found(id) => id,
                Lookup::Unknown { near } => {
                    let span = span();
                    let is_draft = self.drafts.contains(&name.to_lowercase());
                    let strict = self.config.people == PeopleMode::Strict;
                    if strict && !is_draft {
                        self.diags.push(
                            doc.error("unknown-person", format!("unknown person `{name}` in `{field}`"))
                                .at_opt(span)
                                .help(match &near {
                                    Some(n) => format!("did you mean `{n}`?"),
                                    None => format!(
                                        "add a profile in the members folder (e.g. {}.md), or set `people: open` in cairn.yaml",
                                        slugify_nonempty(name)
                                    ),
                                }),
                        );
                    } else if let Some(n) = &near {
                        self.diags.push(
                            doc.warning(
                                "near-person",
                                format!("`{name}` has no profile but is close to `{n}`"),
                            )
                            .at_opt(span)
                            .help(format!("did you mean `{n}`? If not, ignore this warning")),
                        );
                    }
                    let slug = slugify_nonempty(name);
                    let url = (!is_draft).then(|| format!("members/{slug}/"));
                    let id = self.new_person(slug.clone(), name.to_string(), url);
                    self.index.insert(name, id, true);
                    self.index.insert(&slug, id, false);
                    id
                }
            };
            Some(id)
        }
    }

    fn community_of<M>(&mut self, doc: &Doc<M>, raw: &str) -> usize {
        let k = raw.trim().to_lowercase();
        if let Some(&id) = self
            .community_keys
            .get(&k)
            .or_else(|| self.community_keys.get(&slugify_nonempty(&k)))
        {
            return id;
        }
        let known: Vec<&str> = self.communities.iter().map(|c| c.slug.as_str()).collect();
        if let Some(near) = closest(&k, known) {
            self.diags.push(
                doc.warning(
                    "near-community",
                    format!("community `{raw}` has no page but is close to `{near}`"),
                )
                .at_opt(doc.loc.value(&keys_for(self.config, "community"), raw))
                .help(format!("did you mean `{near}`?")),
            );
        }
        let slug = slugify_nonempty(raw);
        self.communities.push(Community {
            url: format!("communities/{slug}/"),
            slug: slug.clone(),
            name: raw.trim().to_string(),
            doc: None,
            body: Body::default(),
            leads: vec![],
            members: vec![],
            sessions: vec![],
            backlinks: vec![],
        });
        let id = self.communities.len() - 1;
        self.community_keys.insert(k, id);
        self.community_keys.insert(slug, id);
        id
    }

    fn topic(&mut self, tag: &str) -> usize {
        self.topic_with_slug(tag, slugify_nonempty(tag))
    }

    /// [`Linker::topic`], with the tag's slug worked out already.
    fn topic_with_slug(&mut self, tag: &str, slug: String) -> usize {
        if let Some(&id) = self.topic_keys.get(&slug) {
            return id;
        }
        self.topics.push(Topic {
            name: tag.trim().to_string(),
            url: format!("topics/{slug}/"),
            slug: slug.clone(),
            sessions: vec![],
            experts: vec![],
            backlinks: vec![],
        });
        self.topic_keys.insert(slug, self.topics.len() - 1);
        self.topics.len() - 1
    }
}

/// Links a corpus into a site.
pub fn link(config: &Config, corpus: Corpus) -> (Site, Diagnostics) {
    let Corpus {
        sessions,
        mut members,
        mut communities,
        mut pages,
        drafts,
        broken,
    } = corpus;
    let tz = config.timezone;
    // Each session's instant worked out once (a time zone's rules are
    // looked up for it), not at every comparison.
    let mut keyed: Vec<_> = sessions
        .into_par_iter()
        .map(|s| (s.when.instant(tz), s))
        .collect();
    keyed.par_sort_by(|(at, a), (bt, b)| {
        (at, &a.doc.slug, &a.doc.source).cmp(&(bt, &b.doc.slug, &b.doc.source))
    });
    let sessions: Vec<_> = keyed.into_iter().map(|(_, s)| s).collect();
    members.sort_by(|a, b| a.doc.source.cmp(&b.doc.source));
    communities.sort_by(|a, b| a.doc.source.cmp(&b.doc.source));
    pages.sort_by(|a, b| a.doc.source.cmp(&b.doc.source));

    let mut l = Linker {
        config,
        diags: Diagnostics::new(),
        people: vec![],
        index: PeopleIndex::default(),
        drafts,
        communities: vec![],
        community_keys: HashMap::new(),
        topics: vec![],
        topic_keys: HashMap::new(),
        actions: vec![],
    };
    let mut urls = UrlRegistry {
        owners: HashMap::new(),
    };
    for r in RESERVED {
        urls.owners
            .insert(format!("{r}/"), PathBuf::from("(cairn)"));
    }

    // Profiles first, so that names in notes resolve to them.
    for m in members {
        let private = m.doc.meta.private.0;
        let url = format!("members/{}/", m.doc.slug);
        if !private {
            urls.claim(&url, &m.doc.source, &mut l.diags);
        }
        let id = l.new_person(
            m.doc.slug.clone(),
            m.name.clone(),
            (!private).then_some(url),
        );
        let mut names = vec![m.doc.slug.clone(), m.name.clone()];
        names.extend(m.doc.meta.aka.0.iter().cloned());
        for n in &names {
            if let Some(other) = l.index.insert(n, id, true) {
                let other_src = l.people[other]
                    .profile
                    .as_ref()
                    .map_or_else(String::new, |d| d.source.display().to_string());
                l.diags.push(
                    m.doc
                        .error(
                            "name-clash",
                            format!("the name `{n}` also belongs to {other_src}"),
                        )
                        .at_opt(m.doc.loc.value(&["aka", "name", "slug"], n))
                        .help("a name or aka must point to one person; remove it from one profile"),
                );
            }
        }
        l.people[id].profile = Some(m.doc);
    }

    for c in communities {
        let url = format!("communities/{}/", c.doc.slug);
        urls.claim(&url, &c.doc.source, &mut l.diags);
        let id = l.communities.len();
        for k in [c.doc.slug.to_lowercase(), c.name.to_lowercase()] {
            l.community_keys.entry(k).or_insert(id);
        }
        l.communities.push(Community {
            slug: c.doc.slug.clone(),
            name: c.name,
            url,
            doc: Some(c.doc),
            body: Body::default(),
            leads: vec![],
            members: vec![],
            sessions: vec![],
            backlinks: vec![],
        });
    }
    for cid in 0..l.communities.len() {
        let Some(doc) = l.communities[cid].doc.take() else {
            continue;
        };
        let leads = l.people_of(&doc, "lead", &doc.meta.lead.0, &[]);
        l.communities[cid].leads = leads;
        l.communities[cid].doc = Some(doc);
    }

    // Profiles' communities and expertise.
    for pid in 0..l.people.len() {
        let Some(doc) = l.people[pid].profile.take() else {
            continue;
        };
        for c in &doc.meta.communities.0 {
            let cid = l.community_of(&doc, c);
            if !l.people[pid].communities.contains(&cid) {
                l.people[pid].communities.push(cid);
            }
        }
        // A private profile must not show up anywhere, not even as a topic.
        if l.people[pid].is_public() {
            for t in &doc.meta.expertise.0 {
                let tid = l.topic(t);
                l.topics[tid].experts.push(pid);
            }
        }
        l.people[pid].profile = Some(doc);
    }

    // The names of people already known resolve alike at any point of the
    // loop below (the index only gains names, and never changes one it
    // has), so they are looked up on all cores first; the rest, which may
    // make new people, in order. So are the tags' slugs and the URLs,
    // which need no order at all.
    struct Known {
        facilitators: Vec<Option<usize>>,
        attendees: Vec<Option<usize>>,
        owners: Vec<Option<usize>>,
        tag_slugs: Vec<String>,
        url: String,
    }
    let known: Vec<Known> = {
        let index = &l.index;
        let find = |names: &[String]| names.iter().map(|n| index.find(n)).collect();
        sessions
            .par_iter()
            .map(|s| Known {
                facilitators: find(&s.doc.meta.facilitators.0),
                attendees: find(&s.doc.meta.attendees.0),
                owners: s.actions.iter().map(|a| index.find(&a.owner)).collect(),
                tag_slugs: s
                    .doc
                    .meta
                    .tags
                    .0
                    .iter()
                    .map(|t| slugify_nonempty(t))
                    .collect(),
                url: format!("sessions/{}/", s.doc.slug),
            })
            .collect()
    };
    let mut linked = Vec::with_capacity(sessions.len());
    for (mut s, known) in sessions.into_iter().zip(known) {
        let Known {
            facilitators: known_facilitators,
            attendees: known_attendees,
            owners: known_owners,
            tag_slugs,
            url,
        } = known;
        urls.claim(&url, &s.doc.source, &mut l.diags);
        let community = s
            .doc
            .meta
            .community
            .as_ref()
            .filter(|c| !c.0.is_empty())
            .map(|c| l.community_of(&s.doc, &c.0));
        let facilitators = l.people_of(
            &s.doc,
            "facilitators",
            &s.doc.meta.facilitators.0,
            &known_facilitators,
        );
        let attendees = l.people_of(
            &s.doc,
            "attendees",
            &s.doc.meta.attendees.0,
            &known_attendees,
        );
        let sid = linked.len();
        let mut session_actions = Vec::new();
        for (raw, known_owner) in std::mem::take(&mut s.actions).into_iter().zip(known_owners) {
            let Some(owner) = known_owner
                .or_else(|| l.person(&s.doc, "action owner", &raw.owner, || Some(raw.span)))
            else {
                continue;
            };
            let due = match raw.due {
                Some(Ok(d)) => Some(d),
                Some(Err(bad)) => {
                    l.diags.push(
                        s.doc
                            .error(
                                "due-date",
                                format!("invalid due date `{bad}` in an action item"),
                            )
                            .at(raw.span)
                            .help("write it as (due YYYY-MM-DD), e.g. (due 2026-04-01)"),
                    );
                    None
                }
                None => None,
            };
            session_actions.push(l.actions.len());
            l.people[owner].actions.push(l.actions.len());
            l.actions.push(Action {
                session: sid,
                owner,
                text: raw.text,
                due,
                done: raw.done,
            });
        }
        let mut topics = Vec::new();
        for (t, slug) in s.doc.meta.tags.0.iter().zip(tag_slugs) {
            let tid = l.topic_with_slug(t, slug);
            if !topics.contains(&tid) {
                topics.push(tid);
            }
        }
        linked.push(Session {
            title: s.title,
            url,
            when: s.when,
            end: s.end,
            status: s.status,
            community,
            facilitators,
            attendees,
            topics,
            actions: session_actions,
            body: Body::default(),
            backlinks: vec![],
            prev: None,
            next: None,
            doc: s.doc,
        });
    }

    let mut page_list = Vec::with_capacity(pages.len());
    for p in pages.drain(..) {
        let url = format!("{}/", p.doc.slug);
        if RESERVED.contains(&p.doc.slug.as_str()) {
            l.diags.push(
                p.doc
                    .error(
                        "url-clash",
                        format!("page `{}` would replace cairn's own `/{url}`", p.doc.slug),
                    )
                    .help("rename the file or set another `slug:`"),
            );
        } else {
            urls.claim(&url, &p.doc.source, &mut l.diags);
        }
        page_list.push(Page {
            title: p.title,
            url,
            body: Body::default(),
            backlinks: vec![],
            doc: p.doc,
        });
    }

    // Back references: people -> sessions, communities -> sessions, topics.
    for (sid, s) in linked.iter().enumerate() {
        for &p in &s.facilitators {
            l.people[p].facilitated.push(sid);
        }
        for &p in &s.attendees {
            if !s.facilitators.contains(&p) {
                l.people[p].attended.push(sid);
            }
        }
        if let Some(c) = s.community {
            l.communities[c].sessions.push(sid);
        }
        for &t in &s.topics {
            l.topics[t].sessions.push(sid);
        }
    }
    // Generated people's URLs must not clash with anything either.
    for p in &l.people {
        if p.profile.is_none()
            && let Some(url) = &p.url
            && let Some(owner) = urls.owners.get(url)
        {
            l.diags.push(
                Diagnostic::error(
                    "url-clash",
                    format!(
                        "`{}` has no profile, and their page `/{url}` is already {}",
                        p.name,
                        owner.display()
                    ),
                )
                .help("add a profile for them, or name them the way their profile does"),
            );
        }
    }
    // Each person's topics of expertise, from the topics' lists in one pass
    // (asking every topic about every person grew with people × experts).
    let mut expert_in: Vec<Vec<usize>> = vec![Vec::new(); l.people.len()];
    for (tid, t) in l.topics.iter().enumerate() {
        for &pid in &t.experts {
            if let Some(e) = expert_in.get_mut(pid) {
                e.push(tid);
            }
        }
    }
    // Sessions per topic, counted in one array per worker for all the
    // people it takes (each person's topics noted as they are first seen,
    // and reset after).
    let topic_count = l.topics.len();
    l.people.par_iter_mut().zip(expert_in).for_each_init(
        || (vec![None; topic_count], Vec::new()),
        |(counts, seen): &mut (Vec<Option<usize>>, Vec<usize>), (p, expert_in)| {
            let mut count = |t: usize, by: usize| {
                let c = counts[t].get_or_insert_with(|| {
                    seen.push(t);
                    0
                });
                *c += by;
            };
            for &s in p.attended.iter().chain(&p.facilitated) {
                for &t in &linked[s].topics {
                    count(t, 1);
                }
            }
            for tid in expert_in {
                count(tid, 0);
            }
            let mut v: Vec<(usize, usize)> = seen
                .drain(..)
                .map(|t| (t, counts[t].take().unwrap_or(0)))
                .collect();
            v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            p.topics = v.into_iter().map(|(t, _)| t).collect();
            p.attended.sort_unstable();
            p.facilitated.sort_unstable();
        },
    );
    // Community members: profiles that list it, leads, and attendees, in
    // that order; each community on its own core.
    let people = &l.people;
    let members: Vec<Vec<usize>> = l
        .communities
        .par_iter()
        .enumerate()
        .map(|(cid, c)| {
            let mut members: Vec<usize> = Vec::new();
            let mut seen = vec![false; people.len()];
            let listed = people
                .iter()
                .enumerate()
                .filter(|(_, p)| p.communities.contains(&cid))
                .map(|(i, _)| i);
            let attended = c.sessions.iter().flat_map(|&sid| linked[sid].everyone());
            for pid in c.leads.iter().copied().chain(listed).chain(attended) {
                if !std::mem::replace(&mut seen[pid], true) {
                    members.push(pid);
                }
            }
            members
        })
        .collect();
    for (c, members) in l.communities.iter_mut().zip(members) {
        c.members = members;
    }
    l.people.par_iter_mut().for_each(|p| {
        for &s in p.attended.iter().chain(&p.facilitated) {
            if let Some(c) = linked[s].community
                && !p.communities.contains(&c)
            {
                p.communities.push(c);
            }
        }
    });
    // Previous / next within the community (or among sessions without one).
    let mut last: HashMap<Option<usize>, usize> = HashMap::new();
    for sid in 0..linked.len() {
        if linked[sid].status == Status::Cancelled {
            continue;
        }
        let key = linked[sid].community;
        if let Some(prev) = last.insert(key, sid) {
            linked[sid].prev = Some(prev);
            linked[prev].next = Some(sid);
        }
    }

    let (link_index, by_source) = rayon::join(
        || link_index(&page_list, &linked, &l.communities, &l.people, &l.topics),
        || {
            let mut by_source = HashMap::with_capacity(
                page_list.len() + l.communities.len() + l.people.len() + linked.len(),
            );
            let sources =
                page_list
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (&p.doc.source, Target::Page(i)))
                    .chain(l.communities.iter().enumerate().filter_map(|(i, c)| {
                        c.doc.as_ref().map(|d| (&d.source, Target::Community(i)))
                    }))
                    .chain(l.people.iter().enumerate().filter_map(|(i, p)| {
                        p.profile.as_ref().map(|d| (&d.source, Target::Person(i)))
                    }))
                    .chain(
                        linked
                            .iter()
                            .enumerate()
                            .map(|(i, s)| (&s.doc.source, Target::Session(i))),
                    );
            for (source, t) in sources {
                by_source.insert(source.clone(), t);
            }
            by_source
        },
    );

    let site = Site {
        sessions: linked,
        people: l.people,
        communities: l.communities,
        pages: page_list,
        topics: l.topics,
        actions: l.actions,
        link_index,
        by_source,
        drafts: l.drafts,
        broken,
    };
    (site, l.diags)
}

/// What `[[wikilinks]]` resolve: every title, name, aka and slug,
/// lowercased, to its note. Lowest priority first, later keys win: pages'
/// titles, sessions' titles, communities' and people's names and akas,
/// then slugs, a topic's the weakest. The keys are made on all cores, the
/// map filled in that order.
fn link_index(
    pages: &[Page],
    sessions: &[Session],
    communities: &[Community],
    people: &[Person],
    topics: &[Topic],
) -> HashMap<String, Target> {
    type Keys = Vec<(String, Target)>;
    fn keyed<T: Sync>(items: &[T], f: impl Fn(usize, &T, &mut Keys) + Sync) -> Keys {
        items
            .par_iter()
            .enumerate()
            .fold(Vec::new, |mut v, (i, x)| {
                f(i, x, &mut v);
                v
            })
            .reduce(Vec::new, |mut a, mut b| {
                a.append(&mut b);
                a
            })
    }
    let groups: [Keys; 9] = [
        keyed(pages, |i, p, v| {
            v.push((p.title.to_lowercase(), Target::Page(i)))
        }),
        keyed(sessions, |i, s, v| {
            v.push((s.title.to_lowercase(), Target::Session(i)))
        }),
        keyed(communities, |i, c, v| {
            v.push((c.name.to_lowercase(), Target::Community(i)))
        }),
        keyed(people, |i, p, v| {
            v.push((p.name.to_lowercase(), Target::Person(i)));
            if let Some(doc) = &p.profile {
                for a in &doc.meta.aka.0 {
                    v.push((a.to_lowercase(), Target::Person(i)));
                }
            }
        }),
        keyed(topics, |i, t, v| v.push((t.slug.clone(), Target::Topic(i)))),
        keyed(pages, |i, p, v| {
            v.push((p.doc.slug.to_lowercase(), Target::Page(i)))
        }),
        keyed(communities, |i, c, v| {
            v.push((c.slug.to_lowercase(), Target::Community(i)))
        }),
        keyed(people, |i, p, v| {
            v.push((p.slug.to_lowercase(), Target::Person(i)))
        }),
        keyed(sessions, |i, s, v| {
            v.push((s.doc.slug.to_lowercase(), Target::Session(i)))
        }),
    ];
    let mut index = HashMap::with_capacity(groups.iter().map(Vec::len).sum());
    for (k, t) in groups.into_iter().flatten() {
        index.insert(k, t);
    }
    index
}

impl Site {
    /// The rendered body of `t`; `None` for a topic, which has none.
    pub fn body_mut(&mut self, t: Target) -> Option<&mut Body> {
        Some(match t {
            Target::Session(i) => &mut self.sessions[i].body,
            Target::Person(i) => &mut self.people[i].body,
            Target::Community(i) => &mut self.communities[i].body,
            Target::Page(i) => &mut self.pages[i].body,
            Target::Topic(_) => return None,
        })
    }

    /// The pages that link to `t`'s page.
    pub fn backlinks_mut(&mut self, t: Target) -> &mut Vec<Target> {
        match t {
            Target::Session(i) => &mut self.sessions[i].backlinks,
            Target::Person(i) => &mut self.people[i].backlinks,
            Target::Community(i) => &mut self.communities[i].backlinks,
            Target::Page(i) => &mut self.pages[i].backlinks,
            Target::Topic(i) => &mut self.topics[i].backlinks,
        }
    }

    /// URL (relative to the root) and title of a target; `None` for people
    /// who must not be linked.
    pub fn target(&self, t: Target) -> (Option<&str>, &str) {
        match t {
            Target::Session(i) => (Some(&self.sessions[i].url), &self.sessions[i].title),
            Target::Person(i) => (self.people[i].url.as_deref(), &self.people[i].name),
            Target::Community(i) => (Some(&self.communities[i].url), &self.communities[i].name),
            Target::Page(i) => (Some(&self.pages[i].url), &self.pages[i].title),
            Target::Topic(i) => (Some(&self.topics[i].url), &self.topics[i].name),
        }
    }

    /// Resolves the target of a `[[wikilink]]`.
    pub fn resolve(&self, name: &str) -> Option<Target> {
        crate::slug::find_by_name(&self.link_index, name)
    }

    /// The closest known link target, for "did you mean".
    pub fn near_target(&self, name: &str) -> Option<&str> {
        closest(name, self.link_index.keys().map(String::as_str))
    }

    /// Whether `name` is the slug of a note that failed to load.
    pub fn is_broken(&self, name: &str) -> bool {
        self.broken.contains(&slugify_nonempty(name.trim()))
    }

    pub fn is_draft(&self, name: &str) -> bool {
        let k = name.trim().to_lowercase();
        self.drafts.contains(&k) || self.drafts.contains(&slugify_nonempty(&k))
    }
}
