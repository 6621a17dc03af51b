//! Where a provider is, how to authenticate to it, and sending it a request.

use std::fmt;
use std::ops::ControlFlow;
use std::time::Duration;

use crate::endpoint::{Endpoint, hide_credentials};
use crate::error::{ChatError, ConnectError};
use crate::reply::{ChatRequest, Reply};
use crate::{anthropic, openai, stream};

/// How long to wait for a provider: to connect, for an answer to start, and between two pieces
/// of a streamed answer. Local models can take minutes to load, hence generous.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The longest wait a provider's settings can ask for; longer ones are cut to it (a wait beyond
/// what a clock can add to "now" would otherwise be an overflow).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How large and how long one answer may be, whatever the server does.
///
/// [`ProviderSpec::timeout`] stops a server that goes quiet, but not one that keeps talking: an
/// endless stream, or keep-alives with no answer in them. These stop that: an answer (its raw
/// bytes, streamed or whole) is at most `max_size`, and a request takes at most `max_duration`
/// from connecting to the answer's last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerLimits {
    /// The most bytes read of an answer.
    pub max_size: u64,
    /// The longest a whole request may take, the answer included.
    pub max_duration: Duration,
}

impl AnswerLimits {
    /// 64 MiB: a long answer streamed is a few megabytes of events.
    pub const DEFAULT_MAX_SIZE: u64 = 64 << 20;
    /// An hour: a slow local model writing a long answer takes minutes, not hours.
    pub const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(60 * 60);
}

impl Default for AnswerLimits {
    fn default() -> AnswerLimits {
        AnswerLimits {
            max_size: AnswerLimits::DEFAULT_MAX_SIZE,
            max_duration: AnswerLimits::DEFAULT_MAX_DURATION,
        }
    }
}

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// OpenAI's chat completions (`POST {base_url}/chat/completions`), also served by Ollama,
    /// llama.cpp, vLLM and LM Studio.
    OpenAi,
    /// Anthropic's Messages API (`POST {base_url}/v1/messages`).
    Anthropic,
}

impl Api {
    /// Every API, for messages that list them.
    pub const ALL: [Api; 2] = [Api::OpenAi, Api::Anthropic];

    /// The name used in settings: `openai` or `anthropic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::OpenAi => "openai",
            Api::Anthropic => "anthropic",
        }
    }

    /// The API named `name` in settings.
    pub fn parse(name: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|api| api.as_str() == name)
    }
}

/// A provider's settings: everything needed to reach it, nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSpec {
    /// The provider's name, as sessions record it (`openai`, `ollama`, `my-vllm`, ...).
    pub name: String,
    /// The protocol it speaks.
    pub api: Api,
    /// Where it is, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`.
    pub base_url: String,
    /// The environment variable holding its API key; `None` for servers that need none.
    pub api_key_env: Option<String>,
    /// The model used when neither the command line nor the session names one.
    pub model: Option<String>,
    /// The most tokens an answer may have.
    pub max_tokens: Option<u32>,
    /// See [`DEFAULT_TIMEOUT`].
    pub timeout: Duration,
    /// How large and how long an answer may be.
    pub limits: AnswerLimits,
}

