//! `/feed.xml`: an Atom (RFC 4287) feed of session notes, newest first,
//! with absolute URLs under `base_url`.

use crate::config::{Config, FeedContent};
use crate::model::{Session, Site};
use chrono::{DateTime, Utc};
use std::fmt::Write as _;

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The note's HTML with links to the site made absolute (feed readers show
/// it away from the site). Other relative links resolve via `xml:base`.
fn absolute_links(html: &str, base_url: &str, root: &str) -> String {
    html.replace(&format!("href=\"{root}"), &format!("href=\"{base_url}"))
        .replace(&format!("src=\"{root}"), &format!("src=\"{base_url}"))
}

fn rfc3339(s: &Session, config: &Config) -> String {
    s.when
        .instant(config.timezone)
        .with_timezone(&config.timezone)
        .to_rfc3339()
}

/// Sessions already held or cancelled, newest first.
pub fn feed(
    site: &Site,
    config: &Config,
    now: DateTime<Utc>,
    bodies: &dyn crate::bodies::SessionBodies,
) -> String {
    let tz = config.timezone;
    let entries: Vec<(usize, &Session)> = site
        .sessions
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, s)| s.when.instant(tz) <= now)
        .take(config.feed_limit)
        .collect();
    let base = &config.base_url;
    let updated = entries
        .first()
        .map_or_else(|| now.to_rfc3339(), |(_, s)| rfc3339(s, config));
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = writeln!(
        x,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">",
        xml_escape(&config.language)
    );
    let _ = writeln!(x, "  <title>{}</title>", xml_escape(&config.title));
    if !config.description.is_empty() {
        let _ = writeln!(
            x,
            "  <subtitle>{}</subtitle>",
            xml_escape(&config.description)
        );
    }
    let _ = writeln!(x, "  <id>{}</id>", xml_escape(base));
    let _ = writeln!(
        x,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}feed.xml\"/>",
        xml_escape(base)
    );
    let _ = writeln!(
        x,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(base)
    );
    let _ = writeln!(x, "  <updated>{updated}</updated>");
    let _ = writeln!(
        x,
        "  <generator version=\"{}\">cairn</generator>",
        env!("CARGO_PKG_VERSION")
    );
    for (i, s) in entries {
        let url = format!("{base}{}", s.url);
        let _ = writeln!(x, "  <entry>");
        let _ = writeln!(x, "    <title>{}</title>", xml_escape(&s.title));
        let _ = writeln!(x, "    <id>{}</id>", xml_escape(&url));
        let _ = writeln!(
            x,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml_escape(&url)
        );
        let date = rfc3339(s, config);
        let _ = writeln!(x, "    <published>{date}</published>");
        let _ = writeln!(x, "    <updated>{date}</updated>");
        let mut authors: Vec<&str> = s
            .facilitators
            .iter()
            .map(|&p| site.people[p].name.as_str())
            .collect();
        if authors.is_empty() {
            authors.push(&config.title);
        }
        for a in authors {
            let _ = writeln!(x, "    <author><name>{}</name></author>", xml_escape(a));
        }
        for &t in &s.topics {
            let topic = &site.topics[t];
            let _ = writeln!(
                x,
                "    <category term=\"{}\" label=\"{}\"/>",
                xml_escape(&topic.slug),
                xml_escape(&topic.name)
            );
        }
        let summary = s.summary();
        if !summary.is_empty() {
            let _ = writeln!(x, "    <summary>{}</summary>", xml_escape(summary));
        }
        if config.feed_content == FeedContent::Full {
            let html = absolute_links(
                &bodies.body(site, i).html,
                base,
                &crate::slug::root_of(&s.url),
            );
            let _ = writeln!(
                x,
                "    <content type=\"html\" xml:base=\"{}\">{}</content>",
                xml_escape(&url),
                xml_escape(&html)
            );
        }
        let _ = writeln!(x, "  </entry>");
    }
    x.push_str("</feed>\n");
    x
}
