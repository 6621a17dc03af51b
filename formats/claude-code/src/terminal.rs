//! Terminal escape sequences out of text Claude Code captured from its own terminal output.
//!
//! The output of a local command (`/context`, `/compact`) is stored as it was drawn: colours
//! and styles as ANSI escape sequences. In a checkpoint they are noise at best, and a terminal
//! that later prints the text would obey them (a title change, a hyperlink, a cleared screen),
//! so they are removed, keeping the text they styled.

/// The escape character that starts every sequence.
const ESC: char = '\u{1b}';
/// The bell, which ends an OSC sequence in xterm's short form.
const BEL: char = '\u{7}';
/// The one-character forms of CSI and OSC (C1 controls).
const C1_CSI: char = '\u{9b}';
const C1_OSC: char = '\u{9d}';

/// `text` without ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL` or
/// `ESC ] ... ESC \`, the two-character `ESC x` forms) and without the other control characters
/// except newlines and tabs.
pub(crate) fn strip_terminal_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | '_' | '^' | 'X') => skip_string(&mut chars),
                // Character set selection takes one more character: `ESC ( B`.
                Some('(' | ')' | '*' | '+' | '-' | '.' | '/' | '#' | '%') => {
                    chars.next();
                }
                // Any other two-character sequence (`ESC 7`, `ESC =`, `ESC c`, ...).
                Some(_) | None => {}
            },
            C1_CSI => skip_csi(&mut chars),
            C1_OSC => skip_string(&mut chars),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Skips a CSI sequence's parameters and intermediates up to its final byte (`@` to `~`).
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            return;
        }
    }
}

/// Skips an OSC (or DCS, APC, PM, SOS) string up to BEL or the string terminator `ESC \`.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | '\u{9c}' => return,
            ESC => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip_terminal_escapes;

    #[test]
    fn styles_and_colours_go_and_their_text_stays() {
        assert_eq!(
            strip_terminal_escapes("\u{1b}[2mCompacted\u{1b}[22m"),
            "Compacted"
        );
        assert_eq!(
            strip_terminal_escapes("\u{1b}[38;5;244m⛀ \u{1b}[39m  Opus\n\tnext"),
            "⛀   Opus\n\tnext"
        );
    }

    #[test]
    fn osc_sequences_go_whole_with_either_terminator() {
        assert_eq!(
            strip_terminal_escapes(
                "a\u{1b}]0;title\u{7}b\u{1b}]8;;https://x\u{1b}\\link\u{1b}]8;;\u{1b}\\c"
            ),
            "ablinkc"
        );
    }

    #[test]
    fn other_controls_go_and_plain_text_is_untouched() {
        assert_eq!(strip_terminal_escapes("x\u{1b}(By\r\u{7}z"), "xyz");
        assert_eq!(strip_terminal_escapes("\u{9b}31mred"), "red");
        assert_eq!(strip_terminal_escapes("plain ⛶ text"), "plain ⛶ text");
        // A sequence cut off at the end of the text takes nothing after it.
        assert_eq!(strip_terminal_escapes("end\u{1b}[38;5"), "end");
    }
}
