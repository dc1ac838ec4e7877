//! The floor for `cairn build`: the least work any static site generator
//! must do with the same input. It walks `SITE/content` for `*.md`, and on
//! every core reads each file and writes its bytes unchanged to
//! `OUT/<path relative to content, without .md>/index.html`. No parsing,
//! no templates, no links, no indexes.
//!
//! ```text
//! cargo run --release --example floor -- --root SITE --out DIR
//! ```

mod bench_support;

use rayon::prelude::*;
use std::fs;
use std::path::Path;
use std::process::exit;

fn copy_one(content: &Path, out: &Path, src: &Path) -> std::io::Result<u64> {
    let rel = src
        .strip_prefix(content)
        .expect("walked paths are under content/")
        .with_extension("");
    let dir = out.join(rel);
    let bytes = fs::read(src)?;
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("index.html"), &bytes)?;
    Ok(bytes.len() as u64)
}

fn main() {
    let (root, out) = bench_support::args("floor");
    let content = root.join("content");
    let files = bench_support::notes("floor", &content);
    let bytes: u64 = files
        .par_iter()
        .map(|f| {
            copy_one(&content, &out, f).unwrap_or_else(|e| {
                eprintln!("floor: {}: {e}", f.display());
                exit(1)
            })
        })
        .sum();
    println!(
        "floor: {} pages, {} bytes written to {}",
        files.len(),
        bytes,
        out.display()
    );
}
