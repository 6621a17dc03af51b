//! `confab formats`: which formats exist, their extensions, and whether they import and export.
//!
//! Formats served by an executable on `PATH` say so after their description, and plugins that
//! were skipped (a failing `describe`, a taken name) are reported here as warnings, once.

use std::io::Write;

use clap::Args;

use crate::display::write_table;
use crate::error::CliError;
use crate::output::{stderr, stdout};

/// Arguments of `confab formats`.
#[derive(Debug, Args)]
pub(crate) struct FormatsArgs {}

pub(crate) fn run(_args: &FormatsArgs) -> Result<(), CliError> {
    let mut warnings = stderr();
    for problem in confab_format_external::init() {
        writeln!(warnings, "warning: {problem}")?;
    }
    drop(warnings);
    let rows: Vec<Vec<String>> = confab_core::formats()
        .iter()
        .map(|format| {
            let mut names = vec![format.name()];
            names.extend(format.aliases());
            let extensions: Vec<String> = format
                .extensions()
                .iter()
                .map(|extension| format!(".{extension}"))
                .collect();
            let abilities = match (format.decoder().is_some(), format.encoder().is_some()) {
                (true, true) => "import, export",
                (true, false) => "import",
                (false, true) => "export",
                (false, false) => "-",
            };
            let description = match format.origin() {
                confab_core::Origin::BuiltIn => format.description().to_owned(),
                confab_core::Origin::External { path } => {
                    format!("{} (external: {path})", format.description())
                }
            };
            vec![
                names.join(", "),
                extensions.join(" "),
                abilities.to_owned(),
                description,
            ]
        })
        .collect();
    write_table(
        &mut stdout(),
        &["FORMAT", "EXTENSIONS", "CAN", "DESCRIPTION"],
        &rows,
        &[],
    )?;
    Ok(())
}
