//! The snippet of a search hit: which words of a matching message are shown, and how matches
//! are marked in them.
//!
//! Every store finds its hits its own way (SQLite's FTS5, PostgreSQL's `tsvector`), but a hit
//! must look the same whichever store found it: the same words around the match, the same
//! highlighted spans, so `--format json`'s byte offsets and a person's eye agree between a
//! laptop's store and the team's. So a store only decides *which words matched*, marks them in
//! the message's own text ([`mark`], or its engine's highlighter when that one marks the same
//! way), and this module cuts the window ([`snippet`]); the text between the words is never
//! touched (no markup stripped, no whitespace folded).
//!
//! A *word* here is a run of letters and digits ([`words`]), as the stores' tokenizers see words
//! (FTS5's `unicode61`, the words a PostgreSQL store highlights); anything else (spaces,
//! punctuation, emoji) is text between words.

use std::collections::HashMap;
use std::ops::Range;

use crate::{HIGHLIGHT_END, HIGHLIGHT_START};

/// How many words a snippet shows.
pub const SNIPPET_WORDS: usize = 16;

/// The words of `text`, as byte ranges: runs of letters and digits ([`char::is_alphanumeric`]).
/// Linear in the length of `text`.
pub fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let (start, _) = chars.by_ref().find(|(_, c)| c.is_alphanumeric())?;
        let mut end = text.len();
        while let Some(&(index, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = index;
                break;
            }
            chars.next();
        }
        Some(start..end)
    })
}

/// `text` with each of `spans` (byte ranges, sorted, not overlapping, on character boundaries)
/// between [`HIGHLIGHT_START`] and [`HIGHLIGHT_END`], as FTS5's `highlight()` marks a message:
/// everything else is `text` unchanged. A span that is out of order, overlaps the one before or
/// does not fall on character boundaries is left unmarked rather than breaking the text.
pub fn mark(text: &str, spans: &[Range<usize>]) -> String {
    let mut marked = String::with_capacity(text.len() + spans.len() * 6);
    let mut done = 0;
    for span in spans {
        if span.start < done
            || span.start >= span.end
            || !text.is_char_boundary(span.start)
            || !text.is_char_boundary(span.end)
        {
            continue;
        }
        marked.push_str(&text[done..span.start]);
        marked.push(HIGHLIGHT_START);
        marked.push_str(&text[span.clone()]);
        marked.push(HIGHLIGHT_END);
        done = span.end;
    }
    marked.push_str(&text[done..]);
    marked
}

/// A word of a marked text: where it is, and whether it is inside a match.
struct Token {
    start: usize,
    end: usize,
    matched: bool,
}

/// The part of `marked` (a message with every match between [`HIGHLIGHT_START`] and
/// [`HIGHLIGHT_END`]) worth showing: `width` words around the matches, chosen as FTS5's
/// `snippet()` chooses them (the first window holding the most different matched words, the
/// matches centred in it), with `…` where text was cut. Linear in the length of `marked`: one
/// pass to find the words, one sliding window over the matches.
pub fn snippet(marked: &str, width: usize) -> String {
    let width = width.max(1);
    // Words as the tokenizer sees them: runs of letters and digits (the markers are neither).
    let mut tokens: Vec<Token> = Vec::new();
    let mut inside = false;
    let mut current: Option<usize> = None;
    for (index, c) in marked.char_indices() {
        if c.is_alphanumeric() {
            current.get_or_insert(index);
            continue;
        }
        if let Some(start) = current.take() {
            tokens.push(Token {
                start,
                end: index,
                matched: inside,
            });
        }
        if c == HIGHLIGHT_START {
            inside = true;
        } else if c == HIGHLIGHT_END {
            inside = false;
        }
    }
    if let Some(start) = current {
        tokens.push(Token {
            start,
            end: marked.len(),
            matched: inside,
        });
    }
    if tokens.len() <= width {
        return marked.to_owned();
    }

    // The window of `width` words from one matched word that holds the most different matched
    // words (the first such, as FTS5 prefers).
    let matched: Vec<usize> = (0..tokens.len()).filter(|&i| tokens[i].matched).collect();
    let word = |i: usize| marked[tokens[i].start..tokens[i].end].to_lowercase();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let (mut best, mut best_score, mut end) = (None, 0, 0);
    for (first, &start) in matched.iter().enumerate() {
        while end < matched.len() && matched[end] < start + width {
            *counts.entry(word(matched[end])).or_default() += 1;
            end += 1;
        }
        if counts.len() > best_score {
            best_score = counts.len();
            best = Some((start, matched[end - 1]));
        }
        let leaving = word(matched[first]);
        if let Some(count) = counts.get_mut(&leaving) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&leaving);
            }
        }
    }
    let begin = match best {
        // Centre the matches in the window, without running past either end of the text.
        Some((first, last)) => first
            .saturating_sub((width - (last - first + 1)) / 2)
            .min(tokens.len() - width),
        None => 0,
    };
    let finish = begin + width;

    let from = if begin == 0 {
        0
    } else {
        marker_before(marked, tokens[begin].start)
    };
    let to = if finish == tokens.len() {
        marked.len()
    } else {
        marker_after(marked, tokens[finish - 1].end)
    };
    let mut text = String::new();
    if begin > 0 {
        text.push('…');
    }
    // A window that starts or ends inside a matched phrase gets its marker back.
    let part = &marked[from..to];
    let opens_inside = part
        .chars()
        .find(|&c| c == HIGHLIGHT_START || c == HIGHLIGHT_END)
        == Some(HIGHLIGHT_END);
    let closes_inside = part
        .chars()
        .rev()
        .find(|&c| c == HIGHLIGHT_START || c == HIGHLIGHT_END)
        == Some(HIGHLIGHT_START);
    if opens_inside {
        text.push(HIGHLIGHT_START);
    }
    text.push_str(part);
    if closes_inside {
        text.push(HIGHLIGHT_END);
    }
    if finish < tokens.len() {
        text.push('…');
    }
    text
}

