//! `confab sessions validate PATH...`: the import checks, without a store, for CI and hooks.
//!
//! Paths are files, folders (searched recursively for files with an extension of a format that
//! imports) and glob patterns (for shells that do not expand them, and for `**`). Every file goes
//! through the same pipeline as `import` (decode, schema, consistency), in parallel, with the one
//! compiled schema shared by all threads; a single file is checked on the calling thread.
//!
//! Where the time goes (callgrind instruction counts, 300 checkpoints of 40 messages, issue 16):
//! choosing the format took 62 % when every registered decoder sniffed every file, the Gemini and
//! OpenAI sniffers each parsing a small file whole to find it is not theirs, so [`detect`] asks
//! the decoder of the file's extension first; the pipeline is most of the rest, nearly all of it
//! parsing JSON into values and dropping them. Compiling the schema (once per process) took 1.4 %
//! and reading the files 1.4 %; the settings, plugin discovery and the thread pool under 0.3 %.
//!
//! [`detect`]: confab_core::detect
//!
//! Exit codes: 0 when every file is valid, 1 when any is invalid, 2 when a path cannot be read or
//! matches nothing (a CI job should fail loudly on a typo in its file list).
//!
//! `--format json` prints a stable document:
//!
//! ```json
//! {
//!   "files": [
//!     {"path": "a.json", "status": "valid", "valid": true, "format": "json", "session": "x",
//!      "messages": 4, "sessions": [], "problems": []},
//!     {"path": "b.yaml", "status": "invalid", "valid": false, "format": "yaml", "session": null,
//!      "messages": null, "sessions": [], "problems": [
//!       {"pointer": "/session", "location": {"line": 3, "column": 3}, "rule": "required",
//!        "message": "\"model\" is a required property", "hint": "..."}
//!     ]}
//!   ],
//!   "summary": {"files": 2, "valid": 1, "invalid": 1, "unreadable": 0, "problems": 1}
//! }
//! ```
//!
//! Every key is always present, `null` when unknown. `status` is how the summary counts the
//! file: an `unreadable` one (it could not be read, or it is a report such as Markdown) has one
//! problem, with rule `read` or `format`; a file of several sessions lists them under `sessions`
//! and has `"session": null`. Fields may be added, never renamed or removed. `--format github` prints GitHub Actions `::error` annotations.

use std::io::Write;

use camino::Utf8Path;
use clap::{Args, ValueEnum};
use confab_core::{CheckSummary, Problem};
use rayon::prelude::*;
use serde::Serialize;

use crate::error::{CliError, problem_line};
use crate::input::{decoder_for, decoder_named, read_source, worth_every_reader};
use crate::output::{stdout, write_json};
use crate::project::Project;

use crate::paths::{self, Target};

/// Arguments of `confab sessions validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Checkpoint files, folders (searched recursively) or glob patterns; `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,

    /// How to report: text for people, json for programs, github for GitHub Actions annotations.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text, value_name = "FORMAT")]
    format: ReportFormat,

    /// Read every file as this checkpoint format instead of going by extension or content.
    #[arg(long, value_name = "FORMAT")]
    input_format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
    Github,
}

/// What happened to one file. Every key is always there (`null` when unknown), so a program
/// reading the report handles one shape: a file that could not be read has no format, an invalid
/// one no session.
#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    /// `valid`, `invalid` or `unreadable`: how the summary counts the file.
    status: FileStatus,
    valid: bool,
    format: Option<&'static str>,
    session: Option<String>,
    messages: Option<usize>,
    /// Each session of a file that holds several (a data export): then `session` is `null` and
    /// `messages` counts them all. Empty for a file of one session.
    sessions: Vec<SessionReport>,
    problems: Vec<Problem>,
}

/// How a file came out: the three counts of the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum FileStatus {
    Valid,
    Invalid,
    Unreadable,
}

/// One session of a file that holds several.
#[derive(Debug, Serialize)]
struct SessionReport {
    session: String,
    messages: usize,
}

#[derive(Debug, Serialize)]
struct Summary {
    files: usize,
    valid: usize,
    invalid: usize,
    unreadable: usize,
    problems: usize,
}

