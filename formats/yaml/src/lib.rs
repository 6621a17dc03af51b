//! The YAML checkpoint format: for people who read and review checkpoints by hand.
//!
//! Parsing uses [`serde_saphyr`], not the archived `serde_yaml`: it is maintained, has no unsafe
//! code, is fuzzed, rejects duplicate keys, and bounds the work an input may cause (alias
//! "billion laughs" bombs, nesting depth, event counts) through a budget. A checkpoint is one
//! document; a second `---` document is an error rather than silently ignored.
//!
//! Plain scalars follow YAML 1.2 (`yes` is a string, not `true`), so a message that says "yes"
//! stays a message that says "yes". On write, multi-line text becomes a literal block (`|`), which
//! keeps content byte for byte and diffs well; long single lines are never folded, since folding
//! is where YAML round trips lose whitespace.

mod locate;

use std::io::{self, Write};

use confab_core::schema::CHECKPOINT_SCHEMA_ID;
use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, Location,
    MessageSink, Sniff,
};
use serde_json::Value;

confab_core::declare_format! {
    /// The YAML format.
    YamlFormat {
        name: "yaml",
        aliases: ["yml"],
        extensions: ["yaml", "yml"],
        description: "YAML checkpoint, readable and reviewable by hand",
        capabilities: [decode, encode],
    }
}

/// Deepest nesting accepted. Real checkpoints nest six or seven levels (tool-call arguments and
/// metadata a few more); the bound keeps the recursive deserializer far from the stack's end.
const MAX_DEPTH: usize = 64;

/// Most parser events that aliases may replay in one file.
const MAX_ALIAS_REPLAYS: usize = 100_000;

impl Decode for YamlFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        self.read_value(bytes).map(Decoded::Document)
    }

    fn locate(&self, bytes: &[u8], pointer: &str) -> Option<Location> {
        locate::locate(std::str::from_utf8(bytes).ok()?, pointer)
    }

    fn sniff(&self, bytes: &[u8]) -> Sniff {
        sniff(bytes)
    }
}

impl YamlFormat {
    /// Reads a whole YAML document into the JSON data model, with the budgets above.
    pub fn read_value(&self, bytes: &[u8]) -> Result<Value, DecodeError> {
        deserialize(utf8(bytes)?)
    }
}

/// Reads one YAML document into `T` the way checkpoints are read: YAML 1.2 scalars, the same
/// depth and alias budgets, and errors in cleaned words with their line and column. Settings
/// files (`confab.yaml`) are read with it too, so every YAML error confab prints reads the same.
pub fn deserialize<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DecodeError> {
    let options = serde_saphyr::options! {
        with_snippet: false,
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            // Room for very large checkpoints; aliases keep their own, tighter limits.
            max_events: 100_000_000,
            max_nodes: 100_000_000,
        },
        // Checkpoints have no use for aliases beyond a little sharing in metadata; a file
        // that expands them more than this is an attack ("billion laughs"), not a session.
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAYS,
        },
    };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|error| {
        let location = error.location().and_then(|location| {
            Some(Location {
                line: usize::try_from(location.line()).ok()?,
                column: usize::try_from(location.column()).ok()?.max(1),
            })
        });
        DecodeError::at(clean_message(&error.to_string()), location)
    })
}

/// `Yes` for a document that starts like a checkpoint, `Maybe` for other text YAML could read.
fn sniff(bytes: &[u8]) -> Sniff {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Sniff::No;
    };
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'));
    match first {
        Some(line) if line == "---" || line.starts_with("version:") => Sniff::Yes,
        Some(line) if line.starts_with('{') || line.starts_with('[') => Sniff::No,
        Some(_) => Sniff::Maybe,
        None => Sniff::No,
    }
}

impl Encode for YamlFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let options = serde_saphyr::ser_options! {
            folded_wrap_chars: usize::MAX,
        };
        // Written as it is serialized: a whole YAML text in memory beside the session doubled
        // the peak memory of an export.
        let mut out = Tracked::new(io::BufWriter::new(out));
        // Editors with the YAML language server validate and complete against the schema.
        writeln!(
            out,
            "# yaml-language-server: $schema={CHECKPOINT_SCHEMA_ID}"
        )?;
        serde_saphyr::to_io_writer_with_options(&mut out, checkpoint, options).map_err(
            |error| match out.error.take() {
                Some(io) => EncodeError::Io(io),
                None => EncodeError::Format(error.to_string()),
            },
        )?;
        if out.last != Some(b'\n') {
            out.write_all(b"\n")?;
        }
        out.flush()?;
        Ok(())
    }
}

