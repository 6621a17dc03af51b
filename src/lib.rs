//! The `confab` command line, as a library.
//!
//! The binary (`src/main.rs`) is one call to [`main`]. Keeping the whole CLI in a library is what
//! lets a format live outside this repository without a fork: a downstream crate depends on
//! `confab` and on its own format crate, refers to that crate's `FORMAT` so the linker keeps its
//! registration, and calls [`main`]. It gets every command, with its format among the others
//! (`examples/custom-confab` is exactly that, and `docs/writing-a-format.md` explains it).
//!
//! Inside, the layer is thin: it parses arguments, runs a command from [`commands`], and turns the
//! outcome into output and an exit code in one place ([`error`]).

mod age;
mod cli;
mod color;
mod commands;
mod config;
mod confirm;
mod display;
mod error;
mod history;
mod identity;
mod indexing;
mod input;
mod linked_formats;
mod output;
mod pager;
mod paths;
mod project;
mod redaction;
mod sanitize;
mod store;

use std::process::ExitCode;

use clap::Parser;

/// Runs the `confab` command line with this process's arguments and returns its exit code.
///
/// Every format crate linked into the program is available, the ones shipped with confab and any
/// the calling binary links in.
pub fn main() -> ExitCode {
    linked_formats::ensure_linked();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
