//! `cairn.yaml`: read as a raw, strictly-typed document, then checked and
//! turned into a [`Config`] the rest of the pipeline can trust.
//!
//! An unknown key is an error naming the key, its line and the closest known
//! key; a bad value (time zone, base URL, glob, path outside the site) is an
//! error naming the value and what would be accepted.

use crate::diag::{Diagnostic, Span, closest};
use chrono_tz::Tz;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

pub const CONFIG_FILE: &str = "cairn.yaml";

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    description: Option<String>,
    base_url: Option<String>,
    language: Option<String>,
    timezone: Option<String>,
    theme: Option<String>,
    people: Option<PeopleMode>,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    fields: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    markdown: RawMarkdown,
    #[serde(default)]
    feed: RawFeed,
    git: Option<bool>,
    repo_url: Option<String>,
    repo_branch: Option<String>,
    edit_url: Option<String>,
    #[serde(default)]
    extra: serde_json::Value,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    content: Option<FeedContent>,
    limit: Option<usize>,
}

/// `feed.content:` — whole notes or their summaries in the Atom feed.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FeedContent {
    #[default]
    Full,
    Summary,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    sessions: Option<String>,
    members: Option<String>,
    communities: Option<String>,
    pages: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawMarkdown {
    raw_html: Option<RawHtml>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `people:` — whether everyone named in a note needs a profile.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PeopleMode {
    #[default]
    Open,
    Strict,
}

/// `markdown.raw_html:` — what happens to HTML written inside markdown.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    #[default]
    Allow,
    Escape,
    Sanitize,
}

/// The four kinds of content folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Session,
    Member,
    Community,
    Page,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Session, Kind::Member, Kind::Community, Kind::Page];

    pub fn folder_key(self) -> &'static str {
        match self {
            Kind::Session => "sessions",
            Kind::Member => "members",
            Kind::Community => "communities",
            Kind::Page => "pages",
        }
    }
}

/// Where content lives, relative to the site root.
#[derive(Clone)]
pub struct Paths {
    pub folders: Vec<(Kind, PathBuf)>,
    /// Whether each folder was named in the config (a missing named folder is
    /// worth a warning; a missing default one is not).
    pub explicit: Vec<Kind>,
    pub ignore: GlobSet,
    /// The globs of `ignore` as written.
    pub ignore_globs: Vec<String>,
}

/// The globs as written, not the matcher: its state changes as it is
/// used, and a build's cache keys on this text (see [`crate::reuse`]).
impl std::fmt::Debug for Paths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paths")
            .field("folders", &self.folders)
            .field("explicit", &self.explicit)
            .field("ignore", &self.ignore_globs)
            .finish()
    }
}

impl Paths {
    pub fn folder(&self, kind: Kind) -> &Path {
        &self
            .folders
            .iter()
            .find(|(k, _)| *k == kind)
            .expect("every kind has a folder")
            .1
    }
}

/// The checked configuration of one site.
#[derive(Debug, Clone)]
pub struct Config {
    pub root: PathBuf,
    pub title: String,
    pub description: String,
    /// Absolute, always ending in `/`.
    pub base_url: String,
    pub language: String,
    pub timezone: Tz,
    pub theme: String,
    pub people: PeopleMode,
    pub paths: Paths,
    /// Canonical field name -> the keys in notes that feed it, in order.
    pub fields: BTreeMap<String, Vec<String>>,
    pub raw_html: RawHtml,
    pub feed_content: FeedContent,
    /// Newest sessions in the feed.
    pub feed_limit: usize,
    /// Show when each page last changed, from git history.
    pub git: bool,
    /// The repository's web address, for "edit this page" links.
    pub repo_url: Option<String>,
    pub repo_branch: String,
    /// An edit address with `{path}`, for hosts cairn does not know.
    pub edit_url: Option<String>,
    pub extra: serde_json::Value,
}

/// Front matter keys a `fields:` alias may target.
pub const ALIASABLE: &[&str] = &[
    "title",
    "date",
    "end",
    "duration",
    "community",
    "facilitators",
    "attendees",
    "tags",
    "location",
    "status",
    "summary",
    "draft",
    "slug",
    "name",
    "role",
    "organization",
    "joined",
    "communities",
    "expertise",
    "aka",
    "links",
    "avatar",
    "private",
    "description",
    "meets",
    "lead",
];

