//! `confab sessions import PATH...`: checkpoints into this project's store.
//!
//! One file (the common case; `-` reads standard input) is decoded and checked in full (schema
//! and consistency) before the store is even opened, so an invalid file changes nothing. The
//! session is then written in one transaction: it is either wholly there or not at all, also with
//! `--overwrite`.
//!
//! Many files (several paths, a folder, a glob pattern: the paths `validate` takes, expanded by
//! [`crate::paths`] with the same rules) go through [`bulk`]: every file is decoded and checked on
//! all cores, and one writer stores the good ones in the order of the paths. A bad file is reported
//! and skipped, never blocking the others. One path that names one file is a one-file import,
//! whatever the spelling (`a.json`, a folder holding only `a.json`, a pattern matching it), so
//! `--name` and the resume hint work the same way for it.
//!
//! Both ways share the steps of one file ([`check`], [`finish`], [`store_session`]), so a file
//! is refused, named and stored alike whether it comes alone or among ten thousand.

mod bulk;
mod from;

pub(crate) use from::IMPORTED_FROM;

use std::io::Write;

use crate::store::Store;
use camino::Utf8Path;
use clap::{ArgAction, Args};
use confab_core::{Checkpoint, Session, SessionStore, StoreError, validate_session_name};
use confab_redact::{Redactor, Report};
use jiff::Timestamp;

use crate::error::CliError;
use crate::input::{decoder_for, read_sessions, read_source};
use crate::output::stderr;
use crate::paths::{self, Target};
use crate::project::Project;

/// Arguments of `confab sessions import`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ImportArgs {
    /// Checkpoint files, folders (searched recursively) or glob patterns; `-` reads standard
    /// input.
    #[arg(
        required_unless_present = "from",
        conflicts_with = "from",
        value_name = "PATH"
    )]
    paths: Vec<String>,

    /// Import the sessions another tool keeps, from where it keeps them; again later, only what
    /// is new or has grown.
    #[arg(long, value_enum, value_name = "TOOL")]
    from: Option<crate::history::Tool>,

    /// With --from: every project's sessions, not only this project's.
    #[arg(long)]
    all_projects: bool,

    /// With --from: only sessions active within this age (e.g. 7d, 12h, 2w).
    #[arg(long, value_name = "AGE")]
    since: Option<crate::age::Age>,

    /// With --from: list what would be imported or updated, and import nothing.
    #[arg(long)]
    dry_run: bool,

    /// Store the session under this name instead of the checkpoint's (one file only).
    #[arg(short, long, value_name = "NAME")]
    name: Option<String>,

    /// Replace an existing session of the same name (among many files, the last one wins).
    #[arg(long)]
    overwrite: bool,

    /// Keep the checkpoint's project context with the session (the default).
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_value_t = true, default_missing_value = "true",
          overrides_with = "no_context")]
    context: bool,

    /// Drop the checkpoint's project context (`--context=false`).
    #[arg(long, overrides_with = "context")]
    no_context: bool,

    /// Read the files as this format instead of guessing from their extension or content.
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
}

pub(crate) fn run(args: &ImportArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    if let Some(tool) = args.from {
        return from::run(args, &project, tool);
    }
    // clap's `requires` does not hold flags to it, so the rule is here.
    if args.all_projects || args.since.is_some() || args.dry_run {
        return Err(CliError::usage(
            "--all-projects, --since and --dry-run choose among another tool's sessions",
        )
        .hint("use them with --from claude-code|codex|gemini"));
    }
    if let Some(name) = &args.format {
        crate::input::decoder_named(name)?;
    }
    let targets = paths::expand(&args.paths)?;
    match targets.as_slice() {
        [Target::File(path)] => import_one(args, &project, path),
        [] => Err(nothing_to_import()),
        _ => {
            if args.name.is_some() {
                return Err(CliError::usage(format!(
                    "--name names one session, but {} files were given",
                    bulk::thousands(targets.len())
                ))
                .hint("import that file alone to name it, or leave out --name to keep the checkpoints' names"));
            }
            bulk::run(args, &project, &targets)
        }
    }
}

/// The folders and patterns given hold no file of a format that imports.
fn nothing_to_import() -> CliError {
    CliError::usage("no checkpoint files to import in the paths given").hint(
        "folders are searched for the extensions of formats that import (`confab formats` lists them); name other files one by one",
    )
}

