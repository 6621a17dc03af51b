//! OpenAI Chat Completions `messages` to the checkpoint document.

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, ToolCall};
use serde_json::{Map, Value};

use confab_core::transcript::{Envelope, Notes, fnv1a, json_error, without_bom};

pub(crate) fn decode(bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let bytes = without_bom(bytes);
    let document: Value = serde_json::from_slice(bytes).map_err(|error| json_error(&error))?;
    let mut decoder = Decoder::default();
    let (items, model) = match &document {
        Value::Array(items) => (items, None),
        Value::Object(body) => {
            if body.contains_key("version") && body.contains_key("session") {
                return Err(DecodeError::new(
                    "this is a confab checkpoint, not an OpenAI request; import it with --format json",
                ));
            }
            let Some(Value::Array(items)) = body.get("messages") else {
                return Err(DecodeError::new(
                    "expected a JSON array of messages, or an object with a `messages` array",
                ));
            };
            if let Some(tools) = body.get("tools").and_then(Value::as_array) {
                decoder.notes.add(format!(
                    "the request's {} tool definitions were not imported",
                    tools.len()
                ));
            }
            let model = body
                .get("model")
                .and_then(Value::as_str)
                .filter(|model| !model.trim().is_empty());
            (items, model)
        }
        _ => {
            return Err(DecodeError::new(
                "expected a JSON array of messages, or an object with a `messages` array",
            ));
        }
    };
    for (index, item) in items.iter().enumerate() {
        decoder.message(index + 1, item)?;
    }
    let model = match model {
        Some(model) => model.to_owned(),
        None => {
            decoder
                .notes
                .add("the input names no model; the session's model is \"unknown\"");
            "unknown".to_owned()
        }
    };
    // The Chat Completions shape is spoken by every provider's compatible endpoint; the model's
    // name tells who served it (a Claude model through a gateway is Anthropic's).
    let provider = confab_core::transcript::provider_of_model(&model).unwrap_or("openai");
    let envelope = Envelope {
        name: format!("openai-{:08x}", fnv1a(bytes)),
        provider,
        model,
        context: Context::default(),
        metadata: Map::new(),
        created_at: None,
        updated_at: None,
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, decoder.messages, decoder.notes)
}

#[derive(Debug, Default)]
struct Decoder {
    notes: Notes,
    messages: Vec<Message>,
    /// Tool calls given an id here because the input had none, for `call_N`.
    generated_ids: usize,
    /// The id given to the last legacy `function_call`, answered by the next `function` message.
    pending_function_call: Option<String>,
}

impl Decoder {
    /// Decodes message number `number` (from 1, as the notes name it).
    fn message(&mut self, number: usize, item: &Value) -> Result<(), DecodeError> {
        let Some(object) = item.as_object() else {
            return Err(DecodeError::new(format!(
                "message {number} is not a JSON object"
            )));
        };
        let Some(role_name) = object.get("role").and_then(Value::as_str) else {
            self.notes
                .add(format!("message {number} has no role and was skipped"));
            return Ok(());
        };
        let role = match role_name {
            "system" => Role::System,
            "developer" => {
                self.notes
                    .tally("developer messages imported as system messages");
                Role::System
            }
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" | "function" => Role::Tool,
            other => {
                self.notes.add(format!(
                    "message {number} has the unknown role {other:?} and was skipped"
                ));
                return Ok(());
            }
        };
        let mut message = Message::new(role, self.content(number, object.get("content")));
        if let Some(name) = object.get("name").and_then(Value::as_str)
            && role_name != "function"
        {
            self.notes.add(format!(
                "message {number}: the participant name {name:?} is not kept"
            ));
        }
        match role_name {
            "assistant" => self.assistant(number, object, &mut message),
            "tool" => {
                message.tool_call_id = object
                    .get("tool_call_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if message.tool_call_id.is_none() {
                    self.notes.add(format!(
                        "message {number} is a tool result without a tool_call_id"
                    ));
                }
            }
            "function" => {
                self.notes
                    .tally("legacy `function` messages imported as tool messages");
                message.tool_call_id = self.pending_function_call.take();
            }
            _ => {}
        }
        self.messages.push(message);
        Ok(())
    }

