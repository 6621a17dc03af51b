//! The data a page template renders: the Markdown report's data, and what a page adds.
//!
//! A page template sees everything a report template sees (the checkpoint under the names of a
//! JSON export, see `confab_format_markdown::data`), and:
//!
//! - on each message: `html` (its content as safe HTML: Markdown rendered by
//!   [`markdown`](crate::markdown), or for a tool result its text in a `<pre>`), `collapsed`
//!   (a tool result long enough to fold away), `summary` (one line of it) and `lines`; on each
//!   tool call: `arguments_html`, `arguments_collapsed`, `arguments_summary`;
//! - `page`: `csp`, `style` and `script` (the Content-Security-Policy and the inline stylesheet
//!   and script it allows, by hash), `toc` (the user turns: `number`, `summary`), `usage`
//!   (token totals: `input_tokens`, `output_tokens`, `cached_input_tokens`, `total`),
//!   `chart` (`svg`, an inline SVG of tokens per turn, and `highest`, the token count of its
//!   full height; null without usage) and `turns` (how many turns it charts),
//!   and `model_changes` (`at`, `from`, `to` as text).
//!
//! The values named `html`, `arguments_html`, `style`, `script` and `chart.svg` are markup built here, every piece
//! of data in them escaped: a template writes them with `{{{triple}}}` braces. Everything else
//! is data, written with `{{double}}` braces, which escape it.

use std::fmt::Write as _;

use base64::Engine as _;
use confab_core::{Checkpoint, Message, Role, TokenUsage};
use serde_json::{Map, Value, json};
use sha2::Digest as _;

use crate::escape::escape;
use crate::highlight::code_block;

/// The page's stylesheet, written inline.
pub const STYLE: &str = include_str!("../assets/page.css");
/// The page's script, written inline: it opens folded messages a link points at, and folds or
/// unfolds them all.
pub const SCRIPT: &str = include_str!("../assets/page.js");

/// A tool result longer than this many lines (or [`LONG_BYTES`]) is folded away.
const LONG_LINES: usize = 20;
const LONG_BYTES: usize = 2_000;
/// Tool-call arguments longer than this many lines (or [`LONG_ARGUMENT_BYTES`]) are folded.
const LONG_ARGUMENT_LINES: usize = 8;
const LONG_ARGUMENT_BYTES: usize = 600;
/// How long a one-line summary may be, in characters.
const SUMMARY_CHARS: usize = 100;
/// The chart has at most this many bars; longer sessions put several turns in one bar.
const MAX_BARS: usize = 240;

/// `'sha256-…'`, the CSP source that allows an inline element whose text is `text`.
pub fn csp_hash(text: &str) -> String {
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's Content-Security-Policy: nothing may load from anywhere, and the only style and
/// script allowed are the page's own, by hash (no `'unsafe-inline'`).
pub fn content_security_policy(style: &str, script: &str) -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        csp_hash(style),
        csp_hash(script)
    )
}

/// The template data of `checkpoint` (see the module documentation).
pub fn page_data(checkpoint: &Checkpoint, csp: &str) -> Value {
    let mut data = confab_format_markdown::template_data(checkpoint);
    if let Some(Value::Array(messages)) = data.get_mut("messages") {
        for (value, message) in messages.iter_mut().zip(&checkpoint.messages) {
            if let Value::Object(object) = value {
                add_message_data(object, message);
            }
        }
    }
    let usage = totals(checkpoint);
    let turns = turns(&checkpoint.messages);
    let page = json!({
        "csp": csp,
        "style": STYLE,
        "script": SCRIPT,
        "toc": toc(&checkpoint.messages),
        "usage": usage,
        "chart": chart(&turns),
        "turns": turns.len(),
        "model_changes": model_changes(checkpoint),
    });
    if let Value::Object(root) = &mut data {
        root.insert("page".to_owned(), page);
    }
    data
}

