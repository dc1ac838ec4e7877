//! The `cairn` binary: all the work is in the library; this only runs the
//! command line and exits with its code.

use clap::Parser;

fn main() {
    let cli = cairn::cli::Cli::parse();
    std::process::exit(cairn::cli::run(cli));
}
