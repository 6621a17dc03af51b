//! The Gemini format against files that Gemini CLI 0.61.0 wrote (`fixtures/recorded/`, see its
//! SCENARIOS.md: session recordings, a `/chat save` checkpoint, the prompt log) and hand-written
//! fixtures of `/chat share` and older `/chat save` files.

use confab_core::{Checkpoint, Decode, Location, Role, read_checkpoint};
use confab_format_gemini::FORMAT;
use serde_json::json;

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

fn notes(checkpoint: &Checkpoint) -> Vec<String> {
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["source_format"], "gemini");
    metadata
        .get("import_notes")
        .map_or(&[][..], |notes| {
            notes.as_array().expect("import_notes is an array")
        })
        .iter()
        .map(|note| note.as_str().expect("notes are strings").to_owned())
        .collect()
}

fn has_note(notes: &[String], text: &str) -> bool {
    notes.iter().any(|note| note.contains(text))
}

#[test]
fn a_shared_chat_imports_with_tool_calls_and_responses() {
    let checkpoint = import("shared-chat.json");
    assert_eq!(checkpoint.session.provider, "google");
    assert_eq!(checkpoint.session.model, "unknown");
    let name = &checkpoint.session.name;
    assert!(
        name.starts_with("gemini-") && name.len() == "gemini-".len() + 8,
        "{name}"
    );
    use Role::{Assistant, System, Tool, User};
    let roles: Vec<Role> = checkpoint.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            System, Assistant, User, Assistant, Tool, Assistant, Tool, Tool, User, Assistant
        ]
    );
    let messages = &checkpoint.messages;
    assert!(messages[0].content.starts_with("This is the Gemini CLI."));
    assert_eq!(messages[1].content, "Got it. Thanks for the context!");

    // Thought parts are left out; the call keeps the id Gemini CLI gave it.
    assert_eq!(messages[3].content, "Let me run the test suite.");
    let call = &messages[3].tool_calls[0];
    assert_eq!(call.id, "run_shell_command-1772534400000-4f2a");
    assert_eq!(call.name, "run_shell_command");
    assert_eq!(
        call.arguments,
        json!({"command": "cargo test", "description": "Run the tests"})
    );
    assert_eq!(messages[4].tool_call_id.as_deref(), Some(call.id.as_str()));
    assert!(
        messages[4]
            .content
            .starts_with("Command: cargo test\nExit Code: 101")
    );

    // Text parts of one turn are one text; calls without ids get generated ones, and the
    // responses answer them in order.
    assert_eq!(
        messages[5].content,
        "The `balance` test fails. I'll read both files involved."
    );
    let ids: Vec<&str> = messages[5]
        .tool_calls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["call_1", "call_2"]);
    assert_eq!(messages[6].tool_call_id.as_deref(), Some("call_1"));
    assert_eq!(messages[6].content, "mod ledger;\nfn main() {}");
    assert_eq!(messages[7].tool_call_id.as_deref(), Some("call_2"));
    assert_eq!(
        messages[7].content,
        r#"{"error":"File not found: /home/ana/src/ledger/src/ledger.rs"}"#
    );

    assert_eq!(
        messages[8].content,
        "Here is a screenshot of the CI run.\n[inlineData omitted]"
    );
    assert!(
        messages[9]
            .content
            .ends_with("never committed. Add it and the test will build.")
    );
    assert!(
        messages
            .iter()
            .all(|m| m.created_at.is_none() && m.usage.is_none())
    );

    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/home/ana/src/ledger")
    );
    let statistics = checkpoint.statistics.expect("statistics");
    assert_eq!(
        (
            statistics.message_count,
            statistics.user_messages,
            statistics.assistant_messages
        ),
        (10, 2, 4)
    );
    assert_eq!(statistics.tool_calls, Some(3));

    let notes = notes(&checkpoint);
    for expected in [
        "imported as a system message",
        "thought parts (the model's reasoning) not imported: 2",
        "inlineData parts replaced by the placeholder [inlineData omitted]: 1",
        "names no model",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn a_saved_checkpoint_imports_from_its_history() {
    let checkpoint = import("saved-checkpoint.json");
    let roles: Vec<Role> = checkpoint.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [Role::System, Role::Assistant, Role::User, Role::Assistant]
    );
    assert_eq!(
        checkpoint.messages[2].content,
        "Summarise invoice.py in one sentence."
    );
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.working_directory.as_deref(),
        Some("/Users/kim/work/billing")
    );
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["auth_type"], "oauth-personal");
}

