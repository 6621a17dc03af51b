//! `confab sessions copy [NAME…|--all] --to STORE [--from STORE]`: sessions from one store into
//! another, as they are.
//!
//! This is how a person publishes the sessions of their project to the team's PostgreSQL store,
//! and how someone takes one home: `--to postgres://db/team`, or `--from postgres://db/team --to
//! .confab/sessions.db`. A copy is the same session — every field, its times, metadata, context
//! and `imported_at` — not a new one made now (that is `fork`).
//!
//! **Idempotent.** Copying again changes nothing, so a person (or a cron job) can publish
//! everything as often as they like. Each session is compared with the destination's session of
//! its name ([`Session`]'s `PartialEq`, so a field added to sessions is compared without this file
//! knowing it):
//!
//! | at the destination | what happens |
//! | --- | --- |
//! | nothing of that name | created, whole |
//! | the same session | nothing ("unchanged") |
//! | its first messages, the session otherwise as a chat leaves it | the new messages appended ("updated") |
//! | the session continued further (the source is the prefix) | left alone ("newer at the destination") |
//! | anything else | not copied: the two diverged; a warning, and exit 1 at the end |
//!
//! `--overwrite` replaces the destination's session in the last two cases. "As a chat leaves
//! it" means what [`SessionStore::append_messages`] can change with the messages — the update
//! time, provider and model, custom metadata, who changed it last — is all that differs besides
//! them: the copy then
//! appends exactly what a chat appended, in one call, and the result equals the source.
//!
//! **One transaction per session.** Every session is one store call (`create`, `append_messages`
//! or `replace`), so a failure part way — a network gone, a full disk — leaves each session
//! copied whole or not at all. The copy stops at a failure of the store itself, says what was
//! copied before it, and exits non-zero; running it again goes on from there.
//!
//! **Cheap when little changed.** Both stores are listed first (summaries, no message text);
//! only a session whose summary differs between them is read whole. Ten thousand unchanged
//! sessions cost two listings.
//!
//! **Others at work on the destination.** A session created there since the listing is reported
//! and skipped (`create` refuses the name), never overwritten without `--overwrite`. An append
//! expects the destination's session to hold the messages it was compared with
//! ([`SessionUpdate::expected_messages`]): a chat turn recorded in that same session at the
//! destination in between makes it a conflict, reported and skipped like a diverged session,
//! rather than leaving the turn before the copied messages.
//!
//! Stores are named in every message by [`StoreLocation`]'s `Display`, which never shows the
//! password a URL may hold.

use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};

