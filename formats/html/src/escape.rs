//! Text made safe to put in an HTML page, and made visible.
//!
//! Escaping `& < > " '` is what keeps text from becoming markup, in element content and in
//! quoted attribute values alike. Two more kinds of character are harmless to the parser but not
//! to the reader, so they are replaced by visible stand-ins wherever data reaches the page:
//!
//! - bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069): a right-to-
//!   left override in a tool name or a file path shows text in an order other than the one it
//!   has (`"exe.txt"` that is really `"txt.exe"`); the page shows `⟨U+202E⟩` instead, so the
//!   trick is visible rather than working;
//! - control characters other than tab and line endings: NUL and the C0 controls become their
//!   Unicode "control pictures" (`␀`, `␛`, ...), DEL and the C1 controls `⟨U+0085⟩`. Browsers
//!   would drop or mangle most of them silently; a reviewer should see that they are there.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is shown as a stand-in rather than as itself (see the module documentation).
fn is_hidden(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// `text` with every bidirectional control and every control character other than tab, line
/// feed and carriage return replaced by a visible stand-in.
pub fn visible_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !is_hidden(c) {
            out.push(c);
            continue;
        }
        match u32::from(c) {
            // The Control Pictures block has one picture per C0 control, in order.
            code @ 0x00..=0x1F => out.push(char::from_u32(0x2400 + code).unwrap_or('\u{FFFD}')),
            code => {
                let _ = write!(out, "⟨U+{code:04X}⟩");
            }
        }
    }
    Cow::Owned(out)
}

/// Appends `text`, escaped for element content and quoted attribute values, to `out`. Controls
/// are not touched here: callers pass text through [`visible_controls`] first.
pub fn push_escaped(out: &mut String, text: &str) {
    let mut start = 0;
    for (at, byte) in text.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[start..at]);
        out.push_str(replacement);
        start = at + 1;
    }
    out.push_str(&text[start..]);
}

/// `text` with its controls made visible and escaped for HTML: the escape function of the page
/// templates (what `{{value}}` writes), and of everything the renderer writes itself.
pub fn escape(text: &str) -> String {
    let visible = visible_controls(text);
    let mut out = String::with_capacity(visible.len() + 16);
    push_escaped(&mut out, &visible);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain é 🙂"), "plain é 🙂");
    }

    #[test]
    fn bidi_overrides_and_controls_become_visible() {
        assert_eq!(escape("a\u{202E}txt.exe"), "a⟨U+202E⟩txt.exe");
        assert_eq!(escape("\u{2066}x\u{2069}"), "⟨U+2066⟩x⟨U+2069⟩");
        assert_eq!(escape("nul\0 esc\u{1b}[31m"), "nul␀ esc␛[31m");
        assert_eq!(escape("del\u{7f} nel\u{85}"), "del⟨U+007F⟩ nel⟨U+0085⟩");
        assert_eq!(escape("tab\tline\r\n"), "tab\tline\r\n");
    }
}
