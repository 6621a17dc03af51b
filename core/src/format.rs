//! The format plugin engine: what a format is, what it can do, and the registry that finds it.
//!
//! # A format is a crate
//!
//! Every format (JSON, YAML, a Markdown report, another tool's transcripts) is its own crate. It
//! declares itself with [`declare_format!`], which writes the identity ([`CheckpointFormat`]), a
//! `static FORMAT` and the `inventory::submit!` registration, and it implements the capabilities
//! it has:
//!
//! - [`Decode`]: bytes in, a checkpoint out (for `import` and `validate`);
//! - [`Encode`]: a checkpoint in, bytes out (for `export`), and notes on what another tool's
//!   format cannot hold of it ([`Encode::notes`]).
//!
//! Capabilities are types, not flags: [`CheckpointFormat::decoder`] hands out the format's
//! [`Decode`] implementation or `None`, so a report format has no decode method anybody could
//! call, and a format that claims a capability it does not implement does not compile.
//!
//! [`inventory`] gathers the registrations of every crate linked into the program before `main`
//! runs, so neither core nor the CLI names the formats they serve: adding a format is adding a
//! crate (and one line in the binary that links it in). Formats found at run time (an executable
//! `confab-format-NAME` on `PATH`, see `confab-format-external`) join through [`register`]. The
//! registry never hands out formats in `inventory`'s order, which is unspecified: lists are sorted
//! by name, and a built-in format keeps its name against any format registered later.
//!
//! # Two kinds of decoders
//!
//! A decoder returns [`Decoded`]: either the checkpoint's JSON data model ([`Decoded::Document`],
//! what JSON, YAML and external plugins read), or a typed checkpoint a converter built from another
//! tool's file, with notes on what it could not carry over ([`Decoded::Converted`]). Either way the
//! pipeline ([`crate::pipeline`]) checks the result against the schema before anybody may store
//! it, so no format can let an invalid session into a store.
//!
//! # Choosing a decoder
//!
//! [`detect`] is the one rule, used by `import` and `validate` alike when no `--format` is given:
//!
//! 1. a file whose extension belongs to a format that cannot decode (a `.md` report) is that
//!    format's, and is refused as a report rather than guessed at;
//! 2. a decoder *sure* of the content ([`Sniff::Yes`]) wins, preferring one that claims the
//!    extension;
//! 3. else the decoder of the extension;
//! 4. else a decoder that *could* read the content ([`Sniff::Maybe`]), preferring the first name.
//!
//! Content beats extension because extensions are shared: `.jsonl` is both Claude Code's and
//! Codex's, `.json` is Atmos's, OpenAI's and Gemini's.

use std::io;
use std::sync::RwLock;

use camino::{Utf8Path, Utf8PathBuf};
use serde_json::Value;

use crate::checkpoint::Checkpoint;
use crate::error::{DecodeError, EncodeError};
use crate::location::Location;

/// A checkpoint file format: its identity, and the capabilities it has.
///
/// Implemented by [`declare_format!`] for the formats of this workspace; by hand only for formats
/// whose identity is known at run time (external plugins).
pub trait CheckpointFormat: Send + Sync + 'static {
    /// The name users pass to `--format`, lowercase (`json`, `yaml`, `markdown`).
    fn name(&self) -> &str;

    /// Other names `--format` accepts for this format (`yml` for `yaml`).
    fn aliases(&self) -> &[&str] {
        &[]
    }

    /// File extensions, lowercase and without the dot, the first being the one to write.
    fn extensions(&self) -> &[&str];

    /// One line for `confab formats`.
    fn description(&self) -> &str;

    /// Where the format comes from: compiled in, or a program found at run time.
    fn origin(&self) -> Origin {
        Origin::BuiltIn
    }

    /// The format's decoder, if it reads checkpoints.
    fn decoder(&self) -> Option<&dyn Decode> {
        None
    }

    /// The format's encoder, if it writes checkpoints.
    fn encoder(&self) -> Option<&dyn Encode> {
        None
    }
}

/// Where a format comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A crate linked into this program.
    BuiltIn,
    /// An executable found at run time, speaking the external format protocol.
    External {
        /// The executable.
        path: Utf8PathBuf,
    },
}