impl ProviderSpec {
    /// The providers confab knows without settings, sorted by name.
    pub const BUILTIN: [&'static str; 4] = ["anthropic", "google", "ollama", "openai"];

    /// A provider confab knows without settings: `openai` (key in `OPENAI_API_KEY`),
    /// `anthropic` (key in `ANTHROPIC_API_KEY`), `google` (Gemini through its OpenAI-compatible
    /// endpoint, key in `GEMINI_API_KEY`: the provider of sessions imported from Gemini CLI) or
    /// `ollama` (a local server, no key).
    pub fn builtin(name: &str) -> Option<ProviderSpec> {
        let (api, base_url, key, model, max_tokens) = match name {
            "openai" => (
                Api::OpenAi,
                "https://api.openai.com/v1",
                Some("OPENAI_API_KEY"),
                "gpt-4o-mini",
                None,
            ),
            "anthropic" => (
                Api::Anthropic,
                "https://api.anthropic.com",
                Some("ANTHROPIC_API_KEY"),
                "claude-sonnet-4-5",
                Some(anthropic::DEFAULT_MAX_TOKENS),
            ),
            "google" => (
                Api::OpenAi,
                "https://generativelanguage.googleapis.com/v1beta/openai",
                Some("GEMINI_API_KEY"),
                "gemini-2.5-flash",
                None,
            ),
            "ollama" => (
                Api::OpenAi,
                "http://localhost:11434/v1",
                None,
                "llama3.2",
                None,
            ),
            _ => return None,
        };
        Some(ProviderSpec {
            name: name.to_owned(),
            api,
            base_url: base_url.to_owned(),
            api_key_env: key.map(str::to_owned),
            model: Some(model.to_owned()),
            max_tokens,
            timeout: DEFAULT_TIMEOUT,
            limits: AnswerLimits::default(),
        })
    }

    /// A provider ready to send requests, its key read through `env` (the process environment
    /// in the binary, a map in tests).
    pub fn connect(&self, env: impl Fn(&str) -> Option<String>) -> Result<Provider, ConnectError> {
        let base_url = self.base_url.trim_end_matches('/');
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(ConnectError::InvalidBaseUrl {
                provider: self.name.clone(),
                url: hide_credentials(&self.base_url).into_owned(),
            });
        }
        let key = match &self.api_key_env {
            None => None,
            Some(variable) => match env(variable).filter(|key| !key.trim().is_empty()) {
                Some(key) => Some(ApiKey(key.trim().to_owned())),
                None => {
                    return Err(ConnectError::MissingKey {
                        provider: self.name.clone(),
                        variable: variable.clone(),
                    });
                }
            },
        };
        let timeout = self.timeout.clamp(Duration::from_secs(1), MAX_TIMEOUT);
        let limits = AnswerLimits {
            max_size: self.limits.max_size.max(1),
            max_duration: self
                .limits
                .max_duration
                .clamp(Duration::from_secs(1), MAX_TIMEOUT),
        };
        Ok(Provider {
            name: self.name.clone(),
            api: self.api,
            base_url: base_url.to_owned(),
            key,
            max_tokens: self.max_tokens,
            timeout,
            limits,
            agent: crate::http::agent(timeout, limits.max_duration),
            official_openai: self.api == Api::OpenAi
                && base_url.starts_with("https://api.openai.com/"),
        })
    }
}

/// An API key. Its `Debug` hides it, so no log or error message can show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key itself, for a request header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    #[cfg(test)]
    pub(crate) fn for_tests(key: &str) -> ApiKey {
        ApiKey(key.to_owned())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// A provider, connected: settings resolved, key read, HTTP agent built.
#[derive(Debug, Clone)]
pub struct Provider {
    name: String,
    api: Api,
    base_url: String,
    key: Option<ApiKey>,
    max_tokens: Option<u32>,
    timeout: Duration,
    limits: AnswerLimits,
    agent: ureq::Agent,
    /// OpenAI itself, which takes the token limit as `max_completion_tokens` (its reasoning
    /// models refuse `max_tokens`); compatible servers know only `max_tokens`.
    official_openai: bool,
}

impl Provider {
    /// The provider's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The token limit the provider's settings give answers, if any.
    pub fn max_tokens(&self) -> Option<u32> {
        self.max_tokens
    }

    /// The request as it will go on the wire. Owns everything it needs, so it can be sent from
    /// another thread while this one stays free to notice Ctrl-C.
    pub fn prepare(&self, request: &ChatRequest<'_>) -> PreparedRequest {
        let (path, headers, body) = match self.api {
            Api::OpenAi => openai::request(request, self.key.as_ref(), self.official_openai),
            Api::Anthropic => anthropic::request(request, self.key.as_ref()),
        };
        PreparedRequest {
            api: self.api,
            endpoint: Endpoint::new(format!("{}{path}", self.base_url)),
            headers,
            body,
            stream: request.stream,
            timeout: self.timeout,
            limits: self.limits,
            agent: self.agent.clone(),
        }
    }
}

/// A request ready to send. Its `Debug` shows header names only (two of them carry the key)
/// and the URL without credentials.
pub struct PreparedRequest {
    api: Api,
    endpoint: Endpoint,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    stream: bool,
    timeout: Duration,
    limits: AnswerLimits,
    agent: ureq::Agent,
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("PreparedRequest")
            .field("api", &self.api)
            .field("url", &self.endpoint.shown)
            .field("headers", &headers)
            .field("body_bytes", &self.body.len())
            .field("stream", &self.stream)
            .field("timeout", &self.timeout)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl PreparedRequest {
    /// The endpoint the request goes to, as it may be shown: any credentials in the configured
    /// base URL are hidden.
    #[expect(
        clippy::misnamed_getters,
        reason = "the URL to show is the one without credentials, on purpose"
    )]
    pub fn url(&self) -> &str {
        &self.endpoint.shown
    }

    /// Sends the request. `on_text` sees the answer's text piece by piece as it arrives (all at
    /// once when not streaming); returning `Break` stops reading and gives
    /// [`ChatError::Cancelled`]. Only a complete answer is returned: an answer cut off, or
    /// followed by an error event, is an error.
    pub fn send(self, on_text: impl FnMut(&str) -> ControlFlow<()>) -> Result<Reply, ChatError> {
        let url = self.endpoint.shown.clone();
        let reply = self.receive(on_text)?;
        match reply.unrecordable() {
            Some(reason) => Err(invalid(&url, reason)),
            None => Ok(reply),
        }
    }

    fn receive(self, mut on_text: impl FnMut(&str) -> ControlFlow<()>) -> Result<Reply, ChatError> {
        let wait = crate::http::Wait {
            timeout: self.timeout,
            limits: self.limits,
        };
        let endpoint = &self.endpoint;
        let response =
            crate::http::post_json(&self.agent, endpoint, &self.headers, &self.body, wait)?;
        let url = endpoint.shown.as_str();
        // A server that cannot stream answers a streaming request with the whole answer as
        // JSON; take it as such rather than report a stream that never began.
        let streamed = self.stream && is_event_stream(&response);
        if streamed {
            let body = response.into_body().into_reader();
            return match self.api {
                Api::OpenAi => stream::read(
                    body,
                    endpoint,
                    wait,
                    openai::Stream::default(),
                    &mut on_text,
                ),
                Api::Anthropic => stream::read(
                    body,
                    endpoint,
                    wait,
                    anthropic::Stream::default(),
                    &mut on_text,
                ),
            };
        }
        let body = crate::http::read_json(response, endpoint, wait)?;
        // Some servers report an error with a success status.
        if let Some(message) = crate::http::provider_error(&body) {
            return Err(ChatError::Provider { message });
        }
        let reply = match self.api {
            Api::OpenAi => openai::reply(&body),
            Api::Anthropic => anthropic::reply(&body),
        }
        .map_err(|reason| invalid(url, reason))?;
        if !reply.text.is_empty() && on_text(&reply.text).is_break() {
            return Err(ChatError::Cancelled);
        }
        Ok(reply)
    }
}

