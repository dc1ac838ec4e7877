//! Action items: `- [ ] @person what to do (due 2026-04-01)` lines in
//! session notes. `@person` is a slug, or a display name in quotes
//! (`@"Dana Kim"`); `- [x]` marks the item done.
//!
//! This module only reads the lines; the link stage resolves owners with
//! the same rules as attendees.

use crate::diag::Span;
use chrono::NaiveDate;

/// An action line as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawAction {
    pub owner: String,
    pub text: String,
    pub due: Option<Result<NaiveDate, String>>,
    pub done: bool,
    /// Where `@owner` is in the file.
    pub span: Span,
}

/// Splits `@slug rest` or `@"Display Name" rest` (straight or curly quotes).
pub fn split_owner(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix('@')?;
    for (open, close) in [('"', '"'), ('“', '”')] {
        if let Some(rest) = s.strip_prefix(open) {
            let end = rest.find(close)?;
            let name = &rest[..end];
            return (!name.trim().is_empty()).then(|| (name, &rest[end + close.len_utf8()..]));
        }
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    let name = s[..end].trim_end_matches([',', ':', ';', '.']);
    (!name.is_empty()).then(|| (name, &s[name.len()..]))
}

/// Finds `(due YYYY-MM-DD)` and returns the text without it.
fn split_due(text: &str) -> (String, Option<Result<NaiveDate, String>>) {
    let Some(start) = text.rfind("(due ") else {
        return (text.trim().to_string(), None);
    };
    let Some(len) = text[start..].find(')') else {
        return (text.trim().to_string(), None);
    };
    let raw = text[start + 5..start + len].trim();
    let due = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| raw.to_string());
    let rest = format!("{}{}", &text[..start], &text[start + len + 1..]);
    (
        rest.split_whitespace().collect::<Vec<_>>().join(" "),
        Some(due),
    )
}

/// Every action item of a body whose first line is file line `first_line`.
/// Task list items are found as the markdown parser finds them, so items
/// in code blocks, HTML blocks or comments are not items, exactly as they
/// are not rendered as items. Most notes are simple enough for a reading
/// line by line that gives the same answer ([`scan_lines`]); the others
/// are parsed.
pub fn scan(body: &str, first_line: usize) -> Vec<RawAction> {
    scan_lines(body, first_line).unwrap_or_else(|| scan_parsed(body, first_line))
}

