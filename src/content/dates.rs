//! Dates, date-times and durations as notes write them.
//!
//! `2026-03-06` is a day; `2026-03-06T18:30:00-05:00` is an instant;
//! `2026-03-06 18:30` is a wall-clock time in the site's time zone.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// When a session happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// A whole day, no time given.
    Day(NaiveDate),
    /// A moment, with the offset it was written in (or the site's).
    At(DateTime<FixedOffset>),
}

impl When {
    /// The instant used to sort and to decide past from future; a day starts
    /// at midnight in the site's time zone.
    pub fn instant(&self, tz: Tz) -> DateTime<Utc> {
        match self {
            When::At(t) => t.with_timezone(&Utc),
            When::Day(d) => local_to_fixed(d.and_hms_opt(0, 0, 0).expect("midnight exists"), tz)
                .map_or_else(
                    || Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")),
                    |t| t.with_timezone(&Utc),
                ),
        }
    }

    /// The calendar day in the site's time zone.
    pub fn day(&self, tz: Tz) -> NaiveDate {
        match self {
            When::Day(d) => *d,
            When::At(t) => t.with_timezone(&tz).date_naive(),
        }
    }

    /// ISO 8601, for `<time datetime>`.
    pub fn iso(&self) -> String {
        match self {
            When::Day(d) => ymd(*d, "-"),
            When::At(t) => t.to_rfc3339(),
        }
    }

    /// "Friday 6 March 2026, 18:30 EST" in the site's time zone.
    pub fn display(&self, tz: Tz) -> String {
        match self {
            When::Day(d) => d.format("%A %-d %B %Y").to_string(),
            When::At(t) => t
                .with_timezone(&tz)
                .format("%A %-d %B %Y, %H:%M %Z")
                .to_string(),
        }
    }

    /// "6 Mar 2026", for lists.
    pub fn short(&self, tz: Tz) -> String {
        short_day(self.day(tz))
    }

    pub fn year(&self, tz: Tz) -> i32 {
        self.day(tz).year()
    }
}

