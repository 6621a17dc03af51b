//! Entry points for confab's fuzz targets (`fuzz/`, and the smoke test that runs their bodies in
//! the normal test suite): the streamed-answer reader on arbitrary bytes, as if a provider had
//! sent them. Hidden from the documentation; not an API to build on.

use std::ops::ControlFlow;
use std::time::Duration;

use crate::endpoint::Endpoint;
use crate::http::Wait;
use crate::provider::AnswerLimits;
use crate::sse::Events;
use crate::{Api, ChatError, Reply};

/// The server-sent events in `data`, as `(event name, data)`, until the end or the first error.
pub fn sse_events(data: &[u8]) -> std::io::Result<Vec<(Option<String>, String)>> {
    let mut events = Events::new(data);
    let mut all = Vec::new();
    while let Some(event) = events.next_event()? {
        all.push((event.name, event.data));
    }
    Ok(all)
}

/// `data` read as a streamed answer of `api`, each piece of text handed to `on_text`.
pub fn read_stream(
    api: Api,
    data: &[u8],
    mut on_text: impl FnMut(&str),
) -> Result<Reply, ChatError> {
    let endpoint = Endpoint::new("http://127.0.0.1:9/fuzz".to_owned());
    let wait = Wait {
        timeout: Duration::from_secs(3600),
        limits: AnswerLimits::default(),
    };
    let mut on_text = |text: &str| {
        on_text(text);
        ControlFlow::Continue(())
    };
    match api {
        Api::OpenAi => crate::stream::read(
            data,
            &endpoint,
            wait,
            crate::openai::Stream::default(),
            &mut on_text,
        ),
        Api::Anthropic => crate::stream::read(
            data,
            &endpoint,
            wait,
            crate::anthropic::Stream::default(),
            &mut on_text,
        ),
    }
}
