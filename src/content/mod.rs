//! LOAD: walks the content folders and turns every markdown file into a
//! typed document, collecting every problem on the way.
//!
//! Nothing here knows about other notes: people, communities and links are
//! still plain text. The link stage ([`crate::model`]) connects them.

pub mod dates;
pub mod fields;
pub mod frontmatter;
pub mod kept;
pub mod meta;
pub mod simple_yaml;

use crate::config::{Config, Kind};
use crate::diag::{Diagnostic, Diagnostics, Span, closest};
use crate::slug::{is_safe_slug, slugify, slugify_nonempty};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use dates::{When, parse_duration, parse_when};
use fields::{Locator, Text};
use meta::*;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The name of the file that marks a folder as cairn's output.
pub const OUTPUT_MARKER: &str = ".cairn-output";

/// What every kind of document has.
#[derive(Clone, Debug)]
pub struct Doc<M> {
    /// Path relative to the site root, `/`-separated.
    pub source: PathBuf,
    pub slug: String,
    pub meta: M,
    /// Front matter keys cairn does not know, for templates.
    pub extra: BTreeMap<String, serde_json::Value>,
    /// Shared: `cairn serve` keeps notes between rebuilds and clones them.
    pub body: std::sync::Arc<str>,
    /// 1-based file line of the body's first line.
    pub body_line: usize,
    /// Text of the first `# ` heading, used when there is no `title`.
    pub heading: Option<String>,
    pub loc: Locator,
    /// The file's modification time as it was read (`None` when the note
    /// was not read from a file): the sitemap's `<lastmod>`.
    pub modified: Option<std::time::SystemTime>,
    /// Set when the body was let go once loaded ([`LoadOptions`]); `body`
    /// is then empty.
    pub released: Option<Box<Released>>,
}

/// What a build keeps of a session whose text it let go as soon as it was
/// loaded: the text is read again when the session's page is written
/// ([`crate::bodies`]).
#[derive(Clone, Debug)]
pub struct Released {
    /// [`crate::bodies::print`] of the body.
    pub print: u128,
    /// What the body links to, for backlinks before it is rendered.
    pub links: crate::markdown::RawLinks,
}

impl<M> Doc<M> {
    /// Title from front matter, else the first heading, else the file name.
    fn title_from(&self, fm: Option<&Text>) -> String {
        fm.map(|t| t.0.clone())
            .filter(|t| !t.is_empty())
            .or_else(|| self.heading.clone())
            .unwrap_or_else(|| title_from_file_name(&self.source))
    }

    pub fn error(&self, code: &'static str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, msg).in_file(&self.source)
    }

    pub fn warning(&self, code: &'static str, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(code, msg).in_file(&self.source)
    }
}

/// Planned, held or cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Planned,
    Held,
    Cancelled,
}

#[derive(Clone, Debug)]
pub struct SessionDoc {
    pub doc: Doc<SessionMeta>,
    pub title: String,
    pub when: When,
    pub end: Option<DateTime<FixedOffset>>,
    pub status: Status,
    /// The note's action items, found when it is loaded (in parallel, and
    /// cached by `cairn serve` with the note).
    pub actions: Vec<crate::model::actions::RawAction>,
}

#[derive(Clone, Debug)]
pub struct MemberDoc {
    pub doc: Doc<MemberMeta>,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct CommunityDoc {
    pub doc: Doc<CommunityMeta>,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct PageDoc {
    pub doc: Doc<PageMeta>,
    pub title: String,
}

/// Everything loaded from disk, drafts already set aside.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    pub sessions: Vec<SessionDoc>,
    pub members: Vec<MemberDoc>,
    pub communities: Vec<CommunityDoc>,
    pub pages: Vec<PageDoc>,
    /// Slugs and names of drafts left out, so a link to one can say so.
    pub drafts: Vec<String>,
    /// Slugs of notes that failed to load: links to them are not reported
    /// again (the note's own error says what to fix).
    pub broken: Vec<String>,
}

impl Corpus {
    /// A loaded note, with the others of its kind.
    fn add(&mut self, loaded: Loaded) {
        match loaded {
            Loaded::Session(s) => self.sessions.push(s),
            Loaded::Member(m) => self.members.push(m),
            Loaded::Community(c) => self.communities.push(c),
            Loaded::Page(p) => self.pages.push(p),
            Loaded::Draft(names) => self.drafts.extend(names),
        }
    }
}

/// Options of one load.
pub struct LoadOptions {
    pub include_drafts: bool,
    /// "Now", for planned versus held (SOURCE_DATE_EPOCH when set).
    pub now: DateTime<Utc>,
    /// Absolute folders never to read (the output and its staging folders).
    pub exclude: Vec<PathBuf>,
    /// Let each session's text go once it is loaded (`cairn build`: see
    /// [`crate::bodies`]).
    pub release_sessions: bool,
}

#[derive(Clone)]
enum Loaded {
    Session(SessionDoc),
    Member(MemberDoc),
    Community(CommunityDoc),
    Page(PageDoc),
    Draft(Vec<String>),
}

impl Loaded {
    /// With the modification time the file had when it was read.
    fn stamped(mut self, t: Option<std::time::SystemTime>) -> Loaded {
        match &mut self {
            Loaded::Session(s) => s.doc.modified = t,
            Loaded::Member(m) => m.doc.modified = t,
            Loaded::Community(c) => c.doc.modified = t,
            Loaded::Page(p) => p.doc.modified = t,
            Loaded::Draft(_) => {}
        }
        self
    }
}

/// Walks the content folders and loads every note in parallel.
pub fn load(config: &Config, opts: &LoadOptions) -> (Corpus, Diagnostics) {
    load_with(config, opts, None, None)
}

/// Where a build takes unchanged notes from, and records the notes it
/// loads for the next build ([`kept`]).
pub struct Keeping<'a> {
    pub kept: Option<&'a kept::Kept>,
    pub writer: &'a kept::Writer,
}

