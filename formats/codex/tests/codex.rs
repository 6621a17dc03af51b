//! The Codex format against hand-written rollouts of both shapes.

use confab_core::{Checkpoint, Decode, Location, Role, TokenUsage, read_checkpoint};
use confab_format_codex::FORMAT;
use serde_json::json;

const WRAPPED: &str = "rollout-2026-02-03T09-00-00-wrapped.jsonl";
const LEGACY: &str = "rollout-2025-08-14T10-02-11-legacy.jsonl";
const COMPACTED: &str = "rollout-2025-10-12T14-10-16-compacted.jsonl";

/// The decoder alone, without the pipeline's checks.
fn decode(bytes: &[u8]) -> Result<confab_core::Decoded, confab_core::DecodeError> {
    FORMAT.decode(bytes, &mut confab_core::CollectMessages::default())
}

/// What `confab sessions import` stores: the checked checkpoint, notes recorded.
fn read(name: &str, bytes: &[u8]) -> Result<Checkpoint, confab_core::InvalidCheckpoint> {
    read_checkpoint(name, bytes, &FORMAT).map(confab_core::Imported::into_recorded)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

fn import(name: &str) -> Checkpoint {
    read(name, &fixture(name)).unwrap_or_else(|error| panic!("{name} does not import: {error:?}"))
}

fn assert_notes(checkpoint: &Checkpoint, expected: &[&str]) {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source_format"], "codex");
    let notes: Vec<&str> = metadata
        .get("import_notes")
        .map_or(&[][..], |notes| {
            notes.as_array().expect("import_notes is an array")
        })
        .iter()
        .map(|note| note.as_str().expect("notes are strings"))
        .collect();
    for text in expected {
        assert!(
            notes.iter().any(|note| note.contains(text)),
            "no note {text:?} in {notes:#?}"
        );
    }
}

fn roles(checkpoint: &Checkpoint) -> Vec<Role> {
    checkpoint.messages.iter().map(|m| m.role).collect()
}

fn usage(input: u64, output: u64) -> Option<TokenUsage> {
    Some(TokenUsage {
        input_tokens: Some(input),
        output_tokens: Some(output),
        ..TokenUsage::default()
    })
}

/// Usage of a rollout that also counts cached input and reasoning (zero in these fixtures).
fn usage_with_zeros(input: u64, output: u64) -> Option<TokenUsage> {
    Some(TokenUsage {
        cached_input_tokens: Some(0),
        reasoning_tokens: Some(0),
        ..usage(input, output).unwrap_or_default()
    })
}

fn time(text: &str) -> jiff::Timestamp {
    text.parse().expect("timestamp")
}

#[test]
fn a_wrapped_rollout_maps_calls_outputs_usage_and_models() {
    let checkpoint = import(WRAPPED);
    let session = &checkpoint.session;
    assert_eq!(session.name, "codex-019a4f2e");
    assert_eq!(session.provider, "openai");
    assert_eq!(session.model, "gpt-5.1-codex");
    assert_eq!(session.created_at, Some(time("2026-02-03T09:00:00.087Z")));
    assert_eq!(session.updated_at, Some(time("2026-02-03T09:06:31Z")));
    let metadata = session.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata["session_id"],
        "019a4f2e-7c1d-7b3a-9e55-3f2a1b0c9d8e"
    );
    assert_eq!(metadata["codex_version"], "0.98.0");
    assert_eq!(metadata["originator"], "codex_cli_rs");
    assert_eq!(metadata["git_branch"], "perf/scan");
    assert_eq!(metadata["git_commit"], "4be1c0ffee9d");
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/home/lee/proj/tracker")
    );
    assert_eq!(
        context.project_instructions.as_deref(),
        Some("# Repository guidelines\nUse pnpm, never npm.")
    );

    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            System, System, System, User, Assistant, Tool, Assistant, Tool, Tool, Assistant, User,
            Assistant
        ]
    );
    let messages = &checkpoint.messages;
    assert!(messages[2].content.starts_with("<environment_context>"));
    assert_eq!(
        messages[3].content,
        "Why is the tracker CLI slow on large repos?"
    );
    assert_eq!(
        messages[3].created_at,
        Some(time("2026-02-03T09:00:05.002Z"))
    );

    // The call joins the commentary just before it.
    let first = &messages[4];
    assert_eq!(first.content, "I'll profile the scan first.");
    assert_eq!(first.model.as_deref(), Some("gpt-5-codex"));
    assert_eq!(first.tool_calls[0].id, "call_A");
    assert_eq!(first.tool_calls[0].name, "shell");
    assert_eq!(
        first.tool_calls[0].arguments,
        json!({"command": ["rg", "--files"], "workdir": "/home/lee/proj/tracker"})
    );
    assert_eq!(first.usage, usage_with_zeros(5200, 180));
    assert_eq!(messages[5].tool_call_id.as_deref(), Some("call_A"));
    assert_eq!(messages[5].content, "src/scan.ts\nsrc/cli.ts");

    // Calls after a tool output start an assistant message of their own; the repeated token
    // count is not counted twice.
    let second = &messages[6];
    assert_eq!(second.content, "");
    assert_eq!(second.created_at, Some(time("2026-02-03T09:00:13Z")));
    let ids: Vec<&str> = second.tool_calls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["call_B", "call_C"]);
    assert_eq!(
        second.tool_calls[0].arguments,
        json!("{\"command\":[\"sed\",\"-n\",\"1,80p\",\"src/scan.ts\"]")
    );
    assert_eq!(second.tool_calls[1].name, "apply_patch");
    assert!(
        second.tool_calls[1]
            .arguments
            .as_str()
            .is_some_and(|p| p.starts_with("*** Begin Patch"))
    );
    assert_eq!(second.usage, usage_with_zeros(5800, 240));
    assert_eq!(
        messages[7].content,
        "export function scan(root) { return walk(root) }"
    );
    assert_eq!(messages[8].tool_call_id.as_deref(), Some("call_C"));

    // A new turn context changes the model; totals alone still give the turn's usage.
    assert_eq!(messages[9].model.as_deref(), Some("gpt-5.1-codex"));
    assert_eq!(messages[9].usage, usage_with_zeros(6400, 280));
    assert_eq!(
        messages[10].content,
        "Here is the flame graph from before the fix.\n[input_image omitted]"
    );
    assert!(
        messages[11]
            .content
            .starts_with("The flame graph confirms it")
    );
    assert!(
        !messages.iter().any(|m| m.content.contains("disk cache")),
        "the rolled-back turn is left out"
    );

    let statistics = checkpoint.statistics.expect("statistics");
    assert_eq!(
        (
            statistics.message_count,
            statistics.user_messages,
            statistics.assistant_messages
        ),
        (12, 2, 4)
    );
    assert_eq!(statistics.tool_calls, Some(3));
    assert_eq!(statistics.total_tokens, Some(5380 + 6040 + 6680));

    assert_notes(
        &checkpoint,
        &[
            "the base instructions (Codex's own system prompt, 42 characters) were not imported",
            "developer messages imported as system messages: 1",
            "imported as system messages: 2",
            "reasoning items not imported",
            "input_image content replaced by the placeholder [input_image omitted]: 1",
            "response items of type \"web_search_call\" not imported: 1",
            "2 messages taken back by a rollback (thread_rolled_back) were left out",
        ],
    );
}

