//! `confab sessions trash [list|restore|empty]`: the sessions `delete` and `clean` removed.
//!
//! `delete` and `clean` move sessions to the trash unless told `--purge`, so a slip of the
//! finger or a retention setting that was too eager can be undone. The store keeps the trash
//! (`SessionStore::trash`): a trashed session is gone from `list`, `show`, `search` and
//! `export`, its name is free again, and the same name can be in the trash more than once.
//!
//! The trash keeps a session for `retention.trash` (default 30 days; `0d` keeps nothing, so
//! `delete` and `clean` delete for good). Older entries are deleted for good whenever a command
//! that works on the trash runs: `delete`, `clean` (not its dry run), `trash list`, `trash
//! restore` and `trash empty`. A store nobody touches keeps its trash until one of them runs.
//! Purged sessions are gone for real: nothing of them stays readable in the store's files.

pub(crate) mod empty;
pub(crate) mod list;
pub(crate) mod restore;

use clap::{Args, Subcommand};
use confab_core::{SessionStore, TrashEntry};
use jiff::{Timestamp, ZonedDateTime};

use crate::age::Age;
use crate::config::Config;
use crate::error::CliError;

/// Arguments of `confab sessions trash`.
#[derive(Debug, Args)]
pub(crate) struct TrashArgs {
    #[command(subcommand)]
    command: Option<TrashCommand>,
}

#[derive(Debug, Subcommand)]
enum TrashCommand {
    /// List the sessions in the trash (the default).
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// Put sessions back from the trash.
    Restore(restore::RestoreArgs),
    /// Delete everything in the trash for good.
    Empty(empty::EmptyArgs),
}

pub(crate) fn run(args: TrashArgs) -> Result<(), CliError> {
    match args.command {
        None => list::run(&list::ListArgs::default()),
        Some(TrashCommand::List(args)) => list::run(&args),
        Some(TrashCommand::Restore(args)) => restore::run(&args),
        Some(TrashCommand::Empty(args)) => empty::run(&args),
    }
}

/// How long the trash keeps a session (`retention.trash`, default 30 days).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TrashRetention(Age);

impl TrashRetention {
    /// The project's setting.
    pub(crate) fn of(config: &Config) -> TrashRetention {
        TrashRetention(config.trash_retention.unwrap_or(Age::DEFAULT))
    }

    /// Whether the trash keeps nothing (`retention.trash: 0d`): removals are for good.
    pub(crate) fn keeps_nothing(self) -> bool {
        self.0.is_zero()
    }

    /// Deletes for good what has been in the trash for longer than the setting.
    pub(crate) fn expire(self, store: &mut impl SessionStore) -> Result<Vec<TrashEntry>, CliError> {
        let cutoff = if self.keeps_nothing() {
            Some(Timestamp::now())
        } else {
            // An age beyond the calendar keeps everything.
            match self.0.before(&ZonedDateTime::now()) {
                Some(cutoff) => Some(cutoff),
                None => return Ok(Vec::new()),
            }
        };
        Ok(store.purge_trash(cutoff)?)
    }
}

impl TrashRetention {
    /// [`TrashRetention::expire`] after a removal that has committed: a failure is a warning,
    /// not the command's error, since what the user asked for is done and reported.
    pub(crate) fn expire_after_removal(self, store: &mut impl SessionStore) -> std::io::Result<()> {
        if let Err(error) = self.expire(store) {
            use std::io::Write;
            writeln!(
                crate::output::stderr(),
                "warning: entries older than {self} stay in the trash for now: {}",
                error.message()
            )?;
        }
        Ok(())
    }
}

impl std::fmt::Display for TrashRetention {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// "Restore with `confab sessions trash restore a b`; the trash keeps them for 30d."
pub(crate) fn undo_hint(names: &[String], retention: TrashRetention) -> String {
    let (them, command) = if names.len() == 1 {
        ("it", format!("confab sessions trash restore {}", names[0]))
    } else if names.len() <= 5 {
        (
            "them",
            format!("confab sessions trash restore {}", names.join(" ")),
        )
    } else {
        ("them", "confab sessions trash restore NAME".to_owned())
    };
    format!("Restore with `{command}`; the trash keeps {them} for {retention}.")
}
