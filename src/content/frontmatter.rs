//! Splitting a note into its YAML front matter and its markdown body.
//!
//! Accepts a UTF-8 BOM, LF or CRLF line ends (the caller normalizes CRLF),
//! `---` or `...` as the closing line, and no front matter at all. Records on
//! which line of the file the YAML and the body start, so that errors inside
//! either point at the right line of the file. [`check_nesting`] refuses
//! YAML nested too deep for the YAML parser to read in reasonable time.

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

/// How deep front matter may nest: flow collections (`[`, `{`) inside one
/// another, plus block collections (a `key:` or `- ` indented under
/// another). Real front matter nests two or three levels.
pub const MAX_DEPTH: usize = 64;

/// Front matter that nests deeper than the limit, found by [`too_deep`].
#[derive(Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset in the YAML of the `[`, `{`, `- ` or key that went past
    /// the limit.
    pub offset: usize,
    /// A flow collection (`[` or `{`) went past it, not indentation.
    pub flow: bool,
}

/// Refuses front matter nested deeper than [`MAX_DEPTH`] before the YAML
/// parser sees it: unsafe-libyaml takes quadratic time on deep nesting
/// (60 KB of `[` took 5 s) before serde_yaml's own limit stops it. Call it
/// just before `serde_yaml::from_str`.
pub fn check_nesting(
    yaml: &str,
    loc: &super::fields::Locator,
    rel: &std::path::Path,
) -> Result<(), crate::diag::Diagnostic> {
    let Some(deep) = too_deep(yaml, MAX_DEPTH) else {
        return Ok(());
    };
    let (what, help) = if deep.flow {
        (
            "lists or maps in `[ ]` or `{ }`",
            "a `[` or `{` may be missing its `]` or `}`, or a value that starts with `[` or `{` needs quotes: title: \"[draft] Ideas\"",
        )
    } else {
        (
            "indented lists or maps",
            "check the indentation of the lines above: each deeper indent starts a new level",
        )
    };
    Err(crate::diag::Diagnostic::error(
        "yaml",
        format!("invalid front matter: {what} nest more than {MAX_DEPTH} levels deep"),
    )
    .in_file(rel)
    .at(loc.at_offset(deep.offset, 1))
    .help(help))
}

/// Where `yaml` first nests deeper than `limit` levels, if it does; in one
/// pass over its bytes. Brackets inside quoted scalars, plain scalars
/// (`title: Ideas [draft]`), block scalars (`|`, `>`) and comments do not
/// count. It errs towards counting less than the YAML parser would, never
/// more, so that it refuses only front matter that is really that deep (or
/// invalid anyway).
pub fn too_deep(yaml: &str, limit: usize) -> Option<TooDeep> {
    Nesting {
        b: yaml.as_bytes(),
        i: 0,
        line_start: 0,
        stack: Vec::new(),
        limit,
    }
    .run()
}

struct Nesting<'a> {
    b: &'a [u8],
    i: usize,
    /// Byte offset of the start of the current line.
    line_start: usize,
    /// Columns of the open block collections, increasing.
    stack: Vec<usize>,
    limit: usize,
}

/// What the lines after the current one continue.
#[derive(Clone, Copy)]
enum Pending {
    Nothing,
    /// A block scalar (`|`, `>`) or a plain scalar, whose further lines are
    /// those indented more than this column (-1: every line).
    MoreIndented(isize),
}

fn is_space(c: u8) -> bool {
    c == b' ' || c == b'\t' || c == b'\r'
}

