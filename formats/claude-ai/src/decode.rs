//! Claude.ai's `conversations.json` to one checkpoint per conversation.

use std::collections::{HashMap, HashSet};

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, json_error, model_or_unknown, timestamp, titled_name, unique_names,
    without_bom,
};

pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<DecodeOutcome>, DecodeError> {
    let bytes = without_bom(bytes);
    let document: Value = serde_json::from_slice(bytes).map_err(|error| json_error(&error))?;
    let Value::Array(conversations) = document else {
        return Err(DecodeError::new(
            "expected a JSON array of Claude.ai conversations, as conversations.json holds them",
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
            Some(outcome) => outcomes.push(outcome),
            None => left_out.push(format!(
                "conversation {position} ({}) of the export has no messages and was not imported",
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

fn text_of<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// A conversation's name in quotes, or its uuid, for notes.
fn describe(conversation: &Map<String, Value>) -> String {
    match text_of(conversation, "name") {
        Some(name) => format!("{name:?}"),
        None => format!("uuid {:?}", text_of(conversation, "uuid").unwrap_or("none")),
    }
}

/// One conversation as a checkpoint; `None` for one without messages.
fn decode_conversation(
    position: usize,
    conversation: &Map<String, Value>,
) -> Result<Option<DecodeOutcome>, DecodeError> {
    let messages: Vec<&Map<String, Value>> = match conversation.get("chat_messages") {
        Some(Value::Array(messages)) => messages
            .iter()
            .enumerate()
            .map(|(index, message)| {
                message.as_object().ok_or_else(|| {
                    DecodeError::new(format!(
                        "message {} of conversation {position} is not a JSON object",
                        index + 1
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(DecodeError::new(format!(
                "the chat_messages of conversation {position} are not an array"
            )));
        }
    };
    let mut decoder = Decoder::default();
    let branch = decoder.branch(&messages, conversation.get("current_leaf_message_uuid"));
    for message in branch {
        decoder.message(message);
    }
    let pending = std::mem::take(&mut decoder.pending);
    for (_, name) in pending {
        decoder
            .notes
            .tally(format!("calls to {name:?} without a recorded result"));
    }
    if decoder.messages.is_empty() {
        return Ok(None);
    }

    let title = text_of(conversation, "name");
    let uuid = text_of(conversation, "uuid");
    let name = titled_name(crate::NAME, title, uuid)
        .unwrap_or_else(|| format!("{}-{position}", crate::NAME));
    let mut metadata = Map::new();
    if let Some(title) = title {
        metadata.insert("title".into(), Value::from(title));
    }
    if let Some(uuid) = uuid {
        metadata.insert("conversation_uuid".into(), Value::from(uuid));
    }
    if let Some(summary) = text_of(conversation, "summary") {
        metadata.insert("summary".into(), Value::from(summary));
    }
    let model = text_of(conversation, "model")
        .map(str::to_owned)
        .or_else(|| {
            decoder
                .messages
                .iter()
                .rev()
                .find_map(|message| message.model.clone())
        });
    let model = model_or_unknown(
        model,
        "the export does not say which model answered",
        &mut decoder.notes,
    );
    let created_at = timestamp(conversation.get("created_at"), &mut decoder.notes);
    let updated_at = timestamp(conversation.get("updated_at"), &mut decoder.notes);
    let envelope = Envelope {
        name,
        provider: "anthropic",
        model,
        context: Context::default(),
        metadata,
        created_at,
        updated_at,
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, decoder.messages, decoder.notes)
        .map(Some)
}

fn uuid(message: &Map<String, Value>) -> Option<&str> {
    message.get("uuid").and_then(Value::as_str)
}

fn parent(message: &Map<String, Value>) -> Option<&str> {
    message.get("parent_message_uuid").and_then(Value::as_str)
}

/// The text and calls of an assistant turn not yet pushed, or a user turn's text.
#[derive(Debug, Default)]
struct Turn {
    text: String,
    calls: Vec<ToolCall>,
}

#[derive(Debug, Default)]
struct Decoder {
    notes: Notes,
    messages: Vec<Message>,
    /// Calls not answered yet, oldest first: `(id, tool name)`.
    pending: Vec<(String, String)>,
    /// Calls given an id here because the file had none, for `toolu_N`.
    generated_ids: usize,
}

impl Decoder {
    /// The messages to import: all of them, or the current branch when the conversation has
    /// several.
    fn branch<'a>(
        &mut self,
        messages: &[&'a Map<String, Value>],
        current_leaf: Option<&Value>,
    ) -> Vec<&'a Map<String, Value>> {
        let mut children: HashMap<&str, usize> = HashMap::new();
        for message in messages {
            if let Some(parent) = parent(message) {
                *children.entry(parent).or_default() += 1;
            }
        }
        if children.values().all(|count| *count <= 1) {
            return messages.to_vec();
        }
        let by_uuid: HashMap<&str, &'a Map<String, Value>> = messages
            .iter()
            .filter_map(|message| uuid(message).map(|id| (id, *message)))
            .collect();
        let leaf = current_leaf
            .and_then(Value::as_str)
            .and_then(|id| by_uuid.get(id).copied())
            .or_else(|| messages.last().copied());
        let mut branch = Vec::new();
        let mut seen = HashSet::new();
        let mut next = leaf;
        while let Some(message) = next {
            if !seen.insert(uuid(message).unwrap_or_default()) {
                break;
            }
            branch.push(message);
            next = parent(message).and_then(|id| by_uuid.get(id).copied());
        }
        branch.reverse();
        let elsewhere = messages.len() - branch.len();
        if elsewhere > 0 {
            self.notes.add(format!(
                "{elsewhere} messages on other branches (edited prompts, retried answers) not imported"
            ));
        }
        branch
    }

    fn message(&mut self, message: &Map<String, Value>) {
        let role = match message.get("sender").and_then(Value::as_str) {
            Some("human") => Role::User,
            Some("assistant") => Role::Assistant,
            other => {
                self.notes.tally(format!(
                    "messages from the unknown sender {:?} skipped",
                    other.unwrap_or("")
                ));
                return;
            }
        };
        let created_at = timestamp(message.get("created_at"), &mut self.notes);
        let model = text_of(message, "model").map(str::to_owned);
        let blocks: Vec<Value> = match message.get("content") {
            Some(Value::Array(blocks)) if !blocks.is_empty() => blocks.clone(),
            _ => vec![serde_json::json!({
                "type": "text",
                "text": message.get("text").and_then(Value::as_str).unwrap_or(""),
            })],
        };
        let mut turn = Turn::default();
        for block in &blocks {
            let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
            match kind {
                "text" => {
                    let text = block.get("text").and_then(Value::as_str).unwrap_or("");
                    push_paragraph(&mut turn.text, text);
                }
                "thinking" | "redacted_thinking" => self
                    .notes
                    .tally("thinking blocks (the model's reasoning) not imported"),
                "tool_use" => {
                    if let Some(call) = self.call(block) {
                        turn.calls.push(call);
                    }
                }
                "tool_result" => {
                    // What came before the result was said, and the calls made, before it.
                    if role == Role::Assistant {
                        let before = std::mem::take(&mut turn);
                        self.push_assistant(before, created_at, model.clone());
                    }
                    self.result(block, created_at);
                }
                other => self
                    .notes
                    .tally(format!("content blocks of the kind {other:?} skipped")),
            }
        }
        match role {
            Role::User => {
                self.attachments(message, &mut turn.text);
                if turn.text.trim().is_empty() {
                    self.notes.tally("empty prompts skipped");
                } else {
                    let mut prompt = Message::new(Role::User, turn.text);
                    prompt.created_at = created_at;
                    self.messages.push(prompt);
                }
            }
            _ => self.push_assistant(turn, created_at, model),
        }
    }

    fn push_assistant(&mut self, turn: Turn, created_at: Option<Timestamp>, model: Option<String>) {
        if turn.text.trim().is_empty() && turn.calls.is_empty() {
            return;
        }
        let mut answer = Message::new(Role::Assistant, turn.text);
        answer.created_at = created_at;
        answer.model = model;
        answer.tool_calls = turn.calls;
        self.messages.push(answer);
    }

    /// Appends the extracted text of a prompt's attachments, and placeholders for its files.
    fn attachments(&mut self, message: &Map<String, Value>, text: &mut String) {
        let name = |item: &Value| {
            item.get("file_name")
                .and_then(Value::as_str)
                .unwrap_or("a file")
                .to_owned()
        };
        for attachment in message
            .get("attachments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            match attachment
                .get("extracted_content")
                .and_then(Value::as_str)
                .filter(|content| !content.trim().is_empty())
            {
                Some(content) => {
                    push_paragraph(
                        text,
                        &format!("[attachment: {}]\n{content}", name(attachment)),
                    );
                    self.notes.tally(
                        "attachments' extracted text kept after their prompt, under [attachment: NAME]",
                    );
                }
                None => {
                    push_paragraph(text, &format!("[attachment omitted: {}]", name(attachment)));
                    self.notes.tally(
                        "attachments without extracted text replaced by [attachment omitted: NAME]",
                    );
                }
            }
        }
        for file in message
            .get("files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push_paragraph(text, &format!("[attachment omitted: {}]", name(file)));
            self.notes
                .tally("uploaded files (not in the export) replaced by [attachment omitted: NAME]");
        }
    }

    fn call(&mut self, block: &Value) -> Option<ToolCall> {
        let Some(name) = block
            .get("name")
            .and_then(Value::as_str)
            .filter(|name| !name.is_empty())
        else {
            self.notes.tally("tool uses without a name skipped");
            return None;
        };
        let id = match block.get("id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => {
                self.generated_ids += 1;
                format!("toolu_{}", self.generated_ids)
            }
        };
        self.pending.push((id.clone(), name.to_owned()));
        Some(ToolCall {
            id,
            name: name.to_owned(),
            arguments: block.get("input").cloned().unwrap_or(Value::Null),
        })
    }

    fn result(&mut self, block: &Value, created_at: Option<Timestamp>) {
        let name = block.get("name").and_then(Value::as_str).unwrap_or("");
        let id = block
            .get("tool_use_id")
            .and_then(Value::as_str)
            .filter(|id| !id.is_empty());
        let position = match id {
            Some(id) => self.pending.iter().position(|(pending, _)| pending == id),
            None => self.pending.iter().position(|(_, tool)| tool == name),
        };
        let answered = position.map(|position| self.pending.remove(position).0);
        let tool_call_id = id.map(str::to_owned).or(answered);
        if tool_call_id.is_none() {
            self.notes
                .tally("tool results that answer no call imported without a tool_call_id");
        }
        let mut result = Message::new(Role::Tool, result_text(block.get("content")));
        result.created_at = created_at;
        result.tool_call_id = tool_call_id;
        self.messages.push(result);
    }
}

/// A tool result's content as text: text blocks as they are, search hits as title, address and
/// text, anything else as JSON.
fn result_text(content: Option<&Value>) -> String {
    let mut text = String::new();
    match content {
        None | Some(Value::Null) => {}
        Some(Value::String(content)) => text.push_str(content),
        Some(Value::Array(items)) => {
            for item in items {
                let piece = match item {
                    Value::String(piece) => piece.clone(),
                    Value::Object(object)
                        if object.get("type").and_then(Value::as_str) == Some("text") =>
                    {
                        object
                            .get("text")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_owned()
                    }
                    Value::Object(object)
                        if object.contains_key("title") || object.contains_key("url") =>
                    {
                        let field = |key: &str| object.get(key).and_then(Value::as_str);
                        let mut piece = field("title").unwrap_or("").to_owned();
                        if let Some(url) = field("url") {
                            piece = if piece.is_empty() {
                                url.to_owned()
                            } else {
                                format!("{piece} ({url})")
                            };
                        }
                        push_paragraph(&mut piece, field("text").unwrap_or(""));
                        piece
                    }
                    other => other.to_string(),
                };
                push_paragraph(&mut text, &piece);
            }
        }
        Some(other) => text.push_str(&other.to_string()),
    }
    text
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