#[test]
fn the_name_is_a_stable_hash_of_the_file() {
    assert_eq!(
        import("shared-chat.json").session.name,
        import("shared-chat.json").session.name
    );
    assert_ne!(
        import("shared-chat.json").session.name,
        import("saved-checkpoint.json").session.name
    );
}

#[test]
fn responses_without_a_call_and_calls_without_a_response_are_noted() {
    let input = br#"[
        {"role": "model", "parts": [{"functionCall": {"name": "ls", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "grep", "response": {"output": "x"}}}]},
        {"parts": [{"text": "no role"}]},
        {"role": "critic", "parts": [{"text": "?"}]}
    ]"#;
    let checkpoint = read("input", input).expect("imports");
    let roles: Vec<Role> = checkpoint.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::Assistant, Role::Tool, Role::Assistant]);
    assert_eq!(checkpoint.messages[1].tool_call_id, None);
    let notes = notes(&checkpoint);
    for expected in [
        "a response from \"grep\" answers no earlier call",
        "the call to \"ls\" has no recorded response",
        "history entries without a role, read as the model's: 1",
        "history entry 4 has the unknown role \"critic\"",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn malformed_json_names_the_line() {
    let error = decode(&fixture("malformed.json")).expect_err("malformed");
    assert_eq!(error.location.map(|l| l.line), Some(5), "{error:?}");
    assert!(!error.message.is_empty(), "{error}");
    let invalid = read("malformed.json", &fixture("malformed.json")).expect_err("malformed");
    assert!(matches!(
        invalid.problems[0].location,
        Some(Location { line: 5, .. })
    ));
}

#[test]
fn inputs_without_messages_are_refused_clearly() {
    for input in [
        "[]",
        r#"{"history": []}"#,
        r#"[{"role": "model", "parts": [{"text": "thinking", "thought": true}]}]"#,
    ] {
        let error = decode(input.as_bytes()).expect_err(input);
        assert_eq!(
            error.message, "no messages found in the transcript",
            "{input}"
        );
    }
    let error = decode(b"{\"messages\": []}").expect_err("not Gemini");
    assert!(error.message.contains("`history` array"), "{error}");
    // A whole session recording in one document, as older versions wrote `session-*.json`.
    let error =
        decode(br#"{"sessionId": "abc", "messages": []}"#).expect_err("a session recording");
    assert_eq!(
        error.message, "no messages found in the transcript",
        "{error}"
    );
    let error = decode(b"[3]").expect_err("not an object");
    assert!(
        error
            .message
            .contains("history entry 1 is not a JSON object"),
        "{error}"
    );
}

#[test]
fn the_format_is_found_by_sniffing_each_fixture() {
    for name in ["shared-chat.json", "saved-checkpoint.json"] {
        assert_eq!(
            FORMAT.sniff(&fixture(name)),
            confab_core::Sniff::Yes,
            "{name}"
        );
    }
}

// ---- Files Gemini CLI 0.61.0 wrote (`fixtures/recorded/`) ----

/// The files of the recorded folder `dir`, as `recorded/dir/NAME` paths for [`fixture`], sorted
/// (recordings are named by their start minute, so the older first).
fn recorded(dir: &str, extension: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/fixtures/recorded/{dir}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|error| panic!("cannot list {path}: {error}"))
        .map(|entry| entry.expect("a directory entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(extension))
        .map(|name| format!("recorded/{dir}/{name}"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no {extension} file in {path}");
    names
}

/// The one `.jsonl` recording of `dir`.
fn only_recording(dir: &str) -> String {
    let names = recorded(dir, ".jsonl");
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

/// The lines of a recording, parsed.
fn records(name: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    String::from_utf8(fixture(name))
        .expect("UTF-8")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a JSON object per line"))
        .collect()
}

/// What the file itself says, read here without the decoder: the message records appended with
/// their own line (the last one under each id, as Gemini CLI keeps it), the header, and the last
/// `lastUpdated`.
struct Expected {
    session_id: String,
    project_hash: String,
    start_time: String,
    last_updated: String,
    /// `(id, record)` of the appended messages, in the order of their first line.
    appended: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
}

impl Expected {
    fn of(name: &str) -> Expected {
        let records = records(name);
        let header = &records[0];
        let text = |record: &serde_json::Map<String, serde_json::Value>, key: &str| {
            record[key].as_str().expect("a string").to_owned()
        };
        let mut appended: Vec<(String, serde_json::Map<String, serde_json::Value>)> = Vec::new();
        let mut last_updated = text(header, "lastUpdated");
        for record in &records {
            if let Some(id) = record.get("id").and_then(|id| id.as_str()) {
                match appended.iter_mut().find(|(known, _)| known == id) {
                    Some((_, known)) => *known = record.clone(),
                    None => appended.push((id.to_owned(), record.clone())),
                }
            }
            let updated = record
                .get("$set")
                .unwrap_or(&serde_json::Value::Null)
                .get("lastUpdated")
                .or_else(|| record.get("lastUpdated"));
            if let Some(updated) = updated.and_then(|updated| updated.as_str()) {
                last_updated = updated.to_owned();
            }
        }
        Expected {
            session_id: text(header, "sessionId"),
            project_hash: text(header, "projectHash"),
            start_time: text(header, "startTime"),
            last_updated,
            appended,
        }
    }

    /// The typed prompts: appended `user` messages with text.
    fn prompts(&self) -> Vec<String> {
        self.appended
            .iter()
            .filter(|(_, record)| record["type"] == "user")
            .filter_map(|(_, record)| {
                let text: String = record["content"]
                    .as_array()?
                    .iter()
                    .filter_map(|part| part.get("text")?.as_str())
                    .collect();
                (!text.is_empty()).then_some(text)
            })
            .collect()
    }

    /// `tokens.KEY` summed over the appended `gemini` messages.
    fn tokens(&self, key: &str) -> u64 {
        self.appended
            .iter()
            .filter_map(|(_, record)| record.get("tokens")?.get(key)?.as_u64())
            .sum()
    }

    /// The appended `gemini` messages' `toolCalls`.
    fn tool_calls(&self) -> Vec<serde_json::Value> {
        self.appended
            .iter()
            .filter_map(|(_, record)| record.get("toolCalls")?.as_array().cloned())
            .flatten()
            .collect()
    }
}

fn roles(checkpoint: &Checkpoint) -> Vec<Role> {
    checkpoint.messages.iter().map(|m| m.role).collect()
}

fn texts(checkpoint: &Checkpoint, role: Role) -> Vec<&str> {
    checkpoint
        .messages
        .iter()
        .filter(|m| m.role == role)
        .map(|m| m.content.as_str())
        .collect()
}

/// What every recording's import shares: the envelope, the counts, the tokens, the pairing of
/// calls and results, the times, the system/user split of the startup context.
fn check_recording(name: &str, checkpoint: &Checkpoint, expected: &Expected) {
    let session = &checkpoint.session;
    assert_eq!(session.provider, "google", "{name}");
    assert_eq!(session.model, "gemini-2.5-flash", "{name}");
    assert_eq!(
        session.name,
        format!("gemini-{}", &expected.session_id[..8]),
        "{name}"
    );
    let metadata = session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["session_id"], expected.session_id.as_str());
    assert_eq!(metadata["project_hash"], expected.project_hash.as_str());
    assert_eq!(
        session.created_at.map(|t| t.to_string()),
        Some(
            expected
                .start_time
                .parse::<jiff::Timestamp>()
                .expect("RFC 3339")
                .to_string()
        )
    );
    assert_eq!(
        session.updated_at.map(|t| t.to_string()),
        Some(
            expected
                .last_updated
                .parse::<jiff::Timestamp>()
                .expect("RFC 3339")
                .to_string()
        )
    );

    // The startup context is the one system message, first; users are the typed prompts.
    let messages = &checkpoint.messages;
    assert_eq!(messages[0].role, Role::System, "{name}");
    assert!(
        messages[0]
            .content
            .starts_with("<session_context>\nThis is the Gemini CLI.")
    );
    assert!(messages[0].content.ends_with("</session_context>"));
    assert_eq!(texts(checkpoint, Role::System).len(), 1, "{name}");
    assert_eq!(texts(checkpoint, Role::User), expected.prompts(), "{name}");
    let statistics = checkpoint.statistics.as_ref().expect("statistics");
    assert_eq!(statistics.user_messages as usize, expected.prompts().len());

    // Every assistant message names its model and carries the file's own counts, once each.
    for message in messages.iter().filter(|m| m.role == Role::Assistant) {
        assert_eq!(message.model.as_deref(), Some("gemini-2.5-flash"), "{name}");
        assert!(message.usage.is_some(), "{name}: {message:?}");
    }
    let usage = statistics.usage.expect("usage");
    assert!(expected.tokens("input") > 0, "{name}: the file has tokens");
    assert_eq!(usage.input_tokens, Some(expected.tokens("input")), "{name}");
    assert_eq!(
        usage.output_tokens,
        Some(expected.tokens("output")),
        "{name}"
    );
    assert_eq!(
        usage.cached_input_tokens,
        Some(expected.tokens("cached")),
        "{name}"
    );
    assert_eq!(
        usage.reasoning_tokens,
        Some(expected.tokens("thoughts")),
        "{name}"
    );
    assert_eq!(usage.cache_write_tokens, None);
    assert_eq!(
        expected.tokens("input") + expected.tokens("output") + expected.tokens("thoughts"),
        expected.tokens("total"),
        "{name}: Gemini's total is input, output and thoughts"
    );

    // Each recorded call is a tool call, answered by exactly one tool message right after.
    let calls = expected.tool_calls();
    assert!(!calls.is_empty(), "{name}");
    assert_eq!(statistics.tool_calls, Some(calls.len() as u64), "{name}");
    for call in &calls {
        let id = call["id"].as_str().expect("an id");
        let position = messages
            .iter()
            .position(|m| m.tool_calls.iter().any(|c| c.id == id))
            .unwrap_or_else(|| panic!("{name}: no message makes the call {id}"));
        let made = &messages[position].tool_calls[0];
        assert_eq!(made.name, call["name"].as_str().expect("a name"));
        assert_eq!(made.arguments, call["args"]);
        let answers: Vec<usize> = messages
            .iter()
            .enumerate()
            .filter(|(_, m)| m.tool_call_id.as_deref() == Some(id))
            .map(|(index, _)| index)
            .collect();
        assert_eq!(
            answers,
            [position + 1],
            "{name}: {id} is answered once, next"
        );
        let answer = &messages[position + 1];
        assert_eq!(answer.role, Role::Tool);
        let output = call["result"][0]["functionResponse"]["response"]["output"]
            .as_str()
            .expect("the result's output");
        assert_eq!(answer.content, output, "{name}");
        assert_eq!(
            answer.created_at.map(|t| t.to_string()),
            call["timestamp"]
                .as_str()
                .map(|t| t.parse::<jiff::Timestamp>().expect("RFC 3339").to_string())
        );
    }
    assert!(
        messages
            .iter()
            .all(|m| m.role != Role::Tool || m.tool_call_id.is_some()),
        "{name}"
    );

    // Messages keep their own times, in order (not the time a resume rewrote them).
    let times: Vec<jiff::Timestamp> = messages
        .iter()
        .map(|m| {
            m.created_at
                .unwrap_or_else(|| panic!("{name}: {m:?} has no time"))
        })
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] <= pair[1]),
        "{name}: {times:?}"
    );

    // The rewrites of a resume drop nothing.
    let notes = notes(checkpoint);
    assert!(!has_note(&notes, "left out"), "{name}: {notes:?}");

    let context = checkpoint.context.as_ref().expect("context");
    let directory = context.working_directory.as_deref().expect("a directory");
    assert!(
        messages[0]
            .content
            .contains(&format!("- **Workspace Directories:**\n  - {directory}\n")),
        "{name}: {directory}"
    );
}

#[test]
fn an_automatic_recording_imports_as_one_conversation_across_its_resume() {
    let name = only_recording("auto-recording");
    let checkpoint = import(&name);
    let expected = Expected::of(&name);
    check_recording(&name, &checkpoint, &expected);
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [System, User, Assistant, Tool, Assistant, User, Assistant]
    );
    assert_eq!(
        texts(&checkpoint, User),
        [
            "List the files in this project folder, please.",
            "Thanks. What is a good name for it?"
        ]
    );
    let messages = &checkpoint.messages;
    // The turn that only calls a tool has no text; the listing goes back as the tool message.
    assert_eq!(messages[2].content, "");
    let call = &messages[2].tool_calls[0];
    assert_eq!(call.name, "list_directory");
    let directory = checkpoint
        .context
        .as_ref()
        .and_then(|c| c.working_directory.clone());
    assert_eq!(call.arguments["dir_path"].as_str(), directory.as_deref());
    assert!(
        messages[3]
            .content
            .contains("notes.txt (9 bytes)\nREADME.md (15 bytes)")
    );
    assert!(directory.is_some_and(|d| d.ends_with("/demo-project")));

    // The header's second copy (the resume) does not restart the session, and the summary
    // Gemini CLI wrote for `/resume` is the title.
    let records = records(&name);
    let headers = records
        .iter()
        .filter(|r| r.contains_key("projectHash"))
        .count();
    assert_eq!(headers, 2, "the resume appended a second header");
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(
        metadata["title"],
        "Listed the project files and asked for a name"
    );
    assert_eq!(metadata["session_kind"], "main");
    let notes = notes(&checkpoint);
    for expected in [
        "imported as a system message",
        "thought summaries (the model's reasoning) not imported: 3",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn a_resume_in_a_later_minute_continues_the_first_file_and_its_stub_is_refused() {
    let names = recorded("resume-across-minute", ".jsonl");
    assert_eq!(names.len(), 2, "{names:?}");
    let checkpoint = import(&names[0]);
    let expected = Expected::of(&names[0]);
    check_recording(&names[0], &checkpoint, &expected);
    use Role::{Assistant, System, Tool, User};
    assert_eq!(
        roles(&checkpoint),
        [System, User, Assistant, Tool, Assistant, User, Assistant]
    );
    assert_eq!(
        texts(&checkpoint, User),
        [
            "Run ls in the shell for me.",
            "Good. Anything else to know?"
        ]
    );
    let call = &checkpoint.messages[2].tool_calls[0];
    assert_eq!(call.name, "run_shell_command");
    assert_eq!(call.arguments["command"], "ls -1");
    assert!(checkpoint.messages[3].content.contains("Output: hello.txt"));

    // The second file holds the same session's header and startup context only.
    let stub = Expected::of(&names[1]);
    assert_eq!(stub.session_id, expected.session_id);
    let error = read(&names[1], &fixture(&names[1])).expect_err("a stub");
    assert_eq!(
        error.problems[0].message,
        "the recording holds only the context Gemini CLI sends at startup, no conversation"
    );
}

#[test]
fn a_chat_with_chat_save_imports_from_its_recording_and_its_checkpoint() {
    let name = only_recording("chat-save");
    let checkpoint = import(&name);
    let expected = Expected::of(&name);
    assert_eq!(
        roles(&checkpoint),
        [Role::System, Role::User, Role::Assistant]
    );
    assert_eq!(texts(&checkpoint, Role::User), ["Say hello in one line."]);
    let answer = r#"Here is a short answer to "Say hello in one line.": all is well."#;
    assert_eq!(checkpoint.messages[2].content, answer);
    // The usage is the one assistant message's.
    let usage = checkpoint.messages[2].usage.expect("usage");
    assert_eq!(usage.input_tokens, Some(expected.tokens("input")));
    assert_eq!(usage.output_tokens, Some(expected.tokens("output")));
    // The `info` record of `/chat save` is Gemini CLI's notice, not a message.
    let notices = expected
        .appended
        .iter()
        .filter(|(_, record)| record["type"] == "info")
        .count();
    assert_eq!(notices, 1);
    let notes = notes(&checkpoint);
    assert!(
        has_note(
            &notes,
            "(info, warning and error entries, never sent to the model) skipped: 1"
        ),
        "{notes:?}"
    );

    // `/chat save` wrote the context and the prompt as two parts of one entry.
    let saved = recorded("chat-save", ".json")
        .into_iter()
        .find(|name| name.contains("checkpoint-"))
        .expect("the checkpoint");
    let document: serde_json::Value = serde_json::from_slice(&fixture(&saved)).expect("JSON");
    assert_eq!(
        document["history"][0]["parts"].as_array().map(Vec::len),
        Some(2)
    );
    let from_checkpoint = import(&saved);
    assert_eq!(
        roles(&from_checkpoint),
        [Role::System, Role::User, Role::Assistant]
    );
    assert_eq!(
        from_checkpoint.messages[0].content, checkpoint.messages[0].content,
        "the same context block as the recording's"
    );
    assert_eq!(
        from_checkpoint.messages[1].content,
        "Say hello in one line."
    );
    assert_eq!(from_checkpoint.messages[2].content, answer);
    let metadata = from_checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["auth_type"], "gemini-api-key");
    assert_eq!(
        from_checkpoint.context.and_then(|c| c.working_directory),
        checkpoint.context.and_then(|c| c.working_directory)
    );
}

#[test]
fn the_prompt_log_is_not_claimed_and_is_refused_clearly() {
    let log = recorded("chat-save", "logs.json").remove(0);
    assert_eq!(FORMAT.sniff(&fixture(&log)), confab_core::Sniff::No);
    let error = decode(&fixture(&log)).expect_err("not a chat");
    assert!(error.message.contains("prompt log"), "{error}");
}

#[test]
fn every_recording_is_sniffed_and_the_other_tools_jsonl_files_are_not() {
    for dir in ["auto-recording", "chat-save", "resume-across-minute"] {
        for name in recorded(dir, ".jsonl") {
            assert_eq!(
                FORMAT.sniff(&fixture(&name)),
                confab_core::Sniff::Yes,
                "{name}"
            );
        }
    }
    // Claude Code's and Codex's `.jsonl` files, from their crates' fixtures.
    let mut others = Vec::new();
    let mut folders: Vec<std::path::PathBuf> = ["claude-code", "codex"]
        .iter()
        .map(|format| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(format)
                .join("tests/fixtures")
        })
        .collect();
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a fixtures folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "jsonl")
            {
                others.push(path);
            }
        }
    }
    assert!(others.len() >= 4, "{others:?}");
    for path in others {
        let bytes = std::fs::read(&path).expect("readable");
        assert_eq!(
            FORMAT.sniff(&bytes),
            confab_core::Sniff::No,
            "{}",
            path.display()
        );
    }
}

