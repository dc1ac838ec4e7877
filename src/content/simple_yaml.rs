//! Front matter in its common shape, read without a YAML parser.
//!
//! Nearly every note's front matter is a list of `key: value` lines, some
//! of them followed by `- item` lines or a folded (`>`) or literal (`|`)
//! block. serde_yaml reads those through libyaml, which sets up about
//! 64 KB of buffers and an event queue per document: at 10,000 notes that
//! was the largest part of loading, and a tenth of a build's CPU.
//!
//! [`parse`] reads that shape line by line and gives the same
//! [`Mapping`] serde_yaml gives. Anything else (comments, anchors, tags,
//! nested maps, numbers, multi-line quoted or plain scalars, tabs, control
//! characters, a duplicate key, …) makes it answer `None`, and the caller
//! uses serde_yaml, which also reports errors. A randomized test checks
//! that whenever it answers, serde_yaml answers the same.

use serde_yaml::{Mapping, Value};

/// The mapping serde_yaml would read from `yaml`, when `yaml` has the
/// common shape; `None` otherwise (the caller then asks serde_yaml).
pub fn parse(yaml: &str) -> Option<Mapping> {
    if !yaml.chars().all(allowed) {
        return None;
    }
    let lines: Vec<&str> = yaml.split('\n').collect();
    let mut m = Mapping::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.is_empty() {
            continue;
        }
        let (key, rest) = key_line(line)?;
        let value = if rest.is_empty() {
            let (value, next) = block_value(&lines, i)?;
            i = next;
            value
        } else if let Some(style) = block_header(rest) {
            let (text, next) = block_scalar(&lines, i, style)?;
            i = next;
            Value::String(text)
        } else if let Some(inner) = rest.strip_prefix('[') {
            Value::Sequence(flow_list(inner)?)
        } else {
            scalar(rest)?
        };
        if m.insert(Value::String(key.to_string()), value).is_some() {
            // serde_yaml rejects a duplicate key; let it say so.
            return None;
        }
    }
    if m.is_empty() {
        return None;
    }
    Some(m)
}

/// The characters libyaml takes as printable text (and the line feed),
/// without tabs, carriage returns, the other line breaks (NEL, LS, PS) it
/// knows, and the byte-order mark.
fn allowed(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `key: rest` at the margin, with a key of letters, digits, `_` and `-`
/// that starts with a letter or `_`; `rest` trimmed (empty for `key:`).
fn key_line(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let key = &line[..colon];
    let after = &line[colon + 1..];
    let first = key.bytes().next()?;
    if key.len() > 128
        || !(first.is_ascii_alphabetic() || first == b'_')
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        || is_null(key)
        || is_bool(key)
    {
        return None;
    }
    if !after.is_empty() && !after.starts_with(' ') {
        return None;
    }
    Some((key, after.trim_matches(' ')))
}

/// What follows a `key:` line: `- item` lines, all at one indentation
/// (the margin or deeper), or `name: value` lines indented alike (one
/// level, as in `links:`), or nothing (null). `None` for a shape this
/// module does not read.
fn block_value(lines: &[&str], start: usize) -> Option<(Value, usize)> {
    let mut items = Vec::new();
    let mut map = Mapping::new();
    // The indentation and kind (a list or a map) of the first line.
    let mut shape: Option<(usize, bool)> = None;
    let mut i = start;
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        let body = &line[spaces..];
        let is_item = body == "-" || body.starts_with("- ");
        if spaces == 0 && !is_item {
            // The next key.
            break;
        }
        let (n, list) = *shape.get_or_insert((spaces, is_item));
        if spaces != n || is_item != list || (!list && spaces == 0) {
            // Deeper nesting, a value continued on the next line, a line
            // out of step.
            return None;
        }
        // Values on one line only: `scalar` refuses an empty one, `[`, `|`
        // and `>`.
        if list {
            items.push(scalar(body[1..].trim_matches(' '))?);
        } else {
            let (name, text) = body.split_once(": ")?;
            // libyaml takes a key of at most 1,024 characters; names
            // that long are left to it.
            if name.ends_with(' ') || name.len() > 128 {
                return None;
            }
            let text = text.trim_matches(' ');
            // A name reads as a plain or quoted value would, and must
            // come out as text.
            let Value::String(name) = scalar(name)? else {
                return None;
            };
            if name.is_empty() || map.insert(Value::String(name), scalar(text)?).is_some() {
                return None;
            }
        }
        i += 1;
    }
    Some(match shape {
        None => (Value::Null, start),
        Some((_, true)) => (Value::Sequence(items), i),
        Some((_, false)) => (Value::Mapping(map), i),
    })
}

