//! Where command output goes.
//!
//! Commands write through these handles and propagate `io::Error`s instead of using `println!`,
//! which panics when the reader of a pipe goes away (`confab sessions list | head -1`). The error
//! layer turns a broken pipe into a quiet, successful exit, as other Unix tools do.

use std::io::{self, IsTerminal};

/// Standard output, locked for the command's lifetime.
pub(crate) fn stdout() -> io::StdoutLock<'static> {
    io::stdout().lock()
}

/// Standard error, for notes and warnings that must not mix with data on stdout.
pub(crate) fn stderr() -> io::StderrLock<'static> {
    io::stderr().lock()
}

/// Whether a person is reading standard output (as opposed to a pipe or a file).
pub(crate) fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Writes `value` as pretty JSON and a newline; a closed pipe stays an `io::Error` so that it
/// ends the program quietly.
pub(crate) fn write_json(out: &mut dyn io::Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(|error| {
        match error.io_error_kind() {
            Some(kind) => io::Error::new(kind, error),
            None => io::Error::other(error),
        }
    })?;
    writeln!(out)
}