/// Reading checkpoints: the capability `import` and `validate` need.
pub trait Decode: Send + Sync {
    /// Reads `bytes`.
    ///
    /// A decoder of checkpoint documents may hand each element of the top-level `messages` array
    /// to `sink` as soon as it is parsed and return the rest with `messages` empty: this keeps
    /// memory at the size of one message for a checkpoint of any size. Messages it leaves in the
    /// document are checked just the same. Converters ignore `sink`.
    ///
    /// Syntax errors carry the line and column where the format knows them.
    fn decode(&self, bytes: &[u8], sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError>;

    /// Finds where the value at the JSON `pointer` starts in `bytes`, which this format decoded
    /// as a [`Decoded::Document`] without error. Used only to point at problems, so it may be
    /// slow; `None` if unknown.
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

/// Writing checkpoints: the capability `export` needs.
pub trait Encode: Send + Sync {
    /// Writes `checkpoint` to `out`.
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        options: &EncodeOptions,
        out: &mut dyn io::Write,
    ) -> Result<(), EncodeError>;

    /// Whether [`EncodeOptions::template`] means anything to this format (report formats).
    fn uses_templates(&self) -> bool {
        false
    }

    /// What writing `checkpoint` in this format leaves out or changes, in words, one note each
    /// (`export` prints them as `note:` lines, as `import` prints a converter's
    /// [`DecodeOutcome::notes`]). A format that holds every checkpoint whole, as JSON and YAML
    /// do, has none: the default. Asked apart from [`Encode::encode`], so that encoding stays a
    /// stream of bytes.
    fn notes(&self, checkpoint: &Checkpoint, options: &EncodeOptions) -> Vec<String> {
        let _ = (checkpoint, options);
        Vec::new()
    }
}

/// What a decoder read.
#[derive(Debug)]
pub enum Decoded {
    /// A checkpoint document in the checkpoint's JSON data model, as JSON and YAML files hold it.
    /// Messages may have been handed to the [`MessageSink`] already.
    Document(Value),
    /// A checkpoint a converter built from another tool's file (boxed: a checkpoint's envelope
    /// is large beside a `Value`).
    Converted(Box<DecodeOutcome>),
    /// Several sessions a converter built from one file that holds many conversations (a
    /// ChatGPT or Claude.ai data export, `llm logs`), in the file's order, each with a name of
    /// its own that no other in the file has ([`crate::transcript::unique_names`]).
    Collection(Vec<DecodeOutcome>),
}

/// A checkpoint converted from another tool's file, and what the conversion could not carry over.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOutcome {
    /// The session, as far as the source could tell it.
    pub checkpoint: Checkpoint,
    /// What could not be mapped, in words (`import` prints each as a `note:` line).
    pub notes: Vec<String>,
}

/// Receives the messages of a checkpoint document one at a time, in order, while it is decoded.
pub trait MessageSink {
    /// Message number `index` (from 0), as decoded, not yet checked.
    fn message(&mut self, index: usize, message: Value);
}

/// A sink that keeps every message, in order, for callers that want the whole document.
#[derive(Debug, Default)]
pub struct CollectMessages(pub Vec<Value>);

impl MessageSink for CollectMessages {
    fn message(&mut self, _index: usize, message: Value) {
        self.0.push(message);
    }
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
    /// [use templates]: Encode::uses_templates
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

/// A format with its decoder: what [`detect`] and [`decoder_named`] hand out.
#[derive(Clone, Copy)]
pub struct Decoder {
    /// The format.
    pub format: &'static dyn CheckpointFormat,
    /// Its decoder.
    pub decode: &'static dyn Decode,
}

impl Decoder {
    /// `format`'s decoder, if it has one.
    pub fn of(format: &'static dyn CheckpointFormat) -> Option<Decoder> {
        format.decoder().map(|decode| Decoder { format, decode })
    }

    /// The format's name.
    pub fn name(&self) -> &'static str {
        self.format.name()
    }
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Decoder").field(&self.format.name()).finish()
    }
}

/// A format with its encoder.
#[derive(Clone, Copy)]
pub struct Encoder {
    /// The format.
    pub format: &'static dyn CheckpointFormat,
    /// Its encoder.
    pub encode: &'static dyn Encode,
}

impl Encoder {
    /// `format`'s encoder, if it has one.
    pub fn of(format: &'static dyn CheckpointFormat) -> Option<Encoder> {
        format.encoder().map(|encode| Encoder { format, encode })
    }

    /// The format's name.
    pub fn name(&self) -> &'static str {
        self.format.name()
    }
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Encoder").field(&self.format.name()).finish()
    }
}

