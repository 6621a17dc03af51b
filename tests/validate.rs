//! `confab sessions validate`: the import checks for CI, with every problem located.

use crate::util::{Project, transcript};

#[test]
fn atmos_checkpoints_are_valid() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project.fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args([
            "sessions",
            "validate",
            "eks-troubleshooting.json",
            "vpc-migration.yaml",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "ok: eks-troubleshooting.json (json eks-troubleshooting, 4 messages)",
        ))
        .stdout(predicates::str::contains(
            "ok: vpc-migration.yaml (yaml vpc-migration, 3 messages)",
        ));
}

#[test]
fn every_problem_is_reported_with_line_column_and_pointer() {
    let project = Project::new();
    project.write(
        "broken.json",
        r#"{
  "version": "1.0",
  "session": {"name": "x", "provider": "openai"},
  "messages": [
    {"role": "robot", "content": "hi", "created_at": "yesterday"}
  ],
  "statistics": {"message_count": 3}
}
"#,
    );
    project.write(
        "broken.yaml",
        "version: \"1.0\"\nsession:\n  name: x\n  provider: openai\n  model: 4\nmessages: []\n",
    );
    let output = project
        .confab()
        .args(["sessions", "validate", "broken.json", "broken.yaml"])
        .output()
        .expect("runs");
    insta::assert_snapshot!(transcript(&project, &output));
}

#[test]
fn syntax_errors_duplicate_keys_and_versions_are_clear() {
    let project = Project::new();
    project.write(
        "truncated.json",
        "{\n  \"version\": \"1.0\",\n  \"session\": {\n",
    );
    project.write("twice.json", "{\"version\": \"1.0\", \"version\": \"1.0\"}");
    project.write("future.yaml", "version: \"2.0\"\nsession: {}\n");
    project.write("twice.yaml", "version: \"1.0\"\nversion: \"1.0\"\n");
    let output = project
        .confab()
        .args([
            "sessions",
            "validate",
            "truncated.json",
            "twice.json",
            "future.yaml",
            "twice.yaml",
        ])
        .output()
        .expect("runs");
    insta::assert_snapshot!(transcript(&project, &output));
}

#[test]
fn format_comes_from_flag_extension_or_content() {
    let project = Project::new();
    let json = std::fs::read(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
        .expect("fixture");
    project.write("no-extension", &json);
    project.write("wrong.txt", &json);
    project
        .confab()
        .args(["sessions", "validate", "no-extension"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "validate", "--format", "json", "wrong.txt"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "validate", "-"])
        .write_stdin(json)
        .assert()
        .success()
        .stdout(predicates::str::contains("ok: <stdin>"));
    project
        .confab()
        .args(["sessions", "validate", "--format", "toml", "wrong.txt"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown format \"toml\""))
        .stderr(predicates::str::contains(
            "hint: the formats are: json, markdown, yaml",
        ));
}

#[test]
fn unreadable_files_are_named() {
    let project = Project::new();
    project
        .confab()
        .args(["sessions", "validate", "missing.json"])
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "could not read missing.json: no such file",
        ));
}
