//! A build killed with SIGKILL at any moment leaves the previous output
//! complete and usable, and the next build cleans up after it.

use crate::util::*;
use std::process::Command;
use std::time::Instant;

fn variant(f: &Fixture, v: &str) {
    for i in 0..400 {
        f.write(
            &format!(
                "content/sessions/2026/2026-{:02}-{:02}-s{i}.md",
                i % 12 + 1,
                i % 28 + 1
            ),
            format!(
                "---\ntitle: Session {i} {v}\nattendees: [P{} Q, P{} R]\ntags: [t{}]\n---\n{}\n",
                i % 40,
                i % 13,
                i % 9,
                "Words about budgets and leadership. ".repeat(60)
            ),
        );
    }
}

fn cairn(f: &Fixture, out: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
    c.args(["build", "--output", out])
        .current_dir(f.root())
        .env("SOURCE_DATE_EPOCH", NOW)
        .stderr(std::process::Stdio::null());
    c
}

#[test]
fn a_killed_build_leaves_the_previous_output_whole() {
    let f = Fixture::new();
    variant(&f, "A");
    assert!(cairn(&f, "ref-a").status().unwrap().success());
    variant(&f, "B");
    assert!(cairn(&f, "ref-b").status().unwrap().success());
    let a = snapshot(&f.root().join("ref-a"));
    let b = snapshot(&f.root().join("ref-b"));
    assert_ne!(a, b);
    // public/ starts as A.
    variant(&f, "A");
    let started = Instant::now();
    assert!(cairn(&f, "public").status().unwrap().success());
    let took = started.elapsed();
    let mut current = "A";
    for frac in [0.05, 0.2, 0.4, 0.6, 0.75, 0.85, 0.92, 0.97, 1.0, 1.1] {
        let next = if current == "A" { "B" } else { "A" };
        variant(&f, next);
        let mut child = cairn(&f, "public").spawn().unwrap();
        std::thread::sleep(took.mul_f64(frac));
        let _ = child.kill(); // SIGKILL
        let finished = child.wait().unwrap().success();
        let now = snapshot(&f.root().join("public"));
        let is = if now == a {
            "A"
        } else if now == b {
            "B"
        } else {
            panic!(
                "after a kill at {frac} of a build, public/ is neither the old nor the new site ({} files)",
                now.len()
            );
        };
        assert!(is == current || is == next, "{is}");
        if finished {
            assert_eq!(is, next);
        }
        current = is;
    }
    // The next build succeeds and cleans every leftover.
    variant(&f, "A");
    assert!(cairn(&f, "public").status().unwrap().success());
    assert_eq!(snapshot(&f.root().join("public")), a);
    // What stays beside it is the spare alone: the site before, whole.
    let spare = f.root().join(".public.cairn-spare");
    let only_the_spare = || {
        let leftovers = cairn_folders(f.root());
        assert!(
            leftovers.iter().all(|n| n == ".public.cairn-spare"),
            "{leftovers:?}"
        );
        let kept = snapshot(&spare);
        assert!(
            kept.is_empty() || kept == a || kept == b,
            "a spare that is neither site"
        );
    };
    only_the_spare();
    // And the build after that, written over the spare, is B exactly.
    variant(&f, "B");
    assert!(cairn(&f, "public").status().unwrap().success());
    assert_eq!(snapshot(&f.root().join("public")), b);
    only_the_spare();
    assert_eq!(snapshot(&spare), a);
}
