//! `llm logs --json` to one checkpoint per conversation.

use std::collections::HashMap;

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, TokenUsage, ToolCall};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, UNKNOWN_MODEL, json_error, provider_of_model, titled_name, unique_names,
    without_bom,
};

/// One logged response, and when it was sent.
struct Response<'a> {
    object: &'a Map<String, Value>,
    time: Option<Timestamp>,
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<DecodeOutcome>, DecodeError> {
    let bytes = without_bom(bytes);
    let document: Value = serde_json::from_slice(bytes).map_err(|error| json_error(&error))?;
    let Value::Array(responses) = document else {
        return Err(DecodeError::new(
            "expected a JSON array of responses, as `llm logs --json` prints them",
        ));
    };
    let mut conversations: Vec<Vec<Response<'_>>> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut unreadable_times = 0;
    for (index, response) in responses.iter().enumerate() {
        let Some(object) = response.as_object() else {
            return Err(DecodeError::new(format!(
                "response {} is not a JSON object",
                index + 1
            )));
        };
        let time = logged_time(object.get("datetime_utc"));
        if time.is_none() && object.get("datetime_utc").is_some_and(|t| !t.is_null()) {
            unreadable_times += 1;
        }
        let key = match text_of(object, "conversation_id") {
            Some(id) => id.to_owned(),
            // A response logged without a conversation is one of its own.
            None => format!("\u{0}response {index}"),
        };
        let group = *by_id.entry(key).or_insert_with(|| {
            conversations.push(Vec::new());
            conversations.len() - 1
        });
        conversations[group].push(Response { object, time });
    }
    for conversation in &mut conversations {
        // Stable: responses logged at the same time keep the file's order.
        conversation.sort_by_key(|response| response.time);
    }
    conversations.sort_by_key(|conversation| conversation.first().and_then(|first| first.time));
    let mut outcomes = Vec::new();
    for (index, conversation) in conversations.iter().enumerate() {
        if let Some(outcome) = decode_conversation(index + 1, conversation)? {
            outcomes.push(outcome);
        }
    }
    if unreadable_times > 0
        && let Some(first) = outcomes.first_mut()
    {
        first.notes.push(format!(
            "{unreadable_times} responses have a datetime_utc that could not be read; they were ordered as if sent first"
        ));
    }
    unique_names(&mut outcomes);
    Ok(outcomes)
}

fn text_of<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// `datetime_utc`: RFC 3339, or without an offset as older versions of llm wrote it (UTC).
fn logged_time(value: Option<&Value>) -> Option<Timestamp> {
    let text = value?.as_str()?;
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Some(timestamp);
    }
    let civil = text.parse::<jiff::civil::DateTime>().ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
}

fn count(value: Option<&Value>) -> Option<u64> {
    value?.as_u64()
}

/// The usage of one response: llm's counts, and what `token_details` adds to them.
fn usage(response: &Map<String, Value>, notes: &mut Notes) -> Option<TokenUsage> {
    let details = match response.get("token_details") {
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(details) => details,
            Err(_) => {
                notes.tally("token_details that are not JSON ignored");
                Value::Null
            }
        },
        Some(details @ Value::Object(_)) => details.clone(),
        _ => Value::Null,
    };
    let first = |pointers: &[&str]| {
        pointers
            .iter()
            .find_map(|pointer| count(details.pointer(pointer)))
    };
    let usage = TokenUsage {
        input_tokens: count(response.get("input_tokens")),
        output_tokens: count(response.get("output_tokens")),
        cached_input_tokens: first(&[
            "/prompt_tokens_details/cached_tokens",
            "/input_tokens_details/cached_tokens",
            "/cache_read_input_tokens",
            "/cachedContentTokenCount",
        ]),
        cache_write_tokens: first(&["/cache_creation_input_tokens"]),
        reasoning_tokens: first(&[
            "/completion_tokens_details/reasoning_tokens",
            "/output_tokens_details/reasoning_tokens",
            "/thoughtsTokenCount",
        ]),
    };
    (usage != TokenUsage::default()).then_some(usage)
}

#[derive(Debug, Default)]
struct Decoder {
    notes: Notes,
    messages: Vec<Message>,
    system: Option<String>,
    /// Calls not answered yet, oldest first: `(id, tool name)`.
    pending: Vec<(String, String)>,
    generated_ids: usize,
}

