//! `confab sessions search QUERY`: find the session where something was said.
//!
//! Full-text search over message content (SQLite FTS5, ranked by BM25) and over session names.
//! Every word of the query must match, as itself, as an English inflection of it (`stack` finds
//! `stacks`, `stacked`, `stacking`), or as the beginning of a longer word (`kube` finds
//! `kubectl`); `"quoted words"` match as a phrase of whole words; nothing else in the query has a
//! special meaning, so any text a user pastes is safe to search for. A query without a letter or
//! digit (empty, spaces, punctuation or emoji alone) has no word to match and is refused.
//!
//! It answers as grep does, so scripts can ask it: exit 0 when something matched, 1 when nothing
//! did (nothing on stdout; on a terminal a note on stderr says so), 2 on an error, whatever it
//! was (a store that cannot be read exits 2, not 1, so it never passes for "no match").
//!
//! Matches are coloured (`--color`, see [`crate::color`]) or, without colour, put between `**`.
//!
//! `--format json` prints a stable document: `{"hits": [{"session", "provider", "model",
//! "message" (position from 1, or null for a name match), "role", "created_at", "snippet",
//! "matches", "resume"}]}`. `snippet` is plain text; `matches` lists where the matches are in it,
//! `[{"start", "end"}]`, as UTF-8 byte offsets (`end` exclusive), in order. (Until issue 18 the
//! snippet carried its matches between `**`, which could not be told from text holding `**`.)
//! With no match the document has no hits and the exit code is 1. Fields may be added, never
//! removed.
use std::io::Write;
use std::ops::Range;

use crate::store::Store;
use clap::{Args, ValueEnum};
use confab_core::{HIGHLIGHT_END, HIGHLIGHT_START, Role, SearchHit, SearchQuery, SessionStore};
use jiff::ZonedDateTime;
use serde::Serialize;

use crate::age::Age;
use crate::color::ColorChoice;
use crate::display::local_second;
use crate::error::CliError;
use crate::output::{stderr, stdout_is_terminal, write_json};
use crate::project::Project;
use crate::sanitize::Sanitized;

/// Arguments of `confab sessions search`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit status, as grep's: 0 when something matched, 1 when nothing did \
    (nothing is printed then, but a note on a terminal), 2 on an error."
)]
pub(crate) struct SearchArgs {
    /// The words to find; every word must match: as itself, in another English form (stack finds
    /// stacks, stacking) or as the start of a longer word (kube finds kubectl). "Quoted words"
    /// match as a phrase of whole words.
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

    /// At most this many hits (1 or more).
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = parse_limit)]
    limit: usize,

    /// Output format; json gives each hit's snippet as plain text with the matches' byte offsets.
    #[arg(long, value_enum, default_value_t = SearchFormat::Text)]
    format: SearchFormat,

    /// When to colour the matches; without colour they are put between **.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// `--limit N`: a positive number. 0 would show nothing and answer "no match" for a store that
/// has matches, so it is refused rather than given a meaning.
fn parse_limit(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("a search shows at least 1 hit; leave --limit out for 20".to_owned()),
        Ok(limit) => Ok(limit),
        Err(error) => Err(format!("{error}; give a number of hits, 1 or more")),
    }
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
    search(args).map_err(CliError::searching)
}

fn search(args: &SearchArgs) -> Result<(), CliError> {
    let text = args.query.join(" ");
    if !text.chars().any(char::is_alphanumeric) {
        let what = if text.trim().is_empty() {
            "the query is empty".to_owned()
        } else {
            format!(
                "the query {} has no word to search for",
                confab_core::Quoted(&text)
            )
        };
        return Err(CliError::usage(what).hint(
            "search finds words (letters and digits), e.g. `confab sessions search pending pods`",
        ));
    }
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
        text,
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
    // Many hits on a terminal go through the pager, as `show` and `list` do.
    let mut paged = crate::pager::stdout();
    let out = paged.sanitized();
    match args.format {
        SearchFormat::Json => {
            #[derive(Serialize)]
            struct Document {
                hits: Vec<JsonHit>,
            }
            write_json(
                out,
                &Document {
                    hits: hits.iter().map(JsonHit::from).collect(),
                },
            )?;
        }
        SearchFormat::Text => {
            let color = args.color.for_stdout();
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
                if color {
                    out.bold(&hit.session)?;
                } else {
                    write!(out, "{}", hit.session)?;
                }
                writeln!(out, " ({place})")?;
                write!(out, "  ")?;
                write_highlighted(out, &Snippet::of(&hit.snippet.replace('\n', " ")), color)?;
                writeln!(out)?;
                writeln!(out, "  resume: confab chat --session {}", hit.session)?;
            }
        }
    }
    paged.finish()?;
    if hits.is_empty() {
        // A person at a terminal is told; a script gets grep's silence and exit code.
        if args.format == SearchFormat::Text && stdout_is_terminal() {
            writeln!(
                stderr(),
                "No matches for {}.",
                confab_core::Quoted(&query.text)
            )?;
        }
        return Err(CliError::no_match());
    }
    Ok(())
}

/// The SGR style of a match: bold red, as grep and ripgrep colour theirs.
const MATCH_STYLE: &str = "1;31";

