//! Long output for a person goes through a pager on a terminal, as git's does.
//!
//! A transcript (`sessions show`) or a long listing scrolls past faster than anyone reads. When
//! standard output is a terminal, [`PagedStdout`] keeps what a command writes and, at
//! [`PagedStdout::finish`], either prints it (it fits above the prompt) or pipes it through the
//! pager: `CONFAB_PAGER`, else `PAGER`, else `less`, split into words as a shell would (`less
//! -S`, `"my pager" --flag`). With `LESS` unset, `less` runs with `LESS=FRX`, git's choice:
//! quit when the text fits one screen (F), show confab's bold (R), leave the text on screen
//! when it quits (X). An empty pager or `cat` means no pager; `--no-pager` turns paging off
//! for one run. Nothing is paged when standard output is not a terminal: a pipe or a file gets
//! the bytes at once, as they are written.
//!
//! Deciding by length needs the whole text first, so paged output is kept in memory; the
//! commands that page hold what they print in memory anyway (a session, a list of summaries).
//!
//! Quitting the pager early closes its input: the rest of the text is dropped and confab ends
//! successfully, as with `| head`. While the pager runs, Ctrl-C is the pager's (`less` uses it
//! to stop a search): confab ignores it and waits, so the terminal is never handed back to the
//! shell with a pager still drawing on it.
//!
//! A pager that cannot be started is not an error: the text is printed as it is, with a warning
//! when the pager was chosen (an unset `PAGER` on a system without `less` stays quiet).

use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::output::stderr;
use crate::sanitize::Sanitized;

/// Set by `--no-pager`: nothing is paged in this run.
static DISABLED: AtomicBool = AtomicBool::new(false);

/// The pager when neither `CONFAB_PAGER` nor `PAGER` names one.
const DEFAULT_PAGER: &str = "less";

/// `--no-pager`: print everything directly for the rest of this run.
pub(crate) fn disable() {
    DISABLED.store(true, Ordering::Relaxed);
}

/// Standard output for a person, paged when long on a terminal (see the module documentation).
/// Sanitised like [`crate::output::stdout`]; call [`PagedStdout::finish`] when done.
pub(crate) fn stdout() -> PagedStdout {
    let pager = if DISABLED.load(Ordering::Relaxed) || !io::stdout().is_terminal() {
        None
    } else {
        chosen_pager()
    };
    let sink = match pager {
        Some(_) => Sink::Kept(Vec::new()),
        None => Sink::Direct(io::stdout().lock()),
    };
    PagedStdout {
        out: Sanitized::new(sink),
        pager,
    }
}

/// Where a [`PagedStdout`] writes: straight to stdout, or into memory until it is finished.
pub(crate) enum Sink {
    Direct(io::StdoutLock<'static>),
    Kept(Vec<u8>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Direct(out) => out.write(buf),
            Sink::Kept(kept) => kept.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Direct(out) => out.flush(),
            Sink::Kept(_) => Ok(()),
        }
    }
}

/// Output that goes through the pager when it is long and a person reads it on a terminal.
pub(crate) struct PagedStdout {
    out: Sanitized<Sink>,
    /// The pager's program and arguments, when the output is kept for it.
    pager: Option<Pager>,
}

impl Write for PagedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        // The kept text is shown at `finish`, not piece by piece.
        self.out.flush()
    }
}

impl PagedStdout {
    /// The sanitising writer underneath, for output with styles of confab's own (bold names,
    /// coloured matches): what data holds is still escaped.
    pub(crate) fn sanitized(&mut self) -> &mut Sanitized<Sink> {
        &mut self.out
    }

    /// Shows what was written: printed, or through the pager when it would not fit on the
    /// terminal. A pager quit early is a success.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.out.flush()?;
        let Sink::Kept(kept) = self.out.get_mut() else {
            return Ok(());
        };
        let text = std::mem::take(kept);
        let Some(pager) = self.pager.take() else {
            return print(&text);
        };
        let (columns, rows) = terminal_size();
        if fits(&text, columns, rows) {
            return print(&text);
        }
        pager.show(&text)
    }
}

impl Drop for PagedStdout {
    fn drop(&mut self) {
        // A command that stopped early (an error after some output) still shows what it wrote.
        let _ = self.out.flush();
        if let Sink::Kept(kept) = self.out.get_mut() {
            let _ = print(&std::mem::take(kept));
        }
    }
}

fn print(text: &[u8]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text)?;
    out.flush()
}

/// A pager to run: its program, arguments, and whether the user named it (else it is the
/// default, whose absence is not worth a warning).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pager {
    argv: Vec<String>,
    named: bool,
}

/// The pager this run would use: `CONFAB_PAGER`, else `PAGER`, else `less`; `None` for none.
fn chosen_pager() -> Option<Pager> {
    let variable = ["CONFAB_PAGER", "PAGER"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().map(|value| (name, value)));
    match variable {
        None => pager_from(DEFAULT_PAGER, false),
        Some((name, value)) => {
            let pager = pager_from(&value, true);
            if pager.is_none() && shlex::split(&value).is_none() {
                let _ = writeln!(
                    stderr(),
                    "warning: cannot read {name}={value:?} as a command (unbalanced quotes); not paging"
                );
            }
            pager
        }
    }
}

