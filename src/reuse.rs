//! REUSE: a rebuild takes from the previous build of the same output every
//! session page whose inputs did not change, with what the rest of the site
//! needs of it (its first paragraph, its links, its search document),
//! instead of reading, rendering and indexing the note again.
//!
//! After each build that succeeds, `.<output>.cairn-cache` beside the
//! output folder records for each session: a key, the print (length and
//! hash) of the page it got, and what other pages take from its body. The
//! key is a hash of everything the page and the search document are made
//! of:
//!
//! - the build's environment ([`env`]): cairn's version and executable and
//!   the whole configuration;
//! - the body ([`body_key`]): its text, where it starts, whether its first
//!   heading is dropped, where its page is, and the answers the site gives
//!   to the questions its rendering asked ([`crate::markdown::Asked`]: what
//!   each `[[name]]`, `@owner` and `.md` link leads to, with URL and
//!   label). A body depends on other notes only through those answers, so
//!   a new note, or a renamed one that it does not name, leaves it as it
//!   was;
//! - the page rendered with an empty body (title, date, people, topics,
//!   actions, backlinks, neighbours, "last changed": all of the page but
//!   the body, as it will be shown);
//! - what the search document takes from outside the body
//!   ([`crate::search::session_fingerprint`]).
//!
//! A session is kept only when its key is the one recorded and the page
//! with the recorded print is there to keep ([`crate::output::Staging::keep`]:
//! the spare's copy by its marker, as every file of the spare; the
//! output's copy read back and hashed); anything else is rendered as
//! usual. What its body links to is worked out again from the answers, so
//! it holds even when notes were added before it. Only pages of the
//! default session template are kept (a theme's template may show the body
//! in ways the key cannot see), and only sessions whose body gave no
//! diagnostic and whose page was written once (not again with repaired
//! backlinks, see [`crate::render`]). The file ends with a hash of all of
//! it: a cache that is missing, damaged, or from another version or
//! configuration only means a full build.
//!
//! Member and topic pages are kept the same way ([`Others`]), keyed on
//! their context without the parts that take time to make (the rows, the
//! people met most, the timeline) and on what those parts are made of:
//! each listed session's print as such pages show it (see
//! `Renderer::list_key` in [`crate::render`]). Most of such a page's cost
//! is its context, not its HTML, so its key must not need the context.

use crate::config::Config;
use crate::model::Site;
use crate::output::{Print, hash128};
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The first bytes of a cache file; the number changes with the format.
const MAGIC: &[u8] = b"cairn-cache 6\n";

// The file: MAGIC; the environment (16 bytes); the search terms; each
// session's search document (in this build's session order); the sessions
// that may be kept: source path, key, body key, page print, first
// paragraph, the questions its body asked ([`crate::markdown::Asked`]),
// and the number of its search document; the other pages that may be
// kept ([`Others`]): path, key, page print; then the hash of everything
// before it, in blocks
// ([`Checked`]). Numbers are LEB128, strings and documents have their
// length first. The documents are written while the search index is (the
// index uses them up), the sessions once every page is written.

/// The file is hashed in blocks of this size, so that it can be written as
/// it is made.
const BLOCK: usize = 1 << 16;

/// A session as the previous build left it: where in [`Cache::tail`] its
/// parts are.
struct Entry {
    key: u128,
    body_key: u128,
    page: Print,
    first_paragraph: Range<usize>,
    asked: Range<usize>,
    doc: usize,
}

/// The cache of the previous build, read whole; its parts are decoded
/// only for the sessions that are kept.
pub struct Cache {
    /// The file up to the search documents (terms, documents).
    bytes: Vec<u8>,
    /// The rest: the sessions' entries, which [`Entry`]'s ranges point into.
    tail: Vec<u8>,
    pub terms: Vec<Box<str>>,
    docs: Vec<Range<usize>>,
    entries: HashMap<Box<str>, Entry>,
    /// Pages other than sessions': path → key and page print.
    pages: HashMap<Box<str>, (u128, Print)>,
}

