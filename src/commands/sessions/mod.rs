//! `confab sessions ...`: the session commands, one file each.

pub(crate) mod validate;

use clap::{Args, Subcommand};

use crate::error::CliError;

/// Arguments of `confab sessions`.
#[derive(Debug, Args)]
pub(crate) struct SessionsArgs {
    #[command(subcommand)]
    command: SessionsCommand,
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
    /// Check checkpoint files against the schema, as import does, without a store.
    Validate(validate::ValidateArgs),
}

pub(crate) fn run(args: SessionsArgs) -> Result<(), CliError> {
    match args.command {
        SessionsCommand::Validate(args) => validate::run(&args),
    }
}
