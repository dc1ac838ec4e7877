//! Test harness: writes fixture sites into temporary folders, runs the real
//! `cairn` binary on them, and reads the output with an HTML parser.

use scraper::{ElementRef, Html, Selector};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc as Rc;

/// 2026-11-23T12:00:00Z: "now" for every test build.
pub const NOW: &str = "1795435200";

pub const CONFIG: &str =
    "title: Test Circle\nbase_url: https://example.org/circle/\ntimezone: America/Toronto\n";

pub struct Fixture {
    /// Shared with every [`Built`] made from it, so that the folder lives as
    /// long as anything reads it.
    pub dir: Rc<tempfile::TempDir>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts that stderr mentions `needle`, showing it otherwise.
    #[track_caller]
    pub fn says(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "expected stderr to contain {needle:?}, got:\n{}",
            self.stderr
        );
        self
    }
}

impl Fixture {
    /// An empty site with a cairn.yaml.
    pub fn new() -> Fixture {
        let f = Fixture {
            dir: Rc::new(tempfile::tempdir().expect("temp dir")),
        };
        f.write("cairn.yaml", CONFIG);
        f
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let p = self.root().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    pub fn file(self, path: &str, content: impl AsRef<[u8]>) -> Fixture {
        self.write(path, content);
        self
    }

    pub fn config(self, extra: &str) -> Fixture {
        self.write("cairn.yaml", format!("{CONFIG}{extra}"));
        self
    }

    pub fn cairn(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(args)
            .current_dir(self.root())
            .env("SOURCE_DATE_EPOCH", NOW)
            .env("NO_COLOR", "1")
            .output()
            .expect("run cairn");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn build(&self) -> Run {
        self.cairn(&["build"])
    }

    #[track_caller]
    pub fn build_ok(&self) -> Built {
        let run = self.build();
        assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
        Built {
            out: self.root().join("public"),
            stderr: run.stderr,
            _keep: Some(self.dir.clone()),
        }
    }

    /// Builds, expecting content errors (exit 1).
    #[track_caller]
    pub fn build_err(&self) -> Run {
        let run = self.build();
        assert_eq!(
            run.code, 1,
            "expected exit 1, got {}:\n{}",
            run.code, run.stderr
        );
        run
    }
}

/// A built site on disk.
pub struct Built {
    pub out: PathBuf,
    pub stderr: String,
    _keep: Option<Rc<tempfile::TempDir>>,
}

impl Built {
    pub fn at(out: PathBuf) -> Built {
        Built::with_stderr(out, String::new())
    }

    pub fn with_stderr(out: PathBuf, stderr: String) -> Built {
        Built {
            out,
            stderr,
            _keep: None,
        }
    }

    pub fn exists(&self, url: &str) -> bool {
        file_for(&self.out, url).is_some()
    }

    /// The page at `url` (relative to the site root, e.g. `sessions/x/`).
    #[track_caller]
    pub fn page(&self, url: &str) -> Page {
        let file = file_for(&self.out, url).unwrap_or_else(|| panic!("no page at /{url}"));
        let text = std::fs::read_to_string(&file).unwrap();
        Page {
            url: url.to_string(),
            html: Html::parse_document(&text),
            source: text,
            out: self.out.clone(),
        }
    }

    /// Every HTML file of the output, as URLs.
    pub fn pages(&self) -> Vec<String> {
        walkdir::WalkDir::new(&self.out)
            .into_iter()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(&self.out)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                rel.strip_suffix("index.html")
                    .map(String::from)
                    .unwrap_or(rel)
            })
            .collect()
    }

    /// Every internal link or asset of every page (but 404.html) that does
    /// not resolve to a file of the output, as "page -> href".
    pub fn broken_links(&self) -> Vec<String> {
        let mut broken = Vec::new();
        for url in self.pages() {
            if url == "404.html" {
                continue;
            }
            let page = self.page(&url);
            for href in page.all_refs() {
                if let Some(target) = page.resolve(&href)
                    && !self.exists(&target)
                {
                    broken.push(format!("/{url} -> {href}"));
                }
            }
        }
        broken
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.out.join(path)).unwrap()
    }
}