#[test]
fn an_older_rollout_without_the_wrapper_imports() {
    let checkpoint = import(LEGACY);
    assert_eq!(checkpoint.session.name, "codex-5973b6c0");
    assert_eq!(checkpoint.session.model, "unknown");
    assert_eq!(
        checkpoint.session.created_at,
        Some(time("2025-08-14T10:02:11.004Z"))
    );
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [System, User, Assistant, Tool, Assistant]
    );
    let messages = &checkpoint.messages;
    assert_eq!(messages[1].content, "List the TODOs in src/");
    assert_eq!(messages[2].content, "");
    assert_eq!(messages[2].tool_calls[0].id, "call_legacy1");
    assert_eq!(
        messages[2].tool_calls[0].arguments,
        json!({"command": ["rg", "-n", "TODO", "src"]})
    );
    assert_eq!(messages[3].tool_call_id.as_deref(), Some("call_legacy1"));
    assert!(messages[3].content.contains("TODO: cache"));
    assert_eq!(
        messages[4].content,
        "One TODO: src/a.ts line 3 wants a cache."
    );
    assert!(
        messages
            .iter()
            .all(|m| m.created_at.is_none() && m.model.is_none())
    );
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/home/lee/proj/tracker")
    );
    assert_eq!(
        context.project_instructions.as_deref(),
        Some("Always run `make check` before finishing.")
    );
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata["git_repository_url"],
        "git@github.com:lee/tracker.git"
    );
    assert_notes(
        &checkpoint,
        &[
            "an older rollout file",
            "no turn_context names the model",
            "reasoning items not imported",
        ],
    );
}

#[test]
fn a_compaction_archives_what_came_before() {
    let checkpoint = import(COMPACTED);
    assert_eq!(checkpoint.session.model, "gpt-5");
    use Role::{Assistant, System, User};
    // The summary is Codex's, not a typed prompt.
    assert_eq!(
        roles(&checkpoint),
        [User, Assistant, System, User, Assistant]
    );
    let archived: Vec<bool> = checkpoint.messages.iter().map(|m| m.archived).collect();
    assert_eq!(archived, [true, true, false, false, false]);
    let messages = &checkpoint.messages;
    assert_eq!(messages[1].usage, usage(30000, 4000));
    assert!(
        messages[2]
            .content
            .starts_with("Summary: the blog was migrated")
    );
    assert_eq!(messages[3].created_at, None);
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source"], "exec");
    assert_notes(
        &checkpoint,
        &[
            "compacted 1 time(s); the 2 messages before the last compaction are marked archived",
            "timestamps that are not RFC 3339 dropped: 1",
            "records of unknown type \"mystery\" skipped: 1",
        ],
    );
}

