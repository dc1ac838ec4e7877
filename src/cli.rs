//! The command line: parses arguments with clap, runs a command, prints
//! diagnostics and maps the outcome to an exit code (0 success, 1 content or
//! template errors, 2 bad usage or config).

use crate::build::{self, BuildOptions};
use crate::config::{Config, normalize_base_url};
use crate::diag::{Diagnostic, Diagnostics, Report};
use crate::output;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "cairn",
    version,
    about = "A static site generator for community knowledge bases"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Build the site into the output folder.
    Build {
        /// The site folder (holding cairn.yaml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write the site [default: <root>/public].
        #[arg(long)]
        output: Option<PathBuf>,
        /// Override `base_url` from cairn.yaml.
        #[arg(long)]
        base_url: Option<String>,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
    },
    /// Start a new site in DIR (default: this folder).
    Init { dir: Option<PathBuf> },
    /// Add a session note or a member profile.
    New {
        #[command(subcommand)]
        what: NewWhat,
        #[arg(long, default_value = ".", global = true)]
        root: PathBuf,
    },
    /// Serve the site on loopback, rebuilding and reloading on changes.
    Serve {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Address to listen on; anything but loopback is reachable by others.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Port (the next free one is used if it is taken; 0 picks any).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Open the site in a browser.
        #[arg(long)]
        open: bool,
        /// Include drafts.
        #[arg(long)]
        drafts: bool,
    },
    /// Run every check of `build` without writing anything.
    Check {
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Subcommand)]
pub enum NewWhat {
    /// A session note, named after its date and title.
    Session {
        title: String,
        /// YYYY-MM-DD, or a date-time [default: today].
        #[arg(long)]
        date: Option<String>,
        /// The community's slug.
        #[arg(long)]
        community: Option<String>,
    },
    /// A member profile, named after the person.
    Member { name: String },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Exit codes.
pub const OK: i32 = 0;
pub const CONTENT_ERROR: i32 = 1;
pub const USAGE_ERROR: i32 = 2;

fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print_diags(root: &Path, diags: &Diagnostics) {
    if diags.is_empty() {
        return;
    }
    let report = Report {
        root,
        color: color(),
    };
    eprint!("{}", report.render(diags));
}

fn load_config(root: &Path, base_url: Option<&str>) -> Result<Config, i32> {
    let mut config = Config::load(root).map_err(|d| {
        let mut ds = Diagnostics::new();
        ds.push(d);
        print_diags(root, &ds);
        USAGE_ERROR
    })?;
    if let Some(url) = base_url {
        config.base_url = normalize_base_url(url).map_err(|m| {
            eprintln!("error: --base-url: {m}");
            USAGE_ERROR
        })?;
    }
    Ok(config)
}

pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Build {
            root,
            output,
            base_url,
            drafts,
        } => cmd_build(&root, output, base_url.as_deref(), drafts),
        Command::Check { root, format } => cmd_check(&root, format),
        Command::Init { dir } => cmd_init(&dir.unwrap_or_else(|| PathBuf::from("."))),
        Command::New { what, root } => cmd_new(&root, what),
        Command::Serve {
            root,
            bind,
            port,
            open,
            drafts,
        } => crate::serve::run(crate::serve::ServeOptions {
            root,
            bind,
            port,
            open,
            drafts,
        }),
    }
}

