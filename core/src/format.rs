//! The format plugin engine: the [`CheckpointFormat`] trait and the registry of formats.
//!
//! A format is a crate. It implements [`CheckpointFormat`] for a unit struct, keeps one instance in
//! a `static`, and registers it with one line:
//!
//! ```ignore
//! pub static FORMAT: JsonFormat = JsonFormat;
//! inventory::submit! { confab_core::FormatRegistration::new(&FORMAT) }
//! ```
//!
//! [`inventory`] gathers the registrations of every crate linked into the program before `main`
//! runs, so neither core nor the CLI names the formats they serve: adding a format is adding a
//! crate (and the one line in the binary that links it in). The registry never hands out the
//! formats in `inventory`'s order, which is unspecified: lists are sorted by name.
//!
//! Decoders do not produce a [`Checkpoint`](crate::Checkpoint) themselves. They turn bytes into a
//! [`serde_json::Value`], and [`crate::read_checkpoint`] runs the same schema and consistency
//! checks on it whatever the format was, so no format can let an invalid session into a store.

use std::io;

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::Value;

use crate::checkpoint::Checkpoint;
use crate::error::{DecodeError, EncodeError};
use crate::location::Location;

/// A checkpoint file format: JSON, YAML, a Markdown report, another tool's transcripts, ...
///
/// A format may encode, decode or both; the defaults of the optional methods say "not supported".
pub trait CheckpointFormat: Send + Sync + 'static {
    /// The name users pass to `--format`, lowercase (`json`, `yaml`, `markdown`).
    fn name(&self) -> &'static str;

    /// Other names `--format` accepts for this format (`yml` for `yaml`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// File extensions, lowercase and without the dot, the first being the one to write.
    fn extensions(&self) -> &'static [&'static str];

    /// One line for `confab formats`.
    fn description(&self) -> &'static str;

    /// Whether [`EncodeOptions::template`] means anything to this format (report formats).
    fn uses_templates(&self) -> bool {
        false
    }

    /// Whether [`CheckpointFormat::encode`] is supported.
    fn can_encode(&self) -> bool;

    /// Whether [`CheckpointFormat::decode`] is supported.
    fn can_decode(&self) -> bool;

    /// Writes `checkpoint` to `out`.
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        options: &EncodeOptions,
        out: &mut dyn io::Write,
    ) -> Result<(), EncodeError> {
        let _ = (checkpoint, options, out);
        Err(EncodeError::Unsupported {
            format: self.name(),
        })
    }

    /// Parses `bytes` into the checkpoint's JSON data model, to be checked by the pipeline.
    ///
    /// Syntax errors carry the line and column where the format knows them.
    fn decode(&self, bytes: &[u8]) -> Result<Value, DecodeError> {
        let _ = bytes;
        Err(DecodeError::new(format!(
            "the {} format is for reports and cannot be imported",
            self.name()
        )))
    }

    /// Decodes `bytes` like [`CheckpointFormat::decode`], but hands each element of the top-level
    /// `messages` array to `sink` as soon as it is parsed, and returns the rest of the document
    /// with `messages` left as an empty array.
    ///
    /// This keeps memory at the size of one message for any size of checkpoint. The default
    /// decodes the whole document first, which is right for small inputs; formats that can
    /// stream (JSON does) override it.
    fn decode_streaming(
        &self,
        bytes: &[u8],
        sink: &mut dyn MessageSink,
    ) -> Result<Value, DecodeError> {
        let mut value = self.decode(bytes)?;
        if let Some(Value::Array(messages)) = value.get_mut("messages") {
            for (index, message) in std::mem::take(messages).into_iter().enumerate() {
                sink.message(index, message);
            }
        }
        Ok(value)
    }

    /// Finds where the value at the JSON `pointer` starts in `bytes`, which this format decoded
    /// without error. Used only to point at problems, so it may be slow; `None` if unknown.
    fn locate(&self, bytes: &[u8], pointer: &str) -> Option<Location> {
        let _ = (bytes, pointer);
        None
    }

    /// How sure this format is that `bytes` are written in it, for input whose name says nothing.
    fn sniff(&self, bytes: &[u8]) -> Sniff {
        let _ = bytes;
        Sniff::No
    }
}

