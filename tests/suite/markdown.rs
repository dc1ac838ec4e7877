//! Markdown: extensions, wikilinks, link rewriting, raw HTML, direction.

use crate::util::*;

fn with_body(body: &str) -> Fixture {
    Fixture::new()
        .file("content/members/dana-kim.md", "---\nname: Dana Kim\n---\n")
        .file("content/communities/tech.md", "---\nname: Tech\n---\n")
        .file("content/pages/about.md", "# About\n")
        .file(
            "content/sessions/2026/2026-01-01-old.md",
            "---\ntitle: Old one\n---\n",
        )
        .file(
            "content/sessions/2026/2026-03-06-a.md",
            format!("---\ntitle: A\n---\n{body}\n"),
        )
}

#[test]
fn wikilinks_resolve_by_slug_label_and_display_name() {
    let site = with_body(
        "See [[dana-kim]], [[Dana Kim|our Dana]], [[tech]], [[about]] and [[2026-01-01-old]].",
    )
    .build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    let links = a.links(".prose a");
    assert_eq!(
        links,
        vec![
            "members/dana-kim/",
            "members/dana-kim/",
            "communities/tech/",
            "about/",
            "sessions/2026-01-01-old/"
        ]
    );
    assert_eq!(
        a.texts(".prose a"),
        vec!["Dana Kim", "our Dana", "Tech", "About", "Old one"]
    );
}

#[test]
fn a_broken_wikilink_is_an_error_at_its_line_and_column() {
    with_body("Line one.\n\nAsk [[dana-kin]] later.")
        .build_err()
        .says("[[dana-kin]] does not match any member, session, community or page")
        .says("content/sessions/2026/2026-03-06-a.md:6:5")
        .says("did you mean [[dana-kim]]?");
}

#[test]
fn wikilinks_in_code_are_left_alone() {
    let site = with_body("Write `[[not-a-link]]` to link.\n\n```\n[[nor-this]]\n```").build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    assert!(a.text("code").contains("[[not-a-link]]"));
}

#[test]
fn relative_md_links_become_page_links() {
    let site = with_body("[the old one](2026-01-01-old.md) and [about](../../pages/about.md#team)")
        .build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    assert_eq!(
        a.links(".prose a"),
        vec!["sessions/2026-01-01-old/", "about/"]
    );
    assert!(
        a.select(".prose a")[1]
            .value()
            .attr("href")
            .unwrap()
            .ends_with("about/#team")
    );
}

#[test]
fn a_relative_link_to_a_missing_note_is_a_warning() {
    let site = with_body("[gone](nothing.md)").build_ok();
    assert!(
        site.stderr.contains("not a published note"),
        "{}",
        site.stderr
    );
}

#[test]
fn extensions_tables_footnotes_strikethrough_tasks_smart_quotes() {
    let site = with_body("| a | b |\n|---|---|\n| 1 | 2 |\n\nNote[^1] and ~~old~~ \"quoted\".\n\n- [x] done\n- [ ] open\n\n[^1]: The footnote.").build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    assert_eq!(a.select(".prose table td").len(), 2);
    assert_eq!(a.select(".prose del").len(), 1);
    assert_eq!(a.select(".prose input[type=checkbox]").len(), 2);
    assert!(a.select(".prose .footnote-definition").len() == 1);
    assert!(a.text(".prose").contains("“quoted”"));
}

#[test]
fn headings_get_unique_ids() {
    let site = with_body("## Next steps\n\n## Next steps\n\n## Custom {#mine}").build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    let ids: Vec<&str> = a
        .select(".prose h2")
        .iter()
        .map(|h| h.value().attr("id").unwrap())
        .collect();
    assert_eq!(ids, vec!["next-steps", "next-steps-2", "mine"]);
}

