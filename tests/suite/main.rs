//! cairn's integration tests: one binary, one module per area. Each test
//! builds a real fixture site with the real `cairn` binary and inspects the
//! HTML that comes out with an HTML parser.

mod util;

mod authoring;
mod bad_input;
mod cli;
mod community;
mod config;
mod content;
mod crash;
mod example_site;
mod existing_repo;
mod fuzz_regressions;
mod linking;
mod markdown;
mod output_safety;
mod reuse;
mod scale;
mod search;
mod serve;
mod serve_load;
mod serve_privacy;
mod streamed;
mod theme;
