//! Where command output goes.
//!
//! Commands write through these handles and propagate `io::Error`s instead of using `println!`,
//! which panics when the reader of a pipe goes away (`confab sessions list | head -1`). The error
//! layer turns a broken pipe into a quiet, successful exit, as other Unix tools do.

use std::io;

/// Standard output, locked for the command's lifetime.
pub(crate) fn stdout() -> io::StdoutLock<'static> {
    io::stdout().lock()
}
