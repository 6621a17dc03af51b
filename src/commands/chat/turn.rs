//! One turn at the terminal: the answer on stdout as it arrives, notes on stderr, and a failed
//! turn as an error that quotes the user's message so that it can be sent again.
//!
//! The turn itself (what is sent, what is recorded, when) is `confab_chat::Conversation::turn`;
//! this module only turns its outcome into words, hints included, and sends a turn again when
//! another chat's turn got into the session first (a shared team store, two terminals): what the
//! other chat added is shown, and the model is asked again with it in the history, so the answer
//! that is kept follows the whole transcript. After [`ATTEMPTS`] such races in a row the turn is
//! given up with the user's text quoted, as any failed turn.

use std::io::{self, IsTerminal, Write};

use confab_chat::{Changes, ChatError, Conversation, Note, TurnError, TurnOutcome};
use confab_core::{Message, SessionStore};

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

/// How one attempt at a turn ended when it did not end recorded.
enum Attempt {
    /// For good.
    Failed(Failure),
    /// Another chat's turn got into the session first; nothing of this one was saved.
    Changed(Changes),
}

/// How many times a turn is sent while other chats keep getting theirs in first.
const ATTEMPTS: u32 = 5;

/// Before a turn is sent again, a pause of up to this times 2^(attempts so far - 1), chosen at
/// random: two chats that keep racing in step (two scripts in a loop) fall out of step, and one
/// of them wins the next race. Small beside the model's answer it waits for anyway.
const BACKOFF: std::time::Duration = std::time::Duration::from_millis(100);

/// A random pause before attempt `attempt` (from 2), as [`BACKOFF`] says.
fn backoff(attempt: u32) -> std::time::Duration {
    use std::hash::{BuildHasher, Hasher};
    // A randomly keyed hasher is all the randomness this needs.
    let random = std::hash::RandomState::new().build_hasher().finish();
    let most = BACKOFF * 2_u32.pow(attempt.saturating_sub(2).min(4));
    most.mul_f64((random % 1000) as f64 / 1000.0)
}

/// Sends `text`, prints the answer as it arrives, then the notes about it. A failure to write
/// the answer does not stop it: it is recorded all the same, and the write error is returned
/// after. When another chat's turn got in first, shows it and sends `text` again.
pub(crate) fn run(
    conversation: &mut Conversation,
    store: &mut dyn SessionStore,
    text: &str,
) -> Result<TurnOutcome, Failure> {
    let mut attempt = 1;
    loop {
        match run_once(conversation, store, text) {
            Ok(outcome) => return Ok(outcome),
            Err(Attempt::Failed(failure)) => return Err(failure),
            Err(Attempt::Changed(changes)) if attempt < ATTEMPTS => {
                attempt += 1;
                // Telling is best effort; the turn goes on either way.
                let _ = show_changes(conversation, &changes, When::WhileAnsweredAskingAgain);
                std::thread::sleep(backoff(attempt));
                // What others added during the pause is taken in before asking again.
                catch_up(conversation, store);
            }
            Err(Attempt::Changed(changes)) => {
                let _ = show_changes(conversation, &changes, When::WhileAnswered);
                let error = CliError::failure(format!(
                    "the session {} kept changing while the model answered ({ATTEMPTS} times)",
                    conversation.name()
                ))
                .detail("your message was not saved:");
                return Err(Failure::Failed(quoted(error, text).hint(
                    "others are chatting in this session right now: send it again in a moment",
                )));
            }
        }
    }
}

/// When others changed the session, as [`show_changes`] tells it.
#[derive(Clone, Copy)]
enum When {
    /// While this chat's answer was coming; it is asked again.
    WhileAnsweredAskingAgain,
    /// While this chat's answer was coming, for the last time: the turn is given up.
    WhileAnswered,
    /// Since this chat last sent a message.
    SinceLastMessage,
}

