//! One turn at the terminal: the answer on stdout as it arrives, notes on stderr, and a failed
//! turn as an error that quotes the user's message so that it can be sent again.
//!
//! The turn itself (what is sent, what is recorded, when) is `confab_chat::Conversation::turn`;
//! this module only turns its outcome into words, hints included.

use std::io::{self, Write};

use confab_chat::{ChatError, Conversation, Note, TurnError, TurnOutcome};
use confab_core::SessionStore;

use super::cancel;
use crate::error::CliError;
use crate::output::{stderr, stdout};

/// Why a turn was not recorded, as the callers tell it apart.
pub(crate) enum Failure {
    /// Ctrl-C stopped the answer.
    Cancelled,
    /// The request or the recording failed; the error shows the user's text.
    Failed(CliError),
}

/// Sends `text`, prints the answer as it arrives, then the notes about it. A failure to write
/// the answer does not stop it: it is recorded all the same, and the write error is returned
/// after.
pub(crate) fn run(
    conversation: &mut Conversation,
    store: &mut dyn SessionStore,
    text: &str,
) -> Result<TurnOutcome, Failure> {
    let mut out = stdout();
    let mut printer = Printer::default();
    cancel::reset();
    let result = conversation.turn(
        store,
        text,
        &mut |piece| printer.print(&mut out, piece),
        &cancel::interrupted,
    );
    // A whole answer ends its line, and the error after a partly printed one starts its own.
    printer.end_line(&mut out);
    let outcome = result.map_err(|error| match error {
        TurnError::Cancelled => Failure::Cancelled,
        error => Failure::Failed(failed(conversation, error)),
    })?;
    let mut err = stderr();
    for note in &outcome.notes {
        // A note is not worth failing a recorded turn over.
        let _ = writeln!(err, "{}", note_line(conversation, note));
    }
    match printer.write_error {
        Some(error) => Err(Failure::Failed(CliError::from(error))),
        None => Ok(outcome),
    }
}

/// Answer text on its way to stdout; the first write error stops the printing, not the answer.
#[derive(Default)]
struct Printer {
    write_error: Option<io::Error>,
    open_line: bool,
}

impl Printer {
    fn print(&mut self, out: &mut dyn Write, text: &str) {
        if self.write_error.is_none() && !text.is_empty() {
            self.write_error = out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .err();
            self.open_line = !text.ends_with('\n');
        }
    }

    fn end_line(&mut self, out: &mut dyn Write) {
        if self.open_line && self.write_error.is_none() {
            self.write_error = writeln!(out).and_then(|()| out.flush()).err();
            self.open_line = false;
        }
    }
}

fn note_line(conversation: &Conversation, note: &Note) -> String {
    match note {
        Note::ToolsNotRun { .. } => note.to_string(),
        Note::TokenLimit { .. } => format!(
            "warning: {note}; raise it with --max-tokens or providers.{}.max_tokens",
            conversation.target().spec.name
        ),
        _ => format!("note: {note}"),
    }
}

/// The error of a turn that was not recorded, with the user's text below it and a hint.
fn failed(conversation: &Conversation, error: TurnError) -> CliError {
    match error {
        TurnError::Cancelled => CliError::failure("cancelled: nothing was saved"),
        TurnError::Request { url, text, source } => quoted(
            CliError::failure(&source).detail("your message was not saved:"),
            &text,
        )
        .hint(request_hint(conversation, &source, &url)),
        TurnError::Store { text, source } => quoted(
            CliError::from(source).detail("the answer above was not saved; your message was:"),
            &text,
        ),
    }
}

fn request_hint(conversation: &Conversation, error: &ChatError, url: &str) -> String {
    let target = conversation.target();
    let spec = &target.spec;
    match error {
        ChatError::Unreachable { .. } => format!(
            "is the server running? providers.{}.base_url in confab.yaml says where it is (now {})",
            spec.name,
            confab_chat::hide_credentials(&spec.base_url)
        ),
        ChatError::Timeout { .. } => format!(
            "raise providers.{}.timeout (seconds) in confab.yaml if the model is slow to start",
            spec.name
        ),
        ChatError::TookTooLong { .. } => {
            "raise chat.max_duration (seconds) in confab.yaml if answers this long are expected"
                .to_owned()
        }
        ChatError::TooLarge { .. } => {
            "raise chat.max_answer_size in confab.yaml (e.g. 256MiB) if answers this large are expected"
                .to_owned()
        }
        ChatError::Redirected { .. } => format!(
            "if you trust the new address, set providers.{}.base_url in confab.yaml to it",
            spec.name
        ),
        ChatError::Status {
            status: 401 | 403, ..
        } => match &spec.api_key_env {
            Some(variable) => format!("check the API key in {variable}"),
            None => format!(
                "the server wants a key: set providers.{}.api_key_env to the variable that holds it",
                spec.name
            ),
        },
        ChatError::Status { status: 404, .. } => format!(
            "check the model name ({}) and the base URL ({url})",
            target.model
        ),
        ChatError::Status { status: 429, .. } => {
            "the provider is rate limiting: wait a moment and send it again".to_owned()
        }
        _ => "send it again; nothing was saved".to_owned(),
    }
}

/// `error` with the user's text below it, indented, so that it can be copied back.
pub(super) fn quoted(error: CliError, text: &str) -> CliError {
    text.lines()
        .fold(error, |error, line| error.detail(format!("  {line}")))
}
