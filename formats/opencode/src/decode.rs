//! `opencode export` to the checkpoint.

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, UNKNOWN_MODEL, json_error, provider_of_model, short_id, titled_name,
    without_bom,
};

pub(crate) fn decode(bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let bytes = without_bom(bytes);
    let document: Value = serde_json::from_slice(bytes).map_err(|error| json_error(&error))?;
    let shape = "expected what `opencode export` writes: an object with the session's `info` and its `messages`";
    let Some(info) = document.get("info").filter(|info| info.is_object()) else {
        return Err(DecodeError::new(shape));
    };
    let Some(messages) = document.get("messages").and_then(Value::as_array) else {
        return Err(DecodeError::new(shape));
    };
    let mut decoder = Decoder::default();
    for (index, message) in messages.iter().enumerate() {
        let number = index + 1;
        let Some(message) = message.as_object() else {
            return Err(DecodeError::new(format!(
                "message {number} is not a JSON object"
            )));
        };
        decoder.message(number, message)?;
    }
    let pending = std::mem::take(&mut decoder.pending);
    for (_, name) in pending {
        decoder.notes.tally(format!(
            "calls to {name:?} still pending or running when the session was exported, without a result"
        ));
    }

    let session_model = info.get("model");
    let model = session_model
        .and_then(|model| text_of(model, "id"))
        .map(str::to_owned)
        .or_else(|| decoder.last_model.clone());
    let model = match model {
        Some(model) => model,
        None => {
            decoder
                .notes
                .add("the session names no model; its model is \"unknown\"");
            UNKNOWN_MODEL.to_owned()
        }
    };
    let provider = session_model
        .and_then(|model| text_of(model, "providerID"))
        .map(str::to_owned)
        .or_else(|| decoder.last_provider.clone())
        .or_else(|| provider_of_model(&model).map(str::to_owned));
    let provider = match provider {
        Some(provider) => provider,
        None => {
            decoder
                .notes
                .add("the session names no provider; its provider is \"unknown\"");
            "unknown".to_owned()
        }
    };

    let id = text_of(info, "id");
    let title = text_of(info, "title");
    let name = titled_name(
        crate::NAME,
        title,
        id.map(|id| id.strip_prefix("ses_").unwrap_or(id)),
    )
    .or_else(|| {
        id.and_then(short_id)
            .map(|short| format!("{}-{short}", crate::NAME))
    })
    .ok_or_else(|| DecodeError::new("the session has neither a title nor an id"))?;
    let mut metadata = Map::new();
    for (key, value) in [
        ("session_id", id),
        ("title", title),
        ("opencode_version", text_of(info, "version")),
        ("parent_session_id", text_of(info, "parentID")),
    ] {
        if let Some(value) = value {
            metadata.insert(key.into(), Value::from(value));
        }
    }
    let working_directory = text_of(info, "directory")
        .map(str::to_owned)
        .or_else(|| decoder.working_directory.clone());
    let context = Context {
        working_directory,
        files_accessed: std::mem::take(&mut decoder.files),
        ..Context::default()
    };
    let time = info.get("time");
    let envelope = Envelope {
        name,
        // Replaced below: the file names its provider, which is not a `'static` name.
        provider: UNKNOWN_MODEL,
        model,
        context,
        metadata,
        created_at: milliseconds(time.and_then(|time| time.get("created"))),
        updated_at: milliseconds(time.and_then(|time| time.get("updated"))),
    };
    let mut outcome = confab_core::transcript::checkpoint(
        crate::NAME,
        envelope,
        decoder.messages,
        decoder.notes,
    )?;
    outcome.checkpoint.session.provider = provider;
    Ok(outcome)
}

fn text_of<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

/// Unix milliseconds as a timestamp.
fn milliseconds(value: Option<&Value>) -> Option<Timestamp> {
    Timestamp::from_millisecond(value?.as_i64()?).ok()
}

