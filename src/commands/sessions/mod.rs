//! `confab sessions ...`: the session commands, one file each.

pub(crate) mod clean;
pub(crate) mod copy;
pub(crate) mod delete;
pub(crate) mod export;
pub(crate) mod fork;
pub(crate) mod import;
pub(crate) mod list;
pub(crate) mod rename;
pub(crate) mod search;
pub(crate) mod show;
pub(crate) mod trash;
pub(crate) mod validate;
pub(crate) mod view;

use clap::{Args, Subcommand};

use crate::error::CliError;

/// Arguments of `confab sessions`.
#[derive(Debug, Args)]
pub(crate) struct SessionsArgs {
    #[command(subcommand)]
    command: Option<SessionsCommand>,
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
    /// List the sessions of this project (the default).
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// Find messages and sessions by what was said.
    Search(search::SearchArgs),
    /// Print a session's transcript (paged on a terminal when long), or the session as JSON.
    Show(show::ShowArgs),
    /// Open a session as an HTML page in the browser (`--print-path` only writes it).
    View(view::ViewArgs),
    /// Remove sessions inactive for longer than an age (to the trash).
    ///
    /// Removed sessions go to the trash (`confab sessions trash`) unless --purge. On a terminal,
    /// clean lists what it will remove and asks first; --yes skips the question, and a script
    /// is never asked.
    Clean(clean::CleanArgs),
    /// Delete sessions by name (to the trash).
    ///
    /// Deleted sessions go to the trash (`confab sessions trash`) unless --purge. On a terminal,
    /// deleting more than one session lists them and asks first; --yes skips the question, and
    /// a script is never asked.
    #[command(visible_alias = "rm")]
    Delete(delete::DeleteArgs),
    /// Give a session another name.
    Rename(rename::RenameArgs),
    /// Copy a session, whole or up to a message, to go on differently in the copy.
    Fork(fork::ForkArgs),
    /// Copy sessions to another store (the team's PostgreSQL store, a sessions.db), as they are.
    ///
    /// A session absent there is created whole; one the destination has the first messages of
    /// gets the rest; an identical one is left alone, so copying again changes nothing. One that
    /// went further there is left alone, and one that diverged is not copied (exit 1), unless
    /// --overwrite. Each session is one transaction.
    Copy(copy::CopyArgs),
    /// List, restore or empty the sessions that delete and clean removed.
    ///
    /// The trash keeps a session for retention.trash (default 30d; 0d keeps nothing). Older
    /// entries are deleted for good whenever delete, clean or a trash command runs.
    Trash(trash::TrashArgs),
    /// Write a session to a checkpoint file (JSON, YAML, ...).
    Export(export::ExportArgs),
    /// Read a checkpoint file into this project's store.
    Import(import::ImportArgs),
    /// Check checkpoint files against the schema, as import does, without a store.
    Validate(validate::ValidateArgs),
}

pub(crate) fn run(args: SessionsArgs) -> Result<(), CliError> {
    match args.command {
        None => list::run(&list::ListArgs::default()),
        Some(SessionsCommand::List(args)) => list::run(&args),
        Some(SessionsCommand::Search(args)) => search::run(&args),
        Some(SessionsCommand::Show(args)) => show::run(&args),
        Some(SessionsCommand::View(args)) => view::run(&args),
        Some(SessionsCommand::Clean(args)) => clean::run(&args),
        Some(SessionsCommand::Delete(args)) => delete::run(&args),
        Some(SessionsCommand::Rename(args)) => rename::run(&args),
        Some(SessionsCommand::Fork(args)) => fork::run(&args),
        Some(SessionsCommand::Copy(args)) => copy::run(&args),
        Some(SessionsCommand::Trash(args)) => trash::run(args),
        Some(SessionsCommand::Export(args)) => export::run(&args),
        Some(SessionsCommand::Import(args)) => import::run(&args),
        Some(SessionsCommand::Validate(args)) => validate::run(&args),
    }
}

/// "No session named X", with the closest existing names as a hint.
pub(crate) fn not_found(name: &str, existing: &[String]) -> CliError {
    let error = CliError::failure(format!("no session named {}", confab_core::Quoted(name)));
    let close = closest(name, existing);
    if close.is_empty() {
        return error.hint("`confab sessions list` shows the sessions there are");
    }
    error.hint(format!("did you mean {}?", close.join(", ")))
}

/// The (at most three) names of `existing` closest to `name`, closest first.
pub(crate) fn closest<'a>(name: &str, existing: &'a [String]) -> Vec<&'a str> {
    let mut close: Vec<(f64, &String)> = existing
        .iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    close.dedup_by(|a, b| a.1 == b.1);
    close
        .iter()
        .take(3)
        .map(|(_, name)| name.as_str())
        .collect()
}

/// The names in `store`, for suggestions; empty if the store cannot list them.
pub(crate) fn existing_names(store: &impl confab_core::SessionStore) -> Vec<String> {
    store
        .list()
        .map(|list| list.into_iter().map(|session| session.name).collect())
        .unwrap_or_default()
}
