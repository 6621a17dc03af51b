//! Handing a session to Claude Code and taking back what was added there: `sessions export
//! --format claude-code`, `confab resume --with claude-code`, and `sessions import --from
//! claude-code` on the file `resume` wrote, against a fake `~/.claude` (`CLAUDE_CONFIG_DIR`)
//! that a test writes to as Claude Code would. Its helpers (`import`, `checkpoint`, `handoffs`,
//! `printed_id`, `lines`) serve the Codex and Gemini CLI hand-off tests too.

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::{Value, json};

use crate::util::Project;

pub(crate) const CODEX_EXEC: &str = "formats/codex/tests/fixtures/recorded/exec/sessions/2026/12/03/rollout-2026-12-03T17-32-02-01a23cf6-960a-7a31-99ae-8a9520aa2698.jsonl";
pub(crate) const CLAUDE_MAIN: &str =
    "formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl";

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub(crate) fn import(project: &Project, relative: &str, name: &str) {
    project
        .confab()
        .args(["sessions", "import", "--name", name])
        .arg(repository_file(relative))
        .assert()
        .success();
}

/// Imports a session called `name` whose every message is archived: one with nothing a tool
/// could be given.
pub(crate) fn import_archived(project: &Project, name: &str) {
    let mut checkpoint: Value = serde_json::from_slice(
        &std::fs::read(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
            .expect("fixture"),
    )
    .expect("json");
    for message in checkpoint["messages"].as_array_mut().expect("messages") {
        message["archived"] = json!(true);
    }
    project.write("archived.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "archived.json", "--name", name])
        .assert()
        .success();
}

pub(crate) fn checkpoint(project: &Project, name: &str) -> Value {
    let output = project
        .confab()
        .args(["sessions", "export", name, "-o", "-", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("json")
}

pub(crate) fn messages(checkpoint: &Value) -> Vec<Value> {
    checkpoint["messages"].as_array().expect("messages").clone()
}

pub(crate) fn handoffs(project: &Project, name: &str) -> Vec<Value> {
    checkpoint(project, name)["session"]["metadata"]["handoffs"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Claude Code's folder name for the project's (resolved) folder.
fn project_folder(project: &Project) -> String {
    let resolved = project.path().canonicalize().expect("resolves");
    resolved
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

fn resume(project: &Project, claude: &Path, name: &str) -> assert_cmd::Command {
    let mut command = project.confab();
    command
        .env("CLAUDE_CONFIG_DIR", claude)
        .args(["resume", name, "--with", "claude-code"]);
    command
}

/// The id in a printed resume command, `command` and the id (`claude --resume <id>`).
pub(crate) fn printed_id(stdout: &[u8], command: &str) -> String {
    let line = String::from_utf8_lossy(stdout).trim().to_owned();
    let id = line
        .strip_prefix(command)
        .unwrap_or_else(|| panic!("not a resume command: {line:?}"));
    assert_eq!(id.len(), 36, "{id}");
    id.to_owned()
}

pub(crate) fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("readable")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// Appends one turn to a transcript the way Claude Code 2.1.332 does on `claude -p --resume`
/// (record shapes copied from `formats/claude-code/tests/fixtures/recorded/main/`): the typed
/// prompt, bookkeeping, the answer split into a thinking and a text record, and the turn's
/// duration.
fn claude_code_adds_a_turn(path: &Path, prompt: &str, answer: &str, serial: u32) {
    let records = lines(path);
    let last = records
        .iter()
        .rev()
        .find_map(|record| record["uuid"].as_str())
        .expect("a record with a uuid")
        .to_owned();
    let session = records[0]["sessionId"]
        .as_str()
        .expect("session")
        .to_owned();
    let cwd = records[0]["cwd"].as_str().expect("cwd").to_owned();
    let uuid = |n: u32| format!("00000000-0000-4000-8000-{:012}", serial * 10 + n);
    let common = |record: Value| {
        let mut record = record;
        let object = record.as_object_mut().expect("object");
        object.insert("userType".into(), json!("external"));
        object.insert("entrypoint".into(), json!("sdk-cli"));
        object.insert("cwd".into(), json!(cwd));
        object.insert("sessionId".into(), json!(session));
        object.insert("version".into(), json!("2.1.332"));
        object.insert("gitBranch".into(), json!("HEAD"));
        record
    };
    let usage = json!({"input_tokens": 38, "cache_creation_input_tokens": 155,
        "cache_read_input_tokens": 12284, "output_tokens": 104,
        "output_tokens_details": {"thinking_tokens": 49}, "service_tier": "standard"});
    let message_id = format!("msg_01test{serial:016}");
    let added = [
        json!({"type": "queue-operation", "operation": "enqueue", "timestamp": "2026-12-08T10:00:00.000Z", "sessionId": session}),
        common(
            json!({"parentUuid": last, "isSidechain": false, "promptId": "p", "type": "user",
            "message": {"role": "user", "content": prompt}, "uuid": uuid(1),
            "timestamp": "2026-12-08T10:00:00.100Z", "permissionMode": "default",
            "promptSource": "sdk"}),
        ),
        json!({"type": "attachment", "attachment": {"type": "date"}, "uuid": uuid(2), "parentUuid": uuid(1), "sessionId": session}),
        common(
            json!({"parentUuid": uuid(1), "isSidechain": false, "message": {"id": message_id,
            "type": "message", "role": "assistant", "model": "claude-opus-5-5",
            "content": [{"type": "thinking", "thinking": "", "signature": "abc"}],
            "stop_reason": "end_turn", "stop_sequence": null, "usage": usage},
            "requestId": "req_1", "type": "assistant", "uuid": uuid(3),
            "timestamp": "2026-12-08T10:00:01.000Z"}),
        ),
        common(
            json!({"parentUuid": uuid(3), "isSidechain": false, "message": {"id": message_id,
            "type": "message", "role": "assistant", "model": "claude-opus-5-5",
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn", "stop_sequence": null, "usage": usage},
            "requestId": "req_1", "type": "assistant", "uuid": uuid(4),
            "timestamp": "2026-12-08T10:00:01.100Z"}),
        ),
        common(
            json!({"parentUuid": uuid(4), "isSidechain": false, "type": "system",
            "subtype": "turn_duration", "durationMs": 900, "uuid": uuid(5),
            "timestamp": "2026-12-08T10:00:01.200Z"}),
        ),
        json!({"type": "last-prompt", "lastPrompt": prompt, "sessionId": session}),
    ];
    let mut text = std::fs::read_to_string(path).expect("readable");
    for record in added {
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).expect("written");
}

#[test]
fn export_writes_a_transcript_that_reads_back_and_notes_what_it_could_not_hold() {
    let project = Project::new();
    import(&project, CODEX_EXEC, "codex");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "codex",
            "-o",
            "x.jsonl",
            "--format",
            "claude-code",
        ])
        .assert()
        .success()
        .stderr(
            contains("note: tool calls to tools Claude Code does not have written as text")
                .and(contains("note: system messages written as user messages"))
                .and(contains("Exported session codex to x.jsonl (claude-code")),
        );
    let records = lines(&project.path().join("x.jsonl"));
    assert!(
        records
            .iter()
            .all(|record| record["type"] == "user" || record["type"] == "assistant")
    );
    project
        .confab()
        .args(["sessions", "import", "x.jsonl", "--name", "back"])
        .assert()
        .success();
    let texts = |name: &str| -> Vec<(String, String)> {
        messages(&checkpoint(&project, name))
            .iter()
            .filter(|message| message["role"] == "user" || message["role"] == "system")
            .map(|message| {
                (
                    message["role"].as_str().unwrap_or_default().to_owned(),
                    message["content"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    // The shell call Claude Code has no tool for came back as text, its result as a user text.
    let (results, back): (Vec<_>, Vec<_>) = texts("back")
        .into_iter()
        .partition(|(_, text)| text.starts_with("[tool result for exec_command ("));
    assert_eq!(results.len(), 1);
    assert!(
        results[0].1.ends_with("main.py\nnotes.txt\n"),
        "{results:?}"
    );
    assert_eq!(back, texts("codex"));
    // JSON holds a session whole: no notes.
    project
        .confab()
        .args(["sessions", "export", "codex", "-o", "x.json"])
        .assert()
        .success()
        .stderr(contains("note:").not());
}

#[test]
fn resume_writes_a_new_session_where_claude_code_looks_and_records_it() {
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    // Recorded in a folder that is not on this machine: the project's root is used.
    import(&project, CLAUDE_MAIN, "cc");
    let before = checkpoint(&project, "cc");

    let output = resume(&project, claude.path(), "cc")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Handed cc to claude-code as"), "{stderr}");
    let id = printed_id(&output.stdout, "claude --resume ");
    let path = claude
        .path()
        .join("projects")
        .join(project_folder(&project))
        .join(format!("{id}.jsonl"));
    let records = lines(&path);
    assert!(
        records
            .iter()
            .all(|record| record["sessionId"] == id.as_str())
    );
    let cwd = project.path().canonicalize().expect("resolves");
    assert_eq!(records[0]["cwd"], cwd.to_string_lossy().as_ref());

    let recorded = handoffs(&project, "cc");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["tool"], "claude-code");
    assert_eq!(recorded[0]["id"], id.as_str());
    assert_eq!(recorded[0]["path"], path.to_string_lossy().as_ref());
    assert_eq!(recorded[0]["messages"], 6);
    // Nothing else about the session changed.
    let after = checkpoint(&project, "cc");
    assert_eq!(messages(&after), messages(&before));
    assert_eq!(
        after["session"]["updated_at"],
        before["session"]["updated_at"]
    );

    // A second hand-off is a new session in Claude Code; the first file stays as it was.
    let first = std::fs::read(&path).expect("readable");
    let again = resume(&project, claude.path(), "cc")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(again.status.success(), "{again:?}");
    assert_ne!(printed_id(&again.stdout, "claude --resume "), id);
    assert_eq!(std::fs::read(&path).expect("readable"), first);
    assert_eq!(handoffs(&project, "cc").len(), 2);
}

#[test]
fn resume_runs_in_the_recorded_folder_when_it_exists_here() {
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let folder = elsewhere.path().canonicalize().expect("resolves");
    let text = std::fs::read_to_string(repository_file(CLAUDE_MAIN))
        .expect("fixture")
        .replace(
            "/tmp/confab-rec-claude.J6q7ZG/main/project",
            &folder.to_string_lossy(),
        );
    project.write("moved.jsonl", text);
    project
        .confab()
        .args(["sessions", "import", "moved.jsonl", "--name", "moved"])
        .assert()
        .success();
    let output = resume(&project, claude.path(), "moved")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let line = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let folder_text = folder.to_string_lossy().into_owned();
    assert!(
        line.starts_with(&format!("cd {folder_text} && claude --resume ")),
        "{line}"
    );
    let name: String = folder_text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let files: Vec<_> = std::fs::read_dir(claude.path().join("projects").join(name))
        .expect("the folder's project folder")
        .collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn a_folder_too_long_for_claude_codes_names_is_refused() {
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    // Claude Code shortens names over 200 characters with a hash of its own.
    let long = elsewhere.path().join("a".repeat(120)).join("b".repeat(120));
    std::fs::create_dir_all(&long).expect("folders");
    let long = long.canonicalize().expect("resolves");
    let text = std::fs::read_to_string(repository_file(CLAUDE_MAIN))
        .expect("fixture")
        .replace(
            "/tmp/confab-rec-claude.J6q7ZG/main/project",
            &long.to_string_lossy(),
        );
    project.write("long.jsonl", text);
    project
        .confab()
        .args(["sessions", "import", "long.jsonl", "--name", "long"])
        .assert()
        .success();
    resume(&project, claude.path(), "long")
        .arg("--print")
        .assert()
        .failure()
        .stderr(contains("too long a path for Claude Code"));
    assert!(!claude.path().join("projects").exists());
    assert!(handoffs(&project, "long").is_empty());
}

#[cfg(unix)]
#[test]
fn resume_runs_claude_in_place_of_confab() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    let bin = tempfile::tempdir().expect("temp dir");
    let said = bin.path().join("said");
    let fake = bin.path().join("claude");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$(pwd) $*\" > '{}'\n", said.display()),
    )
    .expect("written");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    import(&project, CLAUDE_MAIN, "cc");
    resume(&project, claude.path(), "cc")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
        .assert()
        .success();
    let id = handoffs(&project, "cc")[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cwd = project.path().canonicalize().expect("resolves");
    assert_eq!(
        std::fs::read_to_string(&said).expect("claude ran").trim(),
        format!("{} --resume {id}", cwd.display())
    );

    // Without claude, the error says what to run; the file is written all the same.
    resume(&project, claude.path(), "cc")
        .env("PATH", "/nonexistent")
        .assert()
        .failure()
        .stderr(contains("could not run claude").and(contains("claude --resume")));
}

#[test]
fn an_unknown_session_writes_nothing() {
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    import(&project, CLAUDE_MAIN, "cc");
    resume(&project, claude.path(), "nope")
        .arg("--print")
        .assert()
        .failure()
        .stderr(contains("no session named"));
    assert!(!claude.path().join("projects").exists());
}

#[test]
fn a_session_with_nothing_to_send_is_refused_and_writes_nothing() {
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    import_archived(&project, "old");
    resume(&project, claude.path(), "old")
        .arg("--print")
        .assert()
        .failure()
        .stderr(contains("has no message Claude Code could be given"));
    assert!(!claude.path().join("projects").exists());
    assert!(handoffs(&project, "old").is_empty());
}

#[test]
fn turns_added_in_claude_code_come_back_to_the_session_handed_off() {
    let project = Project::new();
    let claude = tempfile::tempdir().expect("temp dir");
    import(&project, CODEX_EXEC, "codex");
    let before = messages(&checkpoint(&project, "codex"));
    let output = resume(&project, claude.path(), "codex")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let id = printed_id(&output.stdout, "claude --resume ");
    let path = PathBuf::from(
        handoffs(&project, "codex")[0]["path"]
            .as_str()
            .expect("path"),
    );
    let from = || {
        let mut command = project.confab();
        command.env("CLAUDE_CONFIG_DIR", claude.path()).args([
            "sessions",
            "import",
            "--from",
            "claude-code",
        ]);
        command
    };

    // Nothing added yet: nothing to take back, and no new session.
    from()
        .assert()
        .success()
        .stderr(contains("Nothing new from claude-code"));
    assert_eq!(project.session_names(), ["codex"]);

    claude_code_adds_a_turn(&path, "Which file would you change first?", "main.py.", 1);
    from()
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("would add 2 messages to codex"));
    assert_eq!(
        messages(&checkpoint(&project, "codex")),
        before,
        "a dry run adds nothing"
    );
    from().assert().success().stderr(contains(format!(
        "Added 2 messages to codex from claude-code (session {id})"
    )));
    assert_eq!(project.session_names(), ["codex"], "not a new session");
    let grown = messages(&checkpoint(&project, "codex"));
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
    assert_eq!(grown[before.len() + 1]["model"], "claude-opus-5-5");

    // Again: only what is new since.
    from()
        .assert()
        .success()
        .stderr(contains("Nothing new from claude-code"));
    assert_eq!(
        messages(&checkpoint(&project, "codex")).len(),
        before.len() + 2
    );
    claude_code_adds_a_turn(&path, "And then?", "notes.txt.", 2);
    from()
        .assert()
        .success()
        .stderr(contains("Added 2 messages to codex"));
    let twice = messages(&checkpoint(&project, "codex"));
    assert_eq!(twice.len(), before.len() + 4);
    assert_eq!(twice[before.len() + 2]["content"], "And then?");
}