/// A format's entry in the registry, created by [`declare_format!`]'s `inventory::submit!`.
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

/// Formats registered at run time, after the built-in ones.
static RUNTIME: RwLock<Vec<&'static dyn CheckpointFormat>> = RwLock::new(Vec::new());

/// Why [`register`] refused a format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a format named {name:?} exists already")]
pub struct NameTaken {
    /// The name, or the alias, that clashed.
    pub name: String,
}

/// Adds a format found at run time. Refused when its name or an alias is already a format's
/// name or alias: a program on `PATH` must not take over `json`.
pub fn register(format: &'static dyn CheckpointFormat) -> Result<(), NameTaken> {
    let known = formats();
    let names = std::iter::once(format.name()).chain(format.aliases().iter().copied());
    for name in names {
        if known.iter().any(|existing| answers_to(*existing, name)) {
            return Err(NameTaken {
                name: name.to_owned(),
            });
        }
    }
    RUNTIME
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(format);
    Ok(())
}

/// Every registered format, sorted by name.
pub fn formats() -> Vec<&'static dyn CheckpointFormat> {
    let mut formats: Vec<&'static dyn CheckpointFormat> = inventory::iter::<FormatRegistration>
        .into_iter()
        .map(|registration| registration.format)
        .collect();
    formats.sort_by_key(|format| format.name());
    formats.dedup_by_key(|format| format.name());
    let runtime = RUNTIME
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    formats.extend(runtime.iter().copied());
    formats.sort_by_key(|format| format.name());
    formats
}

/// Every format that decodes, sorted by name.
pub fn decoders() -> Vec<Decoder> {
    formats().into_iter().filter_map(Decoder::of).collect()
}

/// Every format that encodes, sorted by name.
pub fn encoders() -> Vec<Encoder> {
    formats().into_iter().filter_map(Encoder::of).collect()
}

fn answers_to(format: &dyn CheckpointFormat, name: &str) -> bool {
    format.name().eq_ignore_ascii_case(name)
        || format
            .aliases()
            .iter()
            .any(|alias| alias.eq_ignore_ascii_case(name))
}

fn claims_extension(format: &dyn CheckpointFormat, path: &Utf8Path) -> bool {
    path.extension().is_some_and(|extension| {
        format
            .extensions()
            .iter()
            .any(|known| known.eq_ignore_ascii_case(extension))
    })
}

/// The format called `name` or one of its aliases, ignoring case.
pub fn format_by_name(name: &str) -> Option<&'static dyn CheckpointFormat> {
    formats()
        .into_iter()
        .find(|format| answers_to(*format, name))
}

/// The format whose extensions include `path`'s extension, ignoring case. Where formats share an
/// extension, the first by name.
pub fn format_for_path(path: &Utf8Path) -> Option<&'static dyn CheckpointFormat> {
    formats()
        .into_iter()
        .find(|format| claims_extension(*format, path))
}

