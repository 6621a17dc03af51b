//! Building blocks of the formats that convert other tools' transcripts (Claude Code, Codex,
//! Gemini, OpenAI) into checkpoints: notes on what could not be mapped, JSON Lines reading with
//! line numbers, session names derived from ids or content, the `unknown` model, and the typed
//! [`DecodeOutcome`] handed to the pipeline.
//!
//! Converters differ in what they read, not in how they report it; keeping these here means
//! every converter words its notes, errors and names the same way.

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::checkpoint::{CURRENT_VERSION, Checkpoint, Context, Message, SessionInfo, Statistics};
use crate::error::DecodeError;
use crate::format::DecodeOutcome;
use crate::location::Location;

/// The model of a session whose source does not name one.
pub const UNKNOWN_MODEL: &str = "unknown";

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The input without a leading UTF-8 byte order mark, which some Windows editors add.
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(BOM).unwrap_or(bytes)
}

/// What the import could not carry over, in words: [`DecodeOutcome::notes`].
///
/// One-off facts are kept as they are; things that happen many times (a skipped image part in
/// every other message) are counted and reported once, so a long session gives a short list.
#[derive(Debug, Default)]
pub struct Notes {
    notes: Vec<String>,
    tallies: Vec<(String, usize)>,
}

impl Notes {
    /// Adds a note as it is.
    pub fn add(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Counts one more occurrence of `what`, reported as `what: N`.
    pub fn tally(&mut self, what: impl Into<String>) {
        let what = what.into();
        match self.tallies.iter_mut().find(|(known, _)| *known == what) {
            Some((_, count)) => *count += 1,
            None => self.tallies.push((what, 1)),
        }
    }

    /// The notes, then each tally as `what: N`.
    pub fn into_vec(self) -> Vec<String> {
        self.notes
            .into_iter()
            .chain(
                self.tallies
                    .into_iter()
                    .map(|(what, count)| format!("{what}: {count}")),
            )
            .collect()
    }
}

/// How much of the input the sniffers of JSON exports look at.
pub const SNIFF_WINDOW: usize = 64 * 1024;

/// A sniff of a file that is a JSON array of records (a data export, `llm logs --json`): the
/// first element within [`SNIFF_WINDOW`] is parsed and judged by `is_record`; an element the
/// window cuts off is judged by `looks_like` on its text. Anything but an array is
/// [`Sniff::No`].
pub fn sniff_first_array_element(
    bytes: &[u8],
    is_record: impl Fn(&Value) -> bool,
    looks_like: impl Fn(&str) -> crate::format::Sniff,
) -> crate::format::Sniff {
    use crate::format::Sniff;
    use serde::Deserialize;
    let bytes = without_bom(bytes);
    let window = &bytes[..bytes.len().min(SNIFF_WINDOW)];
    let Some(start) = window.iter().position(|byte| !byte.is_ascii_whitespace()) else {
        return Sniff::No;
    };
    if window[start] != b'[' {
        return Sniff::No;
    }
    let rest = &window[start + 1..];
    let mut deserializer = serde_json::Deserializer::from_slice(rest);
    match Value::deserialize(&mut deserializer) {
        Ok(first) if is_record(&first) => Sniff::Yes,
        Ok(_) => Sniff::No,
        Err(error) if error.is_eof() => looks_like(&String::from_utf8_lossy(rest)),
        Err(_) => Sniff::No,
    }
}

/// The non-blank lines of a JSON Lines file, numbered from 1 as editors number them.
pub fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes
        .split(|&byte| byte == b'\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line.strip_suffix(b"\r").unwrap_or(line)))
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
}

/// Line `number` parsed as the JSON object every line of the file must be.
pub fn parse_line(number: usize, line: &[u8]) -> Result<Map<String, Value>, DecodeError> {
    match serde_json::from_slice(line) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(DecodeError::at(
            format!("line {number} is not a JSON object"),
            Some(Location {
                line: number,
                column: 1,
            }),
        )),
        Err(error) => {
            let located = json_error(&error);
            Err(DecodeError::at(
                format!("line {number} is not valid JSON: {}", located.message),
                Some(Location {
                    line: number,
                    column: error.column().max(1),
                }),
            ))
        }
    }
}

