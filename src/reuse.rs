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
//! - the build's environment ([`env`]): cairn's version and executable,
//!   the whole configuration, and every link target of the site (names,
//!   slugs, URLs, titles, drafts, broken notes), which is all a body's HTML
//!   takes from other notes;
//! - the note's body text, where it starts and whether its first heading is
//!   dropped;
//! - the page rendered with an empty body (title, date, people, topics,
//!   actions, backlinks, neighbours, "last changed": all of the page but
//!   the body, as it will be shown);
//! - what the search document takes from outside the body
//!   ([`crate::search::session_fingerprint`]).
//!
//! A session is kept only when its key is the one recorded and the page
//! with the recorded print is there to keep ([`crate::output::Staging::keep`]
//! reads it back and checks its hash); anything else is rendered as usual.
//! Only pages of the default session template are kept (a theme's template
//! may show the body in ways the key cannot see), and only sessions whose
//! body gave no diagnostic and whose page was written once (not again with
//! repaired backlinks, see [`crate::render`]). A cache that is missing,
//! damaged, or from another version only means a full build.

use crate::config::Config;
use crate::model::{Site, Target};
use crate::output::{Print, hash128};
use std::collections::HashMap;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The first bytes of a cache file; the number changes with the format.
const MAGIC: &[u8] = b"cairn-cache 4\n";

// The file: MAGIC; the environment (16 bytes); the search terms; each
// session's search document (in this build's session order); then the
// sessions that may be kept: source path, key, body key, page print,
// first paragraph, links, and the number of their search document. Numbers are
// LEB128, strings and documents have their length first. The documents
// are written while the search index is (the index uses them up), the
// sessions once every page is written.

/// A session as the previous build left it: where in [`Cache::bytes`]
/// its parts are.
pub struct Entry {
    pub key: u128,
    body_key: u128,
    pub page: Print,
    first_paragraph: Range<usize>,
    links: Range<usize>,
    doc: usize,
}

/// The cache of the previous build, read whole; its parts are decoded
/// only for the sessions that are kept.
pub struct Cache {
    bytes: Vec<u8>,
    pub terms: Vec<Box<str>>,
    docs: Vec<Range<usize>>,
    entries: HashMap<Box<str>, Entry>,
}

/// What a build needs to reuse pages and to leave a cache for the next one.
pub struct Reuse {
    /// The environment of this build ([`env`]).
    pub env: u128,
    /// The previous build's cache, while it is not used up.
    pub cache: Option<Cache>,
    /// Each session's key and body key, when its page may be kept next time.
    pub keys: Vec<Option<(u128, u128)>>,
    /// How many session pages were kept.
    pub kept: usize,
    /// Where the cache goes, and the new one while it is written.
    path: PathBuf,
    next: Option<std::io::BufWriter<std::fs::File>>,
}

impl Reuse {
    /// For a build with environment `env` whose cache is at `path`; the
    /// `cache` read there is used only if it was left by a build with the
    /// same environment.
    pub fn new(env: u128, path: PathBuf, cache: Option<(u128, Cache)>) -> Reuse {
        Reuse {
            env,
            cache: cache.filter(|(e, _)| *e == env).map(|(_, c)| c),
            keys: Vec::new(),
            kept: 0,
            path,
            next: None,
        }
    }

    fn new_path(&self) -> PathBuf {
        let mut tmp = self.path.as_os_str().to_owned();
        tmp.push(".new");
        tmp.into()
    }