/// Whether the answer is server-sent events. A missing content type counts as events: the
/// request asked for them, and the event reader rejects anything else clearly.
fn is_event_stream(response: &ureq::http::Response<ureq::Body>) -> bool {
    response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| value.trim_start().starts_with("text/event-stream"))
}

pub(crate) fn invalid(url: &str, reason: String) -> ChatError {
    ChatError::InvalidResponse {
        url: url.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_providers_are_listed_and_known() {
        for name in ProviderSpec::BUILTIN {
            assert_eq!(
                ProviderSpec::builtin(name).map(|spec| spec.name),
                Some(name.to_owned())
            );
        }
        assert!(ProviderSpec::BUILTIN.is_sorted());
        assert_eq!(ProviderSpec::builtin("bedrock"), None);
    }

    #[test]
    fn a_missing_key_is_named_and_a_present_key_is_never_shown() {
        let spec = ProviderSpec::builtin("openai").expect("builtin");
        let error = spec.connect(|_| None).expect_err("no key");
        assert_eq!(
            error.to_string(),
            "the API key for openai is missing: OPENAI_API_KEY is not set"
        );
        let provider = spec
            .connect(|name| (name == "OPENAI_API_KEY").then(|| "sk-secret".to_owned()))
            .expect("connects");
        assert!(!format!("{provider:?}").contains("sk-secret"));
        let messages = [confab_core::Message::new(confab_core::Role::User, "Hi")];
        let request = provider.prepare(&ChatRequest {
            model: "gpt-4o",
            messages: &messages,
            max_tokens: None,
            stream: true,
        });
        assert!(!format!("{request:?}").contains("sk-secret"));
        let ollama = ProviderSpec::builtin("ollama").expect("builtin");
        assert!(ollama.connect(|_| None).is_ok());
    }

    #[test]
    fn base_urls_must_be_http() {
        let mut spec = ProviderSpec::builtin("ollama").expect("builtin");
        spec.base_url = "localhost:11434".into();
        assert!(matches!(
            spec.connect(|_| None),
            Err(ConnectError::InvalidBaseUrl { .. })
        ));
    }
}