/// A `serde_json` error as a [`DecodeError`] at its line and column, without the
/// " at line L column C" that serde_json appends to its message (the location says it).
pub fn json_error(error: &serde_json::Error) -> DecodeError {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = message.strip_suffix(&suffix).unwrap_or(&message).to_owned();
    let location = (error.line() > 0).then(|| Location {
        line: error.line(),
        column: error.column().max(1),
    });
    DecodeError::at(message, location)
}

/// An RFC 3339 timestamp; anything else is dropped with a note, since the checkpoint's schema
/// accepts only RFC 3339.
pub fn timestamp(value: Option<&Value>, notes: &mut Notes) -> Option<Timestamp> {
    let text = value?.as_str()?;
    match text.parse::<Timestamp>() {
        Ok(timestamp) => Some(timestamp),
        Err(_) => {
            notes.tally("timestamps that are not RFC 3339 dropped");
            None
        }
    }
}

/// The first eight letters and digits of a session id, for a session name; `None` if it has none.
pub fn short_id(id: &str) -> Option<String> {
    let short: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    (!short.is_empty()).then_some(short)
}

/// A session name from a conversation's title, `PREFIX-words-of-the-title` (ASCII letters and
/// digits, lowercase, at most 48 of them), else from its id (`PREFIX-` and [`short_id`]); `None`
/// when it has neither, so the caller can name it by its position. Always a valid store name.
pub fn titled_name(prefix: &str, title: Option<&str>, id: Option<&str>) -> Option<String> {
    let mut slug = String::new();
    for word in title
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        if slug.len() + word.len() + 1 > 48 {
            break;
        }
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    if !slug.is_empty() {
        return Some(format!("{prefix}-{slug}"));
    }
    id.and_then(short_id)
        .map(|short| format!("{prefix}-{short}"))
}

/// Makes the session names of a file that holds many conversations unique: the second
/// `x` becomes `x-2`, the third `x-3`, and so on (skipping names another one already has).
pub fn unique_names(outcomes: &mut [DecodeOutcome]) {
    let mut taken: std::collections::HashSet<String> = std::collections::HashSet::new();
    for outcome in outcomes.iter_mut() {
        let name = &mut outcome.checkpoint.session.name;
        if taken.insert(name.clone()) {
            continue;
        }
        let unique = (2..)
            .map(|n| format!("{name}-{n}"))
            .find(|candidate| !taken.contains(candidate))
            .unwrap_or_default();
        taken.insert(unique.clone());
        *name = unique;
    }
}

/// The provider that serves `model`, told by its name (`claude-*` is Anthropic's, `gpt-*` and
/// the `o` series OpenAI's, `gemini-*` Google's), for sources that name the model but not who
/// served it; `None` when the name says nothing.
pub fn provider_of_model(model: &str) -> Option<&'static str> {
    let model = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    let starts = |prefixes: &[&str]| prefixes.iter().any(|prefix| model.starts_with(prefix));
    if starts(&["claude"]) {
        Some("anthropic")
    } else if starts(&["gemini", "gemma"]) {
        Some("google")
    } else if starts(&[
        "gpt-",
        "gpt4",
        "chatgpt",
        "o1",
        "o3",
        "o4",
        "codex",
        "text-davinci",
    ]) {
        Some("openai")
    } else {
        None
    }
}

/// 32-bit FNV-1a: a stable, dependency-free hash for names derived from content.
pub fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// The session name `PREFIX-ID8` from the first eight letters and digits of the source's
/// session id; without a usable id, `PREFIX-HASH` of the file's bytes, with a note saying so
/// (`source` names the file in it: "the rollout", "the transcript").
pub fn session_name(
    prefix: &str,
    id: Option<&str>,
    bytes: &[u8],
    source: &str,
    notes: &mut Notes,
) -> String {
    match id.and_then(short_id) {
        Some(short) => format!("{prefix}-{short}"),
        None => {
            notes.add(format!(
                "{source} names no session id; the session is named by a hash of the file"
            ));
            format!("{prefix}-{:08x}", fnv1a(bytes))
        }
    }
}

/// `model`, or [`UNKNOWN_MODEL`] with a note saying that `source` names none ("no turn_context
/// names the model").
pub fn model_or_unknown(model: Option<String>, source: &str, notes: &mut Notes) -> String {
    model.unwrap_or_else(|| {
        notes.add(format!(
            "{source}; the session's model is \"{UNKNOWN_MODEL}\""
        ));
        UNKNOWN_MODEL.to_owned()
    })
}

