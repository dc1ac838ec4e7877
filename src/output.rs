//! WRITE: the rendered site, held in memory, goes to disk without ever
//! losing the previous output.
//!
//! The new site is written into a staging folder beside the output folder
//! and swapped in only when complete, in one atomic step on Linux. The output folder carries a marker
//! file listing what cairn wrote; cairn refuses to replace a folder without
//! it (unless empty), or one holding files it did not write, and never
//! writes into the site root or a content folder.
//!
//! The site a build replaces is kept beside the output as the spare
//! (`.<output>.cairn-spare`), and the next build starts its staging folder
//! from it: the marker gives each file's length and a hash of its bytes,
//! so a file whose new bytes are already there (same length and hash, not
//! modified since the marker was written) is left alone, any other is
//! written over in place, and files the new site no longer has are
//! removed. A rebuild thus creates and deletes almost nothing, and the
//! current output is only read until the swap.

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
        .filter(|(path, _)| inside(path))
}

/// Whether a path a marker lists stays inside its folder: relative, with
/// no `..`. A marker edited by hand (or damaged) must never make cairn
/// delete or overwrite anything outside the folder it describes.
fn inside(path: &str) -> bool {
    !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// A file's length and the hash of its bytes, as the marker records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Print {
    pub len: u64,
    pub hash: u128,
}

impl Print {
    pub fn of(bytes: &[u8]) -> Print {
        Print {
            len: bytes.len() as u64,
            hash: hash128(bytes),
        }
    }

    /// From a marker line's `length\thash`.
    fn parse(text: &str) -> Option<Print> {
        let (len, hash) = text.split_once('\t')?;
        Some(Print {
            len: len.parse().ok()?,
            hash: u128::from_str_radix(hash, 16).ok()?,
        })
    }
}

/// Files and their prints (none for a file listed without one).
type Prints = HashMap<Box<str>, Option<Print>>;

/// A marker line: the path, then its print when known.
fn marker_line(out: &mut String, path: &str, print: Option<Print>) {
    use std::fmt::Write;
    out.push_str(path);
    if let Some(p) = print {
        let _ = write!(out, "\t{}\t{:032x}", p.len, p.hash);
    }
    out.push('\n');
}

