//! iCalendar (RFC 5545) files of sessions: `/calendar.ics` for the site and
//! one per community, for subscribing in Google, Apple or Thunderbird.
//!
//! Times with a time are written in UTC (`…Z`), which every client reads
//! without a VTIMEZONE; whole-day sessions are all-day events. A session's
//! UID is its slug at the site's host, so it stays the same across builds.

use crate::config::Config;
use crate::content::Status;
use crate::content::dates::{When, ymd};
use crate::model::{Session, Site};
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write as _;

/// Escapes a TEXT value: backslash, semicolon, comma and newlines.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes one content line, folded at 75 octets without splitting a
/// UTF-8 character, ending in CRLF.
pub fn push_line(out: &mut String, line: &str) {
    let mut start = 0;
    let mut limit = 75;
    while line.len() - start > limit {
        let mut end = start + limit;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        // Never fold next to a space: some readers trim more than the one
        // space that marks a continuation, and words would run together.
        let mut shifted = end;
        while shifted > start + 1
            && (line[..shifted].ends_with(' ') || line[shifted..].starts_with(' '))
        {
            shifted -= 1;
            while !line.is_char_boundary(shifted) {
                shifted -= 1;
            }
        }
        if shifted > start + 1 {
            end = shifted;
        }
        out.push_str(&line[start..end]);
        out.push_str("\r\n ");
        start = end;
        // Continuation lines begin with a space, which counts.
        limit = 74;
    }
    out.push_str(&line[start..]);
    out.push_str("\r\n");
}

fn utc(t: DateTime<Utc>) -> String {
    use chrono::Timelike;
    if t.nanosecond() >= 1_000_000_000 {
        // A leap second, which chrono writes as :60.
        return t.format("%Y%m%dT%H%M%SZ").to_string();
    }
    format!(
        "{}T{:02}{:02}{:02}Z",
        ymd(t.date_naive(), ""),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The host of `base_url`, for UIDs.
fn host(base_url: &str) -> &str {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    rest.split('/').next().unwrap_or("cairn")
}

fn event(out: &mut String, s: &Session, config: &Config, stamp: &str) {
    let mut line = |l: String| push_line(out, &l);
    line("BEGIN:VEVENT".into());
    line(format!("UID:{}@{}", s.doc.slug, host(&config.base_url)));
    line(format!("DTSTAMP:{stamp}"));
    match s.when {
        When::Day(d) => {
            line(format!("DTSTART;VALUE=DATE:{}", ymd(d, "")));
            let end = s
                .end
                .map(|e| e.with_timezone(&config.timezone).date_naive())
                .filter(|e| *e > d)
                .unwrap_or(d)
                + Duration::days(1);
            line(format!("DTEND;VALUE=DATE:{}", ymd(end, "")));
        }
        When::At(t) => {
            let start = t.with_timezone(&Utc);
            let end = s
                .end
                .map(|e| e.with_timezone(&Utc))
                .filter(|e| *e > start)
                .unwrap_or(start + Duration::hours(1));
            line(format!("DTSTART:{}", utc(start)));
            line(format!("DTEND:{}", utc(end)));
        }
    }
    line(format!("SUMMARY:{}", escape(&s.title)));
    let summary = s.summary();
    if !summary.is_empty() {
        line(format!("DESCRIPTION:{}", escape(summary)));
    }
    if let Some(loc) = &s.doc.meta.location {
        line(format!("LOCATION:{}", escape(loc.as_str())));
    }
    line(format!("URL:{}{}", config.base_url, s.url));
    line(format!(
        "STATUS:{}",
        if s.status == Status::Cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    line("END:VEVENT".into());
}

/// The `DTSTAMP` of every event: the start of today (UTC) — stable
/// between rebuilds, as a calendar file that changes on every build would
/// make every subscriber refetch it all.
pub fn stamp(now: DateTime<Utc>) -> String {
    let day = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(now, |d| d.and_utc());
    utc(day)
}

/// One session's `VEVENT`, its lines folded and ending in CRLF.
pub fn event_text(s: &Session, config: &Config, stamp: &str) -> String {
    let mut out = String::with_capacity(512);
    event(&mut out, s, config, stamp);
    out
}

/// A calendar of `sessions` (indexes into `site.sessions`).
pub fn calendar(
    site: &Site,
    config: &Config,
    name: &str,
    sessions: &[usize],
    now: DateTime<Utc>,
) -> String {
    let stamp = stamp(now);
    let mut events = String::new();
    for &i in sessions {
        event(&mut events, &site.sessions[i], config, &stamp);
    }
    assemble(config, name, std::iter::once(events.as_str()))
}

/// A calendar named `name` of the given events (each from [`event_text`]).
pub fn assemble<'a>(config: &Config, name: &str, events: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        concat!("PRODID:-//cairn//cairn ", env!("CARGO_PKG_VERSION"), "//EN"),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, l);
    }
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    push_line(
        &mut out,
        &format!("X-WR-TIMEZONE:{}", config.timezone.name()),
    );
    for e in events {
        out.push_str(e);
    }
    let _ = write!(out, "END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_as_chrono_writes_them() {
        let mut t = DateTime::<Utc>::from_timestamp(-62_200_000_000, 0).unwrap();
        let end = DateTime::<Utc>::from_timestamp(253_500_000_000, 0).unwrap();
        while t < end {
            assert_eq!(utc(t), t.format("%Y%m%dT%H%M%SZ").to_string());
            t += Duration::seconds(86_413_577);
        }
    }

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        let mut out = String::new();
        let long = format!(
            "DESCRIPTION:{}",
            "نحن نتعلم معاً، café ".repeat(12).trim_end()
        );
        push_line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
            assert!(
                !l.ends_with(' ') && !l.starts_with("  "),
                "folded at a space: {l:?}"
            );
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a, b; c\\d\nnext"), "a\\, b\\; c\\\\d\\nnext");
    }
}