fn file_for(out: &Path, url: &str) -> Option<PathBuf> {
    let url = url.split(['#', '?']).next().unwrap_or("");
    let p = out.join(url);
    if url.is_empty() || url.ends_with('/') {
        let idx = p.join("index.html");
        return idx.is_file().then_some(idx);
    }
    p.is_file().then_some(p)
}

pub struct Page {
    pub url: String,
    pub html: Html,
    pub source: String,
    out: PathBuf,
}

pub fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("bad selector {s}: {e:?}"))
}

impl Page {
    pub fn select(&self, s: &str) -> Vec<ElementRef<'_>> {
        self.html.select(&sel(s)).collect()
    }

    /// Whitespace-normalized text of the first match.
    #[track_caller]
    pub fn text(&self, s: &str) -> String {
        let el = self
            .select(s)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {s} on /{}", self.url));
        norm(&el.text().collect::<String>())
    }

    pub fn texts(&self, s: &str) -> Vec<String> {
        self.select(s)
            .into_iter()
            .map(|e| norm(&e.text().collect::<String>()))
            .collect()
    }

    /// hrefs and srcs of links, stylesheets, images and scripts.
    pub fn all_refs(&self) -> Vec<String> {
        let mut v = Vec::new();
        for (s, attr) in [
            ("a[href]", "href"),
            ("link[href]", "href"),
            ("img[src]", "src"),
            ("script[src]", "src"),
        ] {
            for e in self.select(s) {
                v.push(e.value().attr(attr).unwrap().to_string());
            }
        }
        v
    }

    /// The site URL a relative href points to, or None for external ones.
    pub fn resolve(&self, href: &str) -> Option<String> {
        if href.contains("://")
            || href.starts_with("mailto:")
            || href.starts_with("tel:")
            || href.starts_with('#')
        {
            return None;
        }
        assert!(
            !href.starts_with('/'),
            "absolute link {href} on /{}",
            self.url
        );
        let base: Vec<&str> = {
            let mut parts: Vec<&str> = self.url.split('/').collect();
            parts.pop(); // the file name, or "" after a trailing slash
            parts
        };
        let mut parts: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        let href = href.split(['#', '?']).next().unwrap_or("");
        let segs: Vec<&str> = href.split('/').collect();
        for (i, seg) in segs.iter().enumerate() {
            match *seg {
                "." => {}
                ".." => {
                    assert!(
                        parts.pop().is_some(),
                        "link {href} on /{} climbs out of the site",
                        self.url
                    );
                }
                "" if i == segs.len() - 1 => {}
                s => parts.push(s.to_string()),
            }
        }
        let mut url = parts.join("/");
        if (href.ends_with('/') || href.is_empty() || href.ends_with("/.") || href == ".")
            && !url.is_empty()
        {
            url.push('/');
        }
        Some(url)
    }

    /// The hrefs of elements matching `s`, resolved to site URLs.
    pub fn links(&self, s: &str) -> Vec<String> {
        self.select(s)
            .into_iter()
            .filter_map(|e| e.value().attr("href"))
            .filter_map(|h| self.resolve(h))
            .collect()
    }

    pub fn links_to(&self, url: &str) -> bool {
        self.links("a[href]").iter().any(|u| u == url)
    }

    /// Follows the first link matching `s`.
    #[track_caller]
    pub fn follow(&self, s: &str) -> Page {
        let url = self
            .links(s)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no link {s} on /{}", self.url));
        Built::at(self.out.clone()).page(&url)
    }
}

pub fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub use cairn::testing::picker as xorshift;

pub fn session(date: &str, front: &str, body: &str) -> String {
    format!("---\ndate: {date}\n{front}---\n{body}\n")
}

/// The names of cairn's folders beside the output in `dir`
/// (`.<output>.cairn-…`), sorted; not its build cache (a file, kept
/// from one build to the next) but anything else.
pub fn cairn_folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.contains("cairn-") && !n.ends_with(".cairn-cache") && !n.ends_with(".cairn-notes")
        })
        .collect();
    names.sort();
    names
}

