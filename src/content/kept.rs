//! KEPT NOTES: a rebuild takes each session note whose file did not change
//! since the previous build of the same output as that build loaded it,
//! instead of reading and parsing it again (reading and parsing were a
//! quarter of a rebuild's CPU at 10k notes).
//!
//! While the notes load, a build writes `.<output>.cairn-notes` beside the
//! output folder: for each session note that loaded without a diagnostic,
//! its path, the stamp of its file ([`Stamp`]: length, modification and
//! change times, inode) taken before it was read, and the note as loaded
//! (front matter, title, dates, action items, the print and links of its
//! body). The next build of that output takes a note from there when its
//! file has the same stamp; anything else is read as usual. The file is
//! put in place only when the build succeeds, and starts with the build's
//! environment ([`crate::reuse::env`]: cairn's version and executable,
//! the whole configuration) and ends with a hash of all of it: a file
//! that is missing, damaged, or from another version or configuration
//! only means every note is read.
//!
//! What depends on the moment of the build (a session planned or held) is
//! worked out again from the kept date. A draft is never kept as a
//! session, and a kept session that is a draft again (`--drafts` last
//! time, not now) is read again.

use super::dates::When;
use super::fields::{Flag, Locator, Text, TextList};
use super::meta::SessionMeta;
use super::{Doc, LoadOptions, Released, SessionDoc};
use crate::diag::Span;
use crate::model::actions::RawAction;
use crate::reuse::{Checked, Reader, new_path, put_bytes, put_num, put_str, read_checked};
use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first bytes of the file; the number changes with the format.
const MAGIC: &[u8] = b"cairn-notes 1\n";

/// What tells one version of a file from another without reading it. The
/// change time moves on every write, whatever the modification time is
/// set to afterwards (`touch -d`, `rsync -t`, an editor that keeps it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: (i64, u32),
    changed: (i64, u32),
    inode: u64,
}

impl Stamp {
    /// The stamp of a regular file's metadata; `None` for anything else
    /// (a symbolic link is always read).
    pub fn of(meta: &std::fs::Metadata) -> Option<Stamp> {
        if !meta.file_type().is_file() {
            return None;
        }
        let modified = since_epoch(meta.modified().ok()?);
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            ((meta.ctime(), meta.ctime_nsec() as u32), meta.ino())
        };
        #[cfg(not(unix))]
        let (changed, inode) = (modified, 0);
        Some(Stamp {
            len: meta.len(),
            modified,
            changed,
            inode,
        })
    }

    /// The modification time.
    pub fn modified(&self) -> Option<SystemTime> {
        let (secs, nanos) = self.modified;
        let d = Duration::new(secs.unsigned_abs(), nanos);
        match secs >= 0 {
            true => UNIX_EPOCH.checked_add(d),
            false => UNIX_EPOCH.checked_sub(d),
        }
    }

    fn put(&self, b: &mut Vec<u8>) {
        put_num(b, self.len as usize);
        for (secs, nanos) in [self.modified, self.changed] {
            b.extend_from_slice(&secs.to_le_bytes());
            put_num(b, nanos as usize);
        }
        put_num(b, self.inode as usize);
    }

    fn read(r: &mut Reader) -> Option<Stamp> {
        let len = r.num()? as u64;
        let mut times = [(0i64, 0u32); 2];
        for t in &mut times {
            let secs = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
            *t = (secs, u32::try_from(r.num()?).ok()?);
        }
        Some(Stamp {
            len,
            modified: times[0],
            changed: times[1],
            inode: r.num()? as u64,
        })
    }
}

fn since_epoch(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            // Before 1970: whole seconds back, then nanoseconds forward.
            let d = e.duration();
            let (s, n) = (d.as_secs() as i64, d.subsec_nanos());
            match n {
                0 => (-s, 0),
                n => (-s - 1, 1_000_000_000 - n),
            }
        }
    }
}