/// `at`, moved back over a [`HIGHLIGHT_START`] right before it, so a cut keeps the marker.
fn marker_before(marked: &str, at: usize) -> usize {
    match marked[..at].chars().next_back() {
        Some(c) if c == HIGHLIGHT_START => at - c.len_utf8(),
        _ => at,
    }
}

/// `at`, moved on over a [`HIGHLIGHT_END`] right after it, so a cut keeps the marker.
fn marker_after(marked: &str, at: usize) -> usize {
    match marked[at..].chars().next() {
        Some(c) if c == HIGHLIGHT_END => at + c.len_utf8(),
        _ => at,
    }
}

/// `name` (a session's name) with the first case-insensitive occurrence of `needle` marked, as
/// a hit on a session's name shows. Names are ASCII (the naming rule); a needle that is not
/// leaves the name unmarked, since lowercasing it could change its length (`K`, the Kelvin
/// sign, lowercases to an ASCII `k`) and the offsets would no longer fit the name.
pub fn highlight_name(name: &str, needle: &str) -> String {
    if !name.is_ascii() || !needle.is_ascii() || needle.is_empty() {
        return name.to_owned();
    }
    match name.to_ascii_lowercase().find(&needle.to_ascii_lowercase()) {
        Some(start) => mark(name, std::slice::from_ref(&(start..start + needle.len()))),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` with `[` and `]` for the markers.
    fn marked(text: &str) -> String {
        text.replace('[', &HIGHLIGHT_START.to_string())
            .replace(']', &HIGHLIGHT_END.to_string())
    }

    fn shown(snippet: &str) -> String {
        snippet
            .replace(HIGHLIGHT_START, "[")
            .replace(HIGHLIGHT_END, "]")
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        let text = "An emoji 🚀 and 日本, <b>x1</b>: café";
        let found: Vec<&str> = words(text).map(|word| &text[word]).collect();
        assert_eq!(
            found,
            ["An", "emoji", "and", "日本", "b", "x1", "b", "café"]
        );
        assert_eq!(words("").count(), 0);
        assert_eq!(words(" -- ").count(), 0);
    }

    #[test]
    fn marking_keeps_every_other_byte() {
        let text = "An emoji 🚀 and <b>markup</b>: which pods?";
        let pods = text.find("pods").expect("pods");
        let emoji = text.find("emoji").expect("emoji");
        assert_eq!(
            shown(&mark(text, &[emoji..emoji + 5, pods..pods + 4])),
            "An [emoji] 🚀 and <b>markup</b>: which [pods]?"
        );
        // Spans that do not fit are left out, never a panic.
        assert_eq!(mark("é", std::slice::from_ref(&(0..1))), "é");
        assert_eq!(shown(&mark("a b", &[2..3, 0..1])), "a [b]");
    }

    #[test]
    fn snippets_show_a_window_around_the_matches() {
        // Short texts are shown whole.
        assert_eq!(shown(&snippet(&marked("a [b] c"), 16)), "a [b] c");
        let words: Vec<String> = (0..40).map(|index| format!("w{index}")).collect();
        let mut text = words.join(" ");
        text = text.replace(" w20 ", " [w20] ");
        // The match is centred, and the cuts are marked.
        assert_eq!(
            shown(&snippet(&marked(&text), 5)),
            "…w18 w19 [w20] w21 w22…"
        );
        // Near the start, the window starts at the text's start.
        assert_eq!(
            shown(&snippet(&marked("[w0] w1, w2 w3 w4 w5 w6"), 4)),
            "[w0] w1, w2 w3…"
        );
        // The window holding the most different matched words wins over the first match.
        assert_eq!(
            shown(&snippet(&marked("[a] x x x x x x x x [a] [b] x x x x"), 3)),
            "…[a] [b] x…"
        );
        // A window cutting a matched phrase keeps its markers balanced.
        assert_eq!(
            shown(&snippet(&marked("x x x x x [p q r s t] x x x x x"), 3)),
            "…[p q r]…"
        );
    }

    #[test]
    fn a_snippet_of_many_matches_is_one_window() {
        let text = vec!["[word]"; 40_000].join(" ");
        let snippet = shown(&snippet(&marked(&text), 16));
        assert_eq!(snippet, format!("{}…", vec!["[word]"; 16].join(" ")));
    }

    #[test]
    fn names_are_highlighted_where_they_match() {
        assert_eq!(
            shown(&highlight_name("Incident-42", "DENT")),
            "Inci[dent]-42"
        );
        assert_eq!(highlight_name("Incident-42", "zzz"), "Incident-42");
        // The Kelvin sign lowercases to `k`: no offsets from it, and no panic.
        assert_eq!(highlight_name("k", "\u{212A}"), "k");
        assert_eq!(highlight_name("k", ""), "k");
    }
}