    /// Starts the new cache with the search terms and the sessions'
    /// documents (the first `sessions` of `docs`). Failing to write only
    /// means no cache.
    pub fn write_docs(&mut self, docs: &crate::search::Documents, site: &Site) {
        let sessions = site.sessions.len();
        let file = std::fs::File::create(self.new_path());
        let mut w = match file {
            Ok(f) => std::io::BufWriter::with_capacity(1 << 16, f),
            Err(_) => return,
        };
        let mut b = Vec::with_capacity(1 << 16);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&self.env.to_le_bytes());
        put_num(&mut b, docs.terms().len());
        let mut ok = true;
        for t in docs.terms() {
            put_str(&mut b, t);
            ok &= flush_full(&mut w, &mut b);
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
                    put_num(&mut doc, t as usize);
                }
                doc.extend_from_slice(wt);
            }
            put_bytes(&mut b, &doc);
            ok &= flush_full(&mut w, &mut b);
        }
        ok &= w.write_all(&b).is_ok();
        self.next = ok.then_some(w);
    }

    /// Ends the new cache with every session that has a key and a page
    /// print, and puts it in place of the old one: call it once the new
    /// output is in place. Without a new cache, the old one goes.
    pub fn save(mut self, site: &Site, page_print: &(dyn Fn(&str) -> Option<Print> + Sync)) {
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
                let page = page_print(&format!("{}index.html", s.url))?;
                let mut b = Vec::with_capacity(s.body.first_paragraph.len() + 128);
                put_str(&mut b, &s.doc.source.to_string_lossy());
                b.extend_from_slice(&key.to_le_bytes());
                b.extend_from_slice(&body_key.to_le_bytes());
                put_num(&mut b, page.len as usize);
                b.extend_from_slice(&page.hash.to_le_bytes());
                put_str(&mut b, &s.body.first_paragraph);
                put_num(&mut b, s.body.links.len());
                for &t in &s.body.links {
                    put_target(&mut b, t);
                }
                put_num(&mut b, i);
                Some(b)
            })
            .collect();
        let mut b = Vec::new();
        put_num(&mut b, sessions.len());
        let ok = w.write_all(&b).is_ok()
            && sessions.iter().all(|s| w.write_all(s).is_ok())
            && w.flush().is_ok();
        let new = self.new_path();
        drop(w);
        if !ok || std::fs::rename(&new, &self.path).is_err() {
            let _ = std::fs::remove_file(&new);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl Drop for Reuse {
    /// A new cache that was not saved (the build failed) goes.
    fn drop(&mut self) {
        if self.next.take().is_some() {
            let _ = std::fs::remove_file(self.new_path());
        }
    }
}

/// Writes `b` out once it holds 64 KiB; false if writing failed.
fn flush_full(w: &mut impl Write, b: &mut Vec<u8>) -> bool {
    if b.len() < 1 << 16 {
        return true;
    }
    let ok = w.write_all(b).is_ok();
    b.clear();
    ok
}

/// Everything outside a note that any session's key depends on: see the
/// module documentation.
pub fn env(config: &Config, site: &Site) -> u128 {
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
    b.extend_from_slice(&links_print(site).to_le_bytes());
    hash128(&b)
}

/// A print of every link target of the site: each entry of the link
/// index and of the sources index with the URL and label it leads to,
/// the drafts and the notes that failed to load. Entries are hashed one
/// by one and their hashes added, so that the maps' order does not count.
fn links_print(site: &Site) -> u128 {
    let mut sum = 0u128;
    let mut b = Vec::with_capacity(256);
    let mut add = |b: &mut Vec<u8>, tag: u8, key: &[u8], t: Option<Target>| {
        b.clear();
        b.push(tag);
        put_bytes(b, key);
        if let Some(t) = t {
            put_target(b, t);
            let (url, label) = site.target(t);
            b.push(url.is_some() as u8);
            put_str(b, url.unwrap_or_default());
            put_str(b, label);
        }
        sum = sum.wrapping_add(hash128(b));
    };
    for (k, &t) in &site.link_index {
        add(&mut b, 0, k.as_bytes(), Some(t));
    }
    for (k, &t) in &site.by_source {
        add(&mut b, 1, k.as_os_str().as_encoded_bytes(), Some(t));
    }
    for k in &site.drafts {
        add(&mut b, 2, k.as_bytes(), None);
    }
    for k in &site.broken {
        add(&mut b, 3, k.as_bytes(), None);
    }
    sum
}

fn put_target(b: &mut Vec<u8>, t: Target) {
    let (kind, n) = match t {
        Target::Session(n) => (0u8, n),
        Target::Person(n) => (1, n),
        Target::Community(n) => (2, n),
        Target::Page(n) => (3, n),
        Target::Topic(n) => (4, n),
    };
    b.push(kind);
    put_num(b, n);
}

/// What session `i`'s body is made of: the environment, the text (its
/// print), where it starts, where its page is and whether its first
/// heading is dropped. The same key, the same HTML and links.
pub fn body_key(env: u128, site: &Site, i: usize, text_print: u128) -> u128 {
    let s = &site.sessions[i];
    let mut b = Vec::with_capacity(256);
    b.extend_from_slice(&env.to_le_bytes());
    b.extend_from_slice(&text_print.to_le_bytes());
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
        let bytes = std::fs::read(path).ok()?;
        let mut r = Reader {
            all: &bytes,
            at: MAGIC.len(),
        };
        if !bytes.starts_with(MAGIC) {
            return None;
        }
        let env = r.u128()?;
        let n = r.num()?;
        let mut terms = Vec::with_capacity(n.min(1 << 24));
        for _ in 0..n {
            terms.push(r.str()?.into());
        }
        let n = r.num()?;
        let mut docs = Vec::with_capacity(n.min(1 << 24));
        for _ in 0..n {
            let len = r.num()?;
            docs.push(r.at..r.skip(len)?);
        }
        let n = r.num()?;
        let mut entries = HashMap::with_capacity(n.min(1 << 24));
        for _ in 0..n {
            let source: Box<str> = r.str()?.into();
            let key = r.u128()?;
            let body_key = r.u128()?;
            let page = Print {
                len: r.num()? as u64,
                hash: r.u128()?,
            };
            let len = r.num()?;
            let first_paragraph = r.at..r.skip(len)?;
            std::str::from_utf8(&bytes[first_paragraph.clone()]).ok()?;
            let links_at = r.at;
            for _ in 0..r.num()? {
                r.skip(1)?;
                r.num()?;
            }
            let links = links_at..r.at;
            let doc = r.num()?;
            if doc >= docs.len() {
                return None;
            }
            let entry = Entry {
                key,
                body_key,
                page,
                first_paragraph,
                links,
                doc,
            };
            entries.insert(source, entry);
        }
        if r.at != bytes.len() {
            return None;
        }
        let cache = Cache {
            bytes,
            terms,
            docs,
            entries,
        };
        Some((env, cache))
    }

    /// What the body of the note at `source` linked to, if the cache knows
    /// it for a body with this key.
    pub fn links_if(&self, source: &Path, body_key: u128) -> Option<Vec<Target>> {
        let e = self.entries.get(&*source.to_string_lossy())?;
        if e.body_key != body_key {
            return None;
        }
        Some(self.found(e)?.links)
    }

    /// Takes the entry of the note at `source`.
    pub fn take(&mut self, source: &str) -> Option<Entry> {
        self.entries.remove(source)
    }

    /// What the rendering of `entry`'s body found.
    pub fn found(&self, entry: &Entry) -> Option<crate::bodies::Found> {
        let first_paragraph = std::str::from_utf8(&self.bytes[entry.first_paragraph.clone()])
            .ok()?
            .to_string();
        let mut r = Reader {
            all: &self.bytes[..entry.links.end],
            at: entry.links.start,
        };
        let n = r.num()?;
        let mut links = Vec::with_capacity(n.min(4096));
        for _ in 0..n {
            let kind = r.byte()?;
            let i = r.num()?;
            links.push(match kind {
                0 => Target::Session(i),
                1 => Target::Person(i),
                2 => Target::Community(i),
                3 => Target::Page(i),
                4 => Target::Topic(i),
                _ => return None,
            });
        }
        Some(crate::bodies::Found {
            first_paragraph,
            links,
            diags: Vec::new(),
        })
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
        let mut ids = Vec::with_capacity(n.min(1 << 20));
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

    /// The number of the search document of `entry`.
    pub fn doc_of(entry: &Entry) -> usize {
        entry.doc
    }
}

fn put_num(b: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        b.push((n as u8) | 0x80);
        n >>= 7;
    }
    b.push(n as u8);
}

