//! Handing a session to Gemini CLI and taking back what was added there: `sessions export
//! --format gemini`, `confab resume --with gemini`, and `sessions import --from gemini` on the
//! file `resume` wrote, against a fake `~/.gemini` (`GEMINI_CLI_HOME`) that a test writes to as
//! Gemini CLI would.

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::json;

use crate::handoff::{
    CODEX_EXEC, checkpoint, handoffs, import, import_archived, lines, messages, printed_id,
};
use crate::util::Project;

const GEMINI_AUTO: &str =
    "formats/gemini/tests/fixtures/recorded/auto-recording/session-2026-12-03T17-47-6f277609.jsonl";

/// `GEMINI_CLI_HOME` is the folder `.gemini` is in.
fn resume(project: &Project, home: &Path, name: &str) -> assert_cmd::Command {
    let mut command = project.confab();
    command
        .env("GEMINI_CLI_HOME", home)
        .args(["resume", name, "--with", "gemini"]);
    command
}

/// Appends one turn to a recording the way Gemini CLI 0.61 does on `gemini --resume <id> -p`
/// in the same minute (record shapes copied from
/// `formats/gemini/tests/fixtures/recorded/auto-recording/`): a second header, the prompt, the
/// answer with its tokens and model, and `$set`s of `lastUpdated`.
fn gemini_adds_a_turn(path: &Path, prompt: &str, answer: &str, serial: u32) {
    let records = lines(path);
    let mut header = records[0].clone();
    header["startTime"] = json!("2026-12-08T10:00:00.000Z");
    let added = [
        header,
        json!({"id": format!("00000000-0000-4000-8000-{:012}", serial * 10 + 1),
            "timestamp": "2026-12-08T10:00:00.100Z", "type": "user",
            "content": [{"text": prompt}]}),
        json!({"$set": {"lastUpdated": "2026-12-08T10:00:00.100Z"}}),
        json!({"id": format!("00000000-0000-4000-8000-{:012}", serial * 10 + 2),
            "timestamp": "2026-12-08T10:00:01.000Z", "type": "gemini", "content": answer,
            "thoughts": [], "tokens": {"input": 12003, "output": 19, "cached": 5888,
            "thoughts": 48, "tool": 0, "total": 12070}, "model": "gemini-2.5-flash"}),
        json!({"$set": {"lastUpdated": "2026-12-08T10:00:01.100Z"}}),
    ];
    let mut text = std::fs::read_to_string(path).expect("readable");
    for record in added {
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(path, text).expect("written");
}

#[test]
fn export_writes_a_recording_that_reads_back_and_notes_what_it_could_not_hold() {
    let project = Project::new();
    import(&project, CODEX_EXEC, "codex");
    project
        .confab()
        .args([
            "sessions", "export", "codex", "-o", "x.jsonl", "--format", "gemini",
        ])
        .assert()
        .success()
        .stderr(
            contains("note: tool calls to tools Gemini CLI does not have written as text")
                .and(contains("note: system messages written as user messages"))
                .and(contains("Exported session codex to x.jsonl (gemini")),
        );
    let records = lines(&project.path().join("x.jsonl"));
    assert!(records[0]["projectHash"].is_string());
    assert!(
        records[1..]
            .iter()
            .all(|record| record["type"] == "user" || record["type"] == "gemini")
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
    // The shell call Gemini CLI has no tool for came back as text, its result as a user text.
    let (results, back): (Vec<_>, Vec<_>) = texts("back")
        .into_iter()
        .partition(|(_, text)| text.starts_with("[tool result for exec_command ("));
    assert_eq!(results.len(), 1);
    assert!(
        results[0].1.ends_with("main.py\nnotes.txt\n"),
        "{results:?}"
    );
    // The startup context Gemini CLI opens every chat with came first, naming where the
    // session came from; the rest is the session's own.
    let (context, rest) = back.split_first().expect("messages");
    assert_eq!(context.0, "system");
    assert!(
        context
            .1
            .starts_with("<session_context>\nThis is the Gemini CLI.")
            && context.1.contains("began with openai (model gpt-5-codex)"),
        "{context:?}"
    );
    assert_eq!(rest, texts("codex"));
}

#[test]
fn resume_writes_a_new_session_where_gemini_cli_looks_and_records_it() {
    let project = Project::new();
    let home = tempfile::tempdir().expect("temp dir");
    // Recorded in a folder that is not on this machine: the project's root is used.
    import(&project, GEMINI_AUTO, "gem");
    let before = checkpoint(&project, "gem");

    let output = resume(&project, home.path(), "gem")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Handed gem to gemini as"), "{stderr}");
    let id = printed_id(&output.stdout, "gemini --resume ");
    let root = project.path().canonicalize().expect("resolves");
    let root_text = root.to_string_lossy().into_owned();
    // The project folder Gemini CLI would claim: the folder's base name, marked as its own.
    let base: String = root
        .file_name()
        .expect("a name")
        .to_string_lossy()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let project_dir = home.path().join(".gemini/tmp").join(base.trim_matches('-'));
    assert_eq!(
        std::fs::read_to_string(project_dir.join(".project_root")).expect("marker"),
        root_text
    );
    let files: Vec<PathBuf> = std::fs::read_dir(project_dir.join("chats"))
        .expect("chats")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    let path = files[0].clone();
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("session-") && name.ends_with(&format!("-{}.jsonl", &id[..8])),
        "{name}"
    );
    let records = lines(&path);
    assert_eq!(records[0]["sessionId"], id.as_str());
    assert_eq!(records[0]["directories"], json!([root_text]));

    let recorded = handoffs(&project, "gem");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["tool"], "gemini");
    assert_eq!(recorded[0]["id"], id.as_str());
    assert_eq!(recorded[0]["path"], path.to_string_lossy().as_ref());
    assert_eq!(recorded[0]["messages"], messages(&before).len());
    // Nothing else about the session changed.
    let after = checkpoint(&project, "gem");
    assert_eq!(messages(&after), messages(&before));

    // A second hand-off is a new session in Gemini CLI; the first file stays as it was.
    let first = std::fs::read(&path).expect("readable");
    let again = resume(&project, home.path(), "gem")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(again.status.success(), "{again:?}");
    assert_ne!(printed_id(&again.stdout, "gemini --resume "), id);
    assert_eq!(std::fs::read(&path).expect("readable"), first);
    assert_eq!(handoffs(&project, "gem").len(), 2);
    assert_eq!(
        std::fs::read_dir(project_dir.join("chats"))
            .expect("chats")
            .count(),
        2
    );
}