/// One file, as `import FILE` always did: every problem is the command's error.
fn import_one(args: &ImportArgs, project: &Project, path: &Utf8Path) -> Result<(), CliError> {
    let checked = check(
        path,
        project.config.max_import_size,
        args.format.as_deref(),
        args.name.as_deref(),
    )
    .map_err(|failure| failure.error)?;
    let redactor = crate::redaction::import_scanner(project)?;
    let prepared = finish(checked, &redactor, args, project.user_name());

    let mut store = project.open_store()?;
    store_sessions(&mut store, &prepared.sessions, args.overwrite).map_err(
        |error| match error {
            StoreError::AlreadyExists { name } => CliError::failure(format!(
                "a session named {} already exists",
                confab_core::Quoted(&name)
            ))
            .hint(if prepared.sessions.len() == 1 {
                "replace it with --overwrite, or import under another name with --name NAME"
            } else {
                "replace it with --overwrite; none of the file's sessions was imported"
            }),
            other => other.into(),
        },
    )?;

    write_notes(&prepared, None)?;
    if !prepared.secrets.is_empty() {
        write_secrets_hint()?;
    }
    // Status lines go to stderr: `import … && export … > report.md` keeps them out of the data.
    let mut out = stderr();
    for session in &prepared.sessions {
        write_imported(&mut out, session)?;
    }
    if let [session] = prepared.sessions.as_slice() {
        crate::commands::chat::write_resume_hint(&mut out, project, session)?;
    }
    out.flush()?;
    drop(out);
    // Committed and reported; now the words reach the search index (a process stopped here
    // loses nothing: the next search indexes what is left).
    crate::indexing::catch_up(&mut store);
    Ok(())
}

/// Why one file was not imported, and whether it could not even be read (exit 2, as
/// `validate` counts it) rather than being refused (exit 1).
#[derive(Debug)]
struct Failure {
    error: CliError,
    unreadable: bool,
}

impl From<CliError> for Failure {
    fn from(error: CliError) -> Failure {
        Failure {
            error,
            unreadable: false,
        }
    }
}

/// A file read, decoded and checked: everything `import` refuses is refused here, before any
/// store is touched. The file's bytes are gone by the time this is returned.
struct Checked {
    source_name: String,
    /// Every session of the file (one, but for exports of many conversations), with the notes
    /// of its conversion already recorded in its metadata.
    checkpoints: Vec<Checkpoint>,
    /// The notes to print, each naming its session when the file holds several.
    notes: Vec<String>,
}

/// Reads, decodes and checks the file at `path` (`-` for stdin), as a session called `name` if
/// given, else by the checkpoint's own name.
fn check(
    path: &Utf8Path,
    limit: u64,
    format: Option<&str>,
    name: Option<&str>,
) -> Result<Checked, Failure> {
    let unreadable = |error| Failure {
        error,
        unreadable: true,
    };
    let source = read_source(path, limit).map_err(unreadable)?;
    let format_given = format.is_some();
    let format = decoder_for(&source, path, format).map_err(unreadable)?;
    let (format, mut imported) = read_sessions(&source, format, format_given)?;
    if format.name() == "claude-code" {
        link_subagent(path, limit, &mut imported);
    }
    let many = imported.len() > 1;
    if many && name.is_some() {
        return Err(Failure::from(
            CliError::usage(format!(
                "--name names one session, but {} holds {}",
                source.name,
                imported.len()
            ))
            .hint("leave out --name: each conversation is named from its title"),
        ));
    }
    let mut notes = Vec::new();
    let mut checkpoints = Vec::with_capacity(imported.len());
    for imported in imported {
        let session = imported.checkpoint.session.name.clone();
        notes.extend(imported.notes.iter().map(|note| match many {
            true => format!("{session}: {note}"),
            false => note.clone(),
        }));
        let checkpoint = imported.into_recorded();
        match name {
            // The same check, and the same message, as `validate`'s.
            None => confab_core::check_session_name(
                &source.name,
                &source.bytes,
                format.decode,
                &checkpoint.session.name,
            )
            .map_err(CliError::from)?,
            Some(name) => validate_session_name(name).map_err(|error| {
                CliError::failure(error).hint("choose a name that follows the rule")
            })?,
        }
        checkpoints.push(checkpoint);
    }
    Ok(Checked {
        source_name: source.name,
        checkpoints,
        notes,
    })
}

