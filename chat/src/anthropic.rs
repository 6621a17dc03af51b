//! Anthropic's Messages API.
//!
//! Instructions go in the top-level `system` field rather than among the messages, a token limit
//! is required ([`DEFAULT_MAX_TOKENS`] unless set), and a streamed answer is a sequence of named
//! events: `message_start` (model, input tokens), content blocks of text or tool use built from
//! deltas, `message_delta` (stop reason, output tokens) and `message_stop`, which marks the answer
//! complete. An `error` event mid-stream (an overloaded server, say) fails the request.

use std::collections::BTreeMap;

use confab_core::ToolCall;
use serde::Serialize;
use serde_json::Value;

use crate::history::{Speaker, WireMessage, split_system, to_json, turns};
use crate::provider::ApiKey;
use crate::reply::{ChatRequest, PartialCall, Reply, text_at};
use crate::stream::Fold;

/// The token limit of an answer when the settings give none: the API requires one.
pub(crate) const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The API version confab speaks (`anthropic-version` header).
const API_VERSION: &str = "2023-06-01";

/// The request: path under the base URL, headers, JSON body.
pub(crate) fn request(
    request: &ChatRequest<'_>,
    key: Option<&ApiKey>,
) -> (&'static str, Vec<(&'static str, String)>, Vec<u8>) {
    let (system, turns) = split_system(turns(request.messages));
    let messages: Vec<WireMessage<'_>> = turns
        .into_iter()
        .map(|turn| WireMessage {
            role: match turn.speaker {
                Speaker::Assistant => "assistant",
                Speaker::User | Speaker::System => "user",
            },
            content: turn.text,
        })
        .collect();
    let body = Body {
        model: request.model,
        max_tokens: request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        system,
        messages,
        stream: request.stream.then_some(true),
    };
    let mut headers = vec![("anthropic-version", API_VERSION.to_owned())];
    if let Some(key) = key {
        headers.push(("x-api-key", key.expose().to_owned()));
    }
    ("/v1/messages", headers, to_json(&body))
}

#[derive(Serialize)]
struct Body<'a> {
    model: &'a str,
    max_tokens: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<String>,
    messages: Vec<WireMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<bool>,
}

/// A whole (non-streamed) answer.
pub(crate) fn reply(body: &Value) -> Result<Reply, String> {
    let blocks = body
        .get("content")
        .and_then(Value::as_array)
        .ok_or("it has no /content array")?;
    let mut reply = Reply {
        model: body.get("model").and_then(Value::as_str).map(str::to_owned),
        usage: body.get("usage").and_then(|usage| usage_of(usage, None)),
        stop_reason: body
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_owned),
        ..Reply::default()
    };
    for block in blocks {
        match block.get("type").and_then(Value::as_str) {
            Some("text") => reply.text.push_str(&text_at(block, "/text")),
            Some("tool_use") => reply.tool_calls.push(ToolCall {
                id: text_at(block, "/id"),
                name: text_at(block, "/name"),
                arguments: block.get("input").cloned().unwrap_or(Value::Null),
            }),
            _ => {}
        }
    }
    Ok(reply)
}

/// An answer being put together from events.
#[derive(Default)]
pub(crate) struct Stream {
    reply: Reply,
    started: Option<confab_core::TokenUsage>,
    /// Tool-use blocks by their content block index.
    calls: BTreeMap<u64, PartialCall>,
    done: bool,
}

impl Fold for Stream {
    fn add(&mut self, event: &Value) -> Option<String> {
        match event.get("type").and_then(Value::as_str)? {
            "message_start" => {
                let message = event.get("message")?;
                self.reply.model = message
                    .get("model")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                self.started = message.get("usage").and_then(|usage| usage_of(usage, None));
                None
            }
            "content_block_start" => {
                let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
                let block = event.get("content_block")?;
                match block.get("type").and_then(Value::as_str)? {
                    "tool_use" => {
                        let call = PartialCall {
                            id: text_at(block, "/id"),
                            name: text_at(block, "/name"),
                            arguments: String::new(),
                        };
                        self.calls.insert(index, call);
                        None
                    }
                    "text" => self.text(&text_at(block, "/text")),
                    _ => None,
                }
            }
            "content_block_delta" => {
                let index = event.get("index").and_then(Value::as_u64).unwrap_or(0);
                let delta = event.get("delta")?;
                match delta.get("type").and_then(Value::as_str)? {
                    "text_delta" => self.text(&text_at(delta, "/text")),
                    "input_json_delta" => {
                        let call = self.calls.get_mut(&index)?;
                        call.arguments.push_str(&text_at(delta, "/partial_json"));
                        None
                    }
                    _ => None,
                }
            }
            "message_delta" => {
                if let Some(reason) = event.pointer("/delta/stop_reason").and_then(Value::as_str) {
                    self.reply.stop_reason = Some(reason.to_owned());
                }
                if let Some(usage) = event.get("usage") {
                    self.reply.usage = usage_of(usage, self.started);
                }
                None
            }
            "message_stop" => {
                self.done = true;
                None
            }
            _ => None,
        }
    }

