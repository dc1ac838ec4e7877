//! Charts drawn at build time as inline SVG strings (no JavaScript): the
//! attendance chart of a community or series and the participation timeline
//! of a person. Every chart is an `<svg class="chart">` with `role="group"`, a
//! `<title>` and a `<desc>` summary named by `aria-labelledby`, a `viewBox`
//! with `width="100%"` so it scales to the page, and `direction="ltr"`
//! because time runs left to right even on right-to-left pages. Shapes and
//! patterns, not colour alone, tell series apart; every default colour is
//! `currentColor` (a presentation attribute), so the theme's CSS wins.
//!
//! CSS classes for the theme: `chart` (the root), `chart-axis` (axis lines
//! and year ticks), `chart-grid` (gridlines), `chart-label` (all text),
//! `chart-bar` (returning attendees, solid), `chart-new` (newcomers, hatched
//! outline), `chart-hatch` (the hatch lines in the newcomer pattern),
//! `chart-cancelled` (dashed empty slot), `chart-hit` (transparent hover and
//! click area of a bar), `chart-mark` (every timeline shape; circles), and
//! `chart-facilitated` (added to the diamonds of facilitated sessions). A
//! long timeline is grouped into columns per month or quarter: `chart-bar`
//! for sessions attended, hatched `chart-new` for sessions facilitated. So
//! is the attendance chart of many sessions: each column the average
//! session of its period, `chart-cancelled` where all were cancelled.
//! Style `chart-new` with `stroke` only: a CSS `fill` would replace its
//! hatch pattern; colour the hatch through `chart-hatch` instead.

use super::theme::escape_html as esc;
use chrono::{Datelike, NaiveDate, TimeDelta};
use std::fmt::Write as _;

/// Width of every chart's `viewBox`, in user units.
const W: f64 = 400.0;

/// One session in an attendance chart.
#[derive(Debug, Clone, Copy)]
pub struct Bar<'a> {
    pub title: &'a str,
    pub date: &'a str,
    pub day: NaiveDate,
    pub url: &'a str,
    pub returning: usize,
    pub newcomers: usize,
    pub cancelled: bool,
}

/// One session on a person's participation timeline.
#[derive(Debug, Clone, Copy)]
pub struct Mark<'a> {
    pub title: &'a str,
    pub date: &'a str,
    pub day: NaiveDate,
    pub url: &'a str,
    pub facilitated: bool,
}

/// Appends a coordinate as `{:.1}` writes an `f64`, to the same
/// characters, but without the exact (slow) decimal conversion whenever
/// plain rounding of `10 × x` is certain to agree with it: `x` positive and
/// below 10⁸, and `10 × x` not within 10⁻⁶ of a half. Everything else
/// takes `{:.1}`.
fn d1(out: &mut String, x: f64) {
    let t = x * 10.0;
    // |t - 10x| <= t * 2^-53 < 1.2e-7 here, far inside the margin.
    if x > 0.0 && t < 1e9 && ((t - t.floor()) - 0.5).abs() > 1e-6 {
        let n = t.round() as u64;
        push_uint(out, n / 10);
        out.push('.');
        out.push(char::from(b'0' + (n % 10) as u8));
    } else {
        let _ = write!(out, "{x:.1}");
    }
}

/// Appends `n` in decimal.
fn push_uint(out: &mut String, n: u64) {
    out.push_str(super::html::decimal(n, &mut [0; 20]));
}

/// A piece of an SVG element: markup as it is, or a coordinate written as
/// [`d1`] writes it. Elements drawn many times a page are put together
/// from these, without the formatting machinery.
#[derive(Clone, Copy)]
enum P<'a> {
    S(&'a str),
    D(f64),
}