pub(crate) fn run(args: &ValidateArgs) -> Result<(), CliError> {
    if let Some(name) = &args.input_format {
        decoder_named(name)?;
    }
    let limit = Project::discover()?.config.max_import_size;
    let targets = paths::expand(&args.paths)?;
    let check = |target: &Target| match target {
        Target::File(path) => check_file(path, args.input_format.as_deref(), limit),
        Target::Unreadable { shown, reason } => FileReport {
            path: shown.clone(),
            status: FileStatus::Unreadable,
            problems: vec![Problem::new("", "read", reason)],
            ..FileReport::empty()
        },
    };
    // One file (a pre-commit hook, one big checkpoint) is checked on this thread: starting the
    // thread pool would only add its threads' start and their spinning while they find no work.
    let reports: Vec<FileReport> = if targets.len() == 1 {
        targets.iter().map(check).collect()
    } else {
        targets.par_iter().map(check).collect()
    };
    let count = |status| {
        reports
            .iter()
            .filter(|report| report.status == status)
            .count()
    };
    let summary = Summary {
        files: reports.len(),
        valid: count(FileStatus::Valid),
        invalid: count(FileStatus::Invalid),
        unreadable: count(FileStatus::Unreadable),
        problems: reports.iter().map(|report| report.problems.len()).sum(),
    };

    let mut out = stdout();
    match args.format {
        ReportFormat::Text => write_text(&mut out, &reports)?,
        ReportFormat::Json => {
            #[derive(Serialize)]
            struct Document<'a> {
                files: &'a [FileReport],
                summary: &'a Summary,
            }
            write_json(
                &mut out,
                &Document {
                    files: &reports,
                    summary: &summary,
                },
            )?;
        }
        ReportFormat::Github => write_github(&mut out, &reports)?,
    }
    out.flush()?;

    let files_word = |count: usize| if count == 1 { "file" } else { "files" };
    if summary.unreadable > 0 {
        return Err(CliError::usage(format!(
            "{} of {} {} could not be read",
            summary.unreadable,
            summary.files,
            files_word(summary.files)
        )));
    }
    if summary.invalid > 0 {
        return Err(CliError::failure(format!(
            "{} of {} {} invalid, {} {}",
            summary.invalid,
            summary.files,
            files_word(summary.files),
            summary.problems,
            if summary.problems == 1 {
                "problem"
            } else {
                "problems"
            }
        )));
    }
    Ok(())
}

impl FileReport {
    fn empty() -> FileReport {
        FileReport {
            path: String::new(),
            status: FileStatus::Invalid,
            valid: false,
            format: None,
            session: None,
            messages: None,
            sessions: Vec::new(),
            problems: Vec::new(),
        }
    }
}