/// opencode's token counts of a step or a message.
fn usage(tokens: Option<&Value>) -> Option<TokenUsage> {
    let tokens = tokens.filter(|tokens| tokens.is_object())?;
    let count = |pointer: &str| tokens.pointer(pointer).and_then(Value::as_u64);
    let usage = TokenUsage {
        input_tokens: count("/input"),
        output_tokens: count("/output"),
        cached_input_tokens: count("/cache/read"),
        cache_write_tokens: count("/cache/write"),
        reasoning_tokens: count("/reasoning"),
    };
    (usage != TokenUsage::default()).then_some(usage)
}

/// One step of an answer not pushed yet: its text, its calls and their results.
#[derive(Debug, Default)]
struct Step {
    text: String,
    calls: Vec<ToolCall>,
    results: Vec<Message>,
    started: Option<Timestamp>,
}

impl Step {
    fn is_empty(&self) -> bool {
        self.text.trim().is_empty() && self.calls.is_empty() && self.results.is_empty()
    }
}

#[derive(Debug, Default)]
struct Decoder {
    notes: Notes,
    messages: Vec<Message>,
    /// Calls whose result is unknown (pending or running): `(id, tool name)`.
    pending: Vec<(String, String)>,
    files: Vec<String>,
    working_directory: Option<String>,
    last_model: Option<String>,
    last_provider: Option<String>,
}

/// The time a part started, for the step it opens.
fn part_start(part: &Value) -> Option<Timestamp> {
    milliseconds(
        part.pointer("/time/start")
            .or_else(|| part.pointer("/state/time/start")),
    )
}

impl Decoder {
    fn message(&mut self, number: usize, message: &Map<String, Value>) -> Result<(), DecodeError> {
        let Some(info) = message.get("info").filter(|info| info.is_object()) else {
            return Err(DecodeError::new(format!("message {number} has no `info`")));
        };
        let parts: &[Value] = match message.get("parts") {
            Some(Value::Array(parts)) => parts,
            None | Some(Value::Null) => &[],
            Some(_) => {
                return Err(DecodeError::new(format!(
                    "the parts of message {number} are not an array"
                )));
            }
        };
        let created = milliseconds(info.get("time").and_then(|time| time.get("created")));
        match info.get("role").and_then(Value::as_str) {
            Some("user") => self.prompt(parts, created),
            Some("assistant") => self.answer(info, parts, created),
            other => self.notes.tally(format!(
                "messages with the unknown role {:?} skipped",
                other.unwrap_or("")
            )),
        }
        Ok(())
    }

    fn prompt(&mut self, parts: &[Value], created: Option<Timestamp>) {
        let mut text = String::new();
        for part in parts {
            match part.get("type").and_then(Value::as_str).unwrap_or("") {
                "text" => {
                    if part.get("synthetic").and_then(Value::as_bool) == Some(true) {
                        self.notes.tally(
                            "text opencode added to prompts (mentioned files' content) not imported",
                        );
                        continue;
                    }
                    let piece = part.get("text").and_then(Value::as_str).unwrap_or("");
                    push_paragraph(&mut text, piece);
                }
                "file" => {
                    let name = ["filename", "url"]
                        .iter()
                        .find_map(|key| text_of(part, key))
                        .unwrap_or("a file");
                    push_paragraph(&mut text, &format!("[attachment omitted: {name}]"));
                    self.notes
                        .tally("files attached to prompts replaced by [attachment omitted: NAME]");
                }
                other => self.other_part(other),
            }
        }
        if text.trim().is_empty() {
            self.notes.tally("prompts without text skipped");
            return;
        }
        let mut prompt = Message::new(Role::User, text);
        prompt.created_at = created;
        self.messages.push(prompt);
    }