/// `<rect class="…" x y width height`, then `rest` (its other attributes
/// and the end of the tag).
fn rect(out: &mut String, class: &str, [x, y, w, h]: [P<'_>; 4], rest: &[P<'_>]) {
    use P::*;
    put(
        out,
        &[
            S(r#"<rect class=""#),
            S(class),
            S(r#"" x=""#),
            x,
            S(r#"" y=""#),
            y,
            S(r#"" width=""#),
            w,
            S(r#"" height=""#),
            h,
            S("\""),
        ],
    );
    put(out, rest);
}

fn put(out: &mut String, parts: &[P<'_>]) {
    for p in parts {
        match *p {
            P::S(s) => out.push_str(s),
            P::D(x) => d1(out, x),
        }
    }
}

/// "March 2024", as chrono's `%B %Y` writes it.
fn month_year(d: NaiveDate) -> String {
    let mut out = String::new();
    push_month_year(&mut out, d);
    out
}

/// Appends [`month_year`].
fn push_month_year(out: &mut String, d: NaiveDate) {
    use crate::content::dates::MONTHS;
    if (1000..=9999).contains(&d.year()) {
        out.push_str(MONTHS[d.month0() as usize]);
        out.push(' ');
        push_uint(out, d.year() as u64);
    } else {
        let _ = write!(out, "{}", d.format("%B %Y"));
    }
}

/// "1 session", "3 sessions".
fn plural(n: usize, one: &str, many: &str) -> String {
    let mut out = String::new();
    push_plural(&mut out, n, one, many);
    out
}

/// Appends [`plural`].
fn push_plural(out: &mut String, n: usize, one: &str, many: &str) {
    push_uint(out, n as u64);
    out.push(' ');
    out.push_str(if n == 1 { one } else { many });
}

/// The root element with its accessible name and description.
fn open(height: f64, id: &str, title: &str, desc: &str) -> String {
    let (id, title, desc) = (esc(id), esc(title), esc(desc));
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {height}" width="100%" preserveAspectRatio="xMidYMid meet" direction="ltr" role="group" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#
    )
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, body: &str) {
    use P::*;
    put(
        out,
        &[
            S(r#"<text class="chart-label" x=""#),
            D(x),
            S(r#"" y=""#),
            D(y),
            S(r#"" text-anchor=""#),
            S(anchor),
            S(r#"" font-size="13" fill="currentColor">"#),
            S(&esc(body)),
            S("</text>"),
        ],
    );
}

/// Extra attributes of a gridline.
const GRID: &str = r#" stroke-dasharray="2 3" stroke-opacity="0.4""#;

fn line(out: &mut String, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64), more: &str) {
    use P::*;
    put(
        out,
        &[
            S(r#"<line class=""#),
            S(class),
            S(r#"" x1=""#),
            D(x1),
            S(r#"" y1=""#),
            D(y1),
            S(r#"" x2=""#),
            D(x2),
            S(r#"" y2=""#),
            D(y2),
            S(r#"" stroke="currentColor""#),
            S(more),
            S("/>"),
        ],
    );
}

/// A link wrapping a chart element, with its tooltip.
fn link(out: &mut String, url: &str, tip: &str) {
    use P::*;
    put(
        out,
        &[
            S(r#"<a href=""#),
            S(&esc(url)),
            S(r#""><title>"#),
            S(&esc(tip)),
            S("</title>"),
        ],
    );
}

/// Attendance per session over time: one stacked bar per session, in the
/// order given (pass them sorted by date). Returning attendees are a solid
/// bar at the bottom, newcomers a hatched one on top; cancelled sessions are
/// a dashed empty slot. Each bar links to its session. Empty string when
/// `bars` is empty.
pub fn attendance_chart(bars: &[Bar], id: &str) -> String {
    let (Some(first), Some(last)) = (bars.first(), bars.last()) else {
        return String::new();
    };
    let total = |b: &Bar| b.returning + b.newcomers;
    let held: Vec<&Bar> = bars.iter().filter(|b| !b.cancelled).collect();
    let max = held.iter().map(|b| total(b)).max().unwrap_or(0);
    let people = |n| plural(n, "person", "people");
    let more = match bars.len() - held.len() {
        0 => String::new(),
        n => format!("; {n} more cancelled"),
    };
    let desc = match held[..] {
        [] => format!(
            "{}, all cancelled.",
            plural(bars.len(), "session", "sessions")
        ),
        [a] => format!(
            "Attendance at 1 session: {} on {}{more}.",
            people(total(a)),
            a.date
        ),
        [a, .., z] => {
            let (n, from, to) = (held.len(), people(total(a)), total(z));
            format!(
                "Attendance at {n} sessions, from {from} on {} to {to} on {}; highest {max}{more}.",
                a.date, z.date
            )
        }
    };
    if bars.len() > ATTENDANCE_BARS {
        return attendance_columns(bars, id, desc);
    }
    let (left, right, top, base) = ATTENDANCE_FRAME;
    let (mid, tall) = ((top + base) / 2.0, base - top);
    let (mut s, hatch) = attendance_frame(id, &desc, &max.to_string());
    let slot = (right - left) / bars.len() as f64;
    let width = (slot * 0.7).max(1.0);
    let (top_s, tall_s) = (top.to_string(), tall.to_string());
    let scale = tall / max.max(1) as f64;
    for (i, b) in bars.iter().enumerate() {
        let at = left + i as f64 * slot;
        let (x, cx) = (at + (slot - width) / 2.0, at + slot / 2.0);
        if b.cancelled {
            link(
                &mut s,
                b.url,
                &format!("{} — {}: cancelled", b.title, b.date),
            );
        } else {
            let (n, new) = (people(total(b)), b.newcomers);
            link(
                &mut s,
                b.url,
                &format!("{} — {}: {n} ({new} new)", b.title, b.date),
            );
        }
        // A transparent full-height target, so short bars are easy to hit.
        use P::*;
        let (top, tall) = (S(&top_s), S(&tall_s));
        rect(
            &mut s,
            "chart-hit",
            [D(at), top, D(slot), tall],
            &[S(r#" fill="transparent"/>"#)],
        );
        if b.cancelled {
            rect(
                &mut s,
                "chart-cancelled",
                [D(x), top, D(width), tall],
                &[
                    S(
                        r#" fill="none" stroke="currentColor" stroke-dasharray="4 3"/><g transform="rotate(-90 "#,
                    ),
                    D(cx),
                    S(" "),
                    D(mid),
                    S(r#")">"#),
                ],
            );
            text(&mut s, cx, mid + 4.0, "middle", "cancelled");
            s += "</g>";
        } else {
            let (r, n) = (b.returning as f64 * scale, b.newcomers as f64 * scale);
            stack(&mut s, &hatch, (x, width), base, (r, n), r#""/>"#);
        }
        s += "</a>";
    }
    // Dates of the first and last sessions under the axis.
    if bars.len() == 1 {
        text(&mut s, left + slot / 2.0, base + 20.0, "middle", first.date);
    } else {
        text(&mut s, left, base + 20.0, "start", first.date);
        text(&mut s, right, base + 20.0, "end", last.date);
    }
    s + "</svg>"
}

/// Above this many sessions an attendance chart shows a column per month
/// or quarter ([`attendance_columns`]) instead of a bar per session: a
/// community that has met weekly for years had bars a pixel wide (and a
/// chart of 250 KB), and the table under the chart gives every session.
pub const ATTENDANCE_BARS: usize = 60;

/// The hatch pattern of chart `id`, then a legend from `left`: a solid
/// swatch and `labels[0]`, and `second` further on a hatched swatch and
/// `labels[1]`. Returns the pattern's id.
fn legend(s: &mut String, id: &str, left: f64, labels: [&str; 2], second: f64) -> String {
    let hatch = format!("{}-hatch", esc(id));
    let _ = write!(
        s,
        r#"<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><line class="chart-hatch" x1="0" y1="0" x2="0" y2="5" stroke="currentColor" stroke-width="2.5"/></pattern></defs><rect class="chart-bar" x="{left}" y="7" width="12" height="12" fill="currentColor"/><rect class="chart-new" x="{}" y="7" width="12" height="12" fill="url(#{hatch})" stroke="currentColor"/>"#,
        left + second
    );
    text(s, left + 17.0, 18.0, "start", labels[0]);
    text(s, left + second + 17.0, 18.0, "start", labels[1]);
    hatch
}

/// A solid bar `solid` high on `base`, and a hatched one `hatched` high on
/// top of it, at `x`, `width` wide; `end` closes the hatched one's last
/// attribute (its stroke's).
fn stack(
    s: &mut String,
    hatch: &str,
    (x, width): (f64, f64),
    base: f64,
    (solid, hatched): (f64, f64),
    end: &str,
) {
    use P::*;
    rect(
        s,
        "chart-bar",
        [D(x), D(base - solid), D(width), D(solid)],
        &[S(r#" fill="currentColor"/>"#)],
    );
    rect(
        s,
        "chart-new",
        [D(x), D(base - solid - hatched), D(width), D(hatched)],
        &[
            S(r#" fill="url(#"#),
            S(hatch),
            S(r#")" stroke="currentColor"#),
            S(end),
        ],
    );
}

/// Left, right, top and base of an attendance chart's plot area.
const ATTENDANCE_FRAME: (f64, f64, f64, f64) = (34.0, W - 6.0, 32.0, 190.0);

/// An attendance chart's root, hatch pattern, legend, gridlines and axes,
/// the vertical one labelled 0 and `highest`; and the hatch's id.
fn attendance_frame(id: &str, desc: &str, highest: &str) -> (String, String) {
    let (left, right, top, base) = ATTENDANCE_FRAME;
    let mid = (top + base) / 2.0;
    let mut s = open(222.0, id, "Attendance per session", desc);
    let hatch = legend(&mut s, id, left, ["Returning", "New"], 96.0);
    line(&mut s, "chart-grid", (left, top), (right, top), GRID);
    line(&mut s, "chart-grid", (left, mid), (right, mid), GRID);
    line(&mut s, "chart-axis", (left, top), (left, base), "");
    line(&mut s, "chart-axis", (left, base), (right, base), "");
    text(&mut s, left - 6.0, base + 4.0, "end", "0");
    text(&mut s, left - 6.0, top + 4.0, "end", highest);
    (s, hatch)
}

/// The attendance chart of many sessions: one column per month, or per
/// quarter when they span ten years or more, as tall as the average
/// session of that period (solid: returning people, hatched: newcomers),
/// each with a tooltip giving the sessions and the averages. A period
/// whose sessions were all cancelled is a dashed empty slot. Years are
/// ticked under the axis. `desc` is the chart's description; it gains a
/// sentence on the grouping.
pub fn attendance_columns(bars: &[Bar], id: &str, mut desc: String) -> String {
    let Some((periods, (first, _))) = Periods::spanning(bars.iter().map(|b| b.day)) else {
        return String::new();
    };
    // (held, cancelled, returning, newcomers) per period.
    let mut sums = vec![(0usize, 0usize, 0usize, 0usize); periods.n];
    for b in bars {
        let p = &mut sums[periods.of(b.day)];
        if b.cancelled {
            p.1 += 1;
        } else {
            p.0 += 1;
            p.2 += b.returning;
            p.3 += b.newcomers;
        }
    }
    let average = |total: usize, held: usize| total as f64 / held.max(1) as f64;
    let highest = sums
        .iter()
        .map(|p| average(p.2 + p.3, p.0))
        .fold(0.0, f64::max)
        .ceil()
        .max(1.0);
    let _ = write!(
        desc,
        " Each column is the average session of a {}.",
        periods.unit()
    );
    let (left, right, top, base) = ATTENDANCE_FRAME;
    let tall = base - top;
    let (mut s, hatch) = attendance_frame(id, &desc, &(highest as u64).to_string());
    periods.year_axis(&mut s, first.year(), (left, right), base);
    let slot = (right - left) / periods.n as f64;
    let width = (slot * 0.8).max(0.5);
    let scale = tall / highest;
    let mut tip = String::new();
    for (i, &(held, cancelled, returning, newcomers)) in sums.iter().enumerate() {
        if held + cancelled == 0 {
            continue;
        }
        let x = left + i as f64 * slot + (slot - width) / 2.0;
        tip.clear();
        periods.name(&mut tip, i);
        tip.push_str(": ");
        push_plural(&mut tip, held + cancelled, "session", "sessions");
        use P::*;
        if held == 0 {
            tip.push_str(if cancelled == 1 {
                ", cancelled"
            } else {
                ", all cancelled"
            });
            put(&mut s, &[S("<g><title>"), S(&esc(&tip)), S("</title>")]);
            rect(
                &mut s,
                "chart-cancelled",
                [D(x), D(top), D(width), D(tall)],
                &[S(
                    r#" fill="none" stroke="currentColor" stroke-dasharray="4 3"/></g>"#,
                )],
            );
            continue;
        }
        let (r, n) = (average(returning, held), average(newcomers, held));
        let _ = write!(tip, ", {:.1} people on average ({n:.1} new)", r + n);
        if cancelled > 0 {
            let _ = write!(tip, "; {cancelled} cancelled");
        }
        put(&mut s, &[S("<g><title>"), S(&esc(&tip)), S("</title>")]);
        let (r, n) = (r * scale, n * scale);
        stack(
            &mut s,
            &hatch,
            (x, width),
            base,
            (r, n),
            r#"" stroke-width="0.5"/></g>"#,
        );
    }
    s + "</svg>"
}

/// The months from one day to another, or their quarters when they span
/// ten years or more: the columns of a long chart.
struct Periods {
    /// Months per period: 1 or 3.
    per: i64,
    /// The first period, counted from year 0.
    origin: i64,
    /// How many periods.
    n: usize,
}

impl Periods {
    /// The periods from the first of `days` to the last, and those two
    /// days; `None` without days.
    fn spanning(
        days: impl Iterator<Item = NaiveDate>,
    ) -> Option<(Periods, (NaiveDate, NaiveDate))> {
        let (first, last) = days.fold(None, |span, d| match span {
            None => Some((d, d)),
            Some((a, b)) => Some((d.min(a), d.max(b))),
        })?;
        let per = if Self::month(last) - Self::month(first) >= 120 {
            3
        } else {
            1
        };
        let origin = Self::month(first).div_euclid(per);
        let n = (Self::month(last).div_euclid(per) - origin + 1) as usize;
        Some((Periods { per, origin, n }, (first, last)))
    }

    fn month(d: NaiveDate) -> i64 {
        i64::from(d.year()) * 12 + i64::from(d.month0())
    }

    /// The period `d` falls in (`d` within the span).
    fn of(&self, d: NaiveDate) -> usize {
        (Self::month(d).div_euclid(self.per) - self.origin) as usize
    }

    fn unit(&self) -> &'static str {
        if self.per == 1 { "month" } else { "quarter" }
    }

    /// Appends the name of period `i`: "March 2024" or "2024 Q1".
    fn name(&self, out: &mut String, i: usize) {
        let p = self.origin + i as i64;
        let (year, m0) = ((p * self.per).div_euclid(12), (p * self.per).rem_euclid(12));
        if self.per == 1 {
            if let Some(d) = NaiveDate::from_ymd_opt(year as i32, m0 as u32 + 1, 1) {
                push_month_year(out, d);
            }
        } else {
            let _ = write!(out, "{year} Q{}", m0 / 3 + 1);
        }
    }

    /// Ticks under the axis at `axis` where each year starts, labelled at
    /// least 40 units apart, and `first_year` at the left edge unless a
    /// label is near it.
    fn year_axis(&self, s: &mut String, first_year: i32, (left, right): (f64, f64), axis: f64) {
        let slot = (right - left) / self.n as f64;
        let starts: Vec<(usize, i64)> = (1..self.n)
            .filter_map(|i| {
                let m = (self.origin + i as i64) * self.per;
                (m.rem_euclid(12) == 0).then_some((i, m.div_euclid(12)))
            })
            .collect();
        let step = ((starts.len() as f64 * 40.0 / (right - left)).ceil() as usize).max(1);
        for (k, &(i, year)) in starts.iter().enumerate() {
            let x = left + i as f64 * slot;
            line(s, "chart-axis", (x, axis - 4.0), (x, axis + 4.0), "");
            if k % step == 0 {
                // Centred on its tick, unless that would cut it at the
                // right edge: a year label is about 30 units wide.
                let anchor = if x + 16.0 > W { "end" } else { "middle" };
                text(s, x, axis + 20.0, anchor, &year.to_string());
            }
        }
        if starts.first().is_none_or(|&(i, _)| i as f64 * slot > 64.0) {
            text(s, left, axis + 20.0, "start", &first_year.to_string());
        }
    }
}

/// Above this many sessions a participation timeline groups them into
/// columns ([`participation_columns`]): one linked mark per session would
/// be an unreadable smear, and the page lists every session anyway.
pub const TIMELINE_MARKS: usize = 40;

/// A horizontal timeline of a person's sessions, from a little before the
/// first to a little after the last, with 1 January of each year ticked and
/// labelled. Sessions are circles, facilitated ones larger diamonds; marks
/// too close together are lifted onto up to three lanes. Each mark links to
/// its session. Empty string when `marks` is empty. More than
/// [`TIMELINE_MARKS`] sessions are drawn as columns instead.
pub fn participation_timeline(marks: &[Mark], id: &str) -> String {
    if marks.len() > TIMELINE_MARKS {
        return participation_columns(marks, id);
    }
    let mut order: Vec<&Mark> = marks.iter().collect();
    order.sort_by_key(|m| m.day);
    let (Some(first), Some(last)) = (order.first().map(|m| m.day), order.last().map(|m| m.day))
    else {
        return String::new();
    };
    let span = (last - first).num_days();
    let pad = TimeDelta::days(if span == 0 { 30 } else { (span / 20).max(3) });
    let start = first.checked_sub_signed(pad).unwrap_or(first);
    let end = last.checked_add_signed(pad).unwrap_or(last);
    let (left, right, axis) = (20.0, W - 20.0, 78.0);
    let days = (end - start).num_days().max(1) as f64;
    let pos = |d: NaiveDate| left + (d - start).num_days() as f64 / days * (right - left);

    let month = |d: NaiveDate| month_year(d);
    let (from, to) = (month(first), month(last));
    let when = if from == to {
        format!("in {from}")
    } else {
        format!("between {from} and {to}")
    };
    let mut desc = format!(
        "Took part in {} {when}",
        plural(marks.len(), "session", "sessions")
    );
    match marks.iter().filter(|m| m.facilitated).count() {
        0 => desc.push('.'),
        led => desc += &format!(", facilitating {led}."),
    }

    let mut s = open(106.0, id, "Participation timeline", &desc);
    // Legend: the same two shapes as the marks.
    circle(&mut s, left + 5.0, 13.0);
    text(&mut s, left + 15.0, 18.0, "start", "Session");
    diamond(&mut s, left + 84.0, 13.0);
    text(&mut s, left + 96.0, 18.0, "start", "Facilitated");
    line(&mut s, "chart-axis", (left, axis), (right, axis), "");
    let years: Vec<i32> = (start.year() + 1..=end.year()).collect();
    let step = ((years.len() as f64 * 40.0 / (right - left)).ceil() as usize).max(1);
    for (i, y) in years.iter().enumerate() {
        let Some(jan) = NaiveDate::from_ymd_opt(*y, 1, 1) else {
            continue;
        };
        let x = pos(jan);
        line(&mut s, "chart-axis", (x, axis - 4.0), (x, axis + 4.0), "");
        if i % step == 0 {
            text(&mut s, x, axis + 20.0, "middle", &y.to_string());
        }
    }
    // The year at the left edge, unless a tick's label is already there.
    let jan = NaiveDate::from_ymd_opt(start.year() + 1, 1, 1);
    if years.is_empty() || jan.is_some_and(|d| pos(d) > left + 64.0) {
        text(
            &mut s,
            left,
            axis + 20.0,
            "start",
            &start.year().to_string(),
        );
    }
    let mut lanes = [f64::NEG_INFINITY; 3];
    for m in order {
        let x = pos(m.day);
        let lane = lanes.iter().position(|end| x - end >= 14.0).unwrap_or(0);
        lanes[lane] = x;
        let y = axis - 14.0 - lane as f64 * 16.0;
        let led = if m.facilitated { " (facilitated)" } else { "" };
        link(&mut s, m.url, &format!("{} — {}{led}", m.title, m.date));
        if m.facilitated {
            diamond(&mut s, x, y)
        } else {
            circle(&mut s, x, y)
        }
        s += "</a>";
    }
    s + "</svg>"
}

/// A person's sessions as columns, one per month, or per quarter when they
/// span more than ten years: the solid part sessions attended, the hatched
/// part sessions facilitated, each column with a tooltip giving the counts.
/// Years are ticked as on the timeline. Empty string when `marks` is empty.
pub fn participation_columns(marks: &[Mark], id: &str) -> String {
    let Some((periods, (first, last))) = Periods::spanning(marks.iter().map(|m| m.day)) else {
        return String::new();
    };
    let n = periods.n;
    // (attended, facilitated) per period.
    let mut counts = vec![(0usize, 0usize); n];
    for m in marks {
        let c = &mut counts[periods.of(m.day)];
        if m.facilitated {
            c.1 += 1;
        } else {
            c.0 += 1;
        }
    }
    let mut tip = String::new();
    let when = |d: NaiveDate| month_year(d);
    let (from, to) = (when(first), when(last));
    let led = marks.iter().filter(|m| m.facilitated).count();
    let mut desc = format!(
        "Took part in {} between {from} and {to}",
        plural(marks.len(), "session", "sessions")
    );
    if led > 0 {
        desc += &format!(", facilitating {led}");
    }
    let busiest = counts.iter().map(|c| c.0 + c.1).max().unwrap_or(0);
    desc += &format!(
        "; at most {} in one {}.",
        plural(busiest, "session", "sessions"),
        periods.unit()
    );

    let (left, right, axis, top) = (20.0, W - 20.0, 78.0, 28.0);
    let mut s = open(106.0, id, "Participation over time", &desc);
    let hatch = legend(&mut s, id, left, ["Attended", "Facilitated"], 84.0);
    line(&mut s, "chart-axis", (left, axis), (right, axis), "");
    let slot = (right - left) / n as f64;
    let width = (slot * 0.8).max(0.5);
    let scale = (axis - top) / busiest.max(1) as f64;
    periods.year_axis(&mut s, first.year(), (left, right), axis);
    for (i, &(attended, facilitated)) in counts.iter().enumerate() {
        if attended + facilitated == 0 {
            continue;
        }
        let x = left + i as f64 * slot + (slot - width) / 2.0;
        let (a, f) = (attended as f64 * scale, facilitated as f64 * scale);
        tip.clear();
        periods.name(&mut tip, i);
        tip.push_str(": ");
        push_plural(&mut tip, attended + facilitated, "session", "sessions");
        if facilitated > 0 {
            tip.push_str(", ");
            push_uint(&mut tip, facilitated as u64);
            tip.push_str(" facilitated");
        }
        use P::*;
        put(&mut s, &[S("<g><title>"), S(&esc(&tip)), S("</title>")]);
        if attended > 0 {
            let fill = [S(r#" fill="currentColor"/>"#)];
            rect(
                &mut s,
                "chart-bar",
                [D(x), D(axis - a), D(width), D(a)],
                &fill,
            );
        }
        if facilitated > 0 {
            rect(
                &mut s,
                "chart-new",
                [D(x), D(axis - a - f), D(width), D(f)],
                &[
                    S(r#" fill="url(#"#),
                    S(&hatch),
                    S(r#")" stroke="currentColor" stroke-width="0.5"/>"#),
                ],
            );
        }
        s += "</g>";
    }
    s + "</svg>"
}

fn circle(out: &mut String, x: f64, y: f64) {
    use P::*;
    put(
        out,
        &[
            S(r#"<circle class="chart-mark" cx=""#),
            D(x),
            S(r#"" cy=""#),
            D(y),
            S(r#"" r="5" fill="currentColor"/>"#),
        ],
    );
}

fn diamond(out: &mut String, x: f64, y: f64) {
    use P::*;
    put(
        out,
        &[
            S(r#"<polygon class="chart-mark chart-facilitated" points=""#),
            D(x),
            S(","),
            D(y - 7.5),
            S(" "),
            D(x + 7.5),
            S(","),
            D(y),
            S(" "),
            D(x),
            S(","),
            D(y + 7.5),
            S(" "),
            D(x - 7.5),
            S(","),
            D(y),
            S(r#"" fill="currentColor"/>"#),
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_read_as_std_writes_them() {
        // Halves and near-halves (0.25, 0.35 = 0.34999…), chart-like
        // arithmetic, negatives, zeros, huge and odd values.
        let mut values = vec![
            0.0,
            -0.0,
            0.05,
            0.15,
            0.25,
            0.35,
            0.45,
            0.75,
            1.25,
            2.5,
            9.95,
            99.95,
            -1.25,
            -3.7,
            1e8,
            1e9,
            1e300,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
        ];
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for i in 0..200_000u32 {
            // xorshift, to spread values over a chart's range and beyond.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let unit = (x >> 11) as f64 / (1u64 << 53) as f64;
            values.push(unit * 400.0);
            values.push(f64::from(i) / 4.0);
            values.push(20.0 + f64::from(i % 97) * (360.0 / 97.0));
            values.push(78.0 - f64::from(i % 13) * (50.0 / 13.0));
        }
        for v in values {
            let mut s = String::new();
            d1(&mut s, v);
            assert_eq!(s, format!("{v:.1}"), "{v:e}");
        }
    }

    #[test]
    fn month_names_read_as_chrono_writes_them() {
        for (y, m) in [(2024, 1), (2020, 9), (1999, 12), (999, 3), (10000, 5)] {
            let d = NaiveDate::from_ymd_opt(y, m, 1).unwrap();
            assert_eq!(month_year(d), d.format("%B %Y").to_string());
        }
    }

    /// Checks that `svg` is well formed: one root, tags balance and nest,
    /// attribute values are quoted, and every `&` starts a known entity.
    fn assert_well_formed(svg: &str) {
        for (i, _) in svg.match_indices('&') {
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];
            assert!(ok.iter().any(|e| svg[i..].starts_with(e)), "bare & at {i}");
        }
        let (mut stack, mut rest) = (Vec::new(), svg);
        while let Some(open) = rest.find('<') {
            assert!(!rest[..open].contains('>'), "stray > before {rest}");
            let close = rest[open..].find('>').expect("unclosed tag") + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "< inside tag: {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().expect("tag name"));
            }
            rest = &rest[close + 1..];
            assert!(
                !stack.is_empty() || rest.is_empty(),
                "after the root: {rest}"
            );
        }
        assert!(
            stack.is_empty() && rest.is_empty(),
            "unclosed: {stack:?} {rest}"
        );
    }

    #[test]
    fn the_checker_rejects_malformed_svg() {
        let bad = [
            "<svg><g></svg>",
            "<svg>a & b</svg>",
            r#"<svg x="1></svg>"#,
            "<svg>",
        ];
        for svg in bad
            .into_iter()
            .chain(["<svg></svg><svg></svg>", "<svg>a > b</svg>"])
        {
            let result = std::panic::catch_unwind(|| assert_well_formed(svg));
            assert!(result.is_err(), "accepted {svg}");
        }
    }

    fn bar(title: &str, returning: usize, newcomers: usize, cancelled: bool) -> Bar<'_> {
        let url = "../../sessions/x/";
        Bar {
            title,
            date: "6 Mar 2026",
            day: NaiveDate::from_ymd_opt(2026, 3, 6).unwrap(),
            url,
            returning,
            newcomers,
            cancelled,
        }
    }

    fn mark(title: &str, day: (i32, u32, u32), facilitated: bool) -> Mark<'_> {
        let day = NaiveDate::from_ymd_opt(day.0, day.1, day.2).unwrap();
        Mark {
            title,
            date: "6 Mar 2026",
            day,
            url: "../s/?a=1&b=2",
            facilitated,
        }
    }

    /// Asserts that `svg` is well formed and contains every one of `wanted`.
    fn check(svg: &str, wanted: &[&str]) {
        assert_well_formed(svg);
        for w in wanted {
            assert!(svg.contains(w), "missing {w} in {svg}");
        }
    }

    const NASTY: &str = r#"<b>&"x"'"#;
    const ESCAPED: &str = "&lt;b&gt;&amp;&quot;x&quot;&#39; — 6 Mar 2026";

    #[test]
    fn attendance_chart_is_accessible_well_formed_svg() {
        let bars = [
            bar(NASTY, 15, 5, false),
            bar("Planning", 0, 0, true),
            bar("Retro", 30, 5, false),
            bar("Wrap-up", 6, 2, false),
        ];
        let svg = attendance_chart(&bars, "att");
        check(
            &svg,
            &[
                r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 400 222" width="100%""#,
                r#"preserveAspectRatio="xMidYMid meet" direction="ltr" role="group""#,
                r#"aria-labelledby="att-title att-desc"><title id="att-title">"#,
                "<desc id=\"att-desc\">Attendance at 3 sessions, from 20 people on 6 Mar 2026 \
             to 8 on 6 Mar 2026; highest 35; 1 more cancelled.</desc>",
                &format!("<title>{ESCAPED}: 20 people (5 new)</title>"),
                r#"<pattern id="att-hatch""#,
                "url(#att-hatch)",
                ">cancelled</text>",
            ],
        );
        assert!(!svg.contains("<b>"));
        assert_eq!(svg.matches("<a ").count(), bars.len());
        assert_eq!(svg.matches(r#"class="chart-cancelled""#).count(), 1);
        assert_eq!(svg, attendance_chart(&bars, "att"));
        assert_eq!(attendance_chart(&[], "att"), "");
        let one = attendance_chart(&[bar("Only", 1, 0, false)], "one");
        check(&one, &["Attendance at 1 session: 1 person on 6 Mar 2026."]);
        let off = attendance_chart(&[bar("Off", 0, 0, true)], "off");
        check(&off, &["1 session, all cancelled."]);
        assert!(!off.contains("NaN") && !off.contains("inf"));
    }

    #[test]
    fn a_long_attendance_chart_is_grouped_into_columns() {
        // Two sessions a month through 2024 and 2025, five more in
        // December 2025, a cancelled one in January 2026, and eight in
        // February 2026, the last cancelled.
        let mut bars: Vec<Bar> = (0..48)
            .map(|i| Bar {
                day: NaiveDate::from_ymd_opt(
                    2024 + i / 24,
                    (i % 24 / 2) as u32 + 1,
                    1 + (i % 2) as u32 * 14,
                )
                .unwrap(),
                ..bar(NASTY, 10 + (i % 2) as usize, (i % 2) as usize * 3, false)
            })
            .collect();
        for day in 15..20 {
            bars.push(Bar {
                day: NaiveDate::from_ymd_opt(2025, 12, day).unwrap(),
                ..bar("Late", 4, 0, false)
            });
        }
        bars.push(Bar {
            day: NaiveDate::from_ymd_opt(2026, 1, 7).unwrap(),
            ..bar("Off", 0, 0, true)
        });
        for i in 0..8 {
            bars.push(Bar {
                day: NaiveDate::from_ymd_opt(2026, 2, 1 + i).unwrap(),
                ..bar("Feb", 6, 2, i == 7)
            });
        }
        assert!(bars.len() > ATTENDANCE_BARS);
        let svg = attendance_chart(&bars, "att");
        check(
            &svg,
            &[
                r#"role="group" aria-labelledby="att-title att-desc">"#,
                " more cancelled. Each column is the average session of a month.</desc>",
                // 10 people, then 14 (11 returning, 3 new), in January 2024.
                "<title>January 2024: 2 sessions, 12.0 people on average (1.5 new)</title>",
                // Those two, and five of 4 people: 44 people in 7 sessions.
                "<title>December 2025: 7 sessions, 6.3 people on average (0.4 new)</title>",
                "<title>January 2026: 1 session, cancelled</title>",
                "<title>February 2026: 8 sessions, 8.0 people on average (2.0 new); 1 cancelled</title>",
                r#"<pattern id="att-hatch""#,
                ">2025</text>",
                ">2026</text>",
            ],
        );
        // One column per month with sessions, none per session, no links.
        assert_eq!(svg.matches("<g><title>").count(), 24 + 2);
        assert_eq!(svg.matches(r#"class="chart-cancelled""#).count(), 1);
        assert!(!svg.contains("<a "));
        assert!(!svg.contains("&lt;b&gt;"));
        assert_eq!(svg, attendance_chart(&bars, "att"));
        // The scale's top is the busiest month's average, rounded up.
        assert!(svg.contains(r#"text-anchor="end" font-size="13" fill="currentColor">12</text>"#));
        // Over ten years, a column per quarter.
        let long: Vec<Bar> = (0..70)
            .map(|i| Bar {
                day: NaiveDate::from_ymd_opt(2000 + i / 6, 6, 1 + i as u32 % 6).unwrap(),
                ..bar("Yearly", 5, 1, false)
            })
            .collect();
        check(
            &attendance_chart(&long, "q"),
            &[
                "Each column is the average session of a quarter.",
                "<title>2000 Q2: 6 sessions, 6.0 people on average (1.0 new)</title>",
            ],
        );
        // A year that starts in the last column is labelled left of its
        // tick, not cut by the chart's edge.
        let mut edge: Vec<Bar> = (0..65)
            .map(|i| Bar {
                day: NaiveDate::from_ymd_opt(2014 + i / 5, 3, 1 + i as u32 % 5).unwrap(),
                ..bar("Spring", 5, 1, false)
            })
            .collect();
        edge.push(Bar {
            day: NaiveDate::from_ymd_opt(2027, 1, 10).unwrap(),
            ..bar("Last", 5, 1, false)
        });
        let svg = attendance_chart(&edge, "e");
        check(
            &svg,
            &[r#"text-anchor="end" font-size="13" fill="currentColor">2027</text>"#],
        );
        assert!(
            svg.contains(r#"text-anchor="middle" font-size="13" fill="currentColor">2021</text>"#)
        );
    }

    #[test]
    fn a_long_timeline_is_grouped_into_columns() {
        let mut marks: Vec<Mark> = (0..60)
            .map(|i| {
                mark(
                    "Weekly",
                    (2024 + i / 24, (i % 12) as u32 + 1, 1 + (i % 2) as u32 * 14),
                    i % 10 == 0,
                )
            })
            .collect();
        marks.push(mark(NASTY, (2026, 12, 31), false));
        let svg = participation_timeline(&marks, "tl");
        check(
            &svg,
            &[
                r#"role="group" aria-labelledby="tl-title tl-desc">"#,
                "<desc id=\"tl-desc\">Took part in 61 sessions between January 2024 and \
                 December 2026, facilitating 6; at most 2 sessions in one month.</desc>",
                "<title>January 2024: 2 sessions, 1 facilitated</title>",
                "<title>December 2026: 2 sessions</title>",
                "<title>February 2024: 2 sessions</title>",
                r#"<pattern id="tl-hatch""#,
                ">2025</text>",
                ">2026</text>",
            ],
        );
        // No per-session links: the page lists every session.
        assert!(!svg.contains("<a "));
        assert!(!svg.contains("&lt;b&gt;"));
        assert_eq!(svg, participation_timeline(&marks, "tl"));
        // Over more than ten years, per quarter.
        let long: Vec<Mark> = (0..50)
            .map(|i| mark("Yearly", (2000 + i / 2, 6, 1), false))
            .collect();
        let svg = participation_timeline(&long, "q");
        check(
            &svg,
            &[
                "at most 2 sessions in one quarter.",
                "<title>2000 Q2: 2 sessions</title>",
            ],
        );
    }

    #[test]
    fn participation_timeline_is_accessible_well_formed_svg() {
        let marks = [
            mark("Retro", (2026, 11, 2), false),
            mark(NASTY, (2026, 3, 6), true),
            mark("Same day", (2026, 3, 6), false),
            mark("Next year", (2027, 2, 1), true),
        ];
        let svg = participation_timeline(&marks, "tl");
        check(
            &svg,
            &[
                r#"direction="ltr" role="group" aria-labelledby="tl-title tl-desc">"#,
                "<desc id=\"tl-desc\">Took part in 4 sessions between March 2026 and \
             February 2027, facilitating 2.</desc>",
                &format!("<title>{ESCAPED} (facilitated)</title>"),
                r#"href="../s/?a=1&amp;b=2""#,
                ">2027</text>",
            ],
        );
        assert_eq!(svg.matches("<a ").count(), marks.len());
        assert_eq!(svg.matches("chart-facilitated").count(), 3); // 2 marks, legend
        assert_eq!(svg, participation_timeline(&marks, "tl"));
        assert_eq!(participation_timeline(&[], "tl"), "");
        let one = participation_timeline(&[mark("Only", (2026, 6, 15), false)], "one");
        check(
            &one,
            &[
                r#"cx="200.0""#,
                ">2026</text>",
                "1 session in June 2026.</desc>",
            ],
        );
    }
}
