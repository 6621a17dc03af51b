//! Whether confab colours what it prints: `--color auto|always|never`, as ripgrep and git take it.
//!
//! `auto` colours only where colour can be seen and is wanted: standard output is a terminal,
//! `NO_COLOR` is unset or empty (<https://no-color.org>: a non-empty value, whatever it is, means
//! no colour), and `TERM` is not `dumb` (a terminal that shows escape sequences as text, such as
//! Emacs's shell buffer). `always` colours into a pipe too (`| less -R`), and overrides
//! `NO_COLOR`, as a flag typed for one command should; `never` colours nothing.
//!
//! The colour is confab's own escape sequences around text that is sanitised as always (see
//! [`crate::sanitize`]): no sequence from data reaches the terminal in any mode.

use clap::ValueEnum;

/// The `--color` choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Colour everywhere, pipes and files included.
    Always,
    /// No colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour standard output, from this process's environment.
    pub(crate) fn for_stdout(self) -> bool {
        self.decide(
            crate::output::stdout_is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
            std::env::var_os("TERM").as_deref(),
        )
    }

    /// The rule, given whether the output is a terminal and the values of `NO_COLOR` and `TERM`.
    fn decide(
        self,
        terminal: bool,
        no_color: Option<&std::ffi::OsStr>,
        term: Option<&std::ffi::OsStr>,
    ) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal
                    && no_color.is_none_or(|value| value.is_empty())
                    && term.is_none_or(|term| term != "dumb")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    #[test]
    fn auto_colours_a_terminal_that_wants_it_only() {
        let auto = ColorChoice::Auto;
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(auto.decide(true, None, xterm));
        assert!(auto.decide(true, None, None));
        assert!(!auto.decide(false, None, xterm), "a pipe");
        assert!(!auto.decide(true, Some(OsStr::new("1")), xterm));
        assert!(
            !auto.decide(true, Some(OsStr::new("0")), xterm),
            "any value"
        );
        assert!(
            auto.decide(true, Some(OsStr::new("")), xterm),
            "empty is unset"
        );
        assert!(!auto.decide(true, None, Some(OsStr::new("dumb"))));
    }

    #[test]
    fn always_and_never_ignore_the_surroundings() {
        let no_color = Some(OsStr::new("1"));
        let dumb = Some(OsStr::new("dumb"));
        assert!(ColorChoice::Always.decide(false, no_color, dumb));
        assert!(!ColorChoice::Never.decide(true, None, None));
    }
}