impl Config {
    /// Reads `cairn.yaml` under `root`. Errors here are usage errors (exit 2).
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Diagnostic::error("config-missing", format!("cannot read {}: {e}", path.display()))
                .help("run `cairn init` to create a site, or pass --root with the folder that holds cairn.yaml")
        })?;
        Config::parse(root, &text)
    }

    pub fn parse(root: &Path, text: &str) -> Result<Config, Diagnostic> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str(text).map_err(|e| config_error(text, &e))?
        };
        let at = |key: &str| {
            Diagnostic::error("config-value", "")
                .in_file(CONFIG_FILE)
                .at_opt(find_key(text, key))
        };

        let timezone = match raw.timezone.as_deref() {
            None => Tz::UTC,
            Some(tz) => tz.parse::<Tz>().map_err(|_| {
                let names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
                let mut d = at("timezone");
                d.message = format!("unknown time zone `{tz}`");
                d.help_opt(
                    closest(tz, names.iter().copied())
                        .map(|c| format!("did you mean `{c}`?"))
                        .or_else(|| {
                            Some("use an IANA name such as `America/Toronto` or `UTC`".into())
                        }),
                )
            })?,
        };

        let base_url = normalize_base_url(raw.base_url.as_deref().unwrap_or("http://localhost/"))
            .map_err(|m| {
            let mut d = at("base_url");
            d.message = m;
            d.help("write an absolute URL such as `https://example.org/our-community/`")
        })?;

        let mut ignore = GlobSetBuilder::new();
        for g in &raw.paths.ignore {
            let glob = Glob::new(g).map_err(|e| {
                let mut d = at("ignore");
                d.message = format!("bad ignore glob `{g}`: {e}");
                d
            })?;
            ignore.add(glob);
        }
        let ignore = ignore.build().map_err(|e| {
            let mut d = at("ignore");
            d.message = format!("bad ignore globs: {e}");
            d
        })?;

        let mut folders = Vec::new();
        let mut explicit = Vec::new();
        for kind in Kind::ALL {
            let configured = match kind {
                Kind::Session => &raw.paths.sessions,
                Kind::Member => &raw.paths.members,
                Kind::Community => &raw.paths.communities,
                Kind::Page => &raw.paths.pages,
            };
            let rel = match configured {
                Some(p) => {
                    explicit.push(kind);
                    relative_inside(p).ok_or_else(|| {
                        let mut d = at(kind.folder_key());
                        d.message = format!(
                            "`paths.{}: {p}` points outside the site",
                            kind.folder_key()
                        );
                        d.help("content folders must be inside the folder that holds cairn.yaml; use a relative path such as `notes/`")
                    })?
                }
                None => PathBuf::from("content").join(kind.folder_key()),
            };
            folders.push((kind, rel));
        }

        let mut fields = BTreeMap::new();
        for (canonical, sources) in raw.fields {
            if !ALIASABLE.contains(&canonical.as_str()) {
                let mut d = at(&canonical);
                d.message = format!("`fields.{canonical}` is not a front matter field cairn knows");
                return Err(d.help_opt(
                    closest(&canonical, ALIASABLE.iter().copied())
                        .map(|c| format!("did you mean `{c}`?")),
                ));
            }
            let sources = match sources {
                OneOrMany::One(s) => vec![s],
                OneOrMany::Many(v) => v,
            };
            fields.insert(canonical, sources);
        }

        Ok(Config {
            root: root.to_path_buf(),
            title: raw.title.unwrap_or_else(|| "Community notes".into()),
            description: raw.description.unwrap_or_default(),
            base_url,
            language: raw.language.unwrap_or_else(|| "en".into()),
            timezone,
            theme: raw.theme.unwrap_or_else(|| "default".into()),
            people: raw.people.unwrap_or_default(),
            paths: Paths {
                folders,
                explicit,
                ignore,
                ignore_globs: raw.paths.ignore.clone(),
            },
            fields,
            raw_html: raw.markdown.raw_html.unwrap_or_default(),
            feed_content: raw.feed.content.unwrap_or_default(),
            feed_limit: raw.feed.limit.unwrap_or(50),
            git: raw.git.unwrap_or(false),
            repo_url: raw.repo_url,
            repo_branch: raw.repo_branch.unwrap_or_else(|| "main".into()),
            edit_url: raw.edit_url,
            extra: raw.extra,
        })
    }

    /// The path part of `base_url`, e.g. `/tech-cop/`.
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        match self.base_url[after_scheme..].find('/') {
            Some(i) => &self.base_url[after_scheme + i..],
            None => "/",
        }
    }

    /// `rtl` for languages written right to left, else `ltr`.
    pub fn text_direction(&self) -> &'static str {
        let primary = self.language.split(['-', '_']).next().unwrap_or("");
        match primary {
            "ar" | "he" | "fa" | "ur" | "ps" | "sd" | "ug" | "yi" | "dv" | "ku" => "rtl",
            _ => "ltr",
        }
    }
}

