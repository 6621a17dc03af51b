//! `confab sessions validate`: the import checks for CI, with every problem located. The cases
//! that are a command and its exact output are in `tests/cmd/validate-*.toml`.

use crate::util::Project;

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
}

/// `validate` passes exactly what `import` takes (issue 15, item 20): for each file, both
/// commands agree, and a refusal is the same problem line in both.
#[test]
fn validate_refuses_exactly_what_import_refuses() {
    let project = Project::new();
    let checkpoint: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    let mut cases = Vec::new();
    for (file, name) in [
        ("traversal.json", "../../etc/cron.d/x"),
        ("control.json", "ok\u{7}name"),
        ("spaces.json", "two words"),
    ] {
        let mut bad = checkpoint.clone();
        bad["session"]["name"] = serde_json::json!(name);
        project.write(file, serde_json::to_string_pretty(&bad).expect("JSON"));
        cases.push(file);
    }
    let mut huge = checkpoint.clone();
    huge["messages"][1]["usage"] =
        serde_json::json!({"input_tokens": 9_223_372_036_854_775_808_u64});
    project.write(
        "huge-count.json",
        serde_json::to_string_pretty(&huge).expect("JSON"),
    );
    cases.push("huge-count.json");

    for file in cases {
        let validated = project
            .confab()
            .args(["sessions", "validate", file])
            .output()
            .expect("runs");
        let imported = project
            .confab()
            .args(["sessions", "import", file])
            .output()
            .expect("runs");
        assert_eq!(validated.status.code(), Some(1), "{file}: {validated:?}");
        assert_eq!(imported.status.code(), Some(1), "{file}: {imported:?}");
        let validate_out = String::from_utf8_lossy(&validated.stdout);
        let import_err = String::from_utf8_lossy(&imported.stderr);
        let problem = validate_out
            .lines()
            .find(|line| line.trim_start().starts_with(file))
            .unwrap_or_else(|| panic!("{file}: no problem line in {validate_out}"));
        assert!(
            import_err.contains(problem.trim()),
            "{file}: import says\n{import_err}\nvalidate says\n{validate_out}"
        );
    }
    assert!(project.session_names().is_empty(), "nothing was imported");

    let named = project
        .confab()
        .args(["sessions", "validate", "traversal.json"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&named.stdout);
    assert!(
        text.contains(
            "traversal.json:6:13: /session/name: invalid session name \"../../etc/cron.d/x\""
        ),
        "{text}"
    );
    assert!(
        text.contains("hint: import it under another name with --name NAME"),
        "{text}"
    );
    // The name rule is the checkpoint's name's: another name makes the file importable.
    project
        .confab()
        .args(["sessions", "import", "traversal.json", "--name", "cron-x"])
        .assert()
        .success();
}

#[test]
fn the_json_report_has_every_key_for_every_kind_of_file() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project.write("broken.json", "{\"version\": \"1.0\", \"session\": {}}");
    project.write("notes.md", "# not a checkpoint\n");
    project.write("package.json", "{\"name\": \"x\", \"version\": \"1.0.0\"}");
    let output = project
        .confab()
        .args([
            "sessions",
            "validate",
            "--format",
            "json",
            "eks-troubleshooting.json",
            "broken.json",
            "notes.md",
            "package.json",
            "missing.json",
        ])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let files = report["files"].as_array().expect("files");
    let keys = [
        "path", "status", "valid", "format", "session", "messages", "sessions", "problems",
    ];
    for file in files {
        for key in keys {
            assert!(file.get(key).is_some(), "{key} in {file}");
        }
        for problem in file["problems"].as_array().expect("problems") {
            for key in ["pointer", "location", "rule", "message", "hint"] {
                assert!(problem.get(key).is_some(), "{key} in {problem}");
            }
        }
    }
    let status = |path: &str| {
        files
            .iter()
            .find(|file| file["path"] == path)
            .map(|file| file["status"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(status("eks-troubleshooting.json").as_deref(), Some("valid"));
    assert_eq!(status("broken.json").as_deref(), Some("invalid"));
    assert_eq!(status("package.json").as_deref(), Some("invalid"));
    assert_eq!(status("notes.md").as_deref(), Some("unreadable"));
    assert_eq!(status("missing.json").as_deref(), Some("unreadable"));
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 5, "valid": 1, "invalid": 2, "unreadable": 2, "problems": report["summary"]["problems"]})
    );
    // The text report says of each file what the summary counts it as.
    let output = project
        .confab()
        .args(["sessions", "validate", "package.json", "notes.md"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("invalid: package.json is not a valid checkpoint"),
        "{text}"
    );
    assert!(
        text.contains("unreadable: notes.md is a markdown file"),
        "{text}"
    );
}

#[test]
fn an_input_format_that_cannot_be_read_is_a_usage_error() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    for command in ["validate", "import"] {
        let flag = if command == "validate" {
            "--input-format"
        } else {
            "--format"
        };
        project
            .confab()
            .args(["sessions", command, flag, "markdown", "eks-troubleshooting.json"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicates::str::starts_with(
                "error: markdown is a report format: confab writes it but cannot read it\nhint: formats that import: ",
            ));
    }
    assert!(project.session_names().is_empty());
}
