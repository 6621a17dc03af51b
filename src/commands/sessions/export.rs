//! `confab sessions export NAME -o FILE`: a session out of the store, as a checkpoint file.
//!
//! The format comes from `--format`, else from the output's extension. The file is written to a
//! temporary file beside the target and renamed over it once complete, so a reader (or a crash)
//! never sees half a checkpoint, and a failed export leaves no file behind.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{ArgAction, Args, ValueEnum};
use confab_core::{
    Context, EncodeOptions, Encoder, ExportMetadata, ExportSettings, Session, SessionStore,
    StoreError,
};
use confab_redact::Report;
use jiff::Timestamp;

use crate::commands::sessions::{existing_names, not_found};
use crate::error::CliError;
use crate::input::format_named;
use crate::output::stderr;
use crate::project::Project;

mod targets;
mod temporaries;

/// Arguments of `confab sessions export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The session to export.
    name: String,

    /// The file to write; without it, or with `-`, the checkpoint goes to standard output.
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "-",
        hide_default_value = true
    )]
    output: Utf8PathBuf,

    /// The format; by default taken from the output file's extension (`confab formats` lists them).
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,

    /// Include the project context: instructions, working directory, files accessed. The
    /// instructions are those the session was imported with, else this project's instructions
    /// file; stderr says which.
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_value_t = false, default_missing_value = "true",
          overrides_with = "no_context")]
    context: bool,

    /// Leave the project context out (the default).
    #[arg(long, overrides_with = "context")]
    no_context: bool,

    /// With the context, write this project's instructions file in place of the instructions
    /// the session was imported with (implies --context).
    #[arg(long)]
    project_instructions: bool,

    /// The report or page template: a `.hbs` file, or the name of one in `.confab/templates/`
    /// [default: templates.default in confab.yaml for reports, else the built-in template].
    #[arg(long, value_name = "TEMPLATE")]
    template: Option<String>,

    /// Replace secrets (keys, tokens, passwords, private keys, ...) with `[REDACTED:<kind>]`
    /// before writing [default: `redact` in confab.yaml, else false].
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", overrides_with = "no_redact")]
    redact: Option<bool>,

    /// Write secrets as they are, whatever `redact` in confab.yaml says.
    #[arg(long, overrides_with = "redact")]
    no_redact: bool,

    /// With --redact, also replace the home folder and the project path.
    #[arg(long)]
    redact_paths: bool,

    /// Include export metadata (exported_at, exported_by), who created and last changed the
    /// session (created_by, updated_by) and the session's custom metadata.
    #[arg(long, value_name = "BOOL", action = ArgAction::Set, num_args = 0..=1,
          require_equals = true, default_value_t = true, default_missing_value = "true",
          overrides_with = "no_metadata")]
    metadata: bool,

    /// Leave out export metadata, the names of who created and changed the session, and its
    /// custom metadata (`--metadata=false`).
    #[arg(long, overrides_with = "metadata")]
    no_metadata: bool,

    /// Write a JSON or YAML checkpoint that TOOL imports. `atmos`: tool calls and their results
    /// are folded into the assistant's message text (Atmos refuses role `tool`), and the
    /// statistics are recounted; stderr notes what was folded.
    #[arg(long, value_name = "TOOL", value_enum)]
    compat: Option<Compat>,
}

/// The tools `--compat` writes for: each reads checkpoints, but fewer of them than confab writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Compat {
    /// Atmos (`atmos ai sessions import`): only roles user, assistant and system.
    Atmos,
}

