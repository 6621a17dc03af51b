//! Reading checkpoint files named on the command line, and choosing the format to decode them.

use std::io::Read;

use camino::Utf8Path;
use confab_core::{CheckpointFormat, Decoder, Detection};

use crate::error::CliError;

/// A file's bytes and the name to show for it (`<stdin>` for `-`).
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// Reads `path`, or standard input for `-`, refusing more than `limit` bytes.
///
/// The limit protects a machine from a file that would take all its memory (a checkpoint from a
/// stranger may be anything, and a path may name a device or a FIFO): no read goes past it.
pub(crate) fn read_source(path: &Utf8Path, limit: u64) -> Result<Source, CliError> {
    let too_large = |name: &str| {
        CliError::input(format!("{name} is larger than the import limit of {}", format_size(limit)))
            .hint("raise import.max_size in confab.yaml (or CONFAB_IMPORT_MAX_SIZE) if you trust the file")
    };
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|error| CliError::input("could not read standard input").caused_by(error))?;
        if bytes.len() as u64 > limit {
            return Err(too_large("standard input"));
        }
        return Ok(Source {
            name: "<stdin>".to_owned(),
            bytes,
        });
    }
    if std::fs::metadata(path).is_ok_and(|metadata| metadata.is_file() && metadata.len() > limit) {
        return Err(too_large(path.as_str()));
    }
    let unreadable = |error: std::io::Error| {
        let error = CliError::input(format!("could not read {path}: {}", io_reason(&error)));
        if path.is_dir() {
            error.hint("name a checkpoint file, not a folder")
        } else {
            error
        }
    };
    // The size above is only a fast answer for regular files: a device (`/dev/zero`), a FIFO or
    // a file still growing has no size worth trusting, so the read itself stops at the limit.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(path.as_str()));
    }
    Ok(Source {
        name: path.to_string(),
        bytes,
    })
}

/// `256 MiB`-style, for messages.
pub(crate) fn format_size(bytes: u64) -> String {
    // A limit set as `1MB` is shown as `1 MB`, one set as `1MiB` as `1 MiB`.
    const UNITS: [(&str, u64); 6] = [
        ("GiB", 1 << 30),
        ("GB", 1_000_000_000),
        ("MiB", 1 << 20),
        ("MB", 1_000_000),
        ("KiB", 1 << 10),
        ("KB", 1_000),
    ];
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{} {unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
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

/// The decoder for `source`: `--format` if given, else [`confab_core::detect`]'s one rule
/// (extension and content).
pub(crate) fn decoder_for(
    source: &Source,
    path: &Utf8Path,
    explicit: Option<&str>,
) -> Result<Decoder, CliError> {
    let report_only = |format: &dyn CheckpointFormat| {
        CliError::input(format!(
            "{} is a {} file, a report format that cannot be imported",
            source.name,
            format.name()
        ))
        .hint(format!(
            "formats that import: {}",
            confab_core::format::describe_decoders()
        ))
    };
    if let Some(name) = explicit {
        return decoder_named(name);
    }
    let path = (path != "-").then_some(path);
    match confab_core::detect(path, &source.bytes) {
        Detection::Decoder(decoder) => Ok(decoder),
        Detection::Report(format) => Err(report_only(format)),
        Detection::Unknown => {
            let refusals =
                match confab_core::recognise::try_every_reader(&source.name, &source.bytes) {
                    // A reader that sniffs nothing may still read the file whole.
                    Ok((decoder, _)) => return Ok(decoder),
                    Err(refusals) => refusals,
                };
            Err(no_reader(source, &refusals).hint(format!(
                "formats that import: {}",
                confab_core::format::describe_decoders()
            )))
        }
    }
}

/// The sessions of `source`, read by `decoder`, the reader [`decoder_for`] chose.
///
/// When that reader refuses the file and neither `--format` named it nor was it sure of the
/// content, every reader tries ([`confab_core::recognise`]): the first to accept the file reads
/// it, and if none does, the error lists each with its first reason.
pub(crate) fn read_sessions(
    source: &Source,
    decoder: Decoder,
    explicit: bool,
) -> Result<(Decoder, Vec<confab_core::Imported>), CliError> {
    let refused = match confab_core::read_checkpoints(&source.name, &source.bytes, decoder.decode) {
        Ok(imported) => return Ok((decoder, imported)),
        Err(refused) => refused,
    };
    if !worth_every_reader(source, decoder, explicit, &refused.problems) {
        return Err(refused.into());
    }
    confab_core::recognise::try_every_reader(&source.name, &source.bytes)
        .map_err(|refusals| no_reader(source, &refusals))
}

/// Whether a refusal by `decoder` should make every reader try: not when the format was named or
/// sure of the content, nor when the file is broken as what its reader took it for (a syntax
/// error in a `.json` file says more than ten readers' refusals).
pub(crate) fn worth_every_reader(
    source: &Source,
    decoder: Decoder,
    explicit: bool,
    problems: &[confab_core::Problem],
) -> bool {
    !explicit
        && !problems.iter().all(|problem| problem.rule == "syntax")
        && decoder.decode.sniff(&source.bytes) != confab_core::Sniff::Yes
}

/// No reader accepts `source`: each one's first reason, and what the file looks like.
fn no_reader(source: &Source, refusals: &[confab_core::recognise::Refusal]) -> CliError {
    let mut error = CliError::failure(format!(
        "{} is not a file any of confab's readers accepts",
        source.name
    ));
    for refusal in refusals {
        error = error.detail(format!("{}: {}", refusal.format, refusal.reason));
    }
    if let Some(shape) = confab_core::recognise::known_shape(&source.bytes) {
        error = error.hint(format!(
            "it looks like {shape}, which holds no chat history"
        ));
    }
    error
        .hint("name its format with --format FORMAT to see every problem that reader finds")
        .hint("nothing from this file was imported")
}

/// The registered format called `name`, or a usage error listing the formats there are.
/// The decoder of the format `--format`/`--input-format` names; a usage error for an unknown
/// format or one that only writes (a report), before any file is read: the choice is wrong for
/// every file, so no file is blamed for it.
pub(crate) fn decoder_named(name: &str) -> Result<Decoder, CliError> {
    let format = format_named(name)?;
    Decoder::of(format).ok_or_else(|| {
        CliError::usage(format!(
            "{} is a report format: confab writes it but cannot read it",
            format.name()
        ))
        .hint(format!(
            "formats that import: {}",
            confab_core::format::describe_decoders()
        ))
    })
}

pub(crate) fn format_named(name: &str) -> Result<&'static dyn CheckpointFormat, CliError> {
    confab_core::format_by_name(name).ok_or_else(|| {
        let names: Vec<&str> = confab_core::formats()
            .iter()
            .map(|format| format.name())
            .collect();
        CliError::usage(format!("unknown format {}", confab_core::Quoted(name)))
            .hint(format!("the formats are: {}", names.join(", ")))
    })
}
