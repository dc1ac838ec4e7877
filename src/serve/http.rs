//! Answering requests from the site held in memory. Nothing is read from
//! disk but the site's own static files, so no request can reach outside
//! the site: paths are decoded and checked anyway, and odd ones refused.

use super::State;
use std::io::Write;
use std::sync::Arc;
use tiny_http::{Method, Request};

pub const LIVE_JS: &str = include_str!("live.js");
const LIVE_TAG: &str = "<script src=\"/__cairn/live.js\"></script>";

/// Why a path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BadPath {
    /// Malformed: bad escapes, NUL bytes, backslashes.
    Malformed,
    /// Tries to climb out: `..` segments.
    Forbidden,
}

/// The output key (`sessions/x/index.html`) a URL path asks for.
pub fn key_for(url: &str) -> Result<String, BadPath> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            match (
                bytes.get(i + 1).and_then(|b| hex(*b)),
                bytes.get(i + 2).and_then(|b| hex(*b)),
            ) {
                (Some(h), Some(l)) => decoded.push((h * 16 + l) as u8),
                _ => return Err(BadPath::Malformed),
            }
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(decoded).map_err(|_| BadPath::Malformed)?;
    if path.contains('\0') || path.contains('\\') {
        return Err(BadPath::Malformed);
    }
    let mut parts = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(BadPath::Forbidden),
            s if s.contains(':') => return Err(BadPath::Forbidden),
            s => parts.push(s),
        }
    }
    let mut key = parts.join("/");
    if path.ends_with('/') || key.is_empty() {
        if !key.is_empty() {
            key.push('/');
        }
        key.push_str("index.html");
    }
    Ok(key)
}

pub fn content_type(key: &str) -> &'static str {
    let ext = key.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "ics" => "text/calendar; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// A cheap content hash for ETags (FNV-1a).
fn etag(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("\"{h:016x}\"")
}

/// Adds the live-reload script to an HTML page.
pub fn inject(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => format!("{}{LIVE_TAG}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{LIVE_TAG}").into_bytes(),
    }
}

/// The reason phrase of a status cairn answers with.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// A response, written by hand so that it can say `Connection: close`
/// (tiny_http does not let a response set that header).
///
/// Why close: the guard in front of tiny_http (`front.rs`) passes on one
/// request per connection and closes the connection after its answer, so
/// the answer must say so. It also keeps browsers from holding idle
/// connections open, each of which would hold one of the guard's threads.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body,
        }
    }

    fn plain(status: u16, text: &str) -> Reply {
        Reply::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    fn with(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_string()));
        self
    }

    fn send(self, request: Request) {
        let head_only = *request.method() == Method::Head;
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let len = if self.status == 304 {
            0
        } else {
            self.body.len()
        };
        head.push_str(&format!(
            "Content-Length: {len}\r\nConnection: close\r\n\r\n"
        ));
        let mut out = request.into_writer();
        let _ = out.write_all(head.as_bytes()).and_then(|_| {
            if head_only || self.status == 304 {
                Ok(())
            } else {
                out.write_all(&self.body)
            }
        });
        let _ = out.flush();
    }
}

