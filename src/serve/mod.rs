//! `cairn serve`: builds the site into memory, serves it on loopback,
//! rebuilds when files change, and tells open tabs to reload (or shows the
//! build's errors over the page, keeping the last good site served).
//!
//! It never writes into the site: not into `public/`, not into content.

pub mod front;
pub mod http;
pub mod watch;

use crate::build::BuildOptions;
use crate::config::Config;
use crate::diag::{Diagnostics, Report};
use crate::live::{Files, LiveSite};
use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub open: bool,
    pub drafts: bool,
}

/// One version of the served site.
pub struct Snapshot {
    pub version: u64,
    /// The last site that built without errors.
    pub output: Arc<Files>,
    /// The errors of the latest build, as the terminal shows them.
    pub error: Option<String>,
    /// Output paths that changed with this version (`None`: all).
    pub changed: Option<Vec<String>>,
}

impl Snapshot {
    pub fn status_json(&self, changed: Option<&Option<Vec<String>>>) -> String {
        let changed = match changed {
            Some(Some(list)) => serde_json::json!(list),
            _ => serde_json::json!("all"),
        };
        serde_json::json!({
            "version": self.version,
            "error": self.error,
            "changed": changed,
        })
        .to_string()
    }
}

/// What every thread shares.
pub struct State {
    current: Mutex<Arc<Snapshot>>,
    changed: Condvar,
    /// Open live-reload connections.
    pub listeners: AtomicUsize,
}

impl State {
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.current
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    fn publish(&self, snap: Snapshot) {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        *cur = Arc::new(snap);
        self.changed.notify_all();
    }

    /// Waits until the version is newer than `seen`, or `timeout` passes.
    pub fn wait_newer(&self, seen: u64, timeout: Duration) -> Arc<Snapshot> {
        let cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let (cur, _) = self
            .changed
            .wait_timeout_while(cur, timeout, |s| s.version <= seen && seen != 0)
            .unwrap_or_else(|e| e.into_inner());
        cur.clone()
    }
}

/// Live-reload connections allowed at once; more get 503 and plain pages.
const MAX_LISTENERS: usize = 64;
/// Ordinary requests answered at once.
const RESPONDERS: usize = 256;

fn render_errors(root: &Path, diags: &Diagnostics) -> String {
    Report { root, color: false }.render(diags)
}

/// Builds the site in memory, from scratch.
fn build_once(config: &Config, opts: &ServeOptions) -> (Option<LiveSite>, Diagnostics) {
    let bopts = BuildOptions {
        include_drafts: opts.drafts,
        now: BuildOptions::now_from_env(),
        exclude: vec![crate::output::absolute(&opts.root.join("public"))],
    };
    LiveSite::build(config, bopts)
}

/// The public listener: `--port`, or the next free one of 20.
fn bind(opts: &ServeOptions) -> Result<(TcpListener, u16), String> {
    let mut last = String::new();
    let tries = if opts.port == 0 { 1 } else { 20 };
    for i in 0..tries {
        let port = opts.port.saturating_add(i);
        match TcpListener::bind((opts.bind, port)) {
            Ok(listener) => {
                let actual = listener.local_addr().map_or(port, |a| a.port());
                if i > 0 {
                    eprintln!("Port {} is taken; using {actual} instead.", opts.port);
                }
                return Ok((listener, actual));
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(format!(
        "cannot listen on {}:{}: {last}",
        opts.bind, opts.port
    ))
}

/// Runs the server until the process is stopped. Returns an exit code only
/// when it cannot start.
pub fn run(opts: ServeOptions) -> i32 {
    let mut config = match Config::load(&opts.root) {
        Ok(c) => c,
        Err(d) => {
            let mut ds = Diagnostics::new();
            ds.push(d);
            eprint!("{}", render_errors(&opts.root, &ds));
            return crate::cli::USAGE_ERROR;
        }
    };
    if !opts.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} makes the site (drafts included, if --drafts) reachable from other machines",
            opts.bind
        );
    }
    let (listener, port) = match bind(&opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::cli::USAGE_ERROR;
        }
    };
    // tiny_http answers on an internal socket; cairn's guard accepts on the
    // public one and passes it whole, size-checked request heads.
    let (server, internal) = match front::listen() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot open serve's internal socket: {e}");
            return crate::cli::USAGE_ERROR;
        }
    };
    let host = if opts.bind.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        opts.bind.to_string()
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host
    };
    let address = format!("http://{host}:{port}/");
    config.base_url = address.clone();

    let started = Instant::now();
    let (live, diags) = build_once(&config, &opts);
    let error = diags
        .has_errors()
        .then(|| render_errors(&opts.root, &diags));
    let files = live.as_ref().map(|l| l.files.clone()).unwrap_or_default();
    if !diags.is_empty() {
        eprint!(
            "{}",
            Report {
                root: &opts.root,
                color: std::io::IsTerminal::is_terminal(&std::io::stderr())
            }
            .render(&diags)
        );
    }
    let state = Arc::new(State {
        current: Mutex::new(Arc::new(Snapshot {
            version: 1,
            output: Arc::new(files),
            error,
            changed: None,
        })),
        changed: Condvar::new(),
        listeners: AtomicUsize::new(0),
    });
    let watching = watch::start(&opts.root);
    if let Err(e) = &watching {
        eprintln!("warning: cannot watch files ({e}); restart serve to see changes");
    }
    eprintln!(
        "Serving {} at {address} (built in {:.2} s). Watching for changes; Ctrl-C to stop.",
        opts.root.display(),
        started.elapsed().as_secs_f64()
    );
    if opts.open {
        open_browser(&address);
    }

    let watch_state = state.clone();
    let watch_config = config.clone();
    let root = opts.root.clone();
    let drafts = opts.drafts;
    std::thread::spawn(move || {
        let opts = ServeOptions {
            root,
            bind: opts.bind,
            port,
            open: false,
            drafts,
        };
        let mut live = live;
        if let Ok(watching) = watching {
            watch::watch(watching, &opts, watch_config, |config, change| {
                rebuild(config, &opts, &watch_state, &mut live, change)
            });
        }
    });

    let limit = front::connection_limit();
    std::thread::spawn(move || front::run(listener, internal, limit));

    // One thread per request, at most RESPONDERS at once: a client that
    // does not read its response holds only its own threads (this one and
    // the guard's). Beyond that, a short 503 and no thread.
    let busy = Arc::new(AtomicUsize::new(0));
    for request in server.incoming_requests() {
        if request.url().starts_with("/__cairn/events") {
            if state.listeners.fetch_add(1, Ordering::SeqCst) >= MAX_LISTENERS {
                state.listeners.fetch_sub(1, Ordering::SeqCst);
                http::too_many(request);
                continue;
            }
            let state = state.clone();
            std::thread::spawn(move || {
                let mut request = request;
                // Read any body here, never on the accepting thread.
                http::drain(&mut request);
                http::events(request, state.clone());
                state.listeners.fetch_sub(1, Ordering::SeqCst);
            });
            continue;
        }
        if busy.fetch_add(1, Ordering::SeqCst) >= RESPONDERS {
            busy.fetch_sub(1, Ordering::SeqCst);
            http::busy(request);
            continue;
        }
        let state = state.clone();
        let busy = busy.clone();
        std::thread::spawn(move || {
            http::respond(request, &state);
            busy.fetch_sub(1, Ordering::SeqCst);
        });
    }
    0
}

