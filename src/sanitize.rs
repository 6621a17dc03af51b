//! The one sanitiser for text confab shows a person.
//!
//! Everything confab prints can carry someone else's bytes: a message from a colleague's
//! checkpoint, a model's answer, a provider's error body, a file name in a repository that was
//! just cloned. A terminal obeys escape sequences in any of them: ESC `[2J` clears the screen,
//! OSC 52 writes the clipboard, OSC 8 hides a link behind harmless text, and a bidi override
//! (U+202E) makes `txt.exe` read as `exe.txt`. So every byte bound for a person goes through
//! [`Sanitized`], which shows such characters as visible escapes (`\u{1b}`) instead of passing
//! them on. Layout survives: newlines, tabs and the carriage return of a CRLF line ending pass.
//!
//! The rule lives at the writer rather than in each command because a command cannot forget a
//! writer: `crate::output` hands out only sanitised handles for messages, and the single raw path
//! ([`Sanitized::passthrough_unless`]) is for data going to a file or pipe, where content must stay
//! byte for byte (an exported Markdown file is not a terminal).
//!
//! Writes may split a character or a CRLF pair anywhere (a streamed answer arrives in pieces), so
//! the writer keeps the incomplete tail of one write until the next.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Whether `c` must not reach a terminal as itself.
///
/// Control characters (C0, DEL, C1) other than newline and tab, and the Unicode bidi controls
/// that reorder what is displayed (Trojan Source, CVE-2021-42574).
pub(crate) fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every unsafe character shown as its escape (`\u{1b}`); borrowed when clean.
pub(crate) fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut safe = String::with_capacity(text.len() + 16);
    push_sanitized(&mut safe, text, false);
    Cow::Owned(safe)
}

/// Appends `text` to `out`, escaping unsafe characters. A `\r` directly before `\n` stays (a CRLF
/// line ending); when `hold_final_cr`, a `\r` at the very end is left out for the caller to decide
/// once the next byte is known. Returns whether it held one back.
fn push_sanitized(out: &mut String, text: &str, hold_final_cr: bool) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            match chars.peek() {
                Some('\n') => out.push('\r'),
                None if hold_final_cr => return true,
                _ => out.extend(c.escape_unicode()),
            }
        } else if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    false
}

/// A writer that shows a person only safe text (see the module documentation).
///
/// Bytes that are not UTF-8 are shown as `\x{ff}`: a terminal must not get them either, and
/// nothing confab prints for a person is meant to be binary.
pub(crate) struct Sanitized<W: Write> {
    inner: W,
    /// Whether to sanitise at all: false makes this a plain pass-through.
    active: bool,
    /// The start of a character (or a `\r`) split from the rest by the end of the last write.
    pending: Vec<u8>,
}

impl<W: Write> Sanitized<W> {
    /// Sanitises everything written to `inner`.
    pub(crate) fn new(inner: W) -> Sanitized<W> {
        Sanitized {
            inner,
            active: true,
            pending: Vec::new(),
        }
    }

    /// Passes bytes to `inner` unchanged unless `sanitize`: for data that a person may be
    /// looking at (a terminal) or that a program will read (a pipe or a file).
    pub(crate) fn passthrough_unless(inner: W, sanitize: bool) -> Sanitized<W> {
        Sanitized {
            inner,
            active: sanitize,
            pending: Vec::new(),
        }
    }

    /// Writes `text` in bold (confab's own escape sequences, the only ones it ever prints), the
    /// text itself sanitised.
    pub(crate) fn bold(&mut self, text: &str) -> io::Result<()> {
        self.styled("1", text)
    }

    /// Writes `text` in the style of SGR parameters `sgr` (`"1;31"`: bold red), confab's own
    /// escape sequence, the text itself sanitised.
    pub(crate) fn styled(&mut self, sgr: &str, text: &str) -> io::Result<()> {
        self.settle()?;
        write!(self.inner, "\x1b[{sgr}m")?;
        self.write_all(text.as_bytes())?;
        self.settle()?;
        self.inner.write_all(b"\x1b[0m")
    }

    /// The writer underneath, for what comes after the sanitising (the pager takes the text
    /// it was given). Call `flush` first, or a character split by the last write stays held.
    pub(crate) fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Writes out whatever is held back from the last write, as complete as it will get.
    fn settle(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let text = escape_bytes(&pending, false).0;
        self.inner.write_all(text.as_bytes())
    }
}

