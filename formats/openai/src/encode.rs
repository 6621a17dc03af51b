//! A checkpoint to an OpenAI Chat Completions request body.

use confab_core::{Checkpoint, Message, Role, ToolCall};
use serde_json::{Map, Value};

/// `{"model": ..., "messages": [...]}`, the part of a request body that is the conversation.
pub(crate) fn request_body(checkpoint: &Checkpoint) -> Value {
    let mut body = Map::new();
    body.insert(
        "model".into(),
        Value::String(checkpoint.session.model.clone()),
    );
    body.insert(
        "messages".into(),
        Value::Array(checkpoint.messages.iter().map(message).collect()),
    );
    Value::Object(body)
}

fn message(message: &Message) -> Value {
    let mut out = Map::new();
    out.insert("role".into(), Value::from(message.role.as_str()));
    // An assistant turn that only calls tools has `null` content in OpenAI's own transcripts.
    let content = if message.role == Role::Assistant
        && message.content.is_empty()
        && !message.tool_calls.is_empty()
    {
        Value::Null
    } else {
        Value::String(message.content.clone())
    };
    out.insert("content".into(), content);
    if message.role == Role::Assistant && !message.tool_calls.is_empty() {
        out.insert(
            "tool_calls".into(),
            Value::Array(message.tool_calls.iter().map(tool_call).collect()),
        );
    }
    if message.role == Role::Tool
        && let Some(id) = &message.tool_call_id
    {
        out.insert("tool_call_id".into(), Value::String(id.clone()));
    }
    Value::Object(out)
}

fn tool_call(call: &ToolCall) -> Value {
    let arguments = match &call.arguments {
        // The decoder keeps arguments that were not JSON as a string: give them back as they were.
        Value::String(text) => text.clone(),
        Value::Null => "{}".to_owned(),
        other => other.to_string(),
    };
    let mut function = Map::new();
    function.insert("name".into(), Value::String(call.name.clone()));
    function.insert("arguments".into(), Value::String(arguments));
    let mut out = Map::new();
    out.insert("id".into(), Value::String(call.id.clone()));
    out.insert("type".into(), Value::from("function"));
    out.insert("function".into(), Value::Object(function));
    Value::Object(out)
}
