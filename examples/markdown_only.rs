//! A second reference for `cairn build`: the "quick experiment" of issue 7,
//! the least a markdown site generator does per note and nothing more. It
//! walks `SITE/content` for `*.md` and, on every core, reads each note,
//! parses its YAML front matter (serde_yaml), renders its body with
//! pulldown-cmark (cairn's options) into one compiled tera template that
//! shows the title and the body, and writes the page to
//! `OUT/<path relative to content, without .md>/index.html`.
//!
//! No links between notes, no people, topics or communities, no list
//! pages, no search index, feed, calendar or sitemap: the difference
//! between this and `cairn build` is what those cost.
//!
//! ```text
//! cargo run --release --example markdown_only -- --root SITE --out DIR
//! ```

mod bench_support;

use pulldown_cmark::{Parser, html};
use rayon::prelude::*;
use std::fs;
use std::path::Path;
use std::process::exit;

const TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{{ body | safe }}
</main></body>
</html>
"#;

/// The front matter between the opening `---` line and the next, and the
/// body after it; no front matter gives an empty one.
fn split(text: &str) -> (&str, &str) {
    let Some(rest) = text.strip_prefix("---\n") else {
        return ("", text);
    };
    match rest.find("\n---\n") {
        Some(end) => (&rest[..end + 1], &rest[end + 5..]),
        None => ("", text),
    }
}

fn render_one(tera: &tera::Tera, content: &Path, out: &Path, src: &Path) -> Result<u64, String> {
    let rel = src
        .strip_prefix(content)
        .expect("walked paths are under content/")
        .with_extension("");
    let text = fs::read_to_string(src).map_err(|e| e.to_string())?;
    let (front, body) = split(&text);
    let meta: serde_yaml::Value = if front.is_empty() {
        serde_yaml::Value::Null
    } else {
        serde_yaml::from_str(front).map_err(|e| e.to_string())?
    };
    let title = meta
        .get("title")
        .or_else(|| meta.get("name"))
        .and_then(serde_yaml::Value::as_str)
        .unwrap_or("Untitled");
    let mut body_html = String::with_capacity(body.len() * 3 / 2);
    html::push_html(
        &mut body_html,
        Parser::new_ext(body, cairn::markdown::options()),
    );
    let mut context = tera::Context::new();
    context.insert("title", title);
    context.insert("body", &body_html);
    let page = tera
        .render("page.html", &context)
        .map_err(|e| e.to_string())?;
    let dir = out.join(rel);
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    fs::write(dir.join("index.html"), page.as_bytes()).map_err(|e| e.to_string())?;
    Ok(page.len() as u64)
}

fn main() {
    let (root, out) = bench_support::args("markdown_only");
    let content = root.join("content");
    let mut tera = tera::Tera::default();
    tera.add_raw_template("page.html", TEMPLATE)
        .expect("the template compiles");
    let files = bench_support::notes("markdown_only", &content);
    let bytes: u64 = files
        .par_iter()
        .map(|f| {
            render_one(&tera, &content, &out, f).unwrap_or_else(|e| {
                eprintln!("markdown_only: {}: {e}", f.display());
                exit(1)
            })
        })
        .sum();
    println!(
        "markdown_only: {} pages, {} bytes written to {}",
        files.len(),
        bytes,
        out.display()
    );
}
