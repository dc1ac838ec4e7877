//! cairn: a static site generator for community knowledge bases.
//!
//! The build is a pipeline of small stages:
//! [`content::load`] (files to typed documents) →
//! [`model::link`] (documents to a linked site graph) →
//! [`render::render`] (the graph to pages in memory) →
//! [`output::write`] (pages to disk, swapped in only when complete).

#![forbid(unsafe_code)]

pub mod bodies;
pub mod build;
pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod feeds;
pub mod git;
pub mod live;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod reuse;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod slug;
/// Helpers the unit and integration tests share.
#[doc(hidden)]
pub mod testing;