/// [`load`] for a streamed build (`opts.release_sessions`), taking the
/// session notes whose files did not change from `keeping.kept` and
/// recording every session note loaded without a diagnostic.
pub fn load_keeping(
    config: &Config,
    opts: &LoadOptions,
    keeping: &Keeping<'_>,
) -> (Corpus, Diagnostics) {
    load_with(config, opts, None, Some(keeping))
}

/// Notes loaded by an earlier [`load_cached`], kept between rebuilds
/// (`cairn serve`): a note is read and parsed again only when its file's
/// size or modification time changed.
#[derive(Default)]
pub struct LoadCache {
    files: HashMap<PathBuf, Cached>,
    /// The notes found by the last walk, and its diagnostics.
    found: Option<Found>,
}

type Found = (Vec<(Kind, PathBuf)>, Vec<Diagnostic>);

impl LoadCache {
    /// Makes the next load read `rel` again, whatever its time stamp says
    /// (two saves within the file system's clock tick look the same).
    pub fn forget(&mut self, rel: &Path) {
        self.files.remove(rel);
    }

    /// Makes the next load walk the folders again (notes came or went).
    pub fn rediscover(&mut self) {
        self.found = None;
    }

    /// Whether `rel` was among the notes of the last walk.
    pub fn knows(&self, rel: &Path) -> bool {
        self.found
            .as_ref()
            .is_some_and(|(files, _)| files.iter().any(|(_, f)| f == rel))
    }
}

struct Cached {
    stamp: (std::time::SystemTime, u64),
    loaded: Option<Loaded>,
    diags: Vec<Diagnostic>,
}