/// The snippet with its matches coloured, or between `**` without colour; the output handle
/// sanitises the text itself.
fn write_highlighted(
    out: &mut Sanitized<impl Write>,
    snippet: &Snippet,
    color: bool,
) -> std::io::Result<()> {
    let text = snippet.text.as_str();
    let mut at = 0;
    for range in &snippet.matches {
        out.write_all(&text.as_bytes()[at..range.start])?;
        let matched = &text[range.clone()];
        if color {
            out.styled(MATCH_STYLE, matched)?;
        } else {
            write!(out, "**{matched}**")?;
        }
        at = range.end;
    }
    out.write_all(&text.as_bytes()[at..])
}

/// A snippet as plain text and where its matches are: byte ranges into `text`, in order.
#[derive(Debug, PartialEq, Eq)]
struct Snippet {
    text: String,
    matches: Vec<Range<usize>>,
}

impl Snippet {
    /// `marked` (matches between [`HIGHLIGHT_START`] and [`HIGHLIGHT_END`], as the store marks
    /// them) without its markers. A match left open runs to the end; an empty one is dropped.
    fn of(marked: &str) -> Snippet {
        let mut text = String::with_capacity(marked.len());
        let mut matches = Vec::new();
        let mut open: Option<usize> = None;
        for c in marked.chars() {
            match c {
                HIGHLIGHT_START => {
                    open.get_or_insert(text.len());
                }
                HIGHLIGHT_END => {
                    if let Some(start) = open.take() {
                        matches.push(start..text.len());
                    }
                }
                c => text.push(c),
            }
        }
        if let Some(start) = open {
            matches.push(start..text.len());
        }
        matches.retain(|range| !range.is_empty());
        Snippet { text, matches }
    }
}

#[derive(Serialize)]
struct JsonHit {
    session: String,
    provider: String,
    model: String,
    message: Option<u64>,
    role: Option<Role>,
    created_at: Option<jiff::Timestamp>,
    /// Plain text: no marks.
    snippet: String,
    /// Where the matches are in `snippet`, as UTF-8 byte offsets.
    matches: Vec<JsonMatch>,
    resume: String,
}

/// A match in a snippet: bytes `start..end` of its UTF-8 text.
#[derive(Serialize)]
struct JsonMatch {
    start: usize,
    end: usize,
}

impl From<&SearchHit> for JsonHit {
    fn from(hit: &SearchHit) -> JsonHit {
        let snippet = Snippet::of(&hit.snippet);
        JsonHit {
            session: hit.session.clone(),
            provider: hit.provider.clone(),
            model: hit.model.clone(),
            message: hit.message.map(|(position, _)| position + 1),
            role: hit.message.map(|(_, role)| role),
            created_at: hit.created_at,
            matches: snippet
                .matches
                .iter()
                .map(|range| JsonMatch {
                    start: range.start,
                    end: range.end,
                })
                .collect(),
            snippet: snippet.text,
            resume: format!("confab chat --session {}", hit.session),
        }
    }
}

/// The project's store, its search index brought up to date first when it lags (an import or a
/// chat was stopped before its index caught up, or another process is catching up now).
///
/// Catching up needs a write. A store that cannot be written (a read-only mount) is searched as
/// it is: the search is exact either way, it only has to index the backlog on the fly each time.
fn store_to_search(project: &Project) -> Result<Option<Store>, CliError> {
    let Some(store) = project.open_store_read_only()? else {
        return Ok(None);
    };
    let backlog = store.index_backlog()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str) -> String {
        text.replace('[', &HIGHLIGHT_START.to_string())
            .replace(']', &HIGHLIGHT_END.to_string())
    }

    #[test]
    fn a_snippet_loses_its_marks_and_keeps_where_they_were() {
        let snippet = Snippet::of(&marked("Why are [pods] in [Pending]?"));
        assert_eq!(snippet.text, "Why are pods in Pending?");
        assert_eq!(snippet.matches, [8..12, 16..23]);
        // Offsets are UTF-8 bytes: `é` and `…` take two and three.
        let snippet = Snippet::of(&marked("…café [déployé] [漢字テスト]"));
        assert_eq!(snippet.text, "…café déployé 漢字テスト");
        assert_eq!(&snippet.text[snippet.matches[0].clone()], "déployé");
        assert_eq!(snippet.matches, [9..18, 19..34]);
        // Text holding `**` stays as it is, told apart from a match.
        let snippet = Snippet::of(&marked("**bold** [x]"));
        assert_eq!((snippet.matches.len(), &snippet.matches[0]), (1, &(9..10)));
        // A match left open runs to the end; an empty one is none.
        let open = Snippet::of(&marked("a [b"));
        assert_eq!((open.matches.len(), &open.matches[0]), (1, &(2..3)));
        assert!(Snippet::of(&marked("a [] b")).matches.is_empty());
    }

    #[test]
    fn matches_are_coloured_or_marked() {
        let snippet = Snippet::of(&marked("the [pods] are \u{9b}2J\u{7} [pending]"));
        let written = |color: bool| {
            let mut out = Vec::new();
            write_highlighted(&mut Sanitized::new(&mut out), &snippet, color).expect("writes");
            String::from_utf8(out).expect("UTF-8")
        };
        assert_eq!(
            written(false),
            "the **pods** are \\u{9b}2J\\u{7} **pending**"
        );
        assert_eq!(
            written(true),
            "the \u{1b}[1;31mpods\u{1b}[0m are \\u{9b}2J\\u{7} \u{1b}[1;31mpending\u{1b}[0m"
        );
    }

    #[test]
    fn a_limit_is_one_or_more() {
        assert_eq!(parse_limit("5"), Ok(5));
        assert!(parse_limit("0").is_err());
        assert!(parse_limit("-1").is_err());
        assert!(parse_limit("many").is_err());
    }
}