fn add_message_data(object: &mut Map<String, Value>, message: &Message) {
    let content = &message.content;
    let lines = content.lines().count();
    let (html, collapsed) = if message.role == Role::Tool {
        (
            code_block("", content),
            lines > LONG_LINES || content.len() > LONG_BYTES,
        )
    } else {
        (crate::markdown::render(content), false)
    };
    object.insert("html".to_owned(), Value::from(html));
    object.insert("collapsed".to_owned(), Value::from(collapsed));
    object.insert(
        "summary".to_owned(),
        Value::from(summary(content, lines, content.len())),
    );
    object.insert("lines".to_owned(), Value::from(lines));
    if let Some(Value::Array(calls)) = object.get_mut("tool_calls") {
        for (value, call) in calls.iter_mut().zip(&message.tool_calls) {
            let Value::Object(call_object) = value else {
                continue;
            };
            let arguments = match &call.arguments {
                Value::String(text) => text.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            let lines = arguments.lines().count();
            let collapsed = lines > LONG_ARGUMENT_LINES || arguments.len() > LONG_ARGUMENT_BYTES;
            let lang = if call.arguments.is_string() {
                ""
            } else {
                "json"
            };
            call_object.insert(
                "arguments_html".to_owned(),
                Value::from(code_block(lang, &arguments)),
            );
            call_object.insert("arguments_collapsed".to_owned(), Value::from(collapsed));
            call_object.insert(
                "arguments_summary".to_owned(),
                Value::from(summary(&arguments, lines, arguments.len())),
            );
        }
    }
}

/// The first non-blank line of `text`, cut to [`SUMMARY_CHARS`], with its size when it has
/// more lines: `kubectl get pods … (240 lines, 18 KB)`.
fn summary(text: &str, lines: usize, bytes: usize) -> String {
    let first = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    let mut out: String = first.chars().take(SUMMARY_CHARS).collect();
    if first.chars().nth(SUMMARY_CHARS).is_some() {
        out.push('…');
    }
    if lines > 1 {
        let size = if bytes >= 10_240 {
            format!("{} KB", bytes / 1024)
        } else {
            format!("{bytes} bytes")
        };
        let _ = write!(out, " ({lines} lines, {size})");
    }
    out
}

/// The user turns, for the table of contents.
fn toc(messages: &[Message]) -> Value {
    let entries = messages
        .iter()
        .enumerate()
        .filter(|(_, message)| message.role == Role::User)
        .map(|(index, message)| {
            let line = summary(&message.content, 1, 0);
            json!({
                "number": index + 1,
                "summary": if line.is_empty() { "(empty)".to_owned() } else { line },
                "archived": message.archived,
            })
        })
        .collect();
    Value::Array(entries)
}

/// The session's token totals: its statistics' when it has them, else the messages' sum.
fn totals(checkpoint: &Checkpoint) -> Value {
    let usage = checkpoint
        .statistics
        .as_ref()
        .and_then(|statistics| statistics.usage)
        .unwrap_or_else(|| {
            checkpoint
                .messages
                .iter()
                .filter_map(|message| message.usage.as_ref())
                .fold(TokenUsage::default(), |sum, usage| sum.plus(usage))
        });
    if usage == TokenUsage::default() {
        return Value::Null;
    }
    let total = usage
        .input_tokens
        .unwrap_or(0)
        .saturating_add(usage.output_tokens.unwrap_or(0));
    json!({
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "total": total,
    })
}

/// Tokens of one turn: a user message and everything up to the next one.
#[derive(Debug, Default, Clone, Copy)]
struct Turn {
    /// The number of the turn's first message (from 1).
    first: usize,
    input: u64,
    cached: u64,
    output: u64,
}

fn turns(messages: &[Message]) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    let mut started = false;
    for (index, message) in messages.iter().enumerate() {
        // Messages before the first user message (a system prompt) belong to the first turn.
        let leading = turns.len() == 1 && !started;
        if (message.role == Role::User && !leading) || turns.is_empty() {
            turns.push(Turn {
                first: index + 1,
                ..Turn::default()
            });
        }
        started |= message.role == Role::User;
        if let (Some(turn), Some(usage)) = (turns.last_mut(), &message.usage) {
            turn.input = turn.input.saturating_add(usage.input_tokens.unwrap_or(0));
            turn.cached = turn
                .cached
                .saturating_add(usage.cached_input_tokens.unwrap_or(0));
            turn.output = turn.output.saturating_add(usage.output_tokens.unwrap_or(0));
        }
    }
    turns
}