fn check_file(path: &Utf8Path, input_format: Option<&str>, limit: u64) -> FileReport {
    let mut report = FileReport {
        path: if path == "-" {
            "<stdin>".to_owned()
        } else {
            path.to_string()
        },
        ..FileReport::empty()
    };
    let source = match read_source(path, limit) {
        Ok(source) => source,
        Err(error) => {
            report.status = FileStatus::Unreadable;
            report.problems.push(problem("read", &error));
            return report;
        }
    };
    let format = match decoder_for(&source, path, input_format) {
        Ok(format) => format,
        Err(error) => {
            report.status = FileStatus::Unreadable;
            report.problems.push(problem("format", &error));
            return report;
        }
    };
    report.format = Some(format.name());
    let checked = confab_core::check_checkpoint(&source.name, &source.bytes, format.decode)
        .and_then(|summaries| {
            for summary in &summaries {
                let name = &summary.session_name;
                confab_core::check_session_name(&source.name, &source.bytes, format.decode, name)?;
            }
            Ok(summaries)
        });
    // A guess that was refused: every reader tries, as `import` does (`input::read_sessions`).
    let checked = match checked {
        Err(invalid)
            if worth_every_reader(&source, format, input_format.is_some(), &invalid.problems) =>
        {
            match confab_core::recognise::try_every_reader(&source.name, &source.bytes) {
                Ok((other, imported)) => {
                    report.format = Some(other.name());
                    Ok(imported
                        .into_iter()
                        .map(|imported| CheckSummary {
                            message_count: imported.checkpoint.messages.len(),
                            session_name: imported.checkpoint.session.name,
                        })
                        .collect())
                }
                Err(refusals) => {
                    let shape = confab_core::recognise::known_shape(&source.bytes);
                    report.problems = refusals
                        .into_iter()
                        .enumerate()
                        .map(|(index, refusal)| {
                            let problem = Problem::new(
                                "",
                                "format",
                                format!("the {} reader: {}", refusal.format, refusal.reason),
                            );
                            match shape {
                                Some(shape) if index == 0 => problem.with_hint(format!(
                                    "it looks like {shape}, which holds no chat history"
                                )),
                                _ => problem,
                            }
                        })
                        .collect();
                    return report;
                }
            }
        }
        checked => checked,
    };
    match checked {
        Ok(mut summaries) if summaries.len() == 1 => {
            let CheckSummary {
                session_name,
                message_count,
            } = summaries.remove(0);
            report.status = FileStatus::Valid;
            report.valid = true;
            report.session = Some(session_name);
            report.messages = Some(message_count);
        }
        Ok(summaries) => {
            report.status = FileStatus::Valid;
            report.valid = true;
            report.messages = Some(summaries.iter().map(|summary| summary.message_count).sum());
            report.sessions = summaries
                .into_iter()
                .map(|summary| SessionReport {
                    session: summary.session_name,
                    messages: summary.message_count,
                })
                .collect();
        }
        Err(invalid) => report.problems = invalid.problems,
    }
    report
}

/// A file-level problem from the error `import` would have stopped with, its hints kept.
fn problem(rule: &str, error: &CliError) -> Problem {
    let problem = Problem::new("", rule, error.message());
    match error.hints() {
        [] => problem,
        hints => problem.with_hint(hints.join("; ")),
    }
}

fn write_text(out: &mut dyn Write, reports: &[FileReport]) -> std::io::Result<()> {
    for report in reports {
        if report.valid {
            let what = match report.session.as_deref() {
                Some(session) => session.to_owned(),
                None => format!("{} sessions", report.sessions.len()),
            };
            writeln!(
                out,
                "ok: {} ({} {what}, {})",
                report.path,
                report.format.unwrap_or("?"),
                crate::display::messages(report.messages.unwrap_or(0))
            )?;
            continue;
        }
        if report.status == FileStatus::Unreadable {
            for problem in &report.problems {
                writeln!(out, "unreadable: {}", problem.message)?;
                if let Some(hint) = &problem.hint {
                    writeln!(out, "  hint: {hint}")?;
                }
            }
            continue;
        }
        let count = report.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        writeln!(
            out,
            "invalid: {} is not a valid checkpoint ({count} {noun})",
            report.path
        )?;
        for problem in &report.problems {
            writeln!(out, "  {}", problem_line(&report.path, problem))?;
        }
    }
    Ok(())
}

/// `::error file=F,line=L,col=C,title=T::message`, one per problem.
fn write_github(out: &mut dyn Write, reports: &[FileReport]) -> std::io::Result<()> {
    for report in reports {
        for problem in &report.problems {
            // GitHub matches the annotation's file against the repository's paths, which have
            // no leading `./` (what `validate .` walks to).
            let path = report.path.strip_prefix("./").unwrap_or(&report.path);
            let mut properties = format!("file={}", escape_property(path));
            if let Some(location) = problem.location {
                properties.push_str(&format!(",line={},col={}", location.line, location.column));
            }
            properties.push_str(&format!(
                ",title={}",
                escape_property(&format!("confab: {}", problem.rule))
            ));
            let mut message = String::new();
            if !problem.pointer.is_empty() {
                message.push_str(&format!("{}: ", problem.pointer));
            }
            message.push_str(&problem.message);
            if let Some(hint) = &problem.hint {
                message.push_str(&format!("\nhint: {hint}"));
            }
            writeln!(out, "::error {properties}::{}", escape_data(&message))?;
        }
    }
    Ok(())
}

/// GitHub's workflow-command escaping for the message part.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's workflow-command escaping for a property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
