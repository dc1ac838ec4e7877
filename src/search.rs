//! The offline search index, written at build time and read in the browser
//! by `search.js` without any server.
//!
//! Layout under `search/`:
//! - `manifest.json`: shard keys (term prefixes) and their file numbers,
//!   the number of documents, the facet names;
//! - `s/<n>.json`: one shard: `{term: [doc delta, weight, doc delta, …]}`
//!   for every term whose longest shard key is that prefix. Shards split
//!   by one more character until each is small, so a query fetches a few
//!   small files whatever the size of the site;
//! - `r/<doc>.json`: one record per page (title, URL, kind, date, community,
//!   people, excerpt), fetched only for the results shown;
//! - `facets.json`: kind, year and community of every document, fetched
//!   only when a filter is used.
//!
//! Documents are numbered oldest first, so a higher number is more recent.
//! Text is folded the same way here and in `search.js`: lowercase, Latin
//! accents removed, Arabic diacritics and tatweel removed, alef forms
//! unified. Drafts never reach the site graph; private people are skipped.
//!
//! How it is built: every document is tokenized once, in parallel, straight
//! from its HTML (tags skipped, cairn's entities treated as the separators
//! they decode to). Each worker keeps its own table from a word as written
//! to a term number, so a word is folded the first time that worker meets
//! it and only looked up after that, and a document's weights add up in an
//! array indexed by term number. The workers' terms are then merged into
//! one vocabulary, postings are laid out with a counting sort (documents
//! stay in order), and posting lists, shards and records are encoded in
//! parallel.
//!
//! [`SearchIndex`] keeps what an update needs (each document's terms and
//! record, the encoded posting lists) so that `cairn serve` re-indexes only
//! the pages an edit can have changed: see [`SearchIndex::update`].

use crate::bodies::{Held, SessionBodies};
use crate::model::{Body, Site, Target};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::ops::Range;
use std::path::{Path, PathBuf};
use unicode_normalization::UnicodeNormalization;

/// Shards stop splitting below this many bytes.
const SHARD_BYTES: usize = 24 * 1024;
/// Shard keys are at most this many characters long.
const MAX_KEY: usize = 12;
const EXCERPT_CHARS: usize = 360;

/// Words too common to be worth an index entry (dropped from queries too).
/// Sorted, for a binary search.
pub const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have",
    "he", "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "our", "she", "so", "that",
    "the", "their", "them", "they", "this", "to", "was", "we", "were", "what", "which", "who",
    "with", "you",
];

fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Folds text for matching: see the module documentation.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            '\u{0300}'..='\u{036f}' => {}
            '\u{064b}'..='\u{065f}' | '\u{0670}' | '\u{0640}' => {}
            'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
            c => out.extend(c.to_lowercase()),
        }
    }
    // What NFD split and was not dropped is put back together.
    out.nfc().collect()
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{064b}'..='\u{065f}' | '\u{0670}')
}

/// The entities cairn's HTML uses, with their length: each decodes to a
/// character that separates words, so the tokenizer only skips them.
fn entity_len(rest: &[u8]) -> Option<usize> {
    const ENTITIES: [&[u8]; 6] = [b"&amp;", b"&lt;", b"&gt;", b"&quot;", b"&#39;", b"&#x27;"];
    ENTITIES
        .iter()
        .find(|e| rest.starts_with(e))
        .map(|e| e.len())
}

/// Whether the character at `i` belongs in a word, and its length.
#[inline(always)]
fn word_char_at(text: &str, i: usize) -> (bool, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (b.is_ascii_alphanumeric(), 1);
    }
    let c = text[i..].chars().next().unwrap_or(' ');
    (
        c.is_alphabetic() || c.is_numeric() || is_mark(c),
        c.len_utf8(),
    )
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Eight bytes (little-endian): the high bit of each byte that is not an
/// ASCII letter or digit. Exact up to the first byte that is not ASCII
/// (itself flagged); later bytes may be flagged wrongly, so only the
/// lowest flag counts.
#[inline]
fn word_stop(x: u64) -> u64 {
    let non_ascii = x & HIGH;
    // For bytes under 0x80: b + (0x80 - lo) has its high bit set when b >=
    // lo, b + (0x7f - hi) when b > hi, and neither carries.
    let within = |v: u64, lo: u8, hi: u8| {
        let ge = v.wrapping_add(LOW * u64::from(0x80 - lo));
        let gt = v.wrapping_add(LOW * u64::from(0x7f - hi));
        ge & !gt & HIGH
    };
    let digits = within(x, b'0', b'9');
    // Setting 0x20 maps exactly A-Z onto a-z.
    let letters = within(x | (LOW * 0x20), b'a', b'z');
    (!(digits | letters) & HIGH) | non_ascii
}

/// Calls `f` with the byte range of every word of `text` as written (not
/// folded): runs of letters, digits and combining marks. With `html`, tags
/// are skipped and the entities of [`entity_len`] are separators, which
/// gives the same words as the text [`plain_text`] makes of that HTML.
fn words(text: &str, html: bool, mut f: impl FnMut(usize, usize)) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let (word, len) = word_char_at(text, i);
        if word {
            let start = i;
            i += len;
            while i < n {
                // Eight bytes at a time while they are ASCII letters and
                // digits (nearly every word).
                if i + 8 <= n {
                    let stop = word_stop(load(bytes, i, 8));
                    if stop == 0 {
                        i += 8;
                        continue;
                    }
                    i += (stop.trailing_zeros() / 8) as usize;
                }
                let b = bytes[i];
                if b.is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                if b < 0x80 {
                    break;
                }
                let (word, len) = word_char_at(text, i);
                if !word {
                    break;
                }
                i += len;
            }
            f(start, i);
            continue;
        }
        if html && bytes[i] == b'<' {
            i = memchr::memchr(b'>', &bytes[i..]).map_or(n, |p| i + p + 1);
            continue;
        }
        if html
            && bytes[i] == b'&'
            && let Some(e) = entity_len(&bytes[i..])
        {
            i += e;
            continue;
        }
        i += len;
    }
}

/// A word folded; ASCII words skip normalization.
fn fold_word(word: &str) -> std::borrow::Cow<'_, str> {
    if word.is_ascii() {
        if word.bytes().any(|b| b.is_ascii_uppercase()) {
            word.to_ascii_lowercase().into()
        } else {
            word.into()
        }
    } else {
        fold(word).into()
    }
}

/// Calls `f` with every word of a text, folded, stopwords left out. Words
/// are split on the raw text (marks stay inside their word), then folded
/// one by one.
pub fn each_token(text: &str, mut f: impl FnMut(&str)) {
    words(text, false, |s, e| {
        let t = fold_word(&text[s..e]);
        if !t.is_empty() && !is_stopword(&t) {
            f(&t);
        }
    });
}

/// The words of a text, folded, stopwords removed.
pub fn tokens(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    each_token(text, |t| v.push(t.to_string()));
    v
}

/// Plain text of rendered HTML, for excerpts: tags dropped, the entities
/// cairn's HTML uses decoded, whitespace collapsed, in one pass.
fn plain_text(html: &str) -> String {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut space = true;
    let mut i = 0;
    let push_space = |out: &mut String, space: &mut bool| {
        if !*space {
            out.push(' ');
            *space = true;
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'<' {
            i = bytes[i..]
                .iter()
                .position(|&c| c == b'>')
                .map_or(bytes.len(), |p| i + p + 1);
            push_space(&mut out, &mut space);
            continue;
        }
        if b == b'&'
            && let Some(n) = entity_len(&bytes[i..])
        {
            out.push(match &bytes[i..i + n] {
                b"&amp;" => '&',
                b"&lt;" => '<',
                b"&gt;" => '>',
                b"&quot;" => '"',
                _ => '\'',
            });
            space = false;
            i += n;
            continue;
        }
        let c = if b < 0x80 {
            b as char
        } else {
            html[i..].chars().next().unwrap_or(' ')
        };
        if c.is_whitespace() {
            push_space(&mut out, &mut space);
        } else {
            out.push(c);
            space = false;
        }
        i += c.len_utf8();
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn excerpt(text: &str) -> String {
    crate::render::excerpt(text, EXCERPT_CHARS).into_owned()
}

// ---------------------------------------------------------------- hashing

/// A small, fast hasher for the tokenizer's tables and for fingerprints.
/// Not for untrusted keys: only words of the site's own notes go in.
#[derive(Default, Clone, Copy)]
struct Fast(u64);

const MUL: u64 = 0x9e37_79b9_7f4a_7c15;

impl Fast {
    #[inline]
    fn mix(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(26) ^ v).wrapping_mul(MUL);
    }
}

impl Hasher for Fast {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 60));
        }
    }

    #[inline]
    fn write_u8(&mut self, v: u8) {
        self.mix(u64::from(v));
    }

    #[inline]
    fn write_u32(&mut self, v: u32) {
        self.mix(u64::from(v));
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.mix(v);
    }

    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.mix(v as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The product's high bits are the well mixed ones; fold them down
        // for the table index.
        let h = self.0.wrapping_mul(MUL);
        h ^ (h >> 32)
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fast>>;

// ------------------------------------------------------------- tokenizing

const NO_TERM: u32 = u32::MAX;

/// `bytes[at..at + n]` (`n` at most 8) as a little-endian integer.
#[inline]
fn load(bytes: &[u8], at: usize, n: usize) -> u64 {
    if n == 0 {
        return 0;
    }
    if at + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        let v = u64::from_le_bytes(word);
        if n == 8 {
            v
        } else {
            v & (u64::MAX >> (64 - 8 * n))
        }
    } else {
        let mut word = [0u8; 8];
        word[..n].copy_from_slice(&bytes[at..at + n]);
        u64::from_le_bytes(word)
    }
}

