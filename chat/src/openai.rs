//! OpenAI's chat completions API, as OpenAI and every compatible server (Ollama, llama.cpp,
//! vLLM, LM Studio) speak it.
//!
//! Streaming asks for `stream_options.include_usage`, so the last chunk carries token usage; a
//! server that ignores the option just leaves usage unknown. The stream is complete at
//! `data: [DONE]`, or once a choice has a `finish_reason` (some servers close without `[DONE]`).

use std::collections::BTreeMap;
use std::io::BufReader;
use std::ops::ControlFlow;
use std::time::Duration;

use confab_core::ToolCall;
use serde::Serialize;
use serde_json::Value;
use ureq::http::Response;

use crate::error::ChatError;
use crate::history::{Speaker, WireMessage, to_json, turns};
use crate::provider::{ApiKey, invalid};
use crate::reply::{ChatRequest, Reply, text_at, tool_arguments, usage};
use crate::sse::Events;

/// The request: path under the base URL, headers, JSON body.
pub(crate) fn request(
    request: &ChatRequest<'_>,
    key: Option<&ApiKey>,
) -> (&'static str, Vec<(&'static str, String)>, Vec<u8>) {
    let messages: Vec<WireMessage<'_>> = turns(request.messages)
        .into_iter()
        .map(|turn| WireMessage {
            role: match turn.speaker {
                Speaker::System => "system",
                Speaker::User => "user",
                Speaker::Assistant => "assistant",
            },
            content: turn.text,
        })
        .collect();
    let body = Body {
        model: request.model,
        messages,
        stream: request.stream,
        stream_options: request.stream.then_some(StreamOptions {
            include_usage: true,
        }),
        max_tokens: request.max_tokens,
    };
    let headers = key
        .map(|key| vec![("authorization", format!("Bearer {}", key.expose()))])
        .unwrap_or_default();
    ("/chat/completions", headers, to_json(&body))
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
}

#[derive(Serialize)]
struct StreamOptions {
    include_usage: bool,
}

