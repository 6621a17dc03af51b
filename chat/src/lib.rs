//! Talking to AI providers, and keeping the conversation: the engine of `confab chat`.
//!
//! A chat turn sends the whole conversation to a provider and records its answer. The network
//! half turns a session's [`Message`](confab_core::Message)s into a provider's request, streams
//! the answer back through a callback as it arrives, and returns a [`Reply`] with the text, the
//! model that wrote it, token usage and tool calls. The recording half, [`Conversation`], runs
//! turns against any [`SessionStore`](confab_core::SessionStore): a turn is recorded whole or not
//! at all, a switch of provider or model is recorded with the first answer it applies to, and a
//! cancelled turn returns at once. Neither half touches a terminal or a file, and nothing here
//! prints: answer text goes to callbacks, what to tell the user comes back as data ([`Note`],
//! [`TurnError`]), and the `confab` binary owns the words.
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
mod bound;
mod conversation;
mod endpoint;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod history;
mod http;
mod openai;
mod provider;
mod reply;
mod sse;
mod stream;

pub use conversation::{
    Changes, Conversation, FreshNameError, MODEL_CHANGES_KEY, Note, ProviderModel, Target,
    TurnError, TurnOptions, TurnOutcome, choose_model, fresh_name,
};
pub use endpoint::hide_credentials;
pub use error::{ChatError, ConnectError};
pub use provider::{
    AnswerLimits, Api, ApiKey, DEFAULT_TIMEOUT, MAX_TIMEOUT, PreparedRequest, Provider,
    ProviderSpec,
};
pub use reply::{ChatRequest, Reply};
