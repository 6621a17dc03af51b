//! The import pipeline: the one path every checkpoint takes from bytes to a typed [`Checkpoint`].
//!
//! ```text
//!                   ┌─ Document: each message ─▶ message schema ─▶ Message ─┐
//! bytes ─ decode ───┤            the rest ─▶ version ─▶ envelope schema ───┼─▶ consistency ─▶ Imported
//!                   └─ Converted: the typed checkpoint, seen as the schema sees it ─┘
//! ```
//!
//! Messages of a document are checked as the decoder produces them, so a checkpoint of any size
//! needs memory for one message at a time (plus, for import, the typed messages kept). A
//! converter's typed checkpoint is checked in its JSON form, the same rules, and kept as it is:
//! nothing is parsed back. Each step reports *all* it finds, never just the first problem, and
//! every problem of a document is then located in the source (`line:column`) by the format that
//! decoded it. `import` and `validate` both run this pipeline, so a file that validates is a file
//! that imports, and `export` runs [`problems_of`] on what it writes, so a file confab writes is
//! a file confab reads: there is no second, laxer path into a store.

use serde_json::Value;

use crate::checkpoint::{Checkpoint, IMPORT_NOTES_KEY, Message, Role, SUPPORTED_VERSIONS};
use crate::error::{InvalidCheckpoint, Problem};
use crate::format::{Decode, DecodeOutcome, Decoded, MessageSink};
use crate::schema::{MIN_MESSAGES, envelope_problems, message_problems, too_few_messages};
use crate::store::validate_session_name;

/// A checked checkpoint, and the notes of the converter that built it (none for documents).
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The checkpoint, valid against the schema.
    pub checkpoint: Checkpoint,
    /// What a converter could not carry over from the source file.
    pub notes: Vec<String>,
}

impl Imported {
    /// The checkpoint as a store keeps it: the converter's notes, if any, recorded under
    /// `session.metadata.import_notes`, so what the import could not carry over stays on record
    /// and travels with later exports.
    pub fn into_recorded(self) -> Checkpoint {
        let Imported {
            mut checkpoint,
            notes,
        } = self;
        if !notes.is_empty() {
            let notes = notes.into_iter().map(Value::String).collect();
            checkpoint
                .session
                .metadata
                .get_or_insert_default()
                .insert(IMPORT_NOTES_KEY.to_owned(), Value::Array(notes));
        }
        checkpoint
    }
}

/// Decodes `bytes` with `decoder`, checks them and returns the checkpoint; `source_name` names
/// the file in errors. A file that holds several sessions is refused here: read it with
/// [`read_checkpoints`].
pub fn read_checkpoint(
    source_name: &str,
    bytes: &[u8],
    decoder: &dyn Decode,
) -> Result<Imported, InvalidCheckpoint> {
    let mut read = read_checkpoints(source_name, bytes, decoder)?;
    match read.len() {
        1 => Ok(read.remove(0)),
        count => Err(InvalidCheckpoint {
            source_name: source_name.to_owned(),
            problems: vec![Problem::new(
                "",
                "sessions",
                format!("holds {count} sessions where one was expected"),
            )],
        }),
    }
}

/// Decodes `bytes` with `decoder`, checks them and returns every session the file holds: one
/// for a checkpoint or a transcript, all of them for an export of many conversations. If one
/// is invalid, none is returned, and the error has the problems of each.
pub fn read_checkpoints(
    source_name: &str,
    bytes: &[u8],
    decoder: &dyn Decode,
) -> Result<Vec<Imported>, InvalidCheckpoint> {
    run(source_name, bytes, decoder, Keep::Messages)
        .map(|read| read.into_iter().map(|(imported, _)| imported).collect())
}

/// Checks that the session in `bytes` can be stored under `name`, the checkpoint's own name: the
/// rule a store applies, reported like every other problem (located, with a hint), so that
/// `validate` refuses exactly what `import` refuses. `import --name` skips it for the checkpoint's
/// name and checks the given one instead.
pub fn check_session_name(
    source_name: &str,
    bytes: &[u8],
    decoder: &dyn Decode,
    name: &str,
) -> Result<(), InvalidCheckpoint> {
    let Err(invalid) = validate_session_name(name) else {
        return Ok(());
    };
    let mut problem = Problem::new("/session/name", "name", invalid.to_string())
        .with_hint("import it under another name with --name NAME");
    problem.location = decoder.locate(bytes, &problem.pointer);
    Err(InvalidCheckpoint {
        source_name: source_name.to_owned(),
        problems: vec![problem],
    })
}

