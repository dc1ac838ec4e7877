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

use crate::model::Site;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use unicode_normalization::UnicodeNormalization;

/// Shards stop splitting below this many bytes.
const SHARD_BYTES: usize = 24 * 1024;
const EXCERPT_CHARS: usize = 360;

/// Words too common to be worth an index entry (dropped from queries too).
pub const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has", "have",
    "he", "her", "his", "i", "in", "is", "it", "its", "of", "on", "or", "our", "she", "so", "that",
    "the", "their", "them", "they", "this", "to", "was", "we", "were", "what", "which", "who",
    "with", "you",
];

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

/// Calls `f` with every word of a text, folded, stopwords left out. Words
/// are split on the raw text (marks stay inside their word), then folded
/// one by one: ASCII words, nearly all of them, skip normalization.
pub fn each_token(text: &str, mut f: impl FnMut(&str)) {
    let mut buf = String::new();
    for word in text.split(|c: char| !(c.is_alphabetic() || c.is_numeric() || is_mark(c))) {
        if word.is_empty() {
            continue;
        }
        let folded: &str = if word.is_ascii() {
            if word.bytes().any(|b| b.is_ascii_uppercase()) {
                buf.clear();
                buf.push_str(word);
                buf.make_ascii_lowercase();
                &buf
            } else {
                word
            }
        } else {
            buf = fold(word);
            &buf
        };
        if !folded.is_empty() && !STOPWORDS.contains(&folded) {
            f(folded);
        }
    }
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{064b}'..='\u{065f}' | '\u{0670}')
}

/// The words of a text, folded, stopwords removed.
pub fn tokens(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    each_token(text, |t| v.push(t.to_string()));
    v
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

struct Doc<'a> {
    record: Record<'a>,
    /// Folded term -> weight.
    terms: HashMap<String, u32>,
    year: i32,
    community: Option<usize>,
}

impl<'a> Doc<'a> {
    fn new(record: Record<'a>, year: i32, community: Option<usize>) -> Doc<'a> {
        Doc {
            record,
            terms: HashMap::new(),
            year,
            community,
        }
    }

    fn add(&mut self, text: &str, weight: u32) {
        let terms = &mut self.terms;
        each_token(text, |t| match terms.get_mut(t) {
            Some(w) => *w += weight,
            None => {
                terms.insert(t.to_string(), weight);
            }
        });
    }
}

/// Plain text of rendered HTML, for the body's terms and the excerpt: tags
/// dropped, the entities cairn's HTML uses decoded, whitespace collapsed,
/// in one pass.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut space = true;
    let push = |out: &mut String, space: &mut bool, c: char| {
        if c.is_whitespace() {
            if !*space {
                out.push(' ');
                *space = true;
            }
        } else {
            out.push(c);
            *space = false;
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
            push(&mut out, &mut space, ' ');
            continue;
        }
        if c == '&' {
            let entity = [
                ("&amp;", '&'),
                ("&lt;", '<'),
                ("&gt;", '>'),
                ("&quot;", '"'),
                ("&#39;", '\''),
                ("&#x27;", '\''),
            ]
            .iter()
            .find(|(e, _)| rest.starts_with(e));
            if let Some((e, ch)) = entity {
                push(&mut out, &mut space, *ch);
                rest = &rest[e.len()..];
                continue;
            }
        }
        push(&mut out, &mut space, c);
        rest = &rest[c.len_utf8()..];
    }
    out.trim_end().to_string()
}

fn excerpt(text: &str) -> String {
    crate::render::excerpt(text, EXCERPT_CHARS).into_owned()
}

