//! A rebuild keeps the session pages whose inputs did not change
//! (`src/reuse.rs`) instead of rendering them again. Whatever happened
//! between two builds, the output must be exactly what a build from
//! nothing gives (the site held in memory, which never uses the cache).

use crate::streamed::{NOW, assert_same, in_memory, in_memory_with, options, tricky};
use crate::util::*;
use std::path::Path;

/// Builds into `root/public` over what is there; returns how many session
/// pages were kept, after checking every file against a build from nothing.
#[track_caller]
fn rebuild_matches(root: &Path, step: &str) -> usize {
    rebuild_counts(root, step).0
}

/// [`rebuild_matches`], with how many member and topic pages were kept too.
#[track_caller]
fn rebuild_counts(root: &Path, step: &str) -> (usize, usize, usize) {
    let config = cairn::config::Config::load(root).unwrap();
    let out = root.join("public");
    let (w, diags, err) = cairn::build::build_to(&config, &options(), &out);
    assert!(err.is_none(), "{step}: {err:?}");
    assert!(!diags.has_errors(), "{step}: {:?}", diags.sorted());
    let mut disk = snapshot(&out);
    disk.remove(".cairn-output");
    assert_same(&disk, &in_memory(root), step);
    (w.kept, w.members_kept, w.topics_kept)
}

/// Builds into `root/public` as it is at `now` (seconds), over what is
/// there; checks every file against a build from nothing at that moment,
/// and returns how many session notes were taken from the last build
/// instead of being read (`src/content/kept.rs`).
#[track_caller]
fn rebuild_notes_at(root: &Path, now: i64, step: &str) -> usize {
    let config = cairn::config::Config::load(root).unwrap();
    let opts = cairn::build::BuildOptions {
        now: chrono::DateTime::from_timestamp(now, 0).unwrap(),
        ..options()
    };
    let (w, diags, err) = cairn::build::build_to(&config, &opts, &root.join("public"));
    assert!(err.is_none(), "{step}: {err:?}");
    assert!(!diags.has_errors(), "{step}: {:?}", diags.sorted());
    let mut disk = snapshot(&root.join("public"));
    disk.remove(".cairn-output");
    assert_same(&disk, &in_memory_with(root, &opts), step);
    w.notes_kept
}

/// [`rebuild_notes_at`] at the tests' usual moment.
#[track_caller]
fn rebuild_notes(root: &Path, step: &str) -> usize {
    rebuild_notes_at(root, NOW, step)
}

/// The number of member pages a build writes.
fn member_pages(root: &Path) -> usize {
    pages_in(root, "members/")
}

/// The number of pages one folder down in `section` (`members/`).
fn pages_in(root: &Path, section: &str) -> usize {
    snapshot(&root.join("public"))
        .keys()
        .filter(|k| k.starts_with(section) && k.matches('/').count() == 2)
        .count()
}

/// `tricky()` and a few more sessions, people and links between them.
fn site() -> Fixture {
    let f = tricky().file(
        "content/members/sam-o.md",
        "---\nname: Sam Okafor\nrole: facilitator\n---\nSam hosts the open calls.\n",
    );
    for n in 1..=8 {
        let links = match n % 3 {
            0 => "We went back to [[2026-03-06-intro]].".to_string(),
            1 => format!(
                "Follows [the one before](2026-02-0{}-week.md).",
                n.max(2) - 1
            ),
            _ => "Nothing to link.".to_string(),
        };
        f.write(
            &format!("content/sessions/2026/2026-02-0{n}-week.md"),
            session(
                &format!("2026-02-0{n}T10:00:00Z"),
                &format!("title: Week {n}\ncommunity: tech\nattendees: [sam-o, dana-kim]\ntags: [week, t{n}]\n"),
                &format!("Week {n} notes by [[sam-o]]. {links}\n\n## Agreed\n\n- [ ] @sam-o book the room (due 2026-03-0{n})\n"),
            ),
        );
    }
    f
}

