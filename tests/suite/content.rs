//! Loading notes: front matter forms, fallbacks, and every error with its
//! file, line and column.

use crate::util::*;

#[test]
fn bom_crlf_dots_and_no_front_matter_all_load() {
    let site = Fixture::new()
        .file(
            "content/sessions/2026-03-06-bom.md",
            "\u{feff}---\r\ntitle: With BOM\r\ndate: 2026-03-06\r\n...\r\nBody.\r\n",
        )
        .file(
            "content/sessions/2026-03-07-plain-note.md",
            "# Heading Title\n\nFirst paragraph here.\n\nSecond.\n",
        )
        .file("content/sessions/2026-03-08-bare.md", "Just text.\n")
        .build_ok();
    assert_eq!(site.page("sessions/2026-03-06-bom/").text("h1"), "With BOM");
    let plain = site.page("sessions/2026-03-07-plain-note/");
    // Title from the first heading, which is not repeated in the body.
    assert_eq!(plain.text("h1"), "Heading Title");
    assert_eq!(plain.select("h1").len(), 1);
    assert_eq!(plain.text("time"), "Saturday 7 March 2026");
    // Title from the file name, date from its prefix.
    assert_eq!(site.page("sessions/2026-03-08-bare/").text("h1"), "Bare");
}

#[test]
fn summary_falls_back_to_the_first_paragraph() {
    let site = Fixture::new()
        .file(
            "content/sessions/2026-03-07-a.md",
            "---\ntitle: A\n---\n## Agenda\n\nWe talked about *budgets* for learning.\n\nMore.\n",
        )
        .file(
            "content/sessions/2026-03-08-b.md",
            "---\ntitle: B\nsummary: Set by hand.\n---\nIgnored paragraph.\n",
        )
        .build_ok();
    let list = site.page("sessions/");
    let summaries = list.texts(".card-summary");
    assert!(
        summaries.contains(&"We talked about budgets for learning.".to_string()),
        "{summaries:?}"
    );
    assert!(
        summaries.contains(&"Set by hand.".to_string()),
        "{summaries:?}"
    );
}

#[test]
fn date_times_show_in_the_site_time_zone() {
    let site = Fixture::new()
        .file(
            "content/sessions/a.md",
            "---\ntitle: A\ndate: 2026-03-06T23:30:00Z\nduration: 90m\n---\n",
        )
        .file(
            "content/sessions/b.md",
            "---\ntitle: B\ndate: 2026-07-06 18:30\nend: 2026-07-06T20:00:00-04:00\n---\n",
        )
        .build_ok();
    let a = site.page("sessions/a/");
    assert_eq!(
        a.text(".facts dd"),
        "Friday 6 March 2026, 18:30 EST – 20:00"
    );
    let b = site.page("sessions/b/");
    assert_eq!(b.text(".facts dd"), "Monday 6 July 2026, 18:30 EDT – 20:00");
    assert_eq!(
        b.select("time")[0].value().attr("datetime"),
        Some("2026-07-06T18:30:00-04:00")
    );
}

#[test]
fn status_defaults_to_planned_in_the_future_and_held_in_the_past() {
    let site = Fixture::new()
        .file("content/sessions/2026-01-01-past.md", "x")
        .file("content/sessions/2027-01-01-future.md", "x")
        .file(
            "content/sessions/2027-02-01-off.md",
            "---\nstatus: cancelled\n---\nx",
        )
        .build_ok();
    let home = site.page("");
    assert_eq!(
        home.links("#upcoming-h ~ ul a.card-title"),
        vec!["sessions/2027-01-01-future/", "sessions/2027-02-01-off/"]
    );
    assert_eq!(
        home.links("#recent-h ~ ul a.card-title"),
        vec!["sessions/2026-01-01-past/"]
    );
    assert!(
        site.page("sessions/2027-02-01-off/")
            .text(".facts")
            .contains("Cancelled")
    );
}

#[test]
fn invalid_yaml_points_at_the_line_in_the_file() {
    Fixture::new()
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: ok\ntags: [a, b\ndate: 2026-03-06\n---\n",
        )
        .build_err()
        .says("invalid front matter")
        .says("content/sessions/2026-03-06-a.md:4:5");
}

#[test]
fn tabs_in_yaml_get_a_hint() {
    Fixture::new()
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: ok\nattendees:\n\t- a\n---\n",
        )
        .build_err()
        .says("content/sessions/2026-03-06-a.md:4:")
        .says("indent with spaces");
}

