//! An existing notes repository, as it is: folders per year, display names
//! under keys of its own, no profiles, and a template with placeholders.

use crate::util::*;

fn notes_repo() -> Fixture {
    let f = Fixture::new().file(
        "cairn.yaml",
        "title: Our meetings\nbase_url: https://example.org/notes/\ntimezone: Europe/Berlin\npaths:\n  sessions: meetings\n  ignore: [\"**/template.md\"]\nfields:\n  attendees: [members, other_attendees]\n",
    );
    f.write("README.md", "# Meeting notes\n\nNot a note.\n");
    f.write(
        "meetings/template.md",
        "---\ntitle: Meeting title\ndate: YYYY-MM-DD\nmembers:\n  - Name Surname\nother_attendees: []\n---\n\n## Agenda\n",
    );
    f.write(
        "meetings/2025/2025-11-04-kickoff.md",
        "---\ntitle: Kickoff\ndate: 2025-11-04\nmembers:\n  - Greta Holm\n  - Jonas Weber\nother_attendees:\n  - Amal Saidi\n---\n\n## Agenda\n\n- Hello\n",
    );
    f.write(
        "meetings/2026/2026-01-13-planning.md",
        "---\ntitle: Planning\ndate: 2026-01-13\nmembers: [Greta Holm, jonas weber]\n---\nWe planned. See [the kickoff](../2025/2025-11-04-kickoff.md).\n",
    );
    f.write(
        "meetings/2026/2026-02-10-retro.md",
        "# Retro\n\nNo front matter at all.\n",
    );
    f
}

#[test]
fn an_existing_repository_gives_a_full_site() {
    let site = notes_repo().build_ok();
    for s in [
        "2025-11-04-kickoff",
        "2026-01-13-planning",
        "2026-02-10-retro",
    ] {
        assert!(site.exists(&format!("sessions/{s}/")), "{s}");
    }
    assert!(!site.exists("sessions/template/"));
    assert!(!site.exists("sessions/readme/"));
    let greta = site.page("members/greta-holm/");
    assert_eq!(greta.text("h1"), "Greta Holm");
    assert!(greta.links_to("sessions/2025-11-04-kickoff/"));
    assert!(greta.links_to("sessions/2026-01-13-planning/"));
    let amal = site
        .page("sessions/2025-11-04-kickoff/")
        .follow("a.attendee:is([href*=amal])");
    assert_eq!(amal.text("h1"), "Amal Saidi");
    let planning = site.page("sessions/2026-01-13-planning/");
    assert_eq!(
        planning.links(".prose a"),
        vec!["sessions/2025-11-04-kickoff/"]
    );
    assert!(site.broken_links().is_empty(), "{:?}", site.broken_links());
}

#[test]
fn the_template_placeholder_is_a_clear_error_when_not_ignored() {
    let f = notes_repo();
    f.write(
        "cairn.yaml",
        "title: Our meetings\npaths:\n  sessions: meetings\nfields:\n  attendees: [members, other_attendees]\n",
    );
    f.build_err()
        .says("meetings/template.md:3:7")
        .says("`YYYY-MM-DD` is not a date");
}