pub(crate) fn run(args: &ExportArgs) -> Result<(), CliError> {
    let format = choose_format(args)?;
    if args.compat.is_some() && !is_checkpoint_document(format) {
        return Err(CliError::usage(format!(
            "--compat writes JSON or YAML checkpoints, not {}",
            format.name()
        ))
        .hint("export to a .json or .yaml file, or leave out --compat"));
    }
    let project = Project::discover()?;
    // Export only reads: it works on a read-only filesystem and beside a full disk.
    let store = project
        .open_store_read_only()?
        .ok_or_else(|| not_found(&args.name, &[]))?;
    let session = store.get(&args.name).map_err(|error| match error {
        StoreError::NotFound { name } => not_found(&name, &existing_names(&store)),
        other => other.into(),
    })?;

    let settings = ExportSettings {
        metadata: (args.metadata && !args.no_metadata).then(|| ExportMetadata {
            exported_at: Timestamp::now(),
            exported_by: project.user_name().to_owned(),
        }),
        context: ((args.context && !args.no_context) || args.project_instructions)
            .then(|| project_context(&project, &session, args.project_instructions))
            .transpose()?,
    };
    let session_name = session.name.clone();
    let mut checkpoint = session.into_checkpoint(&settings);
    let redact = match (args.no_redact, args.redact) {
        (true, _) => false,
        (false, redact) => redact.unwrap_or(project.config.redact),
    } || args.redact_paths;
    let redactor = redact
        .then(|| crate::redaction::redactor(&project, args.redact_paths))
        .transpose()?;
    let report = redactor
        .as_ref()
        .map(|redactor| redactor.redact_checkpoint(&mut checkpoint));
    // After redaction, which knows tool-call arguments by their keys: folded, they are text.
    match args.compat {
        Some(Compat::Atmos) => {
            let (folded, notes) = confab_core::compat::atmos::for_atmos(checkpoint);
            checkpoint = folded;
            let mut err = stderr();
            for note in notes {
                writeln!(err, "note: {note}")?;
            }
            warn_for_atmos(&checkpoint, format, &args.output, true)?;
        }
        None if is_checkpoint_document(format) => {
            warn_for_atmos(&checkpoint, format, &args.output, false)?;
        }
        None => {}
    }
    if format.format.decoder().is_some() {
        // The import pipeline's own check, on what is about to be written.
        let problems = confab_core::problems_of(&checkpoint);
        if !problems.is_empty() {
            let mut err = stderr();
            writeln!(
                err,
                "warning: session {session_name:?} cannot be imported back:"
            )?;
            for problem in &problems {
                writeln!(err, "  {problem}")?;
            }
        }
    }

    let options = encode_options(args, &project, format)?;
    // What another tool's format cannot hold (`Encode::notes`), said before it is written.
    for note in format.encode.notes(&checkpoint, &options) {
        writeln!(stderr(), "note: {}", crate::sanitize::sanitize(&note))?;
    }
    // A report's template, partials and instructions are text the checkpoint never held: with
    // --redact, what a text format renders is scanned whole before it is written.
    let scan_output = redactor
        .as_ref()
        .filter(|_| format.format.decoder().is_none());
    let encode = |out: &mut dyn Write, target: &str| -> Result<Option<Report>, CliError> {
        let Some(redactor) = scan_output else {
            format
                .encode
                .encode(&checkpoint, &options, out)
                .map_err(|error| encode_error(target, error))?;
            return Ok(None);
        };
        let mut rendered = Vec::new();
        format
            .encode
            .encode(&checkpoint, &options, &mut rendered)
            .map_err(|error| encode_error(target, error))?;
        let (rendered, found) = redact_rendered(redactor, rendered)?;
        out.write_all(&rendered).map_err(|error| {
            CliError::failure(format!("could not write {target}")).caused_by(error)
        })?;
        Ok(Some(found))
    };
    let print_report = move |found: Option<Report>| -> Result<(), CliError> {
        if let Some(mut report) = report {
            if let Some(found) = found {
                report.merge(&found);
            }
            // Kinds and counts only: the secrets themselves are never printed.
            writeln!(stderr(), "redact: {report}")?;
        }
        Ok(())
    };
    if args.output == "-" {
        let mut out = crate::output::data_stdout();
        let found = encode(&mut out, "standard output")?;
        out.flush().map_err(|error| {
            CliError::failure("could not write standard output").caused_by(error)
        })?;
        return print_report(found);
    }
    targets::refuse_store_targets(&project, &args.output)?;
    let mut found = None;
    write_atomically(&args.output, |file| {
        found = encode(file, args.output.as_str())?;
        Ok(())
    })?;
    print_report(found)?;
    // A status line, not data: stdout is for the checkpoint when there is no file.
    writeln!(
        stderr(),
        "Exported session {} to {} ({}{}, {})",
        session_name,
        args.output,
        format.name(),
        match args.compat {
            Some(Compat::Atmos) => " for Atmos",
            None => "",
        },
        crate::display::messages(checkpoint.messages.len())
    )?;
    Ok(())
}

