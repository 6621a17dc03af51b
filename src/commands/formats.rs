//! `confab formats`: which formats exist, their extensions, and whether they import and export.

use std::io::Write;

use clap::Args;

use crate::error::CliError;
use crate::output::stdout;

/// Arguments of `confab formats`.
#[derive(Debug, Args)]
pub(crate) struct FormatsArgs {}

pub(crate) fn run(_args: &FormatsArgs) -> Result<(), CliError> {
    let formats = confab_core::formats();
    let rows: Vec<[String; 4]> = formats
        .iter()
        .map(|format| {
            let mut names = vec![format.name()];
            names.extend(format.aliases());
            let extensions: Vec<String> = format
                .extensions()
                .iter()
                .map(|extension| format!(".{extension}"))
                .collect();
            let abilities = match (format.can_decode(), format.can_encode()) {
                (true, true) => "import, export",
                (true, false) => "import",
                (false, true) => "export",
                (false, false) => "-",
            };
            [
                names.join(", "),
                extensions.join(" "),
                abilities.to_owned(),
                format.description().to_owned(),
            ]
        })
        .collect();
    let header = ["FORMAT", "EXTENSIONS", "CAN", "DESCRIPTION"].map(str::to_owned);
    let mut widths = [0usize; 3];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = stdout();
    for row in std::iter::once(&header).chain(&rows) {
        writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )?;
    }
    Ok(())
}