/// What identifies a version of a file cheaply: modification time and size.
fn stamp(config: &Config, rel: &Path) -> Option<(std::time::SystemTime, u64)> {
    let meta = std::fs::metadata(config.root.join(rel)).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// [`load`], reusing the notes of `cache` whose files did not change, and
/// leaving in it the notes loaded now.
pub fn load_cached(
    config: &Config,
    opts: &LoadOptions,
    cache: &mut LoadCache,
) -> (Corpus, Diagnostics) {
    load_with(config, opts, Some(cache), None)
}

/// [`load`], with or without a cache (a build keeps no copy of its notes),
/// and with or without the notes of the previous build.
fn load_with(
    config: &Config,
    opts: &LoadOptions,
    mut cache: Option<&mut LoadCache>,
    keeping: Option<&Keeping<'_>>,
) -> (Corpus, Diagnostics) {
    let mut diags = Diagnostics::new();
    let caching = cache.is_some();
    let found = cache.as_mut().and_then(|c| c.found.take());
    let (files, walk_diags) = found.unwrap_or_else(|| {
        let mut ds = Diagnostics::new();
        let files = discover(config, opts, &mut ds);
        (files, ds.into_iter().collect())
    });
    diags.extend(walk_diags.iter().cloned());
    let old = cache
        .as_mut()
        .map(|c| std::mem::take(&mut c.files))
        .unwrap_or_default();
    // (file, its note, its diagnostics, what to cache if it was read now)
    type Result1 = (PathBuf, Option<Loaded>, Vec<Diagnostic>, Option<Cached>);
    let results: Vec<Result1> = files
        .par_iter()
        .map(|(kind, rel)| {
            // A build keeps no cache: the time comes from reading the file.
            let now = if caching { stamp(config, rel) } else { None };
            if let (Some(now), Some(c)) = (now, old.get(rel))
                && c.stamp == now
            {
                return (rel.clone(), c.loaded.clone(), c.diags.clone(), None);
            }
            // A session note of the previous build, if its file is as it
            // was then; its stamp is taken before it is read.
            let keeping = keeping.filter(|_| *kind == Kind::Session);
            let abs = keeping.map(|_| config.root.join(rel));
            let kept_stamp = abs
                .as_ref()
                .and_then(|abs| kept::Stamp::of(&std::fs::symlink_metadata(abs).ok()?));
            if let (Some(k), Some(stamp), Some(abs)) = (keeping, kept_stamp, &abs)
                && let Some((s, raw)) = k
                    .kept
                    .and_then(|kept| kept.session(rel, stamp, abs, opts, config.timezone))
            {
                k.writer.took(rel, stamp, raw);
                let loaded = Loaded::Session(s).stamped(stamp.modified());
                return (rel.clone(), Some(loaded), Vec::new(), None);
            }
            let (loaded, modified, ds) = match read_text_stamped(config, rel) {
                Ok((text, modified)) => {
                    let (loaded, ds) = load_text(config, opts, *kind, rel, &text);
                    (loaded, modified, ds)
                }
                Err(d) => (None, None, vec![d]),
            };
            if let (Some(k), Some(stamp), Some(Loaded::Session(s)), true) =
                (keeping, kept_stamp, &loaded, ds.is_empty())
                && let Some(entry) = kept::encode(s)
            {
                k.writer.add(rel, stamp, &entry);
            }
            let modified = now.map(|(t, _)| t).or(modified);
            let loaded = loaded.map(|l| l.stamped(modified));
            let keep = now.filter(|_| caching).map(|stamp| Cached {
                stamp,
                loaded: loaded.clone(),
                diags: ds.clone(),
            });
            (rel.clone(), loaded, ds, keep)
        })
        .collect();
    let mut old = old;
    let mut corpus = Corpus::default();
    for (rel, loaded, ds, fresh) in results {
        if let Some(cache) = cache.as_mut() {
            match fresh {
                Some(c) => {
                    cache.files.insert(rel.clone(), c);
                }
                None => {
                    if let Some(c) = old.remove(&rel) {
                        cache.files.insert(rel.clone(), c);
                    }
                }
            }
        }
        if loaded.is_none()
            && let Some(stem) = rel.file_stem()
        {
            corpus
                .broken
                .push(slugify_nonempty(&stem.to_string_lossy()));
        }
        diags.extend(ds);
        if let Some(l) = loaded {
            corpus.add(l);
        }
    }
    if let Some(cache) = cache {
        cache.found = Some((files, walk_diags));
    }
    (corpus, diags)
}

/// Lists the markdown files of every content folder with their kind. A
/// file under several folders belongs to the deepest one.
fn discover(config: &Config, opts: &LoadOptions, diags: &mut Diagnostics) -> Vec<(Kind, PathBuf)> {
    let root = &config.root;
    let folders = &config.paths.folders;
    let mut out = Vec::new();
    for (kind, folder) in folders {
        // A folder inside another configured folder is walked by the outer one.
        if folders
            .iter()
            .any(|(_, other)| other != folder && folder.starts_with(other))
        {
            continue;
        }
        if folders[..]
            .iter()
            .position(|(_, f)| f == folder)
            .is_some_and(|first| folders[first].0 != *kind)
        {
            continue;
        }
        let abs = root.join(folder);
        if !abs.is_dir() {
            if config.paths.explicit.contains(kind) {
                diags.push(
                    Diagnostic::warning(
                        "missing-folder",
                        format!(
                            "the {} folder `{}` does not exist",
                            kind.folder_key(),
                            folder.display()
                        ),
                    )
                    .in_file(crate::config::CONFIG_FILE)
                    .help(format!(
                        "create it, or fix `paths.{}` in cairn.yaml",
                        kind.folder_key()
                    )),
                );
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(&abs)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                let name = e.file_name().to_string_lossy();
                if name.starts_with('.') || name.starts_with('_') && e.file_type().is_dir() {
                    return false;
                }
                if e.file_type().is_dir() {
                    let p = e.path();
                    if opts.exclude.iter().any(|x| x == p) || p.join(OUTPUT_MARKER).exists() {
                        return false;
                    }
                    if ["templates", "static", "themes", "node_modules"].contains(&name.as_ref())
                        && p.parent() == Some(root.as_path())
                    {
                        return false;
                    }
                }
                true
            });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().map(|p| rel_to(root, p));
                    let mut d = Diagnostic::error("walk", format!("cannot read folder: {e}"));
                    d.file = path;
                    diags.push(d);
                    continue;
                }
            };
            let path = entry.path();
            let is_md = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown")
            });
            if entry.file_type().is_dir() || !is_md {
                continue;
            }
            let rel = rel_to(root, path);
            if config.paths.ignore.is_match(&rel) {
                continue;
            }
            let kind = folders
                .iter()
                .filter(|(_, f)| rel.starts_with(f))
                .max_by_key(|(_, f)| f.components().count())
                .map_or(*kind, |(k, _)| *k);
            out.push((kind, rel));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn rel_to(root: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(root).unwrap_or(p).to_path_buf()
}

/// Reads a file as UTF-8 text, or says precisely why it is not text.
fn read_text(config: &Config, rel: &Path) -> Result<String, Diagnostic> {
    read_text_stamped(config, rel).map(|(text, _)| text)
}

