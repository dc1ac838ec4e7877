//! Action items: `- [ ] @person what to do (due 2026-04-01)` lines in
//! session notes. `@person` is a slug, or a display name in quotes
//! (`@"Dana Kim"`); `- [x]` marks the item done.
//!
//! This module only reads the lines; the link stage resolves owners with
//! the same rules as attendees.

use crate::diag::Span;
use chrono::NaiveDate;

/// An action line as written.
#[derive(Debug, PartialEq, Eq)]
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

/// Every action line of a body whose first line is file line `first_line`.
/// Lines inside fenced code blocks are skipped.
pub fn scan(body: &str, first_line: usize) -> Vec<RawAction> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    for (i, line) in body.lines().enumerate() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
            continue;
        }
        let Some(item) = t
            .strip_prefix("- ")
            .or_else(|| t.strip_prefix("* "))
            .or_else(|| t.strip_prefix("+ "))
        else {
            continue;
        };
        let item = item.trim_start();
        let (done, rest) = if let Some(r) = item.strip_prefix("[ ]") {
            (false, r)
        } else if let Some(r) = item
            .strip_prefix("[x]")
            .or_else(|| item.strip_prefix("[X]"))
        {
            (true, r)
        } else {
            continue;
        };
        let rest = rest.trim_start();
        let Some((owner, text)) = split_owner(rest) else {
            continue;
        };
        let at = line.len() - rest.len();
        let column = line[..at].chars().count() + 1;
        let written = rest.len() - text.len();
        let (text, due) = split_due(text);
        let text = text
            .trim_start_matches([':', '-', '–', '—', ','])
            .trim()
            .to_string();
        out.push(RawAction {
            owner: owner.trim().to_string(),
            text,
            due,
            done,
            span: Span::new(first_line + i, column, rest[..written].chars().count()),
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
    fn skips_code_blocks_and_plain_tasks() {
        let body = "```\n- [ ] @x no\n```\n- [ ] nobody owns this\n- [ ] @ lonely\n";
        assert!(scan(body, 1).is_empty());
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
