//! `confab completions SHELL`: prints a completion script for SHELL, so that Tab completes
//! confab's commands, options and option values.
//!
//! The script is generated from the same clap definition that parses the arguments
//! ([`crate::cli::Cli`]), so it can never name a command or flag that confab does not have; a
//! hand-written script would drift with every release. The output is a script for the shell to
//! load, not for a person, so it goes to stdout unchanged.
//!
//! Installing it, one line per shell (a new shell picks it up; the last two regenerate the script
//! at every start, so it follows upgrades):
//!
//! - bash: `confab completions bash > ~/.local/share/bash-completion/completions/confab`
//! - zsh: `confab completions zsh > ~/.zfunc/_confab` (with `fpath+=~/.zfunc` before
//!   `compinit` in `~/.zshrc`)
//! - fish: `confab completions fish > ~/.config/fish/completions/confab.fish`
//! - PowerShell: add `confab completions powershell | Out-String | Invoke-Expression` to `$PROFILE`
//! - elvish: add `eval (confab completions elvish | slurp)` to `~/.config/elvish/rc.elv`

use std::io::Write;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::CliError;
use crate::output::data_stdout;

/// Arguments of `confab completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: CompletionShell,
}

/// The shells confab writes completion scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompletionShell {
    /// Bash (bash-completion)
    Bash,
    /// Zsh (compinit)
    Zsh,
    /// fish
    Fish,
    /// PowerShell
    Powershell,
    /// Elvish
    Elvish,
}

impl CompletionShell {
    /// The generator of `clap_complete` for this shell.
    fn generator(self) -> Shell {
        match self {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
            CompletionShell::Powershell => Shell::PowerShell,
            CompletionShell::Elvish => Shell::Elvish,
        }
    }
}

pub(crate) fn run(args: &CompletionsArgs) -> Result<(), CliError> {
    let mut command = Cli::command();
    // clap_complete panics when its writer fails; it writes into memory here, and a closed pipe
    // or a full disk on the real stdout stays an ordinary error (a quiet exit for a pipe).
    let mut script = Vec::new();
    clap_complete::generate(args.shell.generator(), &mut command, "confab", &mut script);
    data_stdout().write_all(&script)?;
    Ok(())
}
