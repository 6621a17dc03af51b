//! The HTTP layer both APIs share: one agent per provider, error statuses turned into the
//! provider's own message, and network failures sorted into what a user can act on.

use std::io;
use std::time::Duration;

use serde_json::Value;
use ureq::http::Response;

use crate::error::ChatError;

/// The largest whole (non-streamed) answer read. Answers are kilobytes; the limit only stops a
/// broken server from filling memory.
const MAX_BODY: u64 = 64 << 20;

/// How much of an error body is read for its message.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// An agent whose every wait is bounded by `timeout`: connecting, waiting for the answer to
/// start, and each read while it streams (so a long answer that keeps coming is never cut off,
/// but a server that goes silent is).
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(timeout.min(Duration::from_secs(30))))
        .timeout_recv_response(Some(timeout))
        .timeout_per_read(Some(timeout))
        .user_agent(concat!("confab/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// POSTs a JSON body; a response is returned only for a 2xx status.
pub(crate) fn post_json(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&'static str, String)],
    body: &[u8],
    timeout: Duration,
) -> Result<Response<ureq::Body>, ChatError> {
    let mut request = agent.post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request
        .send(body)
        .map_err(|error| classify(url, error, timeout))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        let text = response
            .into_body()
            .with_config()
            .limit(MAX_ERROR_BODY)
            .read_to_string()
            .unwrap_or_default();
        return Err(ChatError::Status {
            url: url.to_owned(),
            status,
            message: error_message(&text),
        });
    }
    Ok(response)
}

/// Reads a whole JSON answer.
pub(crate) fn read_json(
    response: Response<ureq::Body>,
    url: &str,
    timeout: Duration,
) -> Result<Value, ChatError> {
    let text = response
        .into_body()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|error| classify(url, error, timeout))?;
    serde_json::from_str(&text).map_err(|error| ChatError::InvalidResponse {
        url: url.to_owned(),
        reason: format!("the body is not JSON ({error})"),
    })
}

/// Sorts a failure of the network layer into what the user can act on.
pub(crate) fn classify(url: &str, error: ureq::Error, timeout: Duration) -> ChatError {
    match error {
        ureq::Error::Timeout(_) => ChatError::Timeout {
            url: url.to_owned(),
            after: timeout,
        },
        ureq::Error::Io(io) => classify_io(url, io, timeout),
        ureq::Error::BodyExceedsLimit(limit) => ChatError::InvalidResponse {
            url: url.to_owned(),
            reason: format!("the answer is larger than {limit} bytes"),
        },
        ureq::Error::Protocol(protocol) => ChatError::InvalidResponse {
            url: url.to_owned(),
            reason: protocol.to_string(),
        },
        ureq::Error::HostNotFound => ChatError::Unreachable {
            url: url.to_owned(),
            reason: "the host name does not resolve".to_owned(),
        },
        other => ChatError::Unreachable {
            url: url.to_owned(),
            reason: other.to_string(),
        },
    }
}

/// Sorts an I/O error met while reading a streamed answer.
pub(crate) fn classify_io(url: &str, error: io::Error, timeout: Duration) -> ChatError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<ureq::Error>())
    {
        return classify(url, ureq::Error::from(error), timeout);
    }
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ChatError::Timeout {
            url: url.to_owned(),
            after: timeout,
        },
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => ChatError::Truncated {
            url: url.to_owned(),
        },
        io::ErrorKind::InvalidData => ChatError::InvalidResponse {
            url: url.to_owned(),
            reason: error.to_string(),
        },
        _ => ChatError::Unreachable {
            url: url.to_owned(),
            reason: error.to_string(),
        },
    }
}

/// The message in an error body: `error.message` (OpenAI, Anthropic, most compatible servers),
/// a string `error` (Ollama's own API), `message`, else the start of the body itself.
pub(crate) fn error_message(body: &str) -> String {
    if let Ok(value) = serde_json::from_str::<Value>(body)
        && let Some(message) = provider_error(&value)
    {
        return message;
    }
    let body = body.trim();
    if body.is_empty() {
        return "no error message".to_owned();
    }
    let mut start: String = body.chars().take(300).collect();
    if start.len() < body.len() {
        start.push('…');
    }
    start
}

/// The provider's error message in a JSON value, if it holds one.
pub(crate) fn provider_error(value: &Value) -> Option<String> {
    let error = value.get("error")?;
    if let Some(message) = error.get("message").and_then(Value::as_str) {
        return Some(match error.get("type").and_then(Value::as_str) {
            Some(kind) if !kind.is_empty() => format!("{message} ({kind})"),
            _ => message.to_owned(),
        });
    }
    error.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_come_from_every_providers_shape() {
        assert_eq!(
            error_message(
                r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error"}}"#
            ),
            "Incorrect API key (invalid_request_error)"
        );
        assert_eq!(
            error_message(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            "Overloaded (overloaded_error)"
        );
        assert_eq!(
            error_message(r#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        assert_eq!(
            error_message("<html>Bad Gateway</html>"),
            "<html>Bad Gateway</html>"
        );
        assert_eq!(error_message(""), "no error message");
        assert_eq!(error_message(&"x".repeat(400)).chars().count(), 301);
    }
}