#[derive(Clone, Copy)]
struct Block {
    folded: bool,
    strip: bool,
}

/// `>`, `>-`, `|` or `|-` (keep chomping and explicit indentation are
/// left to serde_yaml).
fn block_header(rest: &str) -> Option<Block> {
    match rest {
        ">" => Some(Block {
            folded: true,
            strip: false,
        }),
        ">-" => Some(Block {
            folded: true,
            strip: true,
        }),
        "|" => Some(Block {
            folded: false,
            strip: false,
        }),
        "|-" => Some(Block {
            folded: false,
            strip: true,
        }),
        _ => None,
    }
}

/// The text of a block scalar whose lines start at `start`: every line
/// indented like the first (deeper lines only in a literal block), blank
/// lines empty.
fn block_scalar(lines: &[&str], start: usize, style: Block) -> Option<(String, usize)> {
    let mut indent = None;
    let mut i = start;
    // The lines of the block; "" for a blank one.
    let mut content: Vec<&str> = Vec::new();
    // Whether the last line of text ends with a line break (not so at the
    // end of a document without one).
    let mut last_break = true;
    while i < lines.len() {
        let line = lines[i];
        if line.is_empty() {
            content.push("");
            i += 1;
            continue;
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if spaces == line.len() {
            // Spaces alone: libyaml's rules for these depend on the indent.
            return None;
        }
        if spaces == 0 {
            break;
        }
        let n = *indent.get_or_insert(spaces);
        if spaces < n || (spaces > n && style.folded) {
            return None;
        }
        let text = &line[n..];
        if style.folded && text.ends_with(' ') {
            return None;
        }
        content.push(text);
        i += 1;
        last_break = i < lines.len();
    }
    // Blank lines at the end are not part of the text.
    while content.last() == Some(&"") {
        content.pop();
    }
    if content.is_empty() {
        // An empty block: leave its subtleties to serde_yaml.
        return None;
    }
    let mut out = String::new();
    if style.folded {
        // Lines join with a space; each blank line is a line break.
        let mut blanks = 0usize;
        for (k, line) in content.iter().enumerate() {
            if line.is_empty() {
                blanks += 1;
                continue;
            }
            if k > 0 {
                if blanks == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', blanks));
                }
            }
            blanks = 0;
            out.push_str(line);
        }
    } else {
        for (k, line) in content.iter().enumerate() {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(line);
        }
    }
    if !style.strip && last_break {
        out.push('\n');
    }
    Some((out, i))
}

/// `a, b, "c"]` on one line: plain or quoted items, no nesting.
fn flow_list(inner: &str) -> Option<Vec<Value>> {
    let inner = inner.trim_end_matches(' ').strip_suffix(']')?;
    if inner.trim_matches(' ').is_empty() {
        return Some(Vec::new());
    }
    let mut items = Vec::new();
    for part in inner.split(',') {
        let part = part.trim_matches(' ');
        if part.is_empty()
            || part
                .bytes()
                .any(|b| matches!(b, b'[' | b']' | b'{' | b'}' | b'\'' | b'#' | b':'))
        {
            return None;
        }
        if part.starts_with('"') {
            // A quoted item holding a comma was split above; only whole
            // ones are read here.
            items.push(Value::String(double_quoted(part)?));
        } else {
            if part.contains('"') {
                return None;
            }
            items.push(scalar(part)?);
        }
    }
    Some(items)
}