/// Answers one ordinary request.
pub fn respond(request: Request, state: &Arc<State>) {
    let method = request.method().clone();
    if method != Method::Get && method != Method::Head {
        Reply::plain(405, "only GET and HEAD")
            .with("Allow", "GET, HEAD")
            .send(request);
        return;
    }
    let url = request.url().to_string();
    let key = match key_for(&url) {
        Ok(k) => k,
        Err(BadPath::Malformed) => return Reply::plain(400, "bad request path").send(request),
        Err(BadPath::Forbidden) => return Reply::plain(403, "forbidden").send(request),
    };
    if key == "__cairn/live.js" {
        let body = LIVE_JS.as_bytes().to_vec();
        return Reply::new(200, "text/javascript; charset=utf-8", body).send(request);
    }
    if key == "__cairn/status" {
        let body = state.snapshot().status_json(None).into_bytes();
        return Reply::new(200, "application/json", body).send(request);
    }
    let snapshot = state.snapshot();
    let site = &snapshot.output;
    let (status, key) = if site.contains_key(&key) {
        (200, key)
    } else if !key.ends_with("index.html") && site.contains_key(&format!("{key}/index.html")) {
        let location = format!("{}/", url.split('?').next().unwrap_or(&url));
        return Reply::plain(301, "moved")
            .with("Location", &location)
            .send(request);
    } else {
        (404, "404.html".to_string())
    };
    let Some(bytes) = site.get(&key) else {
        return Reply::plain(404, "not found").send(request);
    };
    let bytes = bytes.to_vec();
    let bytes = if key.ends_with(".html") {
        inject(&bytes)
    } else {
        bytes
    };
    let tag = etag(&bytes);
    let fresh = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("If-None-Match") && h.value.as_str() == tag);
    let status = if fresh && status == 200 { 304 } else { status };
    Reply::new(status, content_type(&key), bytes)
        .with("Cache-Control", "no-cache")
        .with("ETag", &tag)
        .send(request);
}

/// Refuses a request when too many are being answered.
pub fn busy(request: Request) {
    Reply::plain(503, "busy; try again")
        .with("Retry-After", "1")
        .send(request);
}

/// Refuses a live-reload connection when too many are open.
pub fn too_many(request: Request) {
    Reply::plain(503, "too many live-reload connections").send(request);
}

/// How often a quiet live-reload stream is written to. A write is how a
/// stream learns that its tab is gone: the guard closes the internal
/// connection within a fraction of a second of the tab, and the next
/// write then fails and frees the stream's slot.
const PING: std::time::Duration = std::time::Duration::from_secs(1);

/// Streams state changes to one browser tab as Server-Sent Events, on the
/// raw connection (flushed per event), until the tab goes away.
pub fn events(request: Request, state: Arc<State>) {
    let mut out = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    if out
        .write_all(head.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return;
    }
    let mut seen = 0;
    loop {
        // Pings find closed connections (a write to one fails), so their
        // slots free up within about a second.
        let snap = state.wait_newer(seen, PING);
        let msg = if snap.version == seen {
            ": ping\n\n".to_string()
        } else {
            seen = snap.version;
            format!("data: {}\n\n", snap.status_json(Some(&snap.changed)))
        };
        if out
            .write_all(msg.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return;
        }
    }
}

/// Drains a request body we do not use (keeps the connection sane).
pub fn drain(request: &mut Request) {
    let mut sink = [0u8; 1024];
    let reader = request.as_reader();
    while let Ok(n) = reader.read(&mut sink) {
        if n == 0 {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_keys_and_traversal_is_refused() {
        assert_eq!(key_for("/"), Ok("index.html".into()));
        assert_eq!(key_for("/sessions/x/"), Ok("sessions/x/index.html".into()));
        assert_eq!(key_for("/cairn.css?v=1"), Ok("cairn.css".into()));
        assert_eq!(key_for("/caf%C3%A9/"), Ok("café/index.html".into()));
        assert_eq!(key_for("/../cairn.yaml"), Err(BadPath::Forbidden));
        assert_eq!(key_for("/%2e%2e/cairn.yaml"), Err(BadPath::Forbidden));
        assert_eq!(
            key_for("/a/%2E%2E/%2e%2e/etc/passwd"),
            Err(BadPath::Forbidden)
        );
        assert_eq!(key_for("/..%5ccairn.yaml"), Err(BadPath::Malformed));
        assert_eq!(key_for("/a%00b"), Err(BadPath::Malformed));
        assert_eq!(key_for("/%zz"), Err(BadPath::Malformed));
        assert_eq!(key_for("/C:/x"), Err(BadPath::Forbidden));
        assert_eq!(key_for("//etc/passwd"), Ok("etc/passwd".into()));
    }

    #[test]
    fn the_script_goes_before_the_body_ends() {
        let html = inject(b"<html><body><p>x</p></body></html>");
        assert_eq!(
            String::from_utf8(html).unwrap(),
            format!("<html><body><p>x</p>{LIVE_TAG}</body></html>")
        );
    }
}