fn sessions_in(root: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(root.join("content/sessions"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

/// Edits a note's text with `f`.
fn edit(root: &Path, path: &str, f: impl FnOnce(&str) -> String) {
    let p = root.join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, f(&text)).unwrap();
}

/// Adds `line` to the front matter, or takes it out if it is there.
fn toggle_front(text: &str, line: &str) -> String {
    if text.contains(line) {
        text.replacen(line, "", 1)
    } else {
        text.replacen("---\n", &format!("---\n{line}"), 1)
    }
}

#[test]
fn an_unchanged_rebuild_keeps_every_session_page_and_an_edit_only_its_own() {
    let f = site();
    let root = f.root();
    let n = sessions_in(root).len();
    assert_eq!(rebuild_matches(root, "first build"), 0);
    // The first build wrote the pages of Intro and Reference twice: their
    // backlinks came from links the guess got wrong (in code, by
    // reference), so they have no key. The next build renders them (and
    // Reference, still guessed, has Intro written twice again); from then
    // on every session's links are known and every page is kept.
    let kept: Vec<usize> = (1..=4)
        .map(|k| rebuild_matches(root, &format!("nothing changed ({k})")))
        .collect();
    assert_eq!(kept, [n - 2, n - 1, n, n]);
    edit(root, "content/sessions/2026/2026-02-05-week.md", |t| {
        format!("{t}\nOne more thing we agreed on.\n")
    });
    assert_eq!(rebuild_matches(root, "one body edited"), n - 1);
    // This week's note: only the pages that gain it change, as their
    // "next" (Reference, the latest of the circle) or as a backlink (the
    // two weeks it names). Every other body asked the same of the site and
    // got the same answers.
    f.write(
        "content/sessions/2026/2026-11-01-latest.md",
        session(
            "2026-11-01",
            "title: Latest\ncommunity: tech\nattendees: [sam-o]\n",
            "Back to [[2026-02-01-week]] and [[Week 2]].\n",
        ),
    );
    assert_eq!(rebuild_matches(root, "a new note"), n - 3);
    let n = n + 1;
    assert_eq!(rebuild_matches(root, "nothing changed after it"), n);
    // A title that a body shows as a link's label: that body, the page
    // itself, and the pages that show it as a neighbour or a backlink.
    edit(root, "content/sessions/2026/2026-02-01-week.md", |t| {
        t.replace("title: Week 1", "title: Week one")
    });
    rebuild_matches(root, "a linked title changed");
    let latest = Built::at(root.join("public")).page("sessions/2026-11-01-latest/");
    assert!(latest.text(".prose").contains("Back to Week one"));
    // A person's new name is on the pages of the sessions they were at.
    edit(root, "content/members/sam-o.md", |t| {
        t.replace("Sam Okafor", "Samuel Okafor")
    });
    rebuild_matches(root, "a name changed");
    let built = Built::at(root.join("public"));
    assert!(
        built
            .page("sessions/2026-02-03-week/")
            .text("body")
            .contains("Samuel Okafor")
    );
}

#[test]
fn member_pages_are_kept_unless_what_they_show_changed() {
    let f = site();
    let root = f.root();
    rebuild_matches(root, "first build");
    rebuild_matches(root, "second build");
    let members = member_pages(root);
    let topics = pages_in(root, "topics/");
    assert!(members >= 3 && topics >= 8, "{members} {topics}");
    let (_, m, t) = rebuild_counts(root, "nothing changed");
    assert_eq!((m, t), (members, topics));
    // A body edit shows on no member or topic page.
    edit(root, "content/sessions/2026/2026-02-05-week.md", |t| {
        format!("{t}\nOne more thing we agreed on.\n")
    });
    let (_, m, t) = rebuild_counts(root, "a body edited");
    assert_eq!((m, t), (members, topics));
    // A title is on the pages of the session's two topics.
    edit(root, "content/sessions/2026/2026-02-05-week.md", |t| {
        t.replacen("title: Week 5", "title: Week five", 1)
    });
    let (_, _, t) = rebuild_counts(root, "a title");
    assert_eq!(t, topics - 2);
    // Eli joins a week Sam and Dana were at: their three pages change (a
    // row, the people met most), nobody else's.
    edit(root, "content/sessions/2026/2026-02-05-week.md", |t| {
        t.replacen(
            "attendees: [sam-o, dana-kim]",
            "attendees: [eli-n, sam-o, dana-kim]",
            1,
        )
    });
    assert_eq!(rebuild_counts(root, "an attendee added").1, members - 3);
    // Dana's role is on Dana's page only.
    edit(root, "content/members/dana-kim.md", |t| {
        t.replacen("name: Dana Kim\n", "name: Dana Kim\nrole: host\n", 1)
    });
    assert_eq!(rebuild_counts(root, "a role").1, members - 1);
    let built = Built::at(root.join("public"));
    assert!(
        built
            .page("members/dana-kim/")
            .text("body")
            .contains("host")
    );
    // A newcomer (no profile) ahead of everyone at a week of Sam and Dana:
    // every person after them has a new number, yet only the pages of the
    // people who met them change.
    edit(root, "content/sessions/2026/2026-02-06-week.md", |t| {
        t.replacen(
            "attendees: [sam-o, dana-kim]",
            "attendees: [aaron-new, sam-o, dana-kim]",
            1,
        )
    });
    assert_eq!(rebuild_counts(root, "a newcomer").1, members - 2);
    assert_eq!(member_pages(root), members + 1);
    assert_eq!(rebuild_counts(root, "nothing changed after").1, members + 1);
}

/// A rebuild with no spare yet takes the pages it keeps from the output by
/// a second name (a hard link); no later build may write through it.
#[cfg(unix)]
#[test]
fn pages_kept_by_a_second_name_are_never_written_through() {
    use std::os::unix::fs::MetadataExt;
    let f = site();
    let root = f.root();
    rebuild_matches(root, "first build");
    rebuild_matches(root, "second build, no spare yet");
    let page = root.join("public/sessions/2026-02-02-week/index.html");
    assert_eq!(std::fs::metadata(&page).unwrap().nlink(), 2);
    let before = snapshot(&root.join("public"));
    // This page is written again into the spare, whose copy is the same
    // file as the output's, before the build fails.
    edit(root, "content/sessions/2026/2026-02-02-week.md", |t| {
        format!("{t}\nChanged after the second build.\n")
    });
    let broken = "content/sessions/2026/2026-02-09-broken.md";
    f.write(
        broken,
        session("2026-02-09", "title: Broken\n", "See [[nobody-we-know]].\n"),
    );
    f.build_err().says("nobody-we-know");
    assert_eq!(snapshot(&root.join("public")), before);
    std::fs::remove_file(root.join(broken)).unwrap();
    rebuild_matches(root, "the same edit, built");
    let built = Built::at(root.join("public"));
    assert!(
        built
            .page("sessions/2026-02-02-week/")
            .text(".prose")
            .contains("Changed after the second build")
    );
}

#[test]
fn a_page_changed_by_hand_in_the_output_is_rendered_again() {
    let f = site();
    let root = f.root();
    let n = sessions_in(root).len();
    rebuild_matches(root, "first build");
    rebuild_matches(root, "second build");
    let page = root.join("public/sessions/2026-02-02-week/index.html");
    let mut bytes = std::fs::read(&page).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    std::fs::write(&page, &bytes).unwrap();
    // Same length, one bit off. The second build kept its pages by a
    // second name for the output's files, so the spare's copy changed too
    // (its time tells): the page is rendered again, as is Reference, whose
    // links are still guessed at this point (see the test above).
    assert_eq!(rebuild_matches(root, "page changed by hand"), n - 2);
    assert_eq!(rebuild_matches(root, "nothing changed"), n);
}

#[test]
fn unchanged_session_notes_are_taken_from_the_last_build_not_read() {
    let f = site();
    let root = f.root();
    let n = sessions_in(root).len();
    assert_eq!(rebuild_notes(root, "first build"), 0);
    assert_eq!(rebuild_notes(root, "nothing changed"), n);
    let week = |i: usize| format!("content/sessions/2026/2026-02-0{i}-week.md");
    edit(root, &week(3), |t| {
        t.replace("Week 3 notes", "Week 3's notes")
    });
    assert_eq!(rebuild_notes(root, "one note edited"), n - 1);
    assert_eq!(rebuild_notes(root, "nothing changed again"), n);
    // The same length and, set back by hand, the same modification time:
    // the change time still tells.
    let file = root.join(week(4));
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    edit(root, &week(4), |t| {
        t.replace("Week 4 notes", "Week 4 NOTES")
    });
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        modified
    );
    assert_eq!(rebuild_notes(root, "same length and time"), n - 1);
    let page = std::fs::read_to_string(root.join("public/sessions/2026-02-04-week/index.html"));
    assert!(page.unwrap().contains("Week 4 NOTES"));
    // A note that comes, one that goes, one that is renamed.
    f.write(
        &week(9),
        session(
            "2026-02-09T10:00:00Z",
            "title: Week 9
",
            "New.
",
        ),
    );
    std::fs::remove_file(root.join(week(1))).unwrap();
    std::fs::rename(
        root.join(week(2)),
        root.join("content/sessions/week-two.md"),
    )
    .unwrap();
    assert_eq!(rebuild_notes(root, "added, removed, renamed"), n - 2);
    assert_eq!(rebuild_notes(root, "nothing changed at last"), n);
}

#[test]
fn a_kept_session_is_planned_or_held_as_of_each_build() {
    let f = site();
    // Three weeks after the tests' moment: planned, then held.
    f.write(
        "content/sessions/2026-06-18-later.md",
        session(
            "2026-06-18T16:00:00Z",
            "title: Later on
",
            "To come.
",
        ),
    );
    let root = f.root();
    let n = sessions_in(root).len();
    let later = NOW + 30 * 24 * 3600;
    let (then, after) = (
        in_memory_with(root, &options()),
        in_memory_with(
            root,
            &cairn::build::BuildOptions {
                now: chrono::DateTime::from_timestamp(later, 0).unwrap(),
                ..options()
            },
        ),
    );
    assert_ne!(then.get("index.html"), after.get("index.html"));
    assert_eq!(rebuild_notes_at(root, NOW, "planned"), 0);
    assert_eq!(rebuild_notes_at(root, later, "held"), n);
    assert_eq!(rebuild_notes_at(root, NOW, "planned again"), n);
}

#[test]
fn damaged_or_foreign_kept_notes_only_mean_every_note_is_read() {
    let f = site();
    let root = f.root();
    let n = sessions_in(root).len();
    rebuild_notes(root, "first build");
    let notes = root.join(".public.cairn-notes");
    assert!(notes.is_file());
    let mut bytes = std::fs::read(&notes).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(&notes, &bytes).unwrap();
    assert_eq!(rebuild_notes(root, "one byte changed"), 0);
    std::fs::remove_file(&notes).unwrap();
    assert_eq!(rebuild_notes(root, "notes removed"), 0);
    assert_eq!(rebuild_notes(root, "notes back"), n);
    // Another configuration, whatever it changes, reads every note.
    f.write("cairn.yaml", CONFIG.replace("Test Circle", "Another title"));
    assert_eq!(rebuild_notes(root, "configuration changed"), 0);
    assert_eq!(rebuild_notes(root, "and kept"), n);
}

#[test]
fn a_damaged_or_missing_cache_only_means_a_full_build() {
    let f = site();
    let root = f.root();
    rebuild_matches(root, "first build");
    let cache = root.join(".public.cairn-cache");
    assert!(cache.is_file(), "{:?}", cairn_folders(root));
    let mut bytes = std::fs::read(&cache).unwrap();
    bytes.truncate(bytes.len() - 3);
    std::fs::write(&cache, &bytes).unwrap();
    assert_eq!(rebuild_matches(root, "cache cut short"), 0);
    std::fs::remove_file(&cache).unwrap();
    assert_eq!(rebuild_matches(root, "cache removed"), 0);
    assert!(rebuild_matches(root, "cache back") > 0);
}

#[test]
fn a_failed_build_leaves_the_cache_as_it_was() {
    let f = site();
    let root = f.root();
    rebuild_matches(root, "first build");
    let cache = root.join(".public.cairn-cache");
    let before = std::fs::read(&cache).unwrap();
    // Found while the sessions are rendered, after the new cache was begun.
    edit(root, "content/sessions/2026/2026-02-03-week.md", |t| {
        format!("{t}\nSee [[nobody-we-know]].\n")
    });
    let notes = root.join(".public.cairn-notes");
    let notes_before = std::fs::read(&notes).unwrap();
    f.build_err().says("nobody-we-know");
    assert_eq!(std::fs::read(&cache).unwrap(), before);
    assert!(!root.join(".public.cairn-cache.new").exists());
    assert_eq!(std::fs::read(&notes).unwrap(), notes_before);
    assert!(!root.join(".public.cairn-notes.new").exists());
    assert!(
        cairn_folders(root)
            .iter()
            .all(|n| n == ".public.cairn-spare")
    );
}

#[test]
fn a_theme_with_its_own_session_template_keeps_nothing() {
    let f = site().file(
        "themes/mine/templates/session.html",
        "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% endblock %}",
    );
    f.write("cairn.yaml", format!("{CONFIG}theme: mine\n"));
    let root = f.root();
    rebuild_matches(root, "first build");
    assert_eq!(rebuild_matches(root, "second build"), 0);
}

/// Random edits of every kind, each followed by a rebuild that must give
/// what a build from nothing gives.
#[test]
fn rebuilds_after_random_edits_match_builds_from_nothing() {
    let f = site();
    let root = f.root();
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let mut kept = 0;
    let mut added = 0;
    rebuild_matches(root, "first build");
    let (mut members_kept, mut topics_kept) = (0, 0);
    for step in 0..64 {
        let notes = sessions_in(root);
        let pick = notes[next(notes.len())].clone();
        let what = match next(20) {
            0 => {
                edit(root, &pick, |t| {
                    format!("{t}\nStep {step}: we agreed to meet again.\n")
                });
                "body"
            }
            1 => {
                edit(root, &pick, |t| {
                    t.replacen("title: ", &format!("title: {step} "), 1)
                });
                "title"
            }
            2 => {
                edit(root, &pick, |t| {
                    if t.contains("attendees: [eli-n, ") {
                        t.replacen("attendees: [eli-n, ", "attendees: [", 1)
                    } else {
                        t.replacen("attendees: [", "attendees: [eli-n, ", 1)
                    }
                });
                "attendees"
            }
            3 => {
                edit(root, "content/members/sam-o.md", |t| {
                    t.replacen("name: Sam", &format!("name: S{step} Sam"), 1)
                });
                "a person's name"
            }
            4 => {
                added += 1;
                let target = &notes[next(notes.len())];
                let stem = Path::new(target).file_stem().unwrap().to_string_lossy();
                f.write(
                    &format!(
                        "content/sessions/2026/2026-10-{:02}-added.md",
                        added % 28 + 1
                    ),
                    session(
                        "2026-10-01",
                        &format!("title: Added {added}\nattendees: [sam-o]\n"),
                        &format!("This one mentions [[{stem}]].\n"),
                    ),
                );
                "a new session linking another"
            }
            5 => {
                let extra: Vec<&String> = notes.iter().filter(|n| n.contains("-added")).collect();
                if let Some(gone) = extra.first() {
                    std::fs::remove_file(root.join(gone)).unwrap();
                }
                "a session removed"
            }
            6 => {
                edit(root, &pick, |t| {
                    format!("{t}\n```\n[[dana-kim]] in code, step {step}\n```\n")
                });
                "a link in code (the guess is wrong)"
            }
            7 => {
                edit(root, &pick, |t| toggle_front(t, "summary: Set by hand.\n"));
                "summary"
            }
            8 => {
                if let Some(added) = notes.iter().find(|n| n.contains("-added")) {
                    edit(root, added, |t| toggle_front(t, "draft: true\n"));
                }
                "draft"
            }
            9 => {
                let page = root.join("public/sessions/2026-02-04-week/index.html");
                if page.is_file() {
                    std::fs::write(&page, format!("changed by hand {step}")).unwrap();
                }
                let spare = root.join(".public.cairn-spare/sessions/2026-02-06-week/index.html");
                if spare.is_file() {
                    std::fs::write(&spare, format!("changed by hand {step}")).unwrap();
                }
                "output and spare changed by hand"
            }
            10 => {
                edit(root, &pick, |t| {
                    let (front, _) = t.rsplit_once("---\n").unwrap();
                    format!("{front}---\n- only\n- a list {step}\n")
                });
                "a body without a paragraph"
            }
            11 => {
                let tz = ["Europe/Paris", "America/Toronto"][next(2)];
                f.write("cairn.yaml", CONFIG.replace("America/Toronto", tz));
                "time zone"
            }
            12 => {
                edit(root, "content/communities/tech.md", |t| {
                    t.replacen("name: Tech", &format!("name: {step} Tech"), 1)
                });
                "a community's name"
            }
            13 => {
                edit(root, "content/members/sam-o.md", |t| {
                    t.replacen("role: facilitator", &format!("role: facilitator {step}"), 1)
                });
                "a profile's role"
            }
            14 => {
                edit(root, &pick, |t| {
                    if t.contains("- [ ] @") {
                        t.replacen("- [ ] @", "- [x] @", 1)
                    } else {
                        t.replacen("- [x] @", "- [ ] @", 1)
                    }
                });
                "an action item done or open again"
            }
            15 => {
                edit(root, &pick, |t| {
                    t.replacen("attendees: [", &format!("attendees: [newcomer-{step}, "), 1)
                });
                "a new person ahead of others"
            }
            16 => {
                edit(root, &pick, |t| {
                    if t.contains("(due 2026-") {
                        t.replacen("(due 2026-", "(due 2036-", 1)
                    } else {
                        t.replacen("(due 2036-", "(due 2026-", 1)
                    }
                });
                "an action item's due date (overdue or not)"
            }
            17 => {
                edit(root, &pick, |t| toggle_front(t, "facilitators: [eli-n]\n"));
                "a facilitator"
            }
            18 => {
                edit(root, "content/members/dana-kim.md", |t| {
                    format!("{t}\nStep {step}: Dana wrote more.\n")
                });
                "a profile's text"
            }
            _ => "nothing",
        };
        let (sessions, members, topics) = rebuild_counts(root, &format!("step {step}: {what}"));
        kept += sessions;
        members_kept += members;
        topics_kept += topics;
    }
    assert!(
        kept > 100,
        "the rebuilds kept only {kept} session pages in all"
    );
    assert!(
        members_kept > 64,
        "the rebuilds kept only {members_kept} member pages in all"
    );
    assert!(
        topics_kept > 64,
        "the rebuilds kept only {topics_kept} topic pages in all"
    );
}

#[test]
fn the_pages_of_a_long_topic_are_kept_one_by_one() {
    // 230 sessions about `review`: three pages, newest first; five of
    // them, the oldest among them, are about `rare` too (one page).
    let f = crate::scale::long_list();
    let root = f.root();
    rebuild_matches(root, "first build");
    rebuild_matches(root, "second build");
    let built = Built::at(root.join("public"));
    assert!(built.exists("topics/review/page/3/"));
    let (_, _, t) = rebuild_counts(root, "nothing changed");
    assert_eq!(t, 4);
    // The oldest session's title is on the last page of `review` and on
    // `rare`; the first page of `review` counts the people of every
    // session, so it is made again too. The middle page is kept.
    edit(root, "content/sessions/s000.md", |t| {
        t.replacen("title: Session 0\n", "title: The very first\n", 1)
    });
    let (_, _, t) = rebuild_counts(root, "the oldest title");
    assert_eq!(t, 1);
    let built = Built::at(root.join("public"));
    assert!(
        built
            .page("topics/review/page/3/")
            .texts("ul.rows a.card-title")
            .contains(&"The very first".to_string())
    );
    // Twenty sessions fewer: one page fewer, and the page that went is
    // gone from the output.
    for i in 210..230 {
        std::fs::remove_file(root.join(format!("content/sessions/s{i:03}.md"))).unwrap();
    }
    rebuild_matches(root, "twenty sessions fewer");
    let built = Built::at(root.join("public"));
    assert!(built.exists("topics/review/page/3/"));
    for i in 110..210 {
        std::fs::remove_file(root.join(format!("content/sessions/s{i:03}.md"))).unwrap();
    }
    rebuild_matches(root, "a hundred more fewer");
    let built = Built::at(root.join("public"));
    assert!(built.exists("topics/review/page/2/"));
    assert!(!built.exists("topics/review/page/3/"));
    let (_, _, t) = rebuild_counts(root, "nothing changed after");
    assert_eq!(t, 3);
}