/// One value on one line: quoted, or plain and resolved as serde_yaml
/// resolves it (null, a boolean or a string; numbers are left to it).
fn scalar(text: &str) -> Option<Value> {
    match *text.as_bytes().first()? {
        b'"' => return double_quoted(text).map(Value::String),
        b'\'' => return single_quoted(text).map(Value::String),
        b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!'
        | b'|' | b'>' | b'%' | b'@' | b'`' | b'+' | b'.' => return None,
        _ => {}
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return None;
    }
    if is_null(text) {
        return Some(Value::Null);
    }
    if is_bool(text) {
        return Some(Value::Bool(text.starts_with(['t', 'T'])));
    }
    if text.as_bytes()[0].is_ascii_digit() && !surely_text(text) {
        // Maybe a number (`2`, `1e3`, `0x1f`, `007`): serde_yaml decides.
        return None;
    }
    Some(Value::String(text.to_string()))
}

fn is_null(s: &str) -> bool {
    matches!(s, "null" | "Null" | "NULL" | "~")
}

fn is_bool(s: &str) -> bool {
    matches!(s, "true" | "True" | "TRUE" | "false" | "False" | "FALSE")
}

/// Whether a scalar that starts with a digit is text for serde_yaml: it
/// holds a character that no integer (`12`, `0x1f`, `0o17`, `0b1`) or
/// float (`1.5`, `1e-3`) can hold, as a date (`2014-09-12`), a time or a
/// duration (`90m`) does, or it is a date (`2014-09-12`).
fn surely_text(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() == 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
    {
        return true;
    }
    !s.bytes().all(|b| {
        b.is_ascii_hexdigit() || matches!(b, b'.' | b'+' | b'-' | b'x' | b'X' | b'o' | b'O')
    })
}

/// `"…"` alone on the rest of the line, with `\"` and `\\` as its only
/// escapes.
fn double_quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => {
                return inner[k + 1..].bytes().all(|b| b == b' ').then_some(out);
            }
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    None
}