/// Shows what others changed in the session: who, what, and the messages they added.
fn show_changes(conversation: &Conversation, changes: &Changes, when: When) -> io::Result<()> {
    let mut err = stderr();
    let who = changes.by.as_deref().unwrap_or("another chat");
    let name = conversation.name();
    let what = match (changes.rewritten, changes.added.len()) {
        (true, _) => format!("replaced the session {name}"),
        (false, 1) => format!("added 1 message to {name}"),
        (false, count) => format!("added {count} messages to {name}"),
    };
    let when = match when {
        When::WhileAnsweredAskingAgain => {
            "while the model answered; asking again with it in the history"
        }
        When::WhileAnswered => "while the model answered",
        When::SinceLastMessage => "since your last message",
    };
    writeln!(err, "note: {who} {what} {when}")?;
    for message in &changes.added {
        write_message(&mut err, message)?;
    }
    Ok(())
}

/// One message someone else added, as the chat shows history: its role, then its text.
fn write_message(out: &mut dyn Write, message: &Message) -> io::Result<()> {
    writeln!(out, "── {} ──", message.role.as_str())?;
    let text = message.content.trim_end_matches('\n');
    if !text.is_empty() {
        writeln!(out, "{text}")?;
    }
    Ok(())
}

/// Shows what others added since this chat last looked, before a turn is sent.
pub(crate) fn catch_up(conversation: &mut Conversation, store: &dyn SessionStore) {
    // A chat that cannot look simply finds out when its turn is recorded.
    if let Ok(changes) = conversation.catch_up(store)
        && !changes.is_empty()
    {
        let _ = show_changes(conversation, &changes, When::SinceLastMessage);
    }
}

/// One attempt of [`run`].
fn run_once(
    conversation: &mut Conversation,
    store: &mut dyn SessionStore,
    text: &str,
) -> Result<TurnOutcome, Attempt> {
    let mut out = stdout();
    // Into a pipe or a file, the answer is written once it is recorded: an answer another
    // chat's turn made stale is asked again, and the output must hold only the one kept.
    let mut printer = Printer {
        held: (!std::io::stdout().is_terminal()).then(String::new),
        ..Printer::default()
    };
    cancel::reset();
    let result = conversation.turn(
        store,
        text,
        &mut |piece| printer.print(&mut out, piece),
        &cancel::interrupted,
    );
    if matches!(result, Err(TurnError::Conflict { .. })) {
        printer.held = None;
    } else {
        printer.release(&mut out);
    }
    // A whole answer ends its line, and the error after a partly printed one starts its own.
    printer.end_line(&mut out);
    let outcome = result.map_err(|error| match error {
        TurnError::Cancelled => Attempt::Failed(Failure::Cancelled),
        TurnError::Conflict { changes, .. } => Attempt::Changed(changes),
        error => Attempt::Failed(Failure::Failed(failed(conversation, error))),
    })?;
    let mut err = stderr();
    for note in &outcome.notes {
        // A note is not worth failing a recorded turn over.
        let _ = writeln!(err, "{}", note_line(conversation, note));
    }
    match printer.write_error {
        Some(error) => Err(Attempt::Failed(Failure::Failed(CliError::from(error)))),
        None => Ok(outcome),
    }
}

/// Answer text on its way to stdout; the first write error stops the printing, not the answer.
#[derive(Default)]
struct Printer {
    write_error: Option<io::Error>,
    open_line: bool,
    /// The answer so far, when it is written only once the turn ends.
    held: Option<String>,
}

impl Printer {
    fn print(&mut self, out: &mut dyn Write, text: &str) {
        if let Some(held) = &mut self.held {
            held.push_str(text);
            return;
        }
        if self.write_error.is_none() && !text.is_empty() {
            self.write_error = out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .err();
            self.open_line = !text.ends_with('\n');
        }
    }

    /// Writes what was held back.
    fn release(&mut self, out: &mut dyn Write) {
        if let Some(held) = self.held.take() {
            self.print(out, &held);
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
        TurnError::Conflict { text, .. } => quoted(
            CliError::failure("the session changed while the model answered")
                .detail("your message was not saved:"),
            &text,
        ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_before_a_turn_is_sent_again_grow_and_stay_bounded() {
        for _ in 0..100 {
            assert!(backoff(2) < BACKOFF);
            assert!(backoff(3) < BACKOFF * 2);
            assert!(backoff(ATTEMPTS) < BACKOFF * 16);
            assert!(backoff(u32::MAX) < BACKOFF * 16);
        }
        // Random, so that two chats in step fall out of step.
        let pauses: std::collections::BTreeSet<_> = (0..20).map(|_| backoff(3)).collect();
        assert!(pauses.len() > 1);
    }
}