// ---- Hand-written recordings, for what the recorded files do not show ----

const HEADER: &str = r#"{"sessionId":"0a1b2c3d-4e5f","projectHash":"ab12","startTime":"2026-01-02T10:00:00.000Z","lastUpdated":"2026-01-02T10:00:00.000Z","kind":"main"}"#;

/// A recording of `HEADER` and `lines`.
fn recording(lines: &[&str]) -> Vec<u8> {
    let mut text = format!("{HEADER}\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.into_bytes()
}

fn user(id: &str, text: &str) -> String {
    json!({"id": id, "timestamp": "2026-01-02T10:00:01.000Z", "type": "user", "content": [{"text": text}]})
        .to_string()
}

fn gemini(id: &str, text: &str) -> String {
    json!({
        "id": id, "timestamp": "2026-01-02T10:00:02.000Z", "type": "gemini", "content": text,
        "tokens": {"input": 100, "output": 10, "cached": 40, "thoughts": 5, "tool": 7, "total": 122},
        "model": "gemini-2.5-pro"
    })
    .to_string()
}

#[test]
fn rewinds_updates_and_rewrites_replay_as_gemini_cli_replays_them() {
    let rewritten = json!({"$set": {"messages": [
        {"id": "u1", "timestamp": "2026-01-02T11:00:00.000Z", "type": "user", "content": [{"text": "first"}]},
        {"id": "g1", "timestamp": "2026-01-02T11:00:00.000Z", "type": "gemini", "content": [{"text": "one"}]},
        {"id": "u9", "timestamp": "2026-01-02T11:00:00.000Z", "type": "user", "content": "listed only"}
    ], "lastUpdated": "2026-01-02T11:00:00.000Z"}})
    .to_string();
    let input = recording(&[
        &user("u1", "first"),
        &gemini("g1", "draft"),
        // The same id again replaces the message where it stands.
        &gemini("g1", "one"),
        &user("u2", "second"),
        &gemini("g2", "two"),
        // `/rewind` to u2 takes back u2 and everything after it.
        r#"{"$rewindTo":"u2"}"#,
        &user("u3", "third"),
        // A rewrite lists the conversation anew: u3 is gone, u9 is new; u1 and g1 keep their
        // first records (times, model, tokens).
        &rewritten,
        &gemini("g3", "three"),
        r#"{"$set":{"summary":"Counting","lastUpdated":"2026-01-02T12:00:00.000Z"}}"#,
    ]);
    let checkpoint = read("input", &input).expect("imports");
    let contents: Vec<&str> = checkpoint
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["first", "one", "listed only", "three"]);
    assert_eq!(
        checkpoint.messages[1].created_at.map(|t| t.to_string()),
        Some("2026-01-02T10:00:02Z".to_owned())
    );
    assert_eq!(
        checkpoint.messages[1].model.as_deref(),
        Some("gemini-2.5-pro")
    );
    let usage = checkpoint
        .statistics
        .as_ref()
        .and_then(|s| s.usage)
        .expect("usage");
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cached_input_tokens,
            usage.reasoning_tokens
        ),
        (Some(200), Some(20), Some(80), Some(10))
    );
    assert_eq!(checkpoint.session.name, "gemini-0a1b2c3d");
    assert_eq!(checkpoint.session.model, "gemini-2.5-pro");
    assert_eq!(
        checkpoint.session.updated_at.map(|t| t.to_string()),
        Some("2026-01-02T12:00:00Z".to_owned())
    );
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    assert_eq!(metadata["title"], "Counting");
    let notes = notes(&checkpoint);
    for expected in [
        "rewound 1 time(s)",
        "1 recorded message(s) are left out: Gemini CLI's own rewrite",
        "14 tool-use prompt tokens (`tokens.tool`) are not in the usage counts",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn results_come_from_the_call_or_else_from_the_next_user_entry() {
    let with_calls = json!({
        "id": "g1", "timestamp": "2026-01-02T10:00:02.000Z", "type": "gemini", "content": "",
        "model": "gemini-2.5-flash",
        "toolCalls": [
            {"id": "read-1", "name": "read_file", "args": {"path": "a.png"}, "status": "success",
             "timestamp": "2026-01-02T10:00:03.000Z",
             "result": [{"functionResponse": {"id": "read-1", "name": "read_file", "response": {"output": "binary"}}},
                        {"inlineData": {"mimeType": "image/png", "data": "AAAA"}}]},
            {"id": "shell-1", "name": "run_shell_command", "args": {"command": "make"}, "status": "cancelled",
             "timestamp": "2026-01-02T10:00:04.000Z"},
            {"id": "grep-1", "name": "grep", "args": {}, "status": "error",
             "timestamp": "2026-01-02T10:00:05.000Z", "result": null}
        ]
    })
    .to_string();
    // Gemini CLI's second copy of read-1's result, and the only one of grep-1's.
    let responses = json!({"id": "u2", "timestamp": "2026-01-02T10:00:06.000Z", "type": "user", "content": [
        {"functionResponse": {"id": "read-1", "name": "read_file", "response": {"output": "binary"}}},
        {"functionResponse": {"id": "grep-1", "name": "grep", "response": {"error": "no pattern"}}}
    ]})
    .to_string();
    let input = recording(&[
        &user("u1", "look"),
        &with_calls,
        &responses,
        r#"{"id":"n1","timestamp":"2026-01-02T10:00:07.000Z","type":"warning","content":"slow"}"#,
    ]);
    let checkpoint = read("input", &input).expect("imports");
    use Role::{Assistant, Tool, User};
    assert_eq!(roles(&checkpoint), [User, Assistant, Tool, Tool]);
    let messages = &checkpoint.messages;
    let ids: Vec<&str> = messages[1]
        .tool_calls
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(ids, ["read-1", "shell-1", "grep-1"]);
    assert_eq!(messages[2].tool_call_id.as_deref(), Some("read-1"));
    assert_eq!(messages[2].content, "binary\n[inlineData omitted]");
    assert_eq!(messages[3].tool_call_id.as_deref(), Some("grep-1"));
    assert_eq!(messages[3].content, r#"{"error":"no pattern"}"#);
    assert_eq!(
        messages[3].created_at.map(|t| t.to_string()),
        Some("2026-01-02T10:00:06Z".to_owned())
    );
    let notes = notes(&checkpoint);
    for expected in [
        "the call to \"run_shell_command\" has no recorded response",
        "inlineData parts replaced by the placeholder [inlineData omitted]: 1",
        "never sent to the model) skipped: 1",
    ] {
        assert!(
            has_note(&notes, expected),
            "no note {expected:?} in {notes:?}"
        );
    }
}

#[test]
fn a_whole_recording_in_one_document_imports_too() {
    // `session-*.json`, as Gemini CLI wrote it before the JSON Lines recordings.
    let document = json!({
        "sessionId": "77aa88bb-1", "projectHash": "ff", "startTime": "2025-09-01T08:00:00.000Z",
        "lastUpdated": "2025-09-01T08:05:00.000Z",
        "messages": [
            {"id": "a", "timestamp": "2025-09-01T08:00:01.000Z", "type": "user", "content": "Hi"},
            {"id": "b", "timestamp": "2025-09-01T08:00:02.000Z", "type": "gemini", "content": "Hello",
             "tokens": {"input": 9, "output": 1, "cached": 0, "thoughts": 0, "tool": 0, "total": 10},
             "model": "gemini-2.5-flash"}
        ]
    });
    for bytes in [
        serde_json::to_vec_pretty(&document).expect("JSON"),
        serde_json::to_vec(&document).expect("JSON"),
    ] {
        assert_eq!(FORMAT.sniff(&bytes), confab_core::Sniff::Yes);
        let checkpoint = read("input", &bytes).expect("imports");
        assert_eq!(roles(&checkpoint), [Role::User, Role::Assistant]);
        assert_eq!(checkpoint.session.name, "gemini-77aa88bb");
        assert_eq!(
            checkpoint.messages[1].usage.and_then(|u| u.input_tokens),
            Some(9)
        );
    }
}

#[test]
fn a_bad_line_of_a_recording_is_located() {
    let input = recording(&[&user("u1", "hi"), "{\"id\": ", &gemini("g1", "x")]);
    let error = decode(&input).expect_err("a bad line");
    assert_eq!(error.location.map(|l| l.line), Some(3), "{error:?}");
    assert!(
        error.message.starts_with("line 3 is not valid JSON"),
        "{error}"
    );
}

#[test]
fn a_recording_cut_off_by_the_sniff_window_is_a_maybe() {
    let long = "x".repeat(70 * 1024);
    let header = format!(r#"{{"sessionId":"s","projectHash":"p","summary":"{long}"}}"#);
    assert_eq!(FORMAT.sniff(header.as_bytes()), confab_core::Sniff::Maybe);
    // A Claude Code line names a sessionId but no projectHash.
    let claude = r#"{"type":"user","sessionId":"s","uuid":"u","parentUuid":null,"message":{"role":"user","content":"hi"}}"#;
    assert_eq!(FORMAT.sniff(claude.as_bytes()), confab_core::Sniff::No);
}

#[test]
fn the_startup_context_is_split_from_a_prompt_sent_with_it() {
    let setup = "<session_context>\nThis is the Gemini CLI. We are setting up the context for our chat.\n\
                 - **Workspace Directories:**\n  - /srv/app\n</session_context>";
    let answer = json!({"role": "model", "parts": [{"text": "Done."}]});
    // The block and the prompt as two parts (as `/chat save` writes them), as one text, and
    // the block alone followed by the prompt's own entry.
    let shapes = [
        json!([{"role": "user", "parts": [{"text": setup}, {"text": "Fix the build."}]}, answer]),
        json!([{"role": "user", "parts": [{"text": format!("{setup}\n\nFix the build.")}]}, answer]),
        json!([
            {"role": "user", "parts": [{"text": setup}]},
            {"role": "user", "parts": [{"text": "Fix the build."}]},
            answer
        ]),
    ];
    for shape in shapes {
        let checkpoint = read("input", shape.to_string().as_bytes()).expect("imports");
        assert_eq!(
            roles(&checkpoint),
            [Role::System, Role::User, Role::Assistant],
            "{shape}"
        );
        assert_eq!(checkpoint.messages[0].content, setup);
        assert_eq!(checkpoint.messages[1].content, "Fix the build.");
        let context = checkpoint.context.expect("context");
        assert_eq!(context.working_directory.as_deref(), Some("/srv/app"));
    }
    // In a recording too: the first user entry may carry both.
    let both = json!({"id": "u1", "timestamp": "2026-01-02T10:00:01.000Z", "type": "user",
                      "content": [{"text": setup}, {"text": "Fix the build."}]})
    .to_string();
    let checkpoint = read("input", &recording(&[&both, &gemini("g1", "Done.")])).expect("imports");
    assert_eq!(
        roles(&checkpoint),
        [Role::System, Role::User, Role::Assistant]
    );
    assert_eq!(checkpoint.messages[1].content, "Fix the build.");
}