/// Member and topic pages kept the way session pages are: each keyed on
/// what its context is made of ([`crate::render`]'s `list_key`), found
/// without making the context, which is most of the cost of such a page.
#[derive(Default)]
pub struct Others {
    /// The environment of this build ([`env`]).
    pub env: u128,
    /// The previous build's keys and page prints, by path.
    old: HashMap<Box<str>, (u128, Print)>,
    /// This build's keys, by path.
    new: std::sync::Mutex<Vec<(String, u128)>>,
    /// How many member and topic pages were kept.
    pub kept: [std::sync::atomic::AtomicUsize; 2],
}

impl Others {
    /// The print of the page the previous build left at `path`, if it
    /// was made of the same `key`.
    pub fn page(&self, path: &str, key: u128) -> Option<Print> {
        self.old
            .get(path)
            .filter(|(k, _)| *k == key)
            .map(|&(_, print)| print)
    }

    /// Records that the page at `path` is made of `key` in this build (the
    /// last record of a path counts).
    pub fn made(&self, path: String, key: u128) {
        if let Ok(mut new) = self.new.lock() {
            new.push((path, key));
        }
    }

    /// This build's keys, the last for each path, by path.
    pub fn keys(&mut self) -> Vec<(String, u128)> {
        let mut new = std::mem::take(self.new.get_mut().unwrap_or_else(|e| e.into_inner()));
        // Stable: a page made again (its backlinks repaired) comes last.
        new.reverse();
        new.sort_by(|a, b| a.0.cmp(&b.0));
        new.dedup_by(|a, b| a.0 == b.0);
        new
    }
}

/// What the cache knows of a session whose body is the one it recorded:
/// its body key, the questions the body asked and the links their answers
/// give now, its first paragraph; and the key, page and search document
/// the previous build left.
pub struct Known {
    pub body_key: u128,
    pub asked: crate::markdown::Asked,
    /// What the body links to (taken out by `build::render_bodies`, which
    /// links the session to them).
    pub links: Vec<crate::model::Target>,
    pub first_paragraph: String,
    pub key: u128,
    pub page: Print,
    /// The number of its search document ([`Cache::doc`]).
    pub doc: usize,
}

/// What a build needs to reuse pages and to leave a cache for the next one.
pub struct Reuse {
    /// The environment of this build ([`env`]).
    pub env: u128,
    /// The previous build's cache, while it is not used up.
    pub cache: Option<Cache>,
    /// What the cache knows of each session whose body it knows (the
    /// sessions' number of them, or none), until the pages are rendered.
    pub known: Vec<Option<Known>>,
    /// Each session's key and body key, when its page may be kept next time.
    pub keys: Vec<Option<(u128, u128)>>,
    /// How many session pages were kept.
    pub kept: usize,
    /// The other pages that may be kept.
    pub others: Others,
    /// Where the cache goes, and the new one while it is written.
    path: PathBuf,
    next: Option<Checked>,
}

impl Reuse {
    /// For a build with environment `env` whose cache is at `path`; the
    /// `cache` read there is used only if it was left by a build with the
    /// same environment.
    pub fn new(env: u128, path: PathBuf, cache: Option<(u128, Cache)>) -> Reuse {
        let mut cache = cache.filter(|(e, _)| *e == env).map(|(_, c)| c);
        let others = Others {
            env,
            old: cache
                .as_mut()
                .map(|c| std::mem::take(&mut c.pages))
                .unwrap_or_default(),
            ..Others::default()
        };
        let reuse = Reuse {
            env,
            others,
            cache,
            known: Vec::new(),
            keys: Vec::new(),
            kept: 0,
            path,
            next: None,
        };
        // Left by a build that was killed while writing it.
        let _ = std::fs::remove_file(reuse.new_path());
        reuse
    }

    fn new_path(&self) -> PathBuf {
        new_path(&self.path)
    }