#[test]
fn malformed_lines_are_named() {
    let error = decode(&fixture("malformed.jsonl")).expect_err("malformed");
    assert_eq!(error.location.map(|l| l.line), Some(2), "{error:?}");
    assert!(
        error.message.starts_with("line 2 is not valid JSON: "),
        "{error}"
    );
    let invalid = read("malformed.jsonl", &fixture("malformed.jsonl")).expect_err("malformed");
    assert!(matches!(
        invalid.problems[0].location,
        Some(Location { line: 2, .. })
    ));
}

#[test]
fn rollouts_without_messages_are_refused_clearly() {
    let meta_only = concat!(
        r#"{"timestamp":"2025-10-12T14:10:16Z","type":"session_meta","payload":{"id":"0199d8c1"}}"#,
        "\n",
        r#"{"timestamp":"2025-10-12T14:10:17Z","type":"event_msg","payload":{"type":"user_message","message":"hi"}}"#,
        "\n"
    );
    for input in ["", "\n", meta_only] {
        let error = decode(input.as_bytes()).expect_err(input);
        assert_eq!(
            error.message, "no messages found in the transcript",
            "{input:?}"
        );
    }
}

#[test]
fn the_format_is_found_by_sniffing_each_fixture() {
    for name in [WRAPPED, LEGACY, COMPACTED] {
        assert_eq!(
            FORMAT.sniff(&fixture(name)),
            confab_core::Sniff::Yes,
            "{name}"
        );
    }
}

// ---- Rollouts the real Codex 0.171.0 wrote (tests/fixtures/recorded/, see SCENARIOS.md) ----

