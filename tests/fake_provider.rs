//! A fake AI provider on 127.0.0.1 for `confab chat`'s tests: it answers with scripted responses
//! and records every request, so a test can check both what confab sent and what it kept.
//!
//! The bodies are built to look like what OpenAI and Anthropic really send (ids, object types,
//! the role chunk first, usage last), because a client that only works against a minimal fake
//! would break on the real thing. Each test starts its own server on a free port; there is no
//! shared state between tests.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tiny_http::{Header, Response, Server};

/// What the server does with one request.
pub(crate) enum Reply {
    /// Answer with this status, content type and body.
    Answer {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Answer with a redirect: this status and a `Location` header.
    Redirect { status: u16, location: String },
    /// Accept the request and never answer it (until the server is dropped).
    Silence,
    /// Stream these server-sent events one at a time, `every` apart, from a thread of their own
    /// (the server goes on answering others); stops early when the client goes away.
    Drip {
        events: Vec<String>,
        every: std::time::Duration,
    },
}

/// One request the server received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// The path and query, e.g. `/v1/chat/completions`.
    pub(crate) url: String,
    /// Header names in lowercase, with their values, in the order received.
    pub(crate) headers: Vec<(String, String)>,
    /// The body as JSON (`Value::Null` when it is not JSON).
    pub(crate) body: Value,
}

impl Recorded {
    /// The value of header `name` (lowercase), if it was sent.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The `role` of each message in the body, in order.
    pub(crate) fn roles(&self) -> Vec<String> {
        self.messages()
            .iter()
            .map(|message| message["role"].as_str().unwrap_or("?").to_owned())
            .collect()
    }

    /// The messages in the body.
    pub(crate) fn messages(&self) -> Vec<Value> {
        self.body["messages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Reply>,
    requests: Vec<Recorded>,
}

/// The running server; dropping it stops it.
pub(crate) struct FakeProvider {
    server: Arc<Server>,
    state: Arc<Mutex<State>>,
    port: u16,
}

impl FakeProvider {
    /// Starts a server on a free port of 127.0.0.1, answering in a background thread.
    ///
    /// The thread is never joined: when the tests end the process exits whatever it is doing,
    /// and dropping the provider unblocks it so it ends on its own.
    pub(crate) fn start() -> FakeProvider {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(Mutex::new(State::default()));
        let (thread_server, thread_state) = (Arc::clone(&server), Arc::clone(&state));
        std::thread::Builder::new()
            .name(format!("fake-provider-{port}"))
            .spawn(move || serve(&thread_server, &thread_state))
            .expect("spawn the server thread");
        FakeProvider {
            server,
            state,
            port,
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Queues the reply to the next request not yet answered.
    pub(crate) fn push(&self, reply: Reply) -> &FakeProvider {
        self.lock().script.push_back(reply);
        self
    }

    /// Every request received so far, oldest first.
    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// The only request received so far; fails if there were none or several.
    pub(crate) fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "exactly one request: {requests:#?}");
        requests.into_iter().next().expect("one request")
    }

    /// The most recent request.
    pub(crate) fn last_request(&self) -> Recorded {
        self.requests().pop().expect("at least one request")
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that failed while holding the lock must not hide the next one's message.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn serve(server: &Server, state: &Mutex<State>) {
    // Requests left unanswered on purpose: kept here so that they are not answered on drop.
    let mut silenced = Vec::new();
    for mut request in server.incoming_requests() {
        let mut raw = String::new();
        let body = match request.as_reader().read_to_string(&mut raw) {
            Ok(_) => serde_json::from_str(&raw).unwrap_or(Value::Null),
            Err(_) => Value::Null,
        };
        let recorded = Recorded {
            method: request.method().to_string(),
            url: request.url().to_owned(),
            headers: request
                .headers()
                .iter()
                .map(|header| {
                    (
                        header.field.as_str().as_str().to_ascii_lowercase(),
                        header.value.as_str().to_owned(),
                    )
                })
                .collect(),
            body,
        };
        let reply = {
            let mut state = state
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            state.requests.push(recorded);
            state.script.pop_front()
        };
        match reply {
            Some(Reply::Silence) => silenced.push(request),
            Some(Reply::Drip { events, every }) => {
                std::thread::spawn(move || drip(request, &events, every));
            }
            Some(Reply::Redirect { status, location }) => {
                let header = Header::from_bytes("Location", location).expect("header");
                let response = Response::from_string("moved")
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
            Some(Reply::Answer {
                status,
                content_type,
                body,
            }) => {
                let header = Header::from_bytes("Content-Type", content_type).expect("header");
                let response = Response::from_string(body)
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
            None => {
                let response = Response::from_string(
                    json!({"error": {"message": "fake provider: no scripted reply left", "type": "server_error"}})
                        .to_string(),
                )
                .with_status_code(500);
                let _ = request.respond(response);
            }
        }
    }
}

/// Writes the response by hand, so that every event reaches the socket as soon as it is written.
fn drip(request: tiny_http::Request, events: &[String], every: std::time::Duration) {
    use std::io::Write;
    let mut socket = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    if socket.write_all(head.as_bytes()).is_err() {
        return;
    }
    for event in events {
        std::thread::sleep(every);
        if socket
            .write_all(event.as_bytes())
            .and_then(|()| socket.flush())
            .is_err()
        {
            return;
        }
    }
}

/// An OpenAI stream of `count` pieces of text (`tick 0 `, `tick 1 `, ...), one every `every`,
/// ending normally.
pub(crate) fn openai_drip(model: &str, count: usize, every: std::time::Duration) -> Reply {
    let mut events = vec![openai_chunk(
        model,
        &json!({"role": "assistant", "content": ""}),
        None,
    )];
    events.extend(
        (0..count).map(|n| openai_chunk(model, &json!({"content": format!("tick {n} ")}), None)),
    );
    events.push(openai_chunk(model, &json!({}), Some("stop")));
    events.push(openai_stream_end(model, (1, 1)));
    Reply::Drip { events, every }
}

fn json_reply(status: u16, body: &Value) -> Reply {
    Reply::Answer {
        status,
        content_type: "application/json",
        body: body.to_string(),
    }
}

fn event_stream(body: String) -> Reply {
    Reply::Answer {
        status: 200,
        content_type: "text/event-stream",
        body,
    }
}

/// A whole OpenAI chat completion (`--no-stream`).
pub(crate) fn openai_answer(model: &str, text: &str, usage: (u64, u64)) -> Reply {
    let (prompt, completion) = usage;
    json_reply(
        200,
        &json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_767_225_600,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }),
    )
}

/// A whole OpenAI completion that calls `get_weather` for Oslo instead of answering.
pub(crate) fn openai_tool_call(model: &str, usage: (u64, u64)) -> Reply {
    let (prompt, completion) = usage;
    json_reply(
        200,
        &json!({
            "id": "chatcmpl-2",
            "object": "chat.completion",
            "created": 1_767_225_600,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": null,
                    "tool_calls": [{
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"},
                    }],
                },
                "finish_reason": "tool_calls",
            }],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }),
    )
}

