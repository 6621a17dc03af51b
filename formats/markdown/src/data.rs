//! The data a report template renders: the checkpoint, as a JSON export spells it.
//!
//! Templates see exactly the keys of a JSON export (`session.name`, `messages`, `statistics`, ...)
//! so that what a user sees in `confab sessions export NAME -o x.json` is what a template can
//! use. Two differences, both to make templates easy to write:
//!
//! - every optional key is present, as `null` (or `false`, or `[]` for lists) when the session
//!   has no value, so that strict rendering fails only on names that really do not exist;
//! - each message also has `index` (its position, from 0) and `number` (from 1), which stay
//!   right when a template filters messages.
//!
//! `docs/templates.md` shows the full data of an example session; a test keeps it exact.

use confab_core::{Checkpoint, Message};
use serde_json::{Map, Value};

/// The template data of `checkpoint`.
pub fn template_data(checkpoint: &Checkpoint) -> Value {
    let messages = checkpoint
        .messages
        .iter()
        .enumerate()
        .map(|(index, message)| message_data(index, message))
        .collect();
    root_data(checkpoint, Value::Array(messages))
}

/// The template data of `checkpoint` with `messages` in place of its messages: a streamed
/// render supplies each message's data itself, one at a time (see `stream`).
pub(crate) fn root_data(checkpoint: &Checkpoint, messages: Value) -> Value {
    // Field by field rather than through `serde_json::to_value(checkpoint)`, which would copy
    // every message; the order is the checkpoint's, as a JSON export writes it.
    let mut root = Map::new();
    root.insert(
        "version".to_owned(),
        Value::from(checkpoint.version.as_str()),
    );
    if let Some(at) = &checkpoint.exported_at {
        root.insert("exported_at".to_owned(), to_value(at));
    }
    if let Some(by) = &checkpoint.exported_by {
        root.insert("exported_by".to_owned(), Value::from(by.as_str()));
    }
    root.insert("session".to_owned(), to_value(&checkpoint.session));
    root.insert("messages".to_owned(), messages);
    if let Some(context) = &checkpoint.context {
        root.insert("context".to_owned(), to_value(context));
    }
    if let Some(statistics) = &checkpoint.statistics {
        root.insert("statistics".to_owned(), to_value(statistics));
    }
    fill(
        &mut root,
        &["exported_at", "exported_by", "context", "statistics"],
        Value::Null,
    );
    if let Some(Value::Object(session)) = root.get_mut("session") {
        fill(
            session,
            &[
                "skill",
                "project_path",
                "created_at",
                "updated_at",
                "metadata",
            ],
            Value::Null,
        );
    }
    if let Some(Value::Object(context)) = root.get_mut("context") {
        fill(
            context,
            &["project_instructions", "working_directory"],
            Value::Null,
        );
        fill(context, &["files_accessed"], Value::Array(Vec::new()));
    }
    if let Some(Value::Object(statistics)) = root.get_mut("statistics") {
        fill(
            statistics,
            &["total_tokens", "tool_calls", "usage"],
            Value::Null,
        );
        if let Some(Value::Object(usage)) = statistics.get_mut("usage") {
            fill(usage, USAGE_COUNTS, Value::Null);
        }
    }
    Value::Object(root)
}

/// The counts of a `usage` object, each present in template data (null when unknown), so a
/// template can test any of them without a strict-mode error.
const USAGE_COUNTS: &[&str] = &[
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
];

/// The template data of message number `index` (from 0).
pub fn message_data(index: usize, message: &Message) -> Value {
    let mut data = to_value(message);
    let Some(object) = data.as_object_mut() else {
        return data;
    };
    fill(
        object,
        &["created_at", "model", "provider", "usage", "tool_call_id"],
        Value::Null,
    );
    fill(object, &["archived"], Value::Bool(false));
    fill(object, &["tool_calls"], Value::Array(Vec::new()));
    if let Some(Value::Object(usage)) = object.get_mut("usage") {
        fill(usage, USAGE_COUNTS, Value::Null);
    }
    if let Some(Value::Array(calls)) = object.get_mut("tool_calls") {
        for call in calls.iter_mut().filter_map(Value::as_object_mut) {
            fill(call, &["arguments"], Value::Null);
        }
    }
    object.insert("index".to_owned(), Value::from(index));
    object.insert("number".to_owned(), Value::from(index + 1));
    data
}

/// `value` as JSON; the checkpoint's types always convert (their maps have string keys).
fn to_value(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn fill(object: &mut Map<String, Value>, keys: &[&str], value: Value) {
    for key in keys {
        object.entry(*key).or_insert_with(|| value.clone());
    }
}
