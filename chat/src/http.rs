//! The HTTP layer both APIs share: one agent per provider, error statuses turned into the
//! provider's own message, and network failures sorted into what a user can act on.
//!
//! Redirects are never followed. The HTTP client would follow a redirect of a POST as a GET to
//! wherever the server points, with every header but `Authorization` still on it, so a
//! provider (or anyone in between) could send Anthropic's `x-api-key` to another origin. No API
//! confab speaks redirects a request, so a redirect is an error that says where it points, and
//! the user decides whether that is the `base_url` to configure.

use std::io;
use std::time::Duration;

use serde_json::Value;
use ureq::http::Response;

use crate::bound::Exceeded;
use crate::endpoint::{Endpoint, hide_credentials};
use crate::error::ChatError;
use crate::provider::AnswerLimits;

/// How much of an error body is read for its message.
const MAX_ERROR_BODY: u64 = 64 << 10;

/// What bounds a request: the silence allowed, and the answer's size and duration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wait {
    pub(crate) timeout: Duration,
    pub(crate) limits: AnswerLimits,
}

/// An agent whose every wait is bounded by `timeout` (connecting, waiting for the answer to
/// start, and each read while it streams, so a long answer that keeps coming is not cut off but
/// a server that goes silent is) and whose whole request is bounded by `max_duration`. It
/// follows no redirect.
pub(crate) fn agent(timeout: Duration, max_duration: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(max_duration))
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
    endpoint: &Endpoint,
    headers: &[(&'static str, String)],
    body: &[u8],
    wait: Wait,
) -> Result<Response<ureq::Body>, ChatError> {
    let mut request = agent
        .post(&endpoint.url)
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request
        .send(body)
        .map_err(|error| classify(endpoint, error, wait))?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        let location = response
            .headers()
            .get("location")
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        return Err(ChatError::Redirected {
            url: endpoint.shown.clone(),
            status,
            location: location.map(|location| hide_credentials(&location).into_owned()),
        });
    }
    if !(200..300).contains(&status) {
        let text = response
            .into_body()
            .with_config()
            .limit(MAX_ERROR_BODY)
            .read_to_string()
            .unwrap_or_default();
        return Err(ChatError::Status {
            url: endpoint.shown.clone(),
            status,
            message: error_message(&text),
        });
    }
    Ok(response)
}

/// Reads a whole JSON answer, at most the answer size limit.
pub(crate) fn read_json(
    response: Response<ureq::Body>,
    endpoint: &Endpoint,
    wait: Wait,
) -> Result<Value, ChatError> {
    let text = response
        .into_body()
        .with_config()
        .limit(wait.limits.max_size)
        .read_to_string()
        .map_err(|error| classify(endpoint, error, wait))?;
    serde_json::from_str(&text).map_err(|error| ChatError::InvalidResponse {
        url: endpoint.shown.clone(),
        reason: format!("the body is not JSON ({error})"),
    })
}

/// Sorts a failure of the network layer into what the user can act on.
pub(crate) fn classify(endpoint: &Endpoint, error: ureq::Error, wait: Wait) -> ChatError {
    let url = endpoint.shown.clone();
    match error {
        ureq::Error::Timeout(ureq::Timeout::Global) => ChatError::TookTooLong {
            url,
            limit: wait.limits.max_duration,
        },
        ureq::Error::Timeout(_) => ChatError::Timeout {
            url,
            after: wait.timeout,
        },
        ureq::Error::Io(io) => classify_io(endpoint, io, wait),
        ureq::Error::BodyExceedsLimit(limit) => ChatError::TooLarge { url, limit },
        ureq::Error::Protocol(protocol) => ChatError::InvalidResponse {
            url,
            reason: endpoint.scrub(&protocol.to_string()),
        },
        ureq::Error::HostNotFound => ChatError::Unreachable {
            url,
            reason: "the host name does not resolve".to_owned(),
        },
        other => ChatError::Unreachable {
            url,
            reason: endpoint.scrub(&other.to_string()),
        },
    }
}

/// Sorts an I/O error met while reading a streamed answer.
pub(crate) fn classify_io(endpoint: &Endpoint, error: io::Error, wait: Wait) -> ChatError {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<ureq::Error>())
    {
        return classify(endpoint, ureq::Error::from(error), wait);
    }
    let url = endpoint.shown.clone();
    match error.get_ref().and_then(|inner| inner.downcast_ref()) {
        Some(Exceeded::Size(limit)) => return ChatError::TooLarge { url, limit: *limit },
        Some(Exceeded::Silence(after)) => return ChatError::Timeout { url, after: *after },
        None => {}
    }
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ChatError::Timeout {
            url,
            after: wait.timeout,
        },
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
            ChatError::Truncated { url }
        }
        io::ErrorKind::InvalidData => ChatError::InvalidResponse {
            url,
            reason: endpoint.scrub(&error.to_string()),
        },
        _ => ChatError::Unreachable {
            url,
            reason: endpoint.scrub(&error.to_string()),
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