/// A whole (non-streamed) answer.
pub(crate) fn reply(body: &Value) -> Result<Reply, String> {
    let choice = body.pointer("/choices/0").ok_or("it has no /choices/0")?;
    let message = choice
        .get("message")
        .ok_or("it has no /choices/0/message")?;
    let tool_calls = message
        .get("tool_calls")
        .and_then(Value::as_array)
        .map(|calls| {
            calls
                .iter()
                .map(|call| ToolCall {
                    id: text_at(call, "/id"),
                    name: text_at(call, "/function/name"),
                    arguments: tool_arguments(&text_at(call, "/function/arguments")),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Reply {
        text: text_at(message, "/content"),
        model: body.get("model").and_then(Value::as_str).map(str::to_owned),
        usage: body.get("usage").and_then(usage_of),
        tool_calls,
        stop_reason: choice
            .get("finish_reason")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// A streamed answer, `on_text` called with each piece of text.
pub(crate) fn read_stream(
    response: Response<ureq::Body>,
    url: &str,
    timeout: Duration,
    on_text: &mut impl FnMut(&str) -> ControlFlow<()>,
) -> Result<Reply, ChatError> {
    let mut events = Events::new(BufReader::new(response.into_body().into_reader()));
    let mut stream = Stream::default();
    loop {
        let event = events
            .next_event()
            .map_err(|error| crate::http::classify_io(url, error, timeout))?;
        let Some(event) = event else { break };
        if event.data.trim() == "[DONE]" {
            stream.done = true;
            break;
        }
        let chunk: Value = serde_json::from_str(&event.data)
            .map_err(|error| invalid(url, format!("a streamed chunk is not JSON ({error})")))?;
        if let Some(message) = crate::http::provider_error(&chunk) {
            return Err(ChatError::Provider { message });
        }
        if let Some(text) = stream.add(&chunk)
            && on_text(&text).is_break()
        {
            return Err(ChatError::Cancelled);
        }
    }
    if !stream.done && stream.reply.stop_reason.is_none() {
        return Err(ChatError::Truncated {
            url: url.to_owned(),
        });
    }
    Ok(stream.finish())
}

/// An answer being put together from chunks.
#[derive(Default)]
struct Stream {
    reply: Reply,
    /// Tool calls by their index in the stream: id, name, arguments so far.
    calls: BTreeMap<u64, (String, String, String)>,
    done: bool,
}

impl Stream {
    /// Takes in one chunk; returns its text, if it has any.
    fn add(&mut self, chunk: &Value) -> Option<String> {
        if let Some(model) = chunk.get("model").and_then(Value::as_str) {
            self.reply.model = Some(model.to_owned());
        }
        if let Some(usage) = chunk.get("usage").and_then(usage_of) {
            self.reply.usage = Some(usage);
        }
        let choice = chunk.pointer("/choices/0")?;
        if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
            self.reply.stop_reason = Some(reason.to_owned());
        }
        let delta = choice.get("delta")?;
        for call in delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let index = call.get("index").and_then(Value::as_u64).unwrap_or(0);
            let entry = self.calls.entry(index).or_default();
            if let Some(id) = call.get("id").and_then(Value::as_str) {
                entry.0 = id.to_owned();
            }
            if let Some(name) = call.pointer("/function/name").and_then(Value::as_str) {
                entry.1.push_str(name);
            }
            if let Some(arguments) = call.pointer("/function/arguments").and_then(Value::as_str) {
                entry.2.push_str(arguments);
            }
        }
        let text = delta.get("content").and_then(Value::as_str)?;
        if text.is_empty() {
            return None;
        }
        self.reply.text.push_str(text);
        Some(text.to_owned())
    }

    fn finish(mut self) -> Reply {
        self.reply.tool_calls = self
            .calls
            .into_values()
            .map(|(id, name, arguments)| ToolCall {
                id,
                name,
                arguments: tool_arguments(&arguments),
            })
            .collect();
        self.reply
    }
}

fn usage_of(counts: &Value) -> Option<confab_core::TokenUsage> {
    usage(
        counts.get("prompt_tokens").and_then(Value::as_u64),
        counts.get("completion_tokens").and_then(Value::as_u64),
    )
}

#[cfg(test)]
mod tests {
    use confab_core::{Message, Role};
    use serde_json::json;

    use super::*;

    #[test]
    fn the_request_carries_the_whole_history_and_the_key_only_in_a_header() {
        let messages = [
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "Hi"),
            Message::new(Role::Assistant, "Hello"),
            Message::new(Role::User, "Bye"),
        ];
        let chat = ChatRequest {
            model: "gpt-4o",
            messages: &messages,
            max_tokens: Some(100),
            stream: true,
        };
        let key = ApiKey::for_tests("sk-test");
        let (path, headers, body) = request(&chat, Some(&key));
        assert_eq!(path, "/chat/completions");
        assert_eq!(headers, [("authorization", "Bearer sk-test".to_owned())]);
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            body,
            json!({
                "model": "gpt-4o",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": "Hi"},
                    {"role": "assistant", "content": "Hello"},
                    {"role": "user", "content": "Bye"},
                ],
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_tokens": 100,
            })
        );
    }

    #[test]
    fn a_whole_answer_gives_text_usage_and_tool_calls() {
        let body = json!({
            "model": "gpt-4o-2024-08-06",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}]
            }}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
        });
        let reply = reply(&body).expect("parses");
        assert_eq!(reply.text, "");
        assert_eq!(reply.model.as_deref(), Some("gpt-4o-2024-08-06"));
        assert_eq!(reply.usage, usage(Some(12), Some(7)));
        assert_eq!(reply.tool_calls[0].name, "get_weather");
        assert_eq!(reply.tool_calls[0].arguments, json!({"city": "Oslo"}));
        assert_eq!(reply.stop_reason.as_deref(), Some("tool_calls"));
        assert!(super::reply(&json!({"choices": []})).is_err());
    }

    #[test]
    fn streamed_chunks_add_up_to_the_answer() {
        let mut stream = Stream::default();
        let chunks = [
            json!({"model": "m", "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}),
            json!({"model": "m", "choices": [{"index": 0, "delta": {"content": "Hel"}}]}),
            json!({"model": "m", "choices": [{"index": 0, "delta": {"content": "lo", "tool_calls": [
                {"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{\"a\""}}]}}]}),
            json!({"model": "m", "choices": [{"index": 0, "delta": {"tool_calls": [
                {"index": 0, "function": {"arguments": ":1}"}}]}, "finish_reason": "stop"}]}),
            json!({"model": "m", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 2}}),
        ];
        let texts: Vec<String> = chunks
            .iter()
            .filter_map(|chunk| stream.add(chunk))
            .collect();
        assert_eq!(texts, ["Hel", "lo"]);
        let reply = stream.finish();
        assert_eq!(reply.text, "Hello");
        assert_eq!(reply.usage, usage(Some(5), Some(2)));
        assert_eq!(reply.tool_calls[0].arguments, json!({"a": 1}));
        assert_eq!(reply.stop_reason.as_deref(), Some("stop"));
    }
}
