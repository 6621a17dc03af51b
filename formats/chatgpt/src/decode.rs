//! ChatGPT's `conversations.json` to one checkpoint per conversation.

use std::collections::HashSet;

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, json_error, model_or_unknown, titled_name, unique_names, without_bom,
};

/// The model picker's setting that lets ChatGPT choose: not the name of a model.
const AUTO_MODEL: &str = "auto";

pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<DecodeOutcome>, DecodeError> {
    let bytes = without_bom(bytes);
    let document: Value = serde_json::from_slice(bytes).map_err(|error| json_error(&error))?;
    let Value::Array(conversations) = document else {
        return Err(DecodeError::new(
            "expected a JSON array of ChatGPT conversations, as conversations.json holds them",
        ));
    };
    let mut outcomes = Vec::new();
    let mut left_out = Vec::new();
    for (index, conversation) in conversations.iter().enumerate() {
        let position = index + 1;
        let Some(conversation) = conversation.as_object() else {
            return Err(DecodeError::new(format!(
                "conversation {position} is not a JSON object"
            )));
        };
        match decode_conversation(position, conversation)? {
            Ok(outcome) => outcomes.push(outcome),
            Err(reason) => left_out.push(format!(
                "conversation {position} ({}) of the export was not imported: {reason}",
                describe(conversation)
            )),
        }
    }
    if let Some(first) = outcomes.first_mut() {
        first.notes.extend(left_out);
    }
    unique_names(&mut outcomes);
    Ok(outcomes)
}

/// A conversation's title in quotes, or its id, for notes.
fn describe(conversation: &Map<String, Value>) -> String {
    match conversation.get("title").and_then(Value::as_str) {
        Some(title) => format!("{title:?}"),
        None => format!("id {:?}", conversation_id(conversation).unwrap_or("none")),
    }
}

fn conversation_id(conversation: &Map<String, Value>) -> Option<&str> {
    ["conversation_id", "id"]
        .iter()
        .find_map(|key| conversation.get(*key).and_then(Value::as_str))
        .filter(|id| !id.is_empty())
}

/// One conversation as a checkpoint; `Ok(Err(reason))` for one with nothing to import.
fn decode_conversation(
    position: usize,
    conversation: &Map<String, Value>,
) -> Result<Result<DecodeOutcome, String>, DecodeError> {
    let Some(mapping) = conversation.get("mapping").and_then(Value::as_object) else {
        return Ok(Err("it has no `mapping`".to_owned()));
    };
    let mut decoder = Decoder::default();
    let branch = decoder.branch(mapping, conversation.get("current_node"));
    let on_branch: HashSet<&str> = branch.iter().map(|(id, _)| *id).collect();
    let elsewhere = mapping
        .iter()
        .filter(|(id, node)| !on_branch.contains(id.as_str()) && is_shown(node.get("message")))
        .count();
    if elsewhere > 0 {
        decoder.notes.add(format!(
            "{elsewhere} messages on other branches (edited prompts, regenerated answers) not imported"
        ));
    }
    for (_, node) in &branch {
        if let Some(message) = node.get("message").filter(|message| !message.is_null()) {
            decoder.message(message);
        }
    }
    let mut pending = std::mem::take(&mut decoder.pending);
    for (_, name) in pending.drain(..) {
        decoder
            .notes
            .tally(format!("calls to {name:?} without a recorded result"));
    }
    if decoder.messages.is_empty() {
        return Ok(Err("it has no messages".to_owned()));
    }

    let title = conversation
        .get("title")
        .and_then(Value::as_str)
        .filter(|title| !title.trim().is_empty());
    let id = conversation_id(conversation);
    let name = titled_name(crate::NAME, title, id)
        .unwrap_or_else(|| format!("{}-{position}", crate::NAME));
    let mut metadata = Map::new();
    if let Some(title) = title {
        metadata.insert("title".into(), Value::from(title));
    }
    if let Some(id) = id {
        metadata.insert("conversation_id".into(), Value::from(id));
    }
    if let Some(gizmo) = conversation.get("gizmo_id").and_then(Value::as_str) {
        metadata.insert("gizmo_id".into(), Value::from(gizmo));
    }
    let default_model = conversation
        .get("default_model_slug")
        .and_then(Value::as_str)
        .filter(|model| !model.is_empty() && *model != AUTO_MODEL);
    let last_answer_model = decoder
        .messages
        .iter()
        .rev()
        .find_map(|message| message.model.clone());
    let model = model_or_unknown(
        default_model.map(str::to_owned).or(last_answer_model),
        "the conversation names no model",
        &mut decoder.notes,
    );
    let envelope = Envelope {
        name,
        provider: "openai",
        model,
        context: Context::default(),
        metadata,
        created_at: unix_time(conversation.get("create_time")),
        updated_at: unix_time(conversation.get("update_time")),
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, decoder.messages, decoder.notes)
        .map(Ok)
}

