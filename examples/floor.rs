//! The floor for `cairn build`: the least work any static site generator
//! must do with the same input. It walks `SITE/content` for `*.md`, and on
//! every core reads each file and writes its bytes unchanged to
//! `OUT/<path relative to content, without .md>/index.html`. No parsing,
//! no templates, no links, no indexes.
//!
//! ```text
//! cargo run --release --example floor -- --root SITE --out DIR
//! ```

use rayon::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::exit;
use walkdir::WalkDir;

fn usage() -> ! {
    eprintln!("usage: floor --root SITE --out DIR");
    exit(2)
}

fn parse_args() -> (PathBuf, PathBuf) {
    let mut root = None;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--root" => root = Some(PathBuf::from(it.next().unwrap_or_else(|| usage()))),
            "--out" => out = Some(PathBuf::from(it.next().unwrap_or_else(|| usage()))),
            _ => usage(),
        }
    }
    match (root, out) {
        (Some(r), Some(o)) => (r, o),
        _ => usage(),
    }
}

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
    let (root, out) = parse_args();
    let content = root.join("content");
    let files: Vec<PathBuf> = WalkDir::new(&content)
        .into_iter()
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                eprintln!("floor: {err}");
                exit(1)
            }
        })
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect();
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
