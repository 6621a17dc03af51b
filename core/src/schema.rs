//! The checkpoint JSON Schema, embedded, and the validator compiled from it once per process.
//!
//! The schema file in `schemas/` is the contract with other tools (Atmos, editors, CI scripts), so
//! it is the one source of truth: the binary embeds that very file, `confab schema` prints it, and
//! every import is checked against it. Compilation is offline by construction: the `jsonschema`
//! crate is built without its HTTP and file resolvers, and the schema has no remote `$ref`.

use std::sync::OnceLock;

use jsonschema::{Draft, ValidationError, Validator};
use serde_json::Value;

use crate::error::Problem;

/// The checkpoint schema (version 1.0), exactly as `schemas/checkpoint-v1.schema.json` reads.
///
/// The crate keeps its own copy (`core/schemas/`) so that it packages on its own; a test keeps the
/// copy identical to the file at the top of the repository, which is the one tools link to.
pub const CHECKPOINT_SCHEMA: &str = include_str!("../schemas/checkpoint-v1.schema.json");

/// The schema's `$id`, for `$schema` references in files (editors fetch it from there).
pub const CHECKPOINT_SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/confab-dev/confab/main/schemas/checkpoint-v1.schema.json";

/// The schema split for streaming: one validator for a single message, one for the rest.
///
/// A 100 MB checkpoint is almost all messages. Validating it as one document means building one
/// `Value` for the whole file first (about three times the file in memory); validating each
/// message as it is parsed, and the small rest of the document separately, keeps memory at the
/// size of one message. Both validators are derived from the one schema file, so the rules
/// cannot drift apart.
struct Validators {
    envelope: Validator,
    message: Validator,
}

fn validators() -> &'static Validators {
    static VALIDATORS: OnceLock<Validators> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        // The schema is part of this binary and covered by tests, so failing here is a build
        // defect, not a user error.
        #[allow(clippy::expect_used)]
        let schema: Value =
            serde_json::from_str(CHECKPOINT_SCHEMA).expect("the embedded schema is valid JSON");
        let mut envelope = schema.clone();
        // Messages are checked one by one; the envelope only needs to see an array there.
        envelope["properties"]["messages"] = serde_json::json!({"type": "array"});
        let message = serde_json::json!({
            "$schema": schema["$schema"],
            "$defs": schema["$defs"],
            "$ref": "#/$defs/message",
        });
        Validators {
            envelope: compile(&envelope),
            message: compile(&message),
        }
    })
}

fn compile(schema: &Value) -> Validator {
    #[allow(clippy::expect_used)]
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .expect("the embedded schema compiles")
}

/// How the schema requires `messages` to be, beyond each message: at least one.
pub(crate) const MIN_MESSAGES: usize = 1;

/// Every way `instance` breaks the schema, in document order, without locations.
pub fn schema_problems(instance: &Value) -> Vec<Problem> {
    let mut problems = envelope_problems(instance);
    if let Some(messages) = instance.get("messages").and_then(Value::as_array) {
        if messages.len() < MIN_MESSAGES {
            problems.push(too_few_messages());
        }
        for (index, message) in messages.iter().enumerate() {
            problems.extend(message_problems(index, message));
        }
    }
    problems
}

/// The schema's problems with everything but the messages (`messages` must be an array).
pub(crate) fn envelope_problems(instance: &Value) -> Vec<Problem> {
    validators()
        .envelope
        .iter_errors(instance)
        .map(|error| problem_from(error, ""))
        .collect()
}

/// The schema's problems with message number `index` (from 0).
pub(crate) fn message_problems(index: usize, message: &Value) -> Vec<Problem> {
    let validator = &validators().message;
    if validator.is_valid(message) {
        return Vec::new();
    }
    let prefix = format!("/messages/{index}");
    validator
        .iter_errors(message)
        .map(|error| problem_from(error, &prefix))
        .collect()
}

/// The schema's `minItems` problem for an empty `messages`.
pub(crate) fn too_few_messages() -> Problem {
    Problem::new("/messages", "minItems", "[] has less than 1 item")
        .with_hint("a checkpoint carries at least one message")
}

/// Values longer than this are not quoted in messages; their kind is named instead.
const MAX_QUOTED_VALUE: usize = 60;

fn problem_from(error: ValidationError<'_>, prefix: &str) -> Problem {
    let instance = error.instance();
    let quotable = match instance.as_ref() {
        Value::Object(_) | Value::Array(_) => false,
        value => value.to_string().len() <= MAX_QUOTED_VALUE,
    };
    let message = if quotable {
        error.to_string()
    } else {
        error.masked_with(kind_of(instance)).to_string()
    };
    let keyword = error.kind().keyword().to_owned();
    let pointer = format!("{prefix}{}", error.instance_path().as_str());
    let hint = hint_for(&keyword, &pointer);
    let problem = Problem::new(pointer, keyword, message);
    match hint {
        Some(hint) => problem.with_hint(hint),
        None => problem,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "the boolean",
        Value::Number(_) => "the number",
        Value::String(_) => "the string",
        Value::Array(_) => "the array",
        Value::Object(_) => "the object",
    }
}

