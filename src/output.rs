//! WRITE: the rendered site, held in memory, goes to disk without ever
//! losing the previous output.
//!
//! The new site is written into a staging folder beside the output folder
//! and swapped in only when complete, in one atomic step on Linux. The output folder carries a marker
//! file listing what cairn wrote; cairn refuses to replace a folder without
//! it (unless empty), or one holding files it did not write, and never
//! writes into the site root or a content folder.
//!
//! The marker also gives each file's length and a hash of its bytes. A
//! rebuild hard-links a file whose new bytes are those of the file in the
//! current output (same length and hash, not modified since the marker was
//! written) into the staging folder instead of writing it again: the old
//! output is only read, and deleting it after the swap frees no file data.

use crate::content::OUTPUT_MARKER;
use crate::diag::Diagnostic;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

/// One file of the output.
pub enum Content {
    Bytes(Vec<u8>),
    /// Copied from this file at write time.
    Copy(PathBuf),
}

impl Content {
    /// The bytes, read from the file for a copy.
    pub fn into_bytes(self) -> io::Result<Vec<u8>> {
        match self {
            Content::Bytes(b) => Ok(b),
            Content::Copy(p) => std::fs::read(p),
        }
    }
}

/// The whole site in memory: output path (`/`-separated) -> content.
#[derive(Default)]
pub struct Output {
    pub files: BTreeMap<String, Content>,
}

impl Output {
    pub fn add(&mut self, path: String, bytes: Vec<u8>) {
        self.files.insert(path, Content::Bytes(bytes));
    }

    /// Adds every file under `dir` (hidden files excepted), later calls
    /// overriding earlier ones.
    pub fn copy_dir(&mut self, dir: &Path, diags: &mut Vec<Diagnostic>) {
        if !dir.is_dir() {
            return;
        }
        for entry in walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
                    let key = rel.to_string_lossy().replace('\\', "/");
                    self.files
                        .insert(key, Content::Copy(e.path().to_path_buf()));
                }
                Ok(_) => {}
                Err(err) => diags.push(Diagnostic::error(
                    "static",
                    format!("cannot read static file: {err}"),
                )),
            }
        }
    }

    pub fn get(&self, path: &str) -> Option<&Content> {
        self.files.get(path)
    }

    pub fn html_pages(&self) -> usize {
        self.files.keys().filter(|k| k.ends_with(".html")).count()
    }
}

/// Why the output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write to {path}: {reason}")]
    Refused { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

impl WriteError {
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            WriteError::Refused { .. } => Some(
                "cairn only replaces folders it created; pass another --output, or move the files away first",
            ),
            WriteError::Io { .. } => None,
        }
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Makes a path absolute and clean, without requiring it to exist.
pub fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    // Resolve symlinks in the part that exists.
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&existing).unwrap_or(existing);
    for part in rest.into_iter().rev() {
        if part == ".." {
            out.pop();
        } else if part != "." {
            out.push(part);
        }
    }
    out
}