/// Everything the checkpoint envelope needs besides the messages.
#[derive(Debug)]
pub struct Envelope {
    /// The session name; must already be a valid store name.
    pub name: String,
    /// The provider, e.g. `openai`.
    pub provider: &'static str,
    /// The model, [`UNKNOWN_MODEL`] when the source does not say.
    pub model: String,
    /// The project context.
    pub context: Context,
    /// Extra `session.metadata` keys besides `source_format`.
    pub metadata: Map<String, Value>,
    /// When the session started; the first message's time when `None`.
    pub created_at: Option<Timestamp>,
    /// When the session last changed; the last message's time when `None`.
    pub updated_at: Option<Timestamp>,
}

/// The checkpoint of `messages`, ready for the pipeline's checks; `format` is recorded as
/// `session.metadata.source_format`.
pub fn checkpoint(
    format: &'static str,
    envelope: Envelope,
    messages: Vec<Message>,
    notes: Notes,
) -> Result<DecodeOutcome, DecodeError> {
    if messages.is_empty() {
        return Err(DecodeError::new("no messages found in the transcript"));
    }
    let mut metadata = Map::new();
    metadata.insert("source_format".into(), Value::from(format));
    metadata.extend(envelope.metadata);
    let created_at = envelope
        .created_at
        .or_else(|| messages.iter().find_map(|message| message.created_at));
    let updated_at = envelope
        .updated_at
        .or_else(|| messages.iter().rev().find_map(|message| message.created_at));
    let statistics = Statistics::of(&messages);
    let checkpoint = Checkpoint {
        version: CURRENT_VERSION.to_owned(),
        exported_at: None,
        exported_by: None,
        session: SessionInfo {
            name: envelope.name,
            provider: envelope.provider.to_owned(),
            model: envelope.model,
            skill: None,
            project_path: None,
            created_at,
            updated_at,
            created_by: None,
            updated_by: None,
            metadata: Some(metadata),
        },
        messages,
        context: (!envelope.context.is_empty()).then_some(envelope.context),
        statistics: Some(statistics),
    };
    Ok(DecodeOutcome {
        checkpoint,
        notes: notes.into_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titled_names_are_valid_store_names() {
        let name = |title, id| titled_name("chatgpt", title, id);
        assert_eq!(
            name(Some("Fix the VPC (peering) — again!"), Some("x")).as_deref(),
            Some("chatgpt-fix-the-vpc-peering-again")
        );
        assert_eq!(
            name(Some("日本語だけ"), Some("6a1f-22")).as_deref(),
            Some("chatgpt-6a1f22")
        );
        assert_eq!(name(None, None), None);
        let long = "word ".repeat(40);
        let long = name(Some(&long), None).expect("named");
        assert!(long.len() <= "chatgpt-".len() + 48, "{long}");
        crate::validate_session_name(&long).expect("valid");
    }

    #[test]
    fn duplicate_names_get_numbers() {
        let outcome = |name: &str| {
            let envelope = Envelope {
                name: name.to_owned(),
                provider: "openai",
                model: "gpt-4o".to_owned(),
                context: Context::default(),
                metadata: Map::new(),
                created_at: None,
                updated_at: None,
            };
            let messages = vec![Message::new(crate::Role::User, "hi")];
            checkpoint("test", envelope, messages, Notes::default()).expect("a checkpoint")
        };
        let mut outcomes = vec![outcome("a"), outcome("a-2"), outcome("a"), outcome("a")];
        unique_names(&mut outcomes);
        let names: Vec<&str> = outcomes
            .iter()
            .map(|outcome| outcome.checkpoint.session.name.as_str())
            .collect();
        assert_eq!(names, ["a", "a-2", "a-3", "a-4"]);
    }

    #[test]
    fn providers_are_told_by_model_names() {
        assert_eq!(provider_of_model("claude-sonnet-4-5"), Some("anthropic"));
        assert_eq!(
            provider_of_model("anthropic/claude-3-haiku"),
            Some("anthropic")
        );
        assert_eq!(provider_of_model("gemini-2.5-pro"), Some("google"));
        assert_eq!(provider_of_model("gpt-4o-mini"), Some("openai"));
        assert_eq!(provider_of_model("o3"), Some("openai"));
        assert_eq!(provider_of_model("llama3.2"), None);
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(fnv1a(b"foobar"), 0xbf9c_f968);
    }

    #[test]
    fn lines_are_numbered_from_one_and_blank_ones_skipped() {
        let numbered: Vec<(usize, &[u8])> = lines(b"{}\r\n\n  \n{\"a\":1}").collect();
        assert_eq!(numbered, [(1, &b"{}"[..]), (4, &b"{\"a\":1}"[..])]);
    }

    #[test]
    fn bad_lines_are_located() {
        let error = parse_line(7, b"{\"a\": }").expect_err("invalid");
        assert_eq!(error.location, Some(Location { line: 7, column: 7 }));
        assert!(
            error.message.starts_with("line 7 is not valid JSON: "),
            "{error}"
        );
        let error = parse_line(2, b"[1]").expect_err("not an object");
        assert_eq!(error.message, "line 2 is not a JSON object");
    }

    #[test]
    fn timestamps_must_be_rfc_3339() {
        let mut notes = Notes::default();
        let valid = Value::from("2025-10-29T11:20:05.000211-04:00");
        assert!(timestamp(Some(&valid), &mut notes).is_some());
        assert!(timestamp(Some(&Value::from("yesterday")), &mut notes).is_none());
        assert!(timestamp(None, &mut notes).is_none());
        assert_eq!(
            notes.into_vec(),
            ["timestamps that are not RFC 3339 dropped: 1"]
        );
    }

    #[test]
    fn short_ids_keep_letters_and_digits() {
        assert_eq!(short_id("0199d8c1-ffeb-7b21").as_deref(), Some("0199d8c1"));
        assert_eq!(short_id("ab-cd").as_deref(), Some("abcd"));
        assert_eq!(short_id("--"), None);
    }

    #[test]
    fn repeated_notes_are_counted() {
        let mut notes = Notes::default();
        notes.add("one-off");
        notes.tally("image parts omitted");
        notes.tally("image parts omitted");
        assert_eq!(notes.into_vec(), ["one-off", "image parts omitted: 2"]);
    }

    #[test]
    fn names_come_from_ids_else_from_a_hash_with_a_note() {
        let mut notes = Notes::default();
        assert_eq!(
            session_name(
                "codex",
                Some("0199d8c1-ffeb"),
                b"x",
                "the rollout",
                &mut notes
            ),
            "codex-0199d8c1"
        );
        assert!(notes.into_vec().is_empty());
        let mut notes = Notes::default();
        let name = session_name("codex", None, b"x", "the rollout", &mut notes);
        assert_eq!(name, format!("codex-{:08x}", fnv1a(b"x")));
        assert_eq!(
            notes.into_vec(),
            ["the rollout names no session id; the session is named by a hash of the file"]
        );
    }

    #[test]
    fn a_missing_model_is_unknown_with_a_note() {
        let mut notes = Notes::default();
        assert_eq!(
            model_or_unknown(None, "the file names no model", &mut notes),
            "unknown"
        );
        assert_eq!(
            notes.into_vec(),
            ["the file names no model; the session's model is \"unknown\""]
        );
    }

    #[test]
    fn an_empty_transcript_is_an_error_and_a_full_one_a_checkpoint() {
        let envelope = || Envelope {
            name: "x-1".to_owned(),
            provider: "openai",
            model: "m".to_owned(),
            context: Context::default(),
            metadata: Map::new(),
            created_at: None,
            updated_at: None,
        };
        let error = checkpoint("x", envelope(), Vec::new(), Notes::default()).expect_err("empty");
        assert_eq!(error.message, "no messages found in the transcript");
        let mut notes = Notes::default();
        notes.add("lost");
        let outcome = checkpoint(
            "x",
            envelope(),
            vec![Message::new(crate::Role::User, "hi")],
            notes,
        )
        .expect("one message");
        assert_eq!(outcome.notes, ["lost"]);
        assert_eq!(
            outcome.checkpoint.statistics.map(|s| s.message_count),
            Some(1)
        );
        assert!(outcome.checkpoint.context.is_none());
        let metadata = outcome.checkpoint.session.metadata.expect("metadata");
        assert_eq!(metadata["source_format"], "x");
    }
}
