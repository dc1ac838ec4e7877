//! Themes: the default theme is compiled into the binary; a local theme in
//! `themes/<name>/` and the site's own `templates/` override it file by file.
//! Templates are compiled once per build.

use crate::config::Config;
use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};
use tera::Tera;

macro_rules! embed {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/templates/", $name)))),*]
    };
}

/// The default theme's templates.
pub const DEFAULT_TEMPLATES: &[(&str, &str)] = embed!(
    "base.html",
    "macros.html",
    "index.html",
    "sessions.html",
    "session.html",
    "members.html",
    "member.html",
    "topics.html",
    "topic.html",
    "communities.html",
    "community.html",
    "page.html",
    "actions.html",
    "search.html",
    "404.html",
);

/// The default theme's static files, copied to the output root.
pub const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    (
        "cairn.css",
        include_bytes!("../../themes/default/static/cairn.css"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
];

pub struct Theme {
    pub tera: Tera,
    /// Template name -> the file it came from, for templates that override
    /// the default theme.
    pub sources: std::collections::HashMap<String, PathBuf>,
    /// Static folders to copy, lowest priority first (theme, then site).
    pub static_dirs: Vec<PathBuf>,
    /// Whether pages whose templates are all the default theme's may be
    /// written by [`super::html`] instead of tera (true but in tests that
    /// compare the two).
    pub native: bool,
}

fn read_templates(
    dir: &Path,
    root: &Path,
    out: &mut Vec<(String, String, PathBuf)>,
    errors: &mut Vec<Diagnostic>,
) {
    for entry in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let name = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let rel = path.strip_prefix(root).unwrap_or(path).to_path_buf();
        match std::fs::read_to_string(path) {
            Ok(text) => out.push((name, text, rel)),
            Err(e) => errors.push(
                Diagnostic::error("template", format!("cannot read template: {e}")).in_file(rel),
            ),
        }
    }
}

/// Escapes text for HTML text and quoted attributes. Unlike tera's default
/// it leaves `/` alone, so relative URLs stay readable.
pub fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + 8);
    super::html::esc(&mut out, input);
    out
}

/// The full message of a tera error, causes included.
pub fn tera_message(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

impl Theme {
    /// Whether `template`, and the templates every page extends or imports,
    /// are the default theme's own.
    pub fn is_default(&self, template: &str) -> bool {
        self.native
            && ![template, "base.html", "macros.html"]
                .iter()
                .any(|t| self.sources.contains_key(*t))
    }

    pub fn load(config: &Config) -> Result<Theme, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut overrides = Vec::new();
        let mut static_dirs = Vec::new();
        let theme_dir = config.root.join("themes").join(&config.theme);
        if theme_dir.is_dir() {
            read_templates(
                &theme_dir.join("templates"),
                &config.root,
                &mut overrides,
                &mut errors,
            );
            static_dirs.push(theme_dir.join("static"));
        } else if config.theme != "default" {
            errors.push(
                Diagnostic::error("theme", format!("theme `{}` not found: there is no folder themes/{}", config.theme, config.theme))
                    .in_file(crate::config::CONFIG_FILE)
                    .help("use `theme: default`, or put the theme's templates/ and static/ under themes/<name>/"),
            );
        }
        read_templates(
            &config.root.join("templates"),
            &config.root,
            &mut overrides,
            &mut errors,
        );
        static_dirs.push(config.root.join("static"));

        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml", ".htm"]);
        tera.set_escape_fn(escape_html);
        let mut all: Vec<(String, String)> = DEFAULT_TEMPLATES
            .iter()
            .filter(|(n, _)| !overrides.iter().any(|(o, _, _)| o == n))
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let mut sources = std::collections::HashMap::new();
        for (name, text, rel) in overrides {
            all.retain(|(n, _)| *n != name);
            sources.insert(name.clone(), rel);
            all.push((name, text));
        }
        if let Err(e) = tera.add_raw_templates(all) {
            let msg = tera_message(&e);
            let file = sources
                .iter()
                .find(|(name, _)| msg.contains(name.as_str()))
                .map(|(_, rel)| rel.clone());
            let mut d = Diagnostic::error("template", format!("template error: {msg}"));
            d.file = file;
            errors.push(d);
        }
        if errors.is_empty() {
            Ok(Theme {
                tera,
                sources,
                static_dirs,
                native: true,
            })
        } else {
            Err(errors)
        }
    }
}
