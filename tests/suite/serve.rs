//! `cairn serve` on a real loopback port, driven by a plain HTTP client.

use crate::util::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Live-reload events, as the browser's EventSource sees them.
struct Events(BufReader<TcpStream>);

impl Events {
    fn open(s: &Server) -> Events {
        let mut c = TcpStream::connect(&s.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        write!(c, "GET /__cairn/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut r = BufReader::new(c);
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "{line}");
        Events(r)
    }

    fn next(&mut self) -> serde_json::Value {
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            assert!(
                Instant::now() < deadline,
                "no live-reload event within 20 s"
            );
            line.clear();
            self.0.read_line(&mut line).expect("an event in time");
            if let Some(data) = line.strip_prefix("data: ") {
                return serde_json::from_str(data).unwrap();
            }
        }
    }
}

const LIVE_TAG: &str = "<script src=\"/__cairn/live.js\"></script>";

fn site() -> Fixture {
    Fixture::new()
        .file("content/members/dana.md", "---\nname: Dana Kim\n---\nBio.\n")
        .file("content/sessions/2026-03-06-a.md", "---\ntitle: First\nattendees: [Dana Kim]\ntags: [budgets]\n---\nWe talked about budgets.\n")
        .file("content/pages/about.md", "# About\n\nAbout us.\n")
        .file("static/notes.txt", "hello")
}