/// An inline SVG of the tokens per turn: three bars per turn (input, cached input, output), on
/// one scale; at most [`MAX_BARS`] groups, several turns to a group in long sessions. `{svg,
/// highest}` (`highest`: the count the full height stands for), or null when no message
/// recorded usage.
fn chart(turns: &[Turn]) -> Value {
    if turns
        .iter()
        .all(|turn| turn.input == 0 && turn.cached == 0 && turn.output == 0)
    {
        return Value::Null;
    }
    let per_group = turns.len().div_ceil(MAX_BARS).max(1);
    let groups: Vec<(Turn, usize)> = turns
        .chunks(per_group)
        .map(|chunk| {
            let mut sum = chunk[0];
            for turn in &chunk[1..] {
                sum.input = sum.input.saturating_add(turn.input);
                sum.cached = sum.cached.saturating_add(turn.cached);
                sum.output = sum.output.saturating_add(turn.output);
            }
            (sum, chunk.len())
        })
        .collect();
    let highest = groups
        .iter()
        .map(|(turn, _)| turn.input.max(turn.cached).max(turn.output))
        .max()
        .unwrap_or(1)
        .max(1);
    const HEIGHT: f64 = 100.0;
    const GROUP_WIDTH: usize = 4;
    const MIN_GROUPS: usize = 24;
    // A few turns keep narrow bars at the left rather than bars a fifth of the page wide.
    let width = groups.len().max(MIN_GROUPS) * GROUP_WIDTH;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {HEIGHT}\" preserveAspectRatio=\"none\" \
         role=\"img\" aria-label=\"Tokens per turn: input, cached input and output\" \
         xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (at, (turn, count)) in groups.iter().enumerate() {
        let x = at * GROUP_WIDTH;
        let label = if *count == 1 {
            format!("turn at message {}", turn.first)
        } else {
            format!("{count} turns from message {}", turn.first)
        };
        let _ = write!(
            svg,
            "<g><title>{}: {} in, {} cached, {} out</title>",
            escape(&label),
            turn.input,
            turn.cached,
            turn.output
        );
        for (offset, class, value) in [
            (0, "bar-in", turn.input),
            (1, "bar-cached", turn.cached),
            (2, "bar-out", turn.output),
        ] {
            #[allow(clippy::cast_precision_loss)]
            let height = value as f64 / highest as f64 * HEIGHT;
            let _ = write!(
                svg,
                "<rect class=\"{class}\" x=\"{}\" y=\"{:.2}\" width=\"1\" height=\"{height:.2}\"/>",
                x + offset,
                HEIGHT - height
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    json!({ "svg": svg, "highest": highest })
}

/// The session's provider and model changes (`model_changes` in its metadata, as `confab
/// chat` records them), as text; entries of another shape are left out.
fn model_changes(checkpoint: &Checkpoint) -> Value {
    let Some(Value::Array(changes)) = checkpoint
        .session
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get("model_changes"))
    else {
        return Value::Array(Vec::new());
    };
    let side = |value: Option<&Value>| -> Option<String> {
        let value = value?;
        let provider = value.get("provider").and_then(Value::as_str).unwrap_or("");
        let model = value.get("model").and_then(Value::as_str).unwrap_or("");
        Some(match (provider, model) {
            ("", model) => model.to_owned(),
            (provider, "") => provider.to_owned(),
            (provider, model) => format!("{provider}/{model}"),
        })
    };
    let entries = changes
        .iter()
        .filter_map(|change| {
            let from = side(change.get("from"))?;
            let to = side(change.get("to"))?;
            let at = change
                .get("at")
                .and_then(Value::as_str)
                .and_then(|at| at.parse::<jiff::Timestamp>().ok())
                .map(|at| at.strftime("%Y-%m-%d %H:%M UTC").to_string());
            Some(json!({ "at": at, "from": from, "to": to }))
        })
        .collect();
    Value::Array(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_in_base64() {
        // echo -n 'abc' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("abc"),
            "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
        );
    }

    #[test]
    fn the_policy_forbids_every_load_and_allows_only_the_page_by_hash() {
        let policy = content_security_policy(STYLE, SCRIPT);
        assert!(policy.starts_with("default-src 'none'; "), "{policy}");
        assert!(!policy.contains("unsafe"), "{policy}");
        assert!(policy.contains(&format!("style-src {};", csp_hash(STYLE))));
        assert!(policy.contains(&format!("script-src {};", csp_hash(SCRIPT))));
    }

    #[test]
    fn summaries_are_one_short_line() {
        assert_eq!(
            summary("\n  first line  \nsecond", 3, 20),
            "first line (3 lines, 20 bytes)"
        );
        let long = "é".repeat(150);
        assert_eq!(
            summary(&long, 1, long.len()),
            format!("{}…", "é".repeat(100))
        );
        assert_eq!(summary("x", 500, 50_000), "x (500 lines, 48 KB)");
    }

    #[test]
    fn turns_add_up_their_messages() {
        let usage = |input, output| TokenUsage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            cached_input_tokens: Some(1),
            ..TokenUsage::default()
        };
        let mut messages = vec![
            Message::new(Role::System, "s"),
            Message::new(Role::User, "a"),
            Message::new(Role::Assistant, "b"),
            Message::new(Role::Assistant, "c"),
            Message::new(Role::User, "d"),
            Message::new(Role::Assistant, "e"),
        ];
        messages[2].usage = Some(usage(10, 5));
        messages[3].usage = Some(usage(20, 5));
        messages[5].usage = Some(usage(40, 1));
        let turns = turns(&messages);
        assert_eq!(turns.len(), 2);
        assert_eq!(
            (
                turns[0].first,
                turns[0].input,
                turns[0].cached,
                turns[0].output
            ),
            (1, 30, 2, 10)
        );
        assert_eq!(
            (turns[1].first, turns[1].input, turns[1].output),
            (5, 40, 1)
        );
        let chart = chart(&turns);
        assert_eq!(chart["highest"], 40);
        let svg = chart["svg"].as_str().expect("a chart");
        assert_eq!(svg.matches("<rect").count(), 6);
        assert!(
            svg.contains("<title>turn at message 5: 40 in, 1 cached, 1 out</title>"),
            "{svg}"
        );
        // The tallest bar fills the height.
        assert!(
            svg.contains("y=\"0.00\" width=\"1\" height=\"100.00\""),
            "{svg}"
        );
    }

    #[test]
    fn long_sessions_share_bars() {
        let turns: Vec<Turn> = (0..5_000)
            .map(|at| Turn {
                first: at * 2 + 1,
                input: 1,
                cached: 0,
                output: 1,
            })
            .collect();
        let chart = chart(&turns);
        let svg = chart["svg"].as_str().expect("a chart");
        assert!(svg.matches("<g>").count() <= MAX_BARS);
        assert!(svg.contains("21 turns from message 1:"), "{svg}");
        assert_eq!(super::chart(&[Turn::default()]), Value::Null);
    }
}
