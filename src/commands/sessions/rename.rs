//! `confab sessions rename OLD NEW`: a session under another name.
//!
//! One transaction in the store changes the name and nothing else: messages, times and metadata
//! stay, and so does the search index (it knows messages by id, not by name). A session that
//! `import --from` brought in is still recognised by the next `import --from` after a rename:
//! that import finds its sessions by the `imported_from` record in their metadata, and asks the
//! store for the name each one has now, so the renamed session is the one it updates.

use std::io::Write;

use clap::Args;
use confab_core::{Quoted, SessionStore, StoreError, validate_session_name};

use crate::commands::sessions::{existing_names, not_found};
use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

/// Arguments of `confab sessions rename`.
#[derive(Debug, Args)]
pub(crate) struct RenameArgs {
    /// The session's current name.
    old: String,
    /// Its new name: a letter or digit, then letters, digits, '.', '_' or '-'.
    new: String,
}

pub(crate) fn run(args: &RenameArgs) -> Result<(), CliError> {
    validate_session_name(&args.new)
        .map_err(|error| CliError::usage(&error).hint("choose a NEW name that follows the rule"))?;
    let project = Project::discover()?;
    let Some(mut store) = project.open_existing_store()? else {
        return Err(not_found(&args.old, &[]));
    };
    store
        .rename(&args.old, &args.new)
        .map_err(|error| match error {
            StoreError::NotFound { name } => {
                not_found(&name, &existing_names(&store)).detail("nothing was renamed")
            }
            StoreError::AlreadyExists { name } => CliError::failure(format!(
                "a session named {} already exists",
                Quoted(&name)
            ))
            .detail("nothing was renamed")
            .hint(format!(
                "choose another name, or delete that session first: confab sessions delete {name}"
            )),
            other => other.into(),
        })?;
    let mut err = stderr();
    if args.old == args.new {
        writeln!(err, "{} already has that name", args.new)?;
    } else {
        writeln!(err, "Renamed {} to {}", args.old, args.new)?;
    }
    Ok(())
}
