//! A minimal W3C WebDriver client: chromedriver as a child process, spoken
//! to with hand-written HTTP/1.1 over a loopback `TcpStream`.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium and chromedriver, when both are installed.
pub struct Tools {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

/// Finds Chromium and chromedriver: `CAIRN_CHROMIUM` / `CAIRN_CHROMEDRIVER`
/// first, then the usual Debian places, then `PATH`. Debian's
/// `/usr/bin/chromium` is a shell launcher that adds API keys and remote
/// extensions, so the real binary behind it is preferred.
pub fn tools() -> Result<Tools, String> {
    let chromium = find(
        "CAIRN_CHROMIUM",
        &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
        &["chromium", "chromium-browser", "google-chrome"],
    )
    .ok_or("Chromium is not installed (run .ci/browser-setup)")?;
    let chromedriver = find(
        "CAIRN_CHROMEDRIVER",
        &["/usr/bin/chromedriver"],
        &["chromedriver"],
    )
    .ok_or("chromedriver is not installed (run .ci/browser-setup)")?;
    Ok(Tools {
        chromium,
        chromedriver,
    })
}

fn find(var: &str, fixed: &[&str], names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    fixed
        .iter()
        .map(PathBuf::from)
        .chain(
            names
                .iter()
                .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n))),
        )
        .find(|p| p.is_file())
}

/// A chromedriver process with one browser session; both end on drop.
pub struct Browser {
    child: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.request("DELETE", &format!("/session/{}", self.session), None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An element of the current page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Browser {
    /// Starts chromedriver on a free loopback port and a headless Chromium
    /// with a fresh profile under it.
    pub fn start(tools: &Tools) -> Browser {
        let mut child = Command::new(&tools.chromedriver)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let port = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("chromedriver exited before it was ready");
            };
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                break rest.trim_end_matches('.').trim().parse::<u16>().unwrap();
            }
        };
        std::thread::spawn(move || for _ in lines {});
        let profile = tempfile::Builder::new()
            .prefix("cairn-chromium-")
            .tempdir()
            .unwrap();
        let mut browser = Browser {
            child,
            port,
            session: String::new(),
            _profile: profile,
        };
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": tools.chromium,
                "args": chromium_args(browser._profile.path()),
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let reply = browser.command("POST", "/session", Some(caps));
        browser.session = reply["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        browser.post(
            "timeouts",
            json!({"script": 30_000, "pageLoad": 30_000, "implicit": 0}),
        );
        browser
    }

    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut c = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        c.set_read_timeout(Some(Duration::from_secs(90))).unwrap();
        write!(
            c,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .map_err(|e| e.to_string())?;
        let reply = crate::site::read_response(&mut c).map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_slice(&reply.body).map_err(|e| {
            format!(
                "{method} {path}: HTTP {} with a body that is not JSON ({e}): {}",
                reply.status,
                reply.text()
            )
        })?;
        if reply.status != 200 {
            return Err(format!(
                "{method} {path}: HTTP {}: {}: {}",
                reply.status, value["value"]["error"], value["value"]["message"]
            ));
        }
        Ok(value["value"].clone())
    }

    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.request(method, path, body.as_ref())
            .unwrap_or_else(|e| panic!("WebDriver: {e}"))
    }

    fn post(&self, what: &str, body: Value) -> Value {
        self.command(
            "POST",
            &format!("/session/{}/{what}", self.session),
            Some(body),
        )
    }

    fn get(&self, what: &str) -> Value {
        self.command("GET", &format!("/session/{}/{what}", self.session), None)
    }

    pub fn goto(&self, url: &str) {
        self.post("url", json!({ "url": url }));
    }

    pub fn url(&self) -> String {
        self.get("url").as_str().unwrap_or_default().to_string()
    }

    pub fn title(&self) -> String {
        self.get("title").as_str().unwrap_or_default().to_string()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub fn exec(&self, script: &str, args: Value) -> Value {
        self.post("execute/sync", json!({"script": script, "args": args}))
    }

    /// Like `exec`, but the script calls its last argument with the result.
    pub fn exec_async(&self, script: &str, args: Value) -> Value {
        self.post("execute/async", json!({"script": script, "args": args}))
    }

    pub fn find_all(&self, css: &str) -> Vec<Element> {
        let found = self.post("elements", json!({"using": "css selector", "value": css}));
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str())
            .map(|id| Element(id.to_string()))
            .collect()
    }

    /// The first element matching `css`, waiting up to `secs` for one.
    pub fn wait_for(&self, css: &str, secs: u64) -> Element {
        wait(secs, &format!("an element matching `{css}`"), || {
            self.find_all(css).into_iter().next()
        })
    }

    pub fn click(&self, e: &Element) {
        self.post(&format!("element/{}/click", e.0), json!({}));
    }

    pub fn type_into(&self, e: &Element, text: &str) {
        self.post(&format!("element/{}/value", e.0), json!({ "text": text }));
    }

    /// A DOM property of an element, such as `href` (absolute) or `textContent`.
    pub fn property(&self, e: &Element, name: &str) -> String {
        match self.get(&format!("element/{}/property/{name}", e.0)) {
            Value::String(s) => s,
            Value::Null => String::new(),
            v => v.to_string(),
        }
    }

    pub fn displayed(&self, e: &Element) -> bool {
        self.get(&format!("element/{}/displayed", e.0)) == json!(true)
    }

    pub fn body_text(&self) -> String {
        self.exec("return document.body.innerText;", json!([]))
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Sets the outer window size in CSS pixels.
    pub fn resize(&self, width: u32, height: u32) {
        self.post("window/rect", json!({"width": width, "height": height}));
    }

    /// A PNG of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let b64 = self.get("screenshot");
        base64_decode(b64.as_str().expect("base64 PNG"))
    }

    /// Browser console entries since the last call, as (level, message).
    pub fn console(&self) -> Vec<(String, String)> {
        self.post("se/log", json!({"type": "browser"}))
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["level"].as_str().unwrap_or_default().to_string(),
                    e["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// Panics on SEVERE console entries other than a missing favicon.
    pub fn assert_no_console_errors(&self, page: &str) {
        let severe: Vec<_> = self
            .console()
            .into_iter()
            .filter(|(level, msg)| level == "SEVERE" && !msg.contains("favicon.ico"))
            .map(|(_, msg)| msg)
            .collect();
        assert!(
            severe.is_empty(),
            "console errors on {page}:\n  {}",
            severe.join("\n  ")
        );
    }
}

fn chromium_args(profile: &Path) -> Vec<String> {
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--disable-extensions",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-US",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect()
}

/// Polls `f` every 100 ms until it returns `Some`, for up to `secs` seconds.
pub fn wait<T>(secs: u64, what: &str, f: impl FnMut() -> Option<T>) -> T {
    try_wait(secs, f).unwrap_or_else(|| panic!("waited {secs} s for {what}"))
}

/// Like `wait`, but `None` when time runs out.
pub fn try_wait<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}
