//! Codex CLI rollout files (JSON Lines) to the checkpoint document.

use confab_core::{Context, DecodeError, DecodeOutcome, Message, Role, TokenUsage, ToolCall};
use jiff::Timestamp;
use serde_json::{Map, Value};

use confab_core::transcript::{
    Envelope, Notes, fnv1a, lines, parse_line, provider_of_model, short_id, timestamp, without_bom,
};

/// How the context Codex injects into the conversation as `user` messages begins.
const INJECTED_MARKERS: &[&str] = &[
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md instructions for",
    "<permissions instructions>",
    "<collaboration_mode>",
    "<multi_agent_mode>",
    "<apps_instructions>",
    "<skills_instructions>",
    "<user_shell_command>",
];

/// How the `content_item_kinds` of what a person gave begin (`user.text` for typed text);
/// other kinds (`environments.environment_context`, `shell.user_command`, ...) are Codex's.
const TYPED_KIND_PREFIX: &str = "user.";

pub(crate) fn decode(bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
    let bytes = without_bom(bytes);
    let mut decoder = Decoder::default();
    for (number, line) in lines(bytes) {
        let record = parse_line(number, line)?;
        decoder.record(&record);
    }
    decoder.finish(bytes)
}

#[derive(Debug, Default)]
struct Decoder {
    notes: Notes,
    messages: Vec<Message>,
    /// The first `session_meta` payload: later ones belong to the parent a fork replays.
    meta: Option<Map<String, Value>>,
    /// The model of the current turn, from the latest `turn_context`.
    model: Option<String>,
    cwd: Option<String>,
    instructions: Option<String>,
    /// The newest line timestamp, for `updated_at`.
    last_timestamp: Option<Timestamp>,
    /// Whether the file is in the older shape, without the `{timestamp, type, payload}` wrapper.
    legacy: bool,
    /// The session's usage so far as Codex last reported it (`total_token_usage`, or a
    /// `token_usage_record`'s `thread_token_usage`): a `token_count` repeating it is skipped,
    /// and a turn's usage is derived from it where only totals are recorded.
    last_total: Option<TokenUsage>,
    generated_ids: usize,
    compactions: usize,
    rolled_back: usize,
}

impl Decoder {
    fn record(&mut self, record: &Map<String, Value>) {
        if let Some(payload) = record.get("payload") {
            let kind = record.get("type").and_then(Value::as_str);
            let (Some(kind), Some(payload)) = (kind, payload.as_object()) else {
                self.notes
                    .tally("records with an unreadable type or payload skipped");
                return;
            };
            let at = timestamp(record.get("timestamp"), &mut self.notes);
            if at.is_some() {
                self.last_timestamp = at;
            }
            match kind {
                "session_meta" => self.session_meta(payload),
                "response_item" => self.item(payload, at),
                "turn_context" => self.turn_context(payload),
                "event_msg" => self.event(payload),
                "compacted" => self.compacted(payload, at),
                "token_usage_record" => self.usage_record(payload),
                // Snapshots of the environment Codex resumes from; not conversation.
                "world_state" => {}
                other => self
                    .notes
                    .tally(format!("records of unknown type {other:?} skipped")),
            }
        } else if record.contains_key("record_type") {
            // `{"record_type": "state"}`: bookkeeping of older versions.
        } else if record.get("type").is_some_and(Value::is_string) {
            // Older rollouts write response items without the wrapper.
            self.legacy = true;
            self.item(record, None);
        } else if record.contains_key("id") && record.contains_key("timestamp") {
            // ... and begin with the session meta, also without the wrapper.
            self.legacy = true;
            self.session_meta(record);
        } else {
            self.notes.tally("records of an unknown shape skipped");
        }
    }