#[test]
fn unterminated_front_matter() {
    Fixture::new()
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: never closed\n\nbody\n",
        )
        .build_err()
        .says("front matter opened on line 1 is never closed")
        .says("2026-03-06-a.md:1:1");
}

#[test]
fn an_impossible_date_shows_the_value_and_its_line() {
    Fixture::new()
        .file(
            "content/sessions/a.md",
            "---\ntitle: x\ndate: 2026-02-30\n---\n",
        )
        .build_err()
        .says("`2026-02-30` is not a date: February 2026 has 28 days")
        .says("content/sessions/a.md:3:7");
}

#[test]
fn a_template_placeholder_date_is_an_error() {
    Fixture::new()
        .file(
            "content/sessions/template.md",
            "---\ndate: YYYY-MM-DD\nmembers: []\n---\n",
        )
        .build_err()
        .says("`YYYY-MM-DD` is not a date")
        .says("content/sessions/template.md:2:7");
}

#[test]
fn a_session_without_any_date_says_how_to_give_one() {
    Fixture::new()
        .file("content/sessions/notes.md", "# Notes\n")
        .build_err()
        .says("session has no date")
        .says("start the file name with the date");
}

#[test]
fn a_list_where_text_belongs_is_an_error_at_its_key() {
    Fixture::new()
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\ntitle: [a, b]\n---\n",
        )
        .build_err()
        .says("`title`: expected a single value")
        .says("2026-03-06-a.md:2:1");
}

#[test]
fn non_utf8_and_utf16_files_are_errors_not_panics() {
    let f = Fixture::new()
        .file(
            "content/sessions/2026-03-06-latin1.md",
            b"---\ntitle: caf\xe9\n---\n".as_slice(),
        )
        .file(
            "content/sessions/2026-03-07-utf16.md",
            b"\xff\xfe-\0-\0-\0".as_slice(),
        );
    f.build_err()
        .says("2026-03-06-latin1.md:2:11")
        .says("not valid UTF-8")
        .says("2026-03-07-utf16.md")
        .says("UTF-16");
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let run = Fixture::new()
        .file("content/sessions/a.md", "---\ndate: nope\n---\n")
        .file(
            "content/sessions/b.md",
            "---\ndate: 2026-01-01\n---\n[[nobody-here]]\n",
        )
        .file("content/members/c.md", "---\nrole: x\n---\n")
        .build_err();
    run.says("content/sessions/a.md:2:7")
        .says("content/sessions/b.md:4:1")
        .says("content/members/c.md")
        .says("member profile has no `name`")
        .says("3 errors, 0 warnings in 3 files");
}

#[test]
fn a_misspelt_key_is_a_warning_with_the_right_one() {
    let site = Fixture::new()
        .file(
            "content/sessions/2026-03-06-a.md",
            "---\natendees: [Ana]\n---\n",
        )
        .build_ok();
    assert!(
        site.stderr.contains("unknown key `atendees` is ignored"),
        "{}",
        site.stderr
    );
    assert!(
        site.stderr.contains("did you mean `attendees`?"),
        "{}",
        site.stderr
    );
}

#[test]
fn an_unsafe_slug_is_refused() {
    Fixture::new()
        .file(
            "content/pages/x.md",
            "---\ntitle: X\nslug: ../../escape\n---\n",
        )
        .build_err()
        .says("`slug: ../../escape` cannot be used in a URL")
        .says("content/pages/x.md:3:7");
}

#[test]
fn member_links_must_be_web_addresses() {
    Fixture::new()
        .file(
            "content/members/a.md",
            "---\nname: A\nlinks:\n  site: javascript:alert(1)\n---\n",
        )
        .build_err()
        .says("will not publish")
        .says("content/members/a.md:4:9");
}

#[test]
fn ignore_globs_skip_files() {
    let site = Fixture::new()
        .config("paths:\n  ignore: [\"**/template.md\"]\n")
        .file(
            "content/sessions/template.md",
            "---\ndate: YYYY-MM-DD\n---\n",
        )
        .file("content/sessions/2026-01-01-real.md", "x")
        .build_ok();
    assert!(site.exists("sessions/2026-01-01-real/"));
    assert!(!site.exists("sessions/template/"));
}
