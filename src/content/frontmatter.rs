//! Splitting a note into its YAML front matter and its markdown body.
//!
//! Accepts a UTF-8 BOM, LF or CRLF line ends (the caller normalizes CRLF),
//! `---` or `...` as the closing line, and no front matter at all. Records on
//! which line of the file the YAML and the body start, so that errors inside
//! either point at the right line of the file.

/// A note cut in two.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The YAML between the fences, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// 1-based line of the file on which the YAML starts.
    pub yaml_line: usize,
    pub body: &'a str,
    /// 1-based line of the file on which the body starts.
    pub body_line: usize,
}

/// Front matter that opens but never closes.
#[derive(Debug, PartialEq, Eq)]
pub struct Unterminated;

fn is_fence(line: &str, closing: bool) -> bool {
    let l = line.trim_end();
    l == "---" || (closing && l == "...")
}

/// Splits `text` (BOM already removed, `\n` line ends).
pub fn split(text: &str) -> Result<Split<'_>, Unterminated> {
    let first_end = text.find('\n').unwrap_or(text.len());
    if !is_fence(&text[..first_end], false) {
        return Ok(Split {
            yaml: None,
            yaml_line: 1,
            body: text,
            body_line: 1,
        });
    }
    let yaml_start = (first_end + 1).min(text.len());
    let mut pos = yaml_start;
    let mut line_no = 2;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        if is_fence(&text[pos..end], true) {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: Some(&text[yaml_start..pos]),
                yaml_line: 2,
                body: &text[body_start..],
                // A closing line without a line end leaves an empty body on
                // that line, not on a line past the end of the file.
                body_line: if end < text.len() {
                    line_no + 1
                } else {
                    line_no
                },
            });
        }
        pos = end + 1;
        line_no += 1;
    }
    Err(Unterminated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_body_with_their_lines() {
        let s = split("---\ntitle: A\n---\n# Hi\n").unwrap();
        assert_eq!(s.yaml, Some("title: A\n"));
        assert_eq!(s.body, "# Hi\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn accepts_dots_as_closing_and_no_trailing_newline() {
        let s = split("---\na: 1\n...").unwrap();
        assert_eq!(s.yaml, Some("a: 1\n"));
        assert_eq!(s.body, "");
    }

    #[test]
    fn a_closing_line_at_the_end_of_the_file_keeps_the_body_on_it() {
        // Found by fuzzing: the body line was one past the last line.
        let s = split("---\n\n---").unwrap();
        assert_eq!(s.body, "");
        assert_eq!(s.body_line, 3);
        assert_eq!(split("---\na: 1\n...\n").unwrap().body_line, 4);
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let s = split("# Title\ntext").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body_line, 1);
    }

    #[test]
    fn empty_front_matter() {
        let s = split("---\n---\nbody").unwrap();
        assert_eq!(s.yaml, Some(""));
        assert_eq!(s.body, "body");
        assert_eq!(s.body_line, 3);
    }

    #[test]
    fn unterminated_is_an_error() {
        assert_eq!(split("---\ntitle: a\n"), Err(Unterminated));
        assert_eq!(split("---"), Err(Unterminated));
    }
}
