//! Claude Code session transcripts (JSON Lines) to the checkpoint document.

use std::collections::{HashMap, HashSet};

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, TokenUsage, ToolCall};
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, fnv1a, lines, parse_line, short_id, timestamp, without_bom,
};

/// Event types that carry no conversation and are skipped without a note.
const BOOKKEEPING: &[&str] = &[
    "summary",
    "custom-title",
    "file-history-snapshot",
    "queue-operation",
    "progress",
];

/// The model Claude Code names on messages it wrote itself (API errors, interruptions).
const SYNTHETIC_MODEL: &str = "<synthetic>";

/// One line of the transcript.
#[derive(Debug)]
struct Event {
    line: usize,
    fields: Map<String, Value>,
}

impl Event {
    fn str(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(Value::as_str)
    }

    fn kind(&self) -> Option<&str> {
        self.str("type")
    }

    fn uuid(&self) -> Option<&str> {
        self.str("uuid")
    }

    fn is_sidechain(&self) -> bool {
        self.fields.get("isSidechain").and_then(Value::as_bool) == Some(true)
    }

    /// The API message of a `user` or `assistant` event.
    fn message(&self) -> Option<&Map<String, Value>> {
        match self.kind() {
            Some("user" | "assistant") => self.fields.get("message")?.as_object(),
            _ => None,
        }
    }

    /// The assistant message's API id, shared by the events one streamed response was split into.
    fn message_id(&self) -> Option<&str> {
        if self.kind() != Some("assistant") {
            return None;
        }
        self.message()?.get("id")?.as_str()
    }

    fn content_blocks(&self) -> impl Iterator<Item = &Value> {
        self.message()
            .and_then(|message| message.get("content"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
    }

    /// Ids of the `tool_use` blocks of an assistant event.
    fn tool_use_ids(&self) -> impl Iterator<Item = &str> {
        self.content_blocks()
            .filter(|block| block_type(block) == Some("tool_use"))
            .filter_map(|block| block.get("id").and_then(Value::as_str))
    }

    /// Ids of the calls the `tool_result` blocks of a user event answer.
    fn tool_result_ids(&self) -> impl Iterator<Item = &str> {
        self.content_blocks()
            .filter(|block| block_type(block) == Some("tool_result"))
            .filter_map(|block| block.get("tool_use_id").and_then(Value::as_str))
    }
}

fn block_type(block: &Value) -> Option<&str> {
    block.get("type").and_then(Value::as_str)
}

pub(crate) fn decode(bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let bytes = without_bom(bytes);
    let mut events = Vec::new();
    for (number, line) in lines(bytes) {
        events.push(Event {
            line: number,
            fields: parse_line(number, line)?,
        });
    }
    let mut notes = Notes::default();
    for event in &events {
        match event.kind() {
            Some("user" | "assistant" | "system") => {}
            Some(kind) if BOOKKEEPING.contains(&kind) => {}
            Some(kind) => notes.tally(format!("events of unknown type {kind:?} skipped")),
            None => notes.tally("events without a type skipped"),
        }
    }
    let sidechain = events.iter().filter(|event| event.is_sidechain()).count();
    if sidechain > 0 {
        notes.add(format!(
            "{sidechain} sidechain events (sub-agent conversations) were left out"
        ));
    }

    let selected = select(&events, &mut notes);
    let mut builder = Builder::new(notes);
    for &index in &selected {
        builder.event(&events[index]);
    }
    let Builder {
        mut notes,
        mut messages,
        compactions,
        ..
    } = builder;
    // A response that was only thinking (an interrupted turn) leaves nothing to show.
    messages.retain(|message| {
        message.role != Role::Assistant
            || !message.content.is_empty()
            || !message.tool_calls.is_empty()
    });
    let archived = messages.iter().filter(|message| message.archived).count();
    if compactions > 0 {
        notes.add(format!(
            "the conversation was compacted {compactions} time(s); the {archived} messages before \
             the last compaction are marked archived"
        ));
    }

    let main: Vec<&Event> = selected.iter().map(|&index| &events[index]).collect();
    let session_id = events.iter().find_map(|event| event.str("sessionId"));
    let name = match session_id.and_then(short_id) {
        Some(short) => format!("claude-code-{short}"),
        None => {
            notes.add(
                "the transcript names no sessionId; the session is named by a hash of the file",
            );
            format!("claude-code-{:08x}", fnv1a(bytes))
        }
    };
    let model = messages
        .iter()
        .rev()
        .find_map(|message| message.model.clone())
        .unwrap_or_else(|| {
            notes.add("no assistant message names its model; the session's model is \"unknown\"");
            "unknown".to_owned()
        });
    let mut metadata = Map::new();
    if let Some(id) = session_id {
        metadata.insert("session_id".into(), Value::from(id));
    }
    // A `/rename` title wins over the summary Claude Code generates.
    let title = last_str(&events, "custom-title", "customTitle")
        .or_else(|| last_str(&events, "summary", "summary"));
    if let Some(title) = title {
        metadata.insert("title".into(), Value::from(title));
    }
    if let Some(version) = main.iter().rev().find_map(|event| event.str("version")) {
        metadata.insert("claude_code_version".into(), Value::from(version));
    }
    let branch = main
        .iter()
        .rev()
        .find_map(|event| event.str("gitBranch").filter(|branch| !branch.is_empty()));
    if let Some(branch) = branch {
        metadata.insert("git_branch".into(), Value::from(branch));
    }
    let envelope = Envelope {
        name,
        provider: "anthropic",
        model,
        context: Context {
            working_directory: main
                .iter()
                .find_map(|event| event.str("cwd"))
                .map(str::to_owned),
            ..Context::default()
        },
        metadata,
        created_at: None,
        updated_at: None,
    };
    confab_core::transcript::checkpoint(crate::NAME, envelope, messages, notes)
}

/// The string `key` of the last event of type `kind`.
fn last_str<'a>(events: &'a [Event], kind: &str, key: &str) -> Option<&'a str> {
    events
        .iter()
        .rev()
        .filter(|event| event.kind() == Some(kind))
        .find_map(|event| event.str(key))
}