/// The notes the previous build of an output loaded, by source path: each
/// decoded only when its file is found unchanged.
pub struct Kept {
    bytes: Vec<u8>,
    notes: HashMap<Box<str>, (Stamp, Range<usize>)>,
}

impl Kept {
    /// The notes left at `path` by a build with environment `env`; `None`
    /// when there are none, or they cannot be trusted.
    pub fn load(path: &Path, env: u128) -> Option<Kept> {
        let bytes = read_checked(path, MAGIC)?;
        let mut r = Reader {
            all: &bytes,
            at: MAGIC.len(),
        };
        if r.u128()? != env {
            return None;
        }
        let mut notes = HashMap::new();
        while r.byte()? == 1 {
            let source: Box<str> = r.str()?.into();
            let stamp = Stamp::read(&mut r)?;
            let n = r.num()?;
            let start = r.at;
            notes.insert(source, (stamp, start..r.skip(n)?));
        }
        (r.at == bytes.len()).then_some(Kept { bytes, notes })
    }

    /// The session at `rel` as the previous build loaded it, and its
    /// encoded form, if its file's stamp is still `stamp`. `None` when it
    /// must be read again.
    pub fn session(
        &self,
        rel: &Path,
        stamp: Stamp,
        abs: &Path,
        opts: &LoadOptions,
        tz: chrono_tz::Tz,
    ) -> Option<(SessionDoc, &[u8])> {
        let (kept, range) = self.notes.get(rel.to_str()?)?;
        if *kept != stamp {
            return None;
        }
        let raw = &self.bytes[range.clone()];
        let s = decode(raw, rel, abs, opts, tz)?;
        Some((s, raw))
    }
}

/// The notes file the next build will read, written while this build's
/// notes load (from any thread), and put in place by [`Writer::finish`]
/// once the build has succeeded.
pub struct Writer {
    path: PathBuf,
    file: Mutex<Option<Checked>>,
    /// How many notes were taken from the previous build.
    taken: std::sync::atomic::AtomicUsize,
}

