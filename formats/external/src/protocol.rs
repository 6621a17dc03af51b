//! The messages of protocol 1: what `describe` prints, and what a failing call prints.

use confab_core::Location;
use serde::Deserialize;
use serde_json::Value;

/// The protocol version this crate speaks.
pub const PROTOCOL: u64 = 1;

/// What `confab-format-NAME describe` prints.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Description {
    pub(crate) protocol: u64,
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    pub(crate) extensions: Vec<String>,
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) decode: bool,
    #[serde(default)]
    pub(crate) encode: bool,
}

/// Whether `name` is a format name: lowercase ASCII letters, digits, `-` and `_`, starting with a
/// letter or digit (`claude-code`).
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

fn is_valid_extension(extension: &str) -> bool {
    !extension.is_empty()
        && extension
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Parses and checks the output of `describe` for the plugin whose file name says `expected`.
pub(crate) fn parse_description(stdout: &[u8], expected: &str) -> Result<Description, String> {
    let value: Value = serde_json::from_slice(stdout)
        .map_err(|error| format!("`describe` printed something that is not JSON ({error})"))?;
    // Check the version first: a later protocol may change every other field.
    match value.get("protocol").and_then(Value::as_u64) {
        Some(PROTOCOL) => {}
        Some(other) => {
            return Err(format!(
                "`describe` speaks protocol {other}; this confab speaks protocol {PROTOCOL}"
            ));
        }
        None => {
            return Err(format!(
                "`describe` printed no \"protocol\" number (this confab speaks protocol {PROTOCOL})"
            ));
        }
    }
    let description: Description = serde_json::from_value(value)
        .map_err(|error| format!("`describe` printed a malformed description ({error})"))?;
    if description.name != expected {
        return Err(format!(
            "`describe` names the format {:?}, but its file name says {expected:?}",
            description.name
        ));
    }
    if let Some(alias) = description.aliases.iter().find(|a| !is_valid_name(a)) {
        return Err(format!(
            "alias {alias:?} is not a valid format name (lowercase letters, digits, - and _)"
        ));
    }
    if description.extensions.is_empty() {
        return Err("`describe` lists no extensions".to_owned());
    }
    if let Some(extension) = description
        .extensions
        .iter()
        .find(|e| !is_valid_extension(e))
    {
        return Err(format!(
            "extension {extension:?} is not valid (lowercase, without the dot)"
        ));
    }
    if !description.decode && !description.encode {
        return Err("`describe` says the format neither decodes nor encodes".to_owned());
    }
    Ok(description)
}

/// An error a plugin reported: `{"error": {"message": "...", "line": N, "column": N}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reported {
    pub(crate) message: String,
    pub(crate) location: Option<Location>,
}

/// The error report in `output`, if it is one.
pub(crate) fn parse_error(output: &[u8]) -> Option<Reported> {
    #[derive(Deserialize)]
    struct Envelope {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        message: String,
        line: Option<usize>,
        column: Option<usize>,
    }
    let envelope: Envelope = serde_json::from_slice(output).ok()?;
    let Inner {
        message,
        line,
        column,
    } = envelope.error;
    let location = match (line, column) {
        (Some(line), column) if line > 0 => Some(Location {
            line,
            column: column.filter(|column| *column > 0).unwrap_or(1),
        }),
        _ => None,
    };
    Some(Reported { message, location })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"protocol": 1, "name": "demo", "aliases": ["dm"], "extensions": ["demo"],
        "description": "Demo lines", "decode": true, "encode": false, "future": "ignored"}"#;

    #[test]
    fn a_good_description_parses() {
        let description = parse_description(GOOD.as_bytes(), "demo").expect("valid");
        assert_eq!(description.name, "demo");
        assert_eq!(description.aliases, ["dm"]);
        assert_eq!(description.extensions, ["demo"]);
        assert!(description.decode && !description.encode);
    }

    #[test]
    fn bad_descriptions_say_what_is_wrong() {
        let bad = |text: &str, expected: &str| {
            parse_description(text.as_bytes(), "demo").expect_err(expected)
        };
        assert!(bad("hello", "not json").contains("not JSON"));
        assert!(
            bad(&GOOD.replace("\"protocol\": 1", "\"protocol\": 2"), "v2").contains("protocol 2")
        );
        assert!(bad(r#"{"name": "demo"}"#, "no protocol").contains("no \"protocol\""));
        assert!(bad(r#"{"protocol": 1, "name": "demo"}"#, "no extensions").contains("malformed"));
        assert!(bad(&GOOD.replace("\"demo\",", "\"other\","), "name").contains("file name"));
        assert!(bad(&GOOD.replace("\"dm\"", "\"DM\""), "alias").contains("alias"));
        assert!(bad(&GOOD.replace("[\"demo\"]", "[\".demo\"]"), "ext").contains("extension"));
        assert!(bad(&GOOD.replace("[\"demo\"]", "[]"), "no ext").contains("no extensions"));
        assert!(bad(&GOOD.replace("true", "false"), "no capability").contains("neither"));
    }

    #[test]
    fn names_are_lowercase_words() {
        assert!(is_valid_name("claude-code"));
        assert!(is_valid_name("v2_log"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("Demo"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name("demo.py"));
        assert!(!is_valid_name("demo~"));
    }

    #[test]
    fn error_reports_carry_their_location() {
        let report = parse_error(br#"{"error": {"message": "bad line", "line": 3, "column": 7}}"#)
            .expect("a report");
        assert_eq!(report.message, "bad line");
        assert_eq!(report.location, Some(Location { line: 3, column: 7 }));
        let report = parse_error(br#"{"error": {"message": "no place"}}"#).expect("a report");
        assert_eq!(report.location, None);
        let report =
            parse_error(br#"{"error": {"message": "line only", "line": 2}}"#).expect("a report");
        assert_eq!(report.location, Some(Location { line: 2, column: 1 }));
        assert_eq!(parse_error(b"Traceback (most recent call last)"), None);
        assert_eq!(parse_error(br#"{"error": "just a string"}"#), None);
    }
}
