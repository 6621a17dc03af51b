//! `confab sessions search QUERY`: find the session where something was said.
//!
//! Full-text search over message content (SQLite FTS5, ranked by BM25) and over session names.
//! Every word of the query must match; `"quoted words"` match as a phrase; nothing else in the
//! query has a special meaning, so any text a user pastes is safe to search for.
//!
//! `--format json` prints a stable document: `{"hits": [{"session", "provider", "model",
//! "message" (position from 1, or null for a name match), "role", "created_at", "snippet",
//! "resume"}]}`, the snippet with matches between `**`. Fields may be added, never removed.

use std::io::Write;

use clap::{Args, ValueEnum};
use confab_core::{HIGHLIGHT_END, HIGHLIGHT_START, Role, SearchHit, SearchQuery, SessionStore};
use confab_store_sqlite::SqliteStore;
use jiff::ZonedDateTime;
use serde::Serialize;

use crate::age::Age;
use crate::display::local_second;
use crate::error::CliError;
use crate::output::{stderr, stdout, stdout_is_terminal, write_json};
use crate::project::Project;
use crate::sanitize::Sanitized;

/// Arguments of `confab sessions search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// The words to find; "quoted words" match as a phrase.
    #[arg(required = true, value_name = "QUERY")]
    query: Vec<String>,

    /// Only messages with this role.
    #[arg(long, value_enum)]
    role: Option<RoleArg>,

    /// Only sessions with this provider.
    #[arg(long)]
    provider: Option<String>,

    /// Only sessions with this model.
    #[arg(long)]
    model: Option<String>,

    /// Only messages from the last AGE: min (minutes), h (hours), d (days), w (weeks), mo (months;
    /// m also means months).
    #[arg(long, value_name = "AGE", allow_hyphen_values = true)]
    since: Option<Age>,

    /// At most this many hits.
    #[arg(long, default_value_t = 20)]
    limit: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = SearchFormat::Text)]
    format: SearchFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    User,
    Assistant,
    System,
    Tool,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::User => Role::User,
            RoleArg::Assistant => Role::Assistant,
            RoleArg::System => Role::System,
            RoleArg::Tool => Role::Tool,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SearchFormat {
    Text,
    Json,
}

pub(crate) fn run(args: &SearchArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let since = match args.since {
        Some(age) => Some(age.before(&ZonedDateTime::now()).ok_or_else(|| {
            CliError::usage(format!(
                "--since {age} reaches back before the calendar begins"
            ))
        })?),
        None => None,
    };
    let query = SearchQuery {
        text: args.query.join(" "),
        role: args.role.map(Role::from),
        provider: args.provider.clone(),
        model: args.model.clone(),
        since,
        limit: args.limit,
    };
    let hits = match store_to_search(&project)? {
        Some(store) => store.search(&query)?,
        None => Vec::new(),
    };
    let mut out = stdout();
    match args.format {
        SearchFormat::Json => {
            #[derive(Serialize)]
            struct Document {
                hits: Vec<JsonHit>,
            }
            write_json(
                &mut out,
                &Document {
                    hits: hits.iter().map(JsonHit::from).collect(),
                },
            )?;
        }
        SearchFormat::Text if hits.is_empty() => {
            writeln!(
                stderr(),
                "No matches for {}.",
                confab_core::Quoted(&query.text)
            )?;
        }
        SearchFormat::Text => {
            let bold = stdout_is_terminal();
            for (index, hit) in hits.iter().enumerate() {
                if index > 0 {
                    writeln!(out)?;
                }
                let place = match hit.message {
                    Some((position, role)) => {
                        let time = hit
                            .created_at
                            .map(|time| format!(" · {}", local_second(time)))
                            .unwrap_or_default();
                        format!("message {} · {role}{time}", position + 1)
                    }
                    None => "session name".to_owned(),
                };
                writeln!(out, "{} ({place})", hit.session)?;
                write!(out, "  ")?;
                write_highlighted(&mut out, &hit.snippet.replace('\n', " "), bold)?;
                writeln!(out)?;
                writeln!(out, "  resume: confab chat --session {}", hit.session)?;
            }
        }
    }
    Ok(())
}

/// The snippet with matches in bold on a terminal and in `**` elsewhere; the output handle
/// sanitises the text itself.
fn write_highlighted(
    out: &mut Sanitized<impl Write>,
    snippet: &str,
    terminal: bool,
) -> std::io::Result<()> {
    let mut rest = snippet;
    while let Some(start) = rest.find(HIGHLIGHT_START) {
        out.write_all(&rest.as_bytes()[..start])?;
        let after = &rest[start + HIGHLIGHT_START.len_utf8()..];
        let (matched, next) = after.split_once(HIGHLIGHT_END).unwrap_or((after, ""));
        if terminal {
            out.bold(matched)?;
        } else {
            write!(out, "**{matched}**")?;
        }
        rest = next;
    }
    out.write_all(rest.as_bytes())
}

#[derive(Serialize)]
struct JsonHit {
    session: String,
    provider: String,
    model: String,
    message: Option<u64>,
    role: Option<Role>,
    created_at: Option<jiff::Timestamp>,
    snippet: String,
    resume: String,
}

impl From<&SearchHit> for JsonHit {
    fn from(hit: &SearchHit) -> JsonHit {
        JsonHit {
            session: hit.session.clone(),
            provider: hit.provider.clone(),
            model: hit.model.clone(),
            message: hit.message.map(|(position, _)| position + 1),
            role: hit.message.map(|(_, role)| role),
            created_at: hit.created_at,
            snippet: hit.snippet.replace([HIGHLIGHT_START, HIGHLIGHT_END], "**"),
            resume: format!("confab chat --session {}", hit.session),
        }
    }
}

/// The project's store, its search index brought up to date first when it lags (an import or a
/// chat was stopped before its index caught up, or another process is catching up now).
///
/// Catching up needs a write. A store that cannot be written (a read-only mount) is searched as
/// it is: the search is exact either way, it only has to index the backlog on the fly each time.
fn store_to_search(project: &Project) -> Result<Option<SqliteStore>, CliError> {
    let Some(store) = project.open_store_read_only()? else {
        return Ok(None);
    };
    let backlog = store.index_backlog()?.messages;
    if backlog == 0 {
        return Ok(Some(store));
    }
    let caught_up = project.open_existing_store().and_then(|writable| {
        let Some(mut writable) = writable else {
            return Ok(None);
        };
        crate::indexing::update(&mut writable)?;
        Ok(Some(writable))
    });
    match caught_up {
        Ok(Some(writable)) => Ok(Some(writable)),
        Ok(None) => Ok(Some(store)),
        Err(error) => {
            writeln!(
                crate::output::stderr(),
                "warning: the search index lacks {backlog} messages and cannot be updated ({}); \
                 searching them directly",
                error.message()
            )?;
            Ok(Some(store))
        }
    }
}
