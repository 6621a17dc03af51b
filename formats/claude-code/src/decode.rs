//! Claude Code session transcripts (JSON Lines) to the checkpoint document.

use std::collections::{HashMap, HashSet};

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, TokenUsage, ToolCall};
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, fnv1a, lines, parse_line, short_id, timestamp, without_bom,
};

use crate::terminal::strip_terminal_escapes;

/// Event types that carry no conversation and are skipped without a note: titles and
/// summaries (read for the metadata), the requests as sent to the API (`api-request*`, which
/// repeat the turns), attachments (the environment, model and tool listings Claude Code adds to
/// a request), running totals (`cost-state`, compared with the messages' usage), and UI state.
const BOOKKEEPING: &[&str] = &[
    "summary",
    "custom-title",
    "file-history-snapshot",
    "queue-operation",
    "progress",
    "attachment",
    "api-request",
    "api-request-blob",
    "api-request-shape",
    "atis-latch",
    "tools-used",
    "last-prompt",
    "cost-state",
    "mode",
    "permission-mode",
];

/// `attachment` types that are Claude Code's own context for a request (seen in 2.1.332),
/// skipped without a note. Other attachments (a file the person attached, say) are counted in
/// a note, since the model saw them and the checkpoint does not have them.
const HARNESS_ATTACHMENTS: &[&str] = &[
    "environment",
    "model",
    "deferred_tools_delta",
    "agent_listing_delta",
    "skill_listing",
    "session_context",
    "date",
    "remote_session_change",
    "prompt_snapshot",
    "auto_mode",
];