    /// Starts the new cache with the search terms and the sessions'
    /// documents (the first `sessions` of `docs`). Failing to write only
    /// means no cache.
    pub fn write_docs(&mut self, docs: &crate::search::Documents, site: &Site) {
        let sessions = site.sessions.len();
        let Ok(file) = std::fs::File::create(self.new_path()) else {
            return;
        };
        // Only the terms the sessions use, numbered by first use.
        let mut number = vec![u32::MAX; docs.terms().len()];
        let mut used: Vec<u32> = Vec::new();
        for i in 0..sessions {
            for &t in docs.session(i).map_or(&[][..], |d| d.1) {
                let n = &mut number[t as usize];
                if *n == u32::MAX {
                    *n = used.len() as u32;
                    used.push(t);
                }
            }
        }
        let mut w = Checked::new(file);
        let mut b = Vec::with_capacity(256);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.env.to_le_bytes());
        put_num(&mut b, used.len());
        for &t in &used {
            put_str(&mut b, &docs.terms()[t as usize]);
            w.push(&b);
            b.clear();
        }
        put_num(&mut b, sessions);
        let mut doc = Vec::new();
        for i in 0..sessions {
            doc.clear();
            if let Some((record, t, wt)) = docs.session(i) {
                // Most records are made again from the session and its
                // first paragraph; the others are kept whole.
                match crate::search::record_from_summary(site, i) {
                    true => doc.push(0),
                    false => {
                        doc.push(1);
                        put_bytes(&mut doc, record);
                    }
                }
                put_num(&mut doc, t.len());
                for &t in t {
                    put_num(&mut doc, number[t as usize] as usize);
                }
                doc.extend_from_slice(wt);
            }
            put_bytes(&mut b, &doc);
            w.push(&b);
            b.clear();
        }
        self.next = w.ok.then_some(w);
    }

    /// Ends the new cache with every session that has a key and a page
    /// print (`pages`, by session) and the other pages with theirs
    /// (`others`: path, key, print), and puts it in place of the old one:
    /// call it once the new output is in place. Without a new cache, the
    /// old one goes.
    pub fn save(mut self, site: &Site, pages: &[Option<Print>], others: &[(String, u128, Print)]) {
        use rayon::prelude::*;
        let Some(mut w) = self.next.take() else {
            let _ = std::fs::remove_file(&self.path);
            return;
        };
        let sessions: Vec<Vec<u8>> = (0..site.sessions.len())
            .into_par_iter()
            .filter_map(|i| {
                let (key, body_key) = (*self.keys.get(i)?)?;
                let s = &site.sessions[i];
                let page = (*pages.get(i)?)?;
                let mut b = Vec::with_capacity(s.body.first_paragraph.len() + 128);
                put_str(&mut b, &s.doc.source.to_string_lossy());
                b.extend_from_slice(&key.to_le_bytes());
                b.extend_from_slice(&body_key.to_le_bytes());
                put_num(&mut b, page.len as usize);
                b.extend_from_slice(&page.hash.to_le_bytes());
                put_str(&mut b, &s.body.first_paragraph);
                put_bytes(&mut b, &s.body.asked.questions);
                put_num(&mut b, i);
                Some(b)
            })
            .collect();
        let mut b = Vec::new();
        put_num(&mut b, sessions.len());
        w.push(&b);
        for s in &sessions {
            w.push(s);
        }
        b.clear();
        put_num(&mut b, others.len());
        for (path, key, page) in others {
            put_str(&mut b, path);
            b.extend_from_slice(&key.to_le_bytes());
            put_num(&mut b, page.len as usize);
            b.extend_from_slice(&page.hash.to_le_bytes());
            w.push(&b);
            b.clear();
        }
        w.put_in_place(&self.path);
    }
}

/// Where a file that is to replace `path` is written first.
pub(crate) fn new_path(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".new");
    tmp.into()
}

impl Drop for Reuse {
    /// A new cache that was not saved (the build failed) goes.
    fn drop(&mut self) {
        if self.next.take().is_some() {
            let _ = std::fs::remove_file(self.new_path());
        }
    }
}

/// A file written in blocks of [`BLOCK`] bytes, each hashed; it ends with
/// the hash of the blocks' hashes ([`checked`] verifies it).
pub(crate) struct Checked {
    file: std::io::BufWriter<std::fs::File>,
    /// Bytes not yet in a full block.
    pending: Vec<u8>,
    hashes: Vec<u8>,
    ok: bool,
}

impl Checked {
    pub fn new(file: std::fs::File) -> Checked {
        Checked {
            file: std::io::BufWriter::with_capacity(BLOCK, file),
            pending: Vec::with_capacity(2 * BLOCK),
            hashes: Vec::new(),
            ok: true,
        }
    }

    /// Appends `bytes`; every full block is hashed and written.
    pub fn push(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() < BLOCK {
            return;
        }
        let full = self.pending.len() / BLOCK * BLOCK;
        for block in self.pending[..full].chunks(BLOCK) {
            self.hashes.extend_from_slice(&hash128(block).to_le_bytes());
        }
        self.ok &= self.file.write_all(&self.pending[..full]).is_ok();
        self.pending.drain(..full);
    }