/// Checks, before anything is built, that `out` may be (re)placed.
pub fn check_target(out: &Path, root: &Path, content_dirs: &[PathBuf]) -> Result<(), WriteError> {
    let out = absolute(out);
    let root = absolute(root);
    let refuse = |reason: String| WriteError::Refused {
        path: out.clone(),
        reason,
    };
    if out.parent().is_none() {
        return Err(refuse("it is the file system root".into()));
    }
    if root.starts_with(&out) {
        return Err(refuse("it is the site folder or contains it".into()));
    }
    for dir in content_dirs {
        let dir = absolute(dir);
        if dir.starts_with(&out) {
            return Err(refuse(format!(
                "it holds the content folder {}",
                dir.display()
            )));
        }
        if out.starts_with(&dir) && dir != root {
            return Err(refuse(format!(
                "it is inside the content folder {}",
                dir.display()
            )));
        }
    }
    for special in ["static", "templates", "themes"] {
        if out.starts_with(root.join(special)) {
            return Err(refuse(format!("it is inside the site's {special}/ folder")));
        }
    }
    if out.exists() {
        if !out.is_dir() {
            return Err(refuse("it is a file, not a folder".into()));
        }
        if !out.join(OUTPUT_MARKER).is_file() {
            let empty = std::fs::read_dir(&out)
                .map_err(io_err(&out))?
                .next()
                .is_none();
            if !empty {
                return Err(refuse(
                    "it was not created by cairn (no .cairn-output marker) and is not empty".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Files listed in an output folder's marker.
fn manifest(dir: &Path) -> Option<HashSet<String>> {
    let text = std::fs::read_to_string(dir.join(OUTPUT_MARKER)).ok()?;
    Some(
        marker_lines(&text)
            .map(|(path, _)| path.to_string())
            .collect(),
    )
}

/// `(path, "length hash")` of each file a marker lists. Markers of older
/// versions list paths only.
fn marker_lines(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split_once('\t').unwrap_or((l, "")))
}

/// Length and hash of a file's bytes, as the marker records them.
fn fingerprint(bytes: &[u8]) -> String {
    format!("{}\t{:032x}", bytes.len(), hash128(bytes))
}

/// A fast 128-bit hash of `bytes`, stable across versions and platforms (it
/// is stored in markers). Not cryptographic: it only has to tell a page
/// that changed from one that did not.
pub fn hash128(bytes: &[u8]) -> u128 {
    const K1: u64 = 0x9e37_79b9_7f4a_7c15;
    const K2: u64 = 0xd6e8_feb8_6659_fd93;
    const K3: u64 = 0xa076_1d64_78bd_642f;
    let len = bytes.len() as u64;
    let (mut a, mut b) = (K3 ^ len, K1.wrapping_add(len.rotate_left(32)));
    let mut round = |x: u64, y: u64| {
        a = (a ^ x).wrapping_mul(K1).rotate_left(29);
        b = (b ^ y).wrapping_mul(K2).rotate_left(31);
        a = a.wrapping_add(b);
        b ^= a.rotate_left(17);
    };
    let word = |c: &[u8]| u64::from_le_bytes(c.try_into().expect("8 bytes"));
    let mut blocks = bytes.chunks_exact(16);
    for c in &mut blocks {
        round(word(&c[..8]), word(&c[8..]));
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let mut tail = [0u8; 16];
        tail[..rest.len()].copy_from_slice(rest);
        round(word(&tail[..8]), word(&tail[8..]) ^ K3);
    }
    let fin = |mut h: u64| {
        h ^= h >> 33;
        h = h.wrapping_mul(K2);
        h ^= h >> 29;
        h = h.wrapping_mul(K3);
        h ^ (h >> 32)
    };
    let (a, b) = (fin(a ^ len), fin(b.wrapping_add(a)));
    (u128::from(a) << 64) | u128::from(b)
}

fn staging_name(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    out.with_file_name(format!(".{name}.cairn-{what}-{}", std::process::id()))
}

/// Removes leftovers of builds that were killed: staging folders and old
/// outputs, each only if it carries cairn's marker. An old output whose
/// swap never finished is put back first.
fn clean_leftovers(out: &Path) -> Result<(), WriteError> {
    let Some(parent) = out.parent() else {
        return Ok(());
    };
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let fname = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = fname.strip_prefix(&format!(".{name}.cairn-")) else {
            continue;
        };
        let path = e.path();
        if !path.join(OUTPUT_MARKER).is_file() {
            // Killed before its marker was written, or after its contents
            // were deleted: only empty folders are left, and only those go.
            remove_empty_dirs(&path);
            let _ = std::fs::remove_dir(&path);
            continue;
        }
        if rest.starts_with("old-") && !out.exists() {
            std::fs::rename(&path, out).map_err(io_err(out))?;
        } else if std::fs::read_to_string(path.join(OUTPUT_MARKER))
            .is_ok_and(|m| m == STAGING_HEADER)
        {
            // An unfinished staging folder: cairn created it and wrote all of it.
            let _ = std::fs::remove_dir_all(&path);
        } else {
            remove_cairn_dir(&path)?;
        }
    }
    Ok(())
}

/// Deletes a folder cairn wrote: the files its marker lists, then the
/// folders that held them once empty, then the marker and the folder. The
/// marker goes last, so that a deletion cut short is still recognisably
/// cairn's and the next build finishes it. Anything not listed stays.
fn remove_cairn_dir(dir: &Path) -> Result<(), WriteError> {
    let Some(listed) = manifest(dir) else {
        return Ok(());
    };
    let listed: Vec<&String> = listed.iter().collect();
    io_parallel(&listed, |f| {
        let _ = std::fs::remove_file(dir.join(f));
    });
    // The folders of the listed files, deepest first, a depth at a time.
    let mut folders: HashSet<&str> = HashSet::new();
    for f in listed {
        let mut p = f.as_str();
        while let Some((parent, _)) = p.rsplit_once('/') {
            if !folders.insert(parent) {
                break;
            }
            p = parent;
        }
    }
    let mut by_depth: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for f in folders {
        by_depth.entry(f.matches('/').count()).or_default().push(f);
    }
    for (_, level) in by_depth.into_iter().rev() {
        io_parallel(&level, |f| {
            let _ = std::fs::remove_dir(dir.join(f));
        });
    }
    let _ = std::fs::remove_file(dir.join(OUTPUT_MARKER));
    if std::fs::remove_dir(dir).is_err() {
        // Folders not named in the marker (left empty by a hand, or by an
        // older version): the empty ones go too.
        remove_empty_dirs(dir);
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}

/// Runs `f` on every item on a few threads more than there are cores:
/// deleting waits on the disk far more than on the processor (freeing a
/// block can mean a discard request per call), and requests in flight
/// together overlap.
fn io_parallel<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    const THREADS: usize = 8;
    if items.len() < 64 {
        items.iter().for_each(f);
        return;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(16, std::sync::atomic::Ordering::Relaxed);
                    let Some(chunk) = items.get(i..(i + 16).min(items.len())) else {
                        break;
                    };
                    chunk.iter().for_each(&f);
                }
            });
        }
    });
}