#[test]
fn headings_named_like_the_themes_own_ids_stay_unique_on_every_page() {
    // Every id the default theme writes, as a heading of a session, a
    // member's bio and a community note.
    let theme_ids = theme_ids();
    let headings: String = theme_ids.iter().map(|id| format!("## {id}\n\n")).collect();
    let site = with_body(&headings)
        .file(
            "content/members/eli.md",
            format!("---\nname: Eli\n---\n{headings}"),
        )
        .file(
            "content/communities/tech.md",
            format!("---\nname: Tech\n---\n{headings}"),
        )
        .build_ok();
    for url in site.pages() {
        let page = site.page(&url);
        let mut seen = std::collections::HashSet::new();
        for el in page.select("[id]") {
            let id = el.value().attr("id").unwrap();
            assert!(seen.insert(id.to_string()), "/{url}: id {id:?} twice");
        }
    }
    let a = site.page("sessions/2026-03-06-a/");
    assert_eq!(a.select("main#main").len(), 1, "the skip link's target");
    assert_eq!(a.select(".prose h2#main-2").len(), 1);
}

/// Every `id="…"` written literally in the default theme's templates.
fn theme_ids() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates");
    let mut ids = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for part in text.split("id=\"").skip(1) {
            let id = &part[..part.find('"').unwrap()];
            if !id.contains('{') && !id.is_empty() {
                ids.insert(id.to_string());
            }
        }
    }
    assert!(ids.contains("main"), "{ids:?}");
    ids.into_iter().collect()
}

#[test]
fn right_to_left_paragraphs_get_dir_auto() {
    let site = with_body("English first.\n\nنحن نتعلم معاً.\n\n> اقتباس").build_ok();
    let a = site.page("sessions/2026-03-06-a/");
    for p in a.select(".prose p") {
        assert_eq!(p.value().attr("dir"), Some("auto"));
    }
    assert_eq!(
        a.select(".prose blockquote")[0].value().attr("dir"),
        Some("auto")
    );
    assert_eq!(a.select("html")[0].value().attr("lang"), Some("en"));
}

#[test]
fn raw_html_allow_escape_and_sanitize() {
    let body = "<div class=\"box\">hi</div>\n\n<script>alert(1)</script>\n\nText <b onclick=\"x()\">bold</b>.";
    let allow = with_body(body).build_ok();
    let a = allow.page("sessions/2026-03-06-a/");
    assert_eq!(a.select(".prose script").len(), 1);

    let escape = with_body(body)
        .config("markdown:\n  raw_html: escape\n")
        .build_ok();
    let e = escape.page("sessions/2026-03-06-a/");
    assert_eq!(e.select(".prose script").len(), 0);
    assert_eq!(e.select(".prose div.box").len(), 0);
    assert!(e.text(".prose").contains("<script>alert(1)</script>"));

    let sanitize = with_body(body)
        .config("markdown:\n  raw_html: sanitize\n")
        .build_ok();
    let s = sanitize.page("sessions/2026-03-06-a/");
    assert_eq!(s.select(".prose script").len(), 0);
    assert_eq!(s.select(".prose b").len(), 1);
    assert_eq!(s.select(".prose b[onclick]").len(), 0);
    assert_eq!(
        s.select(".prose p[dir=auto]").len(),
        1,
        "sanitizing keeps cairn's own attributes"
    );
}

#[test]
fn titles_and_names_with_html_are_escaped() {
    let site = Fixture::new()
        .file("content/sessions/2026-03-06-a.md", "---\ntitle: \"<img src=x onerror=alert(1)>\"\nattendees: [\"<b>Bob</b>\"]\ntags: [\"<i>t</i>\"]\n---\n")
        .build_ok();
    for url in site.pages() {
        let p = site.page(&url);
        assert!(
            p.select("img[onerror]").is_empty(),
            "unescaped title on /{url}"
        );
        assert!(p.select("main b").is_empty(), "unescaped name on /{url}");
    }
    assert_eq!(
        site.page("sessions/2026-03-06-a/").text("h1"),
        "<img src=x onerror=alert(1)>"
    );
}
