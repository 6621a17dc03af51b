//! `confab sessions trash empty`: everything in the trash, deleted for good.
//!
//! Asks first on a terminal (see `crate::confirm`); `--yes` does not. Nothing of the purged
//! sessions stays readable in the store's files.

use std::io::Write;

use clap::Args;
use confab_core::SessionStore;

use crate::confirm::{can_ask, confirm};
use crate::display::counted;
use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

/// Arguments of `confab sessions trash empty`.
#[derive(Debug, Args)]
pub(crate) struct EmptyArgs {
    /// Do not ask first (confab asks only when stdin and stderr are terminals).
    #[arg(short, long)]
    yes: bool,
}

pub(crate) fn run(args: &EmptyArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let Some(mut store) = project.open_existing_store()? else {
        writeln!(stderr(), "The trash is empty.")?;
        return Ok(());
    };
    if !args.yes && can_ask() {
        let entries = store.trash_list()?;
        if entries.is_empty() {
            writeln!(stderr(), "The trash is empty.")?;
            return Ok(());
        }
        let what: Vec<String> = entries
            .iter()
            .map(|entry| format!("  {}", entry.name))
            .collect();
        confirm(
            &what,
            &format!(
                "Delete {} for good? They cannot be restored.",
                counted(entries.len(), "session", "sessions")
            ),
        )?;
    }
    let purged = store.purge_trash(None)?;
    let mut err = stderr();
    if purged.is_empty() {
        writeln!(err, "The trash is empty.")?;
    } else {
        writeln!(
            err,
            "Emptied the trash: {} deleted for good.",
            counted(purged.len(), "session", "sessions")
        )?;
    }
    Ok(())
}