fn hint_for(keyword: &str, pointer: &str) -> Option<String> {
    let hint = match keyword {
        "format" => {
            "write timestamps in RFC 3339, e.g. 2025-10-30T14:30:00Z or 2025-10-29T11:20:05-04:00"
        }
        "enum" if pointer.ends_with("/role") => {
            "a message's role is one of: user, assistant, system, tool"
        }
        "minItems" if pointer == "/messages" => "a checkpoint carries at least one message",
        "required" => "add the missing field; `confab schema` prints every field and what it means",
        "const" if pointer == "/version" => "this confab reads checkpoint version 1.0",
        _ => return None,
    };
    Some(hint.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schema_is_the_file_at_the_top_of_the_repository() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schemas/checkpoint-v1.schema.json"
        );
        let on_disk = std::fs::read_to_string(path).expect("schema file readable");
        assert_eq!(CHECKPOINT_SCHEMA, on_disk);
    }

    #[test]
    fn schema_is_draft_2020_12_with_its_id_and_describes_every_property() {
        let schema: Value = serde_json::from_str(CHECKPOINT_SCHEMA).expect("schema is JSON");
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["$id"], CHECKPOINT_SCHEMA_ID);
        jsonschema::meta::validate(&schema).expect("schema is valid against its meta-schema");
        let mut undescribed = Vec::new();
        find_undescribed(&schema, String::new(), &mut undescribed);
        assert!(
            undescribed.is_empty(),
            "properties without description: {undescribed:?}"
        );
    }

    fn find_undescribed(node: &Value, at: String, out: &mut Vec<String>) {
        let Some(object) = node.as_object() else {
            return;
        };
        if let Some(Value::Object(properties)) = object.get("properties") {
            for (name, property) in properties {
                let path = format!("{at}/properties/{name}");
                if property.get("description").is_none() {
                    out.push(path.clone());
                }
                find_undescribed(property, path, out);
            }
        }
        for key in ["items", "$defs"] {
            match object.get(key) {
                Some(Value::Object(defs)) if key == "$defs" => {
                    for (name, def) in defs {
                        find_undescribed(def, format!("{at}/$defs/{name}"), out);
                    }
                }
                Some(child) => find_undescribed(child, format!("{at}/{key}"), out),
                None => {}
            }
        }
    }

    #[test]
    fn problems_name_pointer_rule_and_value() {
        let instance = serde_json::json!({
            "version": "1.0",
            "session": {"name": "s", "provider": "p"},
            "messages": [{"role": "robot", "created_at": "yesterday"}]
        });
        let problems = schema_problems(&instance);
        let summary: Vec<(String, String)> = problems
            .iter()
            .map(|p| (p.pointer.clone(), p.rule.clone()))
            .collect();
        assert!(
            summary.contains(&("/session".into(), "required".into())),
            "{summary:?}"
        );
        assert!(
            summary.contains(&("/messages/0/role".into(), "enum".into())),
            "{summary:?}"
        );
        assert!(
            summary.contains(&("/messages/0/created_at".into(), "format".into())),
            "{summary:?}"
        );
        let role = problems
            .iter()
            .find(|p| p.rule == "enum")
            .expect("enum problem");
        assert!(role.message.contains("\"robot\""), "{}", role.message);
        assert!(role.hint.is_some());
    }

    #[test]
    fn split_validation_agrees_with_the_whole_schema() {
        let schema: Value = serde_json::from_str(CHECKPOINT_SCHEMA).expect("schema");
        let whole = compile(&schema);
        for instance in [
            serde_json::json!({"version": "1.0", "session": {"name": "s", "provider": "p", "model": "m"},
                "messages": [{"role": "user"}, {"role": "x", "usage": {"input_tokens": -1}}]}),
            serde_json::json!({"version": "1.0", "session": {}, "messages": []}),
            serde_json::json!({"version": "1.0", "session": {"name": "s", "provider": "p", "model": "m"},
                "messages": {"role": "user"}}),
            serde_json::json!([]),
        ] {
            let mut expected: Vec<String> = whole
                .iter_errors(&instance)
                .map(|e| e.instance_path().as_str().to_owned())
                .collect();
            let mut split: Vec<String> = schema_problems(&instance)
                .into_iter()
                .map(|p| p.pointer)
                .collect();
            expected.sort();
            split.sort();
            assert_eq!(split, expected, "{instance}");
        }
    }

    #[test]
    fn large_values_are_named_not_dumped() {
        let instance = serde_json::json!({
            "version": "1.0",
            "session": {"name": "s", "provider": "p", "model": "m"},
            "messages": {"role": "user", "content": "x".repeat(1000)}
        });
        let problems = schema_problems(&instance);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.len() < 100, "{}", problems[0].message);
        assert!(
            problems[0].message.contains("the object"),
            "{}",
            problems[0].message
        );
    }
}