    /// Ends the file, written at [`new_path`] of `path`, and puts it in
    /// place of `path`; if anything failed, neither stays.
    pub fn put_in_place(self, path: &Path) {
        let new = new_path(path);
        if !self.finish() || std::fs::rename(&new, path).is_err() {
            let _ = std::fs::remove_file(&new);
            let _ = std::fs::remove_file(path);
        }
    }

    /// Writes the last block and the hash; true if all went well.
    fn finish(mut self) -> bool {
        let rest = std::mem::take(&mut self.pending);
        if !rest.is_empty() {
            self.hashes.extend_from_slice(&hash128(&rest).to_le_bytes());
        }
        let sum = hash128(&self.hashes).to_le_bytes();
        self.ok
            && self.file.write_all(&rest).is_ok()
            && self.file.write_all(&sum).is_ok()
            && self.file.flush().is_ok()
    }
}

/// The file at `path` that [`Checked`] wrote, without its hash, if the
/// hash is right and it starts with `magic`.
pub(crate) fn read_checked(path: &Path, magic: &[u8]) -> Option<Vec<u8>> {
    let mut bytes = std::fs::read(path).ok()?;
    let len = checked(&bytes)?.len();
    bytes.truncate(len);
    bytes.starts_with(magic).then_some(bytes)
}

/// The bytes of a file [`Checked`] wrote, without the hash, if the hash
/// is right.
fn checked(bytes: &[u8]) -> Option<&[u8]> {
    let at = bytes.len().checked_sub(16)?;
    let (data, sum) = bytes.split_at(at);
    let mut hashes = Vec::with_capacity(data.len() / BLOCK * 16 + 16);
    for block in data.chunks(BLOCK) {
        hashes.extend_from_slice(&hash128(block).to_le_bytes());
    }
    (hash128(&hashes).to_le_bytes() == sum).then_some(data)
}

/// Everything outside the notes that any session's key depends on: see
/// the module documentation.
pub fn env(config: &Config) -> u128 {
    let mut b = Vec::with_capacity(4096);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    // The executable itself: a cairn built from other sources (same
    // version number) must not take pages an older one rendered.
    if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
        b.extend_from_slice(&meta.len().to_le_bytes());
        let mtime = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        b.extend_from_slice(&mtime.to_le_bytes());
    }
    b.extend_from_slice(format!("{config:?}").as_bytes());
    hash128(&b)
}

/// What session `i`'s body is made of: the environment, the text (its
/// print), where it starts, where its page is, whether its first heading
/// is dropped, and the print of the answers to what it asked
/// ([`crate::markdown::answers`]). The same key, the same HTML and links.
pub fn body_key(env: u128, site: &Site, i: usize, text_print: u128, answers: u128) -> u128 {
    let s = &site.sessions[i];
    let mut b = Vec::with_capacity(256);
    b.extend_from_slice(&env.to_le_bytes());
    b.extend_from_slice(&text_print.to_le_bytes());
    b.extend_from_slice(&answers.to_le_bytes());
    b.extend_from_slice(&(s.doc.body_line as u64).to_le_bytes());
    b.push(crate::build::same(&s.doc.heading, &s.title) as u8);
    put_str(&mut b, &s.url);
    put_str(&mut b, &s.doc.source.to_string_lossy());
    hash128(&b)
}

/// A session's key: its body's, with its search document's fingerprint and
/// the hash of its page rendered without the body.
pub fn key(body_key: u128, site: &Site, i: usize, empty_page: &[u8]) -> u128 {
    let mut b = [0u8; 48];
    b[..16].copy_from_slice(&body_key.to_le_bytes());
    b[16..24].copy_from_slice(&crate::search::session_fingerprint(site, i).to_le_bytes());
    b[32..].copy_from_slice(&hash128(empty_page).to_le_bytes());
    hash128(&b)
}