/// Removes every empty folder below `dir` (not `dir` itself).
fn remove_empty_dirs(dir: &Path) {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        let _ = std::fs::remove_dir(&d);
    }
}

/// Files in an existing output folder that cairn did not write.
fn foreign_files(dir: &Path) -> Vec<PathBuf> {
    let listed = manifest(dir).unwrap_or_default();
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .filter_map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            (rel != OUTPUT_MARKER && !listed.contains(&rel)).then(|| e.path().to_path_buf())
        })
        .collect()
}

/// A staging folder being filled, beside the output folder.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    /// Files written so far, each with its marker line (`path\tlength\thash`).
    written: std::sync::Mutex<HashMap<String, String>>,
    /// Folders already created.
    dirs: std::sync::Mutex<HashSet<PathBuf>>,
    /// The current output's files: path -> `length\thash`, for files that
    /// may be linked instead of written.
    previous: std::collections::HashMap<String, String>,
    /// When the current output's marker was written: a file changed after
    /// it is not linked.
    previous_at: Option<std::time::SystemTime>,
}

impl Staging {
    /// Checks the output folder (no files cairn did not write), removes
    /// leftovers of killed builds, and creates an empty staging folder.
    pub fn begin(out: &Path) -> Result<Staging, WriteError> {
        let out = absolute(out);
        clean_leftovers(&out)?;
        if out.exists() && out.join(OUTPUT_MARKER).is_file() {
            let foreign = foreign_files(&out);
            if !foreign.is_empty() {
                let list: Vec<String> = foreign
                    .iter()
                    .take(5)
                    .map(|p| p.display().to_string())
                    .collect();
                return Err(WriteError::Refused {
                    path: out.clone(),
                    reason: format!(
                        "it holds files cairn did not write ({}); put files you want published in static/",
                        list.join(", ")
                    ),
                });
            }
        }
        let (previous, previous_at) = previous_files(&out);
        let dir = staging_name(&out, "staging");
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::create_dir(&dir).map_err(io_err(&dir))?;
        // A marker at once, so that a staging folder left by a killed build
        // is recognisably cairn's; it lists every file only at the end.
        std::fs::write(dir.join(OUTPUT_MARKER), STAGING_HEADER).map_err(io_err(&dir))?;
        Ok(Staging {
            out,
            dir,
            written: Default::default(),
            dirs: std::sync::Mutex::new(HashSet::new()),
            previous,
            previous_at,
        })
    }

    /// Links `path` from the current output when it holds exactly `bytes`
    /// (by the marker's length and hash, and not modified since); false
    /// when the file must be written.
    fn link_unchanged(&self, path: &str, print: &str, len: usize, dest: &Path) -> bool {
        let (Some(known), Some(at)) = (self.previous.get(path), self.previous_at) else {
            return false;
        };
        if known != print {
            return false;
        }
        let old = self.out.join(path);
        let Ok(meta) = std::fs::symlink_metadata(&old) else {
            return false;
        };
        // Strictly before: file times are coarse, and a file changed in the
        // tick the marker was written must not pass for unchanged (the
        // marker is written after the tick of the last file cairn wrote).
        let untouched = meta.file_type().is_file()
            && meta.len() == len as u64
            && meta.modified().is_ok_and(|m| m < at);
        untouched && std::fs::hard_link(&old, dest).is_ok()
    }

