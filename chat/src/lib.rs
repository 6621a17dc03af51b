//! Talking to AI providers: the network half of `confab chat`.
//!
//! A chat turn sends the whole conversation to a provider and records its answer. This crate does
//! the sending and nothing else: it turns a session's [`Message`](confab_core::Message)s into a
//! provider's request, streams the answer back through a callback as it arrives, and returns a
//! [`Reply`] with the text, the model that wrote it, token usage and tool calls. It never touches
//! a store, a terminal or a file; the `confab` binary owns those, so a failed or cancelled request
//! cannot leave anything half-written.
//!
//! Two wire protocols cover the providers people use:
//!
//! - [`Api::OpenAi`]: OpenAI's chat completions, which OpenAI serves and which Ollama, llama.cpp,
//!   vLLM and LM Studio serve too (point `base_url` at them).
//! - [`Api::Anthropic`]: Anthropic's Messages API.
//!
//! [`ProviderSpec`] says where a provider is and how to authenticate; [`ProviderSpec::builtin`]
//! knows `openai`, `anthropic` and `ollama`. [`Provider`] is a connected provider, and
//! [`Provider::prepare`] turns a [`ChatRequest`] into a self-contained [`PreparedRequest`] that
//! can be sent from another thread, so that a caller can stop waiting (Ctrl-C) without waiting
//! for the network.
//!
//! API keys are read from the environment when a provider is connected and live only in request
//! headers: nothing here can write them anywhere, and [`ApiKey`]'s `Debug` does not show them.

mod anthropic;
mod error;
mod history;
mod http;
mod openai;
mod provider;
mod reply;
mod sse;
mod stream;

pub use error::{ChatError, ConnectError};
pub use provider::{
    Api, ApiKey, DEFAULT_TIMEOUT, MAX_TIMEOUT, PreparedRequest, Provider, ProviderSpec,
};
pub use reply::{ChatRequest, Reply};
