//! Files for machines: the Atom feed, iCalendar files, the sitemap and
//! robots.txt. Every URL in them is absolute, under `base_url`.

pub mod atom;
pub mod ics;

use crate::config::Config;
use crate::model::Site;
use chrono::{DateTime, Utc};
use std::fmt::Write as _;

/// `(output path, bytes)` of every machine-readable file.
pub fn render(
    site: &Site,
    config: &Config,
    pages: &[String],
    now: DateTime<Utc>,
) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    out.push((
        "feed.xml".to_string(),
        atom::feed(site, config, now).into_bytes(),
    ));
    let all: Vec<usize> = (0..site.sessions.len()).collect();
    out.push((
        "calendar.ics".to_string(),
        ics::calendar(site, config, &config.title, &all, now).into_bytes(),
    ));
    for c in &site.communities {
        let name = format!("{} — {}", c.name, config.title);
        out.push((
            format!("{}calendar.ics", c.url),
            ics::calendar(site, config, &name, &c.sessions, now).into_bytes(),
        ));
    }
    out.push((
        "sitemap.xml".to_string(),
        sitemap(site, config, pages).into_bytes(),
    ));
    out.push((
        "robots.txt".to_string(),
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}sitemap.xml\n",
            config.base_url
        )
        .into_bytes(),
    ));
    out
}

/// Last change of a source file, as a date.
fn lastmod(config: &Config, source: &std::path::Path) -> Option<String> {
    let modified = std::fs::metadata(config.root.join(source))
        .ok()?
        .modified()
        .ok()?;
    Some(
        DateTime::<Utc>::from(modified)
            .format("%Y-%m-%d")
            .to_string(),
    )
}

/// Every HTML page but the 404 page.
fn sitemap(site: &Site, config: &Config, pages: &[String]) -> String {
    let mut sources = std::collections::HashMap::new();
    for s in &site.sessions {
        sources.insert(format!("{}index.html", s.url), &s.doc.source);
    }
    for p in &site.people {
        if let (Some(url), Some(d)) = (&p.url, &p.profile) {
            sources.insert(format!("{url}index.html"), &d.source);
        }
    }
    for c in &site.communities {
        if let Some(d) = &c.doc {
            sources.insert(format!("{}index.html", c.url), &d.source);
        }
    }
    for p in &site.pages {
        sources.insert(format!("{}index.html", p.url), &p.doc.source);
    }
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in pages {
        let Some(dir) = path.strip_suffix("index.html") else {
            continue;
        };
        let _ = write!(
            x,
            "  <url><loc>{}</loc>",
            atom::xml_escape(&format!("{}{dir}", config.base_url))
        );
        if let Some(date) = sources.get(path).and_then(|s| lastmod(config, s)) {
            let _ = write!(x, "<lastmod>{date}</lastmod>");
        }
        x.push_str("</url>\n");
    }
    x.push_str("</urlset>\n");
    x
}
