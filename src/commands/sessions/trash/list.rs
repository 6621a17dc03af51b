//! `confab sessions trash list` (also bare `confab sessions trash`): what the trash holds.
//!
//! A table, oldest first, with the id `restore --id` takes (the same name can be there twice);
//! `--format json` for programs: an object with a `trash` array, one object per entry with `id`,
//! `name`, `trashed_at`, `reason` (`deleted` or `cleaned`), `message_count`, `size` (bytes) and
//! `last_active_at`; times are RFC 3339 UTC. Fields may be added, never renamed or removed.
//!
//! Entries older than `retention.trash` are purged first (see the module above).

use std::io::Write;

use clap::{Args, ValueEnum};
use confab_core::{SessionStore, TrashEntry, TrashReason};
use serde::Serialize;

use super::TrashRetention;
use crate::commands::info::format_size_rounded;
use crate::display::{local_minute, write_table};
use crate::error::CliError;
use crate::output::{stderr, stdout, write_json};
use crate::project::Project;

/// Arguments of `confab sessions trash list`.
#[derive(Debug, Default, Args)]
pub(crate) struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t)]
    format: TrashFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
enum TrashFormat {
    /// Columns for people.
    #[default]
    Table,
    /// The stable JSON document.
    Json,
}

pub(crate) fn run(args: &ListArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let retention = TrashRetention::of(&project.config);
    let entries = match project.open_existing_store()? {
        Some(mut store) => {
            retention.expire(&mut store)?;
            store.trash_list()?
        }
        None => Vec::new(),
    };
    let mut out = stdout();
    match args.format {
        TrashFormat::Json => {
            let document = TrashDocument {
                trash: entries.iter().map(ListedEntry::from).collect(),
            };
            write_json(&mut out, &document)?;
        }
        TrashFormat::Table if entries.is_empty() => writeln!(out, "The trash is empty.")?,
        TrashFormat::Table => {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|entry| {
                    vec![
                        entry.id.to_string(),
                        entry.name.clone(),
                        local_minute(entry.trashed_at),
                        entry.reason.as_str().to_owned(),
                        entry.message_count.to_string(),
                        format_size_rounded(entry.size),
                    ]
                })
                .collect();
            write_table(
                &mut out,
                &["ID", "NAME", "TRASHED", "REASON", "MESSAGES", "SIZE"],
                &rows,
                &[0, 4, 5],
            )?;
            writeln!(
                stderr(),
                "The trash keeps sessions for {retention} (retention.trash). Restore one with `confab sessions trash restore NAME` (or `--id ID`)."
            )?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct TrashDocument<'a> {
    trash: Vec<ListedEntry<'a>>,
}

#[derive(Serialize)]
struct ListedEntry<'a> {
    id: i64,
    name: &'a str,
    trashed_at: jiff::Timestamp,
    reason: TrashReason,
    message_count: u64,
    size: u64,
    last_active_at: jiff::Timestamp,
}

impl<'a> From<&'a TrashEntry> for ListedEntry<'a> {
    fn from(entry: &'a TrashEntry) -> ListedEntry<'a> {
        ListedEntry {
            id: entry.id,
            name: &entry.name,
            trashed_at: entry.trashed_at,
            reason: entry.reason,
            message_count: entry.message_count,
            size: entry.size,
            last_active_at: entry.last_active_at,
        }
    }
}