/// Rebuilds after a change and publishes the result: only what the
/// change affects when only notes changed, everything otherwise.
fn rebuild(
    config: &Config,
    opts: &ServeOptions,
    state: &State,
    live: &mut Option<LiveSite>,
    change: &watch::Change,
) {
    let started = Instant::now();
    if let Some(d) = &change.config_error {
        let mut diags = Diagnostics::new();
        diags.push(d.clone());
        let message = render_errors(&opts.root, &diags);
        eprint!("{message}");
        eprintln!("Keeping the previous configuration; still serving the last good site.");
        let old = state.snapshot();
        state.publish(Snapshot {
            version: old.version + 1,
            output: old.output.clone(),
            error: Some(message),
            changed: Some(Vec::new()),
        });
        return;
    }
    let (changed, diags) = match live.as_mut() {
        Some(site) if !change.everything => {
            let (update, diags) = site.update(&change.notes);
            (Some(update.changed), diags)
        }
        _ => {
            let (fresh, diags) = build_once(config, opts);
            let old = state.snapshot();
            let changed = fresh.as_ref().filter(|_| !diags.has_errors()).map(|f| {
                let mut c: Vec<String> = f
                    .files
                    .iter()
                    .filter(|(k, v)| old.output.get(*k) != Some(*v))
                    .map(|(k, _)| k.clone())
                    .collect();
                c.extend(
                    old.output
                        .keys()
                        .filter(|k| !f.files.contains_key(*k))
                        .cloned(),
                );
                c
            });
            if fresh.is_some() {
                *live = fresh;
            }
            (changed, diags)
        }
    };
    let old = state.snapshot();
    let color = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if !diags.is_empty() {
        eprint!(
            "{}",
            Report {
                root: &opts.root,
                color
            }
            .render(&diags)
        );
    }
    let snap = match (changed, live.as_ref()) {
        (Some(changed), Some(site)) if !diags.has_errors() => {
            eprintln!(
                "Rebuilt in {:.0} ms: {} file{} changed.",
                started.elapsed().as_secs_f64() * 1000.0,
                changed.len(),
                if changed.len() == 1 { "" } else { "s" }
            );
            if changed.is_empty() && old.error.is_none() {
                return;
            }
            Snapshot {
                version: old.version + 1,
                output: Arc::new(site.files.clone()),
                error: None,
                changed: (changed.len() <= 500).then_some(changed),
            }
        }
        _ => {
            eprintln!("Rebuild failed; still serving the last good site.");
            Snapshot {
                version: old.version + 1,
                output: old.output.clone(),
                error: Some(render_errors(&opts.root, &diags)),
                changed: Some(Vec::new()),
            }
        }
    };
    state.publish(snap);
}

fn open_browser(url: &str) {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if std::process::Command::new(cmd).arg(url).spawn().is_err() {
        eprintln!("Open {url} in your browser.");
    }
}