use clap::{ArgGroup, Args, ValueEnum};
use confab_core::{
    Message, Quoted, Session, SessionStore, SessionSummary, SessionUpdate, StoreError,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::commands::sessions::not_found;
use crate::display::{counted, thousands};
use crate::error::CliError;
use crate::output::{stderr, stdout, write_json};
use crate::project::Project;
use crate::store::{Store, StoreLocation};

/// From this many sessions on, a terminal shows a progress bar.
const BAR_FROM: usize = 20;

/// Arguments of `confab sessions copy`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["names", "all"])))]
pub(crate) struct CopyArgs {
    /// The sessions to copy.
    #[arg(value_name = "NAME")]
    names: Vec<String>,

    /// Copy every session of the source store.
    #[arg(long)]
    all: bool,

    /// The store to copy to: a postgres:// URL or the path of a sessions.db file (relative to
    /// the current folder; created if it does not exist).
    #[arg(long, value_name = "STORE")]
    to: String,

    /// The store to copy from: a postgres:// URL or the path of a sessions.db file [default:
    /// this project's store].
    #[arg(long, value_name = "STORE")]
    from: Option<String>,

    /// Replace the destination's session when the two have diverged, or when it went further
    /// there.
    #[arg(long)]
    overwrite: bool,

    /// Say what would be copied, and write nothing.
    #[arg(long)]
    dry_run: bool,

    /// Output: status lines on stderr only (text), or also a JSON report on stdout.
    #[arg(long, value_enum, default_value_t = CopyFormat::Text)]
    format: CopyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CopyFormat {
    /// Status lines and a summary on stderr.
    Text,
    /// The same, and what happened to each session as JSON on stdout.
    Json,
}

/// What a copy does, or did, with one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    /// Not at the destination: created there.
    New,
    /// The destination had its first messages: the others were appended.
    Updated,
    /// Replaced at the destination (`--overwrite`).
    Replaced,
    /// The same at both: nothing written.
    Unchanged,
    /// Continued further at the destination: left alone.
    NewerAtDestination,
    /// Different at both: not copied.
    Diverged,
    /// The destination changed while copying (a session created or removed meanwhile), or
    /// could not store this one: not copied.
    Failed,
}

impl Outcome {
    /// Whether the destination is written for this outcome.
    fn writes(self) -> bool {
        matches!(self, Outcome::New | Outcome::Updated | Outcome::Replaced)
    }
}

/// How the destination's session of a name relates to the source's.
#[derive(Debug, Clone, PartialEq)]
enum Relation {
    /// They are equal.
    Same,
    /// The destination holds the source as it was before these messages were appended with
    /// this update.
    Behind {
        messages: Vec<Message>,
        update: SessionUpdate,
    },
    /// The source is the destination as it was before messages were appended there.
    Ahead,
    /// Neither is the other, continued.
    Diverged,
}

/// How `destination` relates to `source`, two sessions of one name.
fn relation(source: &Session, destination: &Session) -> Relation {
    if source == destination {
        return Relation::Same;
    }
    if let Some(update) = continuation(destination, source) {
        let messages = source.messages[destination.messages.len()..].to_vec();
        return Relation::Behind { messages, update };
    }
    if continuation(source, destination).is_some() {
        return Relation::Ahead;
    }
    Relation::Diverged
}

/// The update that, with the messages `later` has after those of `earlier`, turns `earlier` into
/// `later` — when one does: `earlier`'s messages are a strict prefix of `later`'s, and nothing
/// else differs than what [`SessionStore::append_messages`] changes.
fn continuation(earlier: &Session, later: &Session) -> Option<SessionUpdate> {
    if earlier.messages.len() >= later.messages.len()
        || !later.messages.starts_with(&earlier.messages)
    {
        return None;
    }
    let mut update = SessionUpdate::at(later.updated_at);
    // Appended only onto the messages compared here: a turn chatted in at the destination
    // meanwhile makes the append a conflict instead of landing before the copied messages.
    update.expected_messages = Some(earlier.messages.len() as u64);
    if earlier.updated_by != later.updated_by {
        // An append cannot take the author away: no update makes `later` then.
        update.by = Some(later.updated_by.clone()?);
    }
    if (&earlier.provider, &earlier.model) != (&later.provider, &later.model) {
        update.provider_model = Some((later.provider.clone(), later.model.clone()));
    }
    if earlier.metadata != later.metadata {
        // An append cannot take the metadata away: no update makes `later` then.
        update.metadata = Some(later.metadata.clone()?);
    }
    let appended = appended(
        earlier.clone(),
        &later.messages[earlier.messages.len()..],
        &update,
    );
    (appended == *later).then_some(update)
}

/// `session` as [`SessionStore::append_messages`] leaves it after appending `messages` with
/// `update`.
fn appended(mut session: Session, messages: &[Message], update: &SessionUpdate) -> Session {
    session.messages.extend_from_slice(messages);
    update.apply_to(&mut session);
    session
}

/// One write to make at the destination.
enum Change {
    Create(Session),
    Append {
        name: String,
        messages: Vec<Message>,
        update: SessionUpdate,
    },
    Replace(Session),
}

pub(crate) fn run(args: &CopyArgs) -> Result<(), CliError> {
    let current = crate::project::current_folder()?;
    let to = StoreLocation::parse(&args.to, &current, "--to")?;
    // The project is needed for its store when there is no --from; with one, a project whose
    // settings cannot be read is no reason not to copy between two named stores.
    let (project, from) = match &args.from {
        Some(from) => (
            Project::discover().ok(),
            StoreLocation::parse(from, &current, "--from")?,
        ),
        None => {
            let project = Project::discover()?;
            let from = project.store()?;
            (Some(project), from)
        }
    };
    if same_store(&from, &to) {
        return Err(CliError::usage(format!(
            "{from} is both the source and the destination"
        ))
        .hint("--to names the store to copy to, --from (default: this project's store) the one to copy from"));
    }
    let Some(source) = from.open_read_only()? else {
        return Err(
            CliError::input(format!("there is no session store at {from}"))
                .hint("--from names a postgres:// URL or an existing sessions.db file"),
        );
    };
    let listed = source.list().map_err(|error| reading(error, &from))?;
    let chosen = choose(&listed, &args.names, args.all)?;

    // A dry run writes nothing, so it does not create the destination either: a store that does
    // not exist yet is an empty one.
    let mut destination = if args.dry_run {
        to.open_read_only()?
    } else {
        Some(to.open()?)
    };
    // Taken home into the project's own store: its `.confab/` gets the `.gitignore` any command
    // creating the store gives it.
    if let (Some(project), StoreLocation::File(path), false) = (&project, &to, args.dry_run)
        && project.store_file().as_ref() == Some(path)
    {
        project.ensure_state_dir();
    }
    let there: BTreeMap<String, SessionSummary> = match &destination {
        Some(store) => store
            .list()
            .map_err(|error| reading(error, &to))?
            .into_iter()
            .map(|summary| (summary.name.clone(), summary))
            .collect(),
        None => BTreeMap::new(),
    };

    let mut copy = Copy {
        from: &from,
        to: &to,
        dry_run: args.dry_run,
        bar: progress_bar(chosen.len()),
        report: Vec::with_capacity(chosen.len()),
        written: false,
    };
    let copied = copy.all(
        &source,
        destination.as_mut(),
        &chosen,
        &there,
        args.overwrite,
    );
    copy.bar.finish_and_clear();
    // Committed and reported (also when the store failed part way); now the copied words reach
    // the search index of a SQLite destination, in one catch-up.
    if copy.written
        && let Some(store) = destination.as_mut()
    {
        crate::indexing::catch_up(store);
    }
    let summary = copy.summary();
    writeln!(stderr(), "{summary}")?;
    if args.format == CopyFormat::Json {
        write_json(
            &mut stdout(),
            &JsonReport {
                from: from.to_string(),
                to: to.to_string(),
                dry_run: args.dry_run,
                sessions: &copy.report,
            },
        )?;
    }
    copied?;
    copy.verdict()
}

/// Whether `a` and `b` are one store: the same file (by its canonical path, so `./x.db` and a
/// link to it are one), or the same database of the same server (whoever logs in).
fn same_store(a: &StoreLocation, b: &StoreLocation) -> bool {
    match (a, b) {
        (StoreLocation::File(a), StoreLocation::File(b)) => {
            match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
                (Ok(a), Ok(b)) => a == b,
                // One does not exist: they cannot be one file (the source must exist anyway).
                _ => a == b,
            }
        }
        (StoreLocation::Postgres(_), StoreLocation::Postgres(_)) => database(a) == database(b),
        _ => false,
    }
}