/// [`read_text`], with the file's modification time.
fn read_text_stamped(
    config: &Config,
    rel: &Path,
) -> Result<(String, Option<std::time::SystemTime>), Diagnostic> {
    let abs = config.root.join(rel);
    let err = |code, msg: String| Diagnostic::error(code, msg).in_file(rel);
    let mut meta = std::fs::symlink_metadata(&abs)
        .map_err(|e| err("read", format!("cannot read this file: {e}")))?;
    if meta.file_type().is_symlink() {
        let target = std::fs::canonicalize(&abs)
            .map_err(|e| err("read", format!("broken symbolic link: {e}")))?;
        let root = std::fs::canonicalize(&config.root).unwrap_or_else(|_| config.root.clone());
        if !target.starts_with(&root) {
            return Err(err(
                "outside-site",
                format!(
                    "symbolic link points outside the site, to {}",
                    target.display()
                ),
            )
            .help("cairn reads only files inside the site folder; copy the note in instead"));
        }
        meta = std::fs::metadata(&abs)
            .map_err(|e| err("read", format!("cannot read this file: {e}")))?;
    }
    if !meta.is_file() {
        return Err(err(
            "read",
            "not a regular file (a pipe or device?); skip it with `paths.ignore`".into(),
        ));
    }
    let bytes = read_all(&abs, meta.len())
        .map_err(|e| err("read", format!("cannot read this file: {e}")))?;
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(err("encoding", "this file is UTF-16, not UTF-8".into())
            .help("save it as UTF-8 in your editor"));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        let col = String::from_utf8_lossy(&bytes[..at])
            .rsplit('\n')
            .next()
            .map_or(0, |l| l.chars().count())
            + 1;
        err(
            "encoding",
            format!("this file is not valid UTF-8 (byte {at})"),
        )
        .at(Span::new(line, col, 0))
        .help("save it as UTF-8 in your editor")
    })?;
    // One quick look for both NUL and CR, which nearly no note has.
    let nul_or_cr = memchr::memchr2(b'\0', b'\r', text.as_bytes()).is_some();
    if nul_or_cr && let Some(pos) = memchr::memchr(b'\0', text.as_bytes()) {
        let line = text[..pos].matches('\n').count() + 1;
        return Err(err(
            "encoding",
            "this file contains NUL bytes; it does not look like a text note".into(),
        )
        .at(Span::new(line, 0, 0))
        .help("remove it, or skip it with `paths.ignore` in cairn.yaml"));
    }
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let text = if nul_or_cr && text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    Ok((text, meta.modified().ok()))
}

/// The bytes of the file at `abs`, whose size was `len` a moment ago: one
/// `open`, a buffer of that size and one byte more read into until the
/// end (a file that grew meanwhile is read whole all the same), and a size
/// too big for memory an error, not an abort. `read_to_end` would ask the
/// file's size and position again first: two system calls more a note.
fn read_all(abs: &Path, len: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let out_of_memory = || std::io::Error::from(std::io::ErrorKind::OutOfMemory);
    let mut file = std::fs::File::open(abs)?;
    let mut bytes = Vec::new();
    let grow = |bytes: &mut Vec<u8>, by: usize| {
        bytes.try_reserve_exact(by).map_err(|_| out_of_memory())?;
        bytes.resize(bytes.len() + by, 0);
        Ok::<_, std::io::Error>(())
    };
    let first = usize::try_from(len)
        .ok()
        .and_then(|n| n.checked_add(1))
        .ok_or_else(out_of_memory)?;
    grow(&mut bytes, first)?;
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            grow(&mut bytes, filled.max(8192))?;
        }
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

/// The front matter of the note at `file` (absolute) read again, as
/// [`load`] read it; `None` when it cannot be read. A streamed build lets
/// each note's go once loaded, and a diagnostic may need it later.
pub(crate) fn reread_yaml(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let text = text.replace("\r\n", "\n");
    frontmatter::split(&text).ok()?.yaml.map(str::to_string)
}

/// The body of note `rel` read again from its file, exactly as [`load`]
/// read it (BOM removed, `\n` line ends, front matter split off).
pub(crate) fn read_body(config: &Config, rel: &Path) -> Result<String, Diagnostic> {
    let mut text = read_text(config, rel)?;
    let start = match frontmatter::split(&text) {
        Ok(split) => text.len() - split.body.len(),
        Err(frontmatter::Unterminated) => {
            return Err(Diagnostic::error(
                "frontmatter",
                "front matter opened on line 1 is never closed",
            )
            .in_file(rel));
        }
    };
    text.drain(..start);
    Ok(text)
}

fn known_keys(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Session => SESSION_KEYS,
        Kind::Member => MEMBER_KEYS,
        Kind::Community => COMMUNITY_KEYS,
        Kind::Page => PAGE_KEYS,
    }
}

/// The keys in a note that feed `canonical`: itself and its aliases.
pub fn keys_for<'a>(config: &'a Config, canonical: &'a str) -> Vec<&'a str> {
    let mut keys = vec![canonical];
    if let Some(aliases) = config.fields.get(canonical) {
        keys.extend(aliases.iter().map(String::as_str));
    }
    keys
}