    fn assistant(&mut self, number: usize, object: &Map<String, Value>, message: &mut Message) {
        if let Some(refusal) = object.get("refusal").and_then(Value::as_str)
            && message.content.is_empty()
        {
            message.content = refusal.to_owned();
            self.notes
                .tally("assistant refusals kept as the message text");
        }
        if object.get("audio").is_some_and(|audio| !audio.is_null()) {
            self.notes.tally("assistant audio replies not imported");
        }
        if let Some(calls) = object.get("tool_calls").and_then(Value::as_array) {
            for call in calls {
                if let Some(call) = self.tool_call(number, call) {
                    message.tool_calls.push(call);
                }
            }
        }
        if let Some(call) = object.get("function_call").and_then(Value::as_object) {
            let name = call.get("name").and_then(Value::as_str).unwrap_or("");
            if name.is_empty() {
                self.notes.add(format!(
                    "message {number}: a function_call without a name was skipped"
                ));
            } else {
                let id = self.generated_id();
                self.notes
                    .tally("legacy function_call fields imported as tool calls");
                self.pending_function_call = Some(id.clone());
                message.tool_calls.push(ToolCall {
                    id,
                    name: name.to_owned(),
                    arguments: arguments(call.get("arguments")),
                });
            }
        }
    }

    fn tool_call(&mut self, number: usize, call: &Value) -> Option<ToolCall> {
        let kind = call
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("function");
        let (name, arguments) = match kind {
            "function" => {
                let function = call.get("function");
                (
                    function.and_then(|f| f.get("name")).and_then(Value::as_str),
                    arguments(function.and_then(|f| f.get("arguments"))),
                )
            }
            "custom" => {
                let custom = call.get("custom");
                (
                    custom.and_then(|c| c.get("name")).and_then(Value::as_str),
                    custom
                        .and_then(|c| c.get("input"))
                        .cloned()
                        .unwrap_or(Value::Null),
                )
            }
            other => {
                self.notes.add(format!(
                    "message {number}: a tool call of type {other:?} was skipped"
                ));
                return None;
            }
        };
        let Some(name) = name.filter(|name| !name.is_empty()) else {
            self.notes.add(format!(
                "message {number}: a tool call without a name was skipped"
            ));
            return None;
        };
        let id = match call.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => {
                self.notes
                    .tally("tool calls without an id, given a generated one");
                self.generated_id()
            }
        };
        Some(ToolCall {
            id,
            name: name.to_owned(),
            arguments,
        })
    }

    fn generated_id(&mut self) -> String {
        self.generated_ids += 1;
        format!("call_{}", self.generated_ids)
    }

    /// The text of a `content` field: a string, null, or an array of parts.
    fn content(&mut self, number: usize, content: Option<&Value>) -> String {
        match content {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(parts)) => {
                let texts: Vec<String> = parts.iter().filter_map(|part| self.part(part)).collect();
                texts.join("\n")
            }
            Some(other) => {
                self.notes.add(format!(
                    "message {number}: the content is neither text nor a list of parts; kept as JSON text"
                ));
                other.to_string()
            }
        }
    }

    fn part(&mut self, part: &Value) -> Option<String> {
        let kind = part.get("type").and_then(Value::as_str);
        match kind {
            Some("text") | None => match part.get("text").and_then(Value::as_str) {
                Some(text) => Some(text.to_owned()),
                None => {
                    self.notes.tally("unreadable content parts skipped");
                    None
                }
            },
            Some("refusal") => part
                .get("refusal")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Some(other) => {
                self.notes.tally(format!(
                    "{other} parts replaced by the placeholder [{other} omitted]"
                ));
                Some(format!("[{other} omitted]"))
            }
        }
    }
}

/// Tool call arguments: OpenAI sends a string of JSON; one that does not parse stays a string.
fn arguments(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(text)) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}