/// A writer that remembers the last byte written (for the final newline) and the first I/O
/// error (which the YAML serializer reports only as a formatting error).
struct Tracked<W> {
    inner: W,
    last: Option<u8>,
    error: Option<io::Error>,
}

impl<W: Write> Tracked<W> {
    fn new(inner: W) -> Tracked<W> {
        Tracked {
            inner,
            last: None,
            error: None,
        }
    }
}

impl<W: Write> Write for Tracked<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self.inner.write(bytes) {
            Ok(written) => {
                if written > 0 {
                    self.last = Some(bytes[written - 1]);
                }
                Ok(written)
            }
            Err(error) => {
                let kind = error.kind();
                let message = error.to_string();
                self.error.get_or_insert(error);
                Err(io::Error::new(kind, message))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        DecodeError::at(
            format!("invalid UTF-8 at byte {offset}; checkpoints are UTF-8 text"),
            Some(Location::at_offset(bytes, offset)),
        )
    })
}

/// The parser's message without its location (reported separately) and without advice meant
/// for programmers using the library.
fn clean_message(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    // `error: line L column C: ` in front says again what the location says.
    let message = match message.strip_prefix("error: line ") {
        Some(rest) => rest.split_once(": ").map_or(message, |(_, words)| words),
        None => message,
    };
    if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        let key = key.split(", set DuplicateKeyPolicy").next().unwrap_or(key);
        return format!("duplicate key {key:?} (a key may appear once in a mapping)");
    }
    if message.starts_with("budget breached: Depth") {
        return format!("nested deeper than {MAX_DEPTH} levels");
    }
    if let Some(breach) = message.strip_prefix("budget breached: ") {
        return format!("the input exceeds a safety limit ({breach}); is it a YAML alias bomb?");
    }
    if message.starts_with("multiple YAML documents detected") {
        return "more than one YAML document; a checkpoint file holds exactly one".to_owned();
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> Result<Value, DecodeError> {
        FORMAT.read_value(text.as_bytes())
    }

    #[test]
    fn scalars_follow_yaml_1_2() {
        let value = decode("a: yes\nb: 2025-10-30T14:30:00Z\nc: '1.0'\nd: 3\n").expect("valid");
        assert_eq!(
            value,
            serde_json::json!({"a": "yes", "b": "2025-10-30T14:30:00Z", "c": "1.0", "d": 3})
        );
    }

    #[test]
    fn duplicate_keys_and_second_documents_are_errors() {
        let error = decode("a: 1\na: 2\n").expect_err("duplicate");
        assert_eq!(
            error.message,
            "duplicate key \"a\" (a key may appear once in a mapping)"
        );
        assert_eq!(error.location, Some(Location { line: 2, column: 1 }));
        let error = decode("a: 1\n---\nb: 2\n").expect_err("two documents");
        assert!(error.message.contains("exactly one"), "{}", error.message);
    }

    #[test]
    fn alias_bombs_are_refused_quickly() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            bomb.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        let error = decode(&bomb).expect_err("bomb");
        assert!(error.message.contains("alias"), "{}", error.message);
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
        assert!(decode(&deep).is_err());
        let mut block = String::new();
        for depth in 0..300 {
            block.push_str(&format!("{}k:\n", "  ".repeat(depth)));
        }
        let error = decode(&block).expect_err("too deep");
        assert_eq!(error.message, "nested deeper than 64 levels");
    }

    #[test]
    fn invalid_utf8_names_the_place() {
        let error = FORMAT
            .read_value(b"a: 1\nb: \"\xff\"\n")
            .expect_err("invalid UTF-8");
        assert_eq!(error.location, Some(Location { line: 2, column: 5 }));
    }

    #[test]
    fn sniffing_prefers_obvious_yaml() {
        assert_eq!(FORMAT.sniff(b"# comment\nversion: \"1.0\"\n"), Sniff::Yes);
        assert_eq!(FORMAT.sniff(b"name: x\n"), Sniff::Maybe);
        assert_eq!(FORMAT.sniff(b"{\"version\": 1}"), Sniff::No);
        assert_eq!(FORMAT.sniff(b"\xff"), Sniff::No);
    }
}
