//! `cairn serve` under load and attack, on loopback only: many clients at
//! once while notes change, slow and oversized requests, hundreds of
//! live-reload connections, every path-traversal form; and a watcher that
//! follows editors' renames, bulk changes, a vanished content folder and a
//! broken config to the same site a fresh build writes. Each test is
//! bounded in connections and time (well under 30 s).

use crate::util::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const LIVE_TAG: &str = "<script src=\"/__cairn/live.js\"></script>";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn session(i: usize, words: &str) -> String {
    format!(
        "---\ntitle: Session {i}\nattendees: [Dana Kim, Eli Noor]\ntags: [budgets, t{}]\n---\n{words}\n",
        i % 5
    )
}

fn site() -> Fixture {
    let f = Fixture::new()
        .file(
            "content/members/dana.md",
            "---\nname: Dana Kim\n---\nBio.\n",
        )
        .file("content/pages/about.md", "# About\n\nAbout us.\n")
        .file("static/notes.txt", "hello");
    for i in 0..20 {
        f.write(
            &format!("content/sessions/2026-03-{:02}-s{i}.md", i + 1),
            session(i, "We talked about budgets."),
        );
    }
    f
}

#[test]
fn many_clients_at_once_while_notes_change() {
    let f = site();
    let mut s = Server::for_site(&f);
    let rss_before = s.rss_kb();
    let paths = [
        "/",
        "/sessions/2026-03-01-s0/",
        "/cairn.css",
        "/notes.txt",
        "/feed.xml",
        "/search/manifest.json",
        "/members/dana/",
        "/no/such/page/",
    ];
    let done = AtomicBool::new(false);
    let edits = AtomicUsize::new(0);
    let slowest = Mutex::new(Duration::ZERO);
    let started = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                let n = edits.fetch_add(1, Ordering::SeqCst) + 1;
                // Saved atomically: a plain write has a moment when the
                // note is empty, and a rebuild may publish that moment.
                let tmp = f.root().join("content/sessions/.s0.tmp");
                std::fs::write(&tmp, session(0, &format!("Edit number {n}."))).unwrap();
                std::fs::rename(&tmp, f.root().join("content/sessions/2026-03-01-s0.md")).unwrap();
                std::thread::sleep(Duration::from_millis(30));
            }
        });
        let clients: Vec<_> = (0..32)
            .map(|t| {
                let (addr, slowest) = (&s.addr, &slowest);
                scope.spawn(move || {
                    for i in 0..50 {
                        let path = paths[(t + i) % paths.len()];
                        let asked = Instant::now();
                        let r = get(addr, path);
                        let took = asked.elapsed();
                        let mut max = slowest.lock().unwrap();
                        *max = (*max).max(took);
                        drop(max);
                        let want = if path.starts_with("/no/") { 404 } else { 200 };
                        assert_eq!(r.status, want, "{path}");
                        if path.ends_with('/') {
                            assert!(r.text().trim_end().ends_with("</html>"), "{path} cut");
                        }
                        if path == "/sessions/2026-03-01-s0/" {
                            let t = r.text();
                            assert!(
                                t.contains("We talked about budgets.") || t.contains("Edit number"),
                                "a page from no saved version of the note:\n{t}"
                            );
                        }
                    }
                })
            })
            .collect();
        // Stop the writer before reporting a client's failure, or the scope
        // would wait for it forever.
        let failed: Vec<_> = clients.into_iter().filter_map(|c| c.join().err()).collect();
        done.store(true, Ordering::SeqCst);
        if let Some(panic) = failed.into_iter().next() {
            std::panic::resume_unwind(panic);
        }
    });
    let took = started.elapsed();
    let slowest = *slowest.lock().unwrap();
    eprintln!(
        "1,600 requests from 32 clients in {took:?}, slowest {slowest:?}, {} edits",
        edits.load(Ordering::SeqCst)
    );
    assert!(took < Duration::from_secs(25), "{took:?}");
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
    // It ends on the last edit.
    let last = format!("Edit number {}.", edits.load(Ordering::SeqCst));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !get(&s.addr, "/sessions/2026-03-01-s0/")
        .text()
        .contains(&last)
    {
        assert!(Instant::now() < deadline, "the last edit never showed");
        std::thread::sleep(Duration::from_millis(100));
    }
    let grew = s.rss_kb().saturating_sub(rss_before);
    assert!(grew < 100_000, "RSS grew by {grew} kB");
    s.healthy();
}