/// The indices of the main thread's events, in file order.
///
/// The main thread is the `parentUuid` chain that ends at the last event, which leaves out
/// sidechains and the branches a rewind or an edited prompt abandoned. Two kinds of event hang
/// off that chain rather than lying on it, and are put back: the other events of a response whose
/// blocks were written one event each, and the results of parallel tool calls, each of which is
/// a child of the event that made its call.
fn select(events: &[Event], notes: &mut Notes) -> Vec<usize> {
    let main: Vec<usize> = (0..events.len())
        .filter(|&index| !events[index].is_sidechain())
        .collect();
    let by_uuid: HashMap<&str, usize> = main
        .iter()
        .filter_map(|&index| events[index].uuid().map(|uuid| (uuid, index)))
        .collect();
    let linked = main
        .iter()
        .any(|&index| events[index].str("parentUuid").is_some());
    let Some(leaf) = main
        .iter()
        .rev()
        .copied()
        .find(|&index| events[index].uuid().is_some())
    else {
        return main;
    };
    if !linked {
        if main
            .iter()
            .filter(|&&index| events[index].message().is_some())
            .count()
            > 1
        {
            notes.add("the events carry no parentUuid links; messages are in file order");
        }
        return main;
    }

    let mut chain = HashSet::new();
    let mut current = Some(leaf);
    while let Some(index) = current {
        if !chain.insert(index) {
            notes.add(format!(
                "the parentUuid chain loops at line {}; messages are in file order",
                events[index].line
            ));
            return main;
        }
        let event = &events[index];
        current = match (event.str("parentUuid"), event.str("logicalParentUuid")) {
            (Some(parent), _) => match by_uuid.get(parent) {
                Some(&parent) => Some(parent),
                None => {
                    notes.add(format!(
                        "the parentUuid chain breaks at line {}: its parent {parent} is not in \
                         the file; messages are in file order",
                        event.line
                    ));
                    return main;
                }
            },
            // A compaction boundary starts a new chain but names the one it continues.
            (None, Some(logical)) => match by_uuid.get(logical) {
                Some(&parent) => Some(parent),
                None => {
                    notes.add(
                        "the conversation continues one compacted in another file, which is \
                         not part of this import",
                    );
                    None
                }
            },
            (None, None) => None,
        };
    }

    // The other parts of responses on the chain.
    let response_ids: HashSet<&str> = chain
        .iter()
        .filter_map(|&index| events[index].message_id())
        .collect();
    for &index in &main {
        if events[index]
            .message_id()
            .is_some_and(|id| response_ids.contains(id))
        {
            chain.insert(index);
        }
    }
    // Results of calls on the chain that the chain does not hold.
    let mut unanswered: HashSet<&str> = chain
        .iter()
        .flat_map(|&index| events[index].tool_use_ids())
        .collect();
    for &index in &chain {
        for id in events[index].tool_result_ids() {
            unanswered.remove(id);
        }
    }
    for &index in &main {
        let event = &events[index];
        let mut results = event.tool_result_ids().peekable();
        if !chain.contains(&index)
            && results.peek().is_some()
            && results.all(|id| unanswered.contains(id))
        {
            for id in event.tool_result_ids() {
                unanswered.remove(id);
            }
            chain.insert(index);
        }
    }

    let abandoned = main
        .iter()
        .filter(|&&index| !chain.contains(&index) && events[index].message().is_some())
        .count();
    if abandoned > 0 {
        notes.add(format!(
            "{abandoned} events on abandoned branches (rewound or edited turns) were left out"
        ));
    }
    // An append-only log: a parent is always written before its children.
    main.into_iter()
        .filter(|index| chain.contains(index))
        .collect()
}

