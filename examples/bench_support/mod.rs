//! What the benchmark's reference programs (`floor`, `markdown_only`)
//! share: their arguments and the notes they read.

use std::path::PathBuf;
use std::process::exit;
use walkdir::WalkDir;

/// `--root SITE --out DIR`, or the usage line and exit code 2.
pub fn args(program: &str) -> (PathBuf, PathBuf) {
    let usage = || -> ! {
        eprintln!("usage: {program} --root SITE --out DIR");
        exit(2)
    };
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

/// Every `*.md` file under `content`; a folder that cannot be read ends
/// the program.
pub fn notes(program: &str, content: &std::path::Path) -> Vec<PathBuf> {
    WalkDir::new(content)
        .into_iter()
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                eprintln!("{program}: {err}");
                exit(1)
            }
        })
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(walkdir::DirEntry::into_path)
        .collect()
}
