//! Gemini CLI chat history (`Content[]`) to the checkpoint document, and the pieces of it that
//! the session recordings (`recording.rs`) share: parts, calls, responses and the setup turn.

use std::collections::HashSet;

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value};

use confab_core::transcript::{Envelope, Notes, fnv1a, json_error, without_bom};

/// The sentence Gemini CLI opens every chat with, in the hidden first user turn.
pub(crate) const SETUP_MARKER: &str = "We are setting up the context for our chat.";

/// How newer versions close the setup block; a first question may follow it in the same turn.
const SETUP_END: &str = "</session_context>";

pub(crate) fn decode(bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let bytes = without_bom(bytes);
    if crate::recording::is_recording(bytes) {
        return crate::recording::decode_lines(bytes);
    }
    let document: Value = serde_json::from_slice(bytes).map_err(|error| json_error(&error))?;
    let mut metadata = Map::new();
    let mut model = None;
    let history = match &document {
        Value::Array(history) if history.first().is_some_and(is_prompt_log_entry) => {
            return Err(DecodeError::new(
                "this is Gemini CLI's prompt log (`logs.json`: the lines typed, slash commands \
                 included), not a chat; import the session's recording from `chats/` instead",
            ));
        }
        Value::Array(history) => history,
        Value::Object(object) => {
            if object.contains_key("sessionId") && object.contains_key("messages") {
                // A whole session recording in one JSON document, as versions before the JSON
                // Lines recordings wrote it.
                return crate::recording::decode_document(bytes, object);
            }
            let Some(Value::Array(history)) = object.get("history") else {
                return Err(DecodeError::new(
                    "expected a JSON array of Gemini `Content` objects, or an object with a `history` array",
                ));
            };
            if let Some(auth) = object.get("authType").and_then(Value::as_str) {
                metadata.insert("auth_type".into(), Value::from(auth));
            }
            model = object
                .get("model")
                .and_then(Value::as_str)
                .filter(|model| !model.trim().is_empty());
            history
        }
        _ => {
            return Err(DecodeError::new(
                "expected a JSON array of Gemini `Content` objects, or an object with a `history` array",
            ));
        }
    };
    let mut decoder = Decoder::default();
    for (index, content) in history.iter().enumerate() {
        decoder.content(index + 1, content)?;
    }
    decoder.note_unanswered_calls();
    let model = match model {
        Some(model) => model.to_owned(),
        None => {
            decoder
                .notes
                .add("the file names no model; the session's model is \"unknown\"");
            "unknown".to_owned()
        }
    };
    let envelope = Envelope {
        name: format!("gemini-{:08x}", fnv1a(bytes)),
        provider: "google",
        model,
        context: Context {
            working_directory: decoder.working_directory.take(),
            ..Context::default()
        },
        metadata,
        created_at: None,
        updated_at: None,
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, decoder.messages, decoder.notes)
}

/// The messages decoded so far, and what the next entries need to know of them.
#[derive(Debug, Default)]
pub(crate) struct Decoder {
    pub(crate) notes: Notes,
    pub(crate) messages: Vec<Message>,
    /// Calls not answered yet, oldest first: `(id, name)`.
    pending: Vec<(String, String)>,
    /// Ids of the calls answered so far: Gemini CLI's recordings keep each result twice.
    answered: HashSet<String>,
    /// Calls given an id here because the file had none, for `call_N`.
    generated_ids: usize,
    pub(crate) working_directory: Option<String>,
}

/// What one `Content`'s parts say, sorted by where each goes.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    pub(crate) text: String,
    pub(crate) calls: Vec<ToolCall>,
    pub(crate) responses: Vec<Message>,
    pub(crate) thoughts: usize,
}