/// What [`check_checkpoint`] found in a valid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSummary {
    /// The session's name.
    pub session_name: String,
    /// How many messages the file holds.
    pub message_count: usize,
}

/// Runs every check [`read_checkpoints`] runs without keeping the messages: for `validate`.
/// One summary per session the file holds.
pub fn check_checkpoint(
    source_name: &str,
    bytes: &[u8],
    decoder: &dyn Decode,
) -> Result<Vec<CheckSummary>, InvalidCheckpoint> {
    run(source_name, bytes, decoder, Keep::Nothing).map(|read| {
        read.into_iter()
            .map(|(imported, count)| CheckSummary {
                session_name: imported.checkpoint.session.name,
                message_count: count,
            })
            .collect()
    })
}

/// Checks a document already decoded into a `Value`; the problems carry no locations.
pub fn check_value(mut value: Value) -> Result<Checkpoint, Vec<Problem>> {
    let mut checker = MessageChecker::new(Keep::Messages);
    checker.take_messages_of(&mut value);
    finish_document(value, checker).map(|(checkpoint, _)| checkpoint)
}

/// Everything [`read_checkpoint`] would find wrong with `checkpoint`, were it written to a file
/// and read back: `export` asks before it writes a file meant to be imported.
pub fn problems_of(checkpoint: &Checkpoint) -> Vec<Problem> {
    match check_typed(checkpoint) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    Messages,
    Nothing,
}

fn run(
    source_name: &str,
    bytes: &[u8],
    decoder: &dyn Decode,
    keep: Keep,
) -> Result<Vec<(Imported, usize)>, InvalidCheckpoint> {
    let invalid = |problems: Vec<Problem>| InvalidCheckpoint {
        source_name: source_name.to_owned(),
        problems,
    };
    let mut checker = MessageChecker::new(keep);
    let decoded = decoder.decode(bytes, &mut checker).map_err(|error| {
        let mut problem = Problem::new("", "syntax", error.message);
        problem.location = error.location;
        invalid(vec![problem])
    })?;
    match decoded {
        Decoded::Document(mut envelope) => {
            checker.take_messages_of(&mut envelope);
            let (checkpoint, count) =
                finish_document(envelope, checker).map_err(|mut problems| {
                    for problem in &mut problems {
                        problem.location = decoder.locate(bytes, &problem.pointer);
                    }
                    // File order; problems the format could not place keep their order, after the
                    // others.
                    problems.sort_by_key(|problem| (problem.location.is_none(), problem.location));
                    invalid(problems)
                })?;
            let imported = Imported {
                checkpoint,
                notes: Vec::new(),
            };
            Ok(vec![(imported, count)])
        }
        Decoded::Converted(outcome) => {
            let DecodeOutcome { checkpoint, notes } = *outcome;
            let count = check_typed(&checkpoint).map_err(invalid)?;
            Ok(vec![(Imported { checkpoint, notes }, count)])
        }
        Decoded::Collection(outcomes) => check_collection(outcomes).map_err(invalid),
    }
}

