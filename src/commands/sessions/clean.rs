//! `confab sessions clean`: removes sessions inactive for longer than an age, to the trash.
//!
//! A session's last activity is the later of its last update and the time it was imported, so a
//! checkpoint of an old conversation imported today is not cleaned away tomorrow. `--keep N`
//! (or `retention.keep`) keeps the N most recently active sessions whatever their age: a
//! session goes when it is older than the age *and* not among the N newest.
//!
//! Removed sessions go to the trash (`confab sessions trash`) unless `--purge` (or
//! `retention.trash: 0d`). On a terminal, clean shows what it will remove and asks first
//! (`crate::confirm`); `--yes` does not ask, and neither does a script. Every report names the
//! date the age reaches back to, since `30m` means thirty months (as in Atmos), not minutes.

use std::io::Write;

use clap::Args;
use confab_core::{CleanRule, Disposal, SessionStore, SessionSummary};
use jiff::{Timestamp, ZonedDateTime};

use crate::age::Age;
use crate::commands::sessions::trash::{TrashRetention, undo_hint};
use crate::confirm::{can_ask, confirm};
use crate::display::{counted, local_minute, thousands};
use crate::error::CliError;
use crate::output::{stderr, stdout};
use crate::project::Project;

/// Arguments of `confab sessions clean`.
#[derive(Debug, Args)]
pub(crate) struct CleanArgs {
    /// Remove sessions inactive for longer than this: a whole number and min (minutes),
    /// h (hours), d (days), w (weeks) or mo (months; m also means months, as in Atmos). `0d`
    /// removes every session. [default: sessions.retention, else 30d]
    #[arg(long, value_name = "AGE", allow_hyphen_values = true)]
    older_than: Option<Age>,

    /// Keep the N most recently active sessions, whatever their age. [default: retention.keep,
    /// else 0]
    #[arg(long, value_name = "N")]
    keep: Option<usize>,

    /// Show what would be removed, and remove nothing.
    #[arg(long)]
    dry_run: bool,

    /// Delete for good instead of moving to the trash: they cannot be restored.
    #[arg(long)]
    purge: bool,

    /// Do not ask first (confab asks only when stdin and stderr are terminals).
    #[arg(short, long)]
    yes: bool,

    /// Only sessions you created or changed last: on a team's shared store, clean your own.
    #[arg(long, conflicts_with = "by")]
    mine: bool,

    /// Only sessions USER created or changed last.
    #[arg(long, value_name = "USER")]
    by: Option<String>,
}

/// What a clean removes, in words: the age, the date it reaches back to, the sessions kept.
struct Scope {
    age: Age,
    cutoff: Option<Timestamp>,
    keep: usize,
}

impl Scope {
    /// `inactive for more than 30d (last active before 2026-11-07 16:49), beyond the 5 most
    /// recent`; empty for `0d` without `--keep`.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(cutoff) = self.cutoff {
            parts.push(format!(
                "inactive for more than {} (last active before {})",
                self.age,
                local_minute(cutoff)
            ));
        }
        match self.keep {
            0 => {}
            1 => parts.push("beyond the most recent".to_owned()),
            keep => parts.push(format!("beyond the {} most recent", thousands(keep))),
        }
        parts.join(", ")
    }
}

