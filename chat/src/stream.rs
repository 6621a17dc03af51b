//! A streamed answer: server-sent events folded into a [`Reply`], whatever the API.
//!
//! Both APIs stream JSON events and differ only in what an event means, so the loop is written
//! once: read an event, stop at a provider error, let the API's [`Fold`] take it in, hand any
//! new text to the caller. The answer counts only if the stream says it is complete (OpenAI's
//! `[DONE]` or a finish reason, Anthropic's `message_stop`); a connection that closes before
//! that is [`ChatError::Truncated`], never a shorter answer.
//!
//! Reading stops as soon as the answer says it is finished (`[DONE]`, `message_stop`, OpenAI's
//! usage after the finish reason): whatever a server sends after that is not read. The body is
//! read through [`Bounded`], which fails a stream past the answer size limit and one that brings
//! no content (only comments and `ping` events, or nothing) for the provider's timeout; the
//! request's whole duration is the HTTP client's to bound. A stream that fails after its answer
//! was complete (a server that closes badly, or idles after the finish reason) gives that answer.

use std::io::{BufReader, Read};
use std::ops::ControlFlow;

use serde_json::Value;

use crate::bound::Bounded;
use crate::endpoint::Endpoint;
use crate::error::ChatError;
use crate::http::Wait;
use crate::reply::Reply;
use crate::sse::Events;

/// The data of OpenAI's last event, which is not JSON.
const DONE: &str = "[DONE]";

/// What an API makes of the events of one answer.
pub(crate) trait Fold {
    /// Takes in one event's JSON; returns the text it adds, if any.
    fn add(&mut self, event: &Value) -> Option<String>;
    /// Whether the events so far make a complete answer.
    fn is_complete(&self) -> bool;
    /// Whether the answer says nothing more is to come, so reading can stop.
    fn is_finished(&self) -> bool;
    /// The answer.
    fn finish(self) -> Reply;
}

/// Reads the events of `body` into `fold`, calling `on_text` with each piece of text.
pub(crate) fn read<F: Fold>(
    body: impl Read,
    endpoint: &Endpoint,
    wait: Wait,
    mut fold: F,
    on_text: &mut impl FnMut(&str) -> ControlFlow<()>,
) -> Result<Reply, ChatError> {
    let body = Bounded::new(body, wait.limits.max_size, wait.timeout);
    let mut events = Events::new(BufReader::new(body));
    loop {
        let event = match events.next_event() {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(_) if fold.is_complete() => return Ok(fold.finish()),
            Err(error) => return Err(crate::http::classify_io(endpoint, error, wait)),
        };
        if event.data.trim() == DONE {
            return Ok(fold.finish());
        }
        let data: Value = serde_json::from_str(&event.data).map_err(|error| {
            crate::provider::invalid(
                &endpoint.shown,
                format!("a streamed event is not JSON ({error})"),
            )
        })?;
        if let Some(message) = crate::http::provider_error(&data) {
            return Err(ChatError::Provider { message });
        }
        if !is_keep_alive(&data) {
            events.get_mut().get_mut().content();
        }
        if let Some(text) = fold.add(&data)
            && on_text(&text).is_break()
        {
            return Err(ChatError::Cancelled);
        }
        if fold.is_finished() {
            return Ok(fold.finish());
        }
    }
    if fold.is_complete() {
        Ok(fold.finish())
    } else {
        Err(ChatError::Truncated {
            url: endpoint.shown.clone(),
        })
    }
}

