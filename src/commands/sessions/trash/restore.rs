//! `confab sessions trash restore NAME... [--as NEW]`, or `--id ID`: sessions back from the
//! trash, all or none.
//!
//! A name restores the newest entry of that name; `--id` (from `trash list`) picks any one.
//! A restored session is exactly what was removed, its dates included, so a `clean` with the
//! same age would remove it again (`clean --keep N` or a longer age keeps it).

use std::io::Write;

use clap::Args;
use confab_core::{Quoted, RestoreRequest, SessionStore, StoreError, TrashPick};

use super::TrashRetention;
use crate::commands::sessions::closest;
use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

/// Arguments of `confab sessions trash restore`.
#[derive(Debug, Args)]
pub(crate) struct RestoreArgs {
    /// The sessions to restore: the newest trash entry of each name.
    #[arg(
        value_name = "NAME",
        required_unless_present = "id",
        conflicts_with = "id"
    )]
    names: Vec<String>,

    /// Restore the trash entry with this id (`confab sessions trash list` shows them).
    #[arg(long, value_name = "ID")]
    id: Option<i64>,

    /// Restore under this name (one session only), e.g. when a live session took its name.
    #[arg(long = "as", value_name = "NEW")]
    rename: Option<String>,
}

pub(crate) fn run(args: &RestoreArgs) -> Result<(), CliError> {
    if args.rename.is_some() && args.names.len() > 1 {
        return Err(CliError::usage("--as renames one session; name only one"));
    }
    let mut seen = std::collections::HashSet::new();
    let requests: Vec<RestoreRequest> = match args.id {
        Some(id) => vec![RestoreRequest {
            pick: TrashPick::Id(id),
            rename: args.rename.clone(),
        }],
        None => args
            .names
            .iter()
            .filter(|name| seen.insert(name.as_str()))
            .map(|name| RestoreRequest {
                pick: TrashPick::Newest(name.clone()),
                rename: args.rename.clone(),
            })
            .collect(),
    };
    let project = Project::discover()?;
    let retention = TrashRetention::of(&project.config);
    let Some(mut store) = project.open_existing_store()? else {
        return Err(StoreError::NotInTrash {
            pick: requests[0].pick.clone(),
        }
        .into());
    };
    retention.expire(&mut store)?;
    let restored = store.restore(&requests).map_err(|error| match error {
        StoreError::NotInTrash {
            pick: TrashPick::Newest(name),
        } => {
            let trashed: Vec<String> = store
                .trash_list()
                .map(|entries| entries.into_iter().map(|entry| entry.name).collect())
                .unwrap_or_default();
            let close = closest(&name, &trashed);
            let hint = if close.is_empty() {
                "`confab sessions trash list` shows what the trash holds".to_owned()
            } else {
                format!("did you mean {}?", close.join(", "))
            };
            CliError::failure(format!("no session named {} in the trash", Quoted(&name)))
                .detail("nothing was restored")
                .hint(hint)
        }
        StoreError::AlreadyExists { name } => CliError::failure(format!(
            "a session named {} already exists",
            Quoted(&name)
        ))
        .detail("nothing was restored")
        .hint(format!(
            "restore it under another name with --as NEW, or delete or rename the live {name} first"
        )),
        other => CliError::from(other).detail("nothing was restored"),
    })?;
    let mut err = stderr();
    for session in &restored {
        if session.name == session.entry.name {
            writeln!(err, "Restored {}", session.name)?;
        } else {
            writeln!(err, "Restored {} as {}", session.entry.name, session.name)?;
        }
    }
    Ok(())
}
