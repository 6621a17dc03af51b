//! `confab sessions search`: ranked hits with snippets and the resume command, filters, and an
//! index that follows every import, overwrite, delete and clean.

use predicates::str::contains;

use crate::util::Project;

fn project() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.import_fixture("atmos/vpc-migration.yaml");
    project.import_fixture("../../examples/incident-review.json");
    project
}

fn hits(project: &Project, args: &[&str]) -> serde_json::Value {
    let output = project
        .confab()
        .args(["sessions", "search", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")["hits"].clone()
}

fn sessions(hits: &serde_json::Value) -> Vec<String> {
    hits.as_array()
        .expect("hits")
        .iter()
        .map(|hit| {
            format!(
                "{}#{}",
                hit["session"].as_str().unwrap_or("?"),
                hit["message"]
            )
        })
        .collect()
}

#[test]
fn hits_show_session_role_time_snippet_and_resume_command() {
    let project = project();
    let output = project
        .confab()
        .args(["sessions", "search", "pending", "pods"])
        .output()
        .expect("runs");
    insta::assert_snapshot!(crate::util::transcript(&project, &output), @r"
    exit: 0
    --- stdout
    eks-troubleshooting (message 1 · user · 2025-10-29 15:20:05 UTC)
      Why are **pods** in the prod-use1 EKS cluster stuck in **Pending**?
      resume: confab chat --session eks-troubleshooting

    eks-troubleshooting (message 2 · assistant · 2025-10-29 15:20:19 UTC)
      **Pending** **pods** usually mean the scheduler can't place them. Check:  1. `kubectl describe **pod** <name…
      resume: confab chat --session eks-troubleshooting
    --- stderr
    ");
    let json = hits(&project, &["index"]);
    assert_eq!(json[0]["session"], "incident-review");
    assert_eq!(json[0]["role"], "assistant");
    assert_eq!(json[0]["resume"], "confab chat --session incident-review");
    assert!(
        json[0]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("**INDEX**"))
    );
}

#[test]
fn filters_and_names() {
    let project = project();
    assert_eq!(
        sessions(&hits(&project, &["vpc"]))[0],
        "vpc-migration#null",
        "the name matches first"
    );
    assert_eq!(
        sessions(&hits(&project, &["vpc", "--role", "user"])),
        ["vpc-migration#2"]
    );
    assert_eq!(
        sessions(&hits(&project, &["cluster", "--provider", "openai"])).len(),
        2
    );
    assert!(sessions(&hits(&project, &["cluster", "--provider", "anthropic"])).is_empty());
    assert_eq!(
        sessions(&hits(&project, &["stacks", "--model", "claude-sonnet-4-6"])),
        ["vpc-migration#2", "vpc-migration#3"]
    );
    assert!(
        sessions(&hits(&project, &["pods", "--since", "1d"])).is_empty(),
        "the fixtures are from 2025"
    );
    assert_eq!(
        sessions(&hits(&project, &["pods", "--limit", "1"])).len(),
        1
    );
}

#[test]
fn special_characters_never_reach_the_query_engine() {
    let project = project();
    for query in [
        "\"",
        "pods\" OR \"x",
        "NEAR(pods",
        "pod*",
        "col:pods",
        "^",
        "(-)",
        "'; DROP TABLE sessions; --",
        "AND",
    ] {
        project
            .confab()
            .args(["sessions", "search", query])
            .assert()
            .success();
    }
    assert_eq!(project.session_names().len(), 3);
    project
        .confab()
        .args(["sessions", "search", "\"zzz qqq\""])
        .assert()
        .success()
        .stderr(contains("No matches for"));
}

#[test]
fn the_index_follows_imports_overwrites_deletes_and_cleans() {
    let project = project();
    assert_eq!(
        sessions(&hits(&project, &["Insufficient"])),
        ["eks-troubleshooting#3"]
    );
    let mut changed: serde_json::Value =
        serde_json::from_str(&project.read("eks-troubleshooting.json")).expect("JSON");
    changed["messages"][2]["content"] = "Events say: the quota is exhausted.".into();
    project.write("changed.json", changed.to_string());
    project
        .confab()
        .args(["sessions", "import", "changed.json", "--overwrite"])
        .assert()
        .success();
    assert!(sessions(&hits(&project, &["Insufficient"])).is_empty());
    assert_eq!(
        sessions(&hits(&project, &["quota"])),
        ["eks-troubleshooting#3"]
    );
    project
        .confab()
        .args(["sessions", "delete", "eks-troubleshooting"])
        .assert()
        .success();
    assert!(sessions(&hits(&project, &["quota"])).is_empty());
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "0d"])
        .assert()
        .success();
    assert!(sessions(&hits(&project, &["vpc"])).is_empty());
}
