//! `confab sessions validate FILE...`: the import checks, without a store, for CI and hooks.

use std::io::Write;

use camino::Utf8PathBuf;
use clap::Args;

use crate::error::{CliError, problem_line};
use crate::input::{decoder_for, read_source};
use crate::output::stdout;

/// Arguments of `confab sessions validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// Checkpoint files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    paths: Vec<Utf8PathBuf>,

    /// Read the files as this format instead of guessing from their extension.
    #[arg(short, long, value_name = "FORMAT")]
    format: Option<String>,
}

pub(crate) fn run(args: &ValidateArgs) -> Result<(), CliError> {
    let mut out = stdout();
    let mut invalid_files = 0usize;
    let mut problem_count = 0usize;
    for path in &args.paths {
        let source = read_source(path)?;
        let format = decoder_for(&source, path, args.format.as_deref())?;
        match confab_core::read_checkpoint(&source.name, &source.bytes, format) {
            Ok(checkpoint) => writeln!(
                out,
                "ok: {} ({} {}, {} messages)",
                source.name,
                format.name(),
                checkpoint.session.name,
                checkpoint.messages.len()
            )?,
            Err(invalid) => {
                invalid_files += 1;
                problem_count += invalid.problems.len();
                writeln!(out, "invalid: {invalid}")?;
                for problem in &invalid.problems {
                    writeln!(out, "  {}", problem_line(&invalid.source_name, problem))?;
                }
            }
        }
    }
    if invalid_files > 0 {
        return Err(CliError::failure(format!(
            "{invalid_files} of {} files invalid, {problem_count} problems",
            args.paths.len()
        )));
    }
    Ok(())
}