const EMPTY: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    /// The first 16 bytes of the word.
    k0: u64,
    k1: u64,
    /// Length in bytes; [`EMPTY`] for a free slot.
    len: u32,
    /// Where the bytes after the 16th are kept in [`WordTable::tails`].
    tail: u32,
    val: u32,
}

/// Words as written -> term numbers: open addressing, keys of up to 16
/// bytes held and compared as two integers (nearly every word), so a
/// lookup reads the word once and calls nothing.
struct WordTable {
    slots: Vec<Slot>,
    /// 64 - log2(slots).
    shift: u32,
    used: usize,
    tails: Vec<u8>,
}

/// A word's key: its first 16 bytes, length and hash.
#[derive(Clone, Copy)]
struct Key {
    hash: u64,
    k0: u64,
    k1: u64,
    len: usize,
}

impl Key {
    /// The key of `bytes[start..end]`; reads past `end` when `bytes` goes
    /// on, and masks what it read.
    #[inline]
    fn of(bytes: &[u8], start: usize, end: usize) -> Key {
        let len = end - start;
        let k0 = load(bytes, start, len.min(8));
        let k1 = load(bytes, start + 8, len.saturating_sub(8).min(8));
        let mut h = k0.wrapping_mul(MUL);
        h = (h.rotate_left(23) ^ k1).wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
        h ^= len as u64;
        let mut at = start + 16;
        while at < end {
            let n = (end - at).min(8);
            h = (h.rotate_left(23) ^ load(bytes, at, n)).wrapping_mul(MUL);
            at += n;
        }
        Key {
            hash: h.wrapping_mul(MUL),
            k0,
            k1,
            len,
        }
    }
}

impl WordTable {
    fn new() -> WordTable {
        let empty = Slot {
            hash: 0,
            k0: 0,
            k1: 0,
            len: EMPTY,
            tail: 0,
            val: 0,
        };
        WordTable {
            slots: vec![empty; 1024],
            shift: 64 - 10,
            used: 0,
            tails: Vec::new(),
        }
    }

    /// The slot of `key` (`word` is its bytes), or the free slot for it.
    #[inline(always)]
    fn find(&self, key: &Key, word: &[u8]) -> usize {
        let mask = self.slots.len() - 1;
        let mut i = (key.hash >> self.shift) as usize;
        loop {
            let s = &self.slots[i];
            if s.len == EMPTY
                || (s.hash == key.hash
                    && s.k0 == key.k0
                    && s.k1 == key.k1
                    && s.len as usize == key.len
                    && (key.len <= 16
                        || self.tails[s.tail as usize..s.tail as usize + key.len - 16]
                            == word[16..]))
            {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn get(&self, key: &Key, word: &[u8]) -> Option<u32> {
        let s = &self.slots[self.find(key, word)];
        (s.len != EMPTY).then_some(s.val)
    }

    fn insert(&mut self, key: &Key, word: &[u8], val: u32) {
        if (self.used + 1) * 2 > self.slots.len() {
            let old = std::mem::take(&mut self.slots);
            let empty = Slot {
                len: EMPTY,
                ..old[0]
            };
            self.slots = vec![empty; old.len() * 2];
            self.shift -= 1;
            let mask = self.slots.len() - 1;
            for s in old.into_iter().filter(|s| s.len != EMPTY) {
                let mut i = (s.hash >> self.shift) as usize;
                while self.slots[i].len != EMPTY {
                    i = (i + 1) & mask;
                }
                self.slots[i] = s;
            }
        }
        let i = self.find(key, word);
        let tail = self.tails.len() as u32;
        if key.len > 16 {
            self.tails.extend_from_slice(&word[16..]);
        }
        self.slots[i] = Slot {
            hash: key.hash,
            k0: key.k0,
            k1: key.k1,
            len: key.len as u32,
            tail,
            val,
        };
        self.used += 1;
    }
}

/// One worker's tokenizer state: its own term numbers, and the weights of
/// the document being indexed.
struct Scratch {
    /// Word as written -> term number, or [`NO_TERM`] for stopwords.
    raw: WordTable,
    /// Folded term -> term number.
    folded: FastMap<Box<str>, u32>,
    terms: Vec<Box<str>>,
    /// Weight of each term in the current document.
    acc: Vec<u32>,
    /// Terms of the current document, in the order first seen.
    touched: Vec<u32>,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            raw: WordTable::new(),
            folded: FastMap::default(),
            terms: Vec::new(),
            acc: Vec::new(),
            touched: Vec::new(),
        }
    }

    #[inline]
    fn word(&mut self, text: &str, start: usize, end: usize, weight: u32) {
        let bytes = text.as_bytes();
        let key = Key::of(bytes, start, end);
        let word = &bytes[start..end];
        let id = match self.raw.get(&key, word) {
            Some(id) => id,
            None => {
                let id = self.intern(&text[start..end]);
                self.raw.insert(&key, word, id);
                id
            }
        };
        if id != NO_TERM {
            let w = &mut self.acc[id as usize];
            if *w == 0 {
                self.touched.push(id);
            }
            *w = w.saturating_add(weight);
        }
    }

    fn intern(&mut self, word: &str) -> u32 {
        let folded = fold_word(word);
        if folded.is_empty() || is_stopword(&folded) {
            return NO_TERM;
        }
        if let Some(&id) = self.folded.get(&*folded) {
            return id;
        }
        let id = self.terms.len() as u32;
        let term: Box<str> = folded.into();
        self.terms.push(term.clone());
        self.folded.insert(term, id);
        self.acc.push(0);
        id
    }

    fn add(&mut self, text: &str, weight: u32) {
        words(text, false, |s, e| self.word(text, s, e, weight));
    }

    fn add_html(&mut self, html: &str, weight: u32) {
        words(html, true, |s, e| self.word(html, s, e, weight));
    }

    /// The current document's terms and weights; starts the next one.
    /// The document's terms (this worker's numbers) and their weights,
    /// capped at 255: five bytes a term, as the index keeps them.
    fn take(&mut self) -> (Box<[u32]>, Box<[u8]>) {
        let weights = self
            .touched
            .iter()
            .map(|&id| std::mem::take(&mut self.acc[id as usize]).min(255) as u8)
            .collect();
        let terms = self.touched.as_slice().into();
        self.touched.clear();
        (terms, weights)
    }
}

// -------------------------------------------------------------- documents

/// A document of the index, by what it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Src {
    Session(usize),
    Person(usize),
    Topic(usize),
    Community(usize),
    Page(usize),
}

impl Src {
    fn session(self) -> Option<usize> {
        match self {
            Src::Session(i) => Some(i),
            _ => None,
        }
    }

    fn kind(self) -> u8 {
        match self {
            Src::Session(_) => b's',
            Src::Person(_) => b'm',
            Src::Topic(_) => b't',
            Src::Community(_) => b'c',
            Src::Page(_) => b'p',
        }
    }

    fn url(self, site: &Site) -> &str {
        match self {
            Src::Session(i) => &site.sessions[i].url,
            Src::Person(i) => site.people[i].url.as_deref().unwrap_or_default(),
            Src::Topic(i) => &site.topics[i].url,
            Src::Community(i) => &site.communities[i].url,
            Src::Page(i) => &site.pages[i].url,
        }
    }

    /// The note the document comes from, relative to the site root.
    fn source(self, site: &Site) -> Option<&Path> {
        match self {
            Src::Session(i) => Some(&site.sessions[i].doc.source),
            Src::Person(i) => site.people[i].profile.as_ref().map(|d| d.source.as_path()),
            Src::Topic(_) => None,
            Src::Community(i) => site.communities[i].doc.as_ref().map(|d| d.source.as_path()),
            Src::Page(i) => Some(&site.pages[i].doc.source),
        }
    }
}

/// The documents of a site, in index order: sessions oldest first (so the
/// document number orders by date), public people, topics, communities,
/// pages.
fn sources(site: &Site) -> Vec<Src> {
    let mut v: Vec<Src> = (0..site.sessions.len()).map(Src::Session).collect();
    v.extend(
        site.people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_public())
            .map(|(i, _)| Src::Person(i)),
    );
    v.extend((0..site.topics.len()).map(Src::Topic));
    v.extend((0..site.communities.len()).map(Src::Community));
    v.extend((0..site.pages.len()).map(Src::Page));
    v
}