/// `'…'` alone on the rest of the line, `''` for a quote.
fn single_quoted(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?;
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    loop {
        let q = rest.find('\'')?;
        out.push_str(&rest[..q]);
        rest = &rest[q + 1..];
        if let Some(more) = rest.strip_prefix('\'') {
            out.push('\'');
            rest = more;
        } else {
            return rest.bytes().all(|b| b == b' ').then_some(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(yaml: &str) -> Option<Mapping> {
        match serde_yaml::from_str::<Value>(yaml) {
            Ok(Value::Mapping(m)) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn a_session_note() {
        let yaml = "title: \"Show and tell: hosting\"\ndate: 2014-09-12\ncommunity: accessibility-practitioners\nfacilitators:\n  - amara-patel\nattendees:\n  - Aoife Martínez\n  - Robin N.\ntags: [outreach, hybrid meetings]\nsummary: >-\n  A small session on video tutorials:\n  what we tried.\ndraft: false\n";
        let m = parse(yaml).expect("the common shape");
        assert_eq!(Some(m), serde(yaml));
    }

    #[test]
    fn what_it_leaves_to_serde_yaml() {
        for yaml in [
            "a: 1\n",
            "a: 1.5\n",
            "a: 0x1f\n",
            "a: b # comment\n",
            "# comment\na: b\n",
            "a: &x b\n",
            "a: !tag b\n",
            "a:\n  b:\n    c: d\n",
            "a: \"multi\n  line\"\n",
            "a: plain\n  continued\n",
            "a: b\na: c\n",
            "a:\tb\n",
            "a: \"\\n\"\n",
            "a: |+\n  x\n",
            "a: >2\n  x\n",
            "a: [x, [y]]\n",
            "a: {b: c}\n",
            "a: .inf\n",
            "true: x\n",
            "",
        ] {
            assert_eq!(parse(yaml), None, "{yaml:?}");
        }
        // libyaml refuses a key of more than 1,024 characters (found by
        // fuzzing); long names are left to it.
        let long = format!("links:\n  {}: https://example.org/\n", "n".repeat(1100));
        assert!(serde(&long).is_none());
        assert_eq!(parse(&long), None);
    }

    /// Front matter put together from lines that are easy to get wrong:
    /// whenever the line reading answers, serde_yaml answers the same.
    #[test]
    fn reading_lines_agrees_with_serde_yaml() {
        const KEYS: &[&str] = &[
            "title", "date", "tags", "summary", "x_y", "a-b", "draft", "null",
        ];
        const VALUES: &[&str] = &[
            "",
            " plain text",
            " Ideas [draft]",
            " a:b",
            " a: b",
            " ends:",
            " \"quoted: yes\"",
            " \"with \\\"escapes\\\" \\\\\"",
            " \"unclosed",
            " \"\"",
            " 'single ''quoted'''",
            " 'x' y",
            " ''",
            " 2014-09-12",
            " 2014-09-12T18:30:00-04:00",
            " 2014-09-12 18:30",
            " 2014-09-12x",
            " 90m",
            " 18:30",
            " 2014-09",
            " 20140-09-12",
            " 1h30m",
            " 12-34",
            " 1_000",
            " 0b101",
            " 0o17",
            " 1E5",
            " 3 people",
            " 2026",
            " 07",
            " 1e3",
            " -1",
            " +1",
            " .5",
            " inf",
            " nan",
            " Infinity",
            " true",
            " False",
            " yes",
            " ~",
            " Null",
            " [a, b, c]",
            " []",
            " [ ]",
            " [a, \"b c\", 2]",
            " [a, b,]",
            " [a, b] x",
            " >-",
            " >",
            " |",
            " |-",
            " > ",
            " text #not a comment",
            " text # a comment",
            " ümlaut and عربى",
            " x ",
            "  two spaces",
            " \u{85}",
            " \u{2028}",
            " \u{1}",
            " @at",
            " `tick",
            " %pct",
            " *alias",
            " - dash",
            " -dash",
        ];
        const COMMON: &[&str] = &[
            "",
            " plain text",
            " \"quoted: yes\"",
            " 2014-09-12T18:30:00-04:00",
            " [a, b c]",
            " >-",
            " |",
            " true",
        ];
        const FOLLOW: &[&str] = &[
            "  - item",
            "- item",
            "    - deeper item",
            "  - \"quoted item\"",
            "  - 'single'",
            "  - 12",
            "  - true",
            "  -",
            "  - a: b",
            "  - [x]",
            "  - - x",
            "  continued text",
            "  more text",
            "    more indented",
            "   three",
            "",
            "  ",
            "  # not a comment in a block",
            "  key: nested",
            "  Website: https://example.org/a/",
            "  Two words: value",
            "  Mastodon: https://social.example/@dana",
            "  \"Quoted name\": x",
            "  k: [a]",
            "  k:",
            "  k: 'q'",
            "  k: 2",
            "  true: x",
            "  12: x",
            "  k: v: w",
            "  k:v",
            "  k : v",
            "  : v",
            "  :",
            "    deeper: x",
            "  - item",
            "#comment",
        ];
        let mut next = crate::testing::picker(0x9e37_79b9_7f4a_7c15u64);
        let (mut fast, mut total) = (0, 0);
        for _ in 0..60_000 {
            let mut yaml = String::new();
            // Mostly distinct keys: a repeated one is left to serde_yaml.
            let base = next(KEYS.len());
            for k in 0..1 + next(4) {
                let key = if next(8) == 0 {
                    next(KEYS.len())
                } else {
                    base + k
                };
                yaml.push_str(KEYS[key % KEYS.len()]);
                yaml.push(':');
                // Half the time a value of the common shape, so that many
                // documents are read by the line reading.
                let value = if next(2) == 0 {
                    COMMON[next(COMMON.len())]
                } else {
                    VALUES[next(VALUES.len())]
                };
                yaml.push_str(value);
                yaml.push('\n');
                let follow = if value.is_empty() || value.contains(['>', '|']) {
                    FOLLOW
                } else {
                    &["", "", "", "- item", "  more"]
                };
                for _ in 0..next(4) {
                    yaml.push_str(follow[next(follow.len())]);
                    yaml.push('\n');
                }
            }
            if next(4) == 0 {
                yaml.pop();
            }
            total += 1;
            if let Some(m) = parse(&yaml) {
                fast += 1;
                assert_eq!(Some(m), serde(&yaml), "{yaml:?}");
            }
        }
        // The line reading must take a fair share of these awkward ones.
        assert!(fast * 10 > total, "{fast} of {total}");
    }
}