/// Checks and normalizes a base URL: absolute http(s), ending in `/`.
pub fn normalize_base_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("base_url `{url}` is not an absolute http(s) URL"))?;
    if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
        return Err(format!("base_url `{url}` has no host"));
    }
    let mut s = url.to_string();
    if !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}

/// A relative path that stays inside the root, cleaned of `.` parts.
fn relative_inside(p: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Line and column of the first `key:` in a YAML document, at any depth.
fn find_key(text: &str, key: &str) -> Option<Span> {
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        let col = line.len() - trimmed.len();
        (trimmed.strip_prefix(key)?.trim_start().starts_with(':'))
            .then(|| Span::new(i + 1, col + 1, key.chars().count()))
    })
}

/// Turns a serde_yaml error on cairn.yaml into a diagnostic; an unknown key
/// gets the closest known one as a suggestion.
fn config_error(text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    let span = e.location().map(|l| Span::new(l.line(), l.column(), 0));
    let mut d = Diagnostic::error("config", &msg)
        .in_file(CONFIG_FILE)
        .at_opt(span);
    if let Some(rest) = msg.split("unknown field `").nth(1) {
        let ticked: Vec<&str> = rest.split('`').step_by(2).collect();
        let unknown = rest.split('`').next().unwrap_or("");
        let known: Vec<&str> = ticked.iter().skip(1).copied().collect();
        d.message = format!("unknown key `{unknown}` in cairn.yaml");
        if let Some(s) = find_key(text, unknown) {
            d.span = Some(s);
        }
        d.suggestion = Some(match closest(unknown, known.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("known keys here: {}", known.join(", ")),
        });
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_the_closest_known_one_and_its_line() {
        let err = Config::parse(Path::new("."), "title: x\ntimezon: UTC\n").unwrap_err();
        assert!(err.message.contains("`timezon`"), "{}", err.message);
        assert_eq!(err.suggestion.as_deref(), Some("did you mean `timezone`?"));
        assert_eq!(err.span.map(|s| s.line), Some(2));
    }

    #[test]
    fn nested_unknown_key_is_found_too() {
        let err = Config::parse(Path::new("."), "paths:\n  sesions: notes\n").unwrap_err();
        assert_eq!(err.suggestion.as_deref(), Some("did you mean `sessions`?"));
        assert_eq!(err.span.map(|s| s.line), Some(2));
    }

    #[test]
    fn base_url_gets_a_trailing_slash_and_a_path() {
        let c = Config::parse(Path::new("."), "base_url: https://example.org/cop").unwrap();
        assert_eq!(c.base_url, "https://example.org/cop/");
        assert_eq!(c.base_path(), "/cop/");
    }

    #[test]
    fn paths_cannot_leave_the_site() {
        let err = Config::parse(Path::new("."), "paths:\n  sessions: ../elsewhere\n").unwrap_err();
        assert!(err.message.contains("outside the site"));
    }

    #[test]
    fn bad_time_zone_suggests_a_real_one() {
        let err = Config::parse(Path::new("."), "timezone: America/Toronot\n").unwrap_err();
        assert_eq!(
            err.suggestion.as_deref(),
            Some("did you mean `America/Toronto`?")
        );
    }
}