/// Sanitises `bytes`; when `hold_tail`, an incomplete character or a `\r` at the end is returned
/// as the second value instead of being escaped.
fn escape_bytes(bytes: &[u8], hold_tail: bool) -> (String, Vec<u8>) {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                let held = push_sanitized(&mut out, text, hold_tail);
                return (out, if held { b"\r".to_vec() } else { Vec::new() });
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                // Safe: `valid_up_to` bytes are UTF-8 by the error's own account.
                let text = std::str::from_utf8(valid).unwrap_or_default();
                match error.error_len() {
                    Some(bad) => {
                        push_sanitized(&mut out, text, false);
                        for byte in &after[..bad] {
                            let _ = write!(out, "\\x{{{byte:02x}}}");
                        }
                        rest = &after[bad..];
                    }
                    // The input ends inside a character: its other bytes may come next.
                    None if hold_tail => {
                        let held = push_sanitized(&mut out, text, false);
                        debug_assert!(!held);
                        return (out, after.to_vec());
                    }
                    None => {
                        push_sanitized(&mut out, text, false);
                        for byte in after {
                            let _ = write!(out, "\\x{{{byte:02x}}}");
                        }
                        return (out, Vec::new());
                    }
                }
            }
        }
    }
}

impl<W: Write> Write for Sanitized<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.active {
            return self.inner.write(buf);
        }
        let text = if self.pending.is_empty() {
            let (text, held) = escape_bytes(buf, true);
            self.pending = held;
            text
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            let (text, held) = escape_bytes(&joined, true);
            self.pending = held;
            text
        };
        self.inner.write_all(text.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        // A flush marks the end of something (a prompt, an answer): nothing more of a split
        // character is coming, so show what is held.
        self.settle()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Sanitized<W> {
    fn drop(&mut self) {
        // Errors cannot be reported from a drop; the last write already succeeded or failed.
        let _ = self.settle();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through_writer(pieces: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut writer = Sanitized::new(&mut out);
            for piece in pieces {
                writer.write_all(piece).expect("writes");
            }
        }
        String::from_utf8(out).expect("the sanitised output is UTF-8")
    }

    #[test]
    fn layout_stays_and_controls_are_shown_escaped() {
        assert_eq!(sanitize("a\n\tb"), "a\n\tb");
        assert_eq!(sanitize("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(sanitize("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(sanitize("del\u{7f}"), "del\\u{7f}");
    }

    #[test]
    fn crlf_passes_but_a_lone_carriage_return_cannot_overwrite_a_line() {
        assert_eq!(sanitize("one\r\ntwo"), "one\r\ntwo");
        assert_eq!(sanitize("safe\rEVIL"), "safe\\u{d}EVIL");
        assert_eq!(sanitize("end\r"), "end\\u{d}");
    }

    #[test]
    fn bidi_controls_are_shown_escaped() {
        assert_eq!(
            sanitize("invoice\u{202E}fdp.exe"),
            "invoice\\u{202e}fdp.exe"
        );
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{2066}', '\u{2069}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        assert_eq!(sanitize("naïve 日本 🦀"), "naïve 日本 🦀");
    }

    #[test]
    fn a_sequence_split_across_writes_is_still_caught() {
        let esc = "\u{9b}".as_bytes();
        assert_eq!(through_writer(&[&esc[..1], &esc[1..], b"2J"]), "\\u{9b}2J");
        let rlo = "\u{202E}".as_bytes();
        assert_eq!(
            through_writer(&[b"a", &rlo[..2], &rlo[2..], b"b"]),
            "a\\u{202e}b"
        );
        assert_eq!(through_writer(&[b"line\r", b"\nnext"]), "line\r\nnext");
        assert_eq!(through_writer(&[b"line\r", b"over"]), "line\\u{d}over");
        let crab = "🦀".as_bytes();
        assert_eq!(through_writer(&[&crab[..1], &crab[1..3], &crab[3..]]), "🦀");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_not_passed() {
        assert_eq!(through_writer(&[b"a\xffb"]), "a\\x{ff}b");
        // An incomplete character at the very end is shown once nothing more can come.
        assert_eq!(through_writer(&[b"a\xe2\x80"]), "a\\x{e2}\\x{80}");
    }

    #[test]
    fn passthrough_keeps_bytes_exactly() {
        let mut out = Vec::new();
        let bytes = b"\x1b[2J\r\xff\xe2\x80\xae";
        Sanitized::passthrough_unless(&mut out, false)
            .write_all(bytes)
            .expect("writes");
        assert_eq!(out, bytes);
    }

    #[test]
    fn confab_own_bold_is_the_only_escape_that_passes() {
        let mut out = Vec::new();
        {
            let mut writer = Sanitized::new(&mut out);
            writer.bold("x\u{1b}]52;c;evil\u{7}").expect("writes");
        }
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "\u{1b}[1mx\\u{1b}]52;c;evil\\u{7}\u{1b}[0m"
        );
    }
}
