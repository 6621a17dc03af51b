//! Handing a session to Codex and taking back what was added there: `sessions export --format
//! codex`, `confab resume --with codex`, and `sessions import --from codex` on the rollout
//! `resume` wrote, against a fake `~/.codex` (`CODEX_HOME`) that a test writes to as Codex
//! would.

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::json;

use crate::handoff::{
    CLAUDE_MAIN, checkpoint, handoffs, import, import_archived, lines, messages, printed_id,
};
use crate::util::Project;

fn resume(project: &Project, codex: &Path, name: &str) -> assert_cmd::Command {
    let mut command = project.confab();
    command
        .env("CODEX_HOME", codex)
        .args(["resume", name, "--with", "codex"]);
    command
}

/// Appends one turn to a rollout the way Codex 0.171.0 does on `codex exec resume <id>`
/// (record shapes copied from `formats/codex/tests/fixtures/recorded/exec/`): the turn's
/// start and context, the context Codex gives a session it did not start (skills, environment,
/// as `scripts/handoff/codex.sh` saw the real client add), the typed prompt and its event, a
/// reasoning item, the answer and its event, the response's usage twice (record and
/// `token_count` event), and the turn's end.
fn codex_adds_a_turn(path: &Path, prompt: &str, answer: &str, serial: u32) {
    let records = lines(path);
    let thread = records[0]["payload"]["id"]
        .as_str()
        .expect("session id")
        .to_owned();
    let cwd = records[0]["payload"]["cwd"]
        .as_str()
        .expect("cwd")
        .to_owned();
    let turn = format!("01a23cf6-0000-7000-8000-{serial:012}");
    let at = |n: u32| format!("2026-12-08T10:00:0{n}.000Z");
    let usage = json!({"input_tokens": 10527, "cached_input_tokens": 9472,
        "cache_write_input_tokens": 527, "output_tokens": 125, "reasoning_output_tokens": 63,
        "total_tokens": 10652});
    let payloads = [
        (
            "event_msg",
            json!({"type": "task_started", "turn_id": turn, "started_at": 1796319123}),
        ),
        (
            "turn_context",
            json!({"turn_id": turn, "cwd": cwd, "approval_policy": "never",
            "model": "gpt-5-codex", "effort": "medium", "summary": "none",
            "sandbox_policy": {"type": "read-only"}}),
        ),
        // The context Codex gives a session it did not start, before the first prompt.
        (
            "response_item",
            json!({"type": "message", "id": format!("msg_d{serial}"), "role": "developer",
            "content": [{"type": "input_text", "text": "<skills_instructions>\n## Skills\n</skills_instructions>"}]}),
        ),
        (
            "response_item",
            json!({"type": "message", "id": format!("msg_e{serial}"), "role": "user",
            "content": [{"type": "input_text", "text": format!("<environment_context>\n  <cwd>{cwd}</cwd>\n</environment_context>")}],
            "internal_chat_message_metadata_passthrough": {"turn_id": turn,
                "content_item_kinds": ["environments.environment_context"],
                "content_item_metadata": [{"provenance": {"type": "harness", "hook": false}}]}}),
        ),
        (
            "response_item",
            json!({"type": "message", "id": format!("msg_u{serial}"), "role": "user",
            "content": [{"type": "input_text", "text": prompt}],
            "internal_chat_message_metadata_passthrough": {"turn_id": turn,
                "content_item_kinds": ["user.text"],
                "content_item_metadata": [{"provenance": {"type": "user"}}]},
            "metadata": {"client_authored": false, "user_input_order": 0}}),
        ),
        (
            "event_msg",
            json!({"type": "item_completed", "thread_id": thread, "turn_id": turn,
            "item": {"type": "UserMessage", "id": "u", "content": [{"type": "text", "text": prompt, "text_elements": []}]}}),
        ),
        (
            "response_item",
            json!({"type": "reasoning", "id": format!("rs_{serial}"),
            "summary": [{"type": "summary_text", "text": "**Scripted answer**"}],
            "content": null, "encrypted_content": "abc"}),
        ),
        (
            "response_item",
            json!({"type": "message", "status": "completed", "id": format!("msg_a{serial}"),
            "role": "assistant", "content": [{"type": "output_text", "text": answer, "annotations": []}]}),
        ),
        (
            "token_usage_record",
            json!({"thread_id": thread, "turn_id": turn, "session_id": thread,
            "response_id": format!("resp_{serial}"), "usage": usage, "turn_token_usage": usage,
            "thread_token_usage": usage}),
        ),
        (
            "event_msg",
            json!({"type": "token_count", "info": {"total_token_usage": usage,
            "last_token_usage": usage, "model_context_window": 258400}}),
        ),
        (
            "event_msg",
            json!({"type": "task_complete", "turn_id": turn, "last_agent_message": answer}),
        ),
    ];
    let mut text = std::fs::read_to_string(path).expect("readable");
    for (index, (kind, payload)) in payloads.into_iter().enumerate() {
        let ordinal = records.len() + index;
        let record = json!({"timestamp": at(u32::try_from(index).expect("small")),
            "ordinal": ordinal, "type": kind, "payload": payload});
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).expect("written");
}