/// Everything a document's record and terms are made of except the HTML of
/// its body, hashed. The body is the note's own text, and the names of what
/// it links to (hashed here): so a document whose fingerprint and note are
/// unchanged indexes the same.
fn fingerprint(site: &Site, src: Src) -> u64 {
    fingerprint_with(site, src, true)
}

/// [`fingerprint`]; without `with_links`, a session's links (which its
/// body gives) are left out.
fn fingerprint_with(site: &Site, src: Src, with_links: bool) -> u64 {
    let mut h = Fast::default();
    let links = |h: &mut Fast, body: &Body| {
        if !with_links {
            return;
        }
        for &t in &body.links {
            let (url, label) = site.target(t);
            url.hash(h);
            label.hash(h);
        }
    };
    src.kind().hash(&mut h);
    src.url(site).hash(&mut h);
    match src {
        Src::Session(i) => {
            let s = &site.sessions[i];
            s.title.hash(&mut h);
            match s.when {
                crate::content::dates::When::Day(d) => {
                    (0u8, chrono::Datelike::num_days_from_ce(&d)).hash(&mut h)
                }
                crate::content::dates::When::At(t) => (
                    1u8,
                    t.timestamp(),
                    t.timestamp_subsec_nanos(),
                    t.offset().local_minus_utc(),
                )
                    .hash(&mut h),
            }
            s.community.hash(&mut h);
            if let Some(c) = s.community {
                site.communities[c].name.hash(&mut h);
            }
            for p in s.everyone() {
                site.people[p].name.hash(&mut h);
            }
            0xffu8.hash(&mut h);
            for &t in &s.topics {
                site.topics[t].name.hash(&mut h);
            }
            s.location().hash(&mut h);
            s.summary().hash(&mut h);
            links(&mut h, &s.body);
        }
        Src::Person(i) => {
            let p = &site.people[i];
            p.name.hash(&mut h);
            p.slug.hash(&mut h);
            if let Some(m) = p.profile.as_ref().map(|d| &d.meta) {
                m.aka.0.hash(&mut h);
                m.expertise.0.hash(&mut h);
                m.role.as_ref().map(|r| r.as_str()).hash(&mut h);
                m.organization.as_ref().map(|o| o.as_str()).hash(&mut h);
            }
            for &t in &p.topics {
                site.topics[t].name.hash(&mut h);
            }
            links(&mut h, &p.body);
        }
        Src::Topic(i) => {
            let t = &site.topics[i];
            t.name.hash(&mut h);
            t.sessions.len().hash(&mut h);
        }
        Src::Community(i) => {
            let c = &site.communities[i];
            c.name.hash(&mut h);
            c.doc
                .as_ref()
                .and_then(|d| d.meta.description.as_ref())
                .map(|t| t.as_str())
                .hash(&mut h);
            links(&mut h, &c.body);
        }
        Src::Page(i) => {
            let p = &site.pages[i];
            p.title.hash(&mut h);
            links(&mut h, &p.body);
        }
    }
    h.finish()
}

/// People who are not indexed, by slug: their names can appear in the
/// text of notes (an action item's owner) without a link to follow.
fn hidden_people(site: &Site) -> Vec<(&str, &str)> {
    site.people
        .iter()
        .filter(|p| !p.is_public())
        .map(|p| (p.slug.as_str(), p.name.as_str()))
        .collect()
}

/// What documents take from other notes: every title and name, each
/// person's topics, each topic's number of sessions. An update compares
/// them with the new site to find the documents an edit reaches beyond its
/// own note.
#[derive(Default)]
struct Deps {
    sessions: Vec<Box<str>>,
    people: Vec<Box<str>>,
    communities: Vec<Box<str>>,
    topics: Vec<Box<str>>,
    pages: Vec<Box<str>>,
    person_topics: Vec<Box<[usize]>>,
    topic_sessions: Vec<usize>,
}

/// Which titles, names, topic lists and counts changed.
struct Touched {
    sessions: Vec<bool>,
    people: Vec<bool>,
    communities: Vec<bool>,
    topics: Vec<bool>,
    pages: Vec<bool>,
    person_topics: Vec<bool>,
    topic_sessions: Vec<bool>,
    /// Any title or name at all.
    any_label: bool,
}

impl Deps {
    fn of(site: &Site) -> Deps {
        let boxed = |s: &str| -> Box<str> { s.into() };
        Deps {
            sessions: site.sessions.iter().map(|s| boxed(&s.title)).collect(),
            people: site.people.iter().map(|p| boxed(&p.name)).collect(),
            communities: site.communities.iter().map(|c| boxed(&c.name)).collect(),
            topics: site.topics.iter().map(|t| boxed(&t.name)).collect(),
            pages: site.pages.iter().map(|p| boxed(&p.title)).collect(),
            person_topics: site
                .people
                .iter()
                .map(|p| p.topics.clone().into())
                .collect(),
            topic_sessions: site.topics.iter().map(|t| t.sessions.len()).collect(),
        }
    }

    /// Takes the values of `site`: what changed, or `None` when the number
    /// of sessions, people, communities, topics or pages changed.
    fn refresh(&mut self, site: &Site) -> Option<Touched> {
        if self.sessions.len() != site.sessions.len()
            || self.people.len() != site.people.len()
            || self.communities.len() != site.communities.len()
            || self.topics.len() != site.topics.len()
            || self.pages.len() != site.pages.len()
        {
            *self = Deps::of(site);
            return None;
        }
        // Compared as text first: nothing is allocated unless it changed.
        let labels = |old: &mut Vec<Box<str>>, new: Vec<&str>| -> Vec<bool> {
            let changed: Vec<bool> = old.iter().zip(&new).map(|(o, n)| **o != **n).collect();
            for (o, (&n, &c)) in old.iter_mut().zip(new.iter().zip(&changed)) {
                if c {
                    *o = n.into();
                }
            }
            changed
        };
        let sessions = labels(
            &mut self.sessions,
            site.sessions.iter().map(|s| s.title.as_str()).collect(),
        );
        let people = labels(
            &mut self.people,
            site.people.iter().map(|p| p.name.as_str()).collect(),
        );
        let communities = labels(
            &mut self.communities,
            site.communities.iter().map(|c| c.name.as_str()).collect(),
        );
        let topics = labels(
            &mut self.topics,
            site.topics.iter().map(|t| t.name.as_str()).collect(),
        );
        let pages = labels(
            &mut self.pages,
            site.pages.iter().map(|p| p.title.as_str()).collect(),
        );
        let person_topics: Vec<bool> = self
            .person_topics
            .iter_mut()
            .zip(&site.people)
            .map(|(old, p)| {
                let differs = **old != *p.topics;
                if differs {
                    *old = p.topics.clone().into();
                }
                differs
            })
            .collect();
        let topic_sessions: Vec<bool> = self
            .topic_sessions
            .iter_mut()
            .zip(&site.topics)
            .map(|(old, t)| std::mem::replace(old, t.sessions.len()) != t.sessions.len())
            .collect();
        let any_label = [&sessions, &people, &communities, &topics, &pages]
            .iter()
            .any(|v| v.contains(&true));
        Some(Touched {
            sessions,
            people,
            communities,
            topics,
            pages,
            person_topics,
            topic_sessions,
            any_label,
        })
    }
}

impl Touched {
    fn label(&self, t: Target) -> bool {
        match t {
            Target::Session(i) => self.sessions[i],
            Target::Person(i) => self.people[i],
            Target::Community(i) => self.communities[i],
            Target::Page(i) => self.pages[i],
            Target::Topic(i) => self.topics[i],
        }
    }

    /// Whether the document can index differently, its own note aside.
    fn reaches(&self, site: &Site, src: Src) -> bool {
        let links = |b: &Body| b.links.iter().any(|&t| self.label(t));
        match src {
            Src::Session(i) => {
                let s = &site.sessions[i];
                self.any_label
                    && (self.sessions[i]
                        || s.community.is_some_and(|c| self.communities[c])
                        || s.everyone().any(|p| self.people[p])
                        || s.topics.iter().any(|&t| self.topics[t])
                        || links(&s.body))
            }
            Src::Person(i) => {
                let p = &site.people[i];
                self.person_topics[i]
                    || (self.any_label
                        && (self.people[i]
                            || p.topics.iter().any(|&t| self.topics[t])
                            || links(&p.body)))
            }
            Src::Topic(i) => self.topics[i] || self.topic_sessions[i],
            Src::Community(i) => {
                self.any_label && (self.communities[i] || links(&site.communities[i].body))
            }
            Src::Page(i) => self.any_label && (self.pages[i] || links(&site.pages[i].body)),
        }
    }

    /// A person who is not indexed changed name: their name can be in any
    /// note's text (an action item's owner) without a link to follow.
    fn hidden_renamed(&self, site: &Site) -> bool {
        self.people
            .iter()
            .zip(&site.people)
            .any(|(&c, p)| c && !p.is_public())
    }
}

#[derive(Serialize)]
struct Record<'a> {
    t: &'a str,
    u: &'a str,
    k: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    d: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    p: Vec<&'a str>,
    x: String,
}