#[test]
fn served_pages_equal_a_fresh_build_with_the_same_base_url() {
    let f = site();
    let s = Server::for_site(&f);
    let run = f.cairn(&["build", "--base-url", &format!("http://{}/", s.addr)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let built = Built::at(f.root().join("public"));
    for path in [
        "index.html",
        "sessions/2026-03-06-a/index.html",
        "members/dana/index.html",
        "topics/budgets/index.html",
        "feed.xml",
        "calendar.ics",
        "sitemap.xml",
        "cairn.css",
        "notes.txt",
    ] {
        let url = format!("/{}", path.strip_suffix("index.html").unwrap_or(path));
        let reply = get(&s.addr, &url);
        assert_eq!(reply.status, 200, "{url}");
        let served = reply.text().replace(LIVE_TAG, "");
        assert_eq!(served, built.read(path), "{url} differs from the build");
        if path.ends_with(".html") {
            assert!(reply.text().contains(LIVE_TAG), "{url} has no live reload");
            assert!(
                !built.read(path).contains("__cairn"),
                "build output has serve's script"
            );
        }
    }
}

#[test]
fn content_types_head_404_and_redirects() {
    let f = site();
    let s = Server::for_site(&f);
    assert!(
        get(&s.addr, "/calendar.ics")
            .headers
            .contains("text/calendar")
    );
    assert!(
        get(&s.addr, "/feed.xml")
            .headers
            .contains("application/xml")
    );
    let missing = get(&s.addr, "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Page not found"));
    let r = get(&s.addr, "/sessions");
    assert_eq!(r.status, 301);
    assert!(r.headers.contains("Location: /sessions/"));
    let mut c = TcpStream::connect(&s.addr).unwrap();
    write!(c, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    c.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"));
    assert!(raw.ends_with("\r\n\r\n"), "HEAD with a body: {raw}");
    // It never writes into the site.
    assert!(!f.root().join("public").exists());
}

#[test]
fn nothing_outside_the_site_is_served() {
    let f = site();
    std::os::unix::fs::symlink("/etc/passwd", f.root().join("static/passwd")).unwrap();
    let s = Server::for_site(&f);
    for path in [
        "/../cairn.yaml",
        "/%2e%2e/cairn.yaml",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/..%5c..%5ccairn.yaml",
        "/static/..\\cairn.yaml",
        "/a%00b",
        "/cairn.yaml",
        "/content/sessions/2026-03-06-a.md",
        "//etc/passwd",
        "/passwd",
    ] {
        let r = get(&s.addr, path);
        assert!([400, 403, 404].contains(&r.status), "{path}: {}", r.status);
        let body = r.text();
        assert!(
            !body.contains("base_url") && !body.contains("root:"),
            "{path} leaked: {body}"
        );
    }
}

#[test]
fn an_edit_reloads_a_break_shows_the_error_and_a_fix_clears_it() {
    let f = site();
    let s = Server::for_site(&f);
    let mut ev = Events::open(&s);
    let first = ev.next();
    assert!(first["error"].is_null());

    f.write(
        "content/sessions/2026-03-06-a.md",
        "---\ntitle: First\nattendees: [Dana Kim]\n---\nWe talked about mailing lists.\n",
    );
    let started = Instant::now();
    let changed = ev.next();
    assert!(changed["version"].as_u64() > first["version"].as_u64());
    let list: Vec<&str> = changed["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        list.contains(&"sessions/2026-03-06-a/index.html"),
        "{list:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        get(&s.addr, "/sessions/2026-03-06-a/")
            .text()
            .contains("mailing lists")
    );

    f.write(
        "content/sessions/2026-03-06-a.md",
        "---\ntitle: [First\n---\nBroken.\n",
    );
    let broken = ev.next();
    let error = broken["error"].as_str().expect("an error");
    assert!(
        error.contains("content/sessions/2026-03-06-a.md:3:1"),
        "{error}"
    );
    assert!(error.contains("invalid front matter"), "{error}");
    // The last good site is still served.
    assert!(
        get(&s.addr, "/sessions/2026-03-06-a/")
            .text()
            .contains("mailing lists")
    );
    assert!(
        get(&s.addr, "/__cairn/status")
            .text()
            .contains("invalid front matter")
    );

    f.write(
        "content/sessions/2026-03-06-a.md",
        "---\ntitle: First\n---\nFixed again.\n",
    );
    let fixed = ev.next();
    assert!(fixed["error"].is_null());
    assert!(
        get(&s.addr, "/sessions/2026-03-06-a/")
            .text()
            .contains("Fixed again.")
    );
}

#[test]
fn editor_temporary_files_do_not_trigger_rebuilds() {
    let f = site();
    let s = Server::for_site(&f);
    let mut ev = Events::open(&s);
    let first = ev.next();
    f.write("content/sessions/.2026-03-06-a.md.swp", "junk");
    f.write("content/sessions/2026-03-06-a.md~", "junk");
    f.write("content/sessions/4913", "");
    // A real change afterwards is the next event: nothing came before it.
    std::thread::sleep(Duration::from_millis(300));
    f.write("content/pages/about.md", "# About\n\nChanged.\n");
    let next = ev.next();
    assert_eq!(
        next["version"].as_u64().unwrap(),
        first["version"].as_u64().unwrap() + 1
    );
}

/// Like a browser: opens several connections at once, sends one request on
/// each, and keeps a connection open after its response unless the server
/// said `Connection: close` (then it closes it, as browsers do).
/// When tiny_http took connections itself, it gave each a pool thread for
/// its whole life, and its pool could queue a connection behind busy ones
/// when several arrived together; with kept-alive idle connections a
/// request then waited for ever (seen in Chromium as search results that
/// never came).
#[test]
fn bursts_of_browser_like_connections_are_all_answered() {
    let f = site();
    let s = Server::for_site(&f);
    let mut kept = Vec::new();
    for round in 0..15 {
        let started = Instant::now();
        let workers: Vec<_> = (0..6)
            .map(|i| {
                let addr = s.addr.clone();
                std::thread::spawn(move || {
                    let mut c = TcpStream::connect(&addr).unwrap();
                    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let path = ["/", "/cairn.css", "/search/manifest.json", "/sessions/"][i % 4];
                    write!(
                        c,
                        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n"
                    )
                    .unwrap();
                    let mut raw = Vec::new();
                    let mut buf = [0u8; 65536];
                    // Read the head and the body it announces.
                    loop {
                        let n = c.read(&mut buf).unwrap_or_else(|e| {
                            panic!("round {round}: {path} was not answered: {e}")
                        });
                        assert!(n > 0, "round {round}: {path}: connection closed early");
                        raw.extend_from_slice(&buf[..n]);
                        if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .map_or(0, |v| v.trim().parse().unwrap());
                            if raw.len() >= end + 4 + len {
                                let close = head.contains("connection: close");
                                return (!close).then_some(c);
                            }
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            kept.extend(w.join().unwrap());
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "round {round} took {:?}",
            started.elapsed()
        );
    }
    assert!(
        kept.is_empty(),
        "every response tells the browser to close the connection"
    );
}
