//! The `cairn` binary: all the work is in the library; this only runs the
//! command line and exits with its code.

use clap::Parser;

fn main() {
    tune_malloc();
    let cli = cairn::cli::Cli::parse();
    std::process::exit(cairn::cli::run(cli));
}

/// Two settings of glibc's `malloc`, made before any other thread exists,
/// unless the environment tunes the allocator already:
///
/// - One arena per core. glibc gives a thread that finds its arena busy
///   an arena of its own, up to eight per core, and memory freed in one
///   arena is not reused by another: a build's peak memory was 7-8 %
///   higher for it. One arena per core took 10k notes from 147 to 136 MiB
///   at their peak (50k: 667 to 633 MiB), in the same time
///   (docs/performance.md, eighth round).
/// - Blocks of 1 MiB or more mapped on their own, always. By default the
///   threshold rises to the largest block freed so far (up to 32 MiB), so
///   that after the build cache or a calendar was let go, the next large
///   buffers came from the arenas and left holes there: a rebuild's peak
///   varied from 139 to 166 MiB at 10k notes. With a fixed threshold,
///   138-140 MiB (50k: 657-685 to 636-643 MiB), in the same time
///   (eleventh round).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn tune_malloc() {
    // Whoever tunes glibc's allocator themselves keeps their setting.
    if std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var_os("GLIBC_TUNABLES").is_some()
    {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: `mallopt` only sets the allocator's parameters, and no
    // other thread is running yet to allocate meanwhile.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}
