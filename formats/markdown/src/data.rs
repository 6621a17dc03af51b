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

use confab_core::Checkpoint;
use serde_json::{Map, Value};

/// The template data of `checkpoint`.
pub fn template_data(checkpoint: &Checkpoint) -> Value {
    let mut data = serde_json::to_value(checkpoint).unwrap_or(Value::Null);
    let Some(root) = data.as_object_mut() else {
        return data;
    };
    fill(
        root,
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
        fill(statistics, &["total_tokens", "tool_calls"], Value::Null);
    }
    if let Some(Value::Array(messages)) = root.get_mut("messages") {
        for (index, message) in messages.iter_mut().enumerate() {
            let Some(message) = message.as_object_mut() else {
                continue;
            };
            fill(
                message,
                &["created_at", "model", "provider", "usage", "tool_call_id"],
                Value::Null,
            );
            fill(message, &["archived"], Value::Bool(false));
            fill(message, &["tool_calls"], Value::Array(Vec::new()));
            if let Some(Value::Object(usage)) = message.get_mut("usage") {
                fill(usage, &["input_tokens", "output_tokens"], Value::Null);
            }
            if let Some(Value::Array(calls)) = message.get_mut("tool_calls") {
                for call in calls.iter_mut().filter_map(Value::as_object_mut) {
                    fill(call, &["arguments"], Value::Null);
                }
            }
            message.insert("index".to_owned(), Value::from(index));
            message.insert("number".to_owned(), Value::from(index + 1));
        }
    }
    data
}

fn fill(object: &mut Map<String, Value>, keys: &[&str], value: Value) {
    for key in keys {
        object.entry(*key).or_insert_with(|| value.clone());
    }
}
