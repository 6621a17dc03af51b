//! The errors of the engine: decoding, encoding and checking checkpoints.
//!
//! A checkpoint that cannot be read is described by [`InvalidCheckpoint`]: the file it came from
//! and *every* [`Problem`] found in it, each with the JSON pointer of the offending value, the line
//! and column where the format could tell, the rule that failed and, where one helps, a hint. The
//! CLI prints them; CI tools consume them as JSON. Nothing here prints.

use std::fmt;
use std::io;

use serde::Serialize;

use crate::location::Location;

/// A value quoted in a message (`"name"`), cut after [`Quoted::MAX_CHARS`] characters.
///
/// Messages name the value they are about; they must not repeat a 120 KB query or a
/// 10,000-character name in full, which buries the message and floods a terminal or a CI log. A
/// cut value says how long it was.
#[derive(Debug, Clone, Copy)]
pub struct Quoted<'a>(pub &'a str);

impl Quoted<'_> {
    /// How many characters of a value a message shows.
    pub const MAX_CHARS: usize = 60;
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        match text.char_indices().nth(Quoted::MAX_CHARS) {
            None => write!(f, "{text:?}"),
            Some((cut, _)) => {
                let total = text.chars().count();
                write!(f, "{:?}… ({total} characters)", &text[..cut])
            }
        }
    }
}

/// A format could not parse its input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DecodeError {
    /// What is wrong, in the parser's words.
    pub message: String,
    /// Where, when the parser knows.
    pub location: Option<Location>,
}

impl DecodeError {
    /// An error without a location.
    pub fn new(message: impl Into<String>) -> DecodeError {
        DecodeError {
            message: message.into(),
            location: None,
        }
    }

    /// An error at `location`.
    pub fn at(message: impl Into<String>, location: Option<Location>) -> DecodeError {
        DecodeError {
            message: message.into(),
            location,
        }
    }
}

/// A format could not write a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// Writing the output failed.
    #[error("could not write the output")]
    Io(#[from] io::Error),
    /// The format could not express the checkpoint (a template error, say); the message says why.
    #[error("{0}")]
    Format(String),
}

/// One thing wrong with a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON pointer of the offending value (`""` is the whole document).
    pub pointer: String,
    /// Where the value starts in the file, when the format could tell (`null` in JSON when it
    /// could not: every key is always there, so reports keep one shape).
    pub location: Option<Location>,
    /// The rule that failed: a JSON Schema keyword (`required`, `type`, ...), `syntax`, `version`
    /// or `consistency`.
    pub rule: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say (`null` in JSON otherwise).
    pub hint: Option<String>,
}

impl Problem {
    /// A problem with no location yet.
    pub fn new(
        pointer: impl Into<String>,
        rule: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            pointer: pointer.into(),
            location: None,
            rule: rule.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// The same problem with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Problem {
        self.hint = Some(hint.into());
        self
    }
}

impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut location = serializer.serialize_struct("Location", 2)?;
        location.serialize_field("line", &self.line)?;
        location.serialize_field("column", &self.column)?;
        location.end()
    }
}

impl fmt::Display for Problem {
    /// `line:column: /pointer: message [rule]`; location and pointer only when known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = self.location {
            write!(f, "{location}: ")?;
        }
        if !self.pointer.is_empty() {
            write!(f, "{}: ", self.pointer)?;
        }
        write!(f, "{} [{}]", self.message, self.rule)
    }
}

/// A file that is not a valid checkpoint, with everything wrong in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name} is not a valid checkpoint ({} {})", problems.len(), if problems.len() == 1 { "problem" } else { "problems" })]
pub struct InvalidCheckpoint {
    /// The file's path as the user gave it, or `<stdin>`.
    pub source_name: String,
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_cut_with_their_length_named() {
        assert_eq!(Quoted("vpc").to_string(), "\"vpc\"");
        let long = "é".repeat(10_000);
        let shown = Quoted(&long).to_string();
        assert!(shown.ends_with("… (10000 characters)"), "{shown}");
        assert_eq!(
            shown.chars().filter(|c| *c == 'é').count(),
            Quoted::MAX_CHARS
        );
    }
}