/// A fast 128-bit hash of `bytes`, the same on every platform (it is
/// stored in markers; a marker written with another hash only makes the
/// next build write every file again). Not cryptographic: it only has to
/// tell a page that changed from one that did not. Four independent lanes
/// of 8 bytes each (xxHash's round), so that the multiplications of one
/// block do not wait for each other: every byte a build writes is hashed.
pub fn hash128(bytes: &[u8]) -> u128 {
    const P1: u64 = 0x9e37_79b1_85eb_ca87;
    const P2: u64 = 0xc2b2_ae3d_27d4_eb4f;
    const P3: u64 = 0x1656_67b1_9e37_79f9;
    const P4: u64 = 0x85eb_ca77_c2b2_ae63;
    const P5: u64 = 0x27d4_eb2f_1656_67c5;
    let len = bytes.len() as u64;
    let round = |acc: u64, x: u64| {
        acc.wrapping_add(x.wrapping_mul(P2))
            .rotate_left(31)
            .wrapping_mul(P1)
    };
    let word =
        |c: &[u8], i: usize| u64::from_le_bytes(c[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
    let mut v = [
        P1.wrapping_add(P2) ^ len,
        P2,
        len.rotate_left(32),
        0u64.wrapping_sub(P1),
    ];
    let mut blocks = bytes.chunks_exact(32);
    for c in &mut blocks {
        for (i, lane) in v.iter_mut().enumerate() {
            *lane = round(*lane, word(c, i));
        }
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        // Zeros after the tail; the length, mixed in, tells them from data.
        let mut tail = [0u8; 32];
        tail[..rest.len()].copy_from_slice(rest);
        for (i, lane) in v.iter_mut().enumerate() {
            *lane = round(*lane, word(&tail, i) ^ P5);
        }
    }
    let fin = |mut h: u64| {
        h ^= h >> 33;
        h = h.wrapping_mul(P2);
        h ^= h >> 29;
        h = h.wrapping_mul(P3);
        h ^ (h >> 32)
    };
    let a = v[0]
        .rotate_left(1)
        .wrapping_add(v[1].rotate_left(7))
        .wrapping_add(v[2].rotate_left(12))
        .wrapping_add(v[3].rotate_left(18));
    let b = (v[0] ^ v[2].rotate_left(29))
        .wrapping_mul(P4)
        .wrapping_add((v[1] ^ v[3].rotate_left(41)).wrapping_mul(P3));
    (u128::from(fin(a ^ len)) << 64)
        | u128::from(fin(b.wrapping_add(a).wrapping_add(len.wrapping_mul(P5))))
}

fn staging_name(out: &Path, what: &str) -> PathBuf {
    out.with_file_name(format!(
        ".{}.cairn-{what}-{}",
        folder_name(out),
        std::process::id()
    ))
}

/// Where the site before the current one is kept, beside the output
/// folder, for the next build to write over.
pub fn spare_name(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.cairn-spare", folder_name(out)))
}

/// Where a build keeps what the next build of the same output can reuse
/// ([`crate::reuse`]), beside the output folder.
pub fn cache_name(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.cairn-cache", folder_name(out)))
}

/// Where the notes a build of `out` loaded are kept for the next one
/// ([`crate::content::kept`]): beside it, as the build cache is.
pub fn notes_name(out: &Path) -> PathBuf {
    out.with_file_name(format!(".{}.cairn-notes", folder_name(out)))
}

fn folder_name(out: &Path) -> String {
    out.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Whether `dir` holds a finished site: a marker that is not a staging
/// folder's.
fn is_finished_site(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join(OUTPUT_MARKER)).is_ok_and(|m| !m.starts_with(STAGING_HEADER))
}

/// Removes leftovers of builds that were killed: staging folders and old
/// outputs, each only if it carries cairn's marker. An old output whose
/// swap never finished is put back first. The spare (a finished site) is
/// kept.
fn clean_leftovers(out: &Path) -> Result<(), WriteError> {
    let Some(parent) = out.parent() else {
        return Ok(());
    };
    let prefix = format!(".{}.cairn-", folder_name(out));
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let fname = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = fname.strip_prefix(&prefix) else {
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
        if rest == "spare" && is_finished_site(&path) {
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
    remove_listed(dir, &listed);
    let _ = std::fs::remove_file(dir.join(OUTPUT_MARKER));
    if std::fs::remove_dir(dir).is_err() {
        // Folders not named in the marker (left empty by a hand, or by an
        // older version): the empty ones go too.
        remove_empty_dirs(dir);
        let _ = std::fs::remove_dir(dir);
    }
    Ok(())
}

/// Removes the files `listed` (paths relative to `dir`), then the folders
/// that held them once empty, deepest first. A folder that still holds
/// something stays.
fn remove_listed<S: AsRef<str> + Sync>(dir: &Path, listed: &[S]) {
    io_parallel(listed, |f| {
        let _ = std::fs::remove_file(dir.join(f.as_ref()));
    });
    // The folders of the listed files, deepest first, a depth at a time.
    let mut folders: HashSet<&str> = HashSet::new();
    for f in listed {
        let mut p = f.as_ref();
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
    // The marker's paths, sorted, looked up by bisection: a set of 16k
    // owned paths would outlast the walk in the allocator's free lists.
    let text = std::fs::read_to_string(dir.join(OUTPUT_MARKER)).unwrap_or_default();
    let mut listed: Vec<&str> = marker_lines(&text).map(|(path, _)| path).collect();
    listed.sort_unstable();
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
            // A link is never cairn's, even where a file of its was.
            let foreign = e.path_is_symlink()
                || rel != OUTPUT_MARKER && listed.binary_search(&rel.as_str()).is_err();
            foreign.then(|| e.path().to_path_buf())
        })
        .collect()
}

/// What [`Staging::survey`] found.
pub struct Survey {
    out: PathBuf,
    /// The spare's files and when its marker was written, when it may be
    /// written over.
    spare: Option<(Prints, std::time::SystemTime)>,
}

/// The spare's files and when its marker was written, if it is a finished
/// site holding nothing but real folders and the regular files its marker
/// lists (no link, nothing added by hand): only then is it written over.
/// Anything else, it is left alone.
fn usable_spare(spare: &Path) -> Option<(Prints, std::time::SystemTime)> {
    if !std::fs::symlink_metadata(spare).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    let (files, at) = site_files(spare)?;
    let clean = walkdir::WalkDir::new(spare)
        .min_depth(1)
        .into_iter()
        .all(|e| {
            let Ok(e) = e else { return false };
            let t = e.file_type();
            if t.is_dir() {
                return true;
            }
            let rel = e
                .path()
                .strip_prefix(spare)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            t.is_file() && (rel == OUTPUT_MARKER || files.contains_key(rel.as_str()))
        });
    clean.then_some((files, at))
}

/// A staging folder being filled, beside the output folder.
///
/// It starts as the spare (the site before the current one) when there is
/// one: a file whose new bytes are already there is left alone, any other
/// is written over in place, and files the new site no longer has are
/// removed at the end. Without a spare it starts empty.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    /// Files written (or found already there) so far, each with its print
    /// (none for a copy).
    written: std::sync::Mutex<HashMap<Box<str>, Option<Print>>>,
    /// Files whose writing failed: their bytes are unknown.
    failed: std::sync::Mutex<Vec<Box<str>>>,
    /// Folders already created (relative paths).
    dirs: std::sync::Mutex<HashSet<Box<str>>>,
    /// The spare's files, when the staging folder started as the spare,
    /// with their prints (none when its marker gave none).
    reused: Prints,
    /// When the spare's marker was written: a file changed after it is
    /// written again. `None` when the staging folder started empty.
    reused_at: Option<std::time::SystemTime>,
}

/// An advisory lock (`flock`) on a folder, held until dropped: builds that
/// would write one output take it first and so take turns (two at once
/// would each take the other's staging folder for a killed build's
/// leftover). Locking a folder creates nothing.
pub struct OutputLock {
    _folder: std::fs::File,
}

/// Takes the lock on `folder`, waiting (and saying so on stderr) while
/// another build holds it. Call it on a thread that may block, never on a
/// rayon worker: a worker waiting here could be the one the holder needs
/// to finish. `None` where folders cannot be locked (the build goes on
/// unlocked).
pub fn lock(folder: &Path) -> Option<OutputLock> {
    let file = std::fs::File::open(folder).ok()?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            eprintln!(
                "waiting for another cairn build in {} to finish…",
                folder.display()
            );
            file.lock().ok()?;
        }
        Err(std::fs::TryLockError::Error(_)) => return None,
    }
    Some(OutputLock { _folder: file })
}