/// Checks each session of a file that holds many, and says which session a problem is in.
fn check_collection(outcomes: Vec<DecodeOutcome>) -> Result<Vec<(Imported, usize)>, Vec<Problem>> {
    if outcomes.is_empty() {
        return Err(vec![
            Problem::new("", "sessions", "holds no conversation to import")
                .with_hint("an export made before any chat has nothing to bring in"),
        ]);
    }
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut checked = Vec::with_capacity(outcomes.len());
    for (index, DecodeOutcome { checkpoint, notes }) in outcomes.into_iter().enumerate() {
        let which = format!(
            "conversation {} ({})",
            index + 1,
            crate::error::Quoted(&checkpoint.session.name)
        );
        if !seen.insert(checkpoint.session.name.clone()) {
            problems.push(Problem::new(
                "/session/name",
                "name",
                format!("{which}: another conversation in the file has the same name"),
            ));
        }
        match check_typed(&checkpoint) {
            Ok(count) => checked.push((Imported { checkpoint, notes }, count)),
            Err(found) => problems.extend(found.into_iter().map(|mut problem| {
                problem.message = format!("{which}: {}", problem.message);
                problem
            })),
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// Checks a typed checkpoint as the schema sees it: each message, then the envelope.
fn check_typed(checkpoint: &Checkpoint) -> Result<usize, Vec<Problem>> {
    let mut checker = MessageChecker::new(Keep::Nothing);
    for (index, message) in checkpoint.messages.iter().enumerate() {
        checker.message(index, json_of(message)?);
    }
    // The envelope without the messages, which were checked one by one: a copy of everything
    // else is small, a second copy of the messages would not be.
    check_envelope(&json_of(&checkpoint.envelope())?, &checker)?;
    Ok(checker.count)
}

fn json_of(value: &impl serde::Serialize) -> Result<Value, Vec<Problem>> {
    serde_json::to_value(value).map_err(|error| {
        vec![Problem::new(
            "",
            "type",
            format!("cannot represent the checkpoint: {error}"),
        )]
    })
}

/// Checks each message as it arrives, counts roles, and keeps the typed messages if asked.
struct MessageChecker {
    keep: Keep,
    problems: Vec<Problem>,
    messages: Vec<Message>,
    count: usize,
    users: u64,
    assistants: u64,
}

impl MessageChecker {
    fn new(keep: Keep) -> MessageChecker {
        MessageChecker {
            keep,
            problems: Vec::new(),
            messages: Vec::new(),
            count: 0,
            users: 0,
            assistants: 0,
        }
    }

    /// Checks the messages a decoder left in the document, and empties its array.
    fn take_messages_of(&mut self, document: &mut Value) {
        if let Some(Value::Array(messages)) = document.get_mut("messages") {
            let first = self.count;
            for (index, message) in std::mem::take(messages).into_iter().enumerate() {
                self.message(first + index, message);
            }
        }
    }
}

impl MessageSink for MessageChecker {
    fn message(&mut self, index: usize, message: Value) {
        self.count += 1;
        match message
            .get("role")
            .and_then(Value::as_str)
            .and_then(Role::parse)
        {
            Some(Role::User) => self.users += 1,
            Some(Role::Assistant) => self.assistants += 1,
            _ => {}
        }
        let problems = message_problems(index, &message);
        if !problems.is_empty() {
            self.problems.extend(problems);
            return;
        }
        if self.keep == Keep::Messages && self.problems.is_empty() {
            match serde_json::from_value(message) {
                Ok(message) => self.messages.push(message),
                Err(error) => self.problems.push(Problem::new(
                    format!("/messages/{index}"),
                    "type",
                    format!("cannot read the message: {error}"),
                )),
            }
        }
    }
}

/// Checks the envelope against the messages seen; every problem found, messages' included.
fn check_envelope(envelope: &Value, checker: &MessageChecker) -> Result<(), Vec<Problem>> {
    if let Some(problem) = version_problem(envelope) {
        // A different version has a different shape: the schema's complaints would be noise.
        return Err(vec![problem]);
    }
    let mut problems = envelope_problems(envelope);
    let is_array = envelope.get("messages").is_some_and(Value::is_array);
    if is_array && checker.count < MIN_MESSAGES {
        problems.push(too_few_messages());
    }
    problems.extend(checker.problems.iter().cloned());
    if is_array {
        problems.extend(consistency_problems(
            envelope,
            checker.count as u64,
            checker.users,
            checker.assistants,
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Checks a document's envelope, and assembles the checkpoint from it and the typed messages.
fn finish_document(
    envelope: Value,
    checker: MessageChecker,
) -> Result<(Checkpoint, usize), Vec<Problem>> {
    check_envelope(&envelope, &checker)?;
    let mut checkpoint: Checkpoint = serde_json::from_value(envelope).map_err(|error| {
        vec![Problem::new(
            "",
            "type",
            format!("cannot read the checkpoint: {error}"),
        )]
    })?;
    checkpoint.messages = checker.messages;
    Ok((checkpoint, checker.count))
}

fn version_problem(value: &Value) -> Option<Problem> {
    let version = value.get("version")?.as_str()?;
    if SUPPORTED_VERSIONS.contains(&version) {
        return None;
    }
    Some(
        Problem::new(
            "/version",
            "version",
            format!("unsupported checkpoint version {version:?}"),
        )
        .with_hint(format!(
            "this confab reads version {}; a newer confab may read this file",
            SUPPORTED_VERSIONS.join(", ")
        )),
    )
}

/// What the schema cannot say: the statistics must describe the messages they sit beside.
fn consistency_problems(
    envelope: &Value,
    messages: u64,
    users: u64,
    assistants: u64,
) -> Vec<Problem> {
    let Some(stated) = envelope.get("statistics").and_then(Value::as_object) else {
        return Vec::new();
    };
    let checks = [
        ("message_count", messages, "messages"),
        ("user_messages", users, "user messages"),
        ("assistant_messages", assistants, "assistant messages"),
    ];
    checks
        .into_iter()
        .filter_map(|(field, actual, what)| {
            // A missing or mistyped count is the schema's to report.
            let stated = stated.get(field)?.as_u64()?;
            (stated != actual).then(|| {
                Problem::new(
                    format!("/statistics/{field}"),
                    "consistency",
                    format!("says {stated}, but counting the {what} gives {actual}"),
                )
                .with_hint(format!(
                    "set statistics.{field} to {actual}, or remove `statistics` to have it recomputed"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid() -> Value {
        json!({
            "version": "1.0",
            "session": {"name": "s", "provider": "p", "model": "m"},
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}],
            "statistics": {"message_count": 2, "user_messages": 1, "assistant_messages": 1}
        })
    }

    #[test]
    fn a_valid_document_becomes_a_checkpoint() {
        let checkpoint = check_value(valid()).expect("valid");
        assert_eq!(checkpoint.messages.len(), 2);
    }

    #[test]
    fn notes_are_recorded_in_the_metadata_only_when_there_are_some() {
        let checkpoint = check_value(valid()).expect("valid");
        let quiet = Imported {
            checkpoint: checkpoint.clone(),
            notes: Vec::new(),
        };
        assert_eq!(quiet.into_recorded().session.metadata, None);
        let noted = Imported {
            checkpoint,
            notes: vec!["images omitted: 2".to_owned()],
        };
        let metadata = noted.into_recorded().session.metadata.expect("metadata");
        assert_eq!(metadata[IMPORT_NOTES_KEY], json!(["images omitted: 2"]));
    }

    #[test]
    fn unknown_keys_are_ignored() {
        let mut value = valid();
        value["future_field"] = json!({"x": 1});
        value["messages"][0]["reaction"] = json!("+1");
        assert!(check_value(value).is_ok());
    }

    #[test]
    fn statistics_must_agree_with_the_messages() {
        let mut value = valid();
        value["statistics"]["message_count"] = json!(3);
        value["statistics"]["user_messages"] = json!(0);
        let problems = check_value(value).expect_err("inconsistent");
        let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/statistics/message_count", "/statistics/user_messages"]
        );
        assert!(
            problems[0]
                .message
                .contains("says 3, but counting the messages gives 2")
        );
    }

    #[test]
    fn unsupported_versions_are_named_with_the_supported_ones() {
        let mut value = valid();
        value["version"] = json!("2.0");
        let problems = check_value(value).expect_err("unsupported");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("\"2.0\""));
        assert!(
            problems[0]
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("1.0"))
        );
    }

    #[test]
    fn consistency_is_reported_with_schema_problems() {
        let mut value = valid();
        value["session"]["model"] = json!(7);
        value["statistics"]["message_count"] = json!(5);
        let problems = check_value(value).expect_err("invalid");
        let rules: Vec<&str> = problems.iter().map(|p| p.rule.as_str()).collect();
        assert_eq!(rules, ["type", "consistency"]);
    }

    #[test]
    fn every_problem_is_reported() {
        let value = json!({"version": "1.0", "session": {}, "messages": []});
        let problems = check_value(value).expect_err("invalid");
        assert!(problems.len() >= 4, "{problems:#?}");
    }
}
