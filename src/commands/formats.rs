//! `confab formats`: which formats exist, their extensions, and whether they import and export.

use clap::Args;

use crate::display::write_table;
use crate::error::CliError;
use crate::output::stdout;

/// Arguments of `confab formats`.
#[derive(Debug, Args)]
pub(crate) struct FormatsArgs {}

pub(crate) fn run(_args: &FormatsArgs) -> Result<(), CliError> {
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
            vec![
                names.join(", "),
                extensions.join(" "),
                abilities.to_owned(),
                format.description().to_owned(),
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
