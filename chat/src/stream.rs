//! A streamed answer: server-sent events folded into a [`Reply`], whatever the API.
//!
//! Both APIs stream JSON events and differ only in what an event means, so the loop is written
//! once: read an event, stop at a provider error, let the API's [`Fold`] take it in, hand any
//! new text to the caller. The answer counts only if the stream says it is complete (OpenAI's
//! `[DONE]` or a finish reason, Anthropic's `message_stop`); a connection that closes before
//! that is [`ChatError::Truncated`], never a shorter answer.

use std::io::BufReader;
use std::ops::ControlFlow;
use std::time::Duration;

use serde_json::Value;
use ureq::http::Response;

use crate::error::ChatError;
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
    /// The answer.
    fn finish(self) -> Reply;
}

/// Reads the events of `response` into `fold`, calling `on_text` with each piece of text.
pub(crate) fn read<F: Fold>(
    response: Response<ureq::Body>,
    url: &str,
    timeout: Duration,
    mut fold: F,
    on_text: &mut impl FnMut(&str) -> ControlFlow<()>,
) -> Result<Reply, ChatError> {
    let mut events = Events::new(BufReader::new(response.into_body().into_reader()));
    let mut done = false;
    while let Some(event) = events
        .next_event()
        .map_err(|error| crate::http::classify_io(url, error, timeout))?
    {
        if event.data.trim() == DONE {
            done = true;
            break;
        }
        let data: Value = serde_json::from_str(&event.data).map_err(|error| {
            crate::provider::invalid(url, format!("a streamed event is not JSON ({error})"))
        })?;
        if let Some(message) = crate::http::provider_error(&data) {
            return Err(ChatError::Provider { message });
        }
        if let Some(text) = fold.add(&data)
            && on_text(&text).is_break()
        {
            return Err(ChatError::Cancelled);
        }
    }
    if done || fold.is_complete() {
        Ok(fold.finish())
    } else {
        Err(ChatError::Truncated {
            url: url.to_owned(),
        })
    }
}
