//! `confab sessions list` (also bare `confab sessions`): the sessions of this project.
//!
//! A table on a terminal; one name per line when piped, so `confab sessions list | xargs ...`
//! works; `--format json` for programs. Reads the `sessions` table only, never message bodies.
//!
//! The JSON output is stable: an object with a `sessions` array, one object per session with
//! `name`, `provider`, `model`, `created_at`, `updated_at`, `imported_at` (or null),
//! `last_active_at`, `message_count`, `created_by` and `updated_by` (or null); times are RFC 3339
//! UTC. Fields may be added, never renamed or removed.
//!
//! On a team store, `--mine` and `--by USER` keep the sessions a person created or changed last
//! (by the names [`crate::identity`] records), and the table gains a BY column (who created each
//! session) as soon as anyone but you appears in it: a library of your own stays as it was.

use std::io::Write;

use clap::{Args, ValueEnum};
use confab_core::{SessionStore, SessionSummary};
use serde::Serialize;

use crate::display::{local_second_plain, write_table};
use crate::error::CliError;
use crate::output::{stderr, stdout_is_terminal, write_json};
use crate::project::Project;
use crate::sanitize::sanitize;

/// Arguments of `confab sessions list`.
#[derive(Debug, Default, Args)]
pub(crate) struct ListArgs {
    /// Output format [default: table on a terminal, names otherwise].
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<ListFormat>,

    /// Same as --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,

    /// Only the sessions you created or changed last (you: user.name, CONFAB_USER, git's
    /// user.name, else the OS user).
    #[arg(long, conflicts_with = "by")]
    mine: bool,

    /// Only the sessions USER created or changed last.
    #[arg(long, value_name = "USER")]
    by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    /// Columns for people.
    Table,
    /// The stable JSON document.
    Json,
    /// Session names, one per line.
    Names,
}

const NO_SESSIONS_HINT: &str = "No sessions yet. Start one with `confab chat --session NAME`, or import one with `confab sessions import FILE`.";

pub(crate) fn run(args: &ListArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let mut sessions = match project.open_store_read_only()? {
        Some(store) => store.list()?,
        None => Vec::new(),
    };
    let person = match (&args.by, args.mine) {
        (Some(user), _) => Some(user.trim()),
        (None, true) => Some(project.user_name()),
        (None, false) => None,
    };
    if let Some(person) = person {
        sessions.retain(|session| session.is_by(person));
    }
    let format = match (args.json, args.format) {
        (true, _) => ListFormat::Json,
        (false, Some(format)) => format,
        (false, None) if stdout_is_terminal() => ListFormat::Table,
        (false, None) => ListFormat::Names,
    };
    // A long table is paged on a terminal, like `show`.
    let mut out = crate::pager::stdout();
    match format {
        ListFormat::Json => {
            let document = ListDocument {
                sessions: sessions.iter().map(ListedSession::from).collect(),
            };
            write_json(&mut out, &document)?;
        }
        ListFormat::Names => {
            for session in &sessions {
                writeln!(out, "{}", session.name)?;
            }
            match person {
                Some(person) if sessions.is_empty() => {
                    writeln!(stderr(), "No sessions by {}.", sanitize(person))?;
                }
                // Scripts reading names see none; a person still learns what to do.
                None if sessions.is_empty() => writeln!(stderr(), "{NO_SESSIONS_HINT}")?,
                _ => {}
            }
        }
        ListFormat::Table if sessions.is_empty() && person.is_some() => {
            writeln!(
                stderr(),
                "No sessions by {}.",
                sanitize(person.unwrap_or_default())
            )?;
        }
        ListFormat::Table if sessions.is_empty() => writeln!(out, "{NO_SESSIONS_HINT}")?,
        ListFormat::Table => {
            let me = project.user_name();
            let team = sessions
                .iter()
                .any(|session| session.created_by.as_deref().is_some_and(|by| by != me));
            let rows: Vec<Vec<String>> = sessions
                .iter()
                .map(|session| {
                    let mut row = vec![
                        session.name.clone(),
                        local_second_plain(session.created_at),
                        local_second_plain(session.updated_at),
                        session.message_count.to_string(),
                        // Escaped before the widths are measured: they count what is shown.
                        sanitize(&session.model).into_owned(),
                        sanitize(&session.provider).into_owned(),
                    ];
                    if team {
                        row.push(
                            sanitize(session.created_by.as_deref().unwrap_or("-")).into_owned(),
                        );
                    }
                    row
                })
                .collect();
            let mut headers = vec![
                "NAME", "CREATED", "UPDATED", "MESSAGES", "MODEL", "PROVIDER",
            ];
            if team {
                headers.push("BY");
            }
            write_table(&mut out, &headers, &rows, &[3])?;
        }
    }
    Ok(out.finish()?)
}

#[derive(Serialize)]
struct ListDocument<'a> {
    sessions: Vec<ListedSession<'a>>,
}

#[derive(Serialize)]
struct ListedSession<'a> {
    name: &'a str,
    provider: &'a str,
    model: &'a str,
    created_at: jiff::Timestamp,
    updated_at: jiff::Timestamp,
    imported_at: Option<jiff::Timestamp>,
    last_active_at: jiff::Timestamp,
    message_count: u64,
    created_by: Option<&'a str>,
    updated_by: Option<&'a str>,
}

impl<'a> From<&'a SessionSummary> for ListedSession<'a> {
    fn from(session: &'a SessionSummary) -> ListedSession<'a> {
        ListedSession {
            name: &session.name,
            provider: &session.provider,
            model: &session.model,
            created_at: session.created_at,
            updated_at: session.updated_at,
            imported_at: session.imported_at,
            last_active_at: session.last_activity(),
            message_count: session.message_count,
            created_by: session.created_by.as_deref(),
            updated_by: session.updated_by.as_deref(),
        }
    }
}