impl Writer {
    /// Starts the file that will go to `path`, for a build with
    /// environment `env`. Failing to write only means no file.
    pub fn new(path: PathBuf, env: u128) -> Writer {
        let file = std::fs::File::create(new_path(&path)).ok().map(|f| {
            let mut w = Checked::new(f);
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&env.to_le_bytes());
            w.push(&b);
            w
        });
        Writer {
            path,
            file: Mutex::new(file),
            taken: Default::default(),
        }
    }

    /// How many notes were taken from the previous build ([`Writer::took`]).
    pub fn taken(&self) -> usize {
        self.taken.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Records note `rel`, taken from the previous build as `entry`.
    pub fn took(&self, rel: &Path, stamp: Stamp, entry: &[u8]) {
        self.taken
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.add(rel, stamp, entry);
    }

    /// Records note `rel`, read with stamp `stamp`, encoded as `entry`.
    pub fn add(&self, rel: &Path, stamp: Stamp, entry: &[u8]) {
        let Some(source) = rel.to_str() else {
            return;
        };
        let mut b = Vec::with_capacity(entry.len() + source.len() + 48);
        b.push(1);
        put_str(&mut b, source);
        stamp.put(&mut b);
        put_bytes(&mut b, entry);
        if let Ok(mut file) = self.file.lock()
            && let Some(w) = file.as_mut()
        {
            w.push(&b);
        }
    }

    /// Ends the file and puts it in place of the previous one (call it
    /// once the new output is in place); without a file, the previous one
    /// goes too.
    pub fn finish(self) {
        match self.file.lock().ok().and_then(|mut f| f.take()) {
            Some(mut w) => {
                w.push(&[0]);
                w.put_in_place(&self.path);
            }
            None => {
                let _ = std::fs::remove_file(new_path(&self.path));
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

impl Drop for Writer {
    /// A file that was not finished (the build failed) goes.
    fn drop(&mut self) {
        if let Ok(mut file) = self.file.lock()
            && file.take().is_some()
        {
            let _ = std::fs::remove_file(new_path(&self.path));
        }
    }
}

fn put_opt(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => b.push(0),
        Some(s) => {
            b.push(1);
            put_str(b, s);
        }
    }
}

fn read_opt(r: &mut Reader) -> Option<Option<String>> {
    match r.byte()? {
        0 => Some(None),
        1 => Some(Some(r.str()?.to_string())),
        _ => None,
    }
}

fn put_list(b: &mut Vec<u8>, list: &[String]) {
    put_num(b, list.len());
    for s in list {
        put_str(b, s);
    }
}

fn read_list(r: &mut Reader) -> Option<Vec<String>> {
    let n = r.num()?;
    let mut v = Vec::with_capacity(n.min(r.all.len() - r.at));
    for _ in 0..n {
        v.push(r.str()?.to_string());
    }
    Some(v)
}

fn put_int(b: &mut Vec<u8>, n: i64) {
    b.extend_from_slice(&n.to_le_bytes());
}

fn read_int(r: &mut Reader) -> Option<i64> {
    Some(i64::from_le_bytes(r.take(8)?.try_into().ok()?))
}

fn put_instant(b: &mut Vec<u8>, t: &DateTime<FixedOffset>) {
    put_int(b, t.timestamp());
    put_num(b, t.timestamp_subsec_nanos() as usize);
    put_int(b, i64::from(t.offset().local_minus_utc()));
}

fn read_instant(r: &mut Reader) -> Option<DateTime<FixedOffset>> {
    let secs = read_int(r)?;
    let nanos = u32::try_from(r.num()?).ok()?;
    let offset = FixedOffset::east_opt(i32::try_from(read_int(r)?).ok()?)?;
    Some(DateTime::from_timestamp(secs, nanos)?.with_timezone(&offset))
}

fn put_day(b: &mut Vec<u8>, d: NaiveDate) {
    put_int(b, i64::from(d.num_days_from_ce()));
}

fn read_day(r: &mut Reader) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(read_int(r)?).ok()?)
}

/// A session note as loaded by a streamed build (its body let go), in the
/// form [`Kept::session`] reads back; `None` for one that cannot be kept.
pub fn encode(s: &SessionDoc) -> Option<Vec<u8>> {
    let d = &s.doc;
    let released = d.released.as_deref()?;
    if !d.body.is_empty() || d.meta.draft.0 {
        return None;
    }
    let mut b = Vec::with_capacity(512);
    put_str(&mut b, &d.slug);
    let m = &d.meta;
    for t in [
        &m.title,
        &m.date,
        &m.end,
        &m.duration,
        &m.community,
        &m.location,
        &m.status,
        &m.summary,
        &m.slug,
    ] {
        put_opt(&mut b, t.as_ref().map(|t| t.0.as_str()));
    }
    for list in [&m.facilitators, &m.attendees, &m.tags] {
        put_list(&mut b, &list.0);
    }
    match d.extra.is_empty() {
        true => put_str(&mut b, ""),
        false => put_str(&mut b, &serde_json::to_string(&d.extra).ok()?),
    }
    put_num(&mut b, d.body_line);
    put_opt(&mut b, d.heading.as_deref());
    put_num(&mut b, d.loc.first_line());
    b.extend_from_slice(&released.print.to_le_bytes());
    let (text, ends) = released.links.parts();
    put_str(&mut b, text);
    put_num(&mut b, ends.len());
    for &e in ends {
        put_num(&mut b, e as usize);
    }
    put_str(&mut b, &s.title);
    match &s.when {
        When::Day(day) => {
            b.push(0);
            put_day(&mut b, *day);
        }
        When::At(t) => {
            b.push(1);
            put_instant(&mut b, t);
        }
    }
    match &s.end {
        None => b.push(0),
        Some(t) => {
            b.push(1);
            put_instant(&mut b, t);
        }
    }
    put_num(&mut b, s.actions.len());
    for a in &s.actions {
        put_str(&mut b, &a.owner);
        put_str(&mut b, &a.text);
        match &a.due {
            None => b.push(0),
            Some(Ok(day)) => {
                b.push(1);
                put_day(&mut b, *day);
            }
            Some(Err(bad)) => {
                b.push(2);
                put_str(&mut b, bad);
            }
        }
        b.push(a.done as u8);
        for n in [a.span.line, a.span.column, a.span.len] {
            put_num(&mut b, n);
        }
    }
    Some(b)
}

/// What [`encode`] wrote, as the note `rel` (at `abs`) loads now.
fn decode(
    raw: &[u8],
    rel: &Path,
    abs: &Path,
    opts: &LoadOptions,
    tz: chrono_tz::Tz,
) -> Option<SessionDoc> {
    let mut r = Reader { all: raw, at: 0 };
    let slug = r.str()?.to_string();
    let mut texts: [Option<Text>; 9] = Default::default();
    for t in &mut texts {
        *t = read_opt(&mut r)?.map(Text);
    }
    let [
        title,
        date,
        end,
        duration,
        community,
        location,
        status,
        summary,
        slug_fm,
    ] = texts;
    let facilitators = TextList(read_list(&mut r)?);
    let attendees = TextList(read_list(&mut r)?);
    let tags = TextList(read_list(&mut r)?);
    let meta = SessionMeta {
        title,
        date,
        end,
        duration,
        community,
        facilitators,
        attendees,
        tags,
        location,
        status,
        summary,
        draft: Flag(false),
        slug: slug_fm,
    };
    let extra = match r.str()? {
        "" => Default::default(),
        json => serde_json::from_str(json).ok()?,
    };
    let body_line = r.num()?;
    let heading = read_opt(&mut r)?;
    let loc = Locator::released(abs.to_path_buf(), r.num()?);
    let print = r.u128()?;
    let text = r.str()?.to_string();
    let n = r.num()?;
    let mut ends = Vec::with_capacity(n.min(text.len()));
    for _ in 0..n {
        ends.push(u32::try_from(r.num()?).ok()?);
    }
    let links = crate::markdown::RawLinks::from_parts(text, ends)?;
    let title = r.str()?.to_string();
    let when = match r.byte()? {
        0 => When::Day(read_day(&mut r)?),
        1 => When::At(read_instant(&mut r)?),
        _ => return None,
    };
    let end = match r.byte()? {
        0 => None,
        1 => Some(read_instant(&mut r)?),
        _ => return None,
    };
    let n = r.num()?;
    let mut actions = Vec::with_capacity(n.min(raw.len()));
    for _ in 0..n {
        let owner = r.str()?.to_string();
        let text = r.str()?.to_string();
        let due = match r.byte()? {
            0 => None,
            1 => Some(Ok(read_day(&mut r)?)),
            2 => Some(Err(r.str()?.to_string())),
            _ => return None,
        };
        let done = r.byte()? == 1;
        let span = Span {
            line: r.num()?,
            column: r.num()?,
            len: r.num()?,
        };
        actions.push(RawAction {
            owner,
            text,
            due,
            done,
            span,
        });
    }
    if r.at != raw.len() {
        return None;
    }
    // As the loader works it out, at this build's moment.
    let status = super::status_of(meta.status.as_ref(), &when, tz, opts.now).ok()?;
    let doc = Doc {
        source: rel.to_path_buf(),
        slug,
        meta,
        extra,
        body: std::sync::Arc::from(""),
        body_line,
        heading,
        loc,
        modified: None,
        released: Some(Box::new(Released { print, links })),
    };
    Some(SessionDoc {
        doc,
        title,
        when,
        end,
        status,
        actions,
    })
}
