//! The interactive prompt: line editing and history (rustyline), a few `/` commands, and
//! answers streamed as they are written.
//!
//! Input history is kept per project in `.confab/chat-history`, beside the store, so that the
//! Up key recalls what was asked here, including a message whose request failed; [`history`]
//! says when it is not (turned off, or not a file confab may write). A line that starts with a
//! space is not kept, as in shells.

use std::io::Write;

use clap::Parser;
use confab_chat::Conversation;
use confab_core::SessionStore;
use rustyline::DefaultEditor;
use rustyline::config::Configurer;
use rustyline::error::ReadlineError;

use super::history;
use super::turn::{self, Failure};
use crate::commands::sessions::export::{self, ExportArgs};
use crate::error::CliError;
use crate::output::stderr;
use crate::project::Project;

const PROMPT: &str = "you> ";
const CONTINUATION: &str = "...> ";

const HELP: &str = "\
Type a message and press Enter to send it; end a line with \\ to go on on the next one.
  /export FILE [OPTIONS]  export the session; the format comes from FILE's extension, and
                          the options of `confab sessions export` work (--format, --redact, ...)
  /help                   this help
  /exit                   leave (also /quit, or Ctrl-D)
Ctrl-C stops an answer: nothing of that turn is saved, and Up brings your message back.
Start a message with // to send it with a leading /.";

/// What a line of input asks for.
#[derive(Debug, PartialEq, Eq)]
enum Input {
    /// A message for the model.
    Message(String),
    Exit,
    Help,
    /// `/export` and its arguments.
    Export(Vec<String>),
    /// A `/word` that is no command, or arguments that do not split.
    Invalid(String),
}

impl Input {
    fn parse(line: &str) -> Input {
        if let Some(text) = line.strip_prefix("//") {
            return Input::Message(format!("/{text}"));
        }
        let Some(command) = line.strip_prefix('/') else {
            return Input::Message(line.to_owned());
        };
        let (word, rest) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        match word {
            "exit" | "quit" => Input::Exit,
            "help" | "?" => Input::Help,
            "export" => match shlex::split(rest) {
                Some(arguments) if !arguments.is_empty() => Input::Export(arguments),
                Some(_) => Input::Invalid("/export needs a file: /export FILE".to_owned()),
                None => Input::Invalid("/export: unbalanced quotes".to_owned()),
            },
            _ => Input::Invalid(format!("unknown command /{word}; /help lists the commands")),
        }
    }
}

/// `/export`'s arguments, parsed as `confab sessions export` parses its own.
#[derive(Debug, Parser)]
#[command(name = "/export", no_binary_name = true, disable_help_flag = true)]
struct ExportLine {
    #[command(flatten)]
    export: ExportArgs,
}

pub(crate) fn run(
    project: &Project,
    conversation: &mut Conversation,
    store: &mut impl SessionStore,
) -> Result<(), CliError> {
    let mut editor = DefaultEditor::new()
        .map_err(|error| CliError::failure(format!("cannot start the prompt: {error}")))?;
    editor.set_history_ignore_space(true);
    let history = history::file(project);
    if let Some(history) = &history {
        // No history yet is the normal first run.
        let _ = editor.load_history(history.as_std_path());
    }
    banner(conversation)?;
    loop {
        let line = match read_message(&mut editor) {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(error) => {
                return Err(CliError::failure(format!(
                    "cannot read the prompt: {error}"
                )));
            }
        };
        match Input::parse(&line) {
            Input::Exit => break,
            Input::Help => writeln!(stderr(), "{HELP}")?,
            Input::Invalid(message) => writeln!(stderr(), "{message}")?,
            Input::Export(arguments) => export_session(conversation, arguments)?,
            Input::Message(text) => {
                // Someone may have chatted in this session since the last turn (a team store).
                turn::catch_up(conversation, store);
                let turn = turn::run(conversation, store, &text);
                match turn {
                    Ok(_) => {}
                    Err(Failure::Cancelled) => writeln!(
                        stderr(),
                        "\n(cancelled: nothing of this turn was saved; Up brings your message back)"
                    )?,
                    Err(Failure::Failed(error)) => {
                        error.report();
                    }
                }
            }
        }
    }
    if let Some(history) = history.filter(|history| history::still_writable(history)) {
        // Losing the prompt history is not worth failing a chat over.
        let _ = editor.save_history(history.as_std_path());
    }
    Ok(())
}