impl Decoder {
    /// Decodes history entry number `number` (from 1, as the notes name it).
    fn content(&mut self, number: usize, content: &Value) -> Result<(), DecodeError> {
        let Some(object) = content.as_object() else {
            return Err(DecodeError::new(format!(
                "history entry {number} is not a JSON object"
            )));
        };
        let role = match object.get("role").and_then(Value::as_str) {
            Some("model") => Role::Assistant,
            // Function responses have been sent under `function` and `tool` by older clients.
            Some("user" | "function" | "tool") => Role::User,
            None => {
                // Gemini CLI itself shows an entry without a role as the model's.
                self.notes
                    .tally("history entries without a role, read as the model's");
                Role::Assistant
            }
            Some(other) => {
                self.notes.add(format!(
                    "history entry {number} has the unknown role {other:?} and was skipped"
                ));
                return Ok(());
            }
        };
        let parts = match object.get("parts") {
            Some(Value::Array(parts)) => self.parts(parts),
            _ => {
                self.notes.tally("history entries without parts skipped");
                return Ok(());
            }
        };
        self.messages.extend(parts.responses);
        if role == Role::Assistant {
            if parts.text.is_empty() && parts.calls.is_empty() {
                if parts.thoughts == 0 {
                    self.notes.tally("empty model turns skipped");
                }
                return Ok(());
            }
            let mut message = Message::new(Role::Assistant, parts.text);
            message.tool_calls = parts.calls;
            self.messages.push(message);
        } else {
            self.user_text(parts.text, None);
        }
        Ok(())
    }

    /// A user turn's text: a user message, except that the context Gemini CLI sends before the
    /// first prompt becomes a system message, and a prompt sent with it in the same turn (after
    /// `</session_context>`) a user message of its own.
    pub(crate) fn user_text(&mut self, text: String, created_at: Option<Timestamp>) {
        if text.trim().is_empty() {
            return;
        }
        // A system message confab wrote as a user entry (see `encode`) is one again.
        if let Some(inner) = text
            .trim()
            .strip_prefix(crate::encode::SYSTEM_OPEN)
            .and_then(|rest| rest.strip_suffix(crate::encode::SYSTEM_CLOSE))
        {
            let mut message = Message::new(Role::System, inner.trim_matches('\n'));
            message.created_at = created_at;
            self.messages.push(message);
            return;
        }
        let is_setup = self.messages.is_empty() && text.contains(SETUP_MARKER);
        if !is_setup {
            let mut message = Message::new(Role::User, text);
            message.created_at = created_at;
            self.messages.push(message);
            return;
        }
        self.working_directory = working_directory(&text);
        self.notes.add(
            "the first entry is the context Gemini CLI sends at the start of every chat \
             (date, OS, folder structure); it was imported as a system message",
        );
        let (setup, prompt) = split_setup(&text);
        let mut system = Message::new(Role::System, setup);
        system.created_at = created_at;
        self.messages.push(system);
        if let Some(prompt) = prompt {
            let mut message = Message::new(Role::User, prompt);
            message.created_at = created_at;
            self.messages.push(message);
        }
    }

    /// A note for each call that no response answered.
    pub(crate) fn note_unanswered_calls(&mut self) {
        for (_, name) in std::mem::take(&mut self.pending) {
            self.notes
                .add(format!("the call to {name:?} has no recorded response"));
        }
    }

    /// Makes a call with this id one that a response may answer (or has answered).
    pub(crate) fn expect_response(&mut self, id: &str, name: &str) {
        if !self.answered.contains(id) {
            self.pending.push((id.to_owned(), name.to_owned()));
        }
    }

    /// A tool message answering the call `id` with `text`; `None` when it was answered already.
    pub(crate) fn answer_with_text(&mut self, id: &str, text: String) -> Option<Message> {
        if !self.answered.insert(id.to_owned()) {
            return None;
        }
        self.pending.retain(|(pending, _)| pending != id);
        let mut message = Message::new(Role::Tool, text);
        message.tool_call_id = Some(id.to_owned());
        Some(message)
    }

    pub(crate) fn parts(&mut self, parts: &[Value]) -> Parts {
        let mut out = Parts::default();
        for part in parts {
            let Some(part) = part.as_object() else {
                self.notes.tally("unreadable parts skipped");
                continue;
            };
            if let Some(text) = part.get("text").and_then(Value::as_str) {
                if part.get("thought").and_then(Value::as_bool) == Some(true) {
                    out.thoughts += 1;
                    self.notes
                        .tally("thought parts (the model's reasoning) not imported");
                } else {
                    // A streamed answer arrives as several text parts of one text.
                    out.text.push_str(text);
                }
            } else if let Some(call) = part.get("functionCall") {
                if let Some(call) = self.call(call) {
                    out.calls.push(call);
                }
            } else if let Some(response) = part.get("functionResponse") {
                out.responses.extend(self.response(response));
            } else if let Some(kind) = [
                "inlineData",
                "fileData",
                "executableCode",
                "codeExecutionResult",
            ]
            .into_iter()
            .find(|kind| part.contains_key(*kind))
            {
                self.notes.tally(format!(
                    "{kind} parts replaced by the placeholder [{kind} omitted]"
                ));
                if !out.text.is_empty() && !out.text.ends_with('\n') {
                    out.text.push('\n');
                }
                out.text.push_str(&format!("[{kind} omitted]"));
            } else {
                self.notes.tally("parts of an unknown kind skipped");
            }
        }
        out
    }

