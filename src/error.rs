//! What a failed command tells the user, and the exit code it ends with.
//!
//! Libraries return typed errors. A command wraps one in a [`CliError`] with the words that say
//! what it was doing ("could not write report.md") and, where it helps, a hint; the library error
//! stays attached as the cause, with its own `source()` chain, until [`CliError::report`], the one
//! place that prints and picks the exit code:
//!
//! ```text
//! error: could not write /dev/full: No space left on device
//!   details, one per line (every problem of an invalid file, say)
//! hint: the closest names are: incident-41, incident-24
//! ```
//!
//! The causes are printed after the message, each after a colon, with Rust's `(os error N)`
//! suffix dropped. A broken pipe anywhere in the chain (`confab ... | head -1`) is not an error
//! for the user: the command ends quietly with exit 0, as other Unix tools do.
//!
//! Exit codes, the same for every command (the README has this table):
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success (and a closed output pipe) |
//! | 1 | the work failed, or found problems (an invalid checkpoint, an unknown session) |
//! | 2 | a usage error, or an input that could not be read (a missing file, clap's errors) |
//!
//! `search` answers as grep does: 1 means "nothing matched" ([`CliError::no_match`], which prints
//! nothing), so its failures exit 2 ([`CliError::searching`]) and cannot pass for that answer.

use std::error::Error;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

/// Why a command failed, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// The command could not do what was asked (invalid file, unknown session, ...): exit 1.
    Failure,
    /// The arguments make no sense together or name something that cannot exist: exit 2.
    Usage,
    /// An input named on the command line could not be read (missing, too large, a folder): exit 2.
    Input,
    /// A command whose exit 1 is an answer (search found nothing, as grep) could not answer: exit 2.
    Trouble,
    /// A negative answer, not a failure (search found nothing, as grep): exit 1, nothing printed.
    NoMatch,
}

/// An error on its way to the user.
#[derive(Debug)]
pub(crate) struct CliError {
    kind: ErrorKind,
    message: String,
    cause: Option<Box<dyn Error + Send + Sync>>,
    details: Vec<String>,
    hints: Vec<String>,
}