impl Staging {
    /// Everything [`Staging::begin`] needs to know, found without
    /// touching the current output or the spare (a build does it while the
    /// notes load, and may not write at all): leftovers of killed builds
    /// are removed, the output is checked for files cairn did not write,
    /// and the spare, if any, for anything but the files its marker lists.
    pub fn survey(out: &Path) -> Result<Survey, WriteError> {
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
        let spare = usable_spare(&spare_name(&out));
        Ok(Survey { out, spare })
    }

    /// Makes the staging folder: the spare renamed, or a new empty folder.
    pub fn begin(survey: Survey) -> Result<Staging, WriteError> {
        let Survey { out, spare } = survey;
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        let dir = staging_name(&out, "staging");
        let (reused, reused_at) = match spare {
            Some((files, at)) if std::fs::rename(spare_name(&out), &dir).is_ok() => {
                (files, Some(at))
            }
            _ => {
                std::fs::create_dir(&dir).map_err(io_err(&dir))?;
                Default::default()
            }
        };
        // The staging marker at once, so that a staging folder left by a
        // killed build is recognisably cairn's (and wholly: a spare is only
        // taken when it holds nothing else); it lists every file only at
        // the end.
        std::fs::write(dir.join(OUTPUT_MARKER), STAGING_HEADER).map_err(io_err(&dir))?;
        Ok(Staging {
            out,
            dir,
            written: Default::default(),
            failed: Default::default(),
            dirs: Default::default(),
            reused,
            reused_at,
        })
    }

    /// Whether the staging folder already holds exactly these bytes at
    /// `path`: the spare's marker says so (length and hash), and the file
    /// has that length and was not modified after the marker was written.
    fn already_there(&self, path: &str, print: Print, dest: &Path) -> bool {
        let (Some(known), Some(at)) = (self.reused.get(path), self.reused_at) else {
            return false;
        };
        if *known != Some(print) || self.written.lock().map_or(true, |w| w.contains_key(path)) {
            return false;
        }
        untouched(dest, print, at)
    }