/// Builds every file of the index: `(output path, bytes)`.
pub fn build(site: &Site, tz: chrono_tz::Tz) -> Vec<(String, Vec<u8>)> {
    // Sessions, oldest first: the document number orders by date.
    let mut docs: Vec<Doc> = site
        .sessions
        .par_iter()
        .map(|s| {
            let text = plain_text(&s.body.html);
            let people: Vec<&str> = s.everyone().map(|p| site.people[p].name.as_str()).collect();
            let mut d = Doc::new(
                Record {
                    t: &s.title,
                    u: &s.url,
                    k: "session",
                    d: s.when.short(tz),
                    c: s.community.map(|c| site.communities[c].name.as_str()),
                    p: people.clone(),
                    x: excerpt(if s.summary().is_empty() {
                        &text
                    } else {
                        s.summary()
                    }),
                },
                s.when.year(tz),
                s.community,
            );
            d.add(&s.title, 12);
            for &t in &s.topics {
                d.add(&site.topics[t].name, 6);
            }
            for p in &people {
                d.add(p, 3);
            }
            if let Some(c) = s.community {
                d.add(&site.communities[c].name, 2);
            }
            if let Some(l) = &s.doc.meta.location {
                d.add(l.as_str(), 1);
            }
            d.add(&text, 1);
            d
        })
        .collect();
    let people: Vec<&crate::model::Person> = site.people.iter().filter(|p| p.is_public()).collect();
    docs.par_extend(people.par_iter().map(|p| {
        let url = p.url.as_deref().unwrap_or_default();
        let text = plain_text(&p.body.html);
        let meta = p.profile.as_ref().map(|d| &d.meta);
        let role = meta
            .and_then(|m| m.role.as_ref())
            .map(|r| r.as_str().to_string())
            .unwrap_or_default();
        let mut d = Doc::new(
            Record {
                t: &p.name,
                u: url,
                k: "member",
                d: String::new(),
                c: None,
                p: Vec::new(),
                x: excerpt(if text.is_empty() { &role } else { &text }),
            },
            0,
            None,
        );
        d.add(&p.name, 12);
        d.add(&p.slug.replace('-', " "), 4);
        if let Some(m) = meta {
            for a in &m.aka.0 {
                d.add(a, 8);
            }
            for e in &m.expertise.0 {
                d.add(e, 6);
            }
            d.add(&role, 3);
            if let Some(o) = &m.organization {
                d.add(o.as_str(), 3);
            }
        }
        // What they spoke about: the topics of the sessions they were at.
        for &t in &p.topics {
            d.add(&site.topics[t].name, 2);
        }
        d.add(&text, 1);
        d
    }));
    docs.par_extend(site.topics.par_iter().map(|t| {
        let mut d = Doc::new(
            Record {
                t: &t.name,
                u: &t.url,
                k: "topic",
                d: String::new(),
                c: None,
                p: Vec::new(),
                x: format!("{} sessions", t.sessions.len()),
            },
            0,
            None,
        );
        d.add(&t.name, 12);
        d
    }));
    docs.par_extend(site.communities.par_iter().enumerate().map(|(i, c)| {
        let text = plain_text(&c.body.html);
        let description = c
            .doc
            .as_ref()
            .and_then(|d| d.meta.description.as_ref())
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let mut d = Doc::new(
            Record {
                t: &c.name,
                u: &c.url,
                k: "community",
                d: String::new(),
                c: Some(&c.name),
                p: Vec::new(),
                x: excerpt(if description.is_empty() {
                    &text
                } else {
                    &description
                }),
            },
            0,
            Some(i),
        );
        d.add(&c.name, 12);
        d.add(&description, 3);
        d.add(&text, 1);
        d
    }));
    docs.par_extend(site.pages.par_iter().map(|p| {
        let text = plain_text(&p.body.html);
        let mut d = Doc::new(
            Record {
                t: &p.title,
                u: &p.url,
                k: "page",
                d: String::new(),
                c: None,
                p: Vec::new(),
                x: excerpt(&text),
            },
            0,
            None,
        );
        d.add(&p.title, 12);
        d.add(&text, 1);
        d
    }));
    write_index(site, &docs)
}