#[test]
fn slow_clients_that_trickle_requests_do_not_stall_others() {
    slow_clients(Duration::from_millis(50));
}

#[test]
fn a_burst_of_slow_clients_does_not_stall_others() {
    // Failed about two runs in three when tiny_http's pool read request
    // heads itself: it hands a new connection to a pool thread it counts
    // as idle before that thread has taken its previous connection, and a
    // thread served one connection until it closed. Now cairn's guard
    // reads each head on a thread of its own.
    slow_clients(Duration::ZERO);
}

/// 20 clients, connecting `spacing` apart, send a request one byte per
/// 100 ms while a normal client keeps asking for a page.
fn slow_clients(spacing: Duration) {
    let f = site();
    let mut s = Server::for_site(&f);
    let request = b"GET /notes.txt HTTP/1.0\r\n\r\n";
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            std::thread::sleep(spacing);
            TcpStream::connect(&s.addr).unwrap()
        })
        .collect();
    let trickle = std::thread::spawn(move || {
        for b in request {
            for c in &mut slow {
                c.write_all(&[*b]).unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        slow
    });
    // About 2.7 s of trickling; a normal client keeps being answered.
    let mut answered = 0;
    while !trickle.is_finished() {
        let asked = Instant::now();
        assert_eq!(get(&s.addr, "/sessions/2026-03-01-s0/").status, 200);
        let took = asked.elapsed();
        assert!(
            took < Duration::from_secs(1),
            "request {answered} took {took:?}"
        );
        answered += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(answered >= 10, "{answered}");
    // And the slow clients get their answers once they are done.
    for mut c in trickle.join().unwrap() {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut raw = Vec::new();
        c.read_to_end(&mut raw).unwrap();
        assert_eq!(status_of(&raw), Some(200));
        assert!(raw.ends_with(b"hello"));
    }
    s.healthy();
}

#[test]
fn a_live_reload_request_with_a_withheld_body_does_not_stall_the_server() {
    let f = site();
    let mut s = Server::for_site(&f);
    for head in ["Content-Length: 100000", "Transfer-Encoding: chunked"] {
        let mut held = TcpStream::connect(&s.addr).unwrap();
        write!(
            held,
            "GET /__cairn/events HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\n"
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let raw = exchange(
            &s.addr,
            b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            Duration::from_secs(3),
        );
        assert_eq!(status_of(&raw), Some(200), "with {head} held");
        drop(held);
    }
    s.healthy();
}

#[test]
fn slow_readers_of_a_large_file_do_not_stall_the_server() {
    // Larger than loopback socket buffers can absorb (here up to 32 MB to
    // receive and 4 MB to send), so that each worker blocks on one reader;
    // 12 readers, since a few may be held by tiny_http's pool instead.
    let f = site().file("static/recording.bin", vec![7u8; 40 << 20]);
    let mut s = Server::for_site(&f);
    let readers: Vec<TcpStream> = (0..12)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            write!(c, "GET /recording.bin HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            std::thread::sleep(Duration::from_millis(50));
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let raw = exchange(
        &s.addr,
        b"GET /notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(3),
    );
    assert_eq!(status_of(&raw), Some(200));
    drop(readers);
    s.healthy();
}

/// Opens a live-reload stream; returns it with its status.
fn open_events(addr: &str) -> (BufReader<TcpStream>, u16) {
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(c, "GET /__cairn/events HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut r = BufReader::new(c);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    (r, status)
}

/// The next `data:` event's version.
fn next_version(r: &mut BufReader<TcpStream>) -> u64 {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "the stream ended");
        if let Some(data) = line.strip_prefix("data: ") {
            let v: serde_json::Value = serde_json::from_str(data).unwrap();
            return v["version"].as_u64().unwrap();
        }
    }
}

#[test]
fn hundreds_of_live_reload_connections_while_pages_load() {
    let f = site();
    let mut s = Server::for_site(&f);
    let rss_before = s.rss_kb();
    let streams: Vec<(BufReader<TcpStream>, u16)> =
        (0..300).map(|_| open_events(&s.addr)).collect();
    let held = streams.iter().filter(|(_, st)| *st == 200).count();
    let refused = streams.iter().filter(|(_, st)| *st == 503).count();
    // The documented limit: 64 streams, then 503.
    assert_eq!((held, refused), (64, 236));
    for i in 0..200 {
        let asked = Instant::now();
        let path = if i % 2 == 0 { "/" } else { "/cairn.css" };
        assert_eq!(get(&s.addr, path).status, 200);
        assert!(asked.elapsed() < Duration::from_secs(1));
    }
    // Every held stream hears about an edit.
    let mut open: Vec<BufReader<TcpStream>> = streams
        .into_iter()
        .filter(|(_, st)| *st == 200)
        .map(|(r, _)| r)
        .collect();
    let first: Vec<u64> = open.iter_mut().map(next_version).collect();
    f.write(
        "content/sessions/2026-03-01-s0.md",
        session(0, "An edit for every tab."),
    );
    for (r, v) in open.iter_mut().zip(first) {
        assert!(next_version(r) > v);
    }
    let grew = s.rss_kb().saturating_sub(rss_before);
    eprintln!("RSS grew by {grew} kB with 300 live-reload connections");
    assert!(grew < 64_000, "RSS grew by {grew} kB");
    s.healthy();
}

#[test]
fn closed_live_reload_connections_free_their_slots() {
    let f = site();
    let mut s = Server::for_site(&f);
    let streams: Vec<_> = (0..64).map(|_| open_events(&s.addr)).collect();
    assert!(streams.iter().all(|(_, st)| *st == 200));
    drop(streams);
    // A tab that navigates closes its stream and opens another.
    let closed = Instant::now();
    let deadline = closed + Duration::from_secs(3);
    loop {
        let (_, status) = open_events(&s.addr);
        if status == 200 {
            eprintln!(
                "a slot was free again {:?} after 64 streams closed",
                closed.elapsed()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "64 closed streams still hold every slot"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    s.healthy();
}

#[test]
fn huge_requests_are_answered_or_closed_never_hung() {
    let f = site();
    let mut s = Server::for_site(&f);
    let rss_before = s.rss_kb();
    let within = Duration::from_secs(10);
    let header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let many = format!(
        "GET / HTTP/1.1\r\nHost: x\r\n{}Connection: close\r\n\r\n",
        "X-A: b\r\n".repeat(100_000)
    );
    let path = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(100 << 10)
    );
    let deep = format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a/".repeat(50 << 10)
    );
    let query = format!(
        "GET /?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(100 << 10)
    );
    for (what, req) in [
        ("a 1 MB header", &header),
        ("100,000 headers", &many),
        ("a 100 KB path", &path),
        ("a 100 KB path of 51,200 segments", &deep),
        ("a 100 KB query", &query),
    ] {
        let started = Instant::now();
        let raw = exchange(&s.addr, req.as_bytes(), within);
        eprintln!("{what}: {:?} in {:?}", status_of(&raw), started.elapsed());
        if what.contains("path") {
            // No such page: an error, never a page.
            assert!(status_of(&raw).is_none_or(|st| st >= 400), "{what}");
        }
        s.healthy();
    }
    let grew = s.rss_kb().saturating_sub(rss_before);
    assert!(grew < 64_000, "RSS grew by {grew} kB");
}

#[test]
fn oversized_request_lines_and_headers_are_refused() {
    let f = site();
    let mut s = Server::for_site(&f);
    let within = Duration::from_secs(10);
    let header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let query = format!(
        "GET /?q={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(100 << 10)
    );
    for req in [&header, &query] {
        let raw = exchange(&s.addr, req.as_bytes(), within);
        let status = status_of(&raw);
        assert!(status.is_none_or(|st| st >= 400), "answered {status:?}");
    }
    // Just over the limits (16 KiB for the head, 8 KiB for the request
    // line), small enough that the answer is read before the connection
    // closes: the documented statuses. Just under them: served.
    let head = |line: usize, headers: usize| {
        format!(
            "GET /?q={} HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(line),
            "b".repeat(headers)
        )
    };
    for (line, headers, want) in [
        (8 << 10, 0, Some(414)),
        (0, 16 << 10, Some(431)),
        (4 << 10, 12 << 10, Some(431)),
        ((8 << 10) - 100, (8 << 10) - 100, Some(200)),
    ] {
        let raw = exchange(&s.addr, head(line, headers).as_bytes(), within);
        assert_eq!(
            status_of(&raw),
            want,
            "a {line} B line, {headers} B of headers"
        );
    }
    // Memory stays bounded while header bytes keep coming.
    let before = s.rss_kb();
    let chunk = vec![b'a'; 1 << 20];
    let held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
            let _ = c.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
            for _ in 0..32 {
                if c.write_all(&chunk).is_err() {
                    break; // refused: good
                }
            }
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let grew = s.rss_kb().saturating_sub(before);
    drop(held);
    eprintln!("RSS grew by {grew} kB with 4 x 32 MB of header bytes sent");
    assert!(grew < 32_000, "RSS grew by {grew} kB");
    s.healthy();
}

#[test]
fn many_idle_connections_under_a_low_open_file_limit() {
    // With 400 files it holds 36 connections (4 files each, 256 kept for
    // the rest) and refuses the others with 503. Before the guard,
    // tiny_http opened two files per connection without limit; when they
    // ran out (after 253 connections here), its accepting thread panicked
    // on `try_clone().unwrap()`, the listener closed, and every later
    // connection was refused while the process lived on.
    let f = site();
    let mut s = Server::start_with_open_files(f.root(), 400);
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(&s.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let raw = exchange(
        &s.addr,
        b"GET /notes.txt HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(
        status_of(&raw).is_none_or(|st| st == 503),
        "{:?}",
        String::from_utf8_lossy(&raw)
    );
    drop(idle);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let raw = exchange(
            &s.addr,
            b"GET /notes.txt HTTP/1.1\r\nHost: x\r\n\r\n",
            Duration::from_secs(5),
        );
        if status_of(&raw) == Some(200) {
            break;
        }
        assert!(Instant::now() < deadline, "never answered again");
        std::thread::sleep(Duration::from_millis(100));
    }
    s.healthy();
}

#[test]
fn no_path_traversal_form_reaches_outside_the_site() {
    // The site lives in site/; beside it, a file no answer may contain.
    let f = Fixture::new();
    let site = f.root().join("site");
    let beside = "MARKER-BESIDE-THE-SITE-5b1e";
    let root_only = "MARKER-SITE-ROOT-NOT-PUBLISHED-77c0";
    let config = "MARKER-CONFIG-COMMENT-0d3a";
    f.write("marker.txt", beside);
    f.write("site/cairn.yaml", format!("# {config}\n{CONFIG}"));
    f.write("site/private-notes.txt", root_only);
    f.write(
        "site/content/sessions/2026-03-01-a.md",
        "---\ntitle: A\n---\nHello.\n",
    );
    f.write("site/static/notes.txt", "hello");
    let outside = f.root().join("marker.txt");
    std::os::unix::fs::symlink(&outside, site.join("static/leak.txt")).unwrap();
    std::os::unix::fs::symlink(f.root(), site.join("static/up")).unwrap();
    let mut s = Server::start(&site, &[]);
    assert_eq!(get(&s.addr, "/notes.txt").text(), "hello");
    let abs = outside.to_string_lossy().into_owned();
    let targets: Vec<String> = [
        "/../marker.txt",
        "/../../marker.txt",
        "/static/../../marker.txt",
        "/%2e%2e/marker.txt",
        "/%2E%2E/marker.txt",
        "/%2E%2E%2fmarker.txt",
        "/%2e%2e%2F%2e%2e%2Fmarker.txt",
        "/.%2e/marker.txt",
        "/%2e./marker.txt",
        "/..%2fmarker.txt",
        "/..%5cmarker.txt",
        "/..%5C..%5Cmarker.txt",
        "/..\\marker.txt",
        "\\..\\marker.txt",
        "/static\\..\\..\\marker.txt",
        "/%252e%252e/marker.txt",
        "/..;/marker.txt",
        "/....//marker.txt",
        "/%c0%ae%c0%ae/marker.txt",
        "/%c0%2e%c0%2e/marker.txt",
        "/%e0%80%ae%e0%80%ae/marker.txt",
        "/%c0%af..%c0%afmarker.txt",
        "/marker.txt%00.html",
        "/%00/../marker.txt",
        "/..%00/marker.txt",
        "//etc/passwd",
        "/etc/passwd",
        "/../../../../../../etc/passwd",
        "/private-notes.txt",
        "/cairn.yaml",
        "/content/sessions/2026-03-01-a.md",
        "/leak.txt",
        "/static/leak.txt",
        "/up/marker.txt",
        "/up/site/private-notes.txt",
        "/C:/marker.txt",
        "/file:/etc/passwd",
        "../marker.txt",
        "marker.txt",
        "*",
        "http://localhost/../marker.txt",
        "file:///etc/passwd",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        abs.clone(),
        format!("/{abs}"),
        format!("/..{abs}"),
        format!("http://localhost{abs}"),
    ])
    .collect();
    for target in &targets {
        for method in ["GET", "HEAD"] {
            let raw = exchange(
                &s.addr,
                format!(
                    "{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                )
                .as_bytes(),
                Duration::from_secs(10),
            );
            for marker in [beside, root_only, config, "root:x:0:0"] {
                assert!(!contains(&raw, marker), "{method} {target} leaked {marker}");
            }
            if let Some(status) = status_of(&raw) {
                assert!(
                    status >= 400,
                    "{method} {target}: {status} for a path outside the site"
                );
            }
        }
    }
    s.healthy();
}

/// Builds the site afresh with serve's base URL and waits until every file
/// of that build is served with the same bytes (less the live-reload
/// script) and every path in `gone` is a 404.
#[track_caller]
fn settles_on_a_fresh_build(f: &Fixture, s: &Server, gone: &[&str]) {
    let run = f.cairn(&["build", "--base-url", &format!("http://{}/", s.addr)]);
    assert_eq!(run.code, 0, "fresh build:\n{}", run.stderr);
    let built = snapshot(&f.root().join("public"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut differ = Vec::new();
        for (path, bytes) in &built {
            if path == ".cairn-output" {
                continue;
            }
            let url = format!("/{}", path.strip_suffix("index.html").unwrap_or(path));
            let r = get(&s.addr, &url);
            let served = if path.ends_with(".html") {
                r.text().replace(LIVE_TAG, "").into_bytes()
            } else {
                r.body
            };
            if r.status != 200 || &served != bytes {
                differ.push(url);
            }
        }
        for url in gone {
            if get(&s.addr, url).status != 404 {
                differ.push(format!("{url} (should be gone)"));
            }
        }
        if differ.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "after 20 s, {} paths still differ from a fresh build, such as {:?}\nserver log:\n{}",
            differ.len(),
            &differ[..differ.len().min(8)],
            s.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn saves_by_rename_are_seen() {
    let f = site();
    let mut s = Server::for_site(&f);
    let note = f.root().join("content/sessions/2026-03-01-s0.md");
    let dir = note.parent().unwrap().to_path_buf();
    // An atomic save: a hidden temporary file renamed over the note.
    std::fs::write(
        dir.join(".2026-03-01-s0.md.tmp"),
        session(0, "Saved atomically."),
    )
    .unwrap();
    std::fs::rename(dir.join(".2026-03-01-s0.md.tmp"), &note).unwrap();
    settles_on_a_fresh_build(&f, &s, &[]);
    assert!(
        get(&s.addr, "/sessions/2026-03-01-s0/")
            .text()
            .contains("Saved atomically.")
    );
    // Vim with a backup: the note moves aside, a new one is written, the
    // backup is deleted.
    std::fs::rename(&note, dir.join("2026-03-01-s0.md~")).unwrap();
    std::fs::write(&note, session(0, "Saved by vim.")).unwrap();
    std::fs::remove_file(dir.join("2026-03-01-s0.md~")).unwrap();
    settles_on_a_fresh_build(&f, &s, &[]);
    assert!(
        get(&s.addr, "/sessions/2026-03-01-s0/")
            .text()
            .contains("Saved by vim.")
    );
    // JetBrains: write a temporary file, move the note aside, move the
    // temporary file in, delete the old one.
    let tmp = dir.join("2026-03-01-s0.md___jb_tmp___");
    let old = dir.join("2026-03-01-s0.md___jb_old___");
    std::fs::write(&tmp, session(0, "Saved by JetBrains.")).unwrap();
    std::fs::rename(&note, &old).unwrap();
    std::fs::rename(&tmp, &note).unwrap();
    std::fs::remove_file(&old).unwrap();
    settles_on_a_fresh_build(&f, &s, &[]);
    assert!(
        get(&s.addr, "/sessions/2026-03-01-s0/")
            .text()
            .contains("Saved by JetBrains.")
    );
    s.healthy();
}

#[test]
fn a_bulk_change_of_300_files_is_followed() {
    let f = site();
    let mut s = Server::for_site(&f);
    // As a `git checkout` of another branch: 300 notes added, the existing
    // ones rewritten, two deleted, all at once.
    for i in 0..300 {
        f.write(
            &format!(
                "content/sessions/2025/2025-{:02}-{:02}-b{i}.md",
                i % 12 + 1,
                i % 28 + 1
            ),
            session(i, "From the other branch."),
        );
    }
    for i in 2..20 {
        f.write(
            &format!("content/sessions/2026-03-{:02}-s{i}.md", i + 1),
            session(i, "Rewritten on the other branch."),
        );
    }
    for i in 0..2 {
        std::fs::remove_file(
            f.root()
                .join(format!("content/sessions/2026-03-{:02}-s{i}.md", i + 1)),
        )
        .unwrap();
    }
    settles_on_a_fresh_build(
        &f,
        &s,
        &["/sessions/2026-03-01-s0/", "/sessions/2026-03-02-s1/"],
    );
    s.healthy();
}

/// The notes of the re-created content folder.
fn new_notes(f: &Fixture, under: &str) {
    f.write(
        &format!("{under}/members/eli.md"),
        "---\nname: Eli Noor\n---\nBio.\n",
    );
    for i in 0..10 {
        f.write(
            &format!("{under}/sessions/2026-05-{:02}-n{i}.md", i + 1),
            session(i, "Back again."),
        );
    }
}

const OLD_PAGES: [&str; 2] = ["/sessions/2026-03-01-s0/", "/members/dana/"];

#[test]
fn the_content_folder_deleted_and_created_again() {
    let f = site();
    let mut s = Server::for_site(&f);
    std::fs::remove_dir_all(f.root().join("content")).unwrap();
    settles_on_a_fresh_build(&f, &s, &OLD_PAGES);
    // Created again a folder at a time, as a person would.
    for dir in ["content", "content/sessions", "content/members"] {
        std::fs::create_dir(f.root().join(dir)).unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }
    new_notes(&f, "content");
    settles_on_a_fresh_build(&f, &s, &OLD_PAGES);
    assert_eq!(get(&s.addr, "/sessions/2026-05-01-n0/").status, 200);
    s.healthy();
}

#[test]
fn a_content_folder_that_reappears_at_once_is_seen() {
    // Writing the folder and its notes at once fails about one run in five
    // (the notes exist before notify watches the new folders); moving a
    // ready folder in fails every time: the one event is for `content`,
    // which is not itself a content folder.
    let f = site();
    let mut s = Server::for_site(&f);
    std::fs::remove_dir_all(f.root().join("content")).unwrap();
    settles_on_a_fresh_build(&f, &s, &OLD_PAGES);
    new_notes(&f, ".restored");
    std::fs::rename(f.root().join(".restored"), f.root().join("content")).unwrap();
    settles_on_a_fresh_build(&f, &s, &OLD_PAGES);
    s.healthy();
}

#[test]
fn a_config_that_breaks_and_is_fixed() {
    let f = site();
    let mut s = Server::for_site(&f);
    let before = get(&s.addr, "/").text();
    f.write("cairn.yaml", "title: [unclosed\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s
        .log
        .lock()
        .unwrap()
        .to_lowercase()
        .contains("keeping the previous configuration")
    {
        assert!(Instant::now() < deadline, "the bad config went unnoticed");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Still up, still the last good site, and the browser's overlay says
    // what is wrong.
    assert_eq!(get(&s.addr, "/").text(), before);
    let status = get(&s.addr, "/__cairn/status").text();
    assert!(status.contains("cairn.yaml"), "{status}");
    assert_eq!(f.build().code, 2);
    f.write(
        "cairn.yaml",
        CONFIG.replace("Test Circle", "Renamed Circle"),
    );
    settles_on_a_fresh_build(&f, &s, &[]);
    assert!(get(&s.addr, "/").text().contains("Renamed Circle"));
    s.healthy();
}
