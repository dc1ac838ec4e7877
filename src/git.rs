//! When each note last changed, and by whom, from the repository's history:
//! one `git log` over the whole history per build, never one call per file.
//! No git, no repository or a shallow clone give no dates and one warning.

use crate::diag::Diagnostic;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The last change of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// YYYY-MM-DD.
    pub date: String,
    pub author: String,
}

/// Site-relative path -> its last change.
pub type History = HashMap<PathBuf, Change>;

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Reads the history once. Paths are relative to `root` (the site).
pub fn history(root: &Path) -> Result<History, Diagnostic> {
    let warn = |msg: &str| {
        Diagnostic::warning("git", msg.to_string())
            .help("pages are built without \"last changed\" dates; set `git: false` in cairn.yaml to silence this")
    };
    let Some(prefix) = git(root, &["rev-parse", "--show-prefix"]) else {
        return Err(warn(
            "`git: true` but the site is not in a git repository (or git is not installed)",
        ));
    };
    if git(root, &["rev-parse", "--is-shallow-repository"]).is_some_and(|s| s.trim() == "true") {
        return Err(warn(
            "this is a shallow clone, so the history is incomplete (fetch with `fetch-depth: 0` in CI)",
        ));
    }
    let prefix = prefix.trim().to_string();
    let Some(log) = git(
        root,
        &[
            "log",
            "--no-renames",
            "--format=%x1e%as%x1f%an",
            "--name-only",
            "--",
            ".",
        ],
    ) else {
        return Err(warn("`git log` failed"));
    };
    let mut map = HashMap::new();
    for record in log.split('\u{1e}').skip(1) {
        let mut lines = record.lines();
        let Some((date, author)) = lines.next().and_then(|h| h.split_once('\u{1f}')) else {
            continue;
        };
        for file in lines.filter(|l| !l.is_empty()) {
            let Some(rel) = file.strip_prefix(&prefix) else {
                continue;
            };
            // Newest first: the first time a file is seen is its last change.
            map.entry(PathBuf::from(rel)).or_insert_with(|| Change {
                date: date.to_string(),
                author: author.to_string(),
            });
        }
    }
    Ok(map)
}

/// The "edit this page" address of a file, for GitHub, GitLab, Gitea and
/// Forgejo/Codeberg addresses (`edit_url` with `{path}` overrides it).
pub fn edit_url(repo_url: &str, branch: &str, template: Option<&str>, path: &Path) -> String {
    let path = path.to_string_lossy().replace('\\', "/");
    if let Some(t) = template {
        return t.replace("{path}", &path);
    }
    let base = repo_url.trim_end_matches('/').trim_end_matches(".git");
    if base.contains("gitlab") {
        format!("{base}/-/edit/{branch}/{path}")
    } else if base.contains("codeberg") || base.contains("gitea") || base.contains("forgejo") {
        format!("{base}/_edit/{branch}/{path}")
    } else {
        format!("{base}/edit/{branch}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_urls_for_common_hosts() {
        let p = Path::new("content/sessions/a.md");
        assert_eq!(
            edit_url("https://github.com/org/notes.git", "main", None, p),
            "https://github.com/org/notes/edit/main/content/sessions/a.md"
        );
        assert_eq!(
            edit_url("https://gitlab.com/org/notes/", "trunk", None, p),
            "https://gitlab.com/org/notes/-/edit/trunk/content/sessions/a.md"
        );
        assert_eq!(
            edit_url(
                "x",
                "main",
                Some("https://codeberg.org/o/r/_edit/main/{path}"),
                p
            ),
            "https://codeberg.org/o/r/_edit/main/content/sessions/a.md"
        );
    }
}