/// One message, joining lines that end in `\`; `None` at Ctrl-D.
fn read_message(editor: &mut DefaultEditor) -> Result<Option<String>, ReadlineError> {
    let mut message = String::new();
    let mut prompt = PROMPT;
    loop {
        match editor.readline(prompt) {
            Ok(line) => {
                if let Some(start) = line.strip_suffix('\\') {
                    message.push_str(start);
                    message.push('\n');
                    prompt = CONTINUATION;
                    continue;
                }
                message.push_str(&line);
                if message.trim().is_empty() {
                    message.clear();
                    prompt = PROMPT;
                    continue;
                }
                let _ = editor.add_history_entry(message.as_str());
                return Ok(Some(message));
            }
            Err(ReadlineError::Interrupted) => {
                let _ = writeln!(stderr(), "(Ctrl-D or /exit leaves)");
                message.clear();
                prompt = PROMPT;
            }
            Err(ReadlineError::Eof) => return Ok(None),
            Err(error) => return Err(error),
        }
    }
}

fn banner(conversation: &Conversation) -> Result<(), CliError> {
    let mut err = stderr();
    if conversation.is_stored() {
        write!(
            err,
            "Session {} ({}) with {}",
            conversation.name(),
            crate::display::messages(conversation.message_count()),
            conversation.next_provider_model()
        )?;
    } else {
        write!(
            err,
            "New session {} with {} (saved with the first answer)",
            conversation.name(),
            conversation.next_provider_model()
        )?;
    }
    if let Some(from) = conversation.switched_from() {
        write!(err, "; it moves from {from} with the next answer")?;
    }
    writeln!(err, ".\n/help lists the commands; /exit or Ctrl-D leaves.")?;
    Ok(())
}

fn export_session(conversation: &Conversation, arguments: Vec<String>) -> Result<(), CliError> {
    if !conversation.is_stored() {
        writeln!(
            stderr(),
            "nothing to export yet: the session is saved with its first answer"
        )?;
        return Ok(());
    }
    let mut argv = vec![conversation.name().to_owned(), "--output".to_owned()];
    argv.extend(arguments);
    match ExportLine::try_parse_from(argv) {
        Ok(line) => {
            if let Err(error) = export::run(&line.export) {
                error.report();
            }
        }
        Err(error) => writeln!(stderr(), "{}", error.render())?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_messages_unless_they_are_commands() {
        assert_eq!(Input::parse("hello"), Input::Message("hello".into()));
        assert_eq!(
            Input::parse("//etc/hosts?"),
            Input::Message("/etc/hosts?".into())
        );
        assert_eq!(Input::parse("/exit"), Input::Exit);
        assert_eq!(Input::parse("/quit"), Input::Exit);
        assert_eq!(Input::parse("/help"), Input::Help);
        assert_eq!(
            Input::parse("/export 'my notes.md' --redact"),
            Input::Export(vec!["my notes.md".into(), "--redact".into()])
        );
        assert!(matches!(Input::parse("/export"), Input::Invalid(_)));
        assert!(matches!(Input::parse("/export \"open"), Input::Invalid(_)));
        assert!(matches!(Input::parse("/model x"), Input::Invalid(_)));
    }

    #[test]
    fn export_takes_the_options_of_sessions_export() {
        let argv = ["s1", "--output", "out.yaml", "--redact", "--format", "yaml"];
        assert!(ExportLine::try_parse_from(argv).is_ok());
        let argv = ["s1", "--output", "out.yaml", "--bogus"];
        assert!(ExportLine::try_parse_from(argv).is_err());
    }
}