/// A progress bar on stderr, shown only on a terminal and only once the
/// build has taken a second; it follows [`build::STAGE`].
struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start() -> Progress {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::io::stderr().is_terminal().then(|| {
            std::thread::spawn(move || {
                let tick = std::time::Duration::from_millis(100);
                for _ in 0..10 {
                    if flag.load(std::sync::atomic::Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(tick);
                }
                let bar = indicatif::ProgressBar::new(build::STAGES.len() as u64);
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{bar:30} {msg} ({elapsed})")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(st) = build::STAGE.lock() {
                        bar.set_position(st.0);
                        bar.set_message(st.1);
                    }
                    std::thread::sleep(tick);
                }
                bar.finish_and_clear();
            })
        });
        Progress { done, thread }
    }

    fn stop(mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn cmd_build(root: &Path, output: Option<PathBuf>, base_url: Option<&str>, drafts: bool) -> i32 {
    let started = Instant::now();
    let config = match load_config(root, base_url) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let out = output::absolute(&output.unwrap_or_else(|| root.join("public")));
    let content_dirs: Vec<PathBuf> = config
        .paths
        .folders
        .iter()
        .map(|(_, f)| root.join(f))
        .collect();
    if let Err(e) = output::check_target(&out, root, &content_dirs) {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::error("output", e.to_string()).help_opt(e.hint().map(String::from)));
        print_diags(root, &ds);
        return USAGE_ERROR;
    }
    let opts = BuildOptions {
        include_drafts: drafts,
        now: BuildOptions::now_from_env(),
        exclude: vec![out.clone()],
    };
    let progress = Progress::start();
    let (written, diags, write_error) = build::build_to(&config, &opts, &out);
    progress.stop();
    print_diags(root, &diags);
    if let Some(e) = write_error {
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::error("output", e.to_string()).help_opt(e.hint().map(String::from)));
        print_diags(root, &ds);
        return match e {
            output::WriteError::Refused { .. } => USAGE_ERROR,
            output::WriteError::Io { .. } => CONTENT_ERROR,
        };
    }
    let Some(pages) = written.pages else {
        eprintln!(
            "Build failed; the previous output in {} is untouched.",
            out.display()
        );
        return exit_for(&diags);
    };
    eprintln!(
        "Built {} pages from {} notes in {:.2} s → {}",
        pages,
        written.notes,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    OK
}

/// A theme that does not exist is a config problem (exit 2), not content.
fn exit_for(diags: &Diagnostics) -> i32 {
    let config_problem = diags.iter().any(|d| {
        d.is_error()
            && d.code == "theme"
            && d.file.as_deref() == Some(Path::new(crate::config::CONFIG_FILE))
    });
    if config_problem {
        USAGE_ERROR
    } else if diags.has_errors() {
        CONTENT_ERROR
    } else {
        OK
    }
}

fn json_report(diags: &Diagnostics) -> String {
    let doc = serde_json::json!({
        "version": 1,
        "errors": diags.error_count(),
        "warnings": diags.warning_count(),
        "diagnostics": diags.sorted(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn cmd_check(root: &Path, format: Format) -> i32 {
    let config = match Config::load(root) {
        Ok(c) => c,
        Err(d) => {
            let mut ds = Diagnostics::new();
            ds.push(d);
            if format == Format::Json {
                println!("{}", json_report(&ds));
            } else {
                print_diags(root, &ds);
            }
            return USAGE_ERROR;
        }
    };
    let opts = BuildOptions {
        include_drafts: false,
        now: BuildOptions::now_from_env(),
        exclude: vec![output::absolute(&root.join("public"))],
    };
    let (built, diags) = build::build(&config, &opts);
    match format {
        Format::Text => {
            print_diags(root, &diags);
            if !diags.has_errors() {
                eprintln!("Checked {} notes: no errors.", built.notes);
            }
        }
        Format::Json => println!("{}", json_report(&diags)),
    }
    exit_for(&diags)
}

fn cmd_init(dir: &Path) -> i32 {
    match crate::scaffold::init(dir, crate::scaffold::today(None)) {
        Ok(files) => {
            for f in &files {
                println!("{}", f.display());
            }
            let cd = if dir == Path::new(".") {
                String::new()
            } else {
                format!("cd {} && ", dir.display())
            };
            eprintln!(
                "\nCreated a site with {} files. Next:\n  {cd}cairn serve        # see it at http://127.0.0.1:1111/ while you write\n  {cd}cairn new session \"Our next meeting\"\n  {cd}cairn build        # the site, in public/",
                files.len()
            );
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE_ERROR
        }
    }
}

fn cmd_new(root: &Path, what: NewWhat) -> i32 {
    let config = match load_config(root, None) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let today = crate::scaffold::today(Some(&config));
    let made = match &what {
        NewWhat::Session {
            title,
            date,
            community,
        } => crate::scaffold::new_session(
            &config,
            title,
            date.as_deref(),
            community.as_deref(),
            today,
        ),
        NewWhat::Member { name } => crate::scaffold::new_member(&config, name, today),
    };
    match made {
        Ok(path) => {
            println!("{}", path.display());
            eprintln!(
                "Created it; fill in the front matter between the --- lines, then `cairn serve` to see it."
            );
            OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            USAGE_ERROR
        }
    }
}