    fn call(&mut self, call: &Value) -> Option<ToolCall> {
        let Some(name) = call
            .get("name")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
        else {
            self.notes.tally("function calls without a name skipped");
            return None;
        };
        let id = match call.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => {
                self.generated_ids += 1;
                format!("call_{}", self.generated_ids)
            }
        };
        self.pending.push((id.clone(), name.to_owned()));
        Some(ToolCall {
            id,
            name: name.to_owned(),
            arguments: call.get("args").cloned().unwrap_or(Value::Null),
        })
    }

    /// The tool message of a `functionResponse`; `None` for a second copy of a response to a
    /// call answered already.
    fn response(&mut self, response: &Value) -> Option<Message> {
        let name = response.get("name").and_then(Value::as_str).unwrap_or("");
        let id = response
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        if id.is_some_and(|id| self.answered.contains(id)) {
            return None;
        }
        // Answer the call with this id, or else the oldest unanswered call to the same tool.
        let position = match id {
            Some(id) => self.pending.iter().position(|(pending, _)| pending == id),
            None => self.pending.iter().position(|(_, pending)| pending == name),
        };
        let answered = position.map(|position| self.pending.remove(position).0);
        let tool_call_id = id.map(str::to_owned).or(answered);
        if let Some(id) = &tool_call_id {
            self.answered.insert(id.clone());
        }
        if tool_call_id.is_none() {
            self.notes.add(format!(
                "a response from {name:?} answers no earlier call; it was imported without a tool_call_id"
            ));
        }
        let content = match response.get("response") {
            Some(Value::Object(body)) if body.len() == 1 && body.contains_key("output") => {
                match &body["output"] {
                    Value::String(output) => output.clone(),
                    other => other.to_string(),
                }
            }
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let mut message = Message::new(Role::Tool, content);
        message.tool_call_id = tool_call_id;
        Some(message)
    }
}

/// Whether `entry` is one of `logs.json`'s: `{sessionId, messageId, type, message, timestamp}`.
fn is_prompt_log_entry(entry: &Value) -> bool {
    entry.get("sessionId").is_some_and(Value::is_string)
        && entry.get("messageId").is_some()
        && entry.get("message").is_some_and(Value::is_string)
}

/// The setup block, and the prompt that follows it in the same turn, if any.
fn split_setup(text: &str) -> (&str, Option<&str>) {
    let Some(end) = text.find(SETUP_END) else {
        return (text, None);
    };
    let (setup, rest) = text.split_at(end + SETUP_END.len());
    let prompt = rest.trim_start();
    (setup, (!prompt.trim().is_empty()).then_some(prompt))
}

/// The directory Gemini CLI says it works in, in the context of the first turn.
fn working_directory(setup: &str) -> Option<String> {
    let mut lines = setup.lines().map(str::trim);
    // Older versions: "I'm currently working in the directory: /path".
    let older = setup.lines().find_map(|line| {
        line.trim()
            .strip_prefix("I'm currently working in the directory:")
            .map(str::trim)
    });
    // Newer versions list the workspace directories under a heading, one per line.
    let newer = lines
        .find(|line| *line == "- **Workspace Directories:**")
        .and_then(|_| lines.next())
        .and_then(|line| line.strip_prefix("- "))
        .map(str::trim);
    older
        .or(newer)
        .filter(|directory| !directory.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_working_directory_is_read_from_both_setup_texts() {
        let older = "This is the Gemini CLI. We are setting up the context for our chat.\n\
                     My operating system is: linux\n\
                     I'm currently working in the directory: /home/ana/app\n\
                     Here is the folder structure";
        assert_eq!(working_directory(older).as_deref(), Some("/home/ana/app"));
        let newer = "<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat.\n\
                     - **Workspace Directories:**\n  - /srv/billing\n- **Directory Structure:**\n";
        assert_eq!(working_directory(newer).as_deref(), Some("/srv/billing"));
        assert_eq!(working_directory("nothing here"), None);
    }
}