    fn is_complete(&self) -> bool {
        self.done
    }

    /// `message_stop` is the last event of an answer.
    fn is_finished(&self) -> bool {
        self.done
    }

    fn finish(mut self) -> Reply {
        if self.reply.usage.is_none() {
            self.reply.usage = self.started;
        }
        self.reply.tool_calls = self.calls.into_values().map(PartialCall::finish).collect();
        self.reply
    }
}

impl Stream {
    fn text(&mut self, text: &str) -> Option<String> {
        if text.is_empty() {
            return None;
        }
        self.reply.text.push_str(text);
        Some(text.to_owned())
    }
}

/// Token usage as Anthropic counts it: `input_tokens` is the uncached input, the cache's reads
/// and writes come apart (see `TokenUsage`). `started` fills in what a streamed
/// `message_delta` leaves out, which `message_start` reported.
fn usage_of(
    usage: &Value,
    started: Option<confab_core::TokenUsage>,
) -> Option<confab_core::TokenUsage> {
    let count = |key: &str| usage.get(key).and_then(Value::as_u64);
    let started = started.unwrap_or_default();
    let usage = confab_core::TokenUsage {
        input_tokens: count("input_tokens").or(started.input_tokens),
        output_tokens: count("output_tokens").or(started.output_tokens),
        cached_input_tokens: count("cache_read_input_tokens").or(started.cached_input_tokens),
        cache_write_tokens: count("cache_creation_input_tokens").or(started.cache_write_tokens),
        reasoning_tokens: None,
    };
    (usage != confab_core::TokenUsage::default()).then_some(usage)
}

#[cfg(test)]
mod tests {
    use confab_core::{Message, Role};
    use serde_json::json;

    use super::*;
    use crate::reply::usage;

    #[test]
    fn instructions_go_in_system_and_a_token_limit_is_always_set() {
        let messages = [
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "Hi"),
        ];
        let chat = ChatRequest {
            model: "claude-sonnet-4-5",
            messages: &messages,
            max_tokens: None,
            stream: false,
        };
        let key = ApiKey::for_tests("sk-ant");
        let (path, headers, body) = request(&chat, Some(&key));
        assert_eq!(path, "/v1/messages");
        assert!(headers.contains(&("x-api-key", "sk-ant".to_owned())));
        assert!(headers.contains(&("anthropic-version", API_VERSION.to_owned())));
        let body: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            body,
            json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": DEFAULT_MAX_TOKENS,
                "system": "Be brief.",
                "messages": [{"role": "user", "content": "Hi"}],
            })
        );
    }

    #[test]
    fn a_whole_answer_gives_text_usage_and_tool_calls() {
        let body = json!({
            "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
            "content": [
                {"type": "text", "text": "Checking."},
                {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}
            ],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 4}
        });
        let reply = reply(&body).expect("parses");
        assert_eq!(reply.text, "Checking.");
        let expected = confab_core::TokenUsage {
            input_tokens: Some(10),
            output_tokens: Some(4),
            cached_input_tokens: Some(5),
            ..Default::default()
        };
        assert_eq!(reply.usage, Some(expected));
        assert_eq!(reply.tool_calls[0].arguments, json!({"city": "Oslo"}));
        assert_eq!(reply.stop_reason.as_deref(), Some("tool_use"));
    }

    #[test]
    fn streamed_events_add_up_to_the_answer() {
        let events = [
            json!({"type": "message_start", "message": {"model": "claude-x", "usage": {"input_tokens": 9, "output_tokens": 1}}}),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            json!({"type": "ping"}),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
            json!({"type": "content_block_stop", "index": 0}),
            json!({"type": "content_block_start", "index": 1, "content_block": {"type": "tool_use", "id": "t", "name": "f", "input": {}}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "{\"a\":"}}),
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "input_json_delta", "partial_json": "2}"}}),
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 6}}),
            json!({"type": "message_stop"}),
        ];
        let mut stream = Stream::default();
        let texts: Vec<String> = events
            .iter()
            .filter_map(|event| stream.add(event))
            .collect();
        assert_eq!(texts, ["Hi"]);
        assert!(stream.done);
        let reply = stream.finish();
        assert_eq!(reply.model.as_deref(), Some("claude-x"));
        assert_eq!(reply.usage, usage(Some(9), Some(6)));
        assert_eq!(reply.tool_calls[0].arguments, json!({"a": 2}));
    }
}
