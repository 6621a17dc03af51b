//! `confab schema`: prints the checkpoint JSON Schema, for editors, CI and other tools.

use std::io::Write;

use clap::Args;

use crate::error::CliError;
use crate::output::data_stdout;

/// Arguments of `confab schema`.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {}

pub(crate) fn run(_args: &SchemaArgs) -> Result<(), CliError> {
    data_stdout().write_all(confab_core::schema::CHECKPOINT_SCHEMA.as_bytes())?;
    Ok(())
}