/// The pager a setting names: `None` when it is empty, `cat`, or not a command line.
fn pager_from(setting: &str, named: bool) -> Option<Pager> {
    let argv = shlex::split(setting)?;
    if argv.is_empty() || argv == ["cat"] {
        return None;
    }
    Some(Pager { argv, named })
}

impl Pager {
    /// Runs the pager on `text` and waits for it to quit.
    fn show(&self, text: &[u8]) -> io::Result<()> {
        let mut command = Command::new(&self.argv[0]);
        command.args(&self.argv[1..]).stdin(Stdio::piped());
        // git's defaults for the pagers it knows; a user's own setting wins.
        if std::env::var_os("LESS").is_none() {
            command.env("LESS", "FRX");
        }
        if std::env::var_os("LV").is_none() {
            command.env("LV", "-c");
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(error) => {
                if self.named {
                    let mut err = stderr();
                    writeln!(
                        err,
                        "warning: cannot start the pager {}: {}",
                        self.argv[0],
                        crate::input::io_reason(&error)
                    )?;
                    writeln!(
                        err,
                        "hint: set PAGER (or CONFAB_PAGER) to a pager you have, or pass --no-pager"
                    )?;
                }
                return print(text);
            }
        };
        // Ctrl-C belongs to the pager now; confab waits for it to quit. (A handler that does
        // nothing: the chat's own handler is never set in a command that pages.)
        let _ = ctrlc::set_handler(|| {});
        let written = match child.stdin.take() {
            Some(mut input) => input.write_all(text),
            None => Ok(()),
        };
        // The pager's input is closed (dropped) before waiting, so it sees the end of the text.
        child.wait()?;
        match written {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// The terminal's width and height: from standard output, else `COLUMNS` and `LINES`, else
/// 80 by 24.
fn terminal_size() -> (usize, usize) {
    if let Some((terminal_size::Width(columns), terminal_size::Height(rows))) =
        terminal_size::terminal_size_of(io::stdout())
    {
        return (usize::from(columns), usize::from(rows));
    }
    let variable = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|value| value.trim().parse::<usize>().ok())
            .filter(|value| *value > 0)
            .unwrap_or(default)
    };
    (variable("COLUMNS", 80), variable("LINES", 24))
}

/// Whether `text` fits on a terminal of `columns` by `rows` with the shell's prompt below it:
/// each line takes as many rows as its width needs.
fn fits(text: &[u8], columns: usize, rows: usize) -> bool {
    let text = String::from_utf8_lossy(text);
    let columns = columns.max(1);
    let mut used = 0;
    for line in text.strip_suffix('\n').unwrap_or(&text).split('\n') {
        used += display_width(line).div_ceil(columns).max(1);
        // The prompt needs the last row.
        if used >= rows {
            return false;
        }
    }
    true
}

/// How many columns `line` takes: wide characters two, tabs to the next multiple of 8.
fn display_width(line: &str) -> usize {
    let mut width = 0;
    for c in line.chars() {
        width += match c {
            '\t' => 8 - width % 8,
            c => unicode_width::UnicodeWidthChar::width(c).unwrap_or(0),
        };
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pager_setting_is_split_like_a_shell_and_cat_means_none() {
        assert_eq!(
            pager_from("less -S", true),
            Some(Pager {
                argv: vec!["less".into(), "-S".into()],
                named: true
            })
        );
        assert_eq!(
            pager_from("'my pager' --x 'a b'", false).map(|pager| pager.argv),
            Some(vec!["my pager".into(), "--x".into(), "a b".into()])
        );
        for none in ["", "   ", "cat", " cat "] {
            assert_eq!(pager_from(none, true), None, "{none:?}");
        }
        assert_eq!(pager_from("less 'unbalanced", true), None);
        assert!(
            pager_from("cat -v", true).is_some(),
            "cat with options is a pager"
        );
    }

    #[test]
    fn text_fits_when_its_rows_leave_one_for_the_prompt() {
        assert!(fits(b"", 80, 24));
        assert!(fits(b"1\n2\n3\n", 80, 4));
        assert!(!fits(b"1\n2\n3\n4\n", 80, 4));
        // A line wider than the terminal takes several rows.
        let long = format!("{}\n", "x".repeat(200));
        assert!(fits(long.as_bytes(), 80, 4), "3 rows");
        assert!(!fits(long.as_bytes(), 80, 3));
        // Wide characters count twice; an empty line is still a row.
        let wide = format!("{}\n\n", "日".repeat(60));
        assert!(!fits(wide.as_bytes(), 80, 3), "2 rows and an empty one");
        assert!(fits(wide.as_bytes(), 120, 3));
    }

    #[test]
    fn tabs_reach_the_next_stop() {
        assert_eq!(display_width("a\tb"), 9);
        assert_eq!(display_width("\t"), 8);
        assert_eq!(display_width("日本"), 4);
    }
}