#[test]
fn export_writes_a_rollout_that_reads_back_and_notes_what_it_could_not_hold() {
    let project = Project::new();
    import(&project, CLAUDE_MAIN, "cc");
    project
        .confab()
        .args([
            "sessions", "export", "cc", "-o", "x.jsonl", "--format", "codex",
        ])
        .assert()
        .success()
        .stderr(
            contains("note: tool calls to tools Codex does not have written as text")
                .and(contains("Exported session cc to x.jsonl (codex")),
        );
    let records = lines(&project.path().join("x.jsonl"));
    assert_eq!(records[0]["type"], "session_meta");
    assert_eq!(records[0]["payload"]["originator"], "confab");
    project
        .confab()
        .args(["sessions", "import", "x.jsonl", "--name", "back"])
        .assert()
        .success();
    let texts = |name: &str| -> Vec<String> {
        messages(&checkpoint(&project, name))
            .iter()
            .filter(|message| message["role"] == "user")
            .map(|message| message["content"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    // Claude Code's Bash call came back as text, its result as a user text.
    let (results, back): (Vec<_>, Vec<_>) = texts("back")
        .into_iter()
        .partition(|text| text.starts_with("[tool result for Bash ("));
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(back, texts("cc"));
}

#[test]
fn resume_writes_a_new_rollout_where_codex_looks_and_records_it() {
    let project = Project::new();
    let codex = tempfile::tempdir().expect("temp dir");
    import(&project, CLAUDE_MAIN, "cc");
    let before = checkpoint(&project, "cc");

    let output = resume(&project, codex.path(), "cc")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Handed cc to codex as"), "{stderr}");
    assert!(
        stderr.contains("note: tool calls to tools Codex"),
        "{stderr}"
    );
    let id = printed_id(&output.stdout, "codex resume ");

    let recorded = handoffs(&project, "cc");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["tool"], "codex");
    assert_eq!(recorded[0]["id"], id.as_str());
    assert_eq!(recorded[0]["messages"], 6);
    let path = PathBuf::from(recorded[0]["path"].as_str().expect("path"));
    // sessions/YYYY/MM/DD/rollout-YYYY-MM-DDThh-mm-ss-<id>.jsonl, under CODEX_HOME.
    let relative = path
        .strip_prefix(codex.path().join("sessions"))
        .expect("under CODEX_HOME/sessions");
    let parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    assert_eq!(parts.len(), 4, "{parts:?}");
    let file = &parts[3];
    assert!(
        file.starts_with(&format!("rollout-{}-{}-{}T", parts[0], parts[1], parts[2])),
        "{file}"
    );
    assert!(file.ends_with(&format!("-{id}.jsonl")), "{file}");
    let records = lines(&path);
    assert_eq!(records[0]["type"], "session_meta");
    assert_eq!(records[0]["payload"]["id"], id.as_str());
    let cwd = project.path().canonicalize().expect("resolves");
    assert_eq!(records[0]["payload"]["cwd"], cwd.to_string_lossy().as_ref());
    // Nothing else about the session changed.
    let after = checkpoint(&project, "cc");
    assert_eq!(messages(&after), messages(&before));
    assert_eq!(
        after["session"]["updated_at"],
        before["session"]["updated_at"]
    );

    // A second hand-off is a new session in Codex; the first file stays as it was.
    let first = std::fs::read(&path).expect("readable");
    let again = resume(&project, codex.path(), "cc")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(again.status.success(), "{again:?}");
    assert_ne!(printed_id(&again.stdout, "codex resume "), id);
    assert_eq!(std::fs::read(&path).expect("readable"), first);
    assert_eq!(handoffs(&project, "cc").len(), 2);
}

#[cfg(unix)]
#[test]
fn resume_runs_codex_in_place_of_confab() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    let codex = tempfile::tempdir().expect("temp dir");
    let bin = tempfile::tempdir().expect("temp dir");
    let said = bin.path().join("said");
    let fake = bin.path().join("codex");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$(pwd) $*\" > '{}'\n", said.display()),
    )
    .expect("written");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    import(&project, CLAUDE_MAIN, "cc");
    resume(&project, codex.path(), "cc")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
        .assert()
        .success();
    let id = handoffs(&project, "cc")[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cwd = project.path().canonicalize().expect("resolves");
    assert_eq!(
        std::fs::read_to_string(&said).expect("codex ran").trim(),
        format!("{} resume {id}", cwd.display())
    );

    // Without codex, the error says what to run; the file is written all the same.
    resume(&project, codex.path(), "cc")
        .env("PATH", "/nonexistent")
        .assert()
        .failure()
        .stderr(contains("could not run codex").and(contains("codex resume")));
}