/// What [`detect`] decided about some input.
#[derive(Debug, Clone, Copy)]
pub enum Detection {
    /// Decode it with this.
    Decoder(Decoder),
    /// Its extension is a report format's, which cannot be read back (`report.md`).
    Report(&'static dyn CheckpointFormat),
    /// No format recognises it.
    Unknown,
}

impl std::fmt::Debug for dyn CheckpointFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The one detection rule (see the module documentation): which decoder reads `bytes`, whose
/// file is `path` when there is one, when no format was named.
pub fn detect(path: Option<&Utf8Path>, bytes: &[u8]) -> Detection {
    let by_extension = path.and_then(format_for_path);
    if let Some(format) = by_extension
        && format.decoder().is_none()
    {
        return Detection::Report(format);
    }
    let decoders = decoders();
    let claims =
        |decoder: &Decoder| path.is_some_and(|path| claims_extension(decoder.format, path));
    // Step 2's preferred winner first: a decoder of the extension that is sure of the content
    // needs no other decoder's opinion. Sniffers may parse up to their window (64 KiB) into a
    // tree, and most files carry their format's extension, so this saves every other sniff of
    // every such file (most of `validate`'s time on small checkpoints).
    let mut sniffs: Vec<Option<Sniff>> = vec![None; decoders.len()];
    for (index, decoder) in decoders.iter().enumerate() {
        if claims(decoder) {
            let sniff = decoder.decode.sniff(bytes);
            if sniff == Sniff::Yes {
                return Detection::Decoder(*decoder);
            }
            sniffs[index] = Some(sniff);
        }
    }
    let sniffs: Vec<(Sniff, Decoder)> = decoders
        .iter()
        .zip(sniffs)
        .map(|(decoder, sniff)| {
            (
                sniff.unwrap_or_else(|| decoder.decode.sniff(bytes)),
                *decoder,
            )
        })
        .collect();
    if let Some((_, decoder)) = sniffs.iter().find(|(sniff, _)| *sniff == Sniff::Yes) {
        return Detection::Decoder(*decoder);
    }
    if let Some(decoder) = decoders.iter().find(|decoder| claims(decoder)) {
        return Detection::Decoder(*decoder);
    }
    sniffs
        .iter()
        .find(|(sniff, _)| *sniff == Sniff::Maybe)
        .map_or(Detection::Unknown, |(_, decoder)| {
            Detection::Decoder(*decoder)
        })
}

/// `name (.ext, .ext)` for each of `formats`, for error messages and hints.
pub fn describe<'a>(formats: impl IntoIterator<Item = &'a dyn CheckpointFormat>) -> String {
    formats
        .into_iter()
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

/// [`describe`] of every format that decodes.
pub fn describe_decoders() -> String {
    describe(decoders().iter().map(|decoder| decoder.format))
}

/// [`describe`] of every format that encodes.
pub fn describe_encoders() -> String {
    describe(encoders().iter().map(|encoder| encoder.format))
}

/// Declares a format crate's format: its identity, its `static FORMAT`, and its registration.
///
/// ```ignore
/// confab_core::declare_format! {
///     /// The JSON checkpoint format.
///     JsonFormat {
///         name: "json",
///         aliases: ["jsn"],           // optional
///         extensions: ["json"],
///         description: "JSON checkpoint, as `atmos ai sessions export` writes it",
///         capabilities: [decode, encode],
///     }
/// }
/// impl confab_core::Decode for JsonFormat { /* ... */ }
/// impl confab_core::Encode for JsonFormat { /* ... */ }
/// ```
///
/// `capabilities` lists `decode`, `encode` or both, and the crate implements [`Decode`] and
/// [`Encode`] for the type accordingly (the compiler checks it). The binary that ships the format
/// refers to `FORMAT` once, which keeps the linker from dropping the registration.
#[macro_export]
macro_rules! declare_format {
    (
        $(#[$meta:meta])*
        $ty:ident {
            name: $name:expr,
            $(aliases: [$($alias:expr),* $(,)?],)?
            extensions: [$($extension:expr),+ $(,)?],
            description: $description:expr,
            capabilities: [$($capability:ident),+ $(,)?] $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $ty;

        /// The registered instance; the binary refers to it so that the linker keeps the
        /// registration.
        pub static FORMAT: $ty = $ty;

        $crate::inventory::submit! { $crate::FormatRegistration::new(&FORMAT) }

        impl $crate::CheckpointFormat for $ty {
            fn name(&self) -> &str {
                $name
            }
            fn aliases(&self) -> &[&str] {
                &[$($($alias),*)?]
            }
            fn extensions(&self) -> &[&str] {
                &[$($extension),+]
            }
            fn description(&self) -> &str {
                $description
            }
            $($crate::declare_format!(@capability $capability);)+
        }
    };
    (@capability decode) => {
        fn decoder(&self) -> ::core::option::Option<&dyn $crate::Decode> {
            ::core::option::Option::Some(self)
        }
    };
    (@capability encode) => {
        fn encoder(&self) -> ::core::option::Option<&dyn $crate::Encode> {
            ::core::option::Option::Some(self)
        }
    };
}

#[cfg(test)]
// The test formats are declared as format crates declare theirs, `pub` included.
#[allow(unreachable_pub)]
mod tests {
    use super::*;

    crate::declare_format! {
        /// A format that exists only in this test binary, declared the way every format crate is.
        ProbeFormat {
            name: "probe",
            aliases: ["prb"],
            extensions: ["probe", "prb"],
            description: "test format",
            capabilities: [decode],
        }
    }

    impl Decode for ProbeFormat {
        fn decode(
            &self,
            _bytes: &[u8],
            _sink: &mut dyn MessageSink,
        ) -> Result<Decoded, DecodeError> {
            Err(DecodeError::new("probe decodes nothing"))
        }
        fn sniff(&self, bytes: &[u8]) -> Sniff {
            if bytes.starts_with(b"PROBE") {
                Sniff::Yes
            } else {
                Sniff::No
            }
        }
    }

    mod nosy {
        use std::cell::Cell;

        use super::*;

        crate::declare_format! {
            /// A decoder that is never sure and counts how often it was asked, on this thread.
            NosyFormat {
                name: "nosy",
                extensions: ["nosy"],
                description: "test format that counts its sniffs",
                capabilities: [decode],
            }
        }

        thread_local! {
            pub static SNIFFS: Cell<usize> = const { Cell::new(0) };
        }

        impl Decode for NosyFormat {
            fn decode(
                &self,
                _bytes: &[u8],
                _sink: &mut dyn MessageSink,
            ) -> Result<Decoded, DecodeError> {
                Err(DecodeError::new("nosy decodes nothing"))
            }
            fn sniff(&self, _bytes: &[u8]) -> Sniff {
                SNIFFS.with(|sniffs| sniffs.set(sniffs.get() + 1));
                Sniff::No
            }
        }
    }

    mod report {
        use super::*;

        crate::declare_format! {
            /// A report-only test format.
            ReportProbe {
                name: "reportprobe",
                extensions: ["rprobe"],
                description: "test report",
                capabilities: [encode],
            }
        }

        impl Encode for ReportProbe {
            fn encode(
                &self,
                _checkpoint: &Checkpoint,
                _options: &EncodeOptions,
                out: &mut dyn io::Write,
            ) -> Result<(), EncodeError> {
                out.write_all(b"report")?;
                Ok(())
            }
        }
    }
    use report::ReportProbe;

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
    fn capabilities_are_what_the_format_implements() {
        assert!(FORMAT.decoder().is_some());
        assert!(FORMAT.encoder().is_none());
        assert!(ReportProbe.decoder().is_none());
        assert!(ReportProbe.encoder().is_some());
        assert_eq!(describe_decoders(), "nosy (.nosy), probe (.probe, .prb)");
        assert_eq!(describe_encoders(), "reportprobe (.rprobe)");
    }

    fn detected(path: Option<&str>, bytes: &[u8]) -> String {
        match detect(path.map(Utf8Path::new), bytes) {
            Detection::Decoder(decoder) => decoder.name().to_owned(),
            Detection::Report(format) => format!("report {}", format.name()),
            Detection::Unknown => "unknown".to_owned(),
        }
    }

    #[test]
    fn content_beats_a_shared_extension_and_the_extension_decides_otherwise() {
        // PROBE content in a .json file: no other registered format is sure of it.
        assert_eq!(detected(Some("x.json"), b"PROBE 1"), "probe");
        assert_eq!(detected(None, b"PROBE 1"), "probe");
        assert_eq!(
            detected(Some("x.prb"), b"nothing known"),
            "probe",
            "the extension decides when no content is recognised"
        );
        assert_eq!(detected(None, b"nothing known"), "unknown");
    }

    #[test]
    fn a_decoder_of_the_extension_that_is_sure_asks_no_other() {
        let sniffs = || nosy::SNIFFS.with(std::cell::Cell::get);
        let before = sniffs();
        assert_eq!(detected(Some("x.prb"), b"PROBE 1"), "probe");
        assert_eq!(sniffs(), before, "the other decoders were not asked");
        assert_eq!(detected(Some("x.json"), b"PROBE 1"), "probe");
        assert_eq!(
            sniffs(),
            before + 1,
            "without the extension, every decoder is"
        );
    }

    #[test]
    fn a_report_extension_is_refused_before_content_is_guessed() {
        assert_eq!(detected(Some("x.rprobe"), b"PROBE 1"), "report reportprobe");
    }

    #[test]
    fn runtime_formats_cannot_take_a_registered_name() {
        struct Late(&'static str);
        impl CheckpointFormat for Late {
            fn name(&self) -> &str {
                self.0
            }
            fn extensions(&self) -> &[&str] {
                &["late"]
            }
            fn description(&self) -> &str {
                "late"
            }
        }
        static CLASH: Late = Late("PRB");
        assert_eq!(
            register(&CLASH),
            Err(NameTaken {
                name: "PRB".to_owned()
            })
        );
        static FRESH: Late = Late("late");
        assert_eq!(register(&FRESH), Ok(()));
        assert_eq!(format_by_name("late").map(|f| f.name()), Some("late"));
        let names: Vec<&str> = formats().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            ["late", "nosy", "probe", "reportprobe"],
            "sorted by name"
        );
    }
}
