//! `confab sessions delete NAME...`: removes sessions, all or none.

use std::io::Write;

use clap::Args;
use confab_core::{SessionStore, StoreError};

use crate::commands::sessions::{existing_names, not_found};
use crate::error::CliError;
use crate::output::stdout;
use crate::project::Project;

/// Arguments of `confab sessions delete`.
#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The sessions to delete.
    #[arg(required = true, value_name = "NAME")]
    names: Vec<String>,
}

pub(crate) fn run(args: &DeleteArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let Some(mut store) = project.open_existing_store()? else {
        return Err(not_found(&args.names[0], &[]));
    };
    // `delete a b a` deletes a and b: a name given twice is one name (and is reported once).
    let mut seen = std::collections::HashSet::new();
    let names: Vec<String> = args
        .names
        .iter()
        .filter(|name| seen.insert(name.as_str()))
        .cloned()
        .collect();
    store.delete(&names).map_err(|error| match error {
        StoreError::NotFound { name } => {
            not_found(&name, &existing_names(&store)).detail("nothing was deleted")
        }
        other => other.into(),
    })?;
    let mut out = stdout();
    for name in &names {
        writeln!(out, "Deleted {name}")?;
    }
    Ok(())
}