/// JSON and YAML: the checkpoint files Atmos exchanges, and the only ones `--compat` writes.
fn is_checkpoint_document(format: Encoder) -> bool {
    matches!(format.name(), "json" | "yaml")
}

/// Warns on stderr when Atmos would refuse the checkpoint about to be written (Atmos reports the
/// first problem; so does this). Silent for a checkpoint Atmos imports: most exports never go
/// near Atmos, and a warning on each would teach people to ignore warnings.
///
/// A plain export names the first problem and `--compat atmos` when folding would remove them
/// all; the others (no messages, no model) confab refuses too, and its own warning says so. With
/// `--compat atmos` (`compat`), what remains is said whatever it is, and so is a file name Atmos
/// would read with the other parser.
fn warn_for_atmos(
    checkpoint: &confab_core::Checkpoint,
    format: Encoder,
    output: &Utf8Path,
    compat: bool,
) -> Result<(), CliError> {
    use confab_core::compat::atmos::{atmos_parser_for, atmos_problems};

    let mut err = stderr();
    let problems = atmos_problems(checkpoint);
    if compat {
        if let Some(first) = problems.first() {
            let said = first.to_string();
            let said = crate::sanitize::sanitize(&said);
            writeln!(err, "warning: Atmos would still refuse this file: {said}")?;
        }
    } else if let Some(first) = problems.first() {
        let said = first.to_string();
        let said = crate::sanitize::sanitize(&said);
        // What folding cannot fix (no messages, no model) confab refuses too, and its own
        // warning says so: a second one would be noise.
        if problems.iter().all(|problem| problem.is_fixed_by_folding()) {
            writeln!(
                err,
                "warning: Atmos would refuse this file: {said}; export with --compat atmos for a file it imports"
            )?;
        }
    }
    if compat && output != "-" && atmos_parser_for(output.as_str()) != Some(format.name()) {
        let names = match format.name() {
            "yaml" => ".yaml or .yml",
            _ => ".json",
        };
        writeln!(
            err,
            "warning: Atmos chooses its parser by the file name and would not read {} as {}: name it {names}",
            crate::sanitize::sanitize(output.as_str()),
            format.name().to_uppercase()
        )?;
    }
    Ok(())
}

fn choose_format(args: &ExportArgs) -> Result<Encoder, CliError> {
    let format = match &args.format {
        Some(name) => format_named(name)?,
        None if args.output == "-" => format_named("json")?,
        None => confab_core::format_for_path(&args.output).ok_or_else(|| {
            let what = match args.output.extension() {
                Some(extension) => format!("the extension .{extension} names no format"),
                None => format!("{} has no extension to tell the format by", args.output),
            };
            CliError::usage(format!(
                "cannot choose a format for {}: {what}",
                args.output
            ))
            .hint(format!(
                "pass --format; formats that export: {}",
                confab_core::format::describe_encoders()
            ))
        })?,
    };
    Encoder::of(format).ok_or_else(|| {
        CliError::usage(format!(
            "the {} format cannot write checkpoints",
            format.name()
        ))
        .hint(format!(
            "formats that export: {}",
            confab_core::format::describe_encoders()
        ))
    })
}

