//! The front matter splitter: never panics, returns slices of its input,
//! and numbers the body's first line as the file does.

#![no_main]

use cairn::content::frontmatter::{Split, Unterminated, split};
use libfuzzer_sys::fuzz_target;

/// The byte offset of `part` inside `whole`, which it must be a slice of.
fn offset_in(whole: &str, part: &str) -> usize {
    let start = part.as_ptr() as usize;
    let base = whole.as_ptr() as usize;
    assert!(
        start >= base && start + part.len() <= base + whole.len(),
        "not a slice of the input"
    );
    start - base
}

fn is_fence(line: &str, closing: bool) -> bool {
    let l = line.trim_end();
    l == "---" || (closing && l == "...")
}

/// A line-by-line model of the split: (yaml, body, body_line).
fn model(text: &str) -> Result<Option<(String, String, usize)>, Unterminated> {
    let lines: Vec<&str> = text.split('\n').collect();
    if !is_fence(lines[0], false) {
        return Ok(None);
    }
    let close = lines[1..]
        .iter()
        .position(|l| is_fence(l, true))
        .ok_or(Unterminated)?
        + 1;
    let yaml: String = lines[1..close].iter().map(|l| format!("{l}\n")).collect();
    let body = lines[close + 1..].join("\n");
    // The body starts on the line after the fence, or at the end of the
    // fence line when nothing follows it.
    let body_line = if close + 1 < lines.len() {
        close + 2
    } else {
        close + 1
    };
    Ok(Some((yaml, body, body_line)))
}

fn check(text: &str) {
    let got = split(text);
    let want = model(text);
    let s: Split = match (got, want) {
        (Err(Unterminated), Err(Unterminated)) => return,
        (got, want) => {
            let Ok(s) = got else {
                panic!("split says unterminated, model says {want:?}")
            };
            match want {
                Err(_) => panic!("split found front matter, model says unterminated"),
                Ok(None) => {
                    assert_eq!(s.yaml, None);
                    assert_eq!(s.body, text);
                    assert_eq!(s.body_line, 1);
                    assert_eq!(s.yaml_line, 1);
                }
                Ok(Some((yaml, body, body_line))) => {
                    assert_eq!(s.yaml, Some(yaml.as_str()));
                    assert_eq!(s.body, body);
                    assert_eq!(s.body_line, body_line, "body line");
                    assert_eq!(s.yaml_line, 2);
                }
            }
            s
        }
    };
    // Offsets: both parts are slices of the input, in order, on the lines
    // they claim.
    let line_count = text.split('\n').count();
    let body_at = offset_in(text, s.body);
    assert!(
        s.body_line >= 1 && s.body_line <= line_count,
        "body line past the end"
    );
    assert_eq!(
        s.body_line,
        1 + text[..body_at].matches('\n').count(),
        "body line is not the line of the body's first byte"
    );
    if let Some(yaml) = s.yaml {
        let yaml_at = offset_in(text, yaml);
        assert!(yaml_at + yaml.len() <= body_at);
        assert!(s.yaml_line <= line_count);
        assert_eq!(s.yaml_line, 1 + text[..yaml_at].matches('\n').count());
    }
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    // As written (BOM, `\r\n`): must not panic.
    let _ = split(&raw);
    // As the loader passes it: BOM removed, `\n` line ends.
    let text = raw.strip_prefix('\u{feff}').unwrap_or(&raw);
    let text = text.replace("\r\n", "\n");
    check(&text);
});
