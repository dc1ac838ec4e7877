//! The guard in front of tiny_http: cairn accepts every connection itself,
//! on a thread of its own, reads the request head with a size limit and a
//! time limit, and only then passes it to tiny_http over an internal
//! socket, copying the answer back.
//!
//! Why: tiny_http 0.12 reads request heads on the threads of its pool with
//! no limit on their size, and its pool can queue a new connection behind
//! one whose head is still trickling in. Behind the guard, tiny_http only
//! ever sees whole heads followed by the end of the stream, so each of its
//! pool threads is free again at once, and no head it sees is larger than
//! [`MAX_HEAD`].

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest request line (method, target, version) accepted; a longer
/// one gets 414.
pub const MAX_LINE: usize = 8 * 1024;
/// The largest request head (request line and every header) accepted; a
/// larger one gets 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send its request head; then 408.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections open at once (requests being read, answers being sent,
/// live-reload streams); beyond, a short 503 and no thread. Fewer when
/// the process may not open enough files: see [`connection_limit`].
pub const MAX_CONNECTIONS: usize = 512;
/// Open files a connection takes: the client's socket, the internal one,
/// and tiny_http's end of it, which it opens twice.
const FILES_PER_CONNECTION: u64 = 4;
/// Open files kept for everything else (the watcher, rebuilds reading
/// notes, the listeners).
const FILES_KEPT: u64 = 256;
/// How often a quiet answer (a live-reload stream) checks that its client
/// is still there.
const CHECK_EVERY: Duration = Duration::from_millis(250);

/// The internal socket tiny_http listens on: a Unix socket in the abstract
/// namespace on Linux (no file to clean up), loopback TCP elsewhere.
/// Either way only local processes can reach it.
#[cfg(target_os = "linux")]
mod internal {
    use std::hash::{BuildHasher, Hasher};
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};

    pub type Stream = UnixStream;

    #[derive(Clone)]
    pub struct Address(SocketAddr);

    pub fn listen() -> std::io::Result<(tiny_http::Server, Address)> {
        let mut last = None;
        for _ in 0..8 {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u32(std::process::id());
            let name = format!("cairn-serve-{}-{:016x}", std::process::id(), h.finish());
            let addr = SocketAddr::from_abstract_name(name.as_bytes())?;
            match UnixListener::bind_addr(&addr) {
                Ok(listener) => {
                    let server = tiny_http::Server::from_listener(listener, None)
                        .map_err(std::io::Error::other)?;
                    return Ok((server, Address(addr)));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("no internal socket")))
    }

    pub fn connect(to: &Address) -> std::io::Result<Stream> {
        UnixStream::connect_addr(&to.0)
    }
}

#[cfg(not(target_os = "linux"))]
mod internal {
    use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};

    pub type Stream = TcpStream;

    #[derive(Clone)]
    pub struct Address(SocketAddr);

    pub fn listen() -> std::io::Result<(tiny_http::Server, Address)> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let server =
            tiny_http::Server::from_listener(listener, None).map_err(std::io::Error::other)?;
        Ok((server, Address(addr)))
    }

    pub fn connect(to: &Address) -> std::io::Result<Stream> {
        let s = TcpStream::connect(to.0)?;
        let _ = s.set_nodelay(true);
        Ok(s)
    }
}

pub use internal::{Address, listen};

/// How many connections may be open at once: [`MAX_CONNECTIONS`], or
/// fewer if the limit on open files is too low for them (after raising
/// the soft limit towards the hard one where it can). Running out of
/// files would do worse than refuse connections: tiny_http's accepting
/// thread panics when it cannot duplicate a socket, and never accepts
/// again.
pub fn connection_limit() -> usize {
    let files = open_files_limit();
    let fit = files.saturating_sub(FILES_KEPT) / FILES_PER_CONNECTION;
    usize::try_from(fit)
        .unwrap_or(usize::MAX)
        .clamp(8, MAX_CONNECTIONS)
}

#[cfg(unix)]
fn open_files_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let want = MAX_CONNECTIONS as u64 * FILES_PER_CONNECTION + FILES_KEPT;
    let now = getrlimit(Resource::Nofile);
    let current = now.current.unwrap_or(u64::MAX);
    if current < want {
        let raised = Rlimit {
            current: Some(now.maximum.map_or(want, |max| max.min(want))),
            maximum: now.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return raised.current.unwrap_or(current);
        }
    }
    current
}