#[test]
fn resume_uses_the_project_folder_gemini_cli_registered() {
    let project = Project::new();
    let home = tempfile::tempdir().expect("temp dir");
    let root = project.path().canonicalize().expect("resolves");
    let gemini = home.path().join(".gemini");
    std::fs::create_dir_all(&gemini).expect("folder");
    std::fs::write(
        gemini.join("projects.json"),
        json!({"projects": {root.to_string_lossy(): "mine-3"}}).to_string(),
    )
    .expect("registry");
    import(&project, GEMINI_AUTO, "gem");
    resume(&project, home.path(), "gem")
        .arg("--print")
        .assert()
        .success();
    assert_eq!(
        std::fs::read_dir(gemini.join("tmp/mine-3/chats"))
            .expect("the registered project's chats")
            .count(),
        1
    );
}

#[cfg(unix)]
#[test]
fn resume_runs_gemini_in_place_of_confab() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new();
    let home = tempfile::tempdir().expect("temp dir");
    let bin = tempfile::tempdir().expect("temp dir");
    let said = bin.path().join("said");
    let fake = bin.path().join("gemini");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$(pwd) $*\" > '{}'\n", said.display()),
    )
    .expect("written");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    import(&project, GEMINI_AUTO, "gem");
    resume(&project, home.path(), "gem")
        .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
        .assert()
        .success();
    let id = handoffs(&project, "gem")[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let cwd = project.path().canonicalize().expect("resolves");
    assert_eq!(
        std::fs::read_to_string(&said).expect("gemini ran").trim(),
        format!("{} --resume {id}", cwd.display())
    );
}

#[test]
fn a_session_with_nothing_to_send_is_refused_and_writes_nothing() {
    let project = Project::new();
    let home = tempfile::tempdir().expect("temp dir");
    import_archived(&project, "old");
    resume(&project, home.path(), "old")
        .arg("--print")
        .assert()
        .failure()
        .stderr(contains("has no message Gemini CLI could be given"));
    assert!(!home.path().join(".gemini").exists());
    assert!(handoffs(&project, "old").is_empty());
}

#[test]
fn turns_added_in_gemini_cli_come_back_to_the_session_handed_off() {
    let project = Project::new();
    let home = tempfile::tempdir().expect("temp dir");
    import(&project, CODEX_EXEC, "codex");
    let before = messages(&checkpoint(&project, "codex"));
    let output = resume(&project, home.path(), "codex")
        .arg("--print")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let id = printed_id(&output.stdout, "gemini --resume ");
    let path = PathBuf::from(
        handoffs(&project, "codex")[0]["path"]
            .as_str()
            .expect("path"),
    );
    let from = || {
        let mut command = project.confab();
        command
            .env("GEMINI_CLI_HOME", home.path())
            .args(["sessions", "import", "--from", "gemini"]);
        command
    };

    // Nothing added yet: nothing to take back, and no new session.
    from()
        .assert()
        .success()
        .stderr(contains("Nothing new from gemini"));
    assert_eq!(project.session_names(), ["codex"]);

    gemini_adds_a_turn(&path, "Which file would you change first?", "main.py.", 1);
    from().assert().success().stderr(contains(format!(
        "Added 2 messages to codex from gemini (session {id})"
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
    assert_eq!(grown[before.len() + 1]["model"], "gemini-2.5-flash");

    // Again: only what is new since.
    from()
        .assert()
        .success()
        .stderr(contains("Nothing new from gemini"));
    gemini_adds_a_turn(&path, "And then?", "notes.txt.", 2);
    from()
        .assert()
        .success()
        .stderr(contains("Added 2 messages to codex"));
    let twice = messages(&checkpoint(&project, "codex"));
    assert_eq!(twice.len(), before.len() + 4);
    assert_eq!(twice[before.len() + 2]["content"], "And then?");
}
