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
/// Task list items are found by the markdown parser itself, so items in
/// code blocks, HTML blocks or comments are not items, exactly as they are
/// not rendered as items.
pub fn scan(body: &str, first_line: usize) -> Vec<RawAction> {
    let mut out = Vec::new();
    if !body.contains("] @") {
        return out;
    }
    let parser = pulldown_cmark::Parser::new_ext(body, pulldown_cmark::Options::ENABLE_TASKLISTS);
    // Line numbers are counted on from the previous item, not from the top
    // for each one: that was quadratic (20 s for 72 000 items, found while
    // timing the fuzz target on large inputs).
    let (mut counted_to, mut newlines) = (0, 0);
    for (event, range) in parser.into_offset_iter() {
        let pulldown_cmark::Event::TaskListMarker(done) = event else {
            continue;
        };
        let line_start = body[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = body[range.end..]
            .find('\n')
            .map_or(body.len(), |i| range.end + i);
        let rest = body[range.end..line_end].trim_start();
        let Some((owner, text)) = split_owner(rest) else {
            continue;
        };
        // `rest` is a suffix of the line: it starts where the owner does.
        let at = line_end - rest.len();
        let column = body[line_start..at].chars().count() + 1;
        let written = rest.len() - text.len();
        let (text, due) = split_due(text);
        let text = text
            .trim_start_matches([':', '-', '–', '—', ','])
            .trim()
            .to_string();
        if range.start < counted_to {
            (counted_to, newlines) = (0, 0);
        }
        newlines += body[counted_to..range.start].matches('\n').count();
        counted_to = range.start;
        let line = first_line + newlines;
        out.push(RawAction {
            owner: owner.trim().to_string(),
            text,
            due,
            done,
            span: Span::new(line, column, rest[..written].chars().count()),
        });
    }
    out
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