impl Nesting<'_> {
    fn peek(&self, at: usize) -> Option<u8> {
        self.b.get(at).copied()
    }

    /// The character at `at` ends a token: space, line end or end of text.
    fn ends_token(&self, at: usize) -> bool {
        self.peek(at).is_none_or(|c| is_space(c) || c == b'\n')
    }

    fn skip_spaces(&mut self) {
        while self.peek(self.i).is_some_and(is_space) {
            self.i += 1;
        }
    }

    fn skip_line(&mut self) {
        while self.peek(self.i).is_some_and(|c| c != b'\n') {
            self.i += 1;
        }
    }

    fn newline(&mut self) {
        // At a `\n`: past it.
        self.i += 1;
        self.line_start = self.i;
    }

    /// Past a quoted scalar starting at `self.i` (which may span lines).
    fn skip_quoted(&mut self) {
        let q = self.b[self.i];
        self.i += 1;
        while let Some(c) = self.peek(self.i) {
            if c == b'\n' {
                self.newline();
                continue;
            }
            self.i += 1;
            if q == b'"' && c == b'\\' {
                if self.peek(self.i).is_some_and(|c| c != b'\n') {
                    self.i += 1;
                }
            } else if c == q {
                if q == b'\'' && self.peek(self.i) == Some(b'\'') {
                    self.i += 1;
                } else {
                    return;
                }
            }
        }
    }

    /// Past an anchor, tag or alias (`&a`, `!t`, `*a`).
    fn skip_word(&mut self, flow: bool) {
        while self.peek(self.i).is_some_and(|c| {
            !is_space(c) && c != b'\n' && !(flow && matches!(c, b',' | b'[' | b']' | b'{' | b'}'))
        }) {
            self.i += 1;
        }
    }

    /// The innermost block collection's column, or -1.
    fn parent(&self) -> isize {
        self.stack.last().map_or(-1, |&c| c as isize)
    }

    /// A block collection entry (`- `, `? ` or `key:`) at `at`: a new level
    /// if it is indented more than the innermost one.
    fn entry(&mut self, at: usize) -> Option<TooDeep> {
        let col = at - self.line_start;
        if self.stack.last().is_none_or(|&top| top < col) {
            self.stack.push(col);
            if self.stack.len() > self.limit {
                return Some(TooDeep {
                    offset: at,
                    flow: false,
                });
            }
        }
        None
    }

    fn run(mut self) -> Option<TooDeep> {
        let mut pending = Pending::Nothing;
        while self.i < self.b.len() {
            // At the start of a line.
            let start = self.i;
            self.skip_spaces();
            let indent = (self.i - start) as isize;
            match self.peek(self.i) {
                None => return None,
                Some(b'\n') => {
                    self.newline();
                    continue;
                }
                Some(b'#') if !matches!(pending, Pending::MoreIndented(_)) => {
                    self.skip_line();
                    continue;
                }
                _ => {}
            }
            if let Pending::MoreIndented(parent) = pending {
                if indent > parent {
                    self.skip_line();
                    continue;
                }
                pending = Pending::Nothing;
                if self.peek(self.i) == Some(b'#') {
                    self.skip_line();
                    continue;
                }
            }
            let col = self.i - self.line_start;
            while self.stack.last().is_some_and(|&top| top > col) {
                self.stack.pop();
            }
            match self.line(&mut pending) {
                Ok(()) => {}
                Err(deep) => return Some(deep),
            }
            self.skip_line();
        }
        None
    }

    /// The rest of a line from its first character, in block context.
    fn line(&mut self, pending: &mut Pending) -> Result<(), TooDeep> {
        // After `key: ` a further `key:` on the same line is an error of
        // YAML's, not a level; after `- ` it is a map in the list item.
        let mut after_key = false;
        // Where the node began, before its anchor or tag (`&a key: x`).
        let mut props: Option<usize> = None;
        loop {
            self.skip_spaces();
            let at = self.i;
            let Some(c) = self.peek(at) else {
                return Ok(());
            };
            let node = props.take().unwrap_or(at);
            match c {
                b'\n' | b'#' => return Ok(()),
                b'-' | b'?' if self.ends_token(at + 1) && !after_key => {
                    if let Some(deep) = self.entry(node) {
                        return Err(deep);
                    }
                    self.i += 1;
                }
                b'[' | b'{' => {
                    self.flow(at)?;
                    // After the collection: a comment, or `: ` when it was a
                    // key (rare); anything else is YAML's error to report.
                    self.skip_spaces();
                    if self.peek(self.i) == Some(b':') && self.ends_token(self.i + 1) {
                        self.i += 1;
                        after_key = true;
                        continue;
                    }
                    return Ok(());
                }
                b'"' | b'\'' => {
                    let line_start = self.line_start;
                    self.skip_quoted();
                    self.skip_spaces();
                    if self.peek(self.i) == Some(b':') && self.ends_token(self.i + 1) {
                        // A key over several lines is YAML's error to report.
                        let one_line = self.line_start == line_start;
                        if !after_key
                            && one_line
                            && let Some(deep) = self.entry(node)
                        {
                            return Err(deep);
                        }
                        self.i += 1;
                        after_key = true;
                        continue;
                    }
                    return Ok(());
                }
                b'|' | b'>' => {
                    *pending = Pending::MoreIndented(self.parent());
                    return Ok(());
                }
                b'&' | b'!' => {
                    props = Some(node);
                    self.skip_word(false);
                }
                _ => {
                    // A plain scalar: a key if `: ` follows on this line
                    // (before a ` #` comment), else a value that may go on
                    // over the lines indented more than its collection.
                    let mut j = at;
                    let mut key = false;
                    while let Some(c) = self.peek(j) {
                        if c == b'\n' || (c == b'#' && j > at && is_space(self.b[j - 1])) {
                            break;
                        }
                        if c == b':' && self.ends_token(j + 1) {
                            key = true;
                            break;
                        }
                        j += 1;
                    }
                    self.i = j;
                    if !key {
                        *pending = Pending::MoreIndented(self.parent());
                        return Ok(());
                    }
                    if !after_key && let Some(deep) = self.entry(node) {
                        return Err(deep);
                    }
                    self.i += 1;
                    after_key = true;
                }
            }
        }
    }

    /// A flow collection opening at `at`, to past its closing bracket.
    fn flow(&mut self, at: usize) -> Result<(), TooDeep> {
        let base = self.stack.len();
        let mut depth = 0;
        // Inside a plain scalar (which goes on over spaces and lines until
        // a `,`, bracket, `: ` or ` #`): there a quote, `?` or `&` is text.
        let mut plain = false;
        let mut after_space = false;
        self.i = at;
        while let Some(c) = self.peek(self.i) {
            let space_before = after_space;
            after_space = false;
            match c {
                b'\n' => {
                    self.newline();
                    after_space = true;
                    continue;
                }
                b'[' | b'{' => {
                    depth += 1;
                    if base + depth > self.limit {
                        return Err(TooDeep {
                            offset: self.i,
                            flow: true,
                        });
                    }
                    plain = false;
                }
                b']' | b'}' => {
                    depth -= 1;
                    self.i += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                    plain = false;
                    continue;
                }
                b',' => plain = false,
                b':' if self.peek(self.i + 1).is_none_or(|n| {
                    is_space(n) || matches!(n, b'\n' | b',' | b'[' | b']' | b'{' | b'}')
                }) =>
                {
                    plain = false
                }
                b'?' if !plain && self.ends_token(self.i + 1) => {}
                b'#' if !plain || space_before => {
                    self.skip_line();
                    plain = false;
                    continue;
                }
                b'"' | b'\'' if !plain => {
                    self.skip_quoted();
                    continue;
                }
                b'&' | b'!' if !plain => {
                    self.skip_word(true);
                    continue;
                }
                c if is_space(c) => after_space = true,
                _ => plain = true,
            }
            self.i += 1;
        }
        Ok(())
    }
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

    fn depth_at(yaml: &str, limit: usize) -> Option<(usize, bool)> {
        too_deep(yaml, limit).map(|d| (d.offset, d.flow))
    }

    #[test]
    fn deep_flow_collections_are_refused_where_they_pass_the_limit() {
        let yaml = format!("title: {}\n", "[".repeat(60_000));
        // The 65th `[`, in one pass.
        assert_eq!(depth_at(&yaml, MAX_DEPTH), Some((7 + 63, true)));
        let yaml = format!("a:\n  b: {}", "{x: ".repeat(100));
        assert_eq!(depth_at(&yaml, 64), Some((3 + 5 + 62 * 4, true)));
        // Exactly at the limit is fine, closed or not (YAML reports those).
        let ok = format!("a: {}1{}\n", "[".repeat(63), "]".repeat(63));
        assert_eq!(depth_at(&ok, 64), None);
        assert_eq!(depth_at(&"[".repeat(64), 64), None);
        assert_eq!(depth_at(&"[".repeat(65), 64), Some((64, true)));
    }

    #[test]
    fn brackets_in_scalars_and_comments_do_not_count() {
        let deep = "[".repeat(100);
        let cases = [
            format!("title: \"{deep}\"\n"),
            format!("title: '{deep} it''s {deep}'\n"),
            format!("title: \"a \\\" {deep}\"\n"),
            format!("title: Ideas {deep}\n"),
            format!("title: x # {deep}\n"),
            format!("# {deep}\ntitle: x\n"),
            format!("summary: |\n  {deep}\n  more {deep}\n\ntags: [a]\n"),
            format!("summary: >-\n    {deep}\n  # {deep}\ntags: [a]\n"),
            format!("tags: [\"{deep}\", '{deep}', a]\n"),
            format!("tags: [a, b] # {deep}\n"),
            format!("tags: {{a: \"{deep}\", 'b': '{deep}'}}\n"),
            format!("title: \"multi\n  line {deep}\n  end\"\ntags: [a]\n"),
            format!("title: plain\n  continued {deep}\n"),
            format!("url: http://x.org/{deep}\n"),
            format!("tags:\n  - \"{deep}\"\n  - '{deep}'\n  - a {deep}\n"),
            format!("a: &anchor \"{deep}\"\nb: !!str '{deep}'\n"),
        ];
        for yaml in cases {
            assert_eq!(depth_at(&yaml, 64), None, "{yaml}");
        }
        // A bracket right after a `#` that is not a comment does count.
        assert_eq!(depth_at(&format!("t: [a#{deep}"), 64), Some((6 + 62, true)));
    }

    #[test]
    fn flow_inside_block_counts_both() {
        // Two block levels, then flow brackets.
        let yaml = format!("a:\n  b:\n    - {}\n", "[".repeat(70));
        let d = too_deep(&yaml, 64).unwrap();
        assert!(d.flow);
        assert_eq!(&yaml[d.offset..d.offset + 1], "[");
        // a, b, the list: three levels, so the 62nd bracket is the 65th level.
        assert_eq!(d.offset, yaml.find('[').unwrap() + 61);
    }

    #[test]
    fn deep_indentation_is_refused_and_real_front_matter_is_not() {
        let mut yaml = String::new();
        for i in 0..70 {
            yaml.push_str(&" ".repeat(i));
            yaml.push_str("k:\n");
        }
        let d = too_deep(&yaml, 64).unwrap();
        assert!(!d.flow);
        let line = yaml[..d.offset].matches('\n').count();
        assert_eq!(line, 64, "the 65th key");
        // `- - - x` nests on one line.
        let yaml = format!("a: 1\nb:\n{}x\n", "- ".repeat(80));
        let d = too_deep(&yaml, 64).unwrap();
        assert!(!d.flow);
        assert_eq!(d.offset, 10 + 2 * 63);
        // Keys and items at the same indent are one level, however many.
        let mut flat = String::from("links:\n");
        for i in 0..500 {
            flat.push_str(&format!("  l{i}: https://x.org/{i}\n"));
        }
        flat.push_str("tags:\n");
        for i in 0..500 {
            flat.push_str(&format!("- t{i}\n"));
        }
        assert_eq!(depth_at(&flat, 2), None);
        let real = "title: Power dynamics [draft]\ndate: 2026-03-06T18:00:00-05:00\n\
                    attendees:\n  - Dana Kim\n  - \"Eli [guest]\"\nlinks:\n  site: https://d.k/\n  \
                    notes:\n    - a\n    - {b: [c, d]}\nsummary: |\n  Text [with] {braces}\n  \
                    # not a comment\ntags: [a, 'b]', \"c[\"] # [[[\n";
        // links, notes, the list, `{b:`, `[c`: five levels.
        assert_eq!(depth_at(real, 5), None);
        assert!(too_deep(real, 4).is_some_and(|d| d.flow));
        // A line that is a plain scalar's continuation is not a key.
        let cont = format!(
            "t: a\n{}",
            (1..80)
                .map(|i| format!("{}- b\n", " ".repeat(i)))
                .collect::<String>()
        );
        assert_eq!(depth_at(&cont, 64), None);
        // `key: value: more` is YAML's error, not nesting.
        assert_eq!(depth_at(&"a: ".repeat(100), 64), None);
    }

    #[test]
    fn the_error_points_at_the_bracket_with_a_fix() {
        let yaml = format!("title: x\ntags: {}\n", "[".repeat(70));
        let loc = crate::content::fields::Locator::new(&yaml, 2);
        let d = check_nesting(&yaml, &loc, std::path::Path::new("content/a.md")).unwrap_err();
        assert_eq!(d.span, Some(crate::diag::Span::new(3, 7 + 63, 1)));
        assert!(d.message.contains("more than 64 levels"), "{}", d.message);
        assert!(d.suggestion.unwrap().contains("needs quotes"));
        assert!(check_nesting("title: x\n", &loc, std::path::Path::new("a.md")).is_ok());
    }

    /// How deep a parsed YAML value nests.
    fn value_depth(v: &serde_yaml::Value) -> usize {
        use serde_yaml::Value;
        match v {
            Value::Sequence(items) => 1 + items.iter().map(value_depth).max().unwrap_or(0),
            Value::Mapping(m) => {
                1 + m
                    .iter()
                    .map(|(k, v)| value_depth(k).max(value_depth(v)))
                    .max()
                    .unwrap_or(0)
            }
            Value::Tagged(t) => value_depth(&t.value),
            _ => 0,
        }
    }

    #[test]
    fn never_refuses_yaml_that_parses_within_the_limit() {
        // Random text of YAML's significant characters: wherever the check
        // says "too deep", serde_yaml must fail or find it deeper too.
        let alphabet: &[&str] = &[
            "[", "]", "{", "}", "\"", "'", "#", "- ", ":", ": ", "|", ">", "\n", " ", "  ", "a",
            "b", ",", "\\", "&x ", "!t ", "? ", "\n  ", "\n    ",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut refused = 0;
        for _ in 0..10_000 {
            let len = 1 + next() % 40;
            let yaml: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for limit in [1, 2, 3] {
                if too_deep(&yaml, limit).is_some() {
                    refused += 1;
                    if let Ok(v) = serde_yaml::from_str::<serde_yaml::Value>(&yaml) {
                        assert!(
                            value_depth(&v) > limit,
                            "refused at {limit} but nests {}: {yaml:?}",
                            value_depth(&v)
                        );
                    }
                }
            }
        }
        assert!(refused > 300, "{refused}");
    }
}