/// Receives the messages of a checkpoint one at a time, in order, while it is decoded.
pub trait MessageSink {
    /// Message number `index` (from 0), as decoded, not yet checked.
    fn message(&mut self, index: usize, message: Value);
}

/// A format's guess at whether content is written in it; the registry picks the surest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sniff {
    /// Not this format.
    No,
    /// Could be this format (YAML reads almost any text).
    Maybe,
    /// Almost certainly this format.
    Yes,
}

/// Settings that shape an encoded file without changing the checkpoint.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct EncodeOptions {
    /// The template file to render with, for formats that [use templates]; `None` for the
    /// format's built-in default.
    ///
    /// [use templates]: CheckpointFormat::uses_templates
    pub template: Option<Utf8PathBuf>,
    /// A folder whose templates are available to the template as partials (`{{> name}}`).
    pub template_dir: Option<Utf8PathBuf>,
}

impl EncodeOptions {
    /// The defaults: what `confab sessions export` does without flags.
    pub fn new() -> EncodeOptions {
        EncodeOptions::default()
    }
}

/// A format's entry in the registry, created by the format crate's `inventory::submit!`.
pub struct FormatRegistration {
    format: &'static dyn CheckpointFormat,
}

impl FormatRegistration {
    /// Wraps a format for `inventory::submit!`.
    pub const fn new(format: &'static dyn CheckpointFormat) -> FormatRegistration {
        FormatRegistration { format }
    }
}

inventory::collect!(FormatRegistration);

/// Every registered format, sorted by name.
pub fn formats() -> Vec<&'static dyn CheckpointFormat> {
    let mut formats: Vec<&'static dyn CheckpointFormat> = inventory::iter::<FormatRegistration>
        .into_iter()
        .map(|registration| registration.format)
        .collect();
    formats.sort_by_key(|format| format.name());
    formats.dedup_by_key(|format| format.name());
    formats
}

/// The format called `name` or one of its aliases, ignoring case.
pub fn format_by_name(name: &str) -> Option<&'static dyn CheckpointFormat> {
    formats().into_iter().find(|format| {
        format.name().eq_ignore_ascii_case(name)
            || format
                .aliases()
                .iter()
                .any(|alias| alias.eq_ignore_ascii_case(name))
    })
}

/// The format whose extensions include `path`'s extension, ignoring case.
pub fn format_for_path(path: &Utf8Path) -> Option<&'static dyn CheckpointFormat> {
    let extension = path.extension()?;
    formats().into_iter().find(|format| {
        format
            .extensions()
            .iter()
            .any(|known| known.eq_ignore_ascii_case(extension))
    })
}

/// The format to decode `bytes` with, when no format was named: a format sure of the content
/// (`Sniff::Yes`) wins, preferring one that claims the path's extension; else the format of the
/// extension; else a format that could read the content (`Sniff::Maybe`).
///
/// Content beats extension because extensions are shared: `.jsonl` is both Claude Code's and
/// Codex's, `.json` is Atmos's, OpenAI's and Gemini's.
pub fn choose_decoder(
    path: Option<&Utf8Path>,
    bytes: &[u8],
) -> Option<&'static dyn CheckpointFormat> {
    let decoders: Vec<&'static dyn CheckpointFormat> = formats()
        .into_iter()
        .filter(|format| format.can_decode())
        .collect();
    let claims_extension = |format: &&'static dyn CheckpointFormat| {
        path.and_then(Utf8Path::extension).is_some_and(|extension| {
            format
                .extensions()
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension))
        })
    };
    let sniffs: Vec<(Sniff, &'static dyn CheckpointFormat)> = decoders
        .iter()
        .map(|format| (format.sniff(bytes), *format))
        .collect();
    let sure: Vec<&'static dyn CheckpointFormat> = sniffs
        .iter()
        .filter(|(sniff, _)| *sniff == Sniff::Yes)
        .map(|(_, format)| *format)
        .collect();
    if let Some(format) = sure
        .iter()
        .find(|format| claims_extension(format))
        .or(sure.first())
    {
        return Some(*format);
    }
    if let Some(format) = decoders.iter().find(|format| claims_extension(format)) {
        return Some(*format);
    }
    sniffs
        .iter()
        .find(|(sniff, _)| *sniff == Sniff::Maybe)
        .map(|(_, format)| *format)
}