/// Unix seconds (a float in the export) as a timestamp, to the microsecond: the export's
/// precision, and as fine as a float of today's seconds can be exact.
fn unix_time(value: Option<&Value>) -> Option<Timestamp> {
    let seconds = value?.as_f64()?;
    let microseconds = (seconds * 1e6).round();
    if !microseconds.is_finite() || microseconds.abs() >= i64::MAX as f64 {
        return None;
    }
    Timestamp::from_microsecond(microseconds as i64).ok()
}

/// Whether a node's message is one ChatGPT shows, for counting the other branches.
fn is_shown(message: Option<&Value>) -> bool {
    let Some(message) = message.filter(|message| message.is_object()) else {
        return false;
    };
    !is_hidden(message) && message.pointer("/author/role").and_then(Value::as_str) != Some("system")
}

fn is_hidden(message: &Value) -> bool {
    message
        .pointer("/metadata/is_visually_hidden_from_conversation")
        .and_then(Value::as_bool)
        == Some(true)
}

#[derive(Debug, Default)]
struct Decoder {
    notes: Notes,
    messages: Vec<Message>,
    /// Calls not answered yet, oldest first: `(id, tool name)`.
    pending: Vec<(String, String)>,
    /// The call the last tool message answered, `(id, tool name)`, for further results of it.
    last_answered: Option<(String, String)>,
}

