//! `confab sessions delete NAME...`: removes sessions, all or none, to the trash.
//!
//! The sessions go to the trash (`confab sessions trash`), so a wrong name can be undone;
//! `--purge` deletes them for good, as does `retention.trash: 0d`. Deleting several sessions on
//! a terminal shows them and asks first (`crate::confirm`); one session is never asked about.

use std::io::Write;

use clap::Args;
use confab_core::{SessionStore, StoreError};
use jiff::Timestamp;

use crate::commands::sessions::trash::{TrashRetention, undo_hint};
use crate::commands::sessions::{existing_names, not_found};
use crate::confirm::{can_ask, confirm};
use crate::display::counted;
use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

/// Arguments of `confab sessions delete`.
#[derive(Debug, Args)]
pub(crate) struct DeleteArgs {
    /// The sessions to delete.
    #[arg(required = true, value_name = "NAME")]
    names: Vec<String>,

    /// Delete for good instead of moving to the trash: they cannot be restored.
    #[arg(long)]
    purge: bool,

    /// Do not ask before deleting several sessions (confab asks only when stdin and stderr are
    /// terminals).
    #[arg(short, long)]
    yes: bool,
}

pub(crate) fn run(args: &DeleteArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let retention = TrashRetention::of(&project.config);
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
    let purge = args.purge || retention.keeps_nothing();
    if names.len() > 1 && !args.yes && can_ask() {
        // Unknown names fail before the question, as they would after it.
        for name in &names {
            if !store.exists(name)? {
                return Err(unknown(name, &store));
            }
        }
        let what: Vec<String> = names.iter().map(|name| format!("  {name}")).collect();
        let sessions = counted(names.len(), "session", "sessions");
        let question = if purge {
            format!("Delete {sessions} for good? They cannot be restored.")
        } else {
            format!("Move {sessions} to the trash?")
        };
        confirm(&what, &question)?;
    }
    let removed = if purge {
        store.delete(&names)
    } else {
        store.trash(&names, Timestamp::now())
    };
    removed.map_err(|error| match error {
        StoreError::NotFound { name } => unknown(&name, &store),
        other => other.into(),
    })?;
    let mut err = stderr();
    for name in &names {
        if purge {
            writeln!(err, "Deleted {name} for good")?;
        } else {
            writeln!(err, "Moved {name} to the trash")?;
        }
    }
    if !purge {
        writeln!(err, "{}", undo_hint(&names, retention))?;
    }
    retention.expire_after_removal(&mut store)?;
    Ok(())
}

/// "No session named X" for a name `delete` was given, with the closest names.
fn unknown(name: &str, store: &impl SessionStore) -> CliError {
    not_found(name, &existing_names(store)).detail("nothing was deleted")
}