/// The decoding format surest that `bytes` are written in it, if any is.
pub fn detect_format(bytes: &[u8]) -> Option<&'static dyn CheckpointFormat> {
    formats()
        .into_iter()
        .filter(|format| format.can_decode())
        .map(|format| (format.sniff(bytes), format))
        .filter(|(sniff, _)| *sniff != Sniff::No)
        // `max_by_key` keeps the last maximum; iterate in reverse so ties go to the first name.
        .rev()
        .max_by_key(|(sniff, _)| *sniff)
        .map(|(_, format)| format)
}

/// `name (ext, ext)` for each format that can `encode` (or decode), for error messages and hints.
pub fn describe_formats(encoding: bool) -> String {
    formats()
        .into_iter()
        .filter(|format| {
            if encoding {
                format.can_encode()
            } else {
                format.can_decode()
            }
        })
        .map(|format| {
            let extensions: Vec<String> = format
                .extensions()
                .iter()
                .map(|extension| format!(".{extension}"))
                .collect();
            format!("{} ({})", format.name(), extensions.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A format that exists only in this test binary, registered the way every format crate is.
    struct ProbeFormat;

    impl CheckpointFormat for ProbeFormat {
        fn name(&self) -> &'static str {
            "probe"
        }
        fn aliases(&self) -> &'static [&'static str] {
            &["prb"]
        }
        fn extensions(&self) -> &'static [&'static str] {
            &["probe", "prb"]
        }
        fn description(&self) -> &'static str {
            "test format"
        }
        fn can_encode(&self) -> bool {
            false
        }
        fn can_decode(&self) -> bool {
            true
        }
        fn sniff(&self, bytes: &[u8]) -> Sniff {
            if bytes.starts_with(b"PROBE") {
                Sniff::Yes
            } else {
                Sniff::No
            }
        }
    }

    static PROBE: ProbeFormat = ProbeFormat;
    inventory::submit! { FormatRegistration::new(&PROBE) }

    #[test]
    fn registry_finds_formats_by_name_alias_and_extension_ignoring_case() {
        assert_eq!(format_by_name("PROBE").map(|f| f.name()), Some("probe"));
        assert_eq!(format_by_name("Prb").map(|f| f.name()), Some("probe"));
        assert!(format_by_name("nope").is_none());
        let path = Utf8Path::new("dir.v2/session.PRB");
        assert_eq!(format_for_path(path).map(|f| f.name()), Some("probe"));
        assert!(format_for_path(Utf8Path::new("no-extension")).is_none());
    }

    #[test]
    fn detection_uses_sniffing() {
        assert_eq!(detect_format(b"PROBE 1").map(|f| f.name()), Some("probe"));
        assert!(detect_format(b"something else").is_none());
    }

    #[test]
    fn content_beats_a_shared_extension() {
        // PROBE content in a .json file: no other registered format is sure of it.
        let chosen = choose_decoder(Some(Utf8Path::new("x.json")), b"PROBE 1").map(|f| f.name());
        assert_eq!(chosen, Some("probe"));
        let chosen =
            choose_decoder(Some(Utf8Path::new("x.prb")), b"nothing known").map(|f| f.name());
        assert_eq!(
            chosen,
            Some("probe"),
            "the extension decides when no content is recognised"
        );
        assert!(choose_decoder(None, b"nothing known").is_none());
    }

    #[test]
    fn unsupported_operations_say_so() {
        let error = PROBE
            .encode(
                &crate::test_support::checkpoint(),
                &EncodeOptions::new(),
                &mut Vec::new(),
            )
            .expect_err("probe cannot encode");
        assert!(error.to_string().contains("probe"), "{error}");
        assert_eq!(describe_formats(false), "probe (.probe, .prb)");
        assert_eq!(describe_formats(true), "");
    }
}
