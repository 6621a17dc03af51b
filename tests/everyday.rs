//! Everyday session commands (issue 18, item 9): `sessions rename`, `sessions fork`, and
//! `sessions show --format json`. `import --from` with renamed and forked sessions is in
//! `import_from.rs`, the pager in `pager.rs`.

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

use crate::fake_provider::{FakeProvider, openai_answer};
use crate::util::Project;

const EKS: &str = "eks-troubleshooting";

fn project_with_eks() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project
}

/// `sessions show NAME --format json`, parsed.
fn shown(project: &Project, name: &str) -> Value {
    let output = project
        .confab()
        .args(["sessions", "show", name, "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("show --format json prints JSON")
}

fn contents(session: &Value) -> Vec<String> {
    session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| message["content"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn rename_moves_a_session_with_everything_it_holds() {
    let project = project_with_eks();
    let before = shown(&project, EKS);
    project
        .confab()
        .args(["sessions", "rename", EKS, "eks-2025"])
        .assert()
        .success()
        .stdout("")
        .stderr(format!("Renamed {EKS} to eks-2025\n"));
    assert_eq!(project.session_names(), ["eks-2025"]);
    let after = shown(&project, "eks-2025");
    assert_eq!(after["messages"], before["messages"]);
    assert_eq!(
        after["session"]["updated_at"],
        before["session"]["updated_at"]
    );
    // Found by what was said and by the new name.
    project
        .confab()
        .args(["sessions", "search", "pending"])
        .assert()
        .success()
        .stdout(contains("eks-2025").and(contains(EKS).not()));
    project
        .confab()
        .args(["sessions", "search", "2025"])
        .assert()
        .success()
        .stdout(contains("eks-2025"));
}

#[test]
fn rename_refuses_an_unknown_a_taken_and_an_invalid_name() {
    let project = project_with_eks();
    project.import_fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args(["sessions", "rename", "eks-troubleshoting-x", "new"])
        .assert()
        .code(1)
        .stderr(
            "error: no session named \"eks-troubleshoting-x\"\n  nothing was renamed\nhint: did you mean eks-troubleshooting?\n",
        );
    project
        .confab()
        .args(["sessions", "rename", EKS, "vpc-migration"])
        .assert()
        .code(1)
        .stderr(
            "error: a session named \"vpc-migration\" already exists\n  nothing was renamed\nhint: choose another name, or delete that session first: confab sessions delete vpc-migration\n",
        );
    project
        .confab()
        .args(["sessions", "rename", EKS, "a/b"])
        .assert()
        .code(2)
        .stderr(contains("invalid session name \"a/b\"").and(contains("hint: choose a NEW name")));
    assert_eq!(project.session_names(), [EKS, "vpc-migration"]);
    project
        .confab()
        .args(["sessions", "rename", EKS, EKS])
        .assert()
        .success()
        .stderr(format!("{EKS} already has that name\n"));
}

#[test]
fn rename_without_a_store_creates_none() {
    let project = Project::new();
    project
        .confab()
        .args(["sessions", "rename", "a", "b"])
        .assert()
        .code(1)
        .stderr(contains("no session named \"a\""));
    assert!(!project.path().join(".confab/sessions.db").exists());
}

#[test]
fn a_fork_copies_the_messages_up_to_n_and_records_where_it_came_from() {
    let project = project_with_eks();
    let original = shown(&project, EKS);
    project
        .confab()
        .args(["sessions", "fork", EKS, "eks-retry", "--at", "2"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            "Forked eks-troubleshooting into eks-retry (2 messages)\nResume it with: confab chat --session eks-retry\n",
        );
    let fork = shown(&project, "eks-retry");
    assert_eq!(contents(&fork), contents(&original)[..2]);
    assert_eq!(fork["session"]["provider"], original["session"]["provider"]);
    assert_eq!(fork["session"]["model"], original["session"]["model"]);
    assert_eq!(
        fork["session"]["project_path"],
        original["session"]["project_path"]
    );
    assert_eq!(
        fork["session"]["metadata"]["forked_from"],
        serde_json::json!({"session": EKS, "at": 2})
    );
    assert_eq!(fork["statistics"]["message_count"], 2, "counted again");
    assert_ne!(
        fork["session"]["created_at"], original["session"]["created_at"],
        "a fork is created now"
    );
    assert_eq!(shown(&project, EKS), original, "the original is untouched");

    // Without --at: every message.
    project
        .confab()
        .args(["sessions", "fork", EKS, "eks-copy"])
        .assert()
        .success()
        .stderr(contains("(4 messages)"));
    assert_eq!(contents(&shown(&project, "eks-copy")), contents(&original));
}

#[test]
fn fork_refuses_at_zero_past_the_end_and_a_taken_name() {
    let project = project_with_eks();
    project
        .confab()
        .args(["sessions", "fork", EKS, "x", "--at", "0"])
        .assert()
        .code(2)
        .stderr(contains(
            "--at 0 would copy no message: messages are numbered from 1",
        ));
    project
        .confab()
        .args(["sessions", "fork", EKS, "x", "--at", "5"])
        .assert()
        .code(2)
        .stderr(
            "error: --at 5 is past the end: eks-troubleshooting has 4 messages\nhint: `confab sessions show eks-troubleshooting` numbers its messages\n",
        );
    project
        .confab()
        .args(["sessions", "fork", EKS, EKS])
        .assert()
        .code(1)
        .stderr(contains(
            "a session named \"eks-troubleshooting\" already exists",
        ));
    project
        .confab()
        .args(["sessions", "fork", "nope", "x"])
        .assert()
        .code(1)
        .stderr(contains("no session named \"nope\""));
    assert_eq!(project.session_names(), [EKS], "nothing was stored");
}

#[test]
fn chatting_in_a_fork_leaves_the_original_alone() {
    let provider = FakeProvider::start();
    let project = crate::chat::project(&provider);
    project.import_fixture("atmos/eks-troubleshooting.json");
    let original = shown(&project, EKS);
    project
        .confab()
        .args(["sessions", "fork", EKS, "retry", "--at", "2"])
        .assert()
        .success();
    provider.push(openai_answer("gpt-4o", "Try the other node group.", (9, 4)));
    crate::chat::chat_ok(
        &project,
        &[
            "--session",
            "retry",
            "--message",
            "What else?",
            "--no-stream",
        ],
    );

    // The provider was sent the fork's history: the first two messages and the new question.
    let sent: Vec<String> = provider
        .only_request()
        .messages()
        .iter()
        .map(|message| message["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut expected = contents(&original)[..2].to_vec();
    expected.push("What else?".to_owned());
    assert_eq!(sent, expected);

    let fork = shown(&project, "retry");
    assert_eq!(
        contents(&fork)[2..],
        ["What else?", "Try the other node group."]
    );
    assert_eq!(shown(&project, EKS), original, "the original is untouched");
}

#[test]
fn show_numbers_messages_as_fork_counts_them() {
    let project = project_with_eks();
    let output = project
        .confab()
        .args(["sessions", "show", EKS])
        .output()
        .expect("runs");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let headings: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("── "))
        .collect();
    assert_eq!(headings.len(), 4);
    for (index, heading) in headings.iter().enumerate() {
        assert!(
            heading.starts_with(&format!("── {} · ", index + 1)),
            "{heading}"
        );
    }
}

#[test]
fn show_as_json_is_the_checkpoint_export_writes_without_export_metadata() {
    let project = project_with_eks();
    let output = project
        .confab()
        .args(["sessions", "export", EKS, "--format", "json"])
        .output()
        .expect("runs");
    let mut exported: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let object = exported.as_object_mut().expect("an object");
    assert!(object.remove("exported_at").is_some());
    assert!(object.remove("exported_by").is_some());
    let document = shown(&project, EKS);
    assert_eq!(document, exported);
    assert!(document.get("exported_at").is_none());

    // And it is a checkpoint: it validates and imports back.
    project.write("shown.json", serde_json::to_vec(&document).expect("JSON"));
    project
        .confab()
        .args(["sessions", "validate", "shown.json"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "import", "shown.json", "--name", "again"])
        .assert()
        .success();
    assert_eq!(contents(&shown(&project, "again")), contents(&document));
}

#[test]
fn show_as_json_keeps_the_stored_context_and_metadata() {
    let project = Project::new();
    let mut checkpoint: Value = serde_json::from_str(&project_fixture_text()).expect("JSON");
    checkpoint["context"] = serde_json::json!({"working_directory": "/srv/infra"});
    checkpoint["session"]["metadata"] = serde_json::json!({"ticket": "OPS-7"});
    project.write("with-context.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "with-context.json"])
        .assert()
        .success();
    let document = shown(&project, EKS);
    assert_eq!(document["context"]["working_directory"], "/srv/infra");
    assert_eq!(document["session"]["metadata"]["ticket"], "OPS-7");
}

fn project_fixture_text() -> String {
    std::fs::read_to_string(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
        .expect("fixture")
}