/// The template settings for `format`: `--template`, else `templates.default`, else none.
fn encode_options(
    args: &ExportArgs,
    project: &Project,
    format: Encoder,
) -> Result<EncodeOptions, CliError> {
    let mut options = EncodeOptions::new();
    if !format.encode.uses_templates() {
        if args.template.is_some() {
            return Err(CliError::usage(format!(
                "--template applies to report formats; {} does not use templates",
                format.name()
            ))
            .hint("export with --format markdown (or to a .md file) to use a template"));
        }
        return Ok(options);
    }
    // `default` is the built-in template, as `templates list` shows it, unless the project has
    // a template of that name.
    let built_in = |choice: &str| {
        choice == crate::commands::templates::DEFAULT
            && !project.templates_dir().join("default.hbs").is_file()
    };
    let chosen = match &args.template {
        Some(choice) if built_in(choice) => None,
        Some(choice) => {
            let current = crate::project::current_folder().unwrap_or_else(|_| project.root.clone());
            Some(project.resolve_template(choice, &current)?)
        }
        // `templates.default` is the report's (a Markdown template); a page keeps its own.
        None if format.name() == "html" => None,
        None => match &project.config.default_template {
            Some(choice) if built_in(choice) => None,
            Some(choice) => Some(project.resolve_template(choice, &project.root)?),
            None => None,
        },
    };
    if let Some(path) = &chosen {
        crate::config::trusted_file(&project.root, path, "template")?;
    }
    options.template = chosen;
    options.template_dir = Some(project.templates_dir());
    Ok(options)
}

/// `rendered` with every secret in it replaced, and what was replaced: the final-output scan of
/// text formats. The one place it happens, so that a better whole-text scan can replace this one.
pub(crate) fn redact_rendered(
    redactor: &confab_redact::Redactor,
    rendered: Vec<u8>,
) -> Result<(Vec<u8>, Report), CliError> {
    // Report formats write UTF-8; a plugin's output that is not cannot be scanned, and writing
    // it unscanned would break the promise of --redact.
    let text = String::from_utf8(rendered).map_err(|_| {
        CliError::failure(
            "--redact: the output is not UTF-8 text, so it cannot be scanned for secrets",
        )
        .hint("export to a checkpoint format (json, yaml) to redact this session")
    })?;
    let redacted = redactor.redact_output(&text);
    let found = redacted.report;
    let redacted = match redacted.text {
        std::borrow::Cow::Borrowed(_) => text.into_bytes(),
        std::borrow::Cow::Owned(redacted) => redacted.into_bytes(),
    };
    Ok((redacted, found))
}

/// An encoder's error: the OS reason when writing `target` failed, else what the format said.
fn encode_error(target: &str, error: confab_core::EncodeError) -> CliError {
    match error {
        confab_core::EncodeError::Io(io) => {
            CliError::failure(format!("could not write {target}")).caused_by(io)
        }
        other => CliError::failure("could not encode the checkpoint").caused_by(other),
    }
}