    /// Makes the folder that holds `dest`. A file of the spare in the way
    /// (the new site has a folder where the old one had a file) goes.
    fn make_parent(&self, path: &str, dest: &Path) -> Result<(), WriteError> {
        let (Some(parent), Some((rel_parent, _))) = (dest.parent(), path.rsplit_once('/')) else {
            return Ok(());
        };
        if self.dirs.lock().is_ok_and(|d| d.contains(rel_parent)) {
            return Ok(());
        }
        if std::fs::create_dir_all(parent).is_err() {
            let mut p = path;
            while let Some((up, _)) = p.rsplit_once('/') {
                if self.reused.contains_key(up) {
                    let _ = std::fs::remove_file(self.dir.join(up));
                }
                p = up;
            }
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        if let Ok(mut d) = self.dirs.lock() {
            d.insert(rel_parent.into());
        }
        Ok(())
    }

    /// Makes way for a new file at `dest`: a file of the spare that other
    /// names share (a hard link made by hand) is unlinked rather than
    /// written through; a folder of the spare in the way (the new site has
    /// a file where the old one had a folder) goes, with the spare's files
    /// in it.
    fn make_way(&self, path: &str, dest: &Path) -> Result<(), WriteError> {
        if self.reused_at.is_none() {
            return Ok(());
        }
        let Ok(meta) = std::fs::symlink_metadata(dest) else {
            return Ok(());
        };
        if meta.is_dir() {
            let inside = format!("{path}/");
            let listed: Vec<&str> = self
                .reused
                .keys()
                .map(|k| &**k)
                .filter(|k| k.starts_with(&inside))
                .collect();
            // The files, then the folders below `path` (not above it: the
            // new file's folder is there already).
            io_parallel(&listed, |f| {
                let _ = std::fs::remove_file(self.dir.join(f));
            });
            remove_empty_dirs(dest);
            match std::fs::remove_dir(dest) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(dest)(e)),
                _ => {}
            }
        } else if !meta.is_file() || shared(&meta) {
            std::fs::remove_file(dest).map_err(io_err(dest))?;
        }
        Ok(())
    }

    /// Puts into the staging folder the page the current output has at
    /// `path`, if its bytes are `print`: left alone when the spare has
    /// them already, else linked from the output (a second name for the
    /// same file, read whole and hashed, so a file changed by hand since is
    /// never taken; copied where links cannot be told apart). False when the
    /// output does not have those bytes: the page must be rendered.
    pub fn keep(&self, path: &str, print: Print) -> bool {
        if !inside(path) {
            return false;
        }
        let dest = self.dir.join(path);
        if self.already_there(path, print, &dest) {
            if let Ok(mut w) = self.written.lock() {
                w.insert(path.into(), Some(print));
            }
            return true;
        }
        let from = self.out.join(path);
        match std::fs::symlink_metadata(&from) {
            Ok(m) if m.is_file() && m.len() == print.len => {}
            _ => return false,
        }
        // The staging folder takes the output's file by a second name, not
        // a second copy, and the file is then read and hashed through that
        // name: what is checked is what is kept. No build writes through a
        // file that other names share (`make_way` unlinks it first), so
        // neither site can change the other's copy.
        // (Only where cairn can tell a shared file: see `shared`.)
        let linked = cfg!(unix)
            && self.make_parent(path, &dest).is_ok()
            && self.make_way(path, &dest).is_ok()
            && std::fs::hard_link(&from, &dest).is_ok();
        let checked = if linked { &dest } else { &from };
        match std::fs::read(checked) {
            Ok(b) if Print::of(&b) == print => match linked {
                true => {
                    if let Ok(mut w) = self.written.lock() {
                        w.insert(path.into(), Some(print));
                    }
                    true
                }
                false => self.put(path, &Content::Bytes(b)).is_ok(),
            },
            _ => {
                if linked {
                    let _ = std::fs::remove_file(&dest);
                }
                false
            }
        }
    }

    /// The print of what was written at `path` so far in this build.
    pub fn print_of(&self, path: &str) -> Option<Print> {
        self.written.lock().ok()?.get(path).copied().flatten()
    }

    /// Writes one file (callable from many threads; a file written again
    /// replaces the first version).
    pub fn put(&self, path: &str, content: &Content) -> Result<(), WriteError> {
        let dest = self.dir.join(path);
        let result = self.put_at(path, &dest, content);
        match result {
            Ok(print) => {
                if let Ok(mut w) = self.written.lock() {
                    w.insert(path.into(), print);
                }
                Ok(())
            }
            Err(e) => {
                if let Ok(mut f) = self.failed.lock() {
                    f.push(path.into());
                }
                Err(e)
            }
        }
    }

    /// Writes one file; its print (none for a copy).
    fn put_at(
        &self,
        path: &str,
        dest: &Path,
        content: &Content,
    ) -> Result<Option<Print>, WriteError> {
        Ok(match content {
            Content::Bytes(b) => {
                let print = Print::of(b);
                // A file already there has its folder: nothing to make.
                if !self.already_there(path, print, dest) {
                    self.make_parent(path, dest)?;
                    self.make_way(path, dest)?;
                    std::fs::write(dest, b).map_err(io_err(dest))?;
                }
                Some(print)
            }
            Content::Copy(src) => {
                self.make_parent(path, dest)?;
                self.make_way(path, dest)?;
                std::fs::copy(src, dest).map_err(io_err(src))?;
                None
            }
        })
    }

    /// The marker of the staging folder as it stands, and the spare's
    /// files not written again. Those are listed too when `with_stale`
    /// (the folder is kept as it is, not finished).
    fn marker(&mut self, with_stale: bool) -> (String, Vec<Box<str>>) {
        let written = std::mem::take(self.written.get_mut().unwrap_or_else(|e| e.into_inner()));
        let failed = std::mem::take(self.failed.get_mut().unwrap_or_else(|e| e.into_inner()));
        let mut stale: Vec<Box<str>> = Vec::new();
        let mut lines: Vec<(&str, Option<Print>)> = Vec::with_capacity(written.len());
        for (path, print) in &self.reused {
            if !written.contains_key(path) {
                stale.push(path.clone());
                if with_stale {
                    // Its print goes into the new marker (written later than
                    // any file) only if the file still matches it now.
                    let still = print.filter(|p| {
                        self.reused_at
                            .is_some_and(|at| untouched(&self.dir.join(&**path), *p, at))
                    });
                    lines.push((path, still));
                }
            }
        }
        lines.extend(written.iter().map(|(p, print)| (&**p, *print)));
        // A file whose writing failed is listed without a print: cairn's,
        // but never taken for unchanged.
        let failed: HashSet<&str> = failed.iter().map(|p| &**p).collect();
        lines.retain(|(p, _)| !failed.contains(p));
        lines.extend(failed.iter().map(|p| (*p, None)));
        lines.sort_unstable_by(|a, b| a.0.cmp(b.0));
        lines.dedup_by(|a, b| a.0 == b.0);
        let mut marker = String::with_capacity(MARKER_HEADER.len() + lines.len() * 96);
        marker.push_str(MARKER_HEADER);
        for (path, print) in lines {
            marker_line(&mut marker, path, print);
        }
        (marker, stale)
    }

    /// Removes the spare's files the new site does not have, lists every
    /// file in the marker and swaps the new site in. The site it replaces
    /// becomes the spare.
    pub fn finish(mut self) -> Result<(), WriteError> {
        let (marker, stale) = self.marker(false);
        remove_listed(&self.dir, &stale);
        write_marker_after_files(&self.dir.join(OUTPUT_MARKER), &marker)
            .map_err(io_err(&self.dir))?;
        let (out, staging) = (self.out, self.dir);
        if out.exists() {
            if exchange(&staging, &out) {
                // The old site now sits in the staging folder.
                keep_as_spare(&staging, &out)?;
            } else {
                let old = staging_name(&out, "old");
                std::fs::rename(&out, &old).map_err(io_err(&out))?;
                std::fs::rename(&staging, &out).map_err(io_err(&out))?;
                keep_as_spare(&old, &out)?;
            }
        } else {
            std::fs::rename(&staging, &out).map_err(io_err(&out))?;
        }
        Ok(())
    }

    /// Gives up, leaving the output as it was. When the staging folder
    /// started as the spare, or files were written into it beside an
    /// existing output, it is kept as the spare for the next build, with a
    /// marker saying what it holds; otherwise it is removed, as only cairn
    /// wrote into it.
    pub fn abandon(mut self) {
        let wrote = self.written.lock().is_ok_and(|w| !w.is_empty());
        if self.reused_at.is_some() || wrote && self.out.exists() {
            let (marker, _) = self.marker(true);
            let kept = write_marker_after_files(&self.dir.join(OUTPUT_MARKER), &marker).is_ok()
                && !spare_name(&self.out).exists()
                && std::fs::rename(&self.dir, spare_name(&self.out)).is_ok();
            if kept {
                return;
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the file at `dest` is still as a marker written at `at`
/// recorded it: a regular file of the recorded length, not modified since.
/// Strictly before: file times are coarse, and a file changed in the tick
/// the marker was written must not pass for unchanged (the marker is
/// written after the tick of the last file cairn wrote).
fn untouched(dest: &Path, print: Print, at: std::time::SystemTime) -> bool {
    std::fs::symlink_metadata(dest).is_ok_and(|meta| {
        meta.file_type().is_file()
            && meta.len() == print.len
            && meta.modified().is_ok_and(|m| m < at)
    })
}

/// Keeps `dir` (a finished site) as the spare; removes it instead when
/// there is a spare already (one that was not usable, left alone).
fn keep_as_spare(dir: &Path, out: &Path) -> Result<(), WriteError> {
    let spare = spare_name(out);
    if std::fs::symlink_metadata(&spare).is_ok() || std::fs::rename(dir, &spare).is_err() {
        remove_cairn_dir(dir)?;
    }
    Ok(())
}

/// Whether other names share this file (a hard link).
#[cfg(unix)]
fn shared(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.nlink() > 1
}

#[cfg(not(unix))]
fn shared(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Writes the marker so that its time is later than that of every file
/// written before it. File times are coarse (a clock tick of a few
/// milliseconds): if the marker shared the tick of the last files, those
/// could not be told apart from a file edited just after the build, and a
/// rebuild leaves alone only files strictly older than the marker.
///
/// It is written under another name and renamed into place, so that a
/// build killed meanwhile never leaves a folder with an empty marker.
fn write_marker_after_files(path: &Path, marker: &str) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, marker)?;
    let first = std::fs::metadata(&tmp)?.modified()?;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(1));
        std::fs::write(&tmp, marker)?;
        if std::fs::metadata(&tmp)?.modified()? > first {
            break;
        }
    }
    std::fs::rename(&tmp, path)
}