impl Cache {
    /// The cache at `path` and the environment it was built in; `None`
    /// when there is none or it cannot be read.
    pub fn load(path: &Path) -> Option<(u128, Cache)> {
        let mut bytes = read_checked(path, MAGIC)?;
        let mut r = Reader {
            all: &bytes,
            at: MAGIC.len(),
        };
        // Counts are believed only as far as the bytes left can hold them
        // (and space is reserved for at most a million at once).
        let room =
            |r: &Reader, n: usize, each: usize| n.min((r.all.len() - r.at) / each).min(1 << 20);
        let env = r.u128()?;
        let n = r.num()?;
        let mut terms = Vec::with_capacity(room(&r, n, 1));
        for _ in 0..n {
            terms.push(r.str()?.into());
        }
        let n = r.num()?;
        let mut docs = Vec::with_capacity(room(&r, n, 1));
        for _ in 0..n {
            let len = r.num()?;
            docs.push(r.at..r.skip(len)?);
        }
        let n = r.num()?;
        // The sessions' part is kept apart, to go once the pages are kept.
        let tail_at = r.at;
        let mut entries = HashMap::with_capacity(room(&r, n, 64));
        for _ in 0..n {
            let source: Box<str> = r.str()?.into();
            let key = r.u128()?;
            let body_key = r.u128()?;
            let page = Print {
                len: r.num()? as u64,
                hash: r.u128()?,
            };
            let len = r.num()?;
            let first_paragraph = r.at - tail_at..r.skip(len)? - tail_at;
            std::str::from_utf8(&bytes[tail_at..][first_paragraph.clone()]).ok()?;
            let len = r.num()?;
            let asked = r.at - tail_at..r.skip(len)? - tail_at;
            let doc = r.num()?;
            if doc >= docs.len() {
                return None;
            }
            let entry = Entry {
                key,
                body_key,
                page,
                first_paragraph,
                asked,
                doc,
            };
            entries.insert(source, entry);
        }
        let n = r.num()?;
        let mut pages = HashMap::with_capacity(room(&r, n, 34));
        for _ in 0..n {
            let path: Box<str> = r.str()?.into();
            let key = r.u128()?;
            let page = Print {
                len: r.num()? as u64,
                hash: r.u128()?,
            };
            pages.insert(path, (key, page));
        }
        if r.at != bytes.len() {
            return None;
        }
        let tail = bytes.split_off(tail_at);
        bytes.shrink_to_fit();
        let cache = Cache {
            bytes,
            tail,
            terms,
            docs,
            entries,
            pages,
        };
        Some((env, cache))
    }

    /// What the cache knows of the body of session `i`, if its body key,
    /// with the answers the site gives now to the questions it asked then,
    /// is the one recorded.
    pub fn known(&self, env: u128, site: &Site, i: usize, text_print: u128) -> Option<Known> {
        let s = &site.sessions[i];
        let e = self.entries.get(&*s.doc.source.to_string_lossy())?;
        let asked = &self.tail[e.asked.clone()];
        let (answers, links) = crate::markdown::answers(site, asked)?;
        let body_key = body_key(env, site, i, text_print, answers);
        if body_key != e.body_key {
            return None;
        }
        let first_paragraph = std::str::from_utf8(&self.tail[e.first_paragraph.clone()]).ok()?;
        Some(Known {
            body_key,
            asked: crate::markdown::Asked {
                questions: asked.into(),
                print: Some(answers),
            },
            links,
            first_paragraph: first_paragraph.to_string(),
            key: e.key,
            page: e.page,
            doc: e.doc,
        })
    }

    /// Lets go of the sessions' entries (what is left is the search
    /// documents).
    pub fn drop_entries(&mut self) {
        self.entries = HashMap::new();
        self.tail = Vec::new();
    }

    /// Search document number `doc` of a session whose first paragraph is
    /// `first_paragraph`; its terms are numbers in [`Cache::terms`].
    pub fn doc(&self, doc: usize, first_paragraph: String) -> Option<crate::search::KeptDoc> {
        let range = self.docs.get(doc)?.clone();
        let mut r = Reader {
            all: &self.bytes[..range.end],
            at: range.start,
        };
        let record = match r.byte()? {
            0 => None,
            1 => Some(r.bytes()?.to_vec()),
            _ => return None,
        };
        let n = r.num()?;
        let mut ids = Vec::with_capacity(n.min(range.len()));
        for _ in 0..n {
            let t = r.num()?;
            if t >= self.terms.len() {
                return None;
            }
            ids.push(t as u32);
        }
        let at = r.at;
        let weights: Box<[u8]> = self.bytes.get(at..r.skip(n)?)?.into();
        (r.at == range.end).then_some(crate::search::KeptDoc {
            record,
            first_paragraph,
            terms: ids.into(),
            weights,
        })
    }
}

