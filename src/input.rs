//! Reading checkpoint files named on the command line, and choosing the format to decode them.

use std::io::Read;

use camino::Utf8Path;
use confab_core::CheckpointFormat;

use crate::error::CliError;

/// A file's bytes and the name to show for it (`<stdin>` for `-`).
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// Reads `path`, or standard input for `-`.
pub(crate) fn read_source(path: &Utf8Path) -> Result<Source, CliError> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|error| {
                CliError::failure(format!("could not read standard input: {error}"))
            })?;
        return Ok(Source {
            name: "<stdin>".to_owned(),
            bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(|error| {
        let error = CliError::failure(format!("could not read {path}: {}", io_reason(&error)));
        if path.is_dir() {
            error.hint("name a checkpoint file, not a folder")
        } else {
            error
        }
    })?;
    Ok(Source {
        name: path.to_string(),
        bytes,
    })
}

/// An I/O error in words, without Rust's `(os error 2)` suffix.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => "it is a folder".to_owned(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_owned(),
                None => text,
            }
        }
    }
}

/// The format to decode `source` with: `--format` if given, else the file's extension, else a
/// guess from the content.
pub(crate) fn decoder_for(
    source: &Source,
    path: &Utf8Path,
    explicit: Option<&str>,
) -> Result<&'static dyn CheckpointFormat, CliError> {
    let format = match explicit {
        Some(name) => Some(format_named(name)?),
        None => confab_core::format_for_path(path),
    };
    let format = match format {
        Some(format) => format,
        None => confab_core::detect_format(&source.bytes).ok_or_else(|| {
            CliError::failure(format!("cannot tell the format of {}", source.name)).hint(format!(
                "name it with --format; formats that import: {}",
                confab_core::format::describe_formats(false)
            ))
        })?,
    };
    if !format.can_decode() {
        return Err(CliError::failure(format!(
            "{} is a {} file, a report format that cannot be imported",
            source.name,
            format.name()
        ))
        .hint(format!(
            "formats that import: {}",
            confab_core::format::describe_formats(false)
        )));
    }
    Ok(format)
}

/// The registered format called `name`, or a usage error listing the formats there are.
pub(crate) fn format_named(name: &str) -> Result<&'static dyn CheckpointFormat, CliError> {
    confab_core::format_by_name(name).ok_or_else(|| {
        let names: Vec<&str> = confab_core::formats()
            .iter()
            .map(|format| format.name())
            .collect();
        CliError::usage(format!("unknown format {name:?}"))
            .hint(format!("the formats are: {}", names.join(", ")))
    })
}