/// An event that only keeps the connection open: Anthropic's `ping`. (Comments and events
/// without data never reach here.)
fn is_keep_alive(data: &Value) -> bool {
    data.get("type").and_then(Value::as_str) == Some("ping")
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::time::Duration;

    use super::*;
    use crate::provider::AnswerLimits;

    fn wait(timeout: Duration, max_size: u64) -> Wait {
        Wait {
            timeout,
            limits: AnswerLimits {
                max_size,
                ..AnswerLimits::default()
            },
        }
    }

    fn endpoint() -> Endpoint {
        Endpoint::new("http://127.0.0.1:9/v1/chat/completions".to_owned())
    }

    /// `chunk` `left` times, each read taking `pause`: a server that goes on and on (far past
    /// the bound under test, but not forever, so that a broken bound fails the test).
    struct Endless {
        chunk: &'static [u8],
        pause: Duration,
        left: usize,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Ok(0);
            }
            self.left -= 1;
            std::thread::sleep(self.pause);
            let len = buf.len().min(self.chunk.len());
            buf[..len].copy_from_slice(&self.chunk[..len]);
            Ok(len)
        }
    }

    /// A reader that must never be read: what comes after the end of an answer.
    struct Untouchable;

    impl Read for Untouchable {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            panic!("read past the end of the answer")
        }
    }

    fn openai(body: impl Read, wait: Wait) -> Result<Reply, ChatError> {
        read(
            body,
            &endpoint(),
            wait,
            crate::openai::Stream::default(),
            &mut |_| ControlFlow::Continue(()),
        )
    }

    #[test]
    fn keep_alives_without_content_time_out() {
        let body = Endless {
            chunk: b": keep-alive\n\n",
            pause: Duration::from_millis(5),
            left: 200,
        };
        let error = openai(body, wait(Duration::from_millis(100), 1 << 20)).expect_err("times out");
        assert!(matches!(error, ChatError::Timeout { .. }), "{error:?}");
        let pings = Endless {
            chunk: b"event: ping\ndata: {\"type\":\"ping\"}\n\n",
            pause: Duration::from_millis(5),
            left: 200,
        };
        let error = read(
            pings,
            &endpoint(),
            wait(Duration::from_millis(100), 1 << 20),
            crate::anthropic::Stream::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .expect_err("times out");
        assert!(matches!(error, ChatError::Timeout { .. }), "{error:?}");
    }

    #[test]
    fn an_endless_answer_stops_at_the_size_limit() {
        let body = Endless {
            chunk: b"data: {\"choices\":[{\"delta\":{\"content\":\"more \"}}]}\n\n",
            pause: Duration::ZERO,
            left: 10_000,
        };
        let error = openai(body, wait(Duration::from_secs(60), 64 << 10)).expect_err("too large");
        assert!(
            matches!(error, ChatError::TooLarge { limit, .. } if limit == 64 << 10),
            "{error:?}"
        );
    }

    #[test]
    fn reading_stops_where_the_answer_says_it_is_finished() {
        let anthropic = concat!(
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"c\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,",
            "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
        );
        let reply = read(
            anthropic.as_bytes().chain(Untouchable),
            &endpoint(),
            wait(Duration::from_secs(60), 1 << 20),
            crate::anthropic::Stream::default(),
            &mut |_| ControlFlow::Continue(()),
        )
        .expect("complete");
        assert_eq!(reply.text, "Hi");
        let openai_text = concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n",
        );
        let reply = openai(
            openai_text.as_bytes().chain(Untouchable),
            wait(Duration::from_secs(60), 1 << 20),
        )
        .expect("complete");
        assert_eq!(
            (reply.text.as_str(), reply.stop_reason.as_deref()),
            ("Hi", Some("stop"))
        );
        let done = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
        let reply = openai(
            done.as_bytes().chain(Untouchable),
            wait(Duration::from_secs(60), 1 << 20),
        )
        .expect("complete");
        assert_eq!(reply.text, "Hi");
    }

    #[test]
    fn a_complete_answer_survives_a_server_that_idles_after_it() {
        let finished =
            "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n";
        let idle = Endless {
            chunk: b": keep-alive\n\n",
            pause: Duration::from_millis(5),
            left: 200,
        };
        let reply = openai(
            finished.as_bytes().chain(idle),
            wait(Duration::from_millis(100), 1 << 20),
        )
        .expect("the answer was complete");
        assert_eq!(reply.text, "Hi");
    }
}