/// Loads one note from its text (BOM removed, `\n` line ends).
fn load_text(
    config: &Config,
    opts: &LoadOptions,
    kind: Kind,
    rel: &Path,
    text: &str,
) -> (Option<Loaded>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let split = match frontmatter::split(text) {
        Ok(s) => s,
        Err(frontmatter::Unterminated) => {
            let d = Diagnostic::error(
                "frontmatter",
                "front matter opened on line 1 is never closed",
            )
            .in_file(rel)
            .at(Span::new(1, 1, 3))
            .help("add a line `---` after the last front matter line");
            return (None, vec![d]);
        }
    };
    let loc = Locator::new(split.yaml.unwrap_or(""), split.yaml_line);
    let mapping = match split.yaml.map(|y| parse_yaml(y, &loc, rel)).transpose() {
        Ok(m) => m.unwrap_or_default(),
        Err(d) => return (None, vec![d]),
    };
    let (known, extra) = normalize(config, kind, mapping, &loc, rel, &mut diags);
    let stem = rel
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let body = split.body.to_string();
    let heading = first_heading(&body);

    macro_rules! typed {
        ($t:ty) => {
            match deserialize::<$t>(known, &loc, rel) {
                Ok(m) => m,
                Err(d) => {
                    diags.push(d);
                    return (None, diags);
                }
            }
        };
    }
    let parts = Parts {
        rel,
        stem: &stem,
        extra,
        body,
        body_line: split.body_line,
        heading,
        loc: &loc,
    };
    let loaded = match kind {
        Kind::Session => {
            let meta: SessionMeta = typed!(SessionMeta);
            let draft = meta.draft.0;
            let slug = meta.slug.clone();
            let doc = parts.into_doc(meta, slug.as_ref(), &mut diags);
            if draft && !opts.include_drafts {
                let title = doc.title_from(doc.meta.title.as_ref());
                Loaded::Draft(vec![doc.slug.to_lowercase(), title.to_lowercase()])
            } else {
                match session(config, opts, doc, &stem, &mut diags) {
                    Some(s) => Loaded::Session(s),
                    None => return (None, diags),
                }
            }
        }
        Kind::Member => {
            let meta: MemberMeta = typed!(MemberMeta);
            let slug = meta.slug.clone();
            let mut doc = parts.into_doc(meta, slug.as_ref(), &mut diags);
            let Some(name) = doc
                .meta
                .name
                .as_ref()
                .map(|n| n.0.clone())
                .filter(|n| !n.is_empty())
            else {
                diags.push(
                    doc.error("member-name", "member profile has no `name`")
                        .at_opt(loc.key("name").or(Some(Span::new(1, 1, 0))))
                        .help("add a line such as `name: Dana Kim` to the front matter"),
                );
                return (None, diags);
            };
            check_links(&doc, &mut diags);
            check_avatar(config, &mut doc, &mut diags);
            if doc.meta.draft.0 && !opts.include_drafts {
                let mut names = vec![doc.slug.to_lowercase(), name.to_lowercase()];
                names.extend(doc.meta.aka.0.iter().map(|a| a.to_lowercase()));
                Loaded::Draft(names)
            } else {
                Loaded::Member(MemberDoc { doc, name })
            }
        }
        Kind::Community => {
            let meta: CommunityMeta = typed!(CommunityMeta);
            let slug = meta.slug.clone();
            let doc = parts.into_doc(meta, slug.as_ref(), &mut diags);
            let name = doc.title_from(doc.meta.name.as_ref());
            if doc.meta.draft.0 && !opts.include_drafts {
                Loaded::Draft(vec![doc.slug.to_lowercase(), name.to_lowercase()])
            } else {
                Loaded::Community(CommunityDoc { doc, name })
            }
        }
        Kind::Page => {
            let meta: PageMeta = typed!(PageMeta);
            let slug = meta.slug.clone();
            let doc = parts.into_doc(meta, slug.as_ref(), &mut diags);
            let title = doc.title_from(doc.meta.title.as_ref());
            if doc.meta.draft.0 && !opts.include_drafts {
                Loaded::Draft(vec![doc.slug.to_lowercase(), title.to_lowercase()])
            } else {
                Loaded::Page(PageDoc { doc, title })
            }
        }
    };
    let mut loaded = loaded;
    if opts.release_sessions {
        // A streamed build keeps no note's front matter text.
        let file = config.root.join(rel);
        match &mut loaded {
            Loaded::Session(s) => s.doc.loc.release(file),
            Loaded::Member(m) => m.doc.loc.release(file),
            Loaded::Community(c) => c.doc.loc.release(file),
            Loaded::Page(p) => p.doc.loc.release(file),
            Loaded::Draft(_) => {}
        }
    }
    (Some(loaded), diags)
}

/// Loads `text` as the note `rel` of kind `kind`, exactly as [`load`] does
/// once a file is read (the BOM and `\r\n` are handled here as the reader
/// does), into a corpus of at most one document, stamped with `modified`,
/// the file's time as it was read. For `cairn serve`, which reads again
/// only the notes that changed.
pub(crate) fn load_note_text(
    config: &Config,
    opts: &LoadOptions,
    kind: Kind,
    rel: &Path,
    text: &str,
    modified: Option<std::time::SystemTime>,
) -> (Corpus, Vec<Diagnostic>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (loaded, diags) = load_text(config, opts, kind, rel, &text.replace("\r\n", "\n"));
    let mut corpus = Corpus::default();
    if let Some(l) = loaded {
        corpus.add(l.stamped(modified));
    }
    (corpus, diags)
}

