//! What can go wrong between confab and a provider.

use std::time::Duration;

/// Why a provider cannot be used at all, before any request is sent.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The provider needs an API key and its environment variable is not set.
    #[error("the API key for {provider} is missing: {variable} is not set")]
    MissingKey {
        /// The provider's name.
        provider: String,
        /// The environment variable that should hold the key.
        variable: String,
    },
    /// The base URL is not an `http://` or `https://` URL.
    #[error("the base URL of {provider} is not an http(s) URL: {url:?}")]
    InvalidBaseUrl {
        /// The provider's name.
        provider: String,
        /// The URL as configured, credentials hidden.
        url: String,
    },
}

/// Why a request got no complete answer. A request that fails returns nothing else: there is no
/// partial [`crate::Reply`] to record by mistake. Every URL in it is shown without credentials.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The server could not be reached (DNS, refused connection, TLS).
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// What the network layer said.
        reason: String,
    },
    /// The server did not answer in time, or sent nothing but keep-alives for that long.
    #[error("{url} did not answer within {} s", after.as_secs())]
    Timeout {
        /// The endpoint.
        url: String,
        /// The time limit that passed.
        after: Duration,
    },
    /// The answer kept coming for longer than a whole request may take.
    #[error("{url} did not finish its answer within {} s", limit.as_secs())]
    TookTooLong {
        /// The endpoint.
        url: String,
        /// The limit on a request's duration.
        limit: Duration,
    },
    /// The answer is larger than the answer size limit.
    #[error("the answer from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The endpoint.
        url: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The server redirected the request; confab does not follow redirects, so that no key is
    /// ever sent where the settings do not say.
    #[error("{url} answered {status}, a redirect to {}; confab does not follow redirects", location.as_deref().unwrap_or("nowhere"))]
    Redirected {
        /// The endpoint.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// Where it points, credentials hidden, if the server said.
        location: Option<String>,
    },
    /// The server answered with an HTTP error status.
    #[error("{url} answered {status}: {message}")]
    Status {
        /// The endpoint.
        url: String,
        /// The HTTP status code.
        status: u16,
        /// The provider's own error message, else the start of the body.
        message: String,
    },
    /// The provider reported an error in the middle of a streamed answer.
    #[error("the provider stopped with an error: {message}")]
    Provider {
        /// The provider's error message.
        message: String,
    },
    /// The answer was not what the API specifies.
    #[error("unexpected answer from {url}: {reason}")]
    InvalidResponse {
        /// The endpoint.
        url: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The connection closed before the answer was complete.
    #[error("the answer from {url} was cut off before it was complete")]
    Truncated {
        /// The endpoint.
        url: String,
    },
    /// The caller stopped the answer (the text callback returned `Break`).
    #[error("the answer was cancelled")]
    Cancelled,
}