/// `system` subtypes that are timing or display state, skipped without a note.
const QUIET_SYSTEM: &[&str] = &["turn_duration"];

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

    fn flag(&self, key: &str) -> bool {
        self.fields.get(key).and_then(Value::as_bool) == Some(true)
    }

    fn is_sidechain(&self) -> bool {
        self.flag("isSidechain")
    }

    /// Whether the event is a turn of a conversation: only `user` and `assistant` events are
    /// (`api-request-blob` events also carry a `message`, a copy of what was sent).
    fn is_turn(&self) -> bool {
        matches!(self.kind(), Some("user" | "assistant"))
    }

    /// The sub-agent whose thread the event belongs to.
    fn agent_id(&self) -> Option<&str> {
        self.str("agentId")
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

/// Whose conversation a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Thread<'a> {
    /// A session's own transcript: the events that are not sidechains.
    Main,
    /// A sub-agent's transcript (`<session>/subagents/agent-<id>.jsonl`), whose every turn is a
    /// sidechain: the events of the agent named (of any, when the events name none).
    Subagent(Option<&'a str>),
}

impl<'a> Thread<'a> {
    /// A file of sidechain turns only is a sub-agent's; any other, a session's.
    fn of(events: &'a [Event]) -> Thread<'a> {
        let turns = || events.iter().filter(|event| event.is_turn());
        if turns().next().is_none() || turns().any(|event| !event.is_sidechain()) {
            return Thread::Main;
        }
        Thread::Subagent(turns().find_map(Event::agent_id))
    }

    fn holds(self, event: &Event) -> bool {
        match self {
            Thread::Main => !event.is_sidechain(),
            Thread::Subagent(agent) => {
                event.is_sidechain()
                    && agent.is_none_or(|agent| event.agent_id().is_none_or(|id| id == agent))
            }
        }
    }
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
    let thread = Thread::of(&events);
    let elsewhere = events
        .iter()
        .filter(|event| event.is_sidechain() && !thread.holds(event))
        .count();
    if elsewhere > 0 {
        notes.add(match thread {
            Thread::Main => {
                format!("{elsewhere} sidechain events (sub-agent conversations) were left out")
            }
            Thread::Subagent(_) => {
                format!("{elsewhere} events of other sub-agents were left out")
            }
        });
    }

    let selected = select(&events, thread, &mut notes);
    let mut builder = Builder::new(notes);
    for &index in &selected {
        builder.event(&events[index]);
    }
    let Builder {
        mut notes,
        mut messages,
        compactions,
        local_commands,
        subagents,
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
    let session_name = session_id
        .and_then(short_id)
        .map(|short| format!("claude-code-{short}"));
    let mut metadata = Map::new();
    let name = match thread {
        Thread::Main => {
            if let Some(id) = session_id {
                metadata.insert("session_id".into(), Value::from(id));
            }
            session_name.clone().unwrap_or_else(|| {
                notes.add(
                    "the transcript names no sessionId; the session is named by a hash of the file",
                );
                format!("claude-code-{:08x}", fnv1a(bytes))
            })
        }
        Thread::Subagent(agent) => subagent_envelope(
            session_id,
            session_name.as_deref(),
            agent,
            bytes,
            &mut metadata,
            &mut notes,
        ),
    };
    let model = messages
        .iter()
        .rev()
        .find_map(|message| message.model.clone())
        .unwrap_or_else(|| {
            notes.add("no assistant message names its model; the session's model is \"unknown\"");
            "unknown".to_owned()
        });
    if thread == Thread::Main {
        // A `/rename` title wins over the summary Claude Code generates.
        let title = last_str(&events, "custom-title", "customTitle")
            .or_else(|| last_str(&events, "summary", "summary"));
        if let Some(title) = title {
            metadata.insert("title".into(), Value::from(title));
        }
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
    if !local_commands.is_empty() {
        let names: Vec<&str> = local_commands
            .iter()
            .filter_map(|command| command.get("command").and_then(Value::as_str))
            .collect();
        notes.add(format!(
            "{} local commands ({}) are in session.metadata.local_commands, not messages",
            local_commands.len(),
            names.join(", ")
        ));
        metadata.insert(
            "local_commands".into(),
            Value::Array(local_commands.into_iter().map(Value::Object).collect()),
        );
    }
    if thread == Thread::Main && !subagents.is_empty() {
        subagent_links(
            session_id,
            session_name.as_deref(),
            &subagents,
            &mut metadata,
            &mut notes,
        );
    }
    if thread == Thread::Main {
        compare_with_cost_state(&events, &messages, &mut notes);
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

/// The name of the session of sub-agent `agent` of the session named `parent`:
/// `claude-code-<parent8>-agent-<agent8>`.
pub(crate) fn subagent_session_name(parent: &str, agent: &str) -> String {
    let agent = short_id(agent).unwrap_or_else(|| format!("{:08x}", fnv1a(agent.as_bytes())));
    format!("{parent}-agent-{agent}")
}

/// A sub-agent's file: its name, and the metadata that ties it to its parent session
/// (`parent_session`, `parent_session_id`, `agent_id`). The parent's tool call that started the
/// agent is not in this file; `SubagentMeta::link` adds it from the agent's `.meta.json`.
fn subagent_envelope(
    session_id: Option<&str>,
    parent: Option<&str>,
    agent: Option<&str>,
    bytes: &[u8],
    metadata: &mut Map<String, Value>,
    notes: &mut Notes,
) -> String {
    let hash = format!("claude-code-{:08x}", fnv1a(bytes));
    let parent_name = parent.unwrap_or(&hash);
    if let Some(parent) = parent {
        metadata.insert("parent_session".into(), Value::from(parent));
    }
    if let Some(id) = session_id {
        metadata.insert("parent_session_id".into(), Value::from(id));
    }
    match agent {
        Some(agent) => {
            metadata.insert("agent_id".into(), Value::from(agent));
            notes.add(format!(
                "a sub-agent's thread (agent {agent} of session {parent_name}); the parent's \
                 tool call that started it is named in agent-{agent}.meta.json and in the \
                 parent session's metadata.subagents, not in this file"
            ));
            subagent_session_name(parent_name, agent)
        }
        None => {
            notes.add(format!(
                "a sub-agent's thread (of session {parent_name}) that names no agentId; it is \
                 named by a hash of the file"
            ));
            format!("{parent_name}-agent-{:08x}", fnv1a(bytes))
        }
    }
}

/// `metadata.subagents` and a note: the sub-agents the session started, told by the results of
/// its calls that name an `agentId`. Their threads are files of their own, which a decoder,
/// given only this file's bytes, does not read.
fn subagent_links(
    session_id: Option<&str>,
    parent: Option<&str>,
    subagents: &[(String, String)],
    metadata: &mut Map<String, Value>,
    notes: &mut Notes,
) {
    let links: Vec<Value> = subagents
        .iter()
        .map(|(agent, call)| {
            let mut link = Map::new();
            link.insert("agent_id".into(), Value::from(agent.as_str()));
            link.insert("tool_call_id".into(), Value::from(call.as_str()));
            if let Some(parent) = parent {
                link.insert(
                    "session".into(),
                    Value::from(subagent_session_name(parent, agent)),
                );
            }
            Value::Object(link)
        })
        .collect();
    let count = links.len();
    let threads = if count == 1 { "thread" } else { "threads" };
    let dir = session_id.unwrap_or("<session id>");
    notes.add(format!(
        "{count} sub-agent {threads} in {dir}/subagents/ (import the folder, or `--from \
         claude-code`, to bring them)"
    ));
    metadata.insert("subagents".into(), Value::Array(links));
}

/// A note when Claude Code's own running totals (the last `cost-state`, per model) count more
/// tokens than the messages do: requests whose answers are not messages here, such as a
/// sub-agent's (in its own file) or the one that wrote a `/compact` summary.
fn compare_with_cost_state(events: &[Event], messages: &[Message], notes: &mut Notes) {
    let Some(models) = events
        .iter()
        .rev()
        .filter(|event| event.kind() == Some("cost-state"))
        .find_map(|event| event.fields.get("modelUsage").and_then(Value::as_object))
    else {
        return;
    };
    let total = |key: &str| -> u64 {
        models
            .values()
            .filter_map(|usage| usage.get(key).and_then(Value::as_u64))
            .sum()
    };
    let counted = messages
        .iter()
        .filter_map(|message| message.usage)
        .fold(TokenUsage::default(), |sum, usage| sum.plus(&usage));
    let pairs = [
        ("input", total("inputTokens"), counted.input_tokens),
        ("output", total("outputTokens"), counted.output_tokens),
        (
            "cache-read",
            total("cacheReadInputTokens"),
            counted.cached_input_tokens,
        ),
        (
            "cache-write",
            total("cacheCreationInputTokens"),
            counted.cache_write_tokens,
        ),
    ];
    let mut more = Vec::new();
    for (what, theirs, ours) in pairs {
        let ours = ours.unwrap_or(0);
        if theirs < ours {
            // Totals that do not cover these messages: nothing to compare.
            return;
        }
        if theirs > ours {
            more.push(format!("{} {what}", theirs - ours));
        }
    }
    if !more.is_empty() {
        notes.add(format!(
            "Claude Code's own totals (cost-state) count {} tokens more than these messages: \
             requests whose answers are not messages here (sub-agents, /compact summaries)",
            more.join(", ")
        ));
    }
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
/// The main thread is the `parentUuid` chain of `thread`'s events that ends at the last one
/// (for a sub-agent's file, the agent's own chain), which leaves out
/// sidechains and the branches a rewind or an edited prompt abandoned. Two kinds of event hang
/// off that chain rather than lying on it, and are put back: the other events of a response whose
/// blocks were written one event each, and the results of parallel tool calls, each of which is
/// a child of the event that made its call.
fn select(events: &[Event], thread: Thread<'_>, notes: &mut Notes) -> Vec<usize> {
    let main: Vec<usize> = (0..events.len())
        .filter(|&index| thread.holds(&events[index]))
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

/// How text Claude Code wrote into `user` events, not typed by the person, begins.
const COMMAND_NAME: &str = "<command-name>";
const COMMAND_MESSAGE: &str = "<command-message>";
const COMMAND_STDOUT: &str = "<local-command-stdout>";
const COMMAND_STDERR: &str = "<local-command-stderr>";
const COMMAND_CAVEAT: &str = "<local-command-caveat>";
const BASH_INPUT: &str = "<bash-input>";
const BASH_STDOUT: &str = "<bash-stdout>";
const BASH_STDERR: &str = "<bash-stderr>";
const TASK_NOTIFICATION: &str = "<task-notification>";

/// The note counting the `isMeta` events left out.
const META_NOTE: &str = "meta events Claude Code writes for the model (command caveats, \
                         reminders, copies of command output) not imported";

/// Turns the main thread's events into messages.
#[derive(Debug)]
struct Builder {
    notes: Notes,
    messages: Vec<Message>,
    /// Where each assistant response (by API message id) went, to merge its later parts in.
    responses: HashMap<String, usize>,
    compactions: usize,
    /// `session.metadata.local_commands`: `{command, args, output, at}` of each local command.
    local_commands: Vec<Map<String, Value>>,
    /// The sub-agents started, as (agent id, id of the call that started it), first seen first.
    subagents: Vec<(String, String)>,
}

impl Builder {
    fn new(notes: Notes) -> Builder {
        Builder {
            notes,
            messages: Vec::new(),
            responses: HashMap::new(),
            compactions: 0,
            local_commands: Vec::new(),
            subagents: Vec::new(),
        }
    }

    fn event(&mut self, event: &Event) {
        match event.kind() {
            Some("user") => self.user(event),
            Some("assistant") => self.assistant(event),
            Some("system") => self.system(event),
            Some("attachment") => {
                let kind = event
                    .fields
                    .get("attachment")
                    .and_then(|attachment| attachment.get("type"))
                    .and_then(Value::as_str)
                    .unwrap_or("untyped");
                if !HARNESS_ATTACHMENTS.contains(&kind) {
                    self.notes
                        .tally(format!("attachments of type {kind:?} not imported"));
                }
            }
            _ => {}
        }
    }

    fn system(&mut self, event: &Event) {
        match event.str("subtype") {
            Some("compact_boundary") => {
                // What came before was summarised; the model no longer sees it.
                for message in &mut self.messages {
                    message.archived = true;
                }
                self.compactions += 1;
            }
            // A local command and its output, as the terminal showed them.
            Some("local_command") => {
                if let Some(content) = event.str("content") {
                    self.local_command(content, event);
                }
            }
            Some(subtype) if QUIET_SYSTEM.contains(&subtype) => {}
            _ => self
                .notes
                .tally("Claude Code notices (system events) not imported"),
        }
    }

    /// A local command (`<command-name>`, `<command-args>`) starts an entry of
    /// `local_commands`; its output (`<local-command-stdout>`, `<local-command-stderr>`),
    /// without terminal escapes, goes into the latest entry.
    fn local_command(&mut self, text: &str, event: &Event) {
        if let Some(command) = between(text, COMMAND_NAME, "</command-name>") {
            let mut entry = Map::new();
            entry.insert("command".into(), Value::from(command.trim()));
            let args = between(text, "<command-args>", "</command-args>").unwrap_or_default();
            entry.insert("args".into(), Value::from(args.trim()));
            entry.insert("output".into(), Value::from(""));
            if let Some(at) = timestamp(event.fields.get("timestamp"), &mut self.notes) {
                entry.insert("at".into(), Value::from(at.to_string()));
            }
            self.local_commands.push(entry);
            return;
        }
        let output: Vec<String> = [
            (COMMAND_STDOUT, "</local-command-stdout>"),
            (COMMAND_STDERR, "</local-command-stderr>"),
        ]
        .into_iter()
        .filter_map(|(open, close)| between(text, open, close))
        .map(|output| strip_terminal_escapes(output).trim().to_owned())
        .filter(|output| !output.is_empty())
        .collect();
        let Some(entry) = self.local_commands.last_mut() else {
            self.notes
                .tally("output of local commands the transcript does not name skipped");
            return;
        };
        if output.is_empty() {
            return;
        }
        let mut joined = entry
            .get("output")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        for part in output {
            if !joined.is_empty() {
                joined.push('\n');
            }
            joined.push_str(&part);
        }
        entry.insert("output".into(), Value::from(joined));
    }

    /// A message Claude Code wrote into the conversation itself (not typed, not the model's).
    fn system_message(&mut self, text: String, event: &Event) {
        let mut message = Message::new(Role::System, text);
        message.created_at = timestamp(event.fields.get("timestamp"), &mut self.notes);
        self.messages.push(message);
    }

    /// Whether a `user` event's text is what the person typed; if not, it is taken care of
    /// here: local commands to `local_commands`, the rest to system messages or left out.
    fn injected(&mut self, text: &str, event: &Event) -> bool {
        let start = text.trim_start();
        if let Some(inner) = start
            .strip_prefix(crate::encode::SYSTEM_OPEN)
            .and_then(|rest| rest.trim_end().strip_suffix(crate::encode::SYSTEM_CLOSE))
        {
            // A system message confab wrote as a user record (see `encode`): one again.
            let inner = inner.strip_prefix('\n').unwrap_or(inner);
            let inner = inner.strip_suffix('\n').unwrap_or(inner);
            self.system_message(inner.to_owned(), event);
        } else if event.flag("isCompactSummary") {
            self.notes.tally(
                "compaction summaries (written by Claude Code after /compact) imported as \
                 system messages",
            );
            self.system_message(text.to_owned(), event);
        } else if [
            COMMAND_NAME,
            COMMAND_MESSAGE,
            COMMAND_STDOUT,
            COMMAND_STDERR,
        ]
        .iter()
        .any(|tag| start.starts_with(tag))
        {
            self.local_command(start, event);
        } else if start.starts_with(COMMAND_CAVEAT) {
            self.notes.tally(META_NOTE);
        } else if start.starts_with(BASH_INPUT) {
            // `!cmd`: a shell command the person ran; its output goes to the model next.
            self.notes.tally(
                "shell commands run in bash mode (!cmd) imported as system messages, with \
                 their output",
            );
            self.system_message(text.to_owned(), event);
        } else if start.starts_with(BASH_STDOUT) || start.starts_with(BASH_STDERR) {
            match self.messages.last_mut() {
                Some(last)
                    if last.role == Role::System
                        && last.content.trim_start().starts_with(BASH_INPUT)
                        && !last.content.contains(BASH_STDOUT) =>
                {
                    last.content.push('\n');
                    last.content.push_str(text);
                }
                _ => self.system_message(text.to_owned(), event),
            }
        } else if event.str("promptSource") == Some("system")
            || event
                .fields
                .get("origin")
                .and_then(|origin| origin.get("kind"))
                .and_then(Value::as_str)
                == Some("task-notification")
            || start.starts_with(TASK_NOTIFICATION)
        {
            self.notes.tally(
                "notifications Claude Code sent the model (a background task finished) \
                 imported as system messages",
            );
            self.system_message(text.to_owned(), event);
        } else {
            return false;
        }
        true
    }

    fn user(&mut self, event: &Event) {
        let Some(message) = event.message() else {
            self.notes.tally("user events without a message skipped");
            return;
        };
        if event.flag("isMeta") {
            self.notes.tally(META_NOTE);
            return;
        }
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
                            if let Some(call) = &result.tool_call_id {
                                self.subagent(event, call);
                            }
                            self.messages.push(result);
                        }
                        other => texts.push(self.placeholder(other)),
                    }
                }
            }
            _ => self.notes.tally("user events without content skipped"),
        }
        if texts.is_empty() {
            return;
        }
        let text = texts.join("\n");
        if !self.injected(&text, event) {
            let mut user = Message::new(Role::User, text);
            user.created_at = created_at;
            self.messages.push(user);
        }
    }

    /// A tool result that names the sub-agent its call started (`toolUseResult.agentId`, with
    /// `status` `async_launched` or `completed`).
    fn subagent(&mut self, event: &Event, call: &str) {
        let agent = event
            .fields
            .get("toolUseResult")
            .and_then(|result| result.get("agentId"))
            .and_then(Value::as_str)
            .filter(|agent| !agent.is_empty());
        if let Some(agent) = agent
            && !self.subagents.iter().any(|(known, _)| known == agent)
        {
            self.subagents.push((agent.to_owned(), call.to_owned()));
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
    /// writes come beside it (see `TokenUsage`); the thinking tokens
    /// (`output_tokens_details.thinking_tokens`) are part of `output_tokens`.
    fn usage(&mut self, usage: &Value) -> TokenUsage {
        let count = |key: &str| usage.get(key).and_then(Value::as_u64);
        TokenUsage {
            input_tokens: count("input_tokens"),
            output_tokens: count("output_tokens"),
            cached_input_tokens: count("cache_read_input_tokens"),
            cache_write_tokens: count("cache_creation_input_tokens"),
            reasoning_tokens: usage
                .get("output_tokens_details")
                .and_then(|details| details.get("thinking_tokens"))
                .and_then(Value::as_u64),
        }
    }
}

/// The text between the first `open` and the next `close` (to the end when `close` is missing).
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let rest = &text[start..];
    Some(rest.find(close).map_or(rest, |end| &rest[..end]))
}