    /// Writes one file (callable from many threads; a file written again
    /// replaces the first version, never writes through it: it may be a
    /// link to the current output's file).
    pub fn put(&self, path: &str, content: &Content) -> Result<(), WriteError> {
        let dest = self.dir.join(path);
        if self.written.lock().is_ok_and(|w| w.contains_key(path)) {
            std::fs::remove_file(&dest).map_err(io_err(&dest))?;
        }
        if let Some(parent) = dest.parent() {
            let known = self
                .dirs
                .lock()
                .map(|d| d.contains(parent))
                .unwrap_or(false);
            if !known {
                std::fs::create_dir_all(parent).map_err(io_err(parent))?;
                if let Ok(mut d) = self.dirs.lock() {
                    d.insert(parent.to_path_buf());
                }
            }
        }
        let line = match content {
            Content::Bytes(b) => {
                let print = fingerprint(b);
                if !self.link_unchanged(path, &print, b.len(), &dest) {
                    std::fs::write(&dest, b).map_err(io_err(&dest))?;
                }
                format!("{path}\t{print}")
            }
            Content::Copy(src) => {
                std::fs::copy(src, &dest).map_err(io_err(src))?;
                path.to_string()
            }
        };
        if let Ok(mut w) = self.written.lock() {
            w.insert(path.to_string(), line);
        }
        Ok(())
    }

    /// Lists every file in the marker and swaps the new site in.
    pub fn finish(self) -> Result<(), WriteError> {
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut files: Vec<String> = written.into_values().collect();
        files.sort();
        let mut marker = String::from(MARKER_HEADER);
        for path in &files {
            marker.push_str(path);
            marker.push('\n');
        }
        write_marker_after_files(&self.dir.join(OUTPUT_MARKER), &marker)
            .map_err(io_err(&self.dir))?;
        let (out, staging) = (self.out, self.dir);
        if out.exists() {
            if exchange(&staging, &out) {
                // The old site now sits in the staging folder.
                remove_cairn_dir(&staging)?;
            } else {
                let old = staging_name(&out, "old");
                std::fs::rename(&out, &old).map_err(io_err(&out))?;
                std::fs::rename(&staging, &out).map_err(io_err(&out))?;
                remove_cairn_dir(&old)?;
            }
        } else {
            std::fs::rename(&staging, &out).map_err(io_err(&out))?;
        }
        Ok(())
    }

    /// Gives up: removes the staging folder, which only cairn wrote into.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes the marker so that its time is later than that of every file
/// written before it. File times are coarse (a clock tick of a few
/// milliseconds): if the marker shared the tick of the last files, those
/// could not be told apart from a file edited just after the build, and a
/// rebuild links only files strictly older than the marker.
fn write_marker_after_files(path: &Path, marker: &str) -> io::Result<()> {
    std::fs::write(path, marker)?;
    let first = std::fs::metadata(path)?.modified()?;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(1));
        std::fs::write(path, marker)?;
        if std::fs::metadata(path)?.modified()? > first {
            break;
        }
    }
    Ok(())
}

/// The first line of a staging folder's marker before the build finishes.
const STAGING_HEADER: &str = "# cairn staging folder: everything in it was written by cairn.\n";

/// The first lines of an output folder's marker.
const MARKER_HEADER: &str = "# cairn output folder: cairn may replace the files listed here.\n\
# Each line: a path, then (after a tab) its length in bytes and a hash of them.\n";

/// The files of the output folder `out` that a rebuild may link: path ->
/// `length\thash`, and when its marker was written.
fn previous_files(
    out: &Path,
) -> (
    std::collections::HashMap<String, String>,
    Option<std::time::SystemTime>,
) {
    let marker = out.join(OUTPUT_MARKER);
    let (Ok(text), Ok(meta)) = (std::fs::read_to_string(&marker), std::fs::metadata(&marker))
    else {
        return Default::default();
    };
    let files = marker_lines(&text)
        .filter(|(_, print)| !print.is_empty())
        .map(|(path, print)| (path.to_string(), print.to_string()))
        .collect();
    (files, meta.modified().ok())
}

/// Writes a site held in memory into a staging folder, then swaps it in.
pub fn write(output: &Output, out: &Path) -> Result<(), WriteError> {
    let staging = Staging::begin(out)?;
    let result = output
        .files
        .par_iter()
        .try_for_each(|(path, content)| staging.put(path, content));
    match result {
        Ok(()) => staging.finish(),
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

/// Swaps two folders in one atomic step, so that at no moment is there no
/// output folder (Linux `renameat2` with `RENAME_EXCHANGE`). False where
/// the system or file system cannot; the caller then renames twice.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}
