//! The `cairn` binary: all the work is in the library; this only runs the
//! command line and exits with its code.

use clap::Parser;

fn main() {
    one_malloc_arena_per_core();
    let cli = cairn::cli::Cli::parse();
    std::process::exit(cairn::cli::run(cli));
}

/// glibc's `malloc` gives a thread that finds its arena busy an arena of
/// its own, up to eight per core, and memory freed in one arena is not
/// reused by another: a build's peak memory was 7-8 % higher for it. One
/// arena per core took 10k notes from 147 to 136 MiB at their peak (50k:
/// 667 to 633 MiB), in the same time (docs/performance.md, eighth round).
/// Set before any other thread exists, unless the environment tunes the
/// allocator already.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn one_malloc_arena_per_core() {
    // Whoever tunes glibc's allocator themselves keeps their setting.
    if std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var_os("GLIBC_TUNABLES").is_some()
    {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: `mallopt` only sets one of the allocator's parameters, and
    // no other thread is running yet to allocate meanwhile.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena_per_core() {}