#[cfg(not(unix))]
fn open_files_limit() -> u64 {
    u64::MAX
}

/// Accepts connections on the public listener for ever, each on its own
/// thread, at most `limit` at once, and passes their requests to
/// tiny_http at `to`.
pub fn run(listener: TcpListener, to: Address, limit: usize) {
    let open = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        let client = match conn {
            Ok(c) => c,
            Err(_) => {
                // Out of file descriptors, or a connection reset before it
                // was accepted: do not spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if open.fetch_add(1, Ordering::SeqCst) >= limit {
            open.fetch_sub(1, Ordering::SeqCst);
            // Never block the accepting thread: the answer fits in any
            // socket buffer, and if it does not, it is lost.
            let _ = client.set_nonblocking(true);
            let _ = (&client).write_all(&answer(503, "busy; try again", Some("1")));
            continue;
        }
        // Given back when the connection's thread ends, or when the thread
        // cannot start and the closure is dropped unrun.
        let slot = Slot(open.clone());
        let to = to.clone();
        let _ = std::thread::Builder::new()
            .name("cairn-conn".into())
            .spawn(move || {
                let _slot = slot;
                serve_connection(client, &to);
            });
    }
}

/// One of the connections allowed at once, held while it lives.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a head was not passed on.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// The client went away or never sent anything: close without a word.
    Quietly,
    /// Answer with this status and close.
    With(u16),
}

fn serve_connection(client: TcpStream, to: &Address) {
    let _ = client.set_nodelay(true);
    let head = match read_head(&client, HEAD_TIMEOUT) {
        Ok(head) => head,
        Err(Refused::Quietly) => return,
        Err(Refused::With(status)) => {
            let text = match status {
                408 => "the request took too long to arrive",
                414 => "request line too long",
                431 => "request headers too large",
                _ => "bad request",
            };
            refuse(&client, status, text);
            return;
        }
    };
    let upstream = internal::connect(to).and_then(|mut up| {
        up.write_all(&head)?;
        // The end of the request: tiny_http's thread for this connection
        // reads no further and is free again.
        up.shutdown(Shutdown::Write)?;
        Ok(up)
    });
    let Ok(upstream) = upstream else {
        refuse(&client, 503, "busy; try again");
        return;
    };
    if !relay(upstream, &client) {
        // tiny_http closed without an answer (a body announced but not
        // sent with the head, say).
        refuse(&client, 400, "bad request");
        return;
    }
    close_gently(&client, false);
}

/// Reads until the end of the request head (an empty line), within
/// `timeout`. Returns the head and whatever followed it in the same reads.
fn read_head(mut client: &TcpStream, timeout: Duration) -> Result<Vec<u8>, Refused> {
    let deadline = Instant::now() + timeout;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let mut line_ended = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(if head.is_empty() {
                Refused::Quietly
            } else {
                Refused::With(408)
            });
        }
        let _ = client.set_read_timeout(Some(left));
        let n = match client.read(&mut chunk) {
            Ok(0) => return Err(Refused::Quietly),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                continue; // the deadline decides
            }
            Err(_) => return Err(Refused::Quietly),
        };
        let from = head.len().saturating_sub(3);
        head.extend_from_slice(&chunk[..n]);
        if !line_ended {
            let end = head.iter().position(|b| *b == b'\n');
            if end.unwrap_or(head.len()) > MAX_LINE {
                return Err(Refused::With(414));
            }
            line_ended = end.is_some();
        }
        if let Some(at) = head[from..].windows(4).position(|w| w == b"\r\n\r\n") {
            if from + at + 4 > MAX_HEAD {
                return Err(Refused::With(431));
            }
            let _ = client.set_read_timeout(None);
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(Refused::With(431));
        }
    }
}