/// Turns the main thread's events into messages.
#[derive(Debug)]
struct Builder {
    notes: Notes,
    messages: Vec<Message>,
    /// Where each assistant response (by API message id) went, to merge its later parts in.
    responses: HashMap<String, usize>,
    compactions: usize,
}

impl Builder {
    fn new(notes: Notes) -> Builder {
        Builder {
            notes,
            messages: Vec::new(),
            responses: HashMap::new(),
            compactions: 0,
        }
    }

    fn event(&mut self, event: &Event) {
        match event.kind() {
            Some("user") => self.user(event),
            Some("assistant") => self.assistant(event),
            Some("system") => self.system(event),
            _ => {}
        }
    }

    fn system(&mut self, event: &Event) {
        if event.str("subtype") == Some("compact_boundary") {
            // What came before was summarised; the model no longer sees it.
            for message in &mut self.messages {
                message.archived = true;
            }
            self.compactions += 1;
        } else {
            self.notes
                .tally("Claude Code notices (system events) not imported");
        }
    }

    fn user(&mut self, event: &Event) {
        let Some(message) = event.message() else {
            self.notes.tally("user events without a message skipped");
            return;
        };
        let created_at = timestamp(event.fields.get("timestamp"), &mut self.notes);
        let mut texts = Vec::new();
        match message.get("content") {
            Some(Value::String(text)) => texts.push(text.clone()),
            Some(Value::Array(blocks)) => {
                for block in blocks {
                    match block_type(block) {
                        Some("text") => {
                            if let Some(text) = block.get("text").and_then(Value::as_str) {
                                texts.push(text.to_owned());
                            }
                        }
                        Some("tool_result") => {
                            let mut result = Message::new(Role::Tool, self.tool_result(block));
                            result.created_at = created_at;
                            result.tool_call_id = block
                                .get("tool_use_id")
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                            self.messages.push(result);
                        }
                        other => texts.push(self.placeholder(other)),
                    }
                }
            }
            _ => self.notes.tally("user events without content skipped"),
        }
        if !texts.is_empty() {
            let mut user = Message::new(Role::User, texts.join("\n"));
            user.created_at = created_at;
            self.messages.push(user);
        }
    }

