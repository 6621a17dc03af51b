//! What a failed command tells the user, and the exit code it ends with.
//!
//! Libraries return typed errors; this is the one place they become words on a terminal:
//!
//! ```text
//! error: no session named "incident-42"
//!   details, one per line (every problem of an invalid file, say)
//! hint: the closest names are: incident-41, incident-24
//! ```
//!
//! Exit codes: 0 success, 1 the command failed, 2 the command line was wrong (clap uses 2 as well).

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
    /// The reader of our output went away; not an error for the user: exit 0.
    BrokenPipe,
}

/// An error on its way to the user.
#[derive(Debug)]
pub(crate) struct CliError {
    kind: ErrorKind,
    message: String,
    details: Vec<String>,
    hints: Vec<String>,
}

impl CliError {
    /// A failure of the command itself (exit 1).
    pub(crate) fn failure(message: impl fmt::Display) -> CliError {
        CliError {
            kind: ErrorKind::Failure,
            message: message.to_string(),
            details: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// A usage error (exit 2).
    pub(crate) fn usage(message: impl fmt::Display) -> CliError {
        CliError {
            kind: ErrorKind::Usage,
            ..CliError::failure(message)
        }
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

    /// The main message, without details or hints.
    pub(crate) fn message(&self) -> String {
        self.message.clone()
    }

    /// Prints the error to stderr and returns the exit code for it.
    pub(crate) fn report(&self) -> ExitCode {
        if self.kind == ErrorKind::BrokenPipe {
            return ExitCode::SUCCESS;
        }
        let mut err = io::stderr().lock();
        // Nothing sensible remains to be done if stderr itself cannot be written.
        let _ = writeln!(err, "error: {}", self.message);
        for detail in &self.details {
            let _ = writeln!(err, "  {detail}");
        }
        for hint in &self.hints {
            let _ = writeln!(err, "hint: {hint}");
        }
        ExitCode::from(match self.kind {
            ErrorKind::Failure => 1,
            ErrorKind::Usage => 2,
            ErrorKind::BrokenPipe => 0,
        })
    }
}

impl From<io::Error> for CliError {
    /// Errors writing our own output; reading a user's file has its own, named message.
    fn from(error: io::Error) -> CliError {
        if error.kind() == io::ErrorKind::BrokenPipe {
            CliError {
                kind: ErrorKind::BrokenPipe,
                ..CliError::failure("broken pipe")
            }
        } else {
            CliError::failure(format!("could not write the output: {error}"))
        }
    }
}

impl From<confab_core::InvalidCheckpoint> for CliError {
    fn from(invalid: confab_core::InvalidCheckpoint) -> CliError {
        let mut error = CliError::failure(&invalid);
        for problem in &invalid.problems {
            error = error.detail(problem_line(&invalid.source_name, problem));
        }
        error.hint("`confab schema` prints the checkpoint schema; nothing was imported or changed")
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
            StoreError::InvalidName(_) => Some("choose another name, e.g. with --name"),
            StoreError::NewerSchema { .. } => Some("upgrade confab to use this store"),
            StoreError::Unstorable(_) => None,
            StoreError::Backend { .. } => {
                Some("if another confab is running, wait for it; otherwise check the store's file")
            }
        };
        let cli = CliError::failure(&error);
        match hint {
            Some(hint) => cli.hint(hint),
            None => cli,
        }
    }
}