pub(crate) fn run(args: &CleanArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let age = args
        .older_than
        .or(project.config.retention)
        .unwrap_or(Age::DEFAULT);
    let keep = args.keep.or(project.config.retention_keep).unwrap_or(0);
    let retention = TrashRetention::of(&project.config);
    let purge = args.purge || retention.keeps_nothing();
    let cutoff = if age.is_zero() {
        None
    } else {
        Some(age.before(&ZonedDateTime::now()).ok_or_else(|| {
            CliError::usage(format!(
                "--older-than {age} reaches back before the calendar begins"
            ))
        })?)
    };
    let scope = Scope { age, cutoff, keep };
    let mut rule = CleanRule {
        inactive_before: cutoff,
        keep,
        only: None,
    };
    let mut out = stdout();
    let nothing = match scope.describe() {
        scope if scope.is_empty() => "No sessions.".to_owned(),
        scope => format!("No sessions {scope}."),
    };
    let Some(mut store) = project.open_existing_store()? else {
        writeln!(out, "{nothing}")?;
        return Ok(());
    };
    let person = match (&args.by, args.mine) {
        (Some(user), _) => Some(user.trim().to_owned()),
        (None, true) => Some(project.user_name().to_owned()),
        (None, false) => None,
    };
    // Whose sessions may go: everyone's, or one person's (their `--keep` most recent stay).
    let candidates = |store: &crate::store::Store| -> Result<Vec<SessionSummary>, CliError> {
        let mut sessions = store.list()?;
        if let Some(person) = &person {
            sessions.retain(|session| session.is_by(person));
        }
        Ok(sessions)
    };
    if person.is_some() {
        // The store chooses among these only, judged again as they are when it removes them.
        rule.only = Some(
            rule.select(candidates(&store)?)
                .into_iter()
                .map(|session| session.name)
                .collect(),
        );
    }
    let (would, did, destination) = if purge {
        ("Would delete", "Deleted", " for good")
    } else {
        ("Would move", "Moved", " to the trash")
    };
    if args.dry_run {
        let stale = rule.select(candidates(&store)?);
        if stale.is_empty() {
            writeln!(out, "{nothing}")?;
        }
        for line in report(would, &stale, &scope, destination) {
            writeln!(out, "{line}")?;
        }
        return Ok(());
    }
    if !args.yes && can_ask() {
        let stale = rule.select(candidates(&store)?);
        // Nothing to ask about: the clean below finds nothing and still expires the trash.
        if !stale.is_empty() {
            let sessions = counted(stale.len(), "session", "sessions");
            let question = if purge {
                format!("Delete {sessions} for good? They cannot be restored.")
            } else {
                format!("Move {sessions} to the trash?")
            };
            confirm(&report(would, &stale, &scope, destination), &question)?;
        }
        // What goes is at most what the person was shown and agreed to.
        rule.only = Some(stale.into_iter().map(|session| session.name).collect());
    }
    let disposal = if purge {
        Disposal::Purge
    } else {
        Disposal::Trash {
            trashed_at: Timestamp::now(),
        }
    };
    // Chosen and removed in one transaction: what changed since the question is judged as it
    // is now, within what was agreed to.
    let stale = store.clean(&rule, disposal)?;
    if stale.is_empty() {
        writeln!(out, "{nothing}")?;
    } else {
        for line in report(did, &stale, &scope, destination) {
            writeln!(out, "{line}")?;
        }
        if !purge {
            let names: Vec<String> = stale.into_iter().map(|session| session.name).collect();
            writeln!(stderr(), "{}", undo_hint(&names, retention))?;
        }
    }
    retention.expire_after_removal(&mut store)?;
    Ok(())
}

/// `Moved 2 sessions to the trash, inactive for more than 30d (...):` and one line per
/// session, the names padded to the widest.
fn report(verb: &str, stale: &[SessionSummary], scope: &Scope, destination: &str) -> Vec<String> {
    if stale.is_empty() {
        return Vec::new();
    }
    let width = stale
        .iter()
        .map(|session| session.name.chars().count())
        .max()
        .unwrap_or(0);
    let scope = match scope.describe() {
        scope if scope.is_empty() => scope,
        scope => format!(", {scope}"),
    };
    let mut lines = vec![format!(
        "{verb} {}{destination}{scope}:",
        counted(stale.len(), "session", "sessions"),
    )];
    lines.extend(stale.iter().map(|session| {
        format!(
            "  {:<width$}  last active {}",
            session.name,
            local_minute(session.last_activity())
        )
    }));
    lines
}
