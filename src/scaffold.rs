//! `cairn init` and `cairn new`: starting a site, and adding a session or a
//! member with the front matter a person needs to fill in. Nothing existing
//! is ever overwritten.

use crate::config::{Config, Kind};
use crate::content::dates::{When, parse_when};
use crate::slug::slugify;
use chrono::{Duration, NaiveDate, Utc};
use std::path::{Path, PathBuf};

/// Why a scaffold step refused.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{0} already exists; cairn never overwrites a file")]
    Exists(PathBuf),
    #[error("{path} already holds a site (cairn.yaml); use `cairn new session` to add notes to it")]
    SiteExists { path: PathBuf },
    #[error("`{0}` is not a date; write it as YYYY-MM-DD, e.g. 2026-03-06")]
    BadDate(String),
    #[error("\"{0}\" has no letters or digits to make a file name from")]
    EmptySlug(String),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn write_new(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    if path.exists() {
        return Err(ScaffoldError::Exists(path.to_path_buf()));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| ScaffoldError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    // create_new: never clobber a file that appeared in the meantime.
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => ScaffoldError::Exists(path.to_path_buf()),
            _ => ScaffoldError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a small working site into `dir`; returns the files written.
pub fn init(dir: &Path, today: NaiveDate) -> Result<Vec<PathBuf>, ScaffoldError> {
    if dir.join(crate::config::CONFIG_FILE).exists() {
        return Err(ScaffoldError::SiteExists {
            path: dir.to_path_buf(),
        });
    }
    let past = today - Duration::days(14);
    let next = today + Duration::days(14);
    let files: Vec<(String, String)> = vec![
        ("cairn.yaml".into(), INIT_CONFIG.into()),
        (
            "content/communities/our-circle.md".into(),
            INIT_COMMUNITY.into(),
        ),
        (
            "content/members/dana-kim.md".into(),
            INIT_DANA.replace("{joined}", &past.to_string()),
        ),
        (
            "content/members/eli-navarro.md".into(),
            INIT_ELI.replace("{joined}", &past.to_string()),
        ),
        (
            format!("content/sessions/{past}-getting-started.md"),
            INIT_SESSION_PAST
                .replace("{date}", &past.to_string())
                .replace("{due}", &next.to_string()),
        ),
        (
            format!("content/sessions/{next}-budgets-for-learning.md"),
            INIT_SESSION_NEXT
                .replace("{date}", &next.to_string())
                .replace("{past}", &past.to_string()),
        ),
        ("content/pages/about.md".into(), INIT_ABOUT.into()),
        ("static/.gitkeep".into(), String::new()),
        (".gitignore".into(), "/public/\n/.public.cairn-*\n".into()),
    ];
    // Check everything first: all or nothing.
    for (rel, _) in &files {
        let p = dir.join(rel);
        if p.exists() {
            return Err(ScaffoldError::Exists(p));
        }
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let p = dir.join(rel);
        write_new(&p, &text)?;
        written.push(p);
    }
    Ok(written)
}

/// Creates a session note; returns its path.
pub fn new_session(
    config: &Config,
    title: &str,
    date: Option<&str>,
    community: Option<&str>,
    today: NaiveDate,
) -> Result<PathBuf, ScaffoldError> {
    let when = match date {
        Some(d) => {
            parse_when(d, config.timezone).map_err(|_| ScaffoldError::BadDate(d.to_string()))?
        }
        None => When::Day(today),
    };
    let day = when.day(config.timezone);
    let slug = slugify(title);
    if slug.is_empty() {
        return Err(ScaffoldError::EmptySlug(title.to_string()));
    }
    let path = config
        .root
        .join(config.paths.folder(Kind::Session))
        .join(format!("{day}-{slug}.md"));
    let date_text = match date {
        Some(d) => d.trim().to_string(),
        None => day.to_string(),
    };
    let community_line = match community {
        Some(c) => format!("community: {}\n", yaml_text(c)),
        None => "# community: our-circle          # the slug of a file in the communities folder\n"
            .into(),
    };
    let text = format!(
        "---\ntitle: {}\ndate: {date_text}                 # or 2026-03-06T18:30:00-05:00 for a time\n{community_line}\
facilitators: []                  # people by slug or display name: [dana-kim, Eli Navarro]\n\
attendees: []\n\
tags: []                          # topics: [budgets, leadership]\n\
# location: Room 3B\n\
# duration: 90m\n\
# summary: One sentence for lists and the feed (else the first paragraph is used).\n\
---\n\n\
What was this session about? The first paragraph is the summary.\n\n\
## What we talked about\n\n\
## What we agreed to do\n\n\
<!-- One line per action, with an owner and an optional due date:\n\
- [ ] @dana-kim send the notes round (due {})\n\
-->\n",
        yaml_text(title),
        day + Duration::days(7)
    );
    write_new(&path, &text)?;
    Ok(path)
}

/// Creates a member profile; returns its path.
pub fn new_member(config: &Config, name: &str, today: NaiveDate) -> Result<PathBuf, ScaffoldError> {
    let slug = slugify(name);
    if slug.is_empty() {
        return Err(ScaffoldError::EmptySlug(name.to_string()));
    }
    let path = config
        .root
        .join(config.paths.folder(Kind::Member))
        .join(format!("{slug}.md"));
    let text = format!(
        "---\nname: {}\nrole: \"\"                          # what they do\norganization: \"\"\njoined: {today}\n\
communities: []                   # community slugs\n\
expertise: []                     # topics they can help with\n\
aka: []                           # other names used in notes\n\
links: {{}}                         # label: https://…\n\
private: false                    # true: no profile page, name shown unlinked\n---\n\n\
A few words about {}.\n",
        yaml_text(name),
        name.trim()
    );
    write_new(&path, &text)?;
    Ok(path)
}

/// A YAML scalar for `s`, quoted when it would not read back as itself.
fn yaml_text(s: &str) -> String {
    let s = s.trim();
    let plain = !s.is_empty()
        && !s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.contains(": ")
        && !s.contains(" #")
        && serde_yaml::from_str::<serde_yaml::Value>(s).is_ok_and(|v| v.as_str() == Some(s));
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Today in the site's time zone (or UTC).
pub fn today(config: Option<&Config>) -> NaiveDate {
    let now = crate::build::BuildOptions::now_from_env();
    match config {
        Some(c) => now.with_timezone(&c.timezone).date_naive(),
        None => now.with_timezone(&Utc).date_naive(),
    }
}

const INIT_CONFIG: &str = r#"# cairn.yaml: the settings of this site. Every key is optional; set at
# least title and base_url. The full list is in cairn's docs/guide.md.
title: Our Circle
description: Notes and people of a community of practice.
base_url: https://example.org/our-circle/   # where the site will live
language: en
timezone: UTC                               # e.g. America/Toronto, Europe/Berlin
people: open                                # strict: everyone named needs a profile
markdown:
  raw_html: sanitize                        # allow | escape | sanitize
"#;

const INIT_COMMUNITY: &str = r#"---
name: Our Circle
description: Peer learning for people who keep partnerships and tools running.
meets: every other Tuesday, 18:30
lead: [dana-kim]
---

We meet to bring the problems we are wrestling with and learn from each
other. Anyone can propose a session; [[dana-kim]] keeps the calendar.
"#;

const INIT_DANA: &str = r#"---
name: Dana Kim
role: Collaboration manager
organization: Riverside Commons
joined: {joined}
communities: [our-circle]
expertise: [partnerships, facilitation]
aka: [Dana K.]
links:
  website: https://example.org/dana
---

Dana looks after partnerships between several small organizations.
"#;

const INIT_ELI: &str = r#"---
name: Eli Navarro
role: The tech person
organization: Westside Food Network
joined: {joined}
communities: [our-circle]
expertise: [mailing lists, websites]
---

Eli became "the tech person" of a small non-profit and now helps others
who did too.
"#;

const INIT_SESSION_PAST: &str = r#"---
title: Getting started
date: {date}
community: our-circle
facilitators: [dana-kim]
attendees: [Eli Navarro, Sam Ortiz]   # Sam has no profile yet: still gets a page
tags: [facilitation, partnerships]
location: Riverside Commons
---

Our first session: who we are, what we want to learn, and how we keep notes.

## What we agreed to do

- [ ] @eli-navarro set up the announcement list (due {due})
- [x] @"Dana Kim" book a room for the next session

See the [[about]] page for how to add a note.
"#;

const INIT_SESSION_NEXT: &str = r#"---
title: Budgets for learning
date: {date}
community: our-circle
facilitators: [Eli Navarro]
tags: [budgets]
---

Who pays for our learning? Bring how it works in your organization.
Follows up on [the first session]({past}-getting-started.md).
"#;

const INIT_ABOUT: &str = r#"---
title: About
---

This site holds the notes and people of our circle.

To add a session, run `cairn new session "Title"`, fill in the front matter
(the part between the `---` lines), write the notes, and run `cairn build`.
`cairn serve` shows the site while you write.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_text_quotes_only_when_needed() {
        assert_eq!(yaml_text("Power dynamics"), "Power dynamics");
        assert_eq!(yaml_text("Ideas: a list"), "\"Ideas: a list\"");
        assert_eq!(yaml_text("2026"), "\"2026\"");
        assert_eq!(yaml_text("yes"), "yes");
        assert_eq!(yaml_text("\"quoted\""), "\"\\\"quoted\\\"\"");
        assert_eq!(yaml_text("#1 session"), "\"#1 session\"");
    }
}