    fn session_meta(&mut self, meta: &Map<String, Value>) {
        if self.meta.is_some() {
            self.notes.tally(
                "further session_meta records ignored (a fork or sub-agent repeating its parent's)",
            );
            return;
        }
        let text = |key: &str| {
            meta.get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        if let Some(cwd) = text("cwd") {
            self.cwd = Some(cwd);
        }
        // Older versions record the user's instructions (AGENTS.md) here.
        if let Some(instructions) = text("instructions") {
            self.instructions = Some(instructions);
        }
        if let Some(base) = meta
            .get("base_instructions")
            .and_then(|base| base.get("text"))
            .and_then(Value::as_str)
        {
            self.notes.add(format!(
                "the base instructions (Codex's own system prompt, {} characters) were not imported",
                base.chars().count()
            ));
        }
        self.meta = Some(meta.clone());
    }

    fn turn_context(&mut self, context: &Map<String, Value>) {
        let text = |key: &str| {
            context
                .get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
        };
        if let Some(model) = text("model") {
            self.model = Some(model);
        }
        if self.cwd.is_none() {
            self.cwd = text("cwd");
        }
        if self.instructions.is_none() {
            self.instructions = text("user_instructions");
        }
    }

    fn event(&mut self, event: &Map<String, Value>) {
        match event.get("type").and_then(Value::as_str) {
            Some("token_count") => self.token_count(event),
            Some("thread_rolled_back") => {
                let turns = event.get("num_turns").and_then(Value::as_u64).unwrap_or(0);
                self.roll_back(usize::try_from(turns).unwrap_or(usize::MAX));
            }
            // The rest repeat the response items for the UI (user_message, agent_message, ...)
            // or mark turns; the response items are the conversation.
            _ => {}
        }
    }

    /// Token usage of the model request just made, added to the latest assistant message.
    ///
    /// Codex 0.171 reports each response twice, as a `token_usage_record` and then as a
    /// `token_count` event whose running total is the record's `thread_token_usage`: the event
    /// then repeats [`Decoder::last_total`] and is skipped, so the record wins. Older versions
    /// write only the event.
    fn token_count(&mut self, event: &Map<String, Value>) {
        let usage = match event.get("info") {
            Some(info @ Value::Object(_)) => {
                let total = info.get("total_token_usage").and_then(counts);
                if total.is_some() && total == self.last_total {
                    // The same count again: a token_usage_record already counted this response,
                    // or Codex repeated it when only rate limits changed.
                    return;
                }
                let last = info.get("last_token_usage").and_then(counts);
                let derived = match (total, self.last_total) {
                    (Some(total), Some(before)) => Some(minus(&total, &before)),
                    (total, None) => total,
                    (None, Some(_)) => None,
                };
                if total.is_some() {
                    self.last_total = total;
                }
                last.or(derived)
            }
            Some(Value::Null) => return,
            // Older versions put the counts of the request directly in the event.
            _ => counts(&Value::Object(event.clone())),
        };
        if let Some(usage) = usage {
            self.add_usage(&usage);
        }
    }

    /// `token_usage_record`: one model response's usage (`usage`), with the thread's running
    /// total (`thread_token_usage`) that the `token_count` event after it repeats.
    fn usage_record(&mut self, record: &Map<String, Value>) {
        let Some(usage) = record.get("usage").and_then(counts) else {
            self.notes
                .tally("token_usage_record records without usage counts skipped");
            return;
        };
        self.last_total = record
            .get("thread_token_usage")
            .and_then(counts)
            .or_else(|| Some(self.last_total.unwrap_or_default().plus(&usage)));
        self.add_usage(&usage);
    }

    /// Adds one response's usage to the latest assistant message.
    fn add_usage(&mut self, usage: &TokenUsage) {
        let Some(assistant) = self
            .messages
            .iter_mut()
            .rev()
            .find(|message| message.role == Role::Assistant)
        else {
            self.notes
                .tally("token counts before the first assistant message not mapped");
            return;
        };
        let sum = assistant.usage.unwrap_or_default().plus(usage);
        assistant.usage = Some(sum);
    }

    /// `thread_rolled_back`: the last `turns` user turns were taken back.
    fn roll_back(&mut self, turns: usize) {
        if turns == 0 {
            return;
        }
        let users: Vec<usize> = (0..self.messages.len())
            .filter(|&index| self.messages[index].role == Role::User)
            .collect();
        let Some(&cut) = users
            .len()
            .checked_sub(turns)
            .and_then(|keep| users.get(keep))
        else {
            return;
        };
        self.rolled_back += self.messages.len() - cut;
        self.messages.truncate(cut);
    }

    fn compacted(&mut self, compacted: &Map<String, Value>, at: Option<Timestamp>) {
        self.archive_all();
        // Codex continues with the summary as the first message of the new history. Codex
        // wrote it, not the person: a system message, so user messages stay typed prompts.
        if let Some(summary) = compacted
            .get("message")
            .and_then(Value::as_str)
            .filter(|summary| !summary.is_empty())
        {
            let mut message = Message::new(Role::System, summary);
            message.created_at = at;
            self.messages.push(message);
        }
    }

    fn archive_all(&mut self) {
        for message in &mut self.messages {
            message.archived = true;
        }
        self.compactions += 1;
    }

    fn item(&mut self, item: &Map<String, Value>, at: Option<Timestamp>) {
        let text = |key: &str| item.get(key).and_then(Value::as_str);
        match text("type") {
            Some("message") => self.message(item, at),
            Some("function_call") => {
                let arguments = match item.get("arguments") {
                    Some(Value::String(arguments)) => serde_json::from_str(arguments)
                        .unwrap_or_else(|_| Value::String(arguments.clone())),
                    Some(other) => other.clone(),
                    None => Value::Null,
                };
                self.call(text("call_id"), text("name"), arguments, at);
            }
            Some("custom_tool_call") => {
                let input = item.get("input").cloned().unwrap_or(Value::Null);
                self.call(text("call_id"), text("name"), input, at);
            }
            Some("local_shell_call") => {
                let action = item.get("action").cloned().unwrap_or(Value::Null);
                let id = text("call_id").or_else(|| text("id"));
                self.call(id, Some("local_shell"), action, at);
            }
            Some("function_call_output" | "custom_tool_call_output") => {
                let output = self.output(item.get("output"));
                let mut message = Message::new(Role::Tool, output);
                message.created_at = at;
                message.tool_call_id = text("call_id").map(str::to_owned);
                self.messages.push(message);
            }
            Some("reasoning") => self.notes.tally(
                "reasoning items not imported (summaries of, or encrypted, model reasoning)",
            ),
            Some("compaction" | "compaction_summary" | "context_compaction") => {
                self.archive_all();
                self.notes
                    .tally("encrypted compaction summaries not imported");
            }
            // A git snapshot Codex takes to undo a turn.
            Some("ghost_snapshot") => {}
            Some(other) => self
                .notes
                .tally(format!("response items of type {other:?} not imported")),
            None => self.notes.tally("response items without a type skipped"),
        }
    }

    fn message(&mut self, item: &Map<String, Value>, at: Option<Timestamp>) {
        let mut texts = Vec::new();
        match item.get("content") {
            Some(Value::Array(parts)) => {
                for part in parts {
                    let kind = part
                        .get("type")
                        .and_then(Value::as_str)
                        .unwrap_or("untyped");
                    match (kind, part.get("text").and_then(Value::as_str)) {
                        ("input_text" | "output_text" | "text", Some(text)) => {
                            texts.push(text.to_owned());
                        }
                        _ => {
                            self.notes.tally(format!(
                                "{kind} content replaced by the placeholder [{kind} omitted]"
                            ));
                            texts.push(format!("[{kind} omitted]"));
                        }
                    }
                }
            }
            Some(Value::String(text)) => texts.push(text.clone()),
            _ => {}
        }
        let text = texts.join("\n");
        let role = match item.get("role").and_then(Value::as_str) {
            Some("user") => {
                if typed(item, &text) {
                    Role::User
                } else {
                    self.injected_context(&text);
                    self.notes.tally(
                        "context Codex injects as user messages (environment, AGENTS.md, shell \
                         commands the user ran) imported as system messages",
                    );
                    Role::System
                }
            }
            Some("assistant") => Role::Assistant,
            Some("system") => Role::System,
            Some("developer") => {
                self.notes
                    .tally("developer messages imported as system messages");
                Role::System
            }
            other => {
                let other = other.unwrap_or("none");
                self.notes
                    .tally(format!("messages with the unknown role {other:?} skipped"));
                return;
            }
        };
        let mut message = Message::new(role, text);
        message.created_at = at;
        if role == Role::Assistant {
            message.model.clone_from(&self.model);
        }
        self.messages.push(message);
    }

    /// Reads the working directory and the user's instructions out of injected context.
    fn injected_context(&mut self, text: &str) {
        if self.cwd.is_none() {
            self.cwd = between(text, "<cwd>", "</cwd>").map(str::to_owned);
        }
        if self.instructions.is_none() {
            self.instructions = between(text, "<user_instructions>", "</user_instructions>")
                .or_else(|| between(text, "<INSTRUCTIONS>", "</INSTRUCTIONS>"))
                .map(str::to_owned);
        }
    }

    /// A tool call: on the assistant message just written, or on a new empty one.
    fn call(
        &mut self,
        id: Option<&str>,
        name: Option<&str>,
        arguments: Value,
        at: Option<Timestamp>,
    ) {
        let Some(name) = name.filter(|name| !name.is_empty()) else {
            self.notes.tally("tool calls without a name skipped");
            return;
        };
        let id = match id.filter(|id| !id.is_empty()) {
            Some(id) => id.to_owned(),
            None => {
                self.notes
                    .tally("tool calls without a call_id, given a generated one");
                self.generated_ids += 1;
                format!("call_{}", self.generated_ids)
            }
        };
        let call = ToolCall {
            id,
            name: name.to_owned(),
            arguments,
        };
        match self.messages.last_mut() {
            Some(last) if last.role == Role::Assistant && !last.archived => {
                last.tool_calls.push(call);
            }
            _ => {
                let mut message = Message::new(Role::Assistant, "");
                message.created_at = at;
                message.model.clone_from(&self.model);
                message.tool_calls.push(call);
                self.messages.push(message);
            }
        }
    }

    /// The text of a call's output: a string, content items, or `{content, success}`.
    fn output(&mut self, output: Option<&Value>) -> String {
        match output {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item.get("text").and_then(Value::as_str) {
                    Some(text) => text.to_owned(),
                    None => {
                        let kind = item
                            .get("type")
                            .and_then(Value::as_str)
                            .unwrap_or("untyped");
                        self.notes.tally(format!(
                            "{kind} content replaced by the placeholder [{kind} omitted]"
                        ));
                        format!("[{kind} omitted]")
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Some(Value::Object(object)) => match object.get("content") {
                Some(Value::String(text)) => text.clone(),
                _ => Value::Object(object.clone()).to_string(),
            },
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    fn finish(mut self, bytes: &[u8]) -> Result<DecodeOutcome, DecodeError> {
        // An assistant message that is only the anchor of nothing (no text, no calls).
        self.messages.retain(|message| {
            message.role != Role::Assistant
                || !message.content.is_empty()
                || !message.tool_calls.is_empty()
        });
        if self.rolled_back > 0 {
            self.notes.add(format!(
                "{} messages taken back by a rollback (thread_rolled_back) were left out",
                self.rolled_back
            ));
        }
        if self.compactions > 0 {
            let archived = self.messages.iter().filter(|m| m.archived).count();
            self.notes.add(format!(
                "the conversation was compacted {} time(s); the {archived} messages before the \
                 last compaction are marked archived",
                self.compactions
            ));
        }
        if self.legacy {
            self.notes
                .add("an older rollout file: it records no model and no time for each message");
        }
        let meta = self.meta.take().unwrap_or_default();
        let meta_text = |key: &str| {
            meta.get(key)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
        };
        let id = meta_text("id");
        let name = match id.and_then(short_id) {
            Some(short) => format!("codex-{short}"),
            None => {
                self.notes.add(
                    "the rollout names no session id; the session is named by a hash of the file",
                );
                format!("codex-{:08x}", fnv1a(bytes))
            }
        };
        let model = match self.model.take() {
            Some(model) => model,
            None => {
                self.notes
                    .add("no turn_context names the model; the session's model is \"unknown\"");
                "unknown".to_owned()
            }
        };
        let mut metadata = Map::new();
        if let Some(id) = id {
            metadata.insert("session_id".into(), Value::from(id));
        }
        for (from, to) in [
            ("originator", "originator"),
            ("cli_version", "codex_version"),
            ("model_provider", "model_provider"),
            ("source", "source"),
            ("forked_from_id", "forked_from_id"),
        ] {
            if let Some(value) = meta_text(from) {
                metadata.insert(to.into(), Value::from(value));
            }
        }
        if let Some(git) = meta.get("git").and_then(Value::as_object) {
            for (from, to) in [
                ("branch", "git_branch"),
                ("commit_hash", "git_commit"),
                ("repository_url", "git_repository_url"),
            ] {
                if let Some(value) = git.get(from).and_then(Value::as_str) {
                    metadata.insert(to.into(), Value::from(value));
                }
            }
        }
        let created_at = timestamp(meta.get("timestamp"), &mut self.notes);
        let envelope = Envelope {
            name,
            provider: provider_of_model(&model).unwrap_or("openai"),
            model,
            context: Context {
                project_instructions: self.instructions.take(),
                working_directory: self.cwd.take(),
                ..Context::default()
            },
            metadata,
            created_at,
            updated_at: self.last_timestamp.filter(|_| !self.messages.is_empty()),
        };
        confab_core::transcript::checkpoint(crate::NAME, envelope, self.messages, self.notes)
    }
}

/// Whether a `user` message is text the person typed rather than context Codex wrote in the
/// user's name. Codex 0.171 says so itself: a typed prompt's
/// `internal_chat_message_metadata_passthrough.content_item_kinds` is `user.text` (any
/// `user.` kind counts, for what else a person may attach) and its
/// `content_item_metadata[].provenance.type` is `user`; injected text has other kinds and the
/// provenance `harness`. Older rollouts say nothing, and the injected text is told by how it
/// begins ([`INJECTED_MARKERS`]).
fn typed(item: &Map<String, Value>, text: &str) -> bool {
    let passthrough = item.get("internal_chat_message_metadata_passthrough");
    let kinds = passthrough
        .and_then(|passthrough| passthrough.get("content_item_kinds"))
        .and_then(Value::as_array)
        .filter(|kinds| !kinds.is_empty());
    if let Some(kinds) = kinds {
        return kinds.iter().any(|kind| {
            kind.as_str()
                .is_some_and(|kind| kind.starts_with(TYPED_KIND_PREFIX))
        });
    }
    let provenances: Vec<&str> = passthrough
        .and_then(|passthrough| passthrough.get("content_item_metadata"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|metadata| metadata.get("provenance")?.get("type")?.as_str())
        .collect();
    if !provenances.is_empty() {
        return provenances.contains(&"user");
    }
    let trimmed = text.trim_start();
    !INJECTED_MARKERS
        .iter()
        .any(|marker| trimmed.starts_with(marker))
}

/// Token counts as Codex writes them (`input_tokens` and `output_tokens`, and where present
/// `cached_input_tokens`, `cache_write_input_tokens` and `reasoning_output_tokens`); `None`
/// without input and output. Codex's input includes the cached part and its output the
/// reasoning, as `TokenUsage` expects of OpenAI counts.
fn counts(usage: &Value) -> Option<TokenUsage> {
    let count = |key: &str| usage.get(key).and_then(Value::as_u64);
    Some(TokenUsage {
        input_tokens: Some(count("input_tokens")?),
        output_tokens: Some(count("output_tokens")?),
        cached_input_tokens: count("cached_input_tokens"),
        cache_write_tokens: count("cache_write_input_tokens"),
        reasoning_tokens: count("reasoning_output_tokens"),
    })
}

/// What `total` counts beyond `before`, count by count (a count `before` lacks is kept whole).
fn minus(total: &TokenUsage, before: &TokenUsage) -> TokenUsage {
    let sub = |a: Option<u64>, b: Option<u64>| a.map(|a| a.saturating_sub(b.unwrap_or(0)));
    TokenUsage {
        input_tokens: sub(total.input_tokens, before.input_tokens),
        output_tokens: sub(total.output_tokens, before.output_tokens),
        cached_input_tokens: sub(total.cached_input_tokens, before.cached_input_tokens),
        cache_write_tokens: sub(total.cache_write_tokens, before.cache_write_tokens),
        reasoning_tokens: sub(total.reasoning_tokens, before.reasoning_tokens),
    }
}

/// The trimmed text between the first `open` and the next `close`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = start + text[start..].find(close)?;
    Some(text[start..end].trim()).filter(|inner| !inner.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_finds_tagged_text() {
        let text = "<environment_context>\n  <cwd>/repo/app</cwd>\n</environment_context>";
        assert_eq!(between(text, "<cwd>", "</cwd>"), Some("/repo/app"));
        assert_eq!(between(text, "<shell>", "</shell>"), None);
        assert_eq!(between("<cwd></cwd>", "<cwd>", "</cwd>"), None);
    }

    #[test]
    fn typed_prompts_are_told_by_their_marks_else_by_how_they_begin() {
        let item = |passthrough: serde_json::Value| {
            let mut item = Map::new();
            item.insert(
                "internal_chat_message_metadata_passthrough".into(),
                passthrough,
            );
            item
        };
        let kinds = |kinds: &[&str]| item(serde_json::json!({ "content_item_kinds": kinds }));
        assert!(typed(&kinds(&["user.text"]), "hi"));
        assert!(typed(&kinds(&["user.image", "user.text"]), "hi"));
        // The marks win over the text: a typed prompt may quote a tag.
        assert!(typed(&kinds(&["user.text"]), "<environment_context>"));
        assert!(!typed(&kinds(&["shell.user_command"]), "ls"));
        let provenance = |kind: &str| {
            item(serde_json::json!({
                "content_item_metadata": [{"provenance": {"type": kind}}]
            }))
        };
        assert!(typed(&provenance("user"), "hi"));
        assert!(!typed(&provenance("harness"), "hi"));
        assert!(typed(&Map::new(), "Why is it slow?"));
        assert!(!typed(
            &Map::new(),
            "  <user_shell_command>
ls"
        ));
    }

    #[test]
    fn growth_of_totals_is_counted_per_count() {
        let before = TokenUsage {
            input_tokens: Some(100),
            output_tokens: Some(10),
            cached_input_tokens: Some(80),
            ..TokenUsage::default()
        };
        let total = TokenUsage {
            input_tokens: Some(250),
            output_tokens: Some(30),
            cached_input_tokens: Some(200),
            reasoning_tokens: Some(5),
            cache_write_tokens: None,
        };
        assert_eq!(
            minus(&total, &before),
            TokenUsage {
                input_tokens: Some(150),
                output_tokens: Some(20),
                cached_input_tokens: Some(120),
                reasoning_tokens: Some(5),
                cache_write_tokens: None,
            }
        );
    }
}
