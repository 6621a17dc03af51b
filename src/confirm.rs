//! Asking a person before a command removes many sessions.
//!
//! `clean`, `delete` of several sessions and `trash empty` show what they will do and ask
//! first, but only when a person can answer: standard input *and* standard error (where the
//! question goes) are terminals. A script, a cron job or CI, where either is a pipe or a file,
//! is never asked (and never hangs waiting); `--yes` skips the question on a terminal too.
//!
//! Anything but `y` or `yes` (in any case) is a no, an empty line and end of input included:
//! the command then changes nothing and ends with exit 1.

use std::io::{self, BufRead, IsTerminal, Read, Write};

use crate::error::CliError;
use crate::output::stderr;

/// Whether a person can be asked: stdin and stderr are terminals.
pub(crate) fn can_ask() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Shows `what` (the lines of what will happen) and asks `question` on stderr; `Ok` for yes,
/// the "cancelled" error otherwise.
pub(crate) fn confirm(what: &[String], question: &str) -> Result<(), CliError> {
    let mut err = stderr();
    for line in what {
        writeln!(err, "{line}")?;
    }
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    // An answer is a word; a paste of megabytes at the prompt is not read whole.
    io::stdin().lock().take(1024).read_line(&mut answer)?;
    if is_yes(&answer) {
        Ok(())
    } else {
        if answer.is_empty() {
            // End of input left the cursor after the question.
            writeln!(err)?;
        }
        Err(CliError::failure("cancelled; nothing was changed"))
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_is_yes() {
        for yes in ["y\n", "Y\n", "yes\n", " YES \r\n", "y"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n\n", "no\n", "yep\n", "ye\n", "y y\n", "oui\n"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
