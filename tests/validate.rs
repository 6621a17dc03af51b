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
        .args([
            "sessions",
            "validate",
            "--input-format",
            "json",
            "wrong.txt",
        ])
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
        .args([
            "sessions",
            "validate",
            "--input-format",
            "toml",
            "wrong.txt",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unknown format \"toml\""))
        .stderr(predicates::str::contains(
            "hint: the formats are: claude-code, codex, gemini, json, markdown, openai, text, yaml",
        ));
}

#[test]
fn unreadable_paths_exit_2_after_checking_the_rest() {
    let project = Project::new();
    project.fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args(["sessions", "validate", "missing.json", "vpc-migration.yaml"])
        .assert()
        .code(2)
        .stdout(predicates::str::contains(
            "unreadable: could not read missing.json: no such file",
        ))
        .stdout(predicates::str::contains("ok: vpc-migration.yaml"))
        .stderr("error: 1 of 2 files could not be read\n");
    project
        .confab()
        .args(["sessions", "validate", "nothing/**/*.json"])
        .assert()
        .code(2)
        .stderr("error: the pattern nothing/**/*.json matches no files\n");
    project
        .confab()
        .args(["sessions", "validate"])
        .assert()
        .code(2);
}

/// A folder of checkpoints, some broken, for the folder, glob and report-format tests.
fn archive() -> Project {
    let project = Project::new();
    let eks = std::fs::read(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
        .expect("fixture");
    let vpc =
        std::fs::read(crate::util::fixture_path("atmos/vpc-migration.yaml")).expect("fixture");
    project.write("archive/2025/eks.json", &eks);
    project.write("archive/2025/vpc.YML", &vpc);
    project.write("archive/2026/deep/vpc.yaml", &vpc);
    project.write(
        "archive/2026/broken.json",
        "{\n  \"version\": \"1.0\",\n  \"session\": {\"name\": \"b\", \"provider\": \"p\", \"model\": \"m\"},\n  \"messages\": [{\"role\": \"user\", \"created_at\": \"noon\"}]\n}\n",
    );
    project.write("archive/2026/notes.txt", "not a checkpoint, not checked");
    project.write("archive/.hidden/x.json", "{}");
    project
}

#[test]
fn folders_are_searched_by_extension() {
    let project = archive();
    let output = project
        .confab()
        .args(["sessions", "validate", "archive"])
        .output()
        .expect("runs");
    insta::assert_snapshot!(transcript(&project, &output));
}

#[test]
fn glob_patterns_are_expanded() {
    let project = archive();
    project
        .confab()
        .args([
            "sessions",
            "validate",
            "archive/**/*.yaml",
            "archive/2025/*.json",
        ])
        .assert()
        .success()
        .stdout(
            "ok: archive/2026/deep/vpc.yaml (yaml vpc-migration, 3 messages)\n\
             ok: archive/2025/eks.json (json eks-troubleshooting, 4 messages)\n",
        );
}

#[test]
fn json_report_is_stable() {
    let project = archive();
    let output = project
        .confab()
        .args([
            "sessions",
            "validate",
            "--format",
            "json",
            "archive/2026",
            "archive/2025/eks.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}

#[test]
fn github_annotations_point_at_the_line() {
    let project = archive();
    let output = project
        .confab()
        .args(["sessions", "validate", "--format", "github", "archive"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout));
}
