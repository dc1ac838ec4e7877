//! The site under test: a private copy of `example-site`, served by the real
//! `cairn serve`, plus a tiny HTTP client to check what the server returns.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The fixed "now" of every build, so dates and "upcoming" never drift.
pub const NOW: &str = "1795435200";

/// A copy of `example-site` (without its `public/`) in a temporary directory.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    pub fn copy_example() -> Site {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("example-site");
        let dir = tempfile::Builder::new()
            .prefix("cairn-browser-")
            .tempdir()
            .unwrap();
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(&from).unwrap();
            if rel.starts_with("public") {
                continue;
            }
            let to = dir.path().join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }
}

/// `cairn serve --port 0` on a site; killed on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT/`
    pub base: String,
    /// Everything serve wrote to stderr so far, for failure messages.
    pub log: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(site: &Site) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
            .arg("serve")
            .arg("--root")
            .arg(site.root())
            .args(["--port", "0"])
            .env("SOURCE_DATE_EPOCH", NOW)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cairn serve");
        let log = Arc::new(Mutex::new(String::new()));
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let base = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!(
                    "cairn serve exited before serving:\n{}",
                    log.lock().unwrap()
                );
            };
            log.lock().unwrap().push_str(&format!("{line}\n"));
            if line.starts_with("Serving ")
                && let Some(rest) = line.split(" at http://").nth(1)
            {
                let host = rest.split('/').next().unwrap();
                break format!("http://{host}/");
            }
        };
        let sink = log.clone();
        // Keep draining stderr so the server never blocks on it.
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Server { child, base, log }
    }

    /// The absolute URL of a site path such as `sessions/x/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

/// `GET` an absolute `http://host:port/path` URL.
pub fn http_get(url: &str) -> Reply {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut c = TcpStream::connect(host).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    read_response(&mut c).unwrap()
}

/// Reads one response: up to `Content-Length` bytes of body if the server
/// says how long it is (chromedriver keeps the connection open even when
/// asked to close it), else to the end of the stream.
pub fn read_response(c: &mut TcpStream) -> std::io::Result<Reply> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = parse_response(&raw[..split + 4]);
            if let Some(len) = head.header("content-length") {
                let len: usize = len.parse().unwrap_or(0);
                while raw.len() < split + 4 + len {
                    let n = c.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    raw.extend_from_slice(&buf[..n]);
                }
                return Ok(parse_response(&raw));
            }
            c.read_to_end(&mut raw)?;
            return Ok(parse_response(&raw));
        }
        let n = c.read(&mut buf)?;
        if n == 0 {
            return Ok(parse_response(&raw));
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

pub fn parse_response(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("an HTTP status");
    let mut reply = Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if reply
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        reply.body = unchunk(&reply.body);
    }
    reply
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = b.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&b[..end]).unwrap_or("0");
        let size = size.split(';').next().unwrap_or("0").trim();
        let len = usize::from_str_radix(size, 16).unwrap_or(0);
        if len == 0 || b.len() < end + 2 + len {
            break;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + len]);
        b = &b[(end + 4 + len).min(b.len())..];
    }
    out
}
