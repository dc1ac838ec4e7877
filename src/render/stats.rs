//! Figures a community judges itself by, derived from the notes alone:
//! attendance per session (newcomers and returning people), who facilitated
//! for the first time in each quarter, sessions held versus cancelled, and
//! a one-line trend.

use crate::content::Status;
use crate::model::{Community, Site};
use chrono::Datelike;
use chrono_tz::Tz;
use std::collections::HashSet;

/// One held or cancelled session of a community.
pub struct SessionFigures {
    pub session: usize,
    pub newcomers: usize,
    pub returning: usize,
    pub cancelled: bool,
}

/// People who facilitated for the first time in a quarter.
pub struct FirstFacilitators {
    /// "2026 Q1".
    pub quarter: String,
    pub people: Vec<usize>,
}

pub struct CommunityFigures {
    /// Past sessions, oldest first (planned ones are not counted).
    pub sessions: Vec<SessionFigures>,
    pub held: usize,
    pub cancelled: usize,
    pub facilitators: usize,
    pub first_facilitators: Vec<FirstFacilitators>,
    /// "Attendance down 40 % since the first session; 3 people have facilitated."
    pub trend: String,
}

fn quarter(d: chrono::NaiveDate) -> String {
    format!("{} Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

pub fn community(site: &Site, c: &Community, tz: Tz) -> CommunityFigures {
    let mut seen: HashSet<usize> = HashSet::new();
    let mut led: HashSet<usize> = HashSet::new();
    let mut sessions = Vec::new();
    let mut first_facilitators: Vec<FirstFacilitators> = Vec::new();
    let (mut held, mut cancelled) = (0, 0);
    for &sid in &c.sessions {
        let s = &site.sessions[sid];
        if s.status == Status::Planned {
            continue;
        }
        if s.status == Status::Cancelled {
            cancelled += 1;
            sessions.push(SessionFigures {
                session: sid,
                newcomers: 0,
                returning: 0,
                cancelled: true,
            });
            continue;
        }
        held += 1;
        let (mut newcomers, mut returning) = (0, 0);
        for p in s.everyone() {
            if seen.insert(p) {
                newcomers += 1;
            } else {
                returning += 1;
            }
        }
        for &f in &s.facilitators {
            if led.insert(f) {
                let q = quarter(s.when.day(tz));
                match first_facilitators.last_mut() {
                    Some(last) if last.quarter == q => last.people.push(f),
                    _ => first_facilitators.push(FirstFacilitators {
                        quarter: q,
                        people: vec![f],
                    }),
                }
            }
        }
        sessions.push(SessionFigures {
            session: sid,
            newcomers,
            returning,
            cancelled: false,
        });
    }
    let trend = trend(&sessions, led.len(), cancelled);
    CommunityFigures {
        sessions,
        held,
        cancelled,
        facilitators: led.len(),
        first_facilitators,
        trend,
    }
}

fn trend(sessions: &[SessionFigures], facilitators: usize, cancelled: usize) -> String {
    let held: Vec<usize> = sessions
        .iter()
        .filter(|s| !s.cancelled)
        .map(|s| s.newcomers + s.returning)
        .collect();
    let mut parts = Vec::new();
    match (held.first(), held.last()) {
        (Some(&first), Some(&last)) if held.len() > 1 && first > 0 => {
            let change = (last as f64 - first as f64) / first as f64 * 100.0;
            let pct = change.abs().round() as i64;
            parts.push(if pct < 5 {
                format!("attendance steady since the first session ({first} then, {last} last time)")
            } else {
                format!(
                    "attendance {} {pct} % since the first session ({first} then, {last} last time)",
                    if change > 0.0 { "up" } else { "down" }
                )
            });
        }
        (Some(&n), _) => parts.push(format!("{n} people at the one session held so far")),
        _ => parts.push("no session held yet".into()),
    }
    parts.push(match facilitators {
        0 => "nobody has facilitated yet".into(),
        1 => "1 person has facilitated".into(),
        n => format!("{n} people have facilitated"),
    });
    if cancelled > 0 {
        parts.push(format!("{cancelled} cancelled"));
    }
    let mut s = parts.join("; ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s.push('.');
    s
}

/// Topics that share sessions with `topic`, most shared first.
pub fn related_topics(site: &Site, topic: usize, limit: usize) -> Vec<(usize, usize)> {
    let mut counts: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for &s in &site.topics[topic].sessions {
        for &t in &site.sessions[s].topics {
            if t != topic {
                *counts.entry(t).or_default() += 1;
            }
        }
    }
    let mut v: Vec<(usize, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| site.topics[a.0].name.cmp(&site.topics[b.0].name))
    });
    v.truncate(limit);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(n: usize, r: usize, cancelled: bool) -> SessionFigures {
        SessionFigures {
            session: 0,
            newcomers: n,
            returning: r,
            cancelled,
        }
    }

    #[test]
    fn trend_lines() {
        let s = [fig(20, 0, false), fig(2, 10, false), fig(0, 0, true)];
        assert_eq!(
            trend(&s, 3, 1),
            "Attendance down 40 % since the first session (20 then, 12 last time); 3 people have facilitated; 1 cancelled."
        );
        assert_eq!(
            trend(&[], 0, 0),
            "No session held yet; nobody has facilitated yet."
        );
        assert_eq!(
            trend(&[fig(8, 0, false), fig(1, 7, false)], 1, 0),
            "Attendance steady since the first session (8 then, 8 last time); 1 person has facilitated."
        );
    }
}
