//! The JSON checkpoint format: Atmos's own format, and the one machines read best.
//!
//! Files are written pretty-printed with two-space indentation and a final newline, the way
//! `atmos ai sessions export` writes them, so a checkpoint kept in git diffs line by line.
//!
//! Reading is stricter than `serde_json`'s default in one way: a key repeated in an object is an
//! error, not "last one wins". A checkpoint with two `content` keys is ambiguous, and silently
//! keeping one of them could import a different conversation from the one a reviewer read.

mod decode;
mod locate;

use std::io::{self, Write};

use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, Location,
    MessageSink, Sniff,
};
use serde_json::Value;

confab_core::declare_format! {
    /// The JSON format.
    JsonFormat {
        name: "json",
        extensions: ["json"],
        description: "JSON checkpoint, as `atmos ai sessions export` writes it",
        capabilities: [decode, encode],
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much of a file sniffing looks at.
const SNIFF_WINDOW: usize = 64 * 1024;

/// The input without a leading UTF-8 byte order mark, which some Windows editors add.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

impl JsonFormat {
    /// Reads a whole JSON document (with the same strictness: no repeated keys, a BOM allowed),
    /// for callers that want the value rather than a checked checkpoint.
    pub fn read_value(&self, bytes: &[u8]) -> Result<Value, DecodeError> {
        decode::decode(without_bom(bytes))
    }
}

impl Decode for JsonFormat {
    fn decode(&self, bytes: &[u8], sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        decode::decode_streaming(without_bom(bytes), sink).map(Decoded::Document)
    }

    fn locate(&self, bytes: &[u8], pointer: &str) -> Option<Location> {
        let bytes = without_bom(bytes);
        locate::locate(bytes, pointer).map(|offset| Location::at_offset(bytes, offset))
    }

    /// `Yes` for an object that names `version` and `session` early on (a checkpoint), `Maybe`
    /// for any other object: other tools' JSON (OpenAI request bodies, Gemini chats) is an
    /// object too, and their formats are surer of their own files.
    fn sniff(&self, bytes: &[u8]) -> Sniff {
        let bytes = without_bom(bytes);
        if bytes.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&b'{') {
            return Sniff::No;
        }
        let head = &bytes[..bytes.len().min(SNIFF_WINDOW)];
        let names = |key: &[u8]| head.windows(key.len()).any(|window| window == key);
        if names(b"\"version\"") && names(b"\"session\"") {
            Sniff::Yes
        } else {
            Sniff::Maybe
        }
    }
}

impl Encode for JsonFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let mut out = io::BufWriter::new(out);
        serde_json::to_writer_pretty(&mut out, checkpoint).map_err(|error| {
            match error.io_error_kind() {
                Some(kind) => EncodeError::Io(io::Error::new(kind, error)),
                None => EncodeError::Format(error.to_string()),
            }
        })?;
        out.write_all(b"\n")?;
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_objects_only() {
        assert_eq!(
            FORMAT.sniff(b"\xEF\xBB\xBF \n {\"version\": \"1.0\", \"session\": {}"),
            Sniff::Yes
        );
        assert_eq!(
            FORMAT.sniff(b"{\"model\": \"gpt-4o\", \"messages\": []}"),
            Sniff::Maybe
        );
        assert_eq!(FORMAT.sniff(b"version: '1.0'"), Sniff::No);
        assert_eq!(FORMAT.sniff(b""), Sniff::No);
    }

    #[test]
    fn a_bom_is_accepted_and_locations_ignore_it() {
        let text = b"\xEF\xBB\xBF{\n  \"a\": 1\n}";
        assert_eq!(FORMAT.read_value(text).expect("decodes")["a"], 1);
        assert_eq!(
            FORMAT.locate(text, "/a"),
            Some(Location { line: 2, column: 8 })
        );
    }
}