/// The kind-independent pieces of a note, before its typed front matter.
struct Parts<'a> {
    rel: &'a Path,
    stem: &'a str,
    extra: BTreeMap<String, serde_json::Value>,
    body: String,
    body_line: usize,
    heading: Option<String>,
    loc: &'a Locator,
}

impl Parts<'_> {
    fn into_doc<M>(self, meta: M, slug_fm: Option<&Text>, diags: &mut Vec<Diagnostic>) -> Doc<M> {
        let slug = match slug_fm {
            Some(s) if is_safe_slug(&s.0) => s.0.clone(),
            Some(s) => {
                diags.push(
                    Diagnostic::error("slug", format!("`slug: {}` cannot be used in a URL", s.0))
                        .in_file(self.rel)
                        .at_opt(self.loc.value(&["slug"], &s.0))
                        .help(format!(
                            "use letters, digits and `-` only, e.g. `slug: {}`",
                            slugify_nonempty(&s.0)
                        )),
                );
                slugify_nonempty(&s.0)
            }
            None => slugify_nonempty(self.stem),
        };
        Doc {
            source: self.rel.to_path_buf(),
            slug,
            meta,
            extra: self.extra,
            body: self.body.into(),
            body_line: self.body_line,
            heading: self.heading,
            loc: self.loc.clone(),
            modified: None,
            released: None,
        }
    }
}

fn parse_yaml(yaml: &str, loc: &Locator, rel: &Path) -> Result<Mapping, Diagnostic> {
    // The common shape, read line by line; serde_yaml for the rest.
    if let Some(m) = simple_yaml::parse(yaml) {
        return Ok(m);
    }
    frontmatter::check_nesting(yaml, loc, rel)?;
    match serde_yaml::from_str::<Value>(yaml) {
        Ok(Value::Mapping(m)) => Ok(m),
        Ok(Value::Null) => Ok(Mapping::new()),
        Ok(_) => Err(
            Diagnostic::error("frontmatter", "front matter must be `key: value` lines")
                .in_file(rel)
                .at(loc.from_yaml(1, 1))
                .help("write one `key: value` per line between the `---` lines"),
        ),
        Err(e) => {
            let raw = e.to_string();
            let msg = raw.split(" at line ").next().unwrap_or(&raw).to_string();
            let span = e.location().map(|l| loc.from_yaml(l.line(), l.column()));
            let hint = if msg.contains("cannot start any token") && yaml.contains('\t') {
                Some("YAML does not allow tabs for indentation; indent with spaces")
            } else if msg.contains("did not find expected ',' or ']'") {
                Some(
                    "a list opened with `[` is not closed with `]` on the line above (or a value in it needs quotes)",
                )
            } else if msg.contains("did not find expected ',' or '}'") {
                Some("a map opened with `{` is not closed with `}` on the line above")
            } else if msg.contains("duplicate entry") {
                Some("each key may appear once; merge the two values")
            } else if msg.contains("mapping values are not allowed") {
                Some("a value containing `: ` must be quoted, e.g. title: \"Ideas: a list\"")
            } else if msg.contains("recursion limit") || msg.contains("repetition limit") {
                Some("the front matter nests or repeats too deeply; simplify it")
            } else {
                None
            };
            Err(
                Diagnostic::error("yaml", format!("invalid front matter: {msg}"))
                    .in_file(rel)
                    .at_opt(span)
                    .help_opt(hint.map(String::from)),
            )
        }
    }
}