/// What indexing a document gives besides its terms.
struct Indexed {
    record: Vec<u8>,
    year: i32,
    community: i64,
}

/// A record at its exact length: records are held until the index is
/// written, and a serializer's growing buffer is up to twice the record.
fn record(r: Record) -> Vec<u8> {
    let mut json = html_safe(serde_json::to_vec(&r).unwrap_or_default());
    json.shrink_to_fit();
    json
}

/// Session `i`'s record, year and community; its excerpt is the summary's
/// (or the first paragraph's), else what `body_text` gives.
fn session_indexed(
    site: &Site,
    tz: chrono_tz::Tz,
    i: usize,
    first_paragraph: &str,
    body_text: impl FnOnce() -> String,
) -> Indexed {
    let s = &site.sessions[i];
    let summary = s.summary_with(first_paragraph);
    let x = if summary.is_empty() {
        body_text()
    } else {
        excerpt(summary)
    };
    Indexed {
        record: record(Record {
            t: &s.title,
            u: &s.url,
            k: "session",
            d: s.when.short(tz),
            c: s.community.map(|c| site.communities[c].name.as_str()),
            p: s.everyone().map(|p| site.people[p].name.as_str()).collect(),
            x,
        }),
        year: s.when.year(tz),
        community: s.community.map_or(-1, |c| c as i64),
    }
}

/// Whether session `i`'s record is made from its summary or first
/// paragraph alone (see [`session_indexed`]).
pub fn record_from_summary(site: &Site, i: usize) -> bool {
    let s = &site.sessions[i];
    !s.summary_with(&s.body.first_paragraph).is_empty()
}

/// Indexes one document: its terms go into `sc`.
fn index_doc(
    site: &Site,
    tz: chrono_tz::Tz,
    bodies: &dyn SessionBodies,
    src: Src,
    sc: &mut Scratch,
) -> Indexed {
    match src {
        Src::Session(i) => {
            let s = &site.sessions[i];
            let body = bodies.body(site, i);
            let html = &body.html;
            let ix = session_indexed(site, tz, i, &body.first_paragraph, || {
                excerpt(&plain_text(html))
            });
            sc.add(&s.title, 12);
            for &t in &s.topics {
                sc.add(&site.topics[t].name, 6);
            }
            for p in s.everyone() {
                sc.add(&site.people[p].name, 3);
            }
            if let Some(c) = s.community {
                sc.add(&site.communities[c].name, 2);
            }
            if let Some(l) = &s.doc.meta.location {
                sc.add(l.as_str(), 1);
            }
            sc.add_html(html, 1);
            ix
        }
        Src::Person(i) => {
            let p = &site.people[i];
            let text = plain_text(&p.body.html);
            let meta = p.profile.as_ref().map(|d| &d.meta);
            let role = meta
                .and_then(|m| m.role.as_ref())
                .map(|r| r.as_str())
                .unwrap_or_default();
            sc.add(&p.name, 12);
            // Hyphens separate words: the slug's words as they are.
            sc.add(&p.slug, 4);
            if let Some(m) = meta {
                for a in &m.aka.0 {
                    sc.add(a, 8);
                }
                for e in &m.expertise.0 {
                    sc.add(e, 6);
                }
                sc.add(role, 3);
                if let Some(o) = &m.organization {
                    sc.add(o.as_str(), 3);
                }
            }
            // What they spoke about: the topics of the sessions they were at.
            for &t in &p.topics {
                sc.add(&site.topics[t].name, 2);
            }
            sc.add_html(&p.body.html, 1);
            Indexed {
                record: record(Record {
                    t: &p.name,
                    u: p.url.as_deref().unwrap_or_default(),
                    k: "member",
                    d: String::new(),
                    c: None,
                    p: Vec::new(),
                    x: excerpt(if text.is_empty() { role } else { &text }),
                }),
                year: 0,
                community: -1,
            }
        }
        Src::Topic(i) => {
            let t = &site.topics[i];
            sc.add(&t.name, 12);
            Indexed {
                record: record(Record {
                    t: &t.name,
                    u: &t.url,
                    k: "topic",
                    d: String::new(),
                    c: None,
                    p: Vec::new(),
                    x: format!("{} sessions", t.sessions.len()),
                }),
                year: 0,
                community: -1,
            }
        }
        Src::Community(i) => {
            let c = &site.communities[i];
            let text = plain_text(&c.body.html);
            let description = c
                .doc
                .as_ref()
                .and_then(|d| d.meta.description.as_ref())
                .map(|t| t.as_str())
                .unwrap_or_default();
            sc.add(&c.name, 12);
            sc.add(description, 3);
            sc.add_html(&c.body.html, 1);
            Indexed {
                record: record(Record {
                    t: &c.name,
                    u: &c.url,
                    k: "community",
                    d: String::new(),
                    c: Some(&c.name),
                    p: Vec::new(),
                    x: excerpt(if description.is_empty() {
                        &text
                    } else {
                        description
                    }),
                }),
                year: 0,
                community: i as i64,
            }
        }
        Src::Page(i) => {
            let p = &site.pages[i];
            let text = plain_text(&p.body.html);
            sc.add(&p.title, 12);
            sc.add_html(&p.body.html, 1);
            Indexed {
                record: record(Record {
                    t: &p.title,
                    u: &p.url,
                    k: "page",
                    d: String::new(),
                    c: None,
                    p: Vec::new(),
                    x: excerpt(&text),
                }),
                year: 0,
                community: -1,
            }
        }
    }
}

/// A document as the index keeps it.
#[derive(Clone)]
struct Entry {
    src: Src,
    url: Box<str>,
    source: Option<PathBuf>,
    print: u64,
    year: i32,
    community: i64,
    /// `r/<n>.json`.
    record: Vec<u8>,
    /// Term numbers, in no particular order, and their weights (capped at
    /// 255).
    terms: Box<[u32]>,
    weights: Box<[u8]>,
}

/// Every term of the site, numbered for good: numbers stay when terms come
/// and go, so an update can compare posting lists by number.
#[derive(Default)]
struct Vocab {
    terms: Vec<Box<str>>,
    ids: FastMap<Box<str>, u32>,
}

impl Vocab {
    fn intern(&mut self, term: &str) -> u32 {
        if let Some(&id) = self.ids.get(term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.terms.push(term.into());
        self.ids.insert(term.into(), id);
        id
    }
}

/// Sessions' documents a build takes from its cache ([`crate::reuse`])
/// instead of indexing their bodies again.
#[derive(Default)]
pub struct Kept<'a> {
    /// The cache's terms: [`KeptDoc::terms`] are numbers in this list.
    pub terms: &'a [Box<str>],
    /// By session number: the kept document, if any (asked for once).
    pub docs: Option<&'a (dyn Fn(usize) -> Option<KeptDoc> + Sync)>,
}

/// A session's document as the build cache keeps it.
pub struct KeptDoc {
    /// The record, unless it is made from the first paragraph (or the
    /// summary) alone.
    pub record: Option<Vec<u8>>,
    pub first_paragraph: String,
    /// Numbers in [`Kept::terms`], and their weights.
    pub terms: Box<[u32]>,
    pub weights: Box<[u8]>,
}

impl Kept<'_> {
    fn take(&self, src: Src) -> Option<KeptDoc> {
        let Src::Session(i) = src else { return None };
        (self.docs?)(i)
    }
}

/// Indexes `work` (documents and their fingerprints) in parallel, each
/// worker over a run of documents with its own [`Scratch`]; their terms
/// join `vocab`. Without `keep`, the entries are not meant for updates and
/// go without their URL and note. Sessions' documents that `kept` has
/// are taken as they are.
fn index_many(
    vocab: &mut Vocab,
    site: &Site,
    tz: chrono_tz::Tz,
    bodies: &dyn SessionBodies,
    work: &[(Src, u64)],
    keep: bool,
    kept: &Kept<'_>,
) -> Vec<Entry> {
    if work.is_empty() {
        return Vec::new();
    }
    let chunk = work
        .len()
        .div_ceil(rayon::current_num_threads().max(1) * 4)
        .max(8);
    // Per run of documents: the worker's terms, and each document with its
    // (worker's term number, weight) list.
    // (A kept document's terms are numbered in the cache's list: `true`.)
    type Run = (Vec<Box<str>>, Vec<(Indexed, (Box<[u32]>, Box<[u8]>), bool)>);
    let parts: Vec<Run> = work
        .par_chunks(chunk)
        .map(|run| {
            let mut sc = Scratch::new();
            let docs = run
                .iter()
                .map(|&(src, _)| match kept.take(src).zip(src.session()) {
                    Some((k, i)) => {
                        let mut ix = session_indexed(site, tz, i, &k.first_paragraph, String::new);
                        if let Some(record) = k.record {
                            ix.record = record;
                        }
                        (ix, (k.terms, k.weights), true)
                    }
                    None => {
                        let ix = index_doc(site, tz, bodies, src, &mut sc);
                        (ix, sc.take(), false)
                    }
                })
                .collect();
            (sc.terms, docs)
        })
        .collect();
    let remaps: Vec<Vec<u32>> = parts
        .iter()
        .map(|(terms, _)| terms.iter().map(|t| vocab.intern(t)).collect())
        .collect();
    let kept_remap: Vec<u32> = kept.terms.iter().map(|t| vocab.intern(t)).collect();
    let kept_remap = &kept_remap;
    parts
        .into_par_iter()
        .zip(remaps)
        .zip(work.par_chunks(chunk))
        .flat_map_iter(|(((_, docs), remap), run)| {
            docs.into_iter()
                .zip(run)
                .map(
                    move |((ix, (mut terms, weights), from_cache), &(src, print))| Entry {
                        src,
                        url: if keep {
                            src.url(site).into()
                        } else {
                            "".into()
                        },
                        source: src.source(site).filter(|_| keep).map(Path::to_path_buf),
                        print,
                        year: ix.year,
                        community: ix.community,
                        record: ix.record,
                        terms: {
                            let remap = if from_cache { kept_remap } else { &remap };
                            for t in terms.iter_mut() {
                                *t = remap[*t as usize];
                            }
                            terms
                        },
                        weights,
                    },
                )
                .collect::<Vec<_>>()
        })
        .collect()
}