/// Every file under `dir`, by relative path, with its bytes.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A running `cairn serve`, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Everything the server printed on stderr so far.
    pub log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `cairn serve --port 0 ARGS` in `dir`, once it says where it listens.
    pub fn start(dir: &Path, args: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
        cmd.args(["serve", "--port", "0"]).args(args);
        Server::spawn(cmd, dir)
    }

    /// `cairn serve --port 0` in `dir`, allowed to open at most `files`
    /// files at once (soft and hard limit).
    pub fn start_with_open_files(dir: &Path, files: u32) -> Server {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            &format!("ulimit -n {files} && exec \"$0\" serve --port 0"),
            env!("CARGO_BIN_EXE_cairn"),
        ]);
        Server::spawn(cmd, dir)
    }

    fn spawn(mut cmd: Command, dir: &Path) -> Server {
        use std::io::BufRead;
        let mut child = cmd
            .current_dir(dir)
            .env("SOURCE_DATE_EPOCH", NOW)
            .env("NO_COLOR", "1")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start cairn serve");
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let addr = loop {
            let line = lines.next().expect("serve exited").unwrap();
            log.lock().unwrap().push_str(&line);
            if let Some(rest) = line.split(" at http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        // Keep draining stderr so the server never blocks on it.
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut log = keep.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        Server { child, addr, log }
    }

    pub fn for_site(f: &Fixture) -> Server {
        Server::start(f.root(), &[])
    }

    /// The server's resident memory, in kB.
    pub fn rss_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server is running");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS")
    }

    /// Still running, never panicked, and answering.
    #[track_caller]
    pub fn healthy(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the server exited:\n{}",
            self.log.lock().unwrap()
        );
        let log = self.log.lock().unwrap().clone();
        assert!(!log.contains("panicked"), "the server panicked:\n{log}");
        assert_eq!(get(&self.addr, "/").status, 200);
    }
}

/// Sends `request` on a fresh connection and reads until the server closes
/// it. Returns what came back (empty if the connection was closed or reset
/// without an answer); fails the test if nothing ends within `within`.
#[track_caller]
pub fn exchange(addr: &str, request: &[u8], within: std::time::Duration) -> Vec<u8> {
    use std::io::{ErrorKind, Read, Write};
    let mut c = std::net::TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(within)).unwrap();
    c.set_write_timeout(Some(within)).unwrap();
    let started = std::time::Instant::now();
    // The server may answer and close before it has read everything.
    if let Err(e) = c.write_all(request) {
        assert!(
            e.kind() != ErrorKind::WouldBlock && e.kind() != ErrorKind::TimedOut,
            "the server stopped reading a request for {within:?}"
        );
    }
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!(
                    "no end to the answer after {:?}: {:?}",
                    started.elapsed(),
                    String::from_utf8_lossy(&raw[..raw.len().min(200)])
                )
            }
            Err(_) => break, // reset
        }
    }
    raw
}

/// The status of a raw HTTP answer.
pub fn status_of(raw: &[u8]) -> Option<u16> {
    let line = raw.split(|b| *b == b'\n').next()?;
    std::str::from_utf8(line)
        .ok()?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

/// An HTTP answer, split.
pub struct Reply {
    pub status: u16,
    /// The status line and headers, as sent.
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A GET that must be answered completely (the body as long as its
/// Content-Length says) within 10 s.
#[track_caller]
pub fn get(addr: &str, path: &str) -> Reply {
    let raw = exchange(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
        std::time::Duration::from_secs(10),
    );
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("GET {path}: no answer"));
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let body = raw[split + 4..].to_vec();
    if let Some(len) = headers
        .to_ascii_lowercase()
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
    {
        assert_eq!(
            len.trim().parse::<usize>().unwrap(),
            body.len(),
            "GET {path}: a cut body"
        );
    }
    Reply {
        status: status_of(&raw).expect("a status line"),
        headers,
        body,
    }
}