/// Applies `fields:` aliases, then separates the keys of this kind from the
/// others (kept as `extra`, with a warning when one looks like a typo).
fn normalize(
    config: &Config,
    kind: Kind,
    mut m: Mapping,
    loc: &Locator,
    rel: &Path,
    diags: &mut Vec<Diagnostic>,
) -> (Mapping, BTreeMap<String, serde_json::Value>) {
    let known = known_keys(kind);
    for (canonical, sources) in &config.fields {
        if !known.contains(&canonical.as_str()) {
            continue;
        }
        let mut merged: Vec<Value> = Vec::new();
        let mut scalar: Option<Value> = None;
        let mut found = false;
        for key in std::iter::once(canonical).chain(sources) {
            let Some(v) = m.remove(key.as_str()) else {
                continue;
            };
            found = true;
            if LIST_KEYS.contains(&canonical.as_str()) {
                match v {
                    Value::Sequence(items) => merged.extend(items),
                    Value::Null => {}
                    // One string is a comma-separated list, as for cairn's own keys.
                    Value::String(text) => merged.extend(
                        text.split(',')
                            .map(str::trim)
                            .filter(|t| !t.is_empty())
                            .map(|t| Value::String(t.to_string())),
                    ),
                    other => merged.push(other),
                }
            } else if scalar.is_none() {
                scalar = Some(v);
            }
        }
        if found {
            let v = scalar.unwrap_or(Value::Sequence(merged));
            m.insert(Value::String(canonical.clone()), v);
        }
    }
    let mut keep = Mapping::new();
    let mut extra = BTreeMap::new();
    for (k, v) in m {
        let key = match &k {
            Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        if known.contains(&key.as_str()) {
            keep.insert(k, v);
            continue;
        }
        let aliased = config.fields.values().flatten().any(|a| *a == key);
        if !aliased && let Some(near) = closest(&key, known.iter().copied()) {
            diags.push(
                Diagnostic::warning("unknown-key", format!("unknown key `{key}` is ignored"))
                    .in_file(rel)
                    .at_opt(loc.key(&key))
                    .help(format!("did you mean `{near}`?")),
            );
        }
        if let Ok(j) = serde_json::to_value(&v) {
            extra.insert(key, j);
        }
    }
    (keep, extra)
}

fn deserialize<T: DeserializeOwned>(
    m: Mapping,
    loc: &Locator,
    rel: &Path,
) -> Result<T, Diagnostic> {
    serde_path_to_error::deserialize(Value::Mapping(m)).map_err(|e| {
        let path = e.path().to_string();
        let key = path.split(['.', '[']).next().unwrap_or("").to_string();
        let inner = e.into_inner().to_string();
        Diagnostic::error(
            "field-type",
            format!(
                "`{key}`: expected {}",
                inner.split("expected ").nth(1).unwrap_or(&inner)
            ),
        )
        .in_file(rel)
        .at_opt(loc.key(&key))
    })
}

/// A session's status: as its front matter says (`Err` with the word when
/// it is none of them), else planned until its time comes, held after.
fn status_of(
    written: Option<&Text>,
    when: &When,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Status, String> {
    match written.map(|s| s.0.to_lowercase()) {
        None if when.instant(tz) > now => Ok(Status::Planned),
        None => Ok(Status::Held),
        Some(s) => match s.as_str() {
            "planned" => Ok(Status::Planned),
            "held" => Ok(Status::Held),
            "cancelled" | "canceled" => Ok(Status::Cancelled),
            _ => Err(s),
        },
    }
}

fn session(
    config: &Config,
    opts: &LoadOptions,
    doc: Doc<SessionMeta>,
    stem: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<SessionDoc> {
    let tz = config.timezone;
    let date_keys = keys_for(config, "date");
    let when = match &doc.meta.date {
        Some(d) => match parse_when(&d.0, tz) {
            Ok(w) => w,
            Err(msg) => {
                diags.push(
                    doc.error("date", format!("invalid date: {msg}"))
                        .at_opt(doc.loc.value(&date_keys, &d.0))
                        .help("write the date as YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as -05:00"),
                );
                return None;
            }
        },
        None => match stem.get(..10).and_then(|p| parse_when(p, tz).ok()) {
            Some(w) => w,
            None => {
                diags.push(
                    doc.error("date", "session has no date")
                        .at(Span::new(1, 1, 0))
                        .help("add `date: 2026-03-06` to the front matter, or start the file name with the date (2026-03-06-topic.md)"),
                );
                return None;
            }
        },
    };
    let mut end = None;
    if let Some(e) = &doc.meta.end {
        match parse_when(&e.0, tz) {
            Ok(When::At(t)) => end = Some(t),
            Ok(When::Day(_)) | Err(_) => diags.push(
                doc.error("end", format!("invalid end time `{}`", e.0))
                    .at_opt(doc.loc.value(&keys_for(config, "end"), &e.0))
                    .help(
                        "write a date-time such as 2026-03-06T20:00-05:00, or use `duration: 90m`",
                    ),
            ),
        }
    } else if let Some(d) = &doc.meta.duration {
        match parse_duration(&d.0) {
            Ok(mins) => {
                if let When::At(t) = when {
                    end = Some(t + Duration::minutes(mins));
                }
            }
            Err(msg) => diags.push(
                doc.error("duration", msg)
                    .at_opt(doc.loc.value(&keys_for(config, "duration"), &d.0)),
            ),
        }
    }
    let status = match status_of(doc.meta.status.as_ref(), &when, tz, opts.now) {
        Ok(s) => s,
        Err(other) => {
            diags.push(
                doc.error("status", format!("unknown status `{other}`"))
                    .at_opt(doc.loc.value(&keys_for(config, "status"), &other))
                    .help(match closest(&other, ["planned", "held", "cancelled"]) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => "use one of: planned, held, cancelled".into(),
                    }),
            );
            Status::Held
        }
    };
    let title = doc.title_from(doc.meta.title.as_ref());
    let actions = crate::model::actions::scan(&doc.body, doc.body_line);
    let mut doc = doc;
    if opts.release_sessions {
        doc.released = Some(Box::new(Released {
            print: crate::bodies::print(&doc.body),
            links: crate::markdown::raw_links(&doc.body),
        }));
        doc.body = std::sync::Arc::from("");
    }
    Some(SessionDoc {
        doc,
        title,
        when,
        end,
        status,
        actions,
    })
}

/// An avatar is a path under static/: never outside it.
fn check_avatar(config: &Config, doc: &mut Doc<MemberMeta>, diags: &mut Vec<Diagnostic>) {
    let Some(avatar) = doc.meta.avatar.clone() else {
        return;
    };
    let raw = avatar.as_str();
    let rel = raw.trim_start_matches("static/");
    let escapes = rel.contains("://")
        || rel.starts_with('/')
        || rel.contains('\\')
        || Path::new(rel)
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)));
    if escapes || rel.is_empty() {
        diags.push(
            doc.error("avatar", format!("avatar `{raw}` is not a path inside static/"))
                .at_opt(doc.loc.value(&["avatar"], raw))
                .help("put the picture in static/ (e.g. static/people/dana.jpg) and write `avatar: people/dana.jpg`"),
        );
        doc.meta.avatar = None;
    } else if !config.root.join("static").join(rel).is_file() {
        diags.push(
            doc.warning("avatar", format!("avatar `{raw}` is not in static/"))
                .at_opt(doc.loc.value(&["avatar"], raw))
                .help(format!("add the file static/{rel}, or remove the line")),
        );
    }
}

