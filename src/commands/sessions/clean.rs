//! `confab sessions clean`: removes sessions inactive for longer than an age.
//!
//! A session's last activity is the later of its last update and the time it was imported, so a
//! checkpoint of an old conversation imported today is not cleaned away tomorrow.

use std::io::Write;

use clap::Args;
use confab_core::{SessionStore, SessionSummary};
use jiff::ZonedDateTime;

use crate::age::Age;
use crate::display::local_minute;
use crate::error::CliError;
use crate::output::stdout;
use crate::project::Project;

/// Arguments of `confab sessions clean`.
#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    /// Remove sessions inactive for longer than this: a whole number and h (hours), d (days),
    /// w (weeks) or m (months). `0d` removes every session. [default: sessions.retention, else 30d]
    #[arg(long, value_name = "AGE", allow_hyphen_values = true)]
    older_than: Option<Age>,

    /// Show what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) fn run(args: &CleanArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let age = args
        .older_than
        .or(project.config.retention)
        .unwrap_or(Age::DEFAULT);
    let mut out = stdout();
    let Some(mut store) = project.open_existing_store()? else {
        writeln!(out, "No sessions inactive for more than {age}.")?;
        return Ok(());
    };
    let cutoff = if age.is_zero() {
        None
    } else {
        Some(age.before(&ZonedDateTime::now()).ok_or_else(|| {
            CliError::usage(format!(
                "--older-than {age} reaches back before the calendar begins"
            ))
        })?)
    };
    let stale: Vec<SessionSummary> = if args.dry_run {
        store
            .list()?
            .into_iter()
            .filter(|session| cutoff.is_none_or(|cutoff| session.last_activity() < cutoff))
            .collect()
    } else {
        // Chosen and deleted in one transaction: what changed since is judged as it is now.
        store.delete_inactive(cutoff)?
    };
    if stale.is_empty() {
        writeln!(out, "No sessions inactive for more than {age}.")?;
        return Ok(());
    }
    let verb = if args.dry_run {
        "Would remove"
    } else {
        "Removed"
    };
    let noun = if stale.len() == 1 {
        "session"
    } else {
        "sessions"
    };
    writeln!(
        out,
        "{verb} {} {noun} inactive for more than {age}:",
        stale.len()
    )?;
    for session in &stale {
        writeln!(
            out,
            "  {}  (last active {})",
            session.name,
            local_minute(session.last_activity())
        )?;
    }
    Ok(())
}
