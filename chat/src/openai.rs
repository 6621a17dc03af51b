//! OpenAI's chat completions API, as OpenAI and every compatible server (Ollama, llama.cpp,
//! vLLM, LM Studio) speak it.
//!
//! Streaming asks for `stream_options.include_usage`, so the last chunk carries token usage; a
//! server that ignores the option just leaves usage unknown. The stream is complete at
//! `data: [DONE]`, or once a choice has a `finish_reason` (some servers close without `[DONE]`).

use std::collections::BTreeMap;

use confab_core::ToolCall;
use serde::Serialize;
use serde_json::Value;

use crate::history::{Speaker, WireMessage, to_json, turns};
use crate::provider::ApiKey;
use crate::reply::{ChatRequest, PartialCall, Reply, text_at, tool_arguments, usage};
use crate::stream::Fold;

/// The request: path under the base URL, headers, JSON body.
/// `official` is OpenAI itself, which wants the token limit as `max_completion_tokens`.
pub(crate) fn request(
    request: &ChatRequest<'_>,
    key: Option<&ApiKey>,
    official: bool,
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
        max_tokens: request.max_tokens.filter(|_| !official),
        max_completion_tokens: request.max_tokens.filter(|_| official),
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
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
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

/// An answer being put together from chunks.
#[derive(Default)]
pub(crate) struct Stream {
    reply: Reply,
    /// Tool calls by their `index` in the stream.
    calls: BTreeMap<u64, PartialCall>,
    /// Usage came with or after the finish reason: the last chunk before `[DONE]`.
    finished: bool,
}

impl Fold for Stream {
    fn add(&mut self, chunk: &Value) -> Option<String> {
        if let Some(model) = chunk.get("model").and_then(Value::as_str) {
            self.reply.model = Some(model.to_owned());
        }
        let choice = chunk.pointer("/choices/0");
        if let Some(reason) = choice
            .and_then(|choice| choice.get("finish_reason"))
            .and_then(Value::as_str)
        {
            self.reply.stop_reason = Some(reason.to_owned());
        }
        if let Some(usage) = chunk.get("usage").and_then(usage_of) {
            self.reply.usage = Some(usage);
            self.finished = self.reply.stop_reason.is_some();
        }
        let delta = choice?.get("delta")?;
        for call in delta
            .get("tool_calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.add_call(call);
        }
        let text = delta.get("content").and_then(Value::as_str)?;
        if text.is_empty() {
            return None;
        }
        self.reply.text.push_str(text);
        Some(text.to_owned())
    }

    /// Complete at a finish reason, for servers that close without `[DONE]`.
    fn is_complete(&self) -> bool {
        self.reply.stop_reason.is_some()
    }

    /// Finished once usage comes with or after the finish reason (`stream_options.include_usage`
    /// puts it last); else `[DONE]` or the end of the stream finishes it.
    fn is_finished(&self) -> bool {
        self.finished
    }

    fn finish(mut self) -> Reply {
        self.reply.tool_calls = self.calls.into_values().map(PartialCall::finish).collect();
        self.reply
    }
}

impl Stream {
    /// One tool-call delta. OpenAI sends the id and name once, then the arguments in pieces, all
    /// under one `index`; some compatible servers send each call whole and leave the index out,
    /// so a new id without an index starts a new call.
    fn add_call(&mut self, call: &Value) {
        let id = call
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        let index = match call.get("index").and_then(Value::as_u64) {
            Some(index) => index,
            None => match (id, self.calls.last_key_value()) {
                (Some(id), Some((last, partial))) if partial.id != id => last + 1,
                (_, Some((last, _))) => *last,
                (_, None) => 0,
            },
        };
        let partial = self.calls.entry(index).or_default();
        if let Some(id) = id {
            partial.id = id.to_owned();
        }
        if let Some(name) = call.pointer("/function/name").and_then(Value::as_str)
            && !name.is_empty()
        {
            partial.name = name.to_owned();
        }
        if let Some(arguments) = call.pointer("/function/arguments").and_then(Value::as_str) {
            partial.arguments.push_str(arguments);
        }
    }
}

/// Token usage as OpenAI counts it: the cached part of the prompt and the reasoning part of the
/// completion are inside the two totals (see `TokenUsage`).
fn usage_of(counts: &Value) -> Option<confab_core::TokenUsage> {
    let count = |pointer: &str| counts.pointer(pointer).and_then(Value::as_u64);
    usage(count("/prompt_tokens"), count("/completion_tokens")).map(|usage| {
        confab_core::TokenUsage {
            cached_input_tokens: count("/prompt_tokens_details/cached_tokens"),
            reasoning_tokens: count("/completion_tokens_details/reasoning_tokens"),
            ..usage
        }
    })
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
        let (path, headers, body) = request(&chat, Some(&key), false);
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
    fn openai_itself_gets_the_token_limit_as_max_completion_tokens() {
        let messages = [Message::new(Role::User, "Hi")];
        let chat = ChatRequest {
            model: "o3",
            messages: &messages,
            max_tokens: Some(50),
            stream: false,
        };
        let (_, _, body) = request(&chat, None, true);
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(body["max_completion_tokens"], json!(50));
        assert_eq!(body.get("max_tokens"), None);
    }

    #[test]
    fn tool_calls_sent_whole_or_with_repeated_names_stay_apart_and_whole() {
        let mut stream = Stream::default();
        // No index, each call whole (as some compatible servers send them).
        stream.add(&json!({"choices": [{"delta": {"tool_calls": [
            {"id": "a", "function": {"name": "f", "arguments": "{}"}}]}}]}));
        stream.add(&json!({"choices": [{"delta": {"tool_calls": [
            {"id": "b", "function": {"name": "g", "arguments": "{\"x\":1}"}}]}}]}));
        // An index, and the name repeated in every delta.
        stream.add(&json!({"choices": [{"delta": {"tool_calls": [
            {"index": 7, "id": "c", "function": {"name": "h", "arguments": "[1,"}}]}}]}));
        stream.add(&json!({"choices": [{"delta": {"tool_calls": [
            {"index": 7, "function": {"name": "h", "arguments": "2]"}}]}}]}));
        let calls: Vec<(String, String, Value)> = stream
            .finish()
            .tool_calls
            .into_iter()
            .map(|call| (call.id, call.name, call.arguments))
            .collect();
        assert_eq!(
            calls,
            [
                ("a".into(), "f".into(), json!({})),
                ("b".into(), "g".into(), json!({"x": 1})),
                ("c".into(), "h".into(), json!([1, 2])),
            ]
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