    fn answer(&mut self, info: &Value, parts: &[Value], created: Option<Timestamp>) {
        let model = text_of(info, "modelID").map(str::to_owned);
        let provider = text_of(info, "providerID").map(str::to_owned);
        if model.is_some() {
            self.last_model.clone_from(&model);
        }
        if provider.is_some() {
            self.last_provider.clone_from(&provider);
        }
        if self.working_directory.is_none() {
            self.working_directory = info
                .get("path")
                .and_then(|path| text_of(path, "cwd"))
                .map(str::to_owned);
        }
        if let Some(error) = info.get("error").filter(|error| !error.is_null()) {
            let name = text_of(error, "name").unwrap_or("an error");
            self.notes.tally(format!(
                "answers that ended in {name} (kept as far as they got)"
            ));
        }
        let mut step = Step::default();
        let mut steps_finished = false;
        for part in parts {
            let kind = part.get("type").and_then(Value::as_str).unwrap_or("");
            if step.started.is_none() && !matches!(kind, "step-start" | "step-finish") {
                step.started = part_start(part);
            }
            match kind {
                "text" => {
                    let piece = part.get("text").and_then(Value::as_str).unwrap_or("");
                    push_paragraph(&mut step.text, piece);
                }
                "reasoning" => self
                    .notes
                    .tally("reasoning parts (the model's thinking) not imported"),
                "tool" => self.tool(part, &mut step),
                "patch" => {
                    for file in part
                        .get("files")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !self.files.iter().any(|known| known == file) {
                            self.files.push(file.to_owned());
                        }
                    }
                }
                "step-finish" => {
                    steps_finished = true;
                    let finished = std::mem::take(&mut step);
                    self.push_step(
                        finished,
                        created,
                        usage(part.get("tokens")),
                        &model,
                        &provider,
                    );
                }
                "step-start" | "snapshot" => {}
                other => self.other_part(other),
            }
        }
        // What follows the last step's end, or a message without steps, which carries its own
        // usage.
        let usage = (!steps_finished)
            .then(|| usage(info.get("tokens")))
            .flatten();
        if !step.is_empty() || usage.is_some() {
            self.push_step(step, created, usage, &model, &provider);
        }
    }

    fn tool(&mut self, part: &Value, step: &mut Step) {
        let Some(name) = text_of(part, "tool") else {
            self.notes.tally("tool parts without a tool name skipped");
            return;
        };
        let id = text_of(part, "callID")
            .or_else(|| text_of(part, "id"))
            .unwrap_or("call")
            .to_owned();
        let state = part.get("state");
        step.calls.push(ToolCall {
            id: id.clone(),
            name: name.to_owned(),
            arguments: state
                .and_then(|state| state.get("input"))
                .cloned()
                .unwrap_or(Value::Null),
        });
        let status = state
            .and_then(|state| text_of(state, "status"))
            .unwrap_or("");
        let content = match status {
            "completed" => state.and_then(|state| state.get("output")),
            "error" => state.and_then(|state| state.get("error")),
            _ => {
                self.pending.push((id, name.to_owned()));
                return;
            }
        };
        let content = match content {
            Some(Value::String(text)) => text.clone(),
            None | Some(Value::Null) => String::new(),
            Some(other) => other.to_string(),
        };
        let mut result = Message::new(Role::Tool, content);
        result.tool_call_id = Some(id);
        result.created_at = milliseconds(part.pointer("/state/time/end"));
        step.results.push(result);
    }

    fn push_step(
        &mut self,
        step: Step,
        created: Option<Timestamp>,
        usage: Option<TokenUsage>,
        model: &Option<String>,
        provider: &Option<String>,
    ) {
        if step.text.trim().is_empty() && step.calls.is_empty() && usage.is_none() {
            return;
        }
        let mut answer = Message::new(Role::Assistant, step.text);
        answer.created_at = step.started.or(created);
        answer.model.clone_from(model);
        answer.provider.clone_from(provider);
        answer.usage = usage;
        answer.tool_calls = step.calls;
        self.messages.push(answer);
        self.messages.extend(step.results);
    }

    fn other_part(&mut self, kind: &str) {
        self.notes
            .tally(format!("parts of the kind {kind:?} not imported"));
    }
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