/// A PostgreSQL store's server and database, as its display shows them (no user, no
/// password), without the connection parameters and with one spelling of the scheme.
fn database(location: &StoreLocation) -> String {
    let shown = location.to_string();
    let without_query = shown.split(['?', '#']).next().unwrap_or_default();
    let (_, rest) = without_query
        .split_once("://")
        .unwrap_or(("", without_query));
    rest.trim_end_matches('/').to_ascii_lowercase()
}

/// The summaries of the sessions to copy: every one with `all`, else those named (a name given
/// twice is one), in the order given. An unknown name copies nothing.
fn choose(
    listed: &[SessionSummary],
    names: &[String],
    all: bool,
) -> Result<Vec<SessionSummary>, CliError> {
    if all {
        return Ok(listed.to_vec());
    }
    let by_name: BTreeMap<&str, &SessionSummary> = listed
        .iter()
        .map(|summary| (summary.name.as_str(), summary))
        .collect();
    let mut seen = HashSet::new();
    let mut chosen = Vec::with_capacity(names.len());
    for name in names.iter().filter(|name| seen.insert(name.as_str())) {
        match by_name.get(name.as_str()) {
            Some(summary) => chosen.push((*summary).clone()),
            None => {
                let existing: Vec<String> = listed.iter().map(|s| s.name.clone()).collect();
                return Err(not_found(name, &existing).detail("nothing was copied"));
            }
        }
    }
    Ok(chosen)
}