fn put_bytes(b: &mut Vec<u8>, s: &[u8]) {
    put_num(b, s.len());
    b.extend_from_slice(s);
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_bytes(b, s.as_bytes());
}

/// Reads what the `put_*` functions wrote; `None` at the first thing that
/// is not there or not well formed.
struct Reader<'a> {
    all: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Skips `n` bytes; where they end.
    fn skip(&mut self, n: usize) -> Option<usize> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.all.len())?;
        self.at = end;
        Some(end)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let start = self.at;
        Some(&self.all[start..self.skip(n)?])
    }

    fn byte(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn num(&mut self) -> Option<usize> {
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

    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.num()?;
        self.take(n)
    }

    fn str(&mut self) -> Option<&'a str> {
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
        assert_eq!(
            Reader {
                all: &[0x80],
                at: 0
            }
            .num(),
            None
        );
        assert_eq!(
            Reader {
                all: &[0xff; 11],
                at: 0
            }
            .num(),
            None
        );
    }

    #[test]
    fn a_damaged_cache_is_no_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        for bytes in [
            &b""[..],
            b"cairn-cache 4\n",
            b"cairn-cache 0\n0123456789abcdef\x00\x00\x00",
            b"cairn-cache 4\n0123456789abcdef\x01\x05ab",
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert!(Cache::load(&path).is_none(), "{bytes:?}");
        }
        let mut ok = MAGIC.to_vec();
        ok.extend_from_slice(&7u128.to_le_bytes());
        ok.extend_from_slice(&[0, 0, 0]);
        std::fs::write(&path, &ok).unwrap();
        let (env, cache) = Cache::load(&path).unwrap();
        assert_eq!((env, cache.terms.len(), cache.entries.len()), (7, 0, 0));
        ok.push(0);
        std::fs::write(&path, &ok).unwrap();
        assert!(Cache::load(&path).is_none(), "trailing bytes");
    }
}
