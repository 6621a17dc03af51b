//! Saying what a file is when no reader accepts it.
//!
//! Detection ([`crate::format::detect`]) picks one decoder by content and extension. When that
//! decoder refuses the file and it was only a guess (the format was not sure of the content), the
//! refusal alone misleads: an opencode export read as a confab checkpoint gets a dozen schema
//! errors about fields it never meant to have. So the import and `validate` then ask every reader
//! in turn ([`try_every_reader`]): the first that accepts the file reads it, and if none does, the
//! error lists each reader with the first reason it gave, and names the file's shape when it is a
//! well-known one that is not a chat history at all ([`known_shape`]: a `package.json`, a
//! Jupyter notebook, a HAR capture, ...).
//!
//! Trying every reader costs one decode per format, paid only on the way to an error.

use serde_json::Value;

use crate::format::{Decoder, decoders};
use crate::pipeline::{Imported, read_checkpoints};

/// One reader's refusal: the format's name and the first problem it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The format that was tried.
    pub format: &'static str,
    /// Its first reason, one line (`/session: "session" is a required property [required]`).
    pub reason: String,
}

/// Tries every reader on `bytes`, in the formats' name order; the first that reads the file
/// whole wins. Otherwise every refusal, in the same order.
pub fn try_every_reader(
    source_name: &str,
    bytes: &[u8],
) -> Result<(Decoder, Vec<Imported>), Vec<Refusal>> {
    let mut refusals = Vec::new();
    for decoder in decoders() {
        match read_checkpoints(source_name, bytes, decoder.decode) {
            Ok(imported) => return Ok((decoder, imported)),
            Err(invalid) => refusals.push(Refusal {
                format: decoder.name(),
                reason: invalid
                    .problems
                    .first()
                    .map_or_else(|| "refused".to_owned(), ToString::to_string),
            }),
        }
    }
    Err(refusals)
}

/// What `bytes` are, when they are a well-known kind of file that holds no chat confab reads.
pub fn known_shape(bytes: &[u8]) -> Option<&'static str> {
    let bytes = crate::transcript::without_bom(bytes);
    let text = std::str::from_utf8(&bytes[..bytes.len().min(64 * 1024)]).ok();
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        return json_shape(&value);
    }
    let text = text?.trim_start();
    if text.starts_with("[package]") || text.starts_with("[workspace]") {
        return Some("a Cargo manifest (Cargo.toml)");
    }
    if text.starts_with("[project]") || text.starts_with("[build-system]") {
        return Some("a Python project file (pyproject.toml)");
    }
    if text.starts_with("<!DOCTYPE html") || text.starts_with("<html") {
        return Some("an HTML page");
    }
    if text.starts_with("%PDF") {
        return Some("a PDF document");
    }
    None
}

fn json_shape(value: &Value) -> Option<&'static str> {
    let has = |key: &str| value.get(key).is_some();
    if let Some(first) = value.as_array().and_then(|entries| entries.first())
        && first.get("sessionId").is_some()
        && first.get("messageId").is_some()
        && first.get("message").is_some()
    {
        return Some(
            "Gemini CLI's prompt log (logs.json: only what was typed; the chats/session-*.jsonl beside it hold the conversation)",
        );
    }
    if value
        .get("log")
        .and_then(|log| log.get("entries"))
        .is_some()
    {
        return Some("an HTTP archive (HAR file)");
    }
    if has("cells") && has("nbformat") {
        return Some("a Jupyter notebook");
    }
    if has("name") && (has("dependencies") || has("devDependencies") || has("scripts")) {
        return Some("an npm package manifest (package.json)");
    }
    if has("compilerOptions") {
        return Some("a TypeScript configuration (tsconfig.json)");
    }
    if has("openapi") || has("swagger") {
        return Some("an OpenAPI description");
    }
    if has("$schema") && (has("properties") || has("$defs") || has("definitions")) {
        return Some("a JSON Schema");
    }
    if has("lockfileVersion") {
        return Some("an npm lock file (package-lock.json)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_files_are_named() {
        let shape = |text: &str| known_shape(text.as_bytes());
        assert_eq!(
            shape(r#"{"name": "x", "version": "1.0.0", "dependencies": {}}"#),
            Some("an npm package manifest (package.json)")
        );
        assert_eq!(
            shape(r#"{"cells": [], "nbformat": 4}"#),
            Some("a Jupyter notebook")
        );
        assert_eq!(
            shape(r#"{"log": {"entries": []}}"#),
            Some("an HTTP archive (HAR file)")
        );
        assert_eq!(
            shape("[package]\nname = \"x\"\n"),
            Some("a Cargo manifest (Cargo.toml)")
        );
        assert!(
            shape(r#"[{"sessionId": "s", "messageId": 0, "type": "user", "message": "hi"}]"#)
                .is_some_and(|shape| shape.starts_with("Gemini CLI's prompt log"))
        );
        assert_eq!(shape(r#"{"version": "1.0", "session": {}}"#), None);
        assert_eq!(shape("just words"), None);
    }
}