/// Copies tiny_http's answer to the client until tiny_http closes it.
/// While an answer is quiet (a live-reload stream between events), checks
/// that the client is still there, and when it is gone closes the internal
/// connection, so that the next write of the stream fails and frees its
/// slot. Returns whether anything was answered.
fn relay(mut upstream: internal::Stream, mut client: &TcpStream) -> bool {
    let _ = upstream.set_read_timeout(Some(CHECK_EVERY));
    let mut buf = vec![0u8; 16 * 1024];
    let mut answered = false;
    loop {
        match upstream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                answered = true;
                if client.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if answered && gone(client) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    let _ = upstream.shutdown(Shutdown::Both);
    answered
}

/// Whether the client closed its side (or the connection broke). Bytes it
/// sent after its request are read and dropped.
fn gone(mut client: &TcpStream) -> bool {
    if client.set_nonblocking(true).is_err() {
        return true;
    }
    let mut sink = [0u8; 1024];
    let gone = match client.read(&mut sink) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted),
    };
    let _ = client.set_nonblocking(false);
    gone
}

/// A whole short answer, written by the guard itself.
fn answer(status: u16, text: &str, retry_after: Option<&str>) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n",
        super::http::reason(status),
        text.len() + 1
    );
    if let Some(after) = retry_after {
        head.push_str(&format!("Retry-After: {after}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(text);
    head.push('\n');
    head.into_bytes()
}

/// Answers `status` and closes, giving the client a moment to read it.
fn refuse(mut client: &TcpStream, status: u16, text: &str) {
    let _ = client.set_write_timeout(Some(Duration::from_secs(2)));
    let retry = (status == 503).then_some("1");
    let _ = client.write_all(&answer(status, text, retry));
    close_gently(client, true);
}

/// Closes after an answer. Closing a socket with unread bytes in it resets
/// the connection, and a reset can destroy the answer before the client
/// reads it; so what the client still sends is read and dropped for a
/// moment first (at most 256 KiB or half a second): after a refusal
/// (`refused`: the client may well still be sending), or when bytes are
/// waiting unread.
fn close_gently(mut client: &TcpStream, refused: bool) {
    let _ = client.shutdown(Shutdown::Write);
    let mut sink = [0u8; 8192];
    if !refused {
        if client.set_nonblocking(true).is_err() {
            return;
        }
        let waiting = matches!(client.read(&mut sink), Ok(n) if n > 0);
        if !waiting || client.set_nonblocking(false).is_err() {
            return;
        }
    }
    let deadline = Instant::now() + Duration::from_millis(500);
    let mut drained = 0;
    while drained < 256 * 1024 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || client.set_read_timeout(Some(left)).is_err() {
            break;
        }
        match client.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A connected pair: what a client writes to the first, the guard
    /// reads from the second.
    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        (c, s)
    }

    fn head_of(request: &[u8]) -> Result<Vec<u8>, Refused> {
        let (mut c, s) = pair();
        let request = request.to_vec();
        // Writes, then closes its end.
        let writer = std::thread::spawn(move || {
            let _ = c.write_all(&request);
        });
        let r = read_head(&s, Duration::from_secs(5));
        drop(s);
        let _ = writer.join();
        r
    }

    #[test]
    fn heads_within_the_limits_pass_whole() {
        let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(head_of(req), Ok(req.to_vec()));
        let line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE - 20));
        assert!(head_of(line.as_bytes()).is_ok());
        let headers = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X-A: b\r\n".repeat((MAX_HEAD - 100) / 8)
        );
        assert!(head_of(headers.as_bytes()).is_ok());
    }

    #[test]
    fn long_lines_get_414_and_large_heads_431() {
        let line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE));
        assert_eq!(head_of(line.as_bytes()), Err(Refused::With(414)));
        let endless = "a".repeat(MAX_LINE * 3);
        assert_eq!(head_of(endless.as_bytes()), Err(Refused::With(414)));
        let big = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(head_of(big.as_bytes()), Err(Refused::With(431)));
        let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(MAX_HEAD));
        assert_eq!(head_of(many.as_bytes()), Err(Refused::With(431)));
    }

    #[test]
    fn slow_heads_time_out_and_closed_ones_end_quietly() {
        let (mut c, s) = pair();
        c.write_all(b"GET / HT").unwrap();
        assert_eq!(
            read_head(&s, Duration::from_millis(200)),
            Err(Refused::With(408))
        );
        let (_c, s) = pair();
        assert_eq!(
            read_head(&s, Duration::from_millis(200)),
            Err(Refused::Quietly)
        );
        assert_eq!(head_of(b"GET / HTTP/1.1\r\n"), Err(Refused::Quietly));
    }
}