impl Decoder {
    /// The nodes from the root to the current leaf, with their ids.
    fn branch<'a>(
        &mut self,
        mapping: &'a Map<String, Value>,
        current: Option<&Value>,
    ) -> Vec<(&'a str, &'a Value)> {
        let leaf = match current.and_then(Value::as_str) {
            Some(id) if mapping.contains_key(id) => Some(id.to_owned()),
            _ => {
                self.notes.add(
                    "the conversation names no current node; the newest answer of each message was followed",
                );
                newest_leaf(mapping)
            }
        };
        let mut branch = Vec::new();
        let mut seen = HashSet::new();
        let mut next = leaf;
        while let Some(id) = next {
            let Some((id, node)) = mapping.get_key_value(&id) else {
                self.notes
                    .add(format!("the node {id:?} that a message names as its parent is missing; the branch starts after it"));
                break;
            };
            if !seen.insert(id.as_str()) {
                self.notes.add(
                    "the conversation's tree loops back on itself; the branch starts where it does",
                );
                break;
            }
            branch.push((id.as_str(), node));
            next = node
                .get("parent")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        branch.reverse();
        branch
    }

    fn message(&mut self, message: &Value) {
        let kind = message
            .pointer("/content/content_type")
            .and_then(Value::as_str);
        if kind == Some("user_editable_context") {
            self.notes
                .add("the custom instructions (user_editable_context) were not imported");
            return;
        }
        if is_hidden(message) {
            self.notes
                .tally("messages ChatGPT hides (system context, memory) skipped");
            return;
        }
        let role = message
            .pointer("/author/role")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(content) = self.content(message) else {
            return;
        };
        let created_at = unix_time(message.get("create_time"));
        let model = message
            .pointer("/metadata/model_slug")
            .and_then(Value::as_str)
            .filter(|model| !model.is_empty())
            .map(str::to_owned);
        match role {
            "user" => {
                let mut text = content;
                for attachment in message
                    .pointer("/metadata/attachments")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let name = attachment
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("a file");
                    push_line(&mut text, &format!("[attachment omitted: {name}]"));
                    self.notes.tally(
                        "attached files (not in conversations.json) replaced by [attachment omitted: NAME]",
                    );
                }
                if text.trim().is_empty() {
                    self.notes.tally("empty prompts skipped");
                } else {
                    self.push(Role::User, text, created_at, None);
                }
            }
            "system" => {
                if !content.trim().is_empty() {
                    self.push(Role::System, content, created_at, None);
                }
            }
            "assistant" => {
                let recipient = message
                    .get("recipient")
                    .and_then(Value::as_str)
                    .filter(|recipient| !recipient.is_empty() && *recipient != "all");
                match recipient {
                    Some(tool) => self.call(message, tool, content, created_at, model),
                    None if content.trim().is_empty() => {}
                    None => self.push(Role::Assistant, content, created_at, model),
                }
            }
            "tool" => self.result(message, content, created_at),
            other => self.notes.tally(format!(
                "messages by the unknown author role {other:?} skipped"
            )),
        }
    }

    /// The message's content as text; `None` for content that is not imported.
    fn content(&mut self, message: &Value) -> Option<String> {
        let content = message.get("content")?;
        let kind = content
            .get("content_type")
            .and_then(Value::as_str)
            .unwrap_or("");
        let field = |key: &str| {
            content
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let text = match kind {
            "text" | "multimodal_text" => self.parts(content.get("parts")),
            "code" | "execution_output" => field("text"),
            "tether_quote" | "sonic_webpage" => {
                let mut text = field("title");
                let url = field("url");
                if !url.is_empty() {
                    if text.is_empty() {
                        text = url;
                    } else {
                        text = format!("{text} ({url})");
                    }
                }
                push_paragraph(&mut text, &field("text"));
                text
            }
            "tether_browsing_display" => {
                let mut text = field("result");
                if text.trim().is_empty() {
                    text = field("summary");
                }
                text
            }
            "system_error" => {
                let name = field("name");
                let text = field("text");
                if name.is_empty() {
                    text
                } else {
                    format!("{name}: {text}")
                }
            }
            "thoughts" | "reasoning_recap" => {
                self.notes
                    .tally("reasoning (thoughts and their recaps) not imported");
                return None;
            }
            "model_editable_context" => {
                self.notes
                    .tally("the model's memory (model_editable_context) not imported");
                return None;
            }
            other => {
                if content.get("parts").is_some_and(Value::is_array) {
                    self.notes.tally(format!(
                        "content of the type {other:?} imported from its parts"
                    ));
                    self.parts(content.get("parts"))
                } else if let Some(text) = content.get("text").and_then(Value::as_str) {
                    self.notes.tally(format!(
                        "content of the type {other:?} imported from its text"
                    ));
                    text.to_owned()
                } else {
                    self.notes.tally(format!(
                        "messages with content of the type {other:?} skipped"
                    ));
                    return None;
                }
            }
        };
        Some(text)
    }

    /// `parts` as text: strings as they are, media as placeholders.
    fn parts(&mut self, parts: Option<&Value>) -> String {
        let mut text = String::new();
        for part in parts.and_then(Value::as_array).into_iter().flatten() {
            let piece = match part {
                Value::String(piece) => piece.clone(),
                Value::Object(object) => {
                    let kind = object
                        .get("content_type")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown");
                    match kind {
                        "audio_transcription" => object
                            .get("text")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned(),
                        "image_asset_pointer" => {
                            self.notes
                                .tally("images replaced by the placeholder [image omitted]");
                            "[image omitted]".to_owned()
                        }
                        kind if kind.contains("audio") || kind.contains("video") => {
                            self.notes.tally(
                                "audio and video replaced by the placeholder [audio omitted]",
                            );
                            "[audio omitted]".to_owned()
                        }
                        other => {
                            self.notes.tally(format!(
                                "{other} parts replaced by the placeholder [{other} omitted]"
                            ));
                            format!("[{other} omitted]")
                        }
                    }
                }
                _ => continue,
            };
            if piece.is_empty() {
                continue;
            }
            push_line(&mut text, &piece);
        }
        text
    }

    fn call(
        &mut self,
        message: &Value,
        tool: &str,
        text: String,
        created_at: Option<Timestamp>,
        model: Option<String>,
    ) {
        let id = message
            .get("id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty())
            .map_or_else(
                || format!("call_{}", self.messages.len() + 1),
                str::to_owned,
            );
        // What the model sends a tool is a JSON object for most tools and code for `python`.
        let arguments = match serde_json::from_str::<Value>(&text) {
            Ok(value @ Value::Object(_)) => value,
            _ => Value::String(text),
        };
        self.pending.push((id.clone(), tool.to_owned()));
        let mut call = Message::new(Role::Assistant, "");
        call.created_at = created_at;
        call.model = model;
        call.tool_calls.push(ToolCall {
            id,
            name: tool.to_owned(),
            arguments,
        });
        self.messages.push(call);
    }

    fn result(&mut self, message: &Value, content: String, created_at: Option<Timestamp>) {
        if content.trim().is_empty() {
            return;
        }
        let name = message
            .pointer("/author/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let answered = match self.pending.iter().position(|(_, tool)| tool == name) {
            Some(position) => Some(self.pending.remove(position)),
            // Another result of the tool that just answered (a search returns several quotes).
            None => self
                .last_answered
                .clone()
                .filter(|(_, tool)| tool == name)
                .filter(|_| {
                    self.messages
                        .last()
                        .is_some_and(|last| last.role == Role::Tool)
                }),
        };
        if answered.is_none() {
            self.notes
                .tally("tool results that answer no call imported without a tool_call_id");
        }
        let mut result = Message::new(Role::Tool, content);
        result.created_at = created_at;
        result.tool_call_id = answered.as_ref().map(|(id, _)| id.clone());
        self.last_answered = answered;
        self.messages.push(result);
    }

    fn push(
        &mut self,
        role: Role,
        content: String,
        created_at: Option<Timestamp>,
        model: Option<String>,
    ) {
        let mut message = Message::new(role, content);
        message.created_at = created_at;
        message.model = model;
        self.messages.push(message);
    }
}

/// The leaf reached from the root by always taking the newest (last) child.
fn newest_leaf(mapping: &Map<String, Value>) -> Option<String> {
    let root = mapping
        .iter()
        .find(|(_, node)| node.get("parent").is_none_or(Value::is_null))?;
    let mut id = root.0.clone();
    let mut seen = HashSet::new();
    while seen.insert(id.clone()) {
        let next = mapping
            .get(&id)
            .and_then(|node| node.get("children"))
            .and_then(Value::as_array)
            .and_then(|children| children.last())
            .and_then(Value::as_str)
            .filter(|child| mapping.contains_key(*child));
        match next {
            Some(child) => id = child.to_owned(),
            None => break,
        }
    }
    Some(id)
}

fn push_line(text: &mut String, line: &str) {
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(line);
}

fn push_paragraph(text: &mut String, paragraph: &str) {
    if paragraph.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(paragraph);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_keep_their_fraction() {
        let time = unix_time(Some(&Value::from(1_717_243_200.25))).expect("a time");
        assert_eq!(time.to_string(), "2024-06-01T12:00:00.25Z");
        assert_eq!(unix_time(Some(&Value::from(f64::MAX))), None);
        assert_eq!(unix_time(Some(&Value::Null)), None);
    }
}
