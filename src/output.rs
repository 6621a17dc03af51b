//! Where command output goes.
//!
//! Commands write through these handles and propagate `io::Error`s instead of using `println!`,
//! which panics when the reader of a pipe goes away (`confab sessions list | head -1`). The error
//! layer turns a broken pipe into a quiet, successful exit, as other Unix tools do.
//!
//! Every handle is [`Sanitized`]: messages, tables and answers are for a person, so terminal
//! control sequences in them are always shown escaped ([`crate::sanitize`] says why). Data
//! ([`data_stdout`]: an export to `-`, the schema) stays byte for byte when it goes to a pipe or a
//! file and is sanitised only when a terminal would interpret it.

use std::io::{self, IsTerminal};

use serde_json::ser::{Formatter, PrettyFormatter};

use crate::sanitize::{Sanitized, is_unsafe};

/// Standard output for a person (tables, reports, answers), locked for the command's lifetime.
pub(crate) fn stdout() -> Sanitized<io::StdoutLock<'static>> {
    Sanitized::new(io::stdout().lock())
}

/// Standard output for data another program may read: bytes pass unchanged unless stdout is a
/// terminal.
pub(crate) fn data_stdout() -> Sanitized<io::StdoutLock<'static>> {
    Sanitized::passthrough_unless(io::stdout().lock(), stdout_is_terminal())
}

/// Standard error, for notes, warnings and errors that must not mix with data on stdout.
pub(crate) fn stderr() -> Sanitized<io::StderrLock<'static>> {
    Sanitized::new(io::stderr().lock())
}

/// Whether a person is reading standard output (as opposed to a pipe or a file).
pub(crate) fn stdout_is_terminal() -> bool {
    io::stdout().is_terminal()
}

/// Writes `value` as pretty JSON and a newline; a closed pipe stays an `io::Error` so that it
/// ends the program quietly.
///
/// Characters a terminal would obey are written as JSON escapes (`\u202e`), which every JSON
/// reader decodes back to the same string: the output is both valid JSON and safe to show.
pub(crate) fn write_json(out: &mut dyn io::Write, value: &impl serde::Serialize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, SafeJson::default());
    value
        .serialize(&mut serializer)
        .map_err(|error| match error.io_error_kind() {
            Some(kind) => io::Error::new(kind, error),
            None => io::Error::other(error),
        })?;
    writeln!(out)
}

/// serde_json's pretty layout, with terminal control characters inside strings escaped.
///
/// serde_json already escapes C0 controls; C1 controls and bidi overrides it writes raw.
#[derive(Default)]
struct SafeJson(PrettyFormatter<'static>);

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_output_is_valid_and_carries_no_terminal_controls() {
        let value = serde_json::json!({"name": "a\u{202E}b\u{9b}c\u{1b}", "n": [1]});
        let mut out = Vec::new();
        write_json(&mut out, &value).expect("writes");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.chars().any(is_unsafe), "{text:?}");
        assert!(text.contains("a\\u202eb\\u009bc\\u001b"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, value);
        assert_eq!(
            text,
            "{\n  \"name\": \"a\\u202eb\\u009bc\\u001b\",\n  \"n\": [\n    1\n  ]\n}\n"
        );
    }
}