/// The bar on a terminal when there are many sessions; a hidden one, which draws nothing,
/// anywhere else.
fn progress_bar(sessions: usize) -> ProgressBar {
    if sessions < BAR_FROM || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(sessions as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "copying {bar:30} {human_pos}/{human_len} sessions, {eta} left  {wide_msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// What happened to one session, for the summary and `--format json`.
#[derive(Debug, Serialize)]
struct Copied {
    name: String,
    outcome: Outcome,
    /// The messages written: all of a new or replaced session, the new ones of an update.
    messages_written: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    from: String,
    to: String,
    dry_run: bool,
    sessions: &'a [Copied],
}

/// A copy under way: where to, and what happened so far.
struct Copy<'a> {
    from: &'a StoreLocation,
    to: &'a StoreLocation,
    dry_run: bool,
    bar: ProgressBar,
    report: Vec<Copied>,
    /// Whether anything was written to the destination.
    written: bool,
}

impl Copy<'_> {
    /// Copies the `chosen` sessions of `source`; `there` lists the destination's. Stops at the
    /// first failure of a store itself (each later session would fail the same way).
    fn all(
        &mut self,
        source: &Store,
        mut destination: Option<&mut Store>,
        chosen: &[SessionSummary],
        there: &BTreeMap<String, SessionSummary>,
        overwrite: bool,
    ) -> Result<(), CliError> {
        for summary in chosen {
            self.bar
                .set_message(crate::sanitize::sanitize(&summary.name).into_owned());
            let result = self.one(
                source,
                destination.as_deref_mut(),
                summary,
                there.get(&summary.name),
                overwrite,
            );
            if let Err(error) = result {
                let copied = self.copied();
                return Err(error.detail(format!(
                    "copying to {} stopped at {}: {} copied before it; the sessions after it \
                     were not copied",
                    self.to,
                    summary.name,
                    sessions(copied)
                )));
            }
            self.bar.inc(1);
        }
        Ok(())
    }

    /// Copies one session.
    fn one(
        &mut self,
        source: &Store,
        destination: Option<&mut Store>,
        summary: &SessionSummary,
        there: Option<&SessionSummary>,
        overwrite: bool,
    ) -> Result<(), CliError> {
        let name = &summary.name;
        // Equal summaries are taken for equal sessions: reading both whole for every session
        // would make copying a large unchanged store as slow as copying it.
        if there == Some(summary) {
            return self.note(name, Outcome::Unchanged, 0, None);
        }
        let session = match source.get(name) {
            Ok(session) => session,
            // Removed from the source since it was listed: nothing to copy.
            Err(error @ StoreError::NotFound { .. }) => {
                return self.note(name, Outcome::Failed, 0, Some(&error));
            }
            Err(error) => return Err(reading(error, self.from)),
        };
        let theirs = match (there, destination.as_deref()) {
            (Some(_), Some(store)) => match store.get(name) {
                Ok(theirs) => Some(theirs),
                // Removed since the listing: it is not there.
                Err(StoreError::NotFound { .. }) => None,
                Err(error) => return Err(reading(error, self.to)),
            },
            _ => None,
        };
        let write = match theirs.map(|theirs| relation(&session, &theirs)) {
            None => Change::Create(session),
            Some(Relation::Same) => return self.note(name, Outcome::Unchanged, 0, None),
            Some(Relation::Behind { messages, update }) => Change::Append {
                name: name.clone(),
                messages,
                update,
            },
            Some(Relation::Ahead) if !overwrite => {
                return self.note(name, Outcome::NewerAtDestination, 0, None);
            }
            Some(Relation::Diverged) if !overwrite => {
                return self.note(name, Outcome::Diverged, 0, None);
            }
            Some(Relation::Ahead | Relation::Diverged) => Change::Replace(session),
        };
        let (outcome, count) = match &write {
            Change::Create(session) => (Outcome::New, session.messages.len()),
            Change::Append { messages, .. } => (Outcome::Updated, messages.len()),
            Change::Replace(session) => (Outcome::Replaced, session.messages.len()),
        };
        let Some(store) = destination.filter(|_| !self.dry_run) else {
            return self.note(name, outcome, count, None);
        };
        let written = match &write {
            Change::Create(session) => store.create(session),
            Change::Append {
                name,
                messages,
                update,
            } => store.append_messages(name, messages, update),
            Change::Replace(session) => store.replace(session),
        };
        match written {
            Ok(()) => {
                self.written = true;
                self.note(name, outcome, count, None)
            }
            // The destination changed since it was listed, or cannot take this session: this
            // one is not copied, the others still are.
            Err(
                error @ (StoreError::AlreadyExists { .. }
                | StoreError::NotFound { .. }
                | StoreError::Conflict { .. }
                | StoreError::InvalidName(_)
                | StoreError::Unstorable(_)),
            ) => self.note(name, Outcome::Failed, 0, Some(&error)),
            Err(error) => {
                Err(CliError::from(error).detail(format!("writing {name} to {}", self.to)))
            }
        }
    }

    /// Records what happened to `name` and says so on stderr (unchanged sessions only count).
    fn note(
        &mut self,
        name: &str,
        outcome: Outcome,
        messages: usize,
        error: Option<&StoreError>,
    ) -> Result<(), CliError> {
        let to = self.to;
        let would = if self.dry_run { "Would copy" } else { "Copied" };
        let lines = match outcome {
            Outcome::Unchanged => String::new(),
            Outcome::New => format!("{would} {name} ({})\n", crate::display::messages(messages)),
            Outcome::Updated if self.dry_run => format!(
                "Would add {} to {name}\n",
                crate::display::messages(messages)
            ),
            Outcome::Updated => {
                format!("Added {} to {name}\n", crate::display::messages(messages))
            }
            Outcome::Replaced => format!(
                "{} {name} at {to} ({})\n",
                if self.dry_run {
                    "Would replace"
                } else {
                    "Replaced"
                },
                crate::display::messages(messages)
            ),
            Outcome::NewerAtDestination => format!(
                "{name} went further at {to}: left alone\n\
                 hint: --overwrite replaces it with this copy\n"
            ),
            Outcome::Diverged => format!(
                "warning: {name} has diverged: {to} holds another version of it; not copied\n\
                 hint: --overwrite replaces the copy at {to}; to keep both, fork it under another \
                 name (confab sessions fork {name} NEW) and copy that\n"
            ),
            Outcome::Failed => format!(
                "warning: {name} was not copied: {}\n",
                error.map_or_else(String::new, ToString::to_string)
            ),
        };
        self.report.push(Copied {
            name: name.to_owned(),
            outcome,
            messages_written: messages,
        });
        if !lines.is_empty() {
            self.bar.suspend(|| stderr().write_all(lines.as_bytes()))?;
        }
        Ok(())
    }

    /// How many sessions were (or, in a dry run, would be) written.
    fn copied(&self) -> usize {
        self.report
            .iter()
            .filter(|copied| copied.outcome.writes())
            .count()
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.report
            .iter()
            .filter(|copied| copied.outcome == outcome)
            .count()
    }

    /// `Copied 3 sessions to postgres://db/team: 2 new, 1 updated; 5 unchanged`.
    fn summary(&self) -> String {
        let (new, updated, replaced) = (
            self.count(Outcome::New),
            self.count(Outcome::Updated),
            self.count(Outcome::Replaced),
        );
        let verb = if self.dry_run { "Would copy" } else { "Copied" };
        let mut line = format!("{verb} {} to {}", sessions(self.copied()), self.to);
        let changed: Vec<String> = [(new, "new"), (updated, "updated"), (replaced, "replaced")]
            .iter()
            .filter(|(count, _)| *count > 0)
            .map(|(count, what)| format!("{} {what}", thousands(*count)))
            .collect();
        if !changed.is_empty() {
            line.push_str(": ");
            line.push_str(&changed.join(", "));
        }
        for (outcome, what) in [
            (Outcome::Unchanged, "unchanged"),
            (Outcome::NewerAtDestination, "newer at the destination"),
            (Outcome::Diverged, "diverged (not copied)"),
            (Outcome::Failed, "failed"),
        ] {
            let count = self.count(outcome);
            if count > 0 {
                line.push_str(&format!("; {} {what}", thousands(count)));
            }
        }
        if self.dry_run {
            line.push_str(" (dry run: nothing was written)");
        }
        line
    }

    /// The run's error, when a session could not be copied.
    fn verdict(&self) -> Result<(), CliError> {
        let diverged: Vec<&str> = self
            .report
            .iter()
            .filter(|copied| copied.outcome == Outcome::Diverged)
            .map(|copied| copied.name.as_str())
            .collect();
        let failed = self.count(Outcome::Failed);
        if diverged.is_empty() && failed == 0 {
            return Ok(());
        }
        let mut error = CliError::failure(format!(
            "{} of {} could not be copied",
            thousands(diverged.len() + failed),
            sessions(self.report.len())
        ));
        if !diverged.is_empty() {
            let listed: Vec<String> = diverged
                .iter()
                .map(|name| Quoted(name).to_string())
                .collect();
            error = error
                .detail(format!("diverged at {}: {}", self.to, listed.join(", ")))
                .hint("--overwrite replaces the destination's copies of them");
        }
        Err(error)
    }
}