/// Links on a profile may only be web, mail or phone addresses.
fn check_links(doc: &Doc<MemberMeta>, diags: &mut Vec<Diagnostic>) {
    for (label, url) in &doc.meta.links {
        let u = url.0.trim().to_ascii_lowercase();
        let ok = ["http://", "https://", "mailto:", "tel:"]
            .iter()
            .any(|p| u.starts_with(p));
        if !ok {
            diags.push(
                doc.error(
                    "link-url",
                    format!(
                        "link `{label}` has an address cairn will not publish: `{}`",
                        url.0
                    ),
                )
                .at_opt(doc.loc.entry(&["links"], label, &url.0))
                .help("use an address starting with https://, http://, mailto: or tel:"),
            );
        }
    }
}

/// The first ATX `# ` heading outside code blocks, without `{#id}` or
/// closing hashes.
pub fn first_heading(body: &str) -> Option<String> {
    // Most bodies have no line starting (after blanks) with `# `: found
    // without reading them line by line.
    let bytes = body.as_bytes();
    let candidate = memchr::memmem::find_iter(bytes, "# ").any(|at| {
        bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .all(|&b| matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r') || !b.is_ascii())
    });
    if !candidate {
        return None;
    }
    first_heading_by_lines(body)
}

/// [`first_heading`], line by line.
fn first_heading_by_lines(body: &str) -> Option<String> {
    let mut fence: Option<&str> = None;
    for line in body.lines() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") {
            fence = Some("```");
            continue;
        }
        if t.starts_with("~~~") {
            fence = Some("~~~");
            continue;
        }
        if line.len() - t.len() > 3 {
            continue;
        }
        if let Some(h) = t.strip_prefix("# ") {
            let h = h.trim();
            let h = match h.rfind(" {#") {
                Some(i) if h.ends_with('}') => &h[..i],
                _ => h,
            };
            let h = h.trim_end_matches('#').trim();
            if !h.is_empty() {
                return Some(h.to_string());
            }
        }
    }
    None
}

/// `2026-03-06-power-dynamics.md` -> "Power dynamics".
fn title_from_file_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rest = if stem.len() > 10 && parse_when(&stem[..10], chrono_tz::UTC).is_ok() {
        stem[10..].trim_start_matches(['-', '_', ' '])
    } else {
        &stem
    };
    let words = rest.replace(['-', '_'], " ");
    let mut c = words.trim().chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => stem.clone(),
    }
}

/// The slug of a display name, for people without a profile.
pub fn person_slug(name: &str) -> String {
    slugify_nonempty(name)
}

/// Lowercased key for name lookups.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Whether `s` looks like a slug (so a lookup by slug makes sense).
pub fn slug_key(s: &str) -> String {
    slugify(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_heading_skips_code_and_ids() {
        assert_eq!(
            first_heading("text\n```\n# not\n```\n# Yes {#y}\n"),
            Some("Yes".into())
        );
        assert_eq!(first_heading("## two\n"), None);
    }

    /// The quick look for a `# ` line never misses one that the reading
    /// line by line finds.
    #[test]
    fn first_heading_agrees_with_reading_every_line() {
        const PARTS: &[&str] = &[
            "# ", "## ", "#", " ", "   ", "\t", "\r", "\n", "\u{b}", "\u{c}", "\u{a0}", "\u{2003}",
            "```", "~~~", "text", "é", "Title", "{#id}", "#5", "a# b",
        ];
        let mut next = crate::testing::picker(0x9e37_79b9_7f4a_7c15);
        for _ in 0..50_000 {
            let body: String = (0..1 + next(14))
                .map(|_| PARTS[next(PARTS.len())])
                .collect();
            assert_eq!(
                first_heading(&body),
                first_heading_by_lines(&body),
                "{body:?}"
            );
        }
    }

    /// A file that grew or shrank since its size was taken is read whole.
    #[test]
    fn read_all_reads_to_the_end_whatever_the_size_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("note.md");
        let text: Vec<u8> = (0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, &text).unwrap();
        for said in [0, 1, 8191, 8192, 19_999, 20_000, 20_001, 100_000] {
            assert_eq!(read_all(&path, said).unwrap(), text, "size said {said}");
        }
    }

    #[test]
    fn title_from_dated_file_name() {
        assert_eq!(
            title_from_file_name(Path::new("a/2026-03-06-power-dynamics.md")),
            "Power dynamics"
        );
        assert_eq!(title_from_file_name(Path::new("about.md")), "About");
    }
}
