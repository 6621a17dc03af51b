//! `confab chat`: talk to an AI provider in a session that the store keeps.
//!
//! `--session NAME` resumes the session if it exists and starts it otherwise; the whole history
//! goes with every message, so a session imported from a colleague's checkpoint carries on where
//! they left it. With a message (`--message`, or text piped on stdin) the command answers once
//! and exits, for scripts; otherwise it opens an interactive prompt.
//!
//! The turns themselves (what is sent, what is recorded and when, switches of provider or model)
//! are the `confab-chat` crate's `Conversation`, which prints nothing. Here are the parts that
//! face the user: [`open`] settles the session, provider and model from the command line and
//! `confab.yaml` (with [`provider`]), [`turn`] prints an answer, its notes and its errors,
//! [`cancel`] makes Ctrl-C stop an answer, [`interactive`] is the prompt.

mod cancel;
mod history;
mod interactive;
mod open;
mod provider;
mod resume_hint;
mod turn;

pub(crate) use resume_hint::write_resume_hint;

use std::io::{IsTerminal, Write};

use camino::Utf8Path;
use clap::Args;
use confab_chat::Conversation;

use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;
use open::Choice;
use turn::Failure;

/// Arguments of `confab chat`.
#[derive(Debug, Args)]
pub(crate) struct ChatArgs {
    /// The session: resumed if it exists, started otherwise
    /// [default: a new session named session-YYYYMMDD-HHMMSS, or -2, -3, ... when another chat
    /// stored that name first].
    #[arg(short, long, value_name = "NAME")]
    session: Option<String>,

    /// The provider: openai, anthropic, ollama, or one under `providers` in confab.yaml
    /// [default: the session's, else default_provider, else openai].
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,

    /// The model [default: the session's, else providers.<name>.model].
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,

    /// Send this one message, print the answer and exit. Text piped on standard input does the
    /// same.
    #[arg(short, long, value_name = "TEXT")]
    message: Option<String>,

    /// Wait for each whole answer instead of printing it as it is written.
    #[arg(long)]
    no_stream: bool,

    /// The most tokens an answer may have [default: providers.<name>.max_tokens].
    #[arg(long, value_name = "N")]
    max_tokens: Option<u32>,
}

pub(crate) fn run(args: &ChatArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let message = one_shot_message(args, &project)?;
    // A message that was typed or piped in is shown again when the chat cannot even start (no
    // API key, an unknown provider, a store that will not open), so it is not lost.
    let not_sent = |error: CliError| match &message {
        Some(text) => turn::quoted(error.detail("your message was not sent:"), text),
        None => error,
    };
    let mut store = project.open_store().map_err(not_sent)?;
    let choice = Choice {
        session: args.session.clone(),
        provider: args.provider.clone(),
        model: args.model.clone(),
        max_tokens: args.max_tokens,
        stream: !args.no_stream,
    };
    let mut conversation = open::open(&project, &store, &choice).map_err(not_sent)?;
    cancel::install_handler();
    let chatted = match message {
        Some(text) => one_shot(&mut conversation, &mut store, &text),
        None => interactive::run(&project, &mut conversation, &mut store),
    };
    // The turns are committed as they happen; their words reach the search index once the chat
    // ends (a search meanwhile finds them all the same).
    crate::indexing::catch_up(&mut store);
    chatted
}

/// The message of a one-shot chat: `--message`, else standard input when it is not a terminal,
/// read as far as the import limit allows (a pipe from `/dev/zero` must not take all memory).
fn one_shot_message(args: &ChatArgs, project: &Project) -> Result<Option<String>, CliError> {
    let text = match &args.message {
        Some(text) => text.clone(),
        None if std::io::stdin().is_terminal() => return Ok(None),
        None => {
            let source =
                crate::input::read_source(Utf8Path::new("-"), project.config.max_import_size)?;
            String::from_utf8(source.bytes)
                .map_err(|_| CliError::input("the message on standard input is not UTF-8 text"))?
        }
    };
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return Err(CliError::usage("there is no message to send")
            .hint("pass --message TEXT, pipe the text on standard input, or run `confab chat` in a terminal to talk interactively"));
    }
    Ok(Some(text.to_owned()))
}

/// Sends one message; the answer goes to stdout, notes to stderr.
fn one_shot(
    conversation: &mut Conversation,
    store: &mut dyn confab_core::SessionStore,
    text: &str,
) -> Result<(), CliError> {
    let outcome = match turn::run(conversation, store, text) {
        Ok(outcome) => outcome,
        Err(Failure::Cancelled) => {
            return Err(CliError::failure("cancelled: nothing was saved"));
        }
        Err(Failure::Failed(error)) => return Err(error),
    };
    let mut err = stderr();
    if outcome.created {
        writeln!(
            err,
            "Saved in new session {} ({})",
            conversation.name(),
            conversation.next_provider_model()
        )?;
    } else if let Some(from) = outcome.switched_from {
        writeln!(
            err,
            "Session {} moved from {from} to {}",
            conversation.name(),
            conversation.next_provider_model()
        )?;
    }
    Ok(())
}