/// The first line of a staging folder's marker before the build finishes.
const STAGING_HEADER: &str = "# cairn staging folder: everything in it was written by cairn.\n";

/// The first lines of an output folder's marker.
const MARKER_HEADER: &str = "# cairn output folder: cairn may replace the files listed here.\n\
# Each line: a path, then (after a tab) its length in bytes and a hash of them.\n";

/// The files of a finished site `dir` with their prints (none for a path
/// listed alone) and when its marker was written; `None` when `dir`
/// holds no finished site.
fn site_files(dir: &Path) -> Option<(Prints, std::time::SystemTime)> {
    let marker = dir.join(OUTPUT_MARKER);
    let text = std::fs::read_to_string(&marker).ok()?;
    if text.starts_with(STAGING_HEADER) {
        return None;
    }
    let at = std::fs::metadata(&marker).ok()?.modified().ok()?;
    let files = marker_lines(&text)
        .map(|(path, print)| (path.into(), Print::parse(print)))
        .collect();
    Some((files, at))
}

/// Writes a site held in memory into a staging folder, then swaps it in,
/// holding the [`lock`] of the nearest folder above `out` that exists.
pub fn write(output: &Output, out: &Path) -> Result<(), WriteError> {
    let out = absolute(out);
    let _lock = out.ancestors().skip(1).find(|a| a.is_dir()).and_then(lock);
    let staging = Staging::begin(Staging::survey(&out)?)?;
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

#[cfg(test)]
mod tests {
    use super::hash128;
    use std::collections::HashSet;

    /// Every length of zeros, every one-bit change of a text, and many
    /// short texts give different hashes, in both halves.
    #[test]
    fn hash128_tells_bytes_apart() {
        let mut seen = HashSet::new();
        let mut halves = (HashSet::new(), HashSet::new());
        let mut add = |bytes: &[u8]| {
            let h = hash128(bytes);
            assert!(seen.insert(h), "{bytes:?}");
            assert!(halves.0.insert((h >> 64) as u64), "{bytes:?}");
            assert!(halves.1.insert(h as u64), "{bytes:?}");
        };
        for n in 0..200 {
            add(&vec![0u8; n]);
        }
        let text: Vec<u8> = b"<p>We agreed to meet again in May.</p>\n".repeat(5);
        for i in 0..text.len() {
            for bit in 0..8 {
                let mut t = text.clone();
                t[i] ^= 1 << bit;
                add(&t);
            }
        }
        let mut next = crate::testing::picker(0xdead_beef_cafe_f00d);
        for _ in 0..100_000 {
            let t: Vec<u8> = (0..1 + next(40)).map(|_| next(256) as u8).collect();
            // A text met before (by chance) is skipped, not a collision.
            let h = hash128(&t);
            if seen.insert(h) {
                assert!(halves.0.insert((h >> 64) as u64), "{t:?}");
                assert!(halves.1.insert(h as u64), "{t:?}");
            }
        }
    }
}