impl CliError {
    fn new(kind: ErrorKind, message: impl fmt::Display) -> CliError {
        CliError {
            kind,
            message: message.to_string(),
            cause: None,
            details: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// A failure of the command itself (exit 1).
    pub(crate) fn failure(message: impl fmt::Display) -> CliError {
        CliError::new(ErrorKind::Failure, message)
    }

    /// A usage error (exit 2).
    pub(crate) fn usage(message: impl fmt::Display) -> CliError {
        CliError::new(ErrorKind::Usage, message)
    }

    /// An input that cannot be read (exit 2).
    pub(crate) fn input(message: impl fmt::Display) -> CliError {
        CliError::new(ErrorKind::Input, message)
    }

    /// Nothing matched: exit 1 with nothing printed, as grep ends (the command says so itself
    /// where a person is reading).
    pub(crate) fn no_match() -> CliError {
        CliError::new(ErrorKind::NoMatch, "nothing matched")
    }

    /// This error as the failure of a command whose exit 1 means "nothing matched": a failure
    /// exits 2 instead, so a script never takes a broken store for an empty answer. Usage and
    /// input errors exit 2 already.
    pub(crate) fn searching(mut self) -> CliError {
        if self.kind == ErrorKind::Failure {
            self.kind = ErrorKind::Trouble;
        }
        self
    }

    /// Attaches the error that caused this one; it is printed after the message, with its own
    /// causes.
    pub(crate) fn caused_by(mut self, cause: impl Into<Box<dyn Error + Send + Sync>>) -> CliError {
        self.cause = Some(cause.into());
        self
    }

    /// Adds an indented detail line under the message.
    pub(crate) fn detail(mut self, detail: impl fmt::Display) -> CliError {
        self.details.push(detail.to_string());
        self
    }

    /// Adds a `hint:` line telling the user how to fix things.
    pub(crate) fn hint(mut self, hint: impl fmt::Display) -> CliError {
        self.hints.push(hint.to_string());
        self
    }

    /// The message and its causes, on one line, as `report` prints it after `error: `.
    pub(crate) fn message(&self) -> String {
        let mut text = self.message.clone();
        let mut cause: Option<&(dyn Error + 'static)> = self
            .cause
            .as_deref()
            .map(|cause| cause as &(dyn Error + 'static));
        while let Some(error) = cause {
            let words = without_os_error(&error.to_string());
            // thiserror's `#[error(transparent)]` and wrappers that repeat their cause's words
            // would print the same text twice.
            if !words.is_empty() && !text.ends_with(&words) {
                text.push_str(": ");
                text.push_str(&words);
            }
            cause = error.source();
        }
        text
    }

    /// The hints, in order.
    pub(crate) fn hints(&self) -> &[String] {
        &self.hints
    }

    /// Whether a closed pipe is the reason, anywhere in the chain of causes.
    fn is_broken_pipe(&self) -> bool {
        let mut cause: Option<&(dyn Error + 'static)> = self
            .cause
            .as_deref()
            .map(|cause| cause as &(dyn Error + 'static));
        while let Some(error) = cause {
            if error
                .downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            {
                return true;
            }
            cause = error.source();
        }
        false
    }

    /// Prints the error to stderr and returns the exit code for it.
    pub(crate) fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            return ExitCode::SUCCESS;
        }
        if self.kind == ErrorKind::NoMatch {
            return ExitCode::from(1);
        }
        let mut err = crate::output::stderr();
        // Nothing sensible remains to be done if stderr itself cannot be written.
        let _ = writeln!(err, "error: {}", self.message());
        for detail in &self.details {
            let _ = writeln!(err, "  {detail}");
        }
        for hint in &self.hints {
            let _ = writeln!(err, "hint: {hint}");
        }
        ExitCode::from(match self.kind {
            ErrorKind::Failure | ErrorKind::NoMatch => 1,
            ErrorKind::Usage | ErrorKind::Input | ErrorKind::Trouble => 2,
        })
    }
}

/// An error's words without Rust's ` (os error N)` suffix: the OS reason is the useful part.
fn without_os_error(text: &str) -> String {
    match text.find(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

impl From<io::Error> for CliError {
    /// Errors writing our own output; reading a user's file has its own, named message.
    fn from(error: io::Error) -> CliError {
        CliError::failure("could not write the output").caused_by(error)
    }
}

impl From<confab_core::InvalidCheckpoint> for CliError {
    fn from(invalid: confab_core::InvalidCheckpoint) -> CliError {
        let mut error = CliError::failure(&invalid);
        for problem in &invalid.problems {
            error = error.detail(problem_line(&invalid.source_name, problem));
        }
        error.hint(
            "`confab schema` prints the checkpoint schema; nothing from this file was imported",
        )
    }
}

/// `file:line:column: /pointer: message [rule]` and an indented hint, one problem's report.
pub(crate) fn problem_line(source_name: &str, problem: &confab_core::Problem) -> String {
    let mut line = format!("{source_name}:{problem}");
    if problem.location.is_none() {
        line = format!("{source_name}: {problem}");
    }
    if let Some(hint) = &problem.hint {
        line.push_str(&format!("\n    hint: {hint}"));
    }
    line
}

impl From<confab_core::StoreError> for CliError {
    fn from(error: confab_core::StoreError) -> CliError {
        use confab_core::StoreError;
        let hint = match &error {
            StoreError::NotFound { .. } => {
                Some("`confab sessions list` shows the sessions there are")
            }
            StoreError::AlreadyExists { .. } => None,
            StoreError::NotInTrash { .. } => {
                Some("`confab sessions trash list` shows what the trash holds")
            }
            StoreError::InvalidName(_) => Some("choose another name, e.g. with --name"),
            StoreError::NewerSchema { .. } => Some("upgrade confab to use this store"),
            StoreError::Unstorable(_) => None,
            StoreError::Conflict { .. } => {
                Some("someone else added to the session meanwhile: read it again and retry")
            }
            StoreError::Backend { .. } => {
                Some("if another confab is running, wait for it; otherwise check the store's file")
            }
        };
        let cli = CliError::failure(&error);
        let cli = match error {
            StoreError::Backend {
                source: Some(source),
                ..
            } => cli.caused_by(source),
            _ => cli,
        };
        match hint {
            Some(hint) => cli.hint(hint),
            None => cli,
        }
    }
}