/// A Claude Code sub-agent's transcript (`<session>/subagents/agent-ID.jsonl`) gets the parent's
/// tool call that started it from the `agent-ID.meta.json` beside it, which its own events do
/// not name. A missing or unreadable meta file leaves the session as the transcript has it.
fn link_subagent(path: &Utf8Path, limit: u64, imported: &mut [confab_core::Imported]) {
    let Some(stem) = path
        .file_name()
        .and_then(|name| name.strip_suffix(".jsonl"))
    else {
        return;
    };
    if !stem.starts_with("agent-") {
        return;
    }
    let meta = path.with_file_name(format!("{stem}.meta.json"));
    let Ok(source) = read_source(&meta, limit.min(1 << 20)) else {
        return;
    };
    if let Some(meta) = confab_format_claude_code::SubagentMeta::parse(&source.bytes) {
        for imported in imported {
            meta.link(&mut imported.checkpoint);
        }
    }
}

/// A checked file made into the sessions to store, with what to tell the user about them.
struct Prepared {
    source_name: String,
    sessions: Vec<Session>,
    /// Store the sessions in place of those of their names, as `--overwrite` would: a session
    /// `import --from` brought in before and that has grown since.
    replace: bool,
    notes: Vec<String>,
    secrets: Report,
}

/// Scans `checked` for secrets and makes it sessions, named and with context as `args` say;
/// `user` imports them: their creator unless the file names one, and who changed them last.
fn finish(checked: Checked, redactor: &Redactor, args: &ImportArgs, user: &str) -> Prepared {
    let mut secrets = Report::default();
    let now = Timestamp::now();
    let sessions = checked
        .checkpoints
        .into_iter()
        .map(|checkpoint| {
            secrets.merge(&redactor.scan_checkpoint(&checkpoint));
            let mut session = Session::from_checkpoint(checkpoint, now);
            if let Some(name) = &args.name {
                session.name.clone_from(name);
            }
            if !args.context || args.no_context {
                session.context = None;
            }
            session.created_by.get_or_insert_with(|| user.to_owned());
            session.updated_by = Some(user.to_owned());
            session
        })
        .collect();
    Prepared {
        source_name: checked.source_name,
        sessions,
        replace: false,
        notes: checked.notes,
        secrets,
    }
}

/// Writes the sessions of one file in one transaction: created, or replaced with `--overwrite`.
fn store_sessions(
    store: &mut Store,
    sessions: &[Session],
    overwrite: bool,
) -> Result<(), StoreError> {
    match sessions {
        [session] if overwrite => store.replace(session),
        [session] => store.create(session),
        many => store.store_all(many, overwrite),
    }
}

/// The converter's notes and the secret warning for one imported file, on stderr. Among many
/// files (`many` is the file's name) each note says which file it is about.
fn write_notes(prepared: &Prepared, many: Option<&str>) -> std::io::Result<()> {
    let mut err = stderr();
    for note in &prepared.notes {
        match many {
            None => writeln!(err, "note: {note}")?,
            Some(file) => writeln!(err, "note: {file}: {note}")?,
        }
    }
    let secrets = &prepared.secrets;
    if !secrets.is_empty() {
        writeln!(
            err,
            "warning: {} holds {} unredacted {} ({}); imported as is",
            prepared.source_name,
            secrets.total(),
            if secrets.total() == 1 {
                "secret"
            } else {
                "secrets"
            },
            secrets.breakdown()
        )?;
    }
    Ok(())
}

/// How to share without the secrets a warning was about; once per command.
fn write_secrets_hint() -> std::io::Result<()> {
    writeln!(
        stderr(),
        "hint: share sessions with `confab sessions export NAME -o FILE --redact`"
    )
}

/// `Imported session NAME (model, provider, N messages)`, one status line.
fn write_imported(out: &mut dyn Write, session: &Session) -> std::io::Result<()> {
    writeln!(
        out,
        "Imported session {} ({}, {}, {})",
        session.name,
        session.model,
        session.provider,
        crate::display::messages(session.messages.len())
    )
}