/// The project context for `--context`: instructions, the working directory the session
/// recorded (else the project root), and the files it recorded as accessed.
///
/// The instructions are those the session brought along when it was imported (a colleague's
/// `AGENTS.md` is part of what their conversation meant), else this project's instructions file;
/// `--project-instructions` asks for the project's. Replacing one with the other silently would
/// rewrite what a colleague shared, so stderr says which was written.
fn project_context(
    project: &Project,
    session: &Session,
    prefer_project: bool,
) -> Result<Context, CliError> {
    let stored = session.context.clone().unwrap_or_default();
    let project_file = project.instructions_file();
    let (instructions, said) = match (stored.project_instructions, project_file) {
        (Some(kept), Some(path)) if !prefer_project => (
            Some(kept),
            format!(
                "Context: the instructions the session was imported with; --project-instructions writes {} instead",
                path.strip_prefix(&project.root).unwrap_or(&path)
            ),
        ),
        (Some(kept), None) => (
            Some(kept),
            format!(
                "Context: the instructions the session was imported with{}",
                if prefer_project {
                    " (this project has no instructions file)"
                } else {
                    ""
                }
            ),
        ),
        (replaced, Some(path)) => {
            let text = std::fs::read_to_string(crate::config::trusted_file(
                &project.root,
                &path,
                "instructions file",
            )?)
            .map_err(|error| {
                CliError::failure(format!(
                    "could not read the instructions file {path}: {}",
                    crate::input::io_reason(&error)
                ))
            })?;
            let shown = path.strip_prefix(&project.root).unwrap_or(&path);
            let said = match replaced {
                Some(_) => format!(
                    "Context: the instructions of {shown}, in place of those the session was imported with"
                ),
                None => format!("Context: the instructions of {shown}"),
            };
            (Some(text), said)
        }
        (None, None) => (
            None,
            "Context: no instructions (this project has no instructions file)".to_owned(),
        ),
    };
    writeln!(stderr(), "{}", crate::sanitize::sanitize(&said))?;
    Ok(Context {
        project_instructions: instructions,
        files_accessed: stored.files_accessed,
        working_directory: stored
            .working_directory
            .or_else(|| Some(project.root.to_string())),
    })
}

/// Writes through `write` to the output `path`, never leaving half a file and never replacing
/// what is not a file:
///
/// - a target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
///   written into directly: renaming over it would put a regular file in its place;
/// - a symlink is followed: the file it points to is replaced, the link stays;
/// - a regular file is replaced atomically (a temporary file beside it, then a rename) and keeps
///   its permission bits; a new file gets the usual `0666` less the umask, since checkpoints are
///   meant to be shared (a temporary file alone would be `0600`);
/// - a folder is refused.
fn write_atomically(
    path: &Utf8Path,
    write: impl FnOnce(&mut dyn Write) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let fail = |error: std::io::Error| {
        CliError::failure(format!("could not write {path}")).caused_by(error)
    };
    let target = follow_symlinks(path).map_err(fail)?;
    let existing = match std::fs::metadata(&target) {
        Ok(metadata) => Some(metadata),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(fail(error)),
    };
    if let Some(metadata) = &existing {
        if metadata.is_dir() {
            return Err(
                CliError::usage(format!("cannot write {path}: it is a folder"))
                    .hint("name a file to write, e.g. -o folder/session.json"),
            );
        }
        if !metadata.is_file() {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(fail)?;
            write(&mut file)?;
            return file.flush().map_err(fail);
        }
    }
    let folder = match target.parent() {
        Some(parent) if !parent.as_str().is_empty() => parent,
        _ => Utf8Path::new("."),
    };
    if !folder.is_dir() {
        return Err(CliError::failure(format!(
            "cannot write {path}: the folder {folder} does not exist"
        ))
        .hint(format!(
            "create it first (mkdir -p {folder}) or choose another --output"
        )));
    }
    // Locked for as long as it exists, which keeps other exports' clean-up away from it.
    let mut temporary = temporaries::create_in(folder).map_err(fail)?;
    temporaries::remove_abandoned(folder, &temporary);
    write(temporary.as_file_mut())?;
    if let Some(metadata) = &existing {
        temporary
            .as_file()
            .set_permissions(metadata.permissions())
            .map_err(fail)?;
    }
    temporary.as_file().sync_all().map_err(fail)?;
    temporary
        .persist(&target)
        .map_err(|error| fail(error.error))?;
    Ok(())
}

/// Where `path` leads once every symlink on it is followed; a dangling link leads to the file it
/// names, which the export creates. Paths without symlinks are returned as they are.
fn follow_symlinks(path: &Utf8Path) -> std::io::Result<Utf8PathBuf> {
    let mut current = path.to_owned();
    // A loop of links ends in an error from the OS at the next step; forty hops is the limit
    // Linux itself uses.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = current.read_link_utf8()?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}