// ---------------------------------------------------------------- postings

#[inline]
fn push_num(out: &mut Vec<u8>, n: u32) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    out.extend_from_slice(crate::render::html::decimal(n.into(), &mut [0; 20]).as_bytes());
}

/// A posting list as a shard writes it: `delta,weight,delta,weight…`.
fn encode(list: impl IntoIterator<Item = (u32, u8)>) -> Vec<u8> {
    let list = list.into_iter();
    let mut out = Vec::with_capacity(list.size_hint().0 * 5);
    let mut last = 0;
    for (doc, w) in list {
        if !out.is_empty() {
            out.push(b',');
        }
        push_num(&mut out, doc - last);
        out.push(b',');
        push_num(&mut out, u32::from(w));
        last = doc;
    }
    out
}

fn decode(list: &[u8]) -> Vec<(u32, u8)> {
    let mut out = Vec::new();
    let mut nums = list.split(|&b| b == b',').map(|n| {
        n.iter()
            .fold(0u32, |a, &d| a * 10 + u32::from(d.wrapping_sub(b'0')))
    });
    let mut doc = 0;
    while let (Some(delta), Some(w)) = (nums.next(), nums.next()) {
        doc += delta;
        out.push((doc, w.min(255) as u8));
    }
    out
}

/// Every posting list, by term number, from the documents' terms: a
/// counting sort, so each list has its documents in order.
/// With `take`, each document's terms go once they are in the lists (an
/// index that will not be updated needs them no more).
fn all_lists(terms: usize, docs: &mut [Entry], take: bool) -> Vec<Vec<u8>> {
    // Each list as [`encode`] writes it, straight from the documents (in
    // document order): first the exact length of every list, then the
    // lists, so that no posting is ever held twice.
    let mut len = vec![0usize; terms];
    let mut last = vec![0u32; terms];
    for (n, d) in docs.iter().enumerate() {
        for (&t, &w) in d.terms.iter().zip(d.weights.iter()) {
            let t = t as usize;
            let comma = usize::from(len[t] > 0);
            len[t] += comma + digits(n as u32 - last[t]) + 1 + digits(u32::from(w));
            last[t] = n as u32;
        }
    }
    let mut lists: Vec<Vec<u8>> = len.iter().map(|&l| Vec::with_capacity(l)).collect();
    drop(len);
    last.fill(0);
    for (n, d) in docs.iter_mut().enumerate() {
        for (&t, &w) in d.terms.iter().zip(d.weights.iter()) {
            let out = &mut lists[t as usize];
            if !out.is_empty() {
                out.push(b',');
            }
            push_num(out, n as u32 - last[t as usize]);
            out.push(b',');
            push_num(out, u32::from(w));
            last[t as usize] = n as u32;
        }
        if take {
            d.terms = Box::default();
            d.weights = Box::default();
        }
    }
    lists
}

/// How many decimal digits [`push_num`] writes for `n`.
fn digits(n: u32) -> usize {
    n.checked_ilog10().map_or(1, |l| l as usize + 1)
}

/// A list with `changes` (document, new weight or 0 for none) applied;
/// both in document order.
fn apply(list: &[u8], changes: &[(u32, u8)]) -> Vec<u8> {
    let old = decode(list);
    let mut merged = Vec::with_capacity(old.len() + changes.len());
    let (mut a, mut b) = (0, 0);
    while a < old.len() || b < changes.len() {
        let take_old = b == changes.len() || (a < old.len() && old[a].0 < changes[b].0);
        if take_old {
            merged.push(old[a]);
            a += 1;
            continue;
        }
        let (doc, w) = changes[b];
        b += 1;
        if a < old.len() && old[a].0 == doc {
            a += 1;
        }
        if w > 0 {
            merged.push((doc, w));
        }
    }
    encode(merged)
}

// ------------------------------------------------------------------ shards

/// The first `len` characters of a term.
fn prefix(term: &str, len: usize) -> &str {
    if term.len() <= len {
        return term;
    }
    if term.as_bytes()[..len].is_ascii() {
        return &term[..len];
    }
    term.char_indices()
        .nth(len)
        .map_or(term, |(i, _)| &term[..i])
}

/// Splits sorted `names[range]` by their prefix of `len` characters until
/// each shard is under [`SHARD_BYTES`]: `(key, range)` in term order.
/// Terms sharing a prefix are contiguous in sorted order, and the only term
/// as short as its key is the key itself, which comes first.
fn split(
    names: &[&str],
    sizes: &[usize],
    range: Range<usize>,
    len: usize,
    out: &mut Vec<(String, Range<usize>)>,
) {
    let mut i = range.start;
    while i < range.end {
        let key = prefix(names[i], len);
        let mut j = i + 1;
        while j < range.end && prefix(names[j], len) == key {
            j += 1;
        }
        let size: usize = sizes[i..j].iter().sum();
        let exact = usize::from(names[i].len() == key.len());
        if size <= SHARD_BYTES || j - i == exact || len >= MAX_KEY {
            out.push((key.to_string(), i..j));
        } else {
            // Terms exactly as long as the key stay in the key's own shard.
            if exact == 1 {
                out.push((key.to_string(), i..i + 1));
            }
            split(names, sizes, i + exact..j, len + 1, out);
        }
        i = j;
    }
}

