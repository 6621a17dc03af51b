//! `confab man`: the manual page of confab, in roff, generated from the command line itself.
//!
//! Like the completion scripts ([`super::completions`]), the pages come from the clap definition
//! in [`crate::cli`], so they say exactly what this binary accepts, options and defaults
//! included, and need no separate upkeep. Packagers install them with the binary:
//!
//! - `confab man` prints the page of `confab` itself (`confab man | man -l -` reads it);
//! - `confab man --out DIR` writes one page per command and subcommand, `confab.1`,
//!   `confab-sessions.1`, `confab-sessions-import.1`, ..., into DIR (created if missing), the
//!   layout `man` expects in a `man1` folder, and prints the path of each page it wrote.
//!
//! Each page is written to a temporary file beside its target and renamed over it when complete,
//! as confab writes every file: a reader never sees half a page, and a failed run leaves the
//! previous pages as they were.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Args, CommandFactory};
use clap_mangen::Man;

use crate::cli::Cli;
use crate::error::CliError;
use crate::output::{data_stdout, stdout};

/// Arguments of `confab man`.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write one page per command (confab.1, confab-sessions.1, ...) into this folder instead of
    /// printing the page of confab.
    #[arg(long, value_name = "DIR")]
    out: Option<Utf8PathBuf>,
}

pub(crate) fn run(args: &ManArgs) -> Result<(), CliError> {
    let pages = pages();
    match &args.out {
        None => {
            // `pages` starts with confab itself.
            if let Some(page) = pages.first() {
                let mut roff = Vec::new();
                page.render(&mut roff)?;
                data_stdout().write_all(&roff)?;
            }
            Ok(())
        }
        Some(folder) => write_pages(&pages, folder),
    }
}

/// The page of confab, then those of its commands, depth first; hidden commands and clap's
/// `help` subcommand have none.
fn pages() -> Vec<Man> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Building gives every subcommand its full name (`confab-sessions-import`), which becomes
    // its page's title and file name.
    command.build();
    let mut pages = Vec::new();
    collect(command, &mut pages);
    pages
}

fn collect(command: clap::Command, pages: &mut Vec<Man>) {
    let subcommands: Vec<clap::Command> = command
        .get_subcommands()
        .filter(|subcommand| !subcommand.is_hide_set())
        .cloned()
        .collect();
    // Every page names the program and its version, not the subcommand (`import 0.1.0`).
    let source = format!("confab {}", env!("CARGO_PKG_VERSION"));
    pages.push(Man::new(command).source(source));
    for subcommand in subcommands {
        collect(subcommand, pages);
    }
}

fn write_pages(pages: &[Man], folder: &Utf8Path) -> Result<(), CliError> {
    std::fs::create_dir_all(folder).map_err(|error| {
        CliError::failure(format!("could not create the folder {folder}")).caused_by(error)
    })?;
    let mut out = stdout();
    for page in pages {
        let target = folder.join(page.get_filename());
        write_page(page, &target).map_err(|error| {
            CliError::failure(format!("could not write {target}")).caused_by(error)
        })?;
        writeln!(out, "{target}")?;
    }
    Ok(())
}

/// Renders `page` into a temporary file in the target's folder and renames it over `target`.
fn write_page(page: &Man, target: &Utf8Path) -> std::io::Result<()> {
    let folder = target.parent().unwrap_or(Utf8Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".confab-man-");
    // A temporary file alone would be 0600; a man page is for everyone (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temporary = builder.tempfile_in(folder)?;
    page.render(temporary.as_file_mut())?;
    temporary.as_file().sync_all()?;
    temporary.persist(target).map_err(|error| error.error)?;
    Ok(())
}