/// The one rollout under `recorded/<scenario>/sessions/`, wherever Codex dated it.
fn recorded(scenario: &str) -> (String, Vec<u8>) {
    fn rollouts(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        let entries = std::fs::read_dir(dir)
            .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                rollouts(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "jsonl") {
                found.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/recorded")
        .join(scenario);
    let mut found = Vec::new();
    rollouts(&root, &mut found);
    assert_eq!(
        found.len(),
        1,
        "one rollout in {}: {found:?}",
        root.display()
    );
    let path = &found[0];
    let bytes = std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    (path.display().to_string(), bytes)
}

/// The records of a rollout, for what Codex itself says about it.
fn records(bytes: &[u8]) -> Vec<serde_json::Value> {
    bytes
        .split(|&byte| byte == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).expect("a JSON line"))
        .collect()
}

/// Codex's own running total after the last response, from both places it writes one.
fn clients_total(bytes: &[u8]) -> TokenUsage {
    let records = records(bytes);
    let last = |kind: &str, pointer: &str| {
        records
            .iter()
            .rev()
            .filter(|record| record["type"] == kind || record["payload"]["type"] == kind)
            .find_map(|record| record.pointer(pointer).cloned())
            .unwrap_or_else(|| panic!("no {kind} with {pointer}"))
    };
    let counts = |usage: serde_json::Value| TokenUsage {
        input_tokens: usage["input_tokens"].as_u64(),
        output_tokens: usage["output_tokens"].as_u64(),
        cached_input_tokens: usage["cached_input_tokens"].as_u64(),
        cache_write_tokens: usage["cache_write_input_tokens"].as_u64(),
        reasoning_tokens: usage["reasoning_output_tokens"].as_u64(),
    };
    let record = counts(last("token_usage_record", "/payload/thread_token_usage"));
    let event = counts(last("token_count", "/payload/info/total_token_usage"));
    assert_eq!(record, event, "the two running totals agree");
    record
}

/// Every note of an import, for checking what is not there.
fn all_notes(checkpoint: &Checkpoint) -> Vec<String> {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    metadata
        .get("import_notes")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .map(|note| note.as_str().expect("notes are strings").to_owned())
        .collect()
}

/// What both recorded scenarios share: two typed prompts, one `ls` call answered by its output,
/// the answers, usage summing to Codex's own totals, and no note about unknown records.
fn assert_recorded_rollout(scenario: &str, originator: &str, source: &str) -> Checkpoint {
    let (path, bytes) = recorded(scenario);
    let checkpoint = read(&path, &bytes).unwrap_or_else(|error| panic!("{path}: {error:?}"));
    let session = &checkpoint.session;
    let id = records(&bytes)[0]["payload"]["id"]
        .as_str()
        .expect("a session id")
        .to_owned();
    assert_eq!(session.name, format!("codex-{}", &id[..8]));
    assert_eq!(session.provider, "openai");
    assert_eq!(session.model, "gpt-5-codex");
    let metadata = session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["session_id"], id.as_str());
    assert_eq!(metadata["codex_version"], "0.171.0");
    assert_eq!(metadata["originator"], originator);
    assert_eq!(metadata["source"], source);
    let cwd = checkpoint
        .context
        .as_ref()
        .and_then(|context| context.working_directory.as_deref())
        .expect("a working directory");
    assert!(cwd.ends_with(&format!("/{scenario}/project")), "{cwd}");
    assert!(session.created_at.is_some() && session.updated_at.is_some());

    let users: Vec<&str> = checkpoint
        .messages
        .iter()
        .filter(|message| message.role == Role::User)
        .map(|message| message.content.as_str())
        .collect();
    assert_eq!(
        users,
        [
            "RUN_SHELL: please list the files in this folder.",
            "Thanks. Which of them is a Python file?"
        ]
    );

    let calls: Vec<&confab_core::ToolCall> = checkpoint
        .messages
        .iter()
        .flat_map(|message| &message.tool_calls)
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].name, "exec_command");
    assert_eq!(calls[0].arguments["cmd"], "ls");
    let results: Vec<&confab_core::Message> = checkpoint
        .messages
        .iter()
        .filter(|message| message.role == Role::Tool)
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].tool_call_id.as_deref(),
        Some(calls[0].id.as_str())
    );
    assert!(
        results[0].content.contains("main.py\nnotes.txt"),
        "{}",
        results[0].content
    );

    let answers: Vec<&str> = checkpoint
        .messages
        .iter()
        .filter(|message| message.role == Role::Assistant && !message.content.is_empty())
        .map(|message| message.content.as_str())
        .collect();
    assert_eq!(
        answers,
        [
            "The command ran. The folder holds the files listed above.",
            "Hello from the fake model. This answer is scripted text."
        ]
    );
    assert!(
        checkpoint
            .messages
            .iter()
            .filter(|message| message.role == Role::Assistant)
            .all(|message| message.model.as_deref() == Some("gpt-5-codex"))
    );
    // Three model responses, each counted once: the tool call's, then the two answers'.
    let with_usage = checkpoint
        .messages
        .iter()
        .filter(|message| message.usage.is_some())
        .count();
    assert_eq!(with_usage, 3);
    let statistics = checkpoint.statistics.as_ref().expect("statistics");
    assert_eq!(statistics.user_messages, 2);
    assert_eq!(statistics.assistant_messages, 3);
    assert_eq!(statistics.tool_calls, Some(1));
    assert_eq!(statistics.usage, Some(clients_total(&bytes)));

    let notes = all_notes(&checkpoint);
    assert!(
        !notes.iter().any(|note| note.contains("unknown")),
        "{notes:#?}"
    );
    assert_notes(
        &checkpoint,
        &[
            "developer messages imported as system messages: 1",
            "reasoning items not imported",
        ],
    );
    checkpoint
}

#[test]
fn a_recorded_exec_rollout_has_the_typed_prompts_and_codexs_own_usage() {
    let checkpoint = assert_recorded_rollout("exec", "codex_exec", "exec");
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            System, System, User, Assistant, Tool, Assistant, User, Assistant
        ]
    );
    assert!(
        checkpoint.messages[1]
            .content
            .starts_with("<environment_context>")
    );
    assert_notes(&checkpoint, &["imported as system messages: 1"]);
    // The first response only called the tool; its usage is on the call's message.
    let call = &checkpoint.messages[3];
    assert_eq!(call.content, "");
    assert_eq!(
        call.usage,
        Some(TokenUsage {
            input_tokens: Some(10114),
            output_tokens: Some(115),
            cached_input_tokens: Some(9088),
            cache_write_tokens: Some(513),
            reasoning_tokens: Some(63),
        })
    );
}

#[test]
fn a_recorded_tui_rollout_keeps_the_users_shell_command_as_context_not_a_prompt() {
    let checkpoint = assert_recorded_rollout("tui", "codex-tui", "vscode");
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [
            System, System, User, Assistant, Tool, Assistant, System, User, Assistant
        ]
    );
    let shell = &checkpoint.messages[6];
    assert!(
        shell.content.starts_with("<user_shell_command>") && shell.content.contains("main.py"),
        "{}",
        shell.content
    );
    assert_notes(&checkpoint, &["imported as system messages: 2"]);
}

#[test]
fn the_recorded_rollouts_are_found_by_sniffing() {
    for scenario in ["exec", "tui"] {
        let (path, bytes) = recorded(scenario);
        assert_eq!(FORMAT.sniff(&bytes), confab_core::Sniff::Yes, "{path}");
    }
}