fn write_index(site: &Site, docs: &[Doc]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    // Postings: term -> [(doc, weight)], docs ascending.
    let mut postings: BTreeMap<&str, Vec<(usize, u32)>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        for (t, w) in &d.terms {
            postings.entry(t.as_str()).or_default().push((i, *w));
        }
    }
    let encoded: Vec<(&str, String)> = postings
        .into_iter()
        .map(|(t, list)| {
            let mut s = String::with_capacity(list.len() * 5);
            let mut last = 0;
            for (n, (doc, w)) in list.into_iter().enumerate() {
                use std::fmt::Write as _;
                if n > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{},{}", doc - last, w.min(255));
                last = doc;
            }
            (t, s)
        })
        .collect();
    // Shards: split prefixes until each shard is small.
    let mut shards: Vec<(String, Vec<usize>)> = Vec::new();
    split(&encoded, (0..encoded.len()).collect(), 1, &mut shards);
    let mut keys = BTreeMap::new();
    for (n, (key, members)) in shards.iter().enumerate() {
        let mut json = String::from("{");
        for (j, &m) in members.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            let (term, list) = &encoded[m];
            json.push_str(&serde_json::to_string(term).unwrap_or_default());
            json.push_str(":[");
            json.push_str(list);
            json.push(']');
        }
        json.push('}');
        files.push((format!("search/s/{n}.json"), json.into_bytes()));
        keys.insert(key.clone(), n);
    }
    for (i, d) in docs.iter().enumerate() {
        files.push((
            format!("search/r/{i}.json"),
            serde_json::to_vec(&d.record).unwrap_or_default(),
        ));
    }
    let kinds: String = docs
        .iter()
        .map(|d| match d.record.k {
            "session" => 's',
            "member" => 'm',
            "topic" => 't',
            "community" => 'c',
            _ => 'p',
        })
        .collect();
    let facets = serde_json::json!({
        "kinds": kinds,
        "years": docs.iter().map(|d| d.year).collect::<Vec<_>>(),
        "communities": docs.iter().map(|d| d.community.map_or(-1, |c| c as i64)).collect::<Vec<_>>(),
    });
    files.push(("search/facets.json".into(), facets.to_string().into_bytes()));
    let mut years: Vec<i32> = docs.iter().map(|d| d.year).filter(|y| *y > 0).collect();
    years.sort_unstable();
    years.dedup();
    let manifest = serde_json::json!({
        "version": 1,
        "docs": docs.len(),
        "shards": keys,
        "stopwords": STOPWORDS,
        "communities": site.communities.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "years": years,
    });
    files.push((
        "search/manifest.json".into(),
        manifest.to_string().into_bytes(),
    ));
    files
}

/// Splits `members` (indexes into sorted `terms`) by their prefix of `len`
/// characters until each shard is under [`SHARD_BYTES`].
fn split(
    terms: &[(&str, String)],
    members: Vec<usize>,
    len: usize,
    out: &mut Vec<(String, Vec<usize>)>,
) {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for m in members {
        let key: String = terms[m].0.chars().take(len).collect();
        groups.entry(key).or_default().push(m);
    }
    for (key, group) in groups {
        let size: usize = group
            .iter()
            .map(|&m| terms[m].0.len() + terms[m].1.len() + 6)
            .sum();
        let longer: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&m| terms[m].0.chars().count() > len)
            .collect();
        if size <= SHARD_BYTES || longer.is_empty() || len >= 12 {
            out.push((key, group));
            continue;
        }
        // Terms exactly as long as the key stay in the key's own shard.
        let exact: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&m| terms[m].0.chars().count() <= len)
            .collect();
        if !exact.is_empty() {
            out.push((key, exact));
        }
        split(terms, longer, len + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn shards_split_until_small() {
        let big = "1,1,".repeat(4000);
        let terms = vec![
            ("learn", big.clone()),
            ("learning", big.clone()),
            ("leave", "1,1".to_string()),
            ("budget", "1,1".into()),
        ];
        let mut out = Vec::new();
        split(&terms, (0..terms.len()).collect(), 1, &mut out);
        let keys: Vec<&str> = out.iter().map(|(k, _)| k.as_str()).collect();
        // "learn" and "learning" end up apart; "b…" stays one shard.
        assert!(keys.contains(&"b"));
        assert!(keys.contains(&"learn"));
        assert!(keys.iter().any(|k| k.starts_with("learni")));
    }
}