pub(crate) fn put_num(b: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        b.push((n as u8) | 0x80);
        n >>= 7;
    }
    b.push(n as u8);
}

pub(crate) fn put_bytes(b: &mut Vec<u8>, s: &[u8]) {
    put_num(b, s.len());
    b.extend_from_slice(s);
}

pub(crate) fn put_str(b: &mut Vec<u8>, s: &str) {
    put_bytes(b, s.as_bytes());
}

/// Reads what the `put_*` functions wrote; `None` at the first thing that
/// is not there or not well formed.
pub(crate) struct Reader<'a> {
    pub all: &'a [u8],
    pub at: usize,
}

impl<'a> Reader<'a> {
    /// Skips `n` bytes; where they end.
    pub fn skip(&mut self, n: usize) -> Option<usize> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.all.len())?;
        self.at = end;
        Some(end)
    }

    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let start = self.at;
        Some(&self.all[start..self.skip(n)?])
    }

    pub fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    pub fn num(&mut self) -> Option<usize> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return usize::try_from(n).ok();
            }
        }
        None
    }

    pub fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.num()?;
        self.take(n)
    }

    pub fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_as_written() {
        let mut b = Vec::new();
        let nums = [0usize, 1, 127, 128, 300, 1 << 20, usize::MAX];
        for &n in &nums {
            put_num(&mut b, n);
        }
        let mut r = Reader { all: &b, at: 0 };
        for &n in &nums {
            assert_eq!(r.num(), Some(n));
        }
        assert_eq!(r.at, b.len());
        // Cut short, or too long: nothing.
        for bad in [&[0x80][..], &[0xff; 11]] {
            assert_eq!(Reader { all: bad, at: 0 }.num(), None);
        }
    }

    /// Writes `content` as [`Checked`] does.
    fn write_checked(path: &Path, content: &[u8]) {
        let mut w = Checked::new(std::fs::File::create(path).unwrap());
        w.push(content);
        assert!(w.finish());
    }

    #[test]
    fn a_damaged_cache_is_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        let mut ok = MAGIC.to_vec();
        ok.extend_from_slice(&7u128.to_le_bytes());
        ok.extend_from_slice(&[0, 0, 0, 0]);
        write_checked(&path, &ok);
        let (env, cache) = Cache::load(&path).unwrap();
        assert_eq!((env, cache.terms.len(), cache.entries.len()), (7, 0, 0));
        let good = std::fs::read(&path).unwrap();
        // Any one bit flipped, anywhere: no cache.
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            assert!(Cache::load(&path).is_none(), "bit flipped at {at}");
        }
        // Cut short, or with more after it.
        for bad in [&good[..good.len() - 1], &[&good[..], b"x"].concat()] {
            std::fs::write(&path, bad).unwrap();
            assert!(Cache::load(&path).is_none());
        }
        // Well made but not what it should hold: another format, bytes left
        // over, or counts far beyond the file (nothing huge is reserved).
        let mut other = ok.clone();
        other[MAGIC.len() - 2] = b'0';
        let mut left_over = ok.clone();
        left_over.push(0);
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&7u128.to_le_bytes());
        huge.extend_from_slice(&[0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        let mut huge_pages = MAGIC.to_vec();
        huge_pages.extend_from_slice(&7u128.to_le_bytes());
        huge_pages.extend_from_slice(&[0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]);
        for bad in [other, left_over, huge, huge_pages] {
            write_checked(&path, &bad);
            assert!(Cache::load(&path).is_none());
        }
    }

    #[test]
    fn a_cache_written_in_many_blocks_checks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        // Pieces of every size, across block boundaries.
        let mut w = Checked::new(std::fs::File::create(&path).unwrap());
        let mut all = Vec::new();
        for n in 0..400usize {
            let piece: Vec<u8> = (0..n * 7).map(|k| (k * 31 + n) as u8).collect();
            all.extend_from_slice(&piece);
            w.push(&piece);
        }
        assert!(w.finish());
        let bytes = std::fs::read(&path).unwrap();
        assert!(all.len() > 5 * BLOCK);
        assert_eq!(checked(&bytes), Some(&all[..]));
    }
}