#[test]
fn a_session_with_nothing_to_send_is_refused_and_writes_nothing() {
    let project = Project::new();
    let codex = tempfile::tempdir().expect("temp dir");
    import_archived(&project, "old");
    resume(&project, codex.path(), "old")
        .arg("--print")
        .assert()
        .failure()
        .stderr(contains("has no message Codex could be given"));
    assert!(!codex.path().join("sessions").exists());
    assert!(handoffs(&project, "old").is_empty());
    resume(&project, codex.path(), "nope")
        .arg("--print")
        .assert()
        .failure()
        .stderr(contains("no session named"));
    assert!(!codex.path().join("sessions").exists());
}

#[test]
fn turns_added_in_codex_come_back_to_the_session_handed_off() {
    let project = Project::new();
    let codex = tempfile::tempdir().expect("temp dir");
    import(&project, CLAUDE_MAIN, "cc");
    let before = messages(&checkpoint(&project, "cc"));
    let output = resume(&project, codex.path(), "cc")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let id = printed_id(&output.stdout, "codex resume ");
    let path = PathBuf::from(handoffs(&project, "cc")[0]["path"].as_str().expect("path"));
    let from = || {
        let mut command = project.confab();
        command
            .env("CODEX_HOME", codex.path())
            .args(["sessions", "import", "--from", "codex"]);
        command
    };

    // Nothing added yet: nothing to take back, and no new session.
    from()
        .assert()
        .success()
        .stderr(contains("Nothing new from codex"));
    assert_eq!(project.session_names(), ["cc"]);

    codex_adds_a_turn(&path, "Which file would you change first?", "main.py.", 1);
    from()
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("would add 2 messages to cc"));
    assert_eq!(messages(&checkpoint(&project, "cc")), before);
    from().assert().success().stderr(contains(format!(
        "Added 2 messages to cc from codex (session {id})"
    )));
    assert_eq!(project.session_names(), ["cc"], "not a new session");
    let grown = messages(&checkpoint(&project, "cc"));
    assert_eq!(&grown[..before.len()], &before[..]);
    let added: Vec<(&str, &str)> = grown[before.len()..]
        .iter()
        .map(|message| {
            (
                message["role"].as_str().unwrap_or_default(),
                message["content"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        added,
        [
            ("user", "Which file would you change first?"),
            ("assistant", "main.py.")
        ]
    );
    assert_eq!(grown[before.len() + 1]["model"], "gpt-5-codex");

    // Again: only what is new since.
    from()
        .assert()
        .success()
        .stderr(contains("Nothing new from codex"));
    codex_adds_a_turn(&path, "And then?", "notes.txt.", 2);
    from()
        .assert()
        .success()
        .stderr(contains("Added 2 messages to cc"));
    let twice = messages(&checkpoint(&project, "cc"));
    assert_eq!(twice.len(), before.len() + 4);
    assert_eq!(twice[before.len() + 2]["content"], "And then?");
}
