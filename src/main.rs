//! The `confab` command: a thin layer that parses arguments, runs a command from
//! [`commands`] and turns its outcome into output and an exit code.

mod age;
mod cli;
mod commands;
mod config;
mod display;
mod error;
mod input;
mod linked_formats;
mod output;
mod project;
mod redaction;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    linked_formats::ensure_linked();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
