//! Watching the site's files: content folders, templates, themes, static
//! files and cairn.yaml. Editor temporary and backup files and the output
//! folder are ignored; bursts of events are debounced into one rebuild.

use super::ServeOptions;
use crate::config::{CONFIG_FILE, Config};
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Editor droppings: Vim swap files and its `4913` probe, Emacs lock and
/// backup files, `~` backups, and hidden files in general.
pub fn is_temporary(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return true;
    };
    name.starts_with('.')
        || name.ends_with('~')
        || name == "4913"
        || [".swp", ".swx", ".swo", ".tmp", ".bak", ".crdownload"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Whether a change to `path` can change the site.
pub fn is_relevant(config: &Config, root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    if rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    {
        return false;
    }
    if is_temporary(path) || rel.starts_with("public") {
        return false;
    }
    // A folder that holds a content folder (moved in or created whole).
    if config
        .paths
        .folders
        .iter()
        .any(|(_, f)| f.starts_with(rel) && f != rel)
    {
        return true;
    }
    rel == Path::new(CONFIG_FILE)
        || ["templates", "themes", "static"]
            .iter()
            .any(|d| rel.starts_with(d))
        || config.paths.folders.iter().any(|(_, f)| rel.starts_with(f))
}

/// A watcher, registered before the server says it is ready, so that no
/// change made after that is missed.
pub struct Watching {
    _watcher: notify::RecommendedWatcher,
    rx: std::sync::mpsc::Receiver<notify::Result<notify::Event>>,
}

/// Starts watching the site folder.
pub fn start(root: &Path) -> Result<Watching, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(tx).map_err(|e| e.to_string())?;
    watcher
        .watch(root, RecursiveMode::Recursive)
        .map_err(|e| e.to_string())?;
    Ok(Watching {
        _watcher: watcher,
        rx,
    })
}

/// What changed in one burst of events.
#[derive(Debug, Default)]
pub struct Change {
    /// Notes (markdown files under the content folders), relative to the
    /// site root.
    pub notes: Vec<PathBuf>,
    /// Something else changed too (configuration, templates, static
    /// files, a folder): rebuild everything.
    pub everything: bool,
    /// cairn.yaml changed and is now invalid (the previous one stays).
    pub config_error: Option<crate::diag::Diagnostic>,
    /// Other paths in content folders, and whether this burst created
    /// them: settled when the burst is over (see [`Change::settle`]).
    others: Vec<(PathBuf, bool)>,
}

impl Change {
    fn add(&mut self, config: &Config, root: &Path, path: &Path, created: bool) {
        let rel = crate::live::relative(root, path);
        let is_md = rel
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
        let in_content = config.paths.folders.iter().any(|(_, f)| rel.starts_with(f));
        if is_md && in_content {
            if !self.notes.contains(&rel) {
                self.notes.push(rel);
            }
        } else if in_content {
            match self.others.iter_mut().find(|(p, _)| *p == path) {
                Some((_, c)) => *c |= created,
                None => self.others.push((path.to_path_buf(), created)),
            }
        } else {
            self.everything = true;
        }
    }

    /// Once the burst is over, decides about the other paths in content
    /// folders. cairn reads only markdown there, so a file that is there
    /// now changes nothing, and neither does one this burst created and
    /// removed again (`sed -i` and editors that save through a temporary
    /// file beside the note). A folder, or a path that went away without
    /// this burst creating it (a folder moved out, with its notes), makes
    /// the whole site be read again.
    fn settle(&mut self) {
        for (path, created) in std::mem::take(&mut self.others) {
            let all = match std::fs::symlink_metadata(&path) {
                Ok(meta) => meta.is_dir(),
                Err(_) => !created,
            };
            self.everything |= all;
        }
    }
}

/// Calls `rebuild` after every burst of relevant changes, with the config
/// reloaded when cairn.yaml changed (a bad config keeps the old one).
pub fn watch(
    watching: Watching,
    opts: &ServeOptions,
    mut config: Config,
    mut rebuild: impl FnMut(&Config, &Change),
) {
    let rx = &watching.rx;
    let root = crate::output::absolute(&opts.root);
    let relevant = |config: &Config, ev: &notify::Result<notify::Event>| match ev {
        Ok(ev) => {
            !matches!(ev.kind, notify::EventKind::Access(_))
                && ev
                    .paths
                    .iter()
                    .any(|p| is_relevant(config, &root, &crate::output::absolute(p)))
        }
        Err(_) => false,
    };
    let paths = |config: &Config, ev: &notify::Result<notify::Event>, change: &mut Change| {
        match ev {
            Ok(ev) if relevant(config, &Ok(ev.clone())) => {
                let created = matches!(ev.kind, notify::EventKind::Create(_));
                for p in &ev.paths {
                    let p = crate::output::absolute(p);
                    if is_relevant(config, &root, &p) {
                        change.add(config, &root, &p, created);
                    }
                }
            }
            Ok(_) => {}
            // Events were lost: rebuild all.
            Err(_) => change.everything = true,
        }
    };
    while let Ok(ev) = rx.recv() {
        if !relevant(&config, &ev) {
            continue;
        }
        let mut change = Change::default();
        paths(&config, &ev, &mut change);
        let mut config_changed = ev
            .as_ref()
            .is_ok_and(|e| e.paths.iter().any(|p| p.ends_with(CONFIG_FILE)));
        // Debounce: wait until the burst is over.
        while let Ok(more) = rx.recv_timeout(Duration::from_millis(40)) {
            paths(&config, &more, &mut change);
            config_changed |= more
                .as_ref()
                .is_ok_and(|e| e.paths.iter().any(|p| p.ends_with(CONFIG_FILE)));
        }
        if config_changed {
            match Config::load(&opts.root) {
                Ok(mut c) => {
                    c.base_url = config.base_url.clone();
                    config = c;
                }
                Err(d) => change.config_error = Some(d),
            }
        }
        change.settle();
        change.everything |= config_changed;
        rebuild(&config, &change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_files_are_ignored() {
        for p in [
            "a/.note.md.swp",
            "a/note.md~",
            "a/.#note.md",
            "a/4913",
            "a/x.tmp",
        ] {
            assert!(is_temporary(Path::new(p)), "{p}");
        }
        assert!(!is_temporary(Path::new("a/note.md")));
    }

    #[test]
    fn other_files_in_content_folders_count_only_as_folders_or_when_gone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("cairn.yaml"), "title: T\n").unwrap();
        std::fs::create_dir_all(root.join("content/sessions/2026")).unwrap();
        std::fs::write(root.join("content/sessions/notes.txt"), "x").unwrap();
        let config = Config::load(root).unwrap();
        let settled = |path: &str, created: bool| {
            let mut c = Change::default();
            c.add(&config, root, &root.join(path), created);
            c.settle();
            c.everything
        };
        // A temporary file made and renamed away within the burst.
        assert!(!settled("content/sessions/sed1Xk2a", true));
        // A file cairn does not read, still there.
        assert!(!settled("content/sessions/notes.txt", false));
        // A folder (new, or renamed into place): read the site again.
        assert!(settled("content/sessions/2026", true));
        // Gone without being made now: perhaps a folder moved away.
        assert!(settled("content/sessions/2019", false));
        // A note is a note, whatever happens to it.
        let mut c = Change::default();
        c.add(&config, root, &root.join("content/sessions/a.md"), true);
        c.settle();
        assert!(!c.everything);
        assert_eq!(c.notes, vec![PathBuf::from("content/sessions/a.md")]);
    }
}