fn decode_conversation(
    position: usize,
    responses: &[Response<'_>],
) -> Result<Option<DecodeOutcome>, DecodeError> {
    let Some(first) = responses.first() else {
        return Ok(None);
    };
    let mut decoder = Decoder::default();
    for response in responses {
        decoder.response(response);
    }
    let pending = std::mem::take(&mut decoder.pending);
    for (_, name) in pending {
        decoder
            .notes
            .tally(format!("calls to {name:?} without a logged result"));
    }
    if decoder.messages.is_empty() {
        return Ok(None);
    }
    let title = text_of(first.object, "conversation_name");
    let id = text_of(first.object, "conversation_id");
    let name = titled_name(crate::NAME, title, id)
        .unwrap_or_else(|| format!("{}-{position}", crate::NAME));
    let mut metadata = Map::new();
    if let Some(title) = title {
        metadata.insert("title".into(), Value::from(title));
    }
    if let Some(id) = id {
        metadata.insert("conversation_id".into(), Value::from(id));
    }
    let model = text_of(first.object, "conversation_model")
        .or_else(|| text_of(first.object, "model"))
        .map(str::to_owned);
    let model = match model {
        Some(model) => model,
        None => {
            decoder
                .notes
                .add("the logs name no model; the session's model is \"unknown\"");
            UNKNOWN_MODEL.to_owned()
        }
    };
    let provider = match provider_of_model(&model) {
        Some(provider) => provider,
        None => {
            decoder.notes.add(format!(
                "llm does not log which provider served {model:?}; the session's provider is \"unknown\""
            ));
            "unknown"
        }
    };
    let envelope = Envelope {
        name,
        provider,
        model,
        context: Context::default(),
        metadata,
        created_at: None,
        updated_at: None,
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, decoder.messages, decoder.notes)
        .map(Some)
}

impl Decoder {
    fn response(&mut self, response: &Response<'_>) {
        let object = response.object;
        let sent = response.time;
        if let Some(system) = text_of(object, "system")
            && self.system.as_deref() != Some(system)
        {
            let mut message = Message::new(Role::System, system);
            message.created_at = sent;
            self.messages.push(message);
            self.system = Some(system.to_owned());
        }
        for (key, what) in [
            ("system_fragments", "system fragments"),
            ("prompt_fragments", "prompt fragments"),
        ] {
            let fragments = object
                .get(key)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for _ in 0..fragments {
                self.notes.tally(format!(
                    "{what} (-f) not imported (`llm logs --json` cuts them short without --expand)"
                ));
            }
        }
        for result in object
            .get("tool_results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.result(result, sent);
        }
        let mut prompt = object
            .get("prompt")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        for attachment in object
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let named = ["path", "url", "type"]
                .iter()
                .find_map(|key| attachment.get(*key).and_then(Value::as_str))
                .unwrap_or("a file");
            if !prompt.is_empty() {
                prompt.push('\n');
            }
            prompt.push_str(&format!("[attachment omitted: {named}]"));
            self.notes
                .tally("attachments (not in the logs) replaced by [attachment omitted: PATH]");
        }
        if !prompt.trim().is_empty() {
            let mut message = Message::new(Role::User, prompt);
            message.created_at = sent;
            self.messages.push(message);
        }
        if text_of(object, "reasoning").is_some() {
            self.notes
                .tally("reasoning texts (the model's thinking) not imported");
        }
        let text = object
            .get("response")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let calls: Vec<ToolCall> = object
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|call| self.call(call))
            .collect();
        if text.trim().is_empty() && calls.is_empty() {
            self.notes
                .tally("responses without text or tool calls skipped");
            return;
        }
        let mut answer = Message::new(Role::Assistant, text);
        let duration = object
            .get("duration_ms")
            .and_then(Value::as_i64)
            .map(SignedDuration::from_millis);
        answer.created_at = match (sent, duration) {
            (Some(sent), Some(duration)) => sent.checked_add(duration).ok().or(Some(sent)),
            (sent, _) => sent,
        };
        answer.model = text_of(object, "resolved_model")
            .or_else(|| text_of(object, "model"))
            .map(str::to_owned);
        answer.usage = usage(object, &mut self.notes);
        answer.tool_calls = calls;
        self.messages.push(answer);
    }

    fn call(&mut self, call: &Value) -> Option<ToolCall> {
        let Some(name) = call
            .get("name")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
        else {
            self.notes.tally("tool calls without a name skipped");
            return None;
        };
        let id = match call.get("tool_call_id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => {
                self.generated_ids += 1;
                format!("call_{}", self.generated_ids)
            }
        };
        let arguments = match call.get("arguments") {
            // Some plugins log the arguments as the JSON text the model wrote.
            Some(Value::String(text)) => {
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
            }
            Some(arguments) => arguments.clone(),
            None => Value::Null,
        };
        self.pending.push((id.clone(), name.to_owned()));
        Some(ToolCall {
            id,
            name: name.to_owned(),
            arguments,
        })
    }

    fn result(&mut self, result: &Value, sent: Option<Timestamp>) {
        let name = result.get("name").and_then(Value::as_str).unwrap_or("");
        let id = result
            .get("tool_call_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        let position = match id {
            Some(id) => self.pending.iter().position(|(pending, _)| pending == id),
            None => self.pending.iter().position(|(_, tool)| tool == name),
        };
        let answered = position.map(|position| self.pending.remove(position).0);
        let tool_call_id = id.map(str::to_owned).or(answered);
        if tool_call_id.is_none() {
            self.notes
                .tally("tool results that answer no call imported without a tool_call_id");
        }
        let mut content = result
            .get("output")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        if let Some(exception) = result
            .get("exception")
            .and_then(Value::as_str)
            .filter(|exception| !exception.is_empty())
        {
            if !content.is_empty() {
                content.push('\n');
            }
            content.push_str(&format!("error: {exception}"));
        }
        let mut message = Message::new(Role::Tool, content);
        message.created_at = sent;
        message.tool_call_id = tool_call_id;
        self.messages.push(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_without_an_offset_are_utc() {
        let time = |text: &str| logged_time(Some(&Value::from(text))).map(|t| t.to_string());
        assert_eq!(
            time("2023-07-11T15:29:34.685868").as_deref(),
            Some("2023-07-11T15:29:34.685868Z")
        );
        assert_eq!(
            time("2026-12-03T17:34:43.160530+00:00").as_deref(),
            Some("2026-12-03T17:34:43.16053Z")
        );
        assert_eq!(time("yesterday"), None);
    }
}
