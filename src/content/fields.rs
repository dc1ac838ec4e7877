//! Value types for front matter fields, forgiving where a person would be
//! (a number where text is expected is text; one name where a list is
//! expected is a list) and precise where they would not (a list where one
//! value belongs is an error), plus [`Locator`], which finds the line and
//! column of a key or value inside the file.

use crate::diag::Span;
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

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
#[derive(Clone, Debug, Default)]
pub struct Locator {
    yaml: String,
    /// 1-based file line of the YAML's first line.
    first_line: usize,
}

impl Locator {
    pub fn new(yaml: &str, first_line: usize) -> Locator {
        Locator {
            yaml: yaml.to_string(),
            first_line,
        }
    }

    /// A position reported by serde_yaml (1-based, relative to the YAML).
    ///
    /// YAML counts a lone `\r`, NEL, LS and PS as line breaks too, where
    /// the file's lines end at `\n` only: the position is found in the text
    /// the YAML way and numbered the file's way. A position past the end of
    /// a line or of the YAML is clamped to it, so it is always in the file.
    pub fn from_yaml(&self, line: usize, column: usize) -> Span {
        let yaml = self.yaml.as_str();
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
        let before = &yaml[..at];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Span::new(
            self.first_line + before.matches('\n').count(),
            yaml[line_start..at].chars().count() + 1,
            0,
        )
    }

    /// The span of a top-level `key:`.
    pub fn key(&self, key: &str) -> Option<Span> {
        self.key_line(key)
            .map(|i| Span::new(i + self.first_line, 1, key.chars().count()))
    }

    fn key_line(&self, key: &str) -> Option<usize> {
        self.yaml.lines().position(|line| {
            let l = line.strip_prefix(['"', '\'']).unwrap_or(line);
            l.strip_prefix(key).is_some_and(|rest| {
                let rest = rest.strip_prefix(['"', '\'']).unwrap_or(rest);
                rest.trim_start().starts_with(':')
            })
        })
    }

    /// The span of `needle` in the value of the first of `keys` present
    /// (searching from the key's line to the next top-level key); the key
    /// itself when the value cannot be found.
    pub fn value(&self, keys: &[&str], needle: &str) -> Option<Span> {
        let lines: Vec<&str> = self.yaml.lines().collect();
        let mut fallback = None;
        for key in keys {
            let Some(start) = self.key_line(key) else {
                continue;
            };
            fallback = fallback.or_else(|| self.key(key));
            for (i, line) in lines.iter().enumerate().skip(start) {
                if i > start && !line.starts_with([' ', '\t', '-']) && !line.trim().is_empty() {
                    break;
                }
                let from = if i == start {
                    line.find(':').map_or(0, |c| c + 1)
                } else {
                    0
                };
                if let Some(pos) = line[from..].find(needle) {
                    let col = line[..from + pos].chars().count() + 1;
                    return Some(Span::new(i + self.first_line, col, needle.chars().count()));
                }
            }
        }
        fallback
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
}
