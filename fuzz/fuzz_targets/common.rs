//! Checks shared by the fuzz targets.

use cairn::diag::Span;

/// The lines of `text` as a reader numbers them: `split('\n')`, so a file
/// ending in `\n` has an empty last line (where an error at the very end
/// points).
pub fn lines(text: &str) -> Vec<&str> {
    text.split('\n').collect()
}

/// Panics unless `span` marks text inside the file whose lines from file
/// line `first_line` on are `lines`: the line exists, the column is on it
/// (or just after its end), and the marked characters do not run past the
/// line's end.
#[track_caller]
pub fn assert_span_inside(lines: &[&str], first_line: usize, span: Span, what: &str) {
    assert!(
        span.line >= first_line && span.line < first_line + lines.len(),
        "{what}: line {} outside lines {first_line}..{} ({span:?})",
        span.line,
        first_line + lines.len() - 1,
    );
    if span.column == 0 {
        return;
    }
    let chars = lines[span.line - first_line].chars().count();
    assert!(
        span.column - 1 + span.len <= chars + 1,
        "{what}: columns {}+{} past the end of line {} ({chars} characters)",
        span.column,
        span.len,
        span.line,
    );
}
