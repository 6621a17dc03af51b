//! One module per command; `sessions` groups its subcommands one file each, `chat` its parts.

pub(crate) mod chat;
pub(crate) mod completions;
pub(crate) mod formats;
pub(crate) mod info;
pub(crate) mod man;
pub(crate) mod resume;
pub(crate) mod schema;
pub(crate) mod sessions;
pub(crate) mod stats;
pub(crate) mod templates;

use crate::cli::{Cli, Command};
use crate::error::CliError;

/// Runs the command the user asked for.
pub(crate) fn run(cli: Cli) -> Result<(), CliError> {
    if cli.no_pager {
        crate::pager::disable();
    }
    if let Some(directory) = &cli.directory {
        std::env::set_current_dir(directory).map_err(|error| {
            CliError::usage(format!(
                "cannot run in {}: {}",
                directory.display(),
                crate::input::io_reason(&error)
            ))
        })?;
    }
    if let Some(store) = cli.store {
        crate::store::choose_on_command_line(store);
    }
    match cli.command {
        Command::Chat(args) => chat::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Resume(args) => resume::run(&args),
        Command::Sessions(args) => sessions::run(args),
        Command::Formats(args) => formats::run(&args),
        Command::Info(args) => info::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Templates(args) => templates::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}
