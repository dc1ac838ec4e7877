//! Diagnostics: every problem cairn reports, with the file, line and column
//! it is about, collected across a whole build rather than stopping at the
//! first one.
//!
//! Stages push [`Diagnostic`]s into a [`Diagnostics`] collector and keep
//! going; the command line prints them all at the end, grouped by file, with
//! the offending source line shown and the spot marked.

use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// How bad a diagnostic is. Errors fail the build; warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a source file: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub line: usize,
    pub column: usize,
    /// Length of the marked text in characters (0: just a position).
    #[serde(skip)]
    pub len: usize,
}

impl Span {
    pub fn new(line: usize, column: usize, len: usize) -> Span {
        Span { line, column, len }
    }
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine-readable code such as `unknown-person`.
    pub code: &'static str,
    /// The file, relative to the site root where possible.
    pub file: Option<PathBuf>,
    #[serde(flatten)]
    pub span: Option<Span>,
    pub message: String,
    /// How to fix it, when known ("did you mean `eli-n`?").
    pub suggestion: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            file: None,
            span: None,
            message: message.into(),
            suggestion: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    pub fn help(mut self, suggestion: impl Into<String>) -> Diagnostic {
        self.suggestion = Some(suggestion.into());
        self
    }

    pub fn help_opt(mut self, suggestion: Option<String>) -> Diagnostic {
        self.suggestion = suggestion;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, as far as known.
    pub fn location(&self) -> String {
        let mut s = match &self.file {
            Some(f) => f.display().to_string(),
            None => String::new(),
        };
        if let Some(span) = self.span {
            let _ = write!(s, ":{}", span.line);
            if span.column > 0 {
                let _ = write!(s, ":{}", span.column);
            }
        }
        s
    }
}

/// The collector every stage writes into.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorted by file, then position, then severity: the order they print in.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| {
            (&a.file, a.span, a.severity, &a.message)
                .cmp(&(&b.file, b.span, b.severity, &b.message))
        });
        v.dedup();
        v
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Prints diagnostics for people: grouped by file, each with its source line
/// and a caret under the spot, then a closing count.
pub struct Report<'a> {
    pub root: &'a Path,
    pub color: bool,
}

impl Report<'_> {
    pub fn render(&self, diags: &Diagnostics) -> String {
        let mut out = String::new();
        let mut files = std::collections::BTreeSet::new();
        // The file of the last diagnostic, split into lines once: a note
        // with thousands of errors is not scanned from the top for each.
        let mut cached: Option<(PathBuf, Option<Vec<String>>)> = None;
        for d in diags.sorted() {
            if let Some(f) = &d.file {
                files.insert(f.clone());
            }
            let (label, color) = match d.severity {
                Severity::Error => ("error", "\x1b[1;31m"),
                Severity::Warning => ("warning", "\x1b[1;33m"),
            };
            if self.color {
                let _ = writeln!(out, "{color}{label}\x1b[0m\x1b[1m: {}\x1b[0m", d.message);
            } else {
                let _ = writeln!(out, "{label}: {}", d.message);
            }
            let loc = d.location();
            if !loc.is_empty() {
                let _ = writeln!(out, "  --> {loc}");
            }
            if let (Some(file), Some(span)) = (&d.file, d.span) {
                if cached.as_ref().map(|c| &c.0) != Some(file) {
                    let lines = std::fs::read(self.root.join(file)).ok().map(|b| {
                        String::from_utf8_lossy(&b)
                            .lines()
                            .map(String::from)
                            .collect()
                    });
                    cached = Some((file.clone(), lines));
                }
                if let Some(line) = cached
                    .as_ref()
                    .and_then(|c| c.1.as_deref())
                    .and_then(|l| l.get(span.line.saturating_sub(1)))
                {
                    self.snippet(&mut out, line, span);
                }
            }
            if let Some(s) = &d.suggestion {
                let _ = writeln!(out, "   = help: {s}");
            }
            out.push('\n');
        }
        out.push_str(&summary(diags, files.len()));
        out.push('\n');
        out
    }

    fn snippet(&self, out: &mut String, line: &str, span: Span) {
        let line = line.trim_end_matches(['\r', '\n']).replace('\t', " ");
        if line.chars().count() > 200 {
            return;
        }
        let num = span.line.to_string();
        let pad = " ".repeat(num.len());
        let _ = writeln!(out, " {pad} |");
        let _ = writeln!(out, " {num} | {line}");
        if span.column > 0 {
            let marks = "^".repeat(span.len.max(1));
            let lead = " ".repeat(span.column - 1);
            if self.color {
                let _ = writeln!(out, " {pad} | {lead}\x1b[1;31m{marks}\x1b[0m");
            } else {
                let _ = writeln!(out, " {pad} | {lead}{marks}");
            }
        }
    }
}

/// "2 errors, 1 warning in 3 files".
pub fn summary(diags: &Diagnostics, files: usize) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut s = format!(
        "{}, {}",
        plural(diags.error_count(), "error"),
        plural(diags.warning_count(), "warning")
    );
    if files > 0 {
        let _ = write!(s, " in {}", plural(files, "file"));
    }
    s
}

/// The closest of `candidates` to `word`, if within two edits (or a
/// case-insensitive match): the "did you mean" of every message.
pub fn closest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let w = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        // A swap of two letters (titel) is one edit, as people make it.
        let d = strsim::osa_distance(&w, &c.to_lowercase());
        // One edit in a very short word is a different word.
        let limit = match w.chars().count() {
            0..=3 => 0,
            4..=5 => 1,
            _ => 2,
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_a_near_name_and_rejects_far_ones() {
        let names = ["eli-n", "dana-kim", "sam"];
        assert_eq!(closest("eli-m", names), Some("eli-n"));
        assert_eq!(closest("Dana-Kim", names), Some("dana-kim"));
        assert_eq!(closest("zzzzzz", names), None);
        assert_eq!(closest("c4", ["c3"]), None);
        assert_eq!(closest("SAM", names), Some("sam"));
    }

    #[test]
    fn summary_counts_and_pluralises() {
        let mut d = Diagnostics::new();
        d.push(Diagnostic::error("x", "a"));
        d.push(Diagnostic::error("x", "b"));
        d.push(Diagnostic::warning("y", "c"));
        assert_eq!(summary(&d, 3), "2 errors, 1 warning in 3 files");
    }
}