fn openai_chunk(model: &str, delta: &Value, finish_reason: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_767_225_600,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    });
    format!("data: {chunk}\n\n")
}

/// The start of an OpenAI stream: the role chunk, then one chunk per piece of text.
fn openai_pieces(model: &str, pieces: &[&str]) -> String {
    let mut body = openai_chunk(model, &json!({"role": "assistant", "content": ""}), None);
    for piece in pieces {
        body.push_str(&openai_chunk(model, &json!({"content": piece}), None));
    }
    body
}

/// A complete OpenAI stream (`stream_options.include_usage`): the pieces, the `stop` chunk,
/// the usage chunk and `[DONE]`.
pub(crate) fn openai_stream(model: &str, pieces: &[&str], usage: (u64, u64)) -> Reply {
    let mut body = openai_pieces(model, pieces);
    body.push_str(&openai_chunk(model, &json!({}), Some("stop")));
    body.push_str(&openai_stream_end(model, usage));
    event_stream(body)
}

/// The usage chunk and `[DONE]` that end an OpenAI stream.
fn openai_stream_end(model: &str, usage: (u64, u64)) -> String {
    let (prompt, completion) = usage;
    let usage = json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_767_225_600,
        "model": model,
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    });
    format!("data: {usage}\n\ndata: [DONE]\n\n")
}

/// A streamed OpenAI answer that calls `get_weather` for Oslo, its arguments in two pieces.
pub(crate) fn openai_tool_call_stream(model: &str, usage: (u64, u64)) -> Reply {
    let mut body = openai_chunk(
        model,
        &json!({"role": "assistant", "content": null, "tool_calls": [{
            "index": 0, "id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }]}),
        None,
    );
    for piece in ["{\"city\":", "\"Oslo\"}"] {
        body.push_str(&openai_chunk(
            model,
            &json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
            None,
        ));
    }
    body.push_str(&openai_chunk(model, &json!({}), Some("tool_calls")));
    body.push_str(&openai_stream_end(model, usage));
    event_stream(body)
}

/// An OpenAI stream that ends in the middle: pieces of text, then the connection closes with no
/// `finish_reason`, no usage and no `[DONE]`.
pub(crate) fn openai_truncated_stream(model: &str, pieces: &[&str]) -> Reply {
    event_stream(openai_pieces(model, pieces))
}

/// An OpenAI error, as OpenAI sends it (401 for a bad key, 500, ...).
pub(crate) fn openai_error(status: u16, message: &str) -> Reply {
    let kind = if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    json_reply(
        status,
        &json!({"error": {"message": message, "type": kind, "param": null, "code": null}}),
    )
}

/// A whole Anthropic message (`--no-stream`).
pub(crate) fn anthropic_answer(model: &str, text: &str, usage: (u64, u64)) -> Reply {
    let (input, output) = usage;
    json_reply(
        200,
        &json!({
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": input, "output_tokens": output},
        }),
    )
}

fn anthropic_event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// A complete Anthropic stream: `message_start`, one text block in pieces, `message_delta` with
/// the stop reason and output tokens, `message_stop`.
pub(crate) fn anthropic_stream(model: &str, pieces: &[&str], usage: (u64, u64)) -> Reply {
    let (input, output) = usage;
    let mut body = anthropic_event(
        "message_start",
        &json!({"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": model,
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": input, "output_tokens": 1},
        }}),
    );
    body.push_str(&anthropic_event(
        "content_block_start",
        &json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ));
    body.push_str(&anthropic_event("ping", &json!({"type": "ping"})));
    for piece in pieces {
        body.push_str(&anthropic_event(
            "content_block_delta",
            &json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}),
        ));
    }
    body.push_str(&anthropic_event(
        "content_block_stop",
        &json!({"type": "content_block_stop", "index": 0}),
    ));
    body.push_str(&anthropic_event(
        "message_delta",
        &json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null},
            "usage": {"output_tokens": output}}),
    ));
    body.push_str(&anthropic_event(
        "message_stop",
        &json!({"type": "message_stop"}),
    ));
    event_stream(body)
}

/// An Anthropic error, as Anthropic sends it.
pub(crate) fn anthropic_error(status: u16, message: &str) -> Reply {
    let kind = if status == 401 {
        "authentication_error"
    } else {
        "api_error"
    };
    json_reply(
        status,
        &json!({"type": "error", "error": {"type": kind, "message": message}}),
    )
}