    /// The text of a `tool_result` block, whose content is a string or a list of blocks.
    fn tool_result(&mut self, block: &Value) -> String {
        if block.get("is_error").and_then(Value::as_bool) == Some(true) {
            self.notes.tally(
                "tool results marked as errors (kept as plain tool messages; the checkpoint has \
                 no error flag)",
            );
        }
        match block.get("content") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(blocks)) => blocks
                .iter()
                .map(|inner| match block_type(inner) {
                    Some("text") => inner
                        .get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    other => self.placeholder(other),
                })
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        }
    }

    /// A stand-in for a block a checkpoint's text cannot hold, such as an image.
    fn placeholder(&mut self, kind: Option<&str>) -> String {
        let kind = kind.unwrap_or("untyped");
        self.notes.tally(format!(
            "{kind} blocks replaced by the placeholder [{kind} omitted]"
        ));
        format!("[{kind} omitted]")
    }

    fn assistant(&mut self, event: &Event) {
        let Some(message) = event.message() else {
            self.notes
                .tally("assistant events without a message skipped");
            return;
        };
        let mut texts = Vec::new();
        let mut calls = Vec::new();
        match message.get("content") {
            Some(Value::String(text)) => texts.push(text.clone()),
            Some(Value::Array(blocks)) => {
                for block in blocks {
                    match block_type(block) {
                        Some("text") => {
                            if let Some(text) = block.get("text").and_then(Value::as_str) {
                                texts.push(text.to_owned());
                            }
                        }
                        Some("thinking" | "redacted_thinking") => self
                            .notes
                            .tally("thinking blocks not imported (the model's private reasoning)"),
                        Some("tool_use" | "server_tool_use") => {
                            let name = block.get("name").and_then(Value::as_str).unwrap_or("");
                            let id = block.get("id").and_then(Value::as_str).unwrap_or("");
                            if name.is_empty() {
                                self.notes.tally("tool calls without a name skipped");
                                continue;
                            }
                            calls.push(ToolCall {
                                id: id.to_owned(),
                                name: name.to_owned(),
                                arguments: block.get("input").cloned().unwrap_or(Value::Null),
                            });
                        }
                        other => {
                            let kind = other.unwrap_or("untyped");
                            self.notes
                                .tally(format!("assistant blocks of type {kind:?} not imported"));
                        }
                    }
                }
            }
            _ => {}
        }
        let usage = message.get("usage").map(|usage| self.usage(usage));
        let model = message
            .get("model")
            .and_then(Value::as_str)
            .filter(|model| !model.is_empty());
        let synthetic = model == Some(SYNTHETIC_MODEL);
        // Claude Code's own messages cost nothing; their zero usage would only skew totals.
        let usage = usage.filter(|_| !synthetic);
        if synthetic {
            self.notes.tally(
                "assistant messages written by Claude Code itself (errors, interruptions) rather \
                 than the model",
            );
        }
        let text = texts.join("\n\n");

        // Later parts of a response already started: merge them in.
        if let Some(&index) = event.message_id().and_then(|id| self.responses.get(id)) {
            let earlier = &mut self.messages[index];
            if !text.is_empty() {
                if !earlier.content.is_empty() {
                    earlier.content.push_str("\n\n");
                }
                earlier.content.push_str(&text);
            }
            earlier.tool_calls.extend(calls);
            if usage.is_some() {
                earlier.usage = usage;
            }
            return;
        }
        if text.is_empty() && calls.is_empty() {
            // Only thinking so far; a later part of the response may bring the text.
            if let Some(id) = event.message_id() {
                let mut empty = Message::new(Role::Assistant, "");
                empty.created_at = timestamp(event.fields.get("timestamp"), &mut self.notes);
                empty.model = model.filter(|_| !synthetic).map(str::to_owned);
                empty.usage = usage;
                self.responses.insert(id.to_owned(), self.messages.len());
                self.messages.push(empty);
            }
            return;
        }
        let mut assistant = Message::new(Role::Assistant, text);
        assistant.created_at = timestamp(event.fields.get("timestamp"), &mut self.notes);
        assistant.model = model.filter(|_| !synthetic).map(str::to_owned);
        assistant.usage = usage;
        assistant.tool_calls = calls;
        if let Some(id) = event.message_id() {
            self.responses.insert(id.to_owned(), self.messages.len());
        }
        self.messages.push(assistant);
    }

    /// Anthropic's counts as they are: `input_tokens` is the uncached input, cache reads and
    /// writes come beside it (see `TokenUsage`).
    fn usage(&mut self, usage: &Value) -> TokenUsage {
        let count = |key: &str| usage.get(key).and_then(Value::as_u64);
        TokenUsage {
            input_tokens: count("input_tokens"),
            output_tokens: count("output_tokens"),
            cached_input_tokens: count("cache_read_input_tokens"),
            cache_write_tokens: count("cache_creation_input_tokens"),
            reasoning_tokens: None,
        }
    }
}