/// An error of `store` while reading it, saying which store it was.
fn reading(error: StoreError, store: &StoreLocation) -> CliError {
    CliError::from(error).detail(format!("reading {store}"))
}

/// `1 session`, `9,999 sessions`.
fn sessions(count: usize) -> String {
    counted(count, "session", "sessions")
}

#[cfg(test)]
mod tests {
    use super::*;
    use confab_core::Role;
    use serde_json::json;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().expect("timestamp")
    }

    fn session(messages: &[&str]) -> Session {
        Session {
            name: "s".into(),
            provider: "openai".into(),
            model: "gpt-4o".into(),
            skill: None,
            project_path: Some("/srv".into()),
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
            imported_at: Some(at("2026-01-02T00:00:00Z")),
            created_by: Some("ana".into()),
            updated_by: Some("ana".into()),
            metadata: None,
            context: None,
            messages: messages
                .iter()
                .map(|text| Message::new(Role::User, *text))
                .collect(),
        }
    }

    /// `session` continued by a chat: more messages, a later time, maybe another model.
    fn continued(mut session: Session, more: &[&str]) -> Session {
        session
            .messages
            .extend(more.iter().map(|text| Message::new(Role::Assistant, *text)));
        session.updated_at = at("2026-03-01T00:00:00Z");
        session
    }

    #[test]
    fn equal_sessions_are_the_same() {
        assert_eq!(relation(&session(&["a"]), &session(&["a"])), Relation::Same);
    }

    #[test]
    fn a_destination_holding_the_first_messages_gets_the_rest() {
        let before = session(&["a"]);
        let mut after = continued(before.clone(), &["b", "c"]);
        after.model = "o3".into();
        let mut metadata = serde_json::Map::new();
        metadata.insert("model_changes".into(), json!([{"model": "o3"}]));
        after.metadata = Some(metadata.clone());
        let Relation::Behind { messages, update } = relation(&after, &before) else {
            panic!("expected the destination behind");
        };
        assert_eq!(messages, after.messages[1..]);
        assert_eq!(update.updated_at, after.updated_at);
        assert_eq!(
            update.provider_model,
            Some(("openai".to_owned(), "o3".to_owned()))
        );
        assert_eq!(update.metadata, Some(metadata));
        assert_eq!(appended(before, &messages, &update), after);
    }

    #[test]
    fn a_session_someone_else_continued_is_appended_at_its_count_and_in_their_name() {
        let before = session(&["a"]);
        let mut after = continued(before.clone(), &["b"]);
        after.updated_by = Some("bo".into());
        let Relation::Behind { update, .. } = relation(&after, &before) else {
            panic!("expected the destination behind");
        };
        assert_eq!(update.by.as_deref(), Some("bo"));
        assert_eq!(update.expected_messages, Some(1));
        // No append can forget who changed a session last.
        after.updated_by = None;
        assert_eq!(relation(&after, &before), Relation::Diverged);
    }

    #[test]
    fn a_destination_that_went_further_is_ahead() {
        let before = session(&["a"]);
        let after = continued(before.clone(), &["b"]);
        assert_eq!(relation(&before, &after), Relation::Ahead);
    }

    #[test]
    fn other_messages_or_other_fields_are_a_divergence() {
        let base = session(&["a"]);
        let ours = continued(base.clone(), &["b"]);
        let theirs = continued(base.clone(), &["c"]);
        assert_eq!(relation(&ours, &theirs), Relation::Diverged);
        // The first messages are there, but a field an append cannot change differs.
        let mut reimported = ours.clone();
        reimported.imported_at = Some(at("2026-04-01T00:00:00Z"));
        assert_eq!(relation(&reimported, &base), Relation::Diverged);
        // Metadata an append would have to remove.
        let mut with_metadata = base.clone();
        with_metadata.metadata = Some(serde_json::Map::new());
        assert_eq!(relation(&ours, &with_metadata), Relation::Diverged);
        // The same messages, another update time: neither continues the other.
        let mut touched = base.clone();
        touched.updated_at = at("2026-05-01T00:00:00Z");
        assert_eq!(relation(&touched, &base), Relation::Diverged);
    }

    #[test]
    fn one_database_is_one_store_whoever_logs_in() {
        let pg = |url: &str| StoreLocation::Postgres(url.into());
        assert!(same_store(
            &pg("postgres://me:pw@db:5432/team?sslmode=require"),
            &pg("postgresql://you@DB:5432/team/")
        ));
        assert!(!same_store(
            &pg("postgres://db/team"),
            &pg("postgres://db/other")
        ));
        assert!(!same_store(
            &pg("postgres://db/team"),
            &StoreLocation::File("team".into())
        ));
    }

    #[test]
    fn names_are_chosen_in_order_once_and_all_must_exist() {
        let summary = |name: &str| SessionSummary {
            name: name.into(),
            provider: "p".into(),
            model: "m".into(),
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
            imported_at: None,
            created_by: None,
            updated_by: None,
            message_count: 1,
        };
        let listed = vec![summary("alpha"), summary("beta")];
        let names = |chosen: Vec<SessionSummary>| -> Vec<String> {
            chosen.into_iter().map(|s| s.name).collect()
        };
        let picked = choose(
            &listed,
            &["beta".into(), "alpha".into(), "beta".into()],
            false,
        )
        .expect("known names");
        assert_eq!(names(picked), ["beta", "alpha"]);
        assert_eq!(
            names(choose(&listed, &[], true).expect("all")),
            ["alpha", "beta"]
        );
        let error = choose(&listed, &["alpah".into()], false).expect_err("unknown");
        assert_eq!(error.hints(), ["did you mean alpha?"]);
    }
}