fn push_json_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes()
        .all(|b| b >= 0x20 && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&'))
    {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        out.extend(html_safe(serde_json::to_vec(s).unwrap_or_default()));
    }
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e`, `\u0026`:
/// the same value to a JSON parser, and inert if a host serves the file as
/// HTML or a page inlines it in a `<script>`. (Outside strings JSON has no
/// such bytes, so a byte-wise replacement is exact.)
fn html_safe(json: Vec<u8>) -> Vec<u8> {
    if !json.iter().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    let mut out = Vec::with_capacity(json.len() + 16);
    for b in json {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            _ => out.push(b),
        }
    }
    out
}

// ------------------------------------------------------------------ index

/// The search index, kept in memory between rebuilds by `cairn serve`.
pub struct SearchIndex {
    tz: chrono_tz::Tz,
    vocab: Vocab,
    docs: Vec<Entry>,
    /// Note -> document number.
    by_source: FastMap<PathBuf, u32>,
    /// Encoded posting list of every term number (empty: not in the site).
    lists: Vec<Vec<u8>>,
    /// Term numbers with postings, in term order.
    order: Vec<u32>,
    /// Shard key and its terms (a range of `order`), by file number.
    shards: Vec<(String, Range<usize>)>,
    facets: Vec<u8>,
    manifest: Vec<u8>,
    /// Communities, for the manifest.
    communities: Vec<String>,
    hidden: Vec<(String, String)>,
    deps: Deps,
}

/// What an update changes in the output: files to write (path under the
/// output root, bytes) and files to delete.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delta {
    pub put: Vec<(String, Vec<u8>)>,
    pub remove: Vec<String>,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.remove.is_empty()
    }
}

fn shard_path(n: usize) -> String {
    format!("search/s/{n}.json")
}

/// Records per file of `search/r/`: a file is a JSON array holding the
/// records of documents `RECORDS * k` to `RECORDS * k + RECORDS - 1`. One
/// file per document was twelve thousand files at 10k notes (creating them
/// was a good part of the build's time in the kernel); four to a file is a
/// quarter of that, and a results list of 30 fetches at most 30 files of
/// about 2.7 KB instead of 0.7 KB.
const RECORDS: usize = 4;

fn record_path(bucket: usize) -> String {
    format!("search/r/{bucket}.json")
}

/// The records file `bucket`.
fn record_file(docs: &[Entry], bucket: usize) -> (String, Vec<u8>) {
    let group = &docs[bucket * RECORDS..((bucket + 1) * RECORDS).min(docs.len())];
    let mut out = Vec::with_capacity(group.iter().map(|d| d.record.len() + 1).sum::<usize>() + 2);
    out.push(b'[');
    for (n, d) in group.iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&d.record);
    }
    out.push(b']');
    (record_path(bucket), out)
}

/// Every records file.
fn record_files(docs: &[Entry]) -> impl Iterator<Item = (String, Vec<u8>)> + '_ {
    (0..docs.len().div_ceil(RECORDS)).map(|b| record_file(docs, b))
}

const FACETS: &str = "search/facets.json";
const MANIFEST: &str = "search/manifest.json";

impl SearchIndex {
    /// Indexes the whole site.
    pub fn build(site: &Site, tz: chrono_tz::Tz) -> SearchIndex {
        SearchIndex::build_with(site, tz, &Held, true)
    }

    /// Without `keep`, for [`build`]: the index cannot be updated.
    fn build_with(
        site: &Site,
        tz: chrono_tz::Tz,
        bodies: &dyn SessionBodies,
        keep: bool,
    ) -> SearchIndex {
        let srcs = sources(site);
        let work: Vec<(Src, u64)> = srcs
            .par_iter()
            .map(|&s| (s, if keep { fingerprint(site, s) } else { 0 }))
            .collect();
        let mut vocab = Vocab::default();
        let docs = index_many(&mut vocab, site, tz, bodies, &work, keep, &Kept::default());
        let mut ix = SearchIndex::assemble(site, tz, vocab, docs, keep);
        if keep {
            ix.deps = Deps::of(site);
        }
        ix
    }

    /// Posting lists, shards, facets and manifest of indexed documents.
    /// Without `keep`, the documents' terms go once they are in the lists.
    fn assemble(
        site: &Site,
        tz: chrono_tz::Tz,
        vocab: Vocab,
        mut docs: Vec<Entry>,
        keep: bool,
    ) -> SearchIndex {
        let lists = all_lists(vocab.terms.len(), &mut docs, !keep);
        let mut order: Vec<u32> = (0..lists.len() as u32)
            .filter(|&t| !lists[t as usize].is_empty())
            .collect();
        order.par_sort_unstable_by(|&a, &b| vocab.terms[a as usize].cmp(&vocab.terms[b as usize]));
        let by_source = docs
            .iter()
            .enumerate()
            .filter_map(|(n, d)| Some((d.source.clone()?, n as u32)))
            .collect();
        let mut ix = SearchIndex {
            tz,
            vocab,
            docs,
            by_source,
            lists,
            order,
            shards: Vec::new(),
            facets: Vec::new(),
            manifest: Vec::new(),
            communities: site.communities.iter().map(|c| c.name.clone()).collect(),
            hidden: owned(hidden_people(site)),
            deps: Deps::default(),
        };
        ix.shards = ix.split_all();
        ix.facets = ix.facets_json();
        ix.manifest = ix.manifest_json();
        ix
    }

    fn split_all(&self) -> Vec<(String, Range<usize>)> {
        let names: Vec<&str> = self
            .order
            .iter()
            .map(|&t| &*self.vocab.terms[t as usize])
            .collect();
        let sizes: Vec<usize> = self
            .order
            .iter()
            .map(|&t| self.vocab.terms[t as usize].len() + self.lists[t as usize].len() + 6)
            .collect();
        let mut out = Vec::new();
        split(&names, &sizes, 0..names.len(), 1, &mut out);
        out
    }

    fn shard_json(&self, n: usize) -> Vec<u8> {
        let range = self.shards[n].1.clone();
        let terms = &self.order[range];
        let size: usize = terms
            .iter()
            .map(|&t| self.vocab.terms[t as usize].len() + self.lists[t as usize].len() + 6)
            .sum();
        let mut out = Vec::with_capacity(size + 2);
        out.push(b'{');
        for (j, &t) in terms.iter().enumerate() {
            if j > 0 {
                out.push(b',');
            }
            push_json_str(&mut out, &self.vocab.terms[t as usize]);
            out.extend_from_slice(b":[");
            out.extend_from_slice(&self.lists[t as usize]);
            out.push(b']');
        }
        out.push(b'}');
        out
    }

    fn facets_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.docs.len() * 6 + 64);
        out.extend_from_slice(b"{\"communities\":[");
        for (n, d) in self.docs.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(d.community.to_string().as_bytes());
        }
        out.extend_from_slice(b"],\"kinds\":\"");
        out.extend(self.docs.iter().map(|d| d.src.kind()));
        out.extend_from_slice(b"\",\"years\":[");
        for (n, d) in self.docs.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(d.year.to_string().as_bytes());
        }
        out.extend_from_slice(b"]}");
        out
    }

    fn manifest_json(&self) -> Vec<u8> {
        let keys: BTreeMap<&str, usize> = self
            .shards
            .iter()
            .enumerate()
            .map(|(n, (key, _))| (key.as_str(), n))
            .collect();
        let mut years: Vec<i32> = self
            .docs
            .iter()
            .map(|d| d.year)
            .filter(|y| *y > 0)
            .collect();
        years.sort_unstable();
        years.dedup();
        let manifest = serde_json::json!({
            "version": 2,
            "docs": self.docs.len(),
            "records": RECORDS,
            "shards": keys,
            "stopwords": STOPWORDS,
            "communities": self.communities,
            "years": years,
        })
        .to_string()
        .into_bytes();
        html_safe(manifest)
    }

    /// Every file of the index: (path under the output root, bytes).
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = (0..self.shards.len())
            .into_par_iter()
            .map(|n| (shard_path(n), self.shard_json(n)))
            .collect();
        files.extend(record_files(&self.docs));
        files.push((FACETS.into(), self.facets.clone()));
        files.push((MANIFEST.into(), self.manifest.clone()));
        files
    }

    /// [`SearchIndex::files`], without copying the records.
    pub fn into_files(self) -> Vec<(String, Vec<u8>)> {
        let files = std::sync::Mutex::new(Vec::new());
        self.put_files(&|path, bytes| {
            if let Ok(mut f) = files.lock() {
                f.push((path, bytes));
            }
        });
        let mut files = files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.0.cmp(&b.0));
        files
    }

    /// Gives every file of the index to `put` as soon as it is made (in
    /// parallel): the index is never in memory twice.
    pub fn put_files(self, put: &(dyn Fn(String, Vec<u8>) + Sync)) {
        (0..self.shards.len())
            .into_par_iter()
            .for_each(|n| put(shard_path(n), self.shard_json(n)));
        let SearchIndex {
            docs,
            facets,
            manifest,
            ..
        } = self;
        (0..docs.len().div_ceil(RECORDS))
            .into_par_iter()
            .for_each(|b| {
                let (path, bytes) = record_file(&docs, b);
                put(path, bytes)
            });
        put(FACETS.into(), facets);
        put(MANIFEST.into(), manifest);
    }

    /// Documents whose note is one of `changed` (absolute, or relative to
    /// any folder: every tail of each path is looked up).
    fn notes_changed(&self, changed: &[PathBuf]) -> Vec<usize> {
        let mut out = Vec::new();
        for path in changed {
            let parts: Vec<_> = path.components().collect();
            for k in 0..parts.len() {
                let tail: PathBuf = parts[k..].iter().collect();
                if let Some(&n) = self.by_source.get(&tail) {
                    out.push(n as usize);
                }
            }
        }
        out
    }

    /// The site changed: `site` is the newly linked site, `changed` the
    /// notes that changed, were added or were removed (paths as the watcher
    /// reports them, absolute or relative to the site's root). Re-indexes
    /// only the documents whose text can have changed and returns the files
    /// to write and to delete, so that the index is byte for byte what
    /// [`SearchIndex::build`] gives for `site`.
    ///
    /// When the site has the same documents, a document is indexed again
    /// when its own note is in `changed`, or when something it takes from
    /// other notes changed: the title or name of a session, person,
    /// community, topic or page it shows or links to, a person's topics, a
    /// topic's number of sessions. Only the posting lists of terms whose
    /// weights changed are encoded again, and only the shards, records,
    /// facets and manifest whose bytes changed are returned (a shard that
    /// splits renumbers the shards after it: those are rewritten too).
    ///
    /// When the documents change (a note added, removed, made a draft or
    /// private, or moved in date order), they are renumbered: documents
    /// whose inputs are unchanged (by a fingerprint of everything but their
    /// body, and their note not in `changed`) keep their terms, the posting
    /// lists are laid out again, and every file that differs is returned
    /// (most records and shards after an insertion). A change of time zone,
    /// of `cairn.yaml` or of the name of a private person indexes every
    /// document again.
    pub fn update(&mut self, site: &Site, tz: chrono_tz::Tz, changed: &[PathBuf]) -> Delta {
        let srcs = sources(site);
        let touched = self.deps.refresh(site);
        let everything = tz != self.tz
            || touched.as_ref().is_some_and(|t| t.hidden_renamed(site))
            || hidden_people(site)
                .into_iter()
                .ne(self.hidden.iter().map(|(a, b)| (a.as_str(), b.as_str())))
            || changed.iter().any(|p| {
                p.file_name()
                    .is_some_and(|n| n == crate::config::CONFIG_FILE)
            });
        let same_docs = touched.is_some()
            && srcs.len() == self.docs.len()
            && srcs.iter().zip(&self.docs).all(|(&s, d)| {
                s == d.src
                    && s.url(site) == &*d.url
                    && s.source(site).map(Path::as_os_str)
                        == d.source.as_deref().map(Path::as_os_str)
            });
        // The documents to index again with their fingerprints: with the
        // same documents, those whose note changed or that take something
        // that changed from another note; else all, to compare.
        let mut dirty: Vec<usize> = Vec::new();
        let work: Vec<(Src, u64)> = match (&touched, same_docs) {
            (Some(touched), true) => {
                dirty = if everything {
                    (0..srcs.len()).collect()
                } else {
                    (0..srcs.len())
                        .filter(|&n| touched.reaches(site, srcs[n]))
                        .collect()
                };
                dirty.extend(self.notes_changed(changed));
                dirty.sort_unstable();
                dirty.dedup();
                dirty
                    .par_iter()
                    .map(|&n| (srcs[n], fingerprint(site, srcs[n])))
                    .collect()
            }
            _ => srcs
                .par_iter()
                .map(|&s| (s, fingerprint(site, s)))
                .collect(),
        };
        let old_order = self.order.clone();
        let old_shards = std::mem::take(&mut self.shards);
        let old_facets = std::mem::take(&mut self.facets);
        let old_manifest = std::mem::take(&mut self.manifest);
        self.tz = tz;
        self.communities = site.communities.iter().map(|c| c.name.clone()).collect();
        self.hidden = owned(hidden_people(site));
        let mut delta = Delta::default();
        // Records files to write again.
        let mut records: Vec<usize> = Vec::new();
        // Terms whose posting list changed.
        let mut moved = vec![false; self.vocab.terms.len()];
        if same_docs {
            let fresh = index_many(
                &mut self.vocab,
                site,
                tz,
                &Held,
                &work,
                true,
                &Kept::default(),
            );
            self.lists.resize(self.vocab.terms.len(), Vec::new());
            moved.resize(self.vocab.terms.len(), false);
            // (term, document, new weight or 0), then grouped by term.
            let mut changes: Vec<(u32, u32, u8)> = Vec::new();
            for (&n, new) in dirty.iter().zip(&fresh) {
                diff_terms(&self.docs[n], new, n as u32, &mut changes);
            }
            changes.sort_unstable();
            let groups: Vec<&[(u32, u32, u8)]> = changes.chunk_by(|a, b| a.0 == b.0).collect();
            let lists = &self.lists;
            let updated: Vec<(u32, Vec<u8>)> = groups
                .par_iter()
                .map(|g| {
                    let t = g[0].0;
                    let ch: Vec<(u32, u8)> = g.iter().map(|&(_, d, w)| (d, w)).collect();
                    (t, apply(&lists[t as usize], &ch))
                })
                .collect();
            let mut gone = false;
            let mut born = Vec::new();
            for (t, list) in updated {
                let slot = &mut self.lists[t as usize];
                if *slot != list {
                    moved[t as usize] = true;
                    gone |= list.is_empty();
                    if slot.is_empty() {
                        born.push(t);
                    }
                    *slot = list;
                }
            }
            let mut facets = false;
            for (n, new) in dirty.into_iter().zip(fresh) {
                let doc = &mut self.docs[n];
                if doc.record != new.record {
                    records.push(n / RECORDS);
                }
                facets |= doc.year != new.year || doc.community != new.community;
                *doc = new;
            }
            if gone {
                let lists = &self.lists;
                self.order.retain(|&t| !lists[t as usize].is_empty());
            }
            let terms = &self.vocab.terms;
            for t in born {
                let at = self
                    .order
                    .partition_point(|&o| terms[o as usize] < terms[t as usize]);
                self.order.insert(at, t);
            }
            self.facets = if facets {
                self.facets_json()
            } else {
                old_facets.clone()
            };
        } else {
            // Documents renumbered: keep what is unchanged, lay out again.
            let noted: std::collections::HashSet<usize> =
                self.notes_changed(changed).into_iter().collect();
            let by_url: FastMap<&str, usize> = self
                .docs
                .iter()
                .enumerate()
                .map(|(n, d)| (&*d.url, n))
                .collect();
            let keep: Vec<Option<usize>> = work
                .iter()
                .map(|&(s, print)| {
                    let n = *by_url.get(s.url(site))?;
                    let d = &self.docs[n];
                    (!everything
                        && !noted.contains(&n)
                        && d.src.kind() == s.kind()
                        && d.print == print
                        && d.source.as_deref() == s.source(site))
                    .then_some(n)
                })
                .collect();
            let redo: Vec<(Src, u64)> = work
                .iter()
                .zip(&keep)
                .filter(|(_, k)| k.is_none())
                .map(|(w, _)| *w)
                .collect();
            let fresh = index_many(
                &mut self.vocab,
                site,
                tz,
                &Held,
                &redo,
                true,
                &Kept::default(),
            );
            // Records first, against what each number held before.
            let mut next = 0;
            for (n, k) in keep.iter().enumerate() {
                let record = match k {
                    Some(o) => &self.docs[*o].record,
                    None => {
                        next += 1;
                        &fresh[next - 1].record
                    }
                };
                if self.docs.get(n).is_none_or(|o| o.record != *record) {
                    records.push(n / RECORDS);
                }
            }
            // Documents that are gone: their files go, or lose records.
            for n in keep.len()..self.docs.len() {
                if n / RECORDS < keep.len().div_ceil(RECORDS) {
                    records.push(n / RECORDS);
                } else if n % RECORDS == 0 {
                    delta.remove.push(record_path(n / RECORDS));
                }
            }
            let mut old: Vec<Option<Entry>> = std::mem::take(&mut self.docs)
                .into_iter()
                .map(Some)
                .collect();
            let mut fresh = fresh.into_iter();
            let mut docs: Vec<Entry> = work
                .iter()
                .zip(&keep)
                .map(|(&(src, _), k)| match k {
                    Some(o) => {
                        let mut d = old[*o].take().expect("each old document kept once");
                        d.src = src;
                        d
                    }
                    None => fresh.next().expect("one fresh entry per document redone"),
                })
                .collect();
            let lists = all_lists(self.vocab.terms.len(), &mut docs, false);
            moved = lists
                .iter()
                .enumerate()
                .map(|(t, l)| self.lists.get(t).is_none_or(|o| o != l))
                .collect();
            self.lists = lists;
            let mut order: Vec<u32> = (0..self.lists.len() as u32)
                .filter(|&t| !self.lists[t as usize].is_empty())
                .collect();
            let terms = &self.vocab.terms;
            order.par_sort_unstable_by(|&a, &b| terms[a as usize].cmp(&terms[b as usize]));
            self.order = order;
            self.docs = docs;
            self.by_source = self
                .docs
                .iter()
                .enumerate()
                .filter_map(|(n, d)| Some((d.source.clone()?, n as u32)))
                .collect();
            self.facets = self.facets_json();
        }
        records.sort_unstable();
        records.dedup();
        delta
            .put
            .extend(records.into_iter().map(|b| record_file(&self.docs, b)));
        // Shards: split again if any list changed; rewrite those whose key,
        // terms or lists changed.
        if moved.iter().any(|&m| m) {
            self.shards = self.split_all();
            let put: Vec<(String, Vec<u8>)> = (0..self.shards.len())
                .into_par_iter()
                .filter(|&n| {
                    let (key, range) = &self.shards[n];
                    let terms = &self.order[range.clone()];
                    !old_shards.get(n).is_some_and(|(k, r)| {
                        k == key
                            && old_order[r.clone()] == *terms
                            && terms.iter().all(|&t| !moved[t as usize])
                    })
                })
                .map(|n| (shard_path(n), self.shard_json(n)))
                .collect();
            delta.put.extend(put);
            delta
                .remove
                .extend((self.shards.len()..old_shards.len()).map(shard_path));
        } else {
            self.shards = old_shards;
        }
        if self.facets != old_facets {
            delta.put.push((FACETS.into(), self.facets.clone()));
        }
        self.manifest = self.manifest_json();
        if self.manifest != old_manifest {
            delta.put.push((MANIFEST.into(), self.manifest.clone()));
        }
        delta
    }
}

fn owned(v: Vec<(&str, &str)>) -> Vec<(String, String)> {
    v.into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Appends to `out` the terms whose weight in document `n` differs between
/// `old` and `new`: (term, n, new weight, 0 when gone).
fn diff_terms(old: &Entry, new: &Entry, n: u32, out: &mut Vec<(u32, u32, u8)>) {
    let sorted = |e: &Entry| {
        let mut v: Vec<(u32, u8)> = e
            .terms
            .iter()
            .copied()
            .zip(e.weights.iter().copied())
            .collect();
        v.sort_unstable();
        v
    };
    let (old, new) = (sorted(old), sorted(new));
    let (mut a, mut b) = (0, 0);
    while a < old.len() || b < new.len() {
        let none = (u32::MAX, 0);
        let ((ta, wa), (tb, wb)) = (
            old.get(a).copied().unwrap_or(none),
            new.get(b).copied().unwrap_or(none),
        );
        if ta < tb {
            out.push((ta, n, 0));
            a += 1;
        } else if tb < ta {
            out.push((tb, n, wb));
            b += 1;
        } else {
            if wa != wb {
                out.push((tb, n, wb));
            }
            a += 1;
            b += 1;
        }
    }
}

/// Builds every file of the index: `(output path, bytes)`.
pub fn build(site: &Site, tz: chrono_tz::Tz) -> Vec<(String, Vec<u8>)> {
    build_from(site, tz, &Held)
}

/// [`build`], with the sessions' bodies from `bodies`.
pub fn build_from(
    site: &Site,
    tz: chrono_tz::Tz,
    bodies: &dyn SessionBodies,
) -> Vec<(String, Vec<u8>)> {
    SearchIndex::build_with(site, tz, bodies, false).into_files()
}

/// Every document of the site indexed, in parallel, before the index is
/// put together ([`files`]).
pub struct Documents {
    vocab: Vocab,
    docs: Vec<Entry>,
}

/// Indexes every document of the site, the sessions' bodies from `bodies`.
pub fn index(site: &Site, tz: chrono_tz::Tz, bodies: &dyn SessionBodies) -> Documents {
    index_reusing(site, tz, bodies, &Kept::default())
}

/// [`index`], taking the sessions' documents that `kept` has as they are.
pub fn index_reusing(
    site: &Site,
    tz: chrono_tz::Tz,
    bodies: &dyn SessionBodies,
    kept: &Kept<'_>,
) -> Documents {
    let work: Vec<(Src, u64)> = sources(site).into_iter().map(|s| (s, 0)).collect();
    let mut vocab = Vocab::default();
    let docs = index_many(&mut vocab, site, tz, bodies, &work, false, kept);
    Documents { vocab, docs }
}

impl Documents {
    /// Every term, by number.
    pub fn terms(&self) -> &[Box<str>] {
        &self.vocab.terms
    }

    /// Session `i`'s document: record, terms (numbers in
    /// [`Documents::terms`]) and weights.
    pub fn session(&self, i: usize) -> Option<(&[u8], &[u32], &[u8])> {
        let d = self.docs.get(i).filter(|d| d.src == Src::Session(i))?;
        Some((&d.record, &d.terms, &d.weights))
    }
}

/// What a session's document depends on besides its body and the names
/// of what the body links to (see [`fingerprint`]).
pub fn session_fingerprint(site: &Site, i: usize) -> u64 {
    fingerprint_with(site, Src::Session(i), false)
}

/// Gives every file of the index of `documents` to `put` as it is made.
pub fn put_files(
    site: &Site,
    tz: chrono_tz::Tz,
    documents: Documents,
    put: &(dyn Fn(String, Vec<u8>) + Sync),
) {
    SearchIndex::assemble(site, tz, documents.vocab, documents.docs, false).put_files(put)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_lists_are_encoded_as_each_list_alone_would_be() {
        // Documents with pseudo-random terms and weights, numbers wide
        // enough for every digit count.
        let mut x: u64 = 7;
        let mut next = |m: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        let terms = 50;
        let mut docs: Vec<Entry> = (0..3000)
            .map(|_| {
                let mut t: Vec<u32> = (0..next(12)).map(|_| next(terms) as u32).collect();
                t.sort_unstable();
                t.dedup();
                let w: Vec<u8> = t.iter().map(|_| next(256) as u8).collect();
                Entry {
                    src: Src::Topic(0),
                    url: "".into(),
                    source: None,
                    print: 0,
                    year: 0,
                    community: -1,
                    record: Vec::new(),
                    terms: t.into(),
                    weights: w.into(),
                }
            })
            .collect();
        let expected: Vec<Vec<u8>> = (0..terms as u32)
            .map(|term| {
                encode(docs.iter().enumerate().filter_map(|(n, d)| {
                    let at = d.terms.iter().position(|&t| t == term)?;
                    Some((n as u32, d.weights[at]))
                }))
            })
            .collect();
        assert_eq!(all_lists(terms as usize, &mut docs, false), expected);
        assert!(
            docs.iter()
                .all(|d| !d.terms.is_empty() || d.weights.is_empty())
        );
        assert_eq!(all_lists(terms as usize, &mut docs, true), expected);
        assert!(docs.iter().all(|d| d.terms.is_empty()));
        assert_eq!(
            [0, 9, 10, 99, 100, 4_294_967_295].map(digits),
            [1, 1, 2, 2, 3, 10]
        );
    }

    #[test]
    fn folding_matches_accents_case_and_arabic_forms() {
        assert_eq!(fold("Café CRÈME Zoë"), "cafe creme zoe");
        assert_eq!(fold("São Paulo"), "sao paulo");
        // Diacritics (tashkeel) and tatweel go; alef forms become one.
        assert_eq!(fold("القِيَادَة"), "القيادة");
        assert_eq!(fold("إدارة"), "ادارة");
        assert_eq!(fold("مـجـتـمـع"), "مجتمع");
        let t: Vec<String> = tokens("The budget, for learning: 2026!");
        assert_eq!(t, vec!["budget", "learning", "2026"]);
    }

    #[test]
    fn the_index_can_live_in_a_server() {
        fn shared<T: Send + Sync>() {}
        shared::<SearchIndex>();
        shared::<Delta>();
    }

    #[test]
    fn stopwords_are_sorted() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    /// The words of HTML are the words of its plain text.
    #[test]
    fn html_words_are_the_words_of_its_text() {
        let html = "<p>Caf\u{e9} <em>cr\u{e8}me</em>&amp;co, AT&amp;T &lt;b&gt; \
                    &nbsp;x&#39;s<a href=\"q>r\">link</a> \u{627}\u{644}\u{642}\u{650}\u{64a}\u{64e}\u{627}\u{62f}\u{629}</p>\n<p>end";
        let mut a = Vec::new();
        words(html, true, |s, e| a.push(html[s..e].to_string()));
        let mut b = Vec::new();
        let text = plain_text(html);
        words(&text, false, |s, e| b.push(text[s..e].to_string()));
        assert_eq!(a, b);
        assert_eq!(
            plain_text("<p>a &amp; b</p>\n\n<p> c\u{a0}d </p>"),
            "a & b c d"
        );
    }

    #[test]
    fn eight_bytes_at_a_time_stop_where_one_at_a_time_does() {
        let alphabet = b"aZ09 -<@[`{\xc3\xa9/:";
        let mut seed = 7u64;
        for _ in 0..20000 {
            let mut word = [0u8; 8];
            for b in &mut word {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = alphabet[(seed >> 33) as usize % alphabet.len()];
            }
            let first = word
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .map_or(8, |p| p as u32);
            let stop = word_stop(u64::from_le_bytes(word));
            assert_eq!(stop.trailing_zeros() / 8, first, "{word:?}");
        }
    }

    #[test]
    fn html_words_are_the_words_of_its_text_whatever_the_markup() {
        let pieces = [
            "a",
            "Zo",
            "9",
            " ",
            "\n",
            "<",
            ">",
            "<p>",
            "</a>",
            "&",
            "&amp;",
            "&lt;",
            "&gt;",
            "&quot;",
            "&#39;",
            "&#x27;",
            "&nbsp;",
            ";",
            "#",
            "\u{e9}",
            "e\u{301}",
            "\u{627}\u{650}",
            "\u{640}",
            "\u{a0}",
            "\u{2014}",
            "-",
            "'",
        ];
        let mut seed = 11u64;
        for _ in 0..3000 {
            let mut html = String::new();
            for _ in 0..12 {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                html.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            let mut a = Vec::new();
            words(&html, true, |s, e| a.push(html[s..e].to_string()));
            let text = plain_text(&html);
            let mut b = Vec::new();
            words(&text, false, |s, e| b.push(text[s..e].to_string()));
            assert_eq!(a, b, "{html:?}");
        }
    }

    #[test]
    fn posting_lists_round_trip() {
        let list = vec![(3, 1), (4, 255), (90, 12), (70000, 2)];
        let enc = encode(list.iter().copied());
        assert_eq!(enc, b"3,1,1,255,86,12,69910,2");
        assert_eq!(decode(&enc), list);
        assert_eq!(
            apply(&enc, &[(0, 5), (4, 0), (90, 7), (100, 1)]),
            encode([(0, 5), (3, 1), (90, 7), (100, 1), (70000, 2)])
        );
        assert!(apply(b"3,1", &[(3, 0)]).is_empty());
    }

    #[test]
    fn shards_split_until_small() {
        let big = "1,1,".repeat(4000);
        let names = ["budget", "learn", "learning", "leave"];
        let sizes: Vec<usize> = [3, big.len(), big.len(), 3]
            .iter()
            .zip(names)
            .map(|(l, n)| n.len() + l + 6)
            .collect();
        let mut out = Vec::new();
        split(&names, &sizes, 0..names.len(), 1, &mut out);
        let keys: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        // "learn" and "learning" end up apart; "b…" stays one shard.
        assert_eq!(keys, ["b", "learn", "learni", "leav"]);
        assert_eq!(out[1].1, 1..2);
    }
}
