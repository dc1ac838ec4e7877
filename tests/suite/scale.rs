//! Growth: what a build produces must grow linearly with the notes. A
//! quadratic step (every page listing every other page, a topic page
//! serializing its sessions for every pager) shows up as output that grows
//! faster than the input — measured in bytes, not seconds.

use crate::util::*;
use std::path::Path;

fn site(notes: usize) -> Fixture {
    let f = Fixture::new();
    let members = notes / 5;
    for m in 0..members {
        f.write(
            &format!("content/members/m{m}.md"),
            format!(
                "---\nname: Member {m}\ncommunities: [c{}]\n---\nBio {m}.\n",
                m % 3
            ),
        );
    }
    for c in 0..3 {
        f.write(
            &format!("content/communities/c{c}.md"),
            format!("---\nname: Circle {c}\n---\n"),
        );
    }
    for n in 0..notes {
        let people: Vec<String> = (0..8)
            .map(|k| format!("m{}", (n * 7 + k * 13) % members))
            .collect();
        f.write(
            &format!("content/sessions/{}-{:02}-{:02}-n{n}.md", 2020 + n % 7, n % 12 + 1, n % 28 + 1),
            format!(
                "---\ntitle: Note {n}\ncommunity: c{}\nattendees: [{}]\ntags: [t{}, t{}]\n---\nText about t{} with [[m{}]].\n\n- [ ] @m{} follow up\n",
                n % 3,
                people.join(", "),
                n % 20,
                (n + 3) % 20,
                n % 20,
                (n * 3) % members,
                (n * 11) % members
            ),
        );
    }
    f
}

fn bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.metadata().map_or(0, |m| m.len()))
        .sum()
}

#[test]
fn output_grows_linearly_with_the_notes() {
    let small = site(100).build_ok();
    let large = site(400).build_ok();
    let (s, l) = (bytes(&small.out), bytes(&large.out));
    let ratio = l as f64 / s as f64;
    eprintln!("output: {s} -> {l} bytes ({ratio:.2}x)");
    // Four times the notes (and people): about four times the bytes. A
    // quadratic step would give sixteen.
    assert!(
        ratio < 4.4,
        "output grew {ratio:.2}x for 4x the notes ({s} -> {l} bytes)"
    );
    assert!(large.pages().len() <= small.pages().len() * 4 + 40);
}
