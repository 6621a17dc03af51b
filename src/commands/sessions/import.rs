//! `confab sessions import FILE`: a checkpoint into this project's store.
//!
//! The file is decoded and checked in full (schema and consistency) before the store is even
//! opened, so an invalid file changes nothing. The session is then written in one transaction:
//! it is either wholly there or not at all, also with `--overwrite`.

use std::io::Write;

use camino::Utf8PathBuf;
use clap::{ArgAction, Args};
use confab_core::{Session, SessionStore, StoreError, validate_session_name};
use jiff::Timestamp;

use crate::error::CliError;
use crate::input::{decoder_for, read_source};
use crate::output::stdout;
use crate::project::Project;

/// Arguments of `confab sessions import`.
#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The checkpoint file (`-` reads standard input).
    #[arg(value_name = "CHECKPOINT_FILE")]
    file: Utf8PathBuf,

    /// Store the session under this name instead of the checkpoint's.
    #[arg(short, long, value_name = "NAME")]
    name: Option<String>,

    /// Replace an existing session of the same name.
    #[arg(long)]
    overwrite: bool,

    /// Keep the checkpoint's project context with the session (`--context=false` drops it).
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1,
          default_value_t = true, default_missing_value = "true")]
    context: bool,

    /// Read the file as this format instead of guessing from its extension or content.
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
}

pub(crate) fn run(args: &ImportArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let source = read_source(&args.file, project.config.max_import_size)?;
    let format = decoder_for(&source, &args.file, args.format.as_deref())?;
    let imported = confab_core::read_checkpoint(&source.name, &source.bytes, format.decode)?;
    let notes = imported.notes.clone();
    let checkpoint = imported.into_recorded();

    match &args.name {
        // The same check, and the same message, as `validate`'s.
        None => confab_core::check_session_name(
            &source.name,
            &source.bytes,
            format.decode,
            &checkpoint.session.name,
        )?,
        Some(name) => validate_session_name(name).map_err(|error| {
            CliError::failure(error).hint("choose a name that follows the rule")
        })?,
    }

    let secrets = crate::redaction::redactor(&project, false)?.scan_checkpoint(&checkpoint);
    let mut session = Session::from_checkpoint(checkpoint, Timestamp::now());
    if let Some(name) = &args.name {
        session.name.clone_from(name);
    }
    if !args.context {
        session.context = None;
    }

    let mut store = project.open_store()?;
    let stored = if args.overwrite {
        store.replace(&session)
    } else {
        store.create(&session)
    };
    stored.map_err(|error| match error {
        StoreError::AlreadyExists { name } => CliError::failure(format!(
            "a session named {} already exists",
            confab_core::Quoted(&name)
        ))
        .hint("replace it with --overwrite, or import under another name with --name NAME"),
        other => other.into(),
    })?;

    let mut err = crate::output::stderr();
    for note in &notes {
        writeln!(err, "note: {note}")?;
    }
    if !secrets.is_empty() {
        writeln!(
            err,
            "warning: {} holds {} unredacted {} ({}); imported as is",
            source.name,
            secrets.total(),
            if secrets.total() == 1 {
                "secret"
            } else {
                "secrets"
            },
            secrets.breakdown()
        )?;
        writeln!(
            err,
            "hint: share sessions with `confab sessions export NAME -o FILE --redact`"
        )?;
    }
    let mut out = stdout();
    writeln!(
        out,
        "Imported session {} ({}, {}, {} messages)",
        session.name,
        session.model,
        session.provider,
        session.messages.len()
    )?;
    writeln!(
        out,
        "Resume it with: confab chat --session {}",
        session.name
    )?;
    out.flush()?;
    drop(out);
    // Committed and reported; now the words reach the search index (a process stopped here
    // loses nothing: the next search indexes what is left).
    crate::indexing::catch_up(&mut store);
    Ok(())
}