/// The action item whose task marker spans `marker` (byte offsets in
/// `body`), on file line `line`; `None` when no `@owner` follows it.
fn item(body: &str, marker: std::ops::Range<usize>, done: bool, line: usize) -> Option<RawAction> {
    let line_start = body[..marker.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = body[marker.end..]
        .find('\n')
        .map_or(body.len(), |i| marker.end + i);
    let rest = body[marker.end..line_end].trim_start();
    let (owner, text) = split_owner(rest)?;
    let at = line_end - rest.len();
    let column = body[line_start..at].chars().count() + 1;
    let written = rest.len() - text.len();
    let (text, due) = split_due(text);
    let text = text
        .trim_start_matches([':', '-', '–', '—', ','])
        .trim()
        .to_string();
    Some(RawAction {
        owner: owner.trim().to_string(),
        text,
        due,
        done,
        span: Span::new(line, column, rest[..written].chars().count()),
    })
}

/// The markdown parser's task list markers.
fn scan_parsed(body: &str, first_line: usize) -> Vec<RawAction> {
    let mut out = Vec::new();
    let parser = pulldown_cmark::Parser::new_ext(body, pulldown_cmark::Options::ENABLE_TASKLISTS);
    let (mut counted_to, mut newlines) = (0, 0);
    for (event, range) in parser.into_offset_iter() {
        let pulldown_cmark::Event::TaskListMarker(done) = event else {
            continue;
        };
        if range.start < counted_to {
            (counted_to, newlines) = (0, 0);
        }
        newlines += body[counted_to..range.start].matches('\n').count();
        counted_to = range.start;
        out.extend(item(body, range, done, first_line + newlines));
    }
    out
}

/// The same as [`scan_parsed`] read line by line, for bodies where that is
/// sure to agree with the parser; `None` for any other body. A body is
/// simple when no line, outside fenced code blocks that open and close at
/// the left margin, starts (after at most three spaces) with `<` (HTML),
/// a tab or four spaces (indented code, or list content deep enough to
/// need the parser), or a fence anywhere but the margin; and when every
/// line with a task marker and an `@` is a `-`, `*` or `+` item at the
/// margin or up to three spaces in (ordered items may or may not interrupt
/// a paragraph, and quoted ones may be lazy lines: both go to the parser).
/// Such an item is a task list item wherever it stands: a bullet item
/// interrupts a paragraph, and ends a table or a block quote.
fn scan_lines(body: &str, first_line: usize) -> Option<Vec<RawAction>> {
    // Where `] @` is, found once: no other line can hold an item.
    let hits: Vec<usize> = memchr::memmem::find_iter(body.as_bytes(), "] @").collect();
    if hits.is_empty() {
        return Some(Vec::new());
    }
    let mut next_hit = 0;
    let mut out = Vec::new();
    // The open fence: its character and length.
    let mut fence: Option<(u8, usize)> = None;
    let mut next_start = 0;
    // The lines, as `split('\n')` gives them, from one search for line
    // breaks over the whole body.
    let ends = memchr::memchr_iter(b'\n', body.as_bytes()).chain([body.len()]);
    for (n, end) in ends.enumerate() {
        let start = next_start;
        next_start = end + 1;
        let raw = &body[start..end];
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        while hits.get(next_hit).is_some_and(|&h| h < start) {
            next_hit += 1;
        }
        // `] @` holds no line break: a hit from here to the line's end is
        // on this line.
        let has_hit = hits.get(next_hit).is_some_and(|&h| h < start + raw.len());
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = &line[indent..];
        let fence_len = |c: u8| rest.bytes().take_while(|&b| b == c).count();
        if let Some((c, len)) = fence {
            // Inside a fence only its closing line counts.
            if indent < 4 && fence_len(c) >= len && rest[fence_len(c)..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if rest.starts_with('\t') || (indent >= 4 && !rest.is_empty()) {
            return None;
        }
        for c in [b'`', b'~'] {
            if fence_len(c) >= 3 {
                // Indented, a fence may belong to a list item and end with
                // it; with a backtick in its info string, it is no fence.
                if indent > 0 || (c == b'`' && rest[fence_len(c)..].contains('`')) {
                    return None;
                }
                fence = Some((c, fence_len(c)));
            }
        }
        if fence.is_some() {
            continue;
        }
        if rest.starts_with('<') || has_hit && line.contains('\t') {
            return None;
        }
        if !has_hit {
            continue;
        }
        let bytes = rest.as_bytes();
        if !matches!(bytes.first(), Some(b'-' | b'*' | b'+')) {
            // A quoted, ordered or otherwise placed `] @`: the parser knows.
            if line.contains("[ ] @") || line.contains("[x] @") || line.contains("[X] @") {
                return None;
            }
            continue;
        }
        let after = &rest[1..];
        let spaces = after.len() - after.trim_start_matches(' ').len();
        let marker = &after[spaces..];
        if spaces == 0 || spaces > 4 || marker.len() < 4 {
            if line.contains("[ ] @") || line.contains("[x] @") || line.contains("[X] @") {
                return None;
            }
            continue;
        }
        let done = match &marker.as_bytes()[..4] {
            b"[ ] " => false,
            b"[x] " | b"[X] " => true,
            _ => {
                if marker.contains("] @") {
                    return None;
                }
                continue;
            }
        };
        let from = start + indent + 1 + spaces;
        out.extend(item(body, from..from + 3, done, first_line + n));
    }
    // An unclosed fence runs to the end: the parser agrees.
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_owner_text_due_and_state() {
        let body = "intro\n\n- [ ] @dana-kim draft the survey (due 2026-04-01)\n- [x] @\"Inès Ferrand\" book the room\n  * [ ] @eli: call back\n";
        let a = scan(body, 10);
        assert_eq!(a.len(), 3);
        assert_eq!(a[0].owner, "dana-kim");
        assert_eq!(a[0].text, "draft the survey");
        assert_eq!(
            a[0].due,
            Some(Ok(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()))
        );
        assert_eq!(a[0].span, Span::new(12, 7, 9));
        assert!(!a[0].done);
        assert_eq!(a[1].owner, "Inès Ferrand");
        assert!(a[1].done);
        assert_eq!(a[1].text, "book the room");
        assert_eq!(a[2].owner, "eli");
        assert_eq!(a[2].text, "call back");
    }

    #[test]
    fn skips_code_blocks_comments_and_plain_tasks() {
        let body = "```\n- [ ] @x no\n```\n- [ ] nobody owns this\n- [ ] @ lonely\n\n<!-- example:\n- [ ] @y no\n-->\n";
        assert!(scan(body, 1).is_empty());
    }

    #[test]
    fn many_items_are_numbered_in_linear_time() {
        let body = "text\n".to_string() + &"- [ ] @a x\n\n".repeat(50_000);
        let started = std::time::Instant::now();
        let a = scan(&body, 3);
        assert_eq!(a.len(), 50_000);
        assert_eq!(a[0].span, Span::new(4, 7, 2));
        assert_eq!(a[49_999].span, Span::new(4 + 2 * 49_999, 7, 2));
        // Quadratic, this took minutes in a debug build.
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    /// Bodies made of lines that are easy to get wrong; the line reading
    /// must give what the parser gives, or step aside.
    #[test]
    fn reading_lines_agrees_with_the_parser() {
        const LINES: &[&str] = &[
            "- [ ] @dana-kim send the survey (due 2026-04-01)",
            "- [x] @\"Inès Ferrand\" book the room",
            "* [X] @eli call back",
            "+ [ ] @a x",
            "  - [ ] @nested two spaces",
            "   - [ ] @three spaces",
            "    - [ ] @four spaces",
            "-  [ ] @two after the bullet",
            "-     [ ] @five after the bullet",
            "1. [ ] @ordered",
            "2) [ ] @ordered later",
            "> - [ ] @quoted",
            "> quote",
            ">",
            "- [ ]@glued",
            "- [ ] nobody",
            "- [a] @not a task",
            "-\t[ ] @tab",
            "\t- [ ] @tab first",
            "text - [ ] @inline",
            "Some paragraph text.",
            "",
            "",
            "```",
            "```rust",
            "~~~",
            "````",
            "  ```",
            "``` a`b",
            "<!-- a comment",
            "-->",
            "<div>",
            "</div>",
            "| a | b |",
            "|---|---|",
            "| 1 | 2 |",
            "---",
            "===",
            "# Heading",
            "- plain item",
            "    indented code",
            "[^1]: a footnote",
            "- [ ] @x\r",
        ];
        let mut next = crate::testing::picker(0x2545_f491_4f6c_dd1du64);
        let (mut fast, mut total) = (0, 0);
        for _ in 0..20_000 {
            let len = 1 + next(12);
            let body: String = (0..len)
                .map(|_| LINES[next(LINES.len())])
                .collect::<Vec<_>>()
                .join("\n");
            total += 1;
            if let Some(lines) = scan_lines(&body, 7) {
                fast += 1;
                assert_eq!(lines, scan_parsed(&body, 7), "{body:?}");
            }
        }
        // The line reading must still take most bodies.
        assert!(fast * 5 > total, "{fast} of {total}");
    }

    #[test]
    fn a_bad_due_date_is_reported_as_written() {
        let a = scan("- [ ] @a thing (due 2026-02-30)\n", 1);
        assert_eq!(a[0].due, Some(Err("2026-02-30".into())));
    }

    #[test]
    fn curly_quotes_from_smart_punctuation() {
        assert_eq!(
            split_owner("@“Dana Kim” do it"),
            Some(("Dana Kim", " do it"))
        );
    }
}
