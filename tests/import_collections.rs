//! Files that hold many conversations (a ChatGPT or Claude.ai data export, `llm logs --json`):
//! every conversation a session, all of them stored in one transaction or none.

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::util::Project;

fn copy(project: &Project, relative: &str, name: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    project.write(name, std::fs::read(path).expect("fixture"));
}

#[test]
fn an_export_of_many_conversations_imports_whole_or_not_at_all() {
    let project = Project::new();
    copy(
        &project,
        "formats/chatgpt/tests/fixtures/conversations.json",
        "conversations.json",
    );
    // A session of the same name as the export's second conversation is already there.
    project.write(
        "taken.json",
        serde_json::json!({
            "version": "1.0",
            "session": {"name": "chatgpt-mean-of-the-price-column", "provider": "openai", "model": "m"},
            "messages": [{"role": "user", "content": "mine"}]
        })
        .to_string(),
    );
    project
        .confab()
        .args(["sessions", "import", "taken.json"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "import", "conversations.json"])
        .assert()
        .code(1)
        .stderr(contains("already exists").and(contains("none of the file's sessions")));
    assert_eq!(
        project.session_names(),
        ["chatgpt-mean-of-the-price-column"],
        "nothing of the export was stored"
    );

    project
        .confab()
        .args(["sessions", "import", "conversations.json", "--overwrite"])
        .assert()
        .success()
        .stderr(
            contains("Imported session chatgpt-fix-the-vpc-peering-again")
                .and(contains(
                    "Imported session chatgpt-mean-of-the-price-column",
                ))
                .and(contains("Resume it with").not()),
        )
        .stderr(contains("note: chatgpt-fix-the-vpc-peering-again: "));
    assert_eq!(project.session_names().len(), 3);
}

#[test]
fn llm_logs_become_one_session_per_conversation_and_name_is_refused() {
    let project = Project::new();
    copy(
        &project,
        "formats/llm/tests/fixtures/recorded/logs.json",
        "logs.json",
    );
    project
        .confab()
        .args(["sessions", "import", "logs.json", "--name", "x"])
        .assert()
        .code(2)
        .stderr(contains("--name names one session, but logs.json holds 2"));
    let output = project
        .confab()
        .args(["sessions", "validate", "logs.json", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let file = &report["files"][0];
    assert_eq!(file["format"], "llm");
    assert_eq!(file["sessions"].as_array().map(Vec::len), Some(2));
    assert!(file["session"].is_null(), "{file}");
    project
        .confab()
        .args(["sessions", "import", "logs.json"])
        .assert()
        .success();
    assert_eq!(project.session_names().len(), 2);
}

#[test]
fn a_claude_ai_export_is_anthropic_sessions() {
    let project = Project::new();
    copy(
        &project,
        "formats/claude-ai/tests/fixtures/conversations.json",
        "conversations.json",
    );
    project
        .confab()
        .args(["sessions", "import", "conversations.json"])
        .assert()
        .success()
        .stderr(contains("anthropic"));
    assert_eq!(project.session_names().len(), 3);
}
