//! Value types for front matter fields, forgiving where a person would be
//! (a number where text is expected is text; one name where a list is
//! expected is a list) and precise where they would not (a list where one
//! value belongs is an error), plus [`Locator`], which finds the line and
//! column of a key or value inside the file.

use crate::diag::Span;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One scalar value, read as text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a single value (text), not a list or a map")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text(v.trim().to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text(if v.trim().len() == v.len() {
            v
        } else {
            v.trim().to_string()
        }))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
        Ok(Text(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_any(TextVisitor)
    }
}

/// A list of scalar values. A single text value is accepted and split on
/// commas, so `attendees: Dana, Eli` means two people.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextList(pub Vec<String>);

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = TextList;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of values (`[a, b]` or one `- item` per line)")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<TextList, E> {
        Ok(TextList(
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        ))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TextList, E> {
        Ok(TextList(vec![v.to_string()]))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<TextList, E> {
        Ok(TextList(vec![v.to_string()]))
    }
    fn visit_unit<E: de::Error>(self) -> Result<TextList, E> {
        Ok(TextList::default())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TextList, A::Error> {
        let mut v = Vec::new();
        while let Some(item) = seq.next_element::<Option<Text>>()? {
            if let Some(Text(s)) = item
                && !s.is_empty()
            {
                v.push(s);
            }
        }
        Ok(TextList(v))
    }
}

impl<'de> Deserialize<'de> for TextList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TextList, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

/// A yes/no field: `true`/`false`, also `yes`/`no` as older YAML wrote them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

struct FlagVisitor;

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = Flag;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`true` or `false`")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
        Ok(Flag(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => Ok(Flag(true)),
            "false" | "no" | "off" | "" => Ok(Flag(false)),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<Flag, E> {
        Ok(Flag(false))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Flag, D::Error> {
        d.deserialize_any(FlagVisitor)
    }
}

/// Finds keys and values of a front matter block in the file it came from.
/// serde_yaml reports positions inside the YAML text only; the locator adds
/// the line the YAML starts on, and finds values serde no longer knows the
/// place of (after aliases are merged).
///
/// Lookups are cheap however many there are: the first one indexes the
/// lines and top-level keys, and the first one in a key's value indexes
/// that value's entries (found by fuzzing: 12,000 bad `links:` took 6 s to
/// report when each was looked up from the top of the YAML).
///
/// A streamed build lets the text go once a note is loaded ([`release`]);
/// the rare diagnostic that needs it later reads the file again.
///
/// [`release`]: Locator::release
#[derive(Clone, Debug, Default)]
pub struct Locator {
    /// The YAML text; empty until read again once released.
    yaml: Arc<OnceLock<String>>,
    /// Where to read it again, once released.
    file: Option<Arc<Path>>,
    /// 1-based file line of the YAML's first line.
    first_line: usize,
    /// Built on first use, shared by clones.
    index: Arc<OnceLock<Index>>,
}

#[derive(Debug, Default)]
struct Index {
    /// Byte range of each line, cut as `str::lines` cuts them.
    lines: Vec<(usize, usize)>,
    /// The first line of each top-level key, under each spelling that
    /// [`Locator::key`] accepts for it.
    keys: HashMap<String, usize>,
    /// The entries of a key's value, by the key's line; built on first use.
    sections: Mutex<HashMap<usize, Arc<Section>>>,
}

/// The value of one top-level key: its lines and its entries.
#[derive(Debug, Default)]
struct Section {
    /// The first line past the value.
    end: usize,
    /// Each entry's value as written (without quotes) to the line and byte
    /// column of its first occurrence.
    values: HashMap<String, (usize, usize)>,
    /// Each `label: value` entry's label to the line and byte column of its
    /// value, and the value.
    labels: HashMap<String, (usize, usize, String)>,
}

/// `s` without the quotes around it, and how many bytes were cut in front.
fn unquote(s: &str) -> (&str, usize) {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        (&s[1..s.len() - 1], 1)
    } else {
        (s, 0)
    }
}

/// A plain value without a trailing ` # comment`.
fn uncomment(s: &str) -> &str {
    if s.starts_with(['"', '\'']) {
        return s;
    }
    let cut = s
        .char_indices()
        .find(|&(i, c)| c == '#' && i > 0 && s[..i].ends_with([' ', '\t']))
        .map_or(s.len(), |(i, _)| i);
    s[..cut].trim_end()
}

impl Section {
    /// Records the entries in `text`, which starts at byte `at` of line
    /// `line`: one value, a `label: value`, or a flow collection on one line.
    fn entries(&mut self, line: usize, at: usize, text: &str) {
        let lead = text.len() - text.trim_start().len();
        let t = text.trim();
        if let Some(inner) = t
            .strip_prefix('[')
            .or_else(|| t.strip_prefix('{'))
            .map(|r| r.trim_end_matches([']', '}']))
        {
            let mut from = at + lead + 1;
            for item in inner.split(',') {
                self.entry(line, from, item);
                from += item.len() + 1;
            }
        } else {
            self.entry(line, at, text);
        }
    }

    /// One entry, `value` or `label: value`, at byte `at` of line `line`.
    fn entry(&mut self, line: usize, at: usize, text: &str) {
        let lead = text.len() - text.trim_start().len();
        let t = text.trim_start();
        let (label, at, t) = match t
            .find(": ")
            .or_else(|| t.strip_suffix(':').map(|r| r.len()))
        {
            Some(c) if !t.starts_with(['"', '\'', '[', '{']) || unquote(&t[..c]).1 == 1 => {
                let rest = &t[c + 1..];
                let skip = rest.len() - rest.trim_start().len();
                (
                    Some(t[..c].trim_end()),
                    at + lead + c + 1 + skip,
                    rest.trim_start(),
                )
            }
            _ => (None, at + lead, t),
        };
        let (value, cut) = unquote(uncomment(t.trim_end()));
        let at = at + cut;
        if let Some(label) = label {
            self.labels
                .entry(unquote(label).0.to_string())
                .or_insert_with(|| (line, at, value.to_string()));
        }
        if !value.is_empty() {
            self.values.entry(value.to_string()).or_insert((line, at));
        }
    }
}

impl Locator {
    pub fn new(yaml: &str, first_line: usize) -> Locator {
        Locator {
            yaml: Arc::new(OnceLock::from(yaml.to_string())),
            file: None,
            first_line,
            index: Arc::default(),
        }
    }

    /// A locator of front matter starting on line `first_line` of `file`
    /// (absolute), as [`Locator::release`] leaves it: the text is read
    /// when a lookup needs it.
    pub fn released(file: PathBuf, first_line: usize) -> Locator {
        Locator {
            yaml: Arc::default(),
            file: Some(file.into()),
            first_line,
            index: Arc::default(),
        }
    }

    /// 1-based file line of the YAML's first line.
    pub fn first_line(&self) -> usize {
        self.first_line
    }

    /// Lets the text go; it is read again from `file` (absolute) if a
    /// lookup needs it, and its index built again from what was read.
    pub fn release(&mut self, file: PathBuf) {
        self.yaml = Arc::default();
        self.index = Arc::default();
        self.file = Some(file.into());
    }

    fn yaml(&self) -> &str {
        self.yaml.get_or_init(|| {
            self.file
                .as_deref()
                .and_then(crate::content::reread_yaml)
                .unwrap_or_default()
        })
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            let mut lines = Vec::new();
            let mut keys = HashMap::new();
            let mut start = 0;
            for piece in self.yaml().split_inclusive('\n') {
                let line = piece.strip_suffix('\n').unwrap_or(piece);
                let line = line.strip_suffix('\r').unwrap_or(line);
                // The spellings `key_line` would find on this line: the
                // text before the first `:`, without the quotes around it.
                let l = line.strip_prefix(['"', '\'']).unwrap_or(line);
                if let Some(c) = l.find(':') {
                    let raw = l[..c].trim_end();
                    keys.entry(raw.to_string()).or_insert(lines.len());
                    if let Some(r) = raw.strip_suffix(['"', '\'']) {
                        keys.entry(r.to_string()).or_insert(lines.len());
                    }
                }
                lines.push((start, start + line.len()));
                start += piece.len();
            }
            Index {
                lines,
                keys,
                sections: Mutex::default(),
            }
        })
    }

    fn line(&self, i: usize) -> &str {
        let (a, b) = self.index().lines[i];
        &self.yaml()[a..b]
    }

    /// The span of `len` characters at byte `at` of line `line` (0-based,
    /// of the YAML).
    fn span_at(&self, line: usize, at: usize, len: usize) -> Span {
        let col = self.line(line)[..at].chars().count() + 1;
        Span::new(line + self.first_line, col, len)
    }

    /// The span of `len` characters at byte `offset` of the YAML.
    pub fn at_offset(&self, offset: usize, len: usize) -> Span {
        let yaml = self.yaml();
        let mut at = offset.min(yaml.len());
        while !yaml.is_char_boundary(at) {
            at -= 1;
        }
        let before = &yaml[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Span::new(
            self.first_line + before.matches('\n').count(),
            before[line_start..].chars().count() + 1,
            len,
        )
    }

    /// A position reported by serde_yaml (1-based, relative to the YAML).
    ///
    /// YAML counts a lone `\r`, NEL, LS and PS as line breaks too, where
    /// the file's lines end at `\n` only: the position is found in the text
    /// the YAML way and numbered the file's way. A position past the end of
    /// a line or of the YAML is clamped to it, so it is always in the file.
    pub fn from_yaml(&self, line: usize, column: usize) -> Span {
        let yaml = self.yaml();
        let is_break = |c: char| matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}');
        // Byte offset of the start of YAML line `line`.
        let mut start = 0;
        let mut current = 1;
        let mut chars = yaml.char_indices().peekable();
        while current < line {
            let Some((i, c)) = chars.next() else {
                start = yaml.len();
                break;
            };
            if !is_break(c) {
                continue;
            }
            let mut next = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|&(_, n)| n == '\n') {
                chars.next();
                next += 1;
            }
            current += 1;
            start = next;
        }
        let rest = &yaml[start..];
        let line_len = rest.find(is_break).unwrap_or(rest.len());
        let at = start
            + rest[..line_len]
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_len, |(i, _)| i);
        self.at_offset(at, 0)
    }

    /// The span of a top-level `key:`.
    pub fn key(&self, key: &str) -> Option<Span> {
        self.key_line(key)
            .map(|i| Span::new(i + self.first_line, 1, key.chars().count()))
    }

    /// The first line that starts with `key` (in quotes or not) and a `:`.
    fn key_line(&self, key: &str) -> Option<usize> {
        let index = self.index();
        if !key.is_empty() && !key.contains(':') && !key.ends_with(char::is_whitespace) {
            return index.keys.get(key).copied();
        }
        // Spellings the index does not hold: look line by line.
        self.key_line_scan(key)
    }

    fn key_line_scan(&self, key: &str) -> Option<usize> {
        (0..self.index().lines.len()).find(|&i| {
            let line = self.line(i);
            let l = line.strip_prefix(['"', '\'']).unwrap_or(line);
            l.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
                rest.trim_start().starts_with(':')
            })
        })
    }

    /// The value of the key on line `start`: the lines to the next
    /// top-level key, and its entries.
    fn section(&self, start: usize) -> Arc<Section> {
        let index = self.index();
        let mut sections = index.sections.lock().unwrap_or_else(|e| e.into_inner());
        sections
            .entry(start)
            .or_insert_with(|| {
                let mut section = Section::default();
                let mut end = start + 1;
                while end < index.lines.len() {
                    let line = self.line(end);
                    if !line.starts_with([' ', '\t', '-']) && !line.trim().is_empty() {
                        break;
                    }
                    end += 1;
                }
                section.end = end;
                for i in start..end {
                    let line = self.line(i);
                    let from = if i == start {
                        line.find(':').map_or(0, |c| c + 1)
                    } else {
                        // Past the `- ` of list items.
                        let mut at = line.len() - line.trim_start().len();
                        while &line[at..] == "-" || line[at..].starts_with("- ") {
                            at += 1;
                            at += line[at..].len() - line[at..].trim_start().len();
                        }
                        at
                    };
                    section.entries(i, from, &line[from..]);
                }
                Arc::new(section)
            })
            .clone()
    }

    /// The span of `needle` in the value of the first of `keys` present
    /// (from the key's line to the next top-level key): an entry that is
    /// `needle` (`- needle`, `label: needle`, `[a, needle]`, quoted or not),
    /// else the first place it occurs in the value; the key itself when the
    /// value cannot be found.
    pub fn value(&self, keys: &[&str], needle: &str) -> Option<Span> {
        let mut fallback = None;
        for key in keys {
            let Some(start) = self.key_line(key) else {
                continue;
            };
            fallback = fallback.or_else(|| self.key(key));
            let section = self.section(start);
            if let Some(&(line, at)) = section.values.get(needle) {
                return Some(self.span_at(line, at, needle.chars().count()));
            }
            for i in start..section.end {
                let line = self.line(i);
                let from = if i == start {
                    line.find(':').map_or(0, |c| c + 1)
                } else {
                    0
                };
                if let Some(pos) = line[from..].find(needle) {
                    return Some(self.span_at(i, from + pos, needle.chars().count()));
                }
            }
        }
        fallback
    }

    /// The span of the value of the entry `label:` in the map under the
    /// first of `keys` present (`links:` of a profile), so that two entries
    /// with the same value each get their own line; else as [`value`].
    ///
    /// [`value`]: Locator::value
    pub fn entry(&self, keys: &[&str], label: &str, value: &str) -> Option<Span> {
        for key in keys {
            let Some(start) = self.key_line(key) else {
                continue;
            };
            if let Some((line, at, text)) = self.section(start).labels.get(label) {
                return Some(self.span_at(*line, *at, text.chars().count()));
            }
        }
        self.value(keys, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        a: Option<Text>,
        #[serde(default)]
        l: TextList,
        #[serde(default)]
        f: Flag,
    }

    #[test]
    fn scalars_become_text_and_a_string_becomes_a_list() {
        let t: T = serde_yaml::from_str("a: 2026\nl: Dana, Eli\nf: yes").unwrap();
        assert_eq!(t.a.unwrap().0, "2026");
        assert_eq!(t.l.0, vec!["Dana", "Eli"]);
        assert!(t.f.0);
    }

    #[test]
    fn a_list_where_text_belongs_is_an_error() {
        let err = serde_yaml::from_str::<T>("a: [x, y]").err().unwrap();
        assert!(err.to_string().contains("a single value"), "{err}");
    }

    #[test]
    fn yaml_positions_are_numbered_as_the_file_is() {
        let loc = Locator::new("a: 1\nb: [x\n", 2);
        assert_eq!(loc.from_yaml(2, 4), Span::new(3, 4, 0));
        // Past the end of the YAML: the closing line of the front matter.
        assert_eq!(loc.from_yaml(9, 5), Span::new(4, 1, 0));
        // Found by fuzzing: YAML counts a lone `\r` as a line break, the
        // file does not, so line 3 of the YAML is on line 1 of the file.
        let loc = Locator::new("a: 1\rb: 2\rc: [x\n", 2);
        assert_eq!(loc.from_yaml(3, 2), Span::new(2, 12, 0));
        assert_eq!(loc.from_yaml(89, 1), Span::new(3, 1, 0));
    }

    #[test]
    fn locator_finds_values_in_block_and_flow_lists() {
        let y = "title: x\nattendees:\n  - Dana\n  - Eli M\ntags: [a, bee]\n";
        let loc = Locator::new(y, 2);
        assert_eq!(loc.value(&["attendees"], "Eli M"), Some(Span::new(5, 5, 5)));
        assert_eq!(loc.value(&["tags"], "bee"), Some(Span::new(6, 11, 3)));
        assert_eq!(loc.key("tags"), Some(Span::new(6, 1, 4)));
        assert_eq!(loc.value(&["title"], "zzz"), Some(Span::new(2, 1, 5)));
    }

    #[test]
    fn the_key_index_finds_what_a_line_by_line_search_finds() {
        let y = "\"quoted\": 1\n'single' : 2\na\"b\": 3\nplain  : 4\n\"q\" : 5\n\
                 x: \"a: b\"\n  nested: 6\nlinks:\n  site: https://x\nplain: again\n:\n\"\": 7\n";
        let loc = Locator::new(y, 2);
        for key in [
            "quoted", "single", "a\"b", "a", "plain", "q", "q\"", "x", "nested", "links", "site",
            "\"quoted", "'single'", "absent", "b", "https",
        ] {
            assert_eq!(loc.key_line(key), loc.key_line_scan(key), "{key}");
        }
        assert_eq!(loc.key("plain"), Some(Span::new(5, 1, 5)));
        assert_eq!(loc.key("q"), Some(Span::new(6, 1, 1)));
        assert_eq!(loc.key("nested"), None);
    }

    #[test]
    fn values_are_found_as_entries_first() {
        let y = "attendees:\n  - Eli M\n  - \"Eli\"\n  - 'Ana' # host\nlinks: {a: 'x', b: y}\n";
        let loc = Locator::new(y, 2);
        // The entry that is `Eli`, not the first line that contains it.
        assert_eq!(loc.value(&["attendees"], "Eli"), Some(Span::new(4, 6, 3)));
        assert_eq!(loc.value(&["attendees"], "Ana"), Some(Span::new(5, 6, 3)));
        assert_eq!(loc.value(&["attendees"], "M"), Some(Span::new(3, 9, 1)));
        assert_eq!(loc.value(&["links"], "y"), Some(Span::new(6, 20, 1)));
        assert_eq!(loc.entry(&["links"], "a", "x"), Some(Span::new(6, 13, 1)));
        assert_eq!(loc.entry(&["links"], "zz", "y"), Some(Span::new(6, 20, 1)));
    }

    #[test]
    fn twelve_thousand_lookups_take_linear_time() {
        // Found by fuzzing: 12,000 bad `links:` took 5.8 s to report
        // (release build), each looked up from the top of the YAML.
        let mut y = String::from("name: Dana Kim\nlinks:\n");
        for i in 0..12_000 {
            y.push_str(&format!("  l{i}: \"x{}\"\n", i % 2));
        }
        let loc = Locator::new(&y, 2);
        let started = std::time::Instant::now();
        for i in 0..12_000 {
            let value = format!("x{}", i % 2);
            let col = 2 + format!("l{i}").len() + 2 + 2;
            assert_eq!(
                loc.entry(&["links"], &format!("l{i}"), &value),
                Some(Span::new(4 + i, col, 2))
            );
            assert_eq!(
                loc.value(&["links"], &value),
                Some(Span::new(4 + i % 2, 8, 2))
            );
        }
        // A line-by-line search per lookup takes seconds even in release.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }
}
