//! The default theme and overrides: relative links, landmarks, headings.

use crate::util::*;

fn small_site() -> Fixture {
    Fixture::new()
        .file("content/members/dana.md", "---\nname: Dana\n---\nBio.\n")
        .file("content/communities/tech.md", "---\nname: Tech\n---\n")
        .file("content/pages/about.md", "# About\n\nText.\n")
        .file("content/sessions/2026-03-06-a.md", "---\ncommunity: tech\nattendees: [Dana, Sam]\ntags: [one]\n---\n# A\n\n## Part\n\ntext\n")
        .file("content/sessions/2027-03-06-b.md", "---\ncommunity: tech\n---\nplanned\n")
}

#[test]
fn every_link_is_relative_and_resolves() {
    let site = small_site().build_ok();
    let broken = site.broken_links();
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    for url in site.pages() {
        if url == "404.html" {
            continue;
        }
        let p = site.page(&url);
        for href in p.all_refs() {
            assert!(!href.starts_with('/'), "absolute link {href} on /{url}");
            // Calendar subscriptions need an absolute address; nothing else does.
            assert!(
                href.starts_with("webcal://") || !href.contains("example.org"),
                "base_url in a page link: {href} on /{url}"
            );
        }
    }
}

#[test]
fn pages_have_landmarks_one_h1_and_headings_in_order() {
    let site = small_site().build_ok();
    for url in site.pages() {
        let p = site.page(&url);
        assert_eq!(p.select("header.site-header").len(), 1, "/{url}");
        assert_eq!(p.select("nav[aria-label]").len().min(1), 1, "/{url}");
        assert_eq!(p.select("main#main").len(), 1, "/{url}");
        assert_eq!(p.select("footer").len(), 1, "/{url}");
        assert_eq!(p.select("a.skip-link[href='#main']").len(), 1, "/{url}");
        assert_eq!(p.select("h1").len(), 1, "one h1 on /{url}");
        let mut last = 1;
        for h in p.select("main h1, main h2, main h3, main h4, main h5, main h6") {
            let level: usize = h.value().name()[1..].parse().unwrap();
            assert!(
                level <= last + 1,
                "heading level jumps to h{level} on /{url}"
            );
            last = level;
        }
    }
}

#[test]
fn a_site_template_overrides_the_theme_file_by_file() {
    let site = small_site()
        .file("templates/page.html", "{% extends \"base.html\" %}{% block content %}<h1 class=\"custom\">{{ page.title }}</h1>{% endblock content %}")
        .build_ok();
    assert_eq!(site.page("about/").text("h1.custom"), "About");
    // Other templates still come from the default theme.
    assert_eq!(site.page("sessions/2026-03-06-a/").text("h1"), "A");
}

#[test]
fn a_broken_template_is_an_error_naming_it() {
    small_site()
        .file("templates/page.html", "{% extends \"base.html\" %}{% block content %}{{ page.title | nosuchfilter }}{% endblock content %}")
        .build_err()
        .says("templates/page.html");
}

#[test]
fn static_files_are_copied_and_the_site_wins_over_the_theme() {
    let site = small_site()
        .file("static/img/logo.svg", "<svg/>")
        .file("static/cairn.css", "/* mine */")
        .build_ok();
    assert_eq!(site.read("img/logo.svg"), "<svg/>");
    assert_eq!(site.read("cairn.css"), "/* mine */");
}

#[test]
fn language_sets_lang_and_direction() {
    let site = small_site().config("language: ar\n").build_ok();
    let home = site.page("");
    assert_eq!(home.select("html")[0].value().attr("lang"), Some("ar"));
    assert_eq!(home.select("html")[0].value().attr("dir"), Some("rtl"));
}