/// Month names as chrono's `%B` writes them.
pub const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-03-06` (chrono's `%Y-%m-%d`), or `20260306` (`%Y%m%d`) with an
/// empty `sep`; without chrono's format parser for years 0–9999.
pub fn ymd(d: NaiveDate, sep: &str) -> String {
    if !(0..=9999).contains(&d.year()) {
        return d.format(&format!("%Y{sep}%m{sep}%d")).to_string();
    }
    let mut out = String::with_capacity(8 + 2 * sep.len());
    push_digits(&mut out, d.year() as u32, 4);
    out.push_str(sep);
    push_digits(&mut out, d.month(), 2);
    out.push_str(sep);
    push_digits(&mut out, d.day(), 2);
    out
}

/// Appends the last `width` decimal digits of `n`, zero-padded.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for k in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(k) % 10) as u8));
    }
}

/// `6 Mar 2026` (chrono's `%-d %b %Y`).
pub fn short_day(d: NaiveDate) -> String {
    if !(0..=9999).contains(&d.year()) {
        return d.format("%-d %b %Y").to_string();
    }
    let mut out = String::with_capacity(11);
    push_digits(&mut out, d.day(), if d.day() < 10 { 1 } else { 2 });
    out.push(' ');
    out.push_str(&MONTHS[d.month0() as usize][..3]);
    out.push(' ');
    push_digits(&mut out, d.year() as u32, 4);
    out
}

fn local_to_fixed(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.fixed_offset())
}

/// Parses a date or date-time. The error says what is wrong with the value.
pub fn parse_when(raw: &str, tz: Tz) -> Result<When, String> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(When::At(t));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(When::At(t));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return local_to_fixed(n, tz).map(When::At).ok_or_else(|| {
                format!("`{s}` does not exist in time zone {tz} (the clocks skip it)")
            });
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(When::Day(d));
    }
    Err(explain_bad_date(s))
}

fn explain_bad_date(s: &str) -> String {
    let head: String = s.chars().take(10).collect();
    let parts: Vec<&str> = head.split('-').collect();
    if parts.len() == 3 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
        let (y, m, d) = (parts[0], parts[1], parts[2]);
        if let (Ok(y), Ok(m), Ok(_)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) {
            if !(1..=12).contains(&m) {
                return format!("`{s}` is not a date: there is no month {m}");
            }
            let last = NaiveDate::from_ymd_opt(y, m % 12 + 1, 1)
                .or_else(|| NaiveDate::from_ymd_opt(y + 1, 1, 1))
                .and_then(|d| d.pred_opt())
                .map_or(31, |d| d.day());
            return format!(
                "`{s}` is not a date: {} {y} has {last} days",
                NaiveDate::from_ymd_opt(y, m, 1)
                    .map_or(String::new(), |d| d.format("%B").to_string())
            );
        }
    }
    format!("`{s}` is not a date")
}

/// Parses `90m`, `2h`, `1h30m`, `1h 30m`, `1.5h` into minutes.
pub fn parse_duration(raw: &str) -> Result<i64, String> {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.to_ascii_lowercase();
    let bad = || format!("`{raw}` is not a duration; write it like `90m`, `2h` or `1h30m`");
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = 0f64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let n: f64 = num.parse().map_err(|_| bad())?;
        num.clear();
        total += match c {
            'h' => n * 60.0,
            'm' => n,
            _ => return Err(bad()),
        };
    }
    if !num.is_empty() {
        // a bare number is minutes
        total += num.parse::<f64>().map_err(|_| bad())?;
    }
    if total <= 0.0 || total > 60.0 * 24.0 * 31.0 {
        return Err(bad());
    }
    Ok(total.round() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_formats_agree_with_chrono() {
        let mut d = NaiveDate::from_ymd_opt(-3, 1, 1).unwrap();
        let end = NaiveDate::from_ymd_opt(10_002, 12, 31).unwrap();
        while d <= end {
            assert_eq!(super::ymd(d, "-"), d.format("%Y-%m-%d").to_string());
            assert_eq!(super::ymd(d, ""), d.format("%Y%m%d").to_string());
            assert_eq!(super::short_day(d), d.format("%-d %b %Y").to_string());
            // Every day of a few years, then a day in each 37.
            d = if (1999..2030).contains(&d.year()) {
                d.succ_opt().unwrap()
            } else {
                d + chrono::Duration::days(37)
            };
        }
    }

    use super::*;

    const TZ: Tz = chrono_tz::America::Toronto;

    #[test]
    fn the_three_forms() {
        assert!(matches!(parse_when("2026-03-06", TZ), Ok(When::Day(_))));
        assert!(matches!(
            parse_when("2026-03-06T18:30:00-05:00", TZ),
            Ok(When::At(_))
        ));
        let When::At(local) = parse_when("2026-07-06 18:30", TZ).unwrap() else {
            panic!("not a date-time")
        };
        assert_eq!(local.offset().local_minus_utc(), -4 * 3600);
    }

    #[test]
    fn impossible_dates_say_why() {
        let e = parse_when("2026-02-30", TZ).unwrap_err();
        assert_eq!(e, "`2026-02-30` is not a date: February 2026 has 28 days");
        let e = parse_when("YYYY-MM-DD", TZ).unwrap_err();
        assert_eq!(e, "`YYYY-MM-DD` is not a date");
        assert!(
            parse_when("2026-13-01", TZ)
                .unwrap_err()
                .contains("no month 13")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90m"), Ok(90));
        assert_eq!(parse_duration("2h"), Ok(120));
        assert_eq!(parse_duration("1h 30m"), Ok(90));
        assert_eq!(parse_duration("1.5h"), Ok(90));
        assert!(parse_duration("soon").is_err());
    }
}
