//! `export --redact`: secrets replaced by typed placeholders before the file is written, the
//! summary never shows them, and the redacted file still validates and imports.

use predicates::prelude::*;
use predicates::str::contains;

use crate::util::Project;

const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
const GITHUB: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
const INTERNAL: &str = "itk_0123456789abcdef0123456789abcdef";

fn leaky(project: &Project) {
    let checkpoint = serde_json::json!({
        "version": "1.0",
        "session": {"name": "leaky", "provider": "openai", "model": "gpt-4o",
                    "metadata": {"token": GITHUB}},
        "messages": [
            {"role": "user", "content": format!("my key is {AWS}, the internal one {INTERNAL}")},
            {"role": "assistant", "content": "Rotate it.",
             "tool_calls": [{"id": "c1", "name": "shell", "arguments": {"env": format!("AWS_KEY={AWS}")}}]}
        ],
        "context": {"working_directory": "/srv/app", "project_instructions": format!("token: {GITHUB}")}
    });
    project.write("leaky.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "leaky.json"])
        .assert()
        .success()
        .stderr(contains("warning: leaky.json holds 4 unredacted secrets (2 aws-access-key, 2 github-token); imported as is"));
}

#[test]
fn redacted_exports_hold_no_secret_and_still_import() {
    let project = Project::new();
    leaky(&project);
    let output = project
        .confab()
        .args([
            "sessions",
            "export",
            "leaky",
            "-o",
            "shared.json",
            "--redact",
            "--context",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "Context: the instructions the session was imported with\n\
         redact: 4 secrets redacted: 2 aws-access-key, 2 github-token\n\
         Exported session leaky to shared.json (json, 2 messages)\n"
    );
    let shared = project.read("shared.json");
    for secret in [AWS, GITHUB] {
        assert!(
            !shared.contains(secret) && !stderr.contains(secret),
            "{secret} leaked"
        );
    }
    assert!(
        shared.contains("[REDACTED:aws-access-key]") && shared.contains("[REDACTED:github-token]")
    );
    project
        .confab()
        .args(["sessions", "validate", "shared.json"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "import", "shared.json", "--name", "clean-copy"])
        .assert()
        .success()
        .stderr(predicates::str::contains("unredacted").not());
}

#[test]
fn project_patterns_and_the_default_come_from_confab_yaml() {
    let project = Project::new();
    leaky(&project);
    project.write(
        "confab.yaml",
        "redact: true\nredact_patterns:\n  - name: internal-token\n    regex: 'itk_[0-9a-f]{32}'\n",
    );
    let output = project
        .confab()
        .args(["sessions", "export", "leaky", "-o", "-"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("[REDACTED:internal-token]") && !text.contains(INTERNAL),
        "{text}"
    );
    // --redact=false overrides the project default.
    let output = project
        .confab()
        .args(["sessions", "export", "leaky", "-o", "-", "--redact=false"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&output.stdout).contains(AWS));
    project.write(
        "confab.yaml",
        "redact_patterns:\n  - name: broken\n    regex: '(unclosed'\n",
    );
    project
        .confab()
        .args(["sessions", "export", "leaky", "-o", "-", "--redact"])
        .assert()
        .code(1)
        .stderr(contains("redaction pattern `broken` is not usable"));
}

#[test]
fn a_broken_pattern_stops_redacting_exports_but_not_imports() {
    let project = Project::new();
    project.write(
        "confab.yaml",
        "redact_patterns:\n  - name: broken\n    regex: '(unclosed'\n  - name: internal-token\n    regex: 'itk_[0-9a-f]{32}'\n",
    );
    // The import goes on, says which pattern it left out, and still scans with the others.
    project
        .confab()
        .args(["sessions", "import"])
        .arg(
            project.write(
                "x.json",
                serde_json::json!({
                    "version": "1.0",
                    "session": {"name": "x", "provider": "p", "model": "m"},
                    "messages": [{"role": "user", "content": format!("the token {INTERNAL}")}]
                })
                .to_string(),
            ),
        )
        .assert()
        .success()
        .stderr(contains(
            "warning: redaction pattern `broken` is not usable",
        ))
        .stderr(contains("1 internal-token"));
    for bulk in [false, true] {
        let mut command = project.confab();
        command.args(["sessions", "import", "--overwrite", "x.json"]);
        if bulk {
            command.arg("x.json");
        }
        command.assert().success().stderr(contains("`broken`"));
    }
    project
        .confab()
        .args(["sessions", "export", "x", "-o", "-", "--redact"])
        .assert()
        .code(1)
        .stderr(contains("redaction pattern `broken` is not usable"));
}

#[test]
fn redact_paths_hides_home_and_project() {
    let project = Project::new();
    let home = project.path().to_string_lossy().into_owned();
    let checkpoint = serde_json::json!({
        "version": "1.0",
        "session": {"name": "paths", "provider": "p", "model": "m", "project_path": format!("{home}/app")},
        "messages": [{"role": "user", "content": format!("see {home}/app/src/main.rs and {home}/.ssh")}]
    });
    project.write("paths.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "paths.json"])
        .assert()
        .success();
    let output = project
        .confab()
        .args(["sessions", "export", "paths", "-o", "-", "--redact-paths"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains(&home), "{text}");
    assert!(
        text.contains("[REDACTED:project-path]") || text.contains("[REDACTED:home-dir]"),
        "{text}"
    );
}

/// A session whose identifiers hold secrets and whose passwords hold punctuation: every one is
/// gone from the redacted export, nothing is left of any of them, and the result imports.
#[test]
fn identifiers_and_whole_passwords_are_redacted_on_export() {
    let project = Project::new();
    let stripe = format!("sk_live_{}", "a1B2c3D4e5F6g7H8i9J0k1L2");
    let checkpoint = serde_json::json!({
        "version": "1.0",
        "exported_by": format!("ci {GITHUB}"),
        "session": {"name": "ids", "provider": "openai", "model": format!("gpt-4o {AWS}"),
                    "metadata": {GITHUB: "a token as a metadata key"}},
        "messages": [
            {"role": "user", "content": "DB_PASSWORD=Tr0ub4dor&3horse and postgres://app:p@ss/w0rd#1@db/shop"},
            {"role": "assistant", "content": "Calling.",
             "tool_calls": [{"id": format!("call-{stripe}"), "name": "shell", "arguments": {"cmd": "ls"}}]},
            {"role": "tool", "content": "ok", "tool_call_id": format!("call-{stripe}")}
        ]
    });
    project.write("ids.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "ids.json"])
        .assert()
        .success()
        .stderr(contains("warning: ids.json holds 7 unredacted secrets"));
    project
        .confab()
        .args(["sessions", "export", "ids", "-o", "shared.json", "--redact"])
        .assert()
        .success()
        // `exported_by` is the exporting user's now: six of the seven are left to redact.
        .stderr(contains(
            "redact: 6 secrets redacted: 1 aws-access-key, 1 github-token, 1 password-assignment, 2 stripe-key, 1 url-password",
        ));
    let shared = project.read("shared.json");
    for fragment in [
        AWS,
        GITHUB,
        &stripe,
        "Tr0ub4dor",
        "3horse",
        "p@ss",
        "w0rd#1",
    ] {
        assert!(!shared.contains(fragment), "{fragment} left in {shared}");
    }
    let exported: serde_json::Value = serde_json::from_str(&shared).expect("JSON");
    assert_eq!(
        exported["messages"][1]["tool_calls"][0]["id"], exported["messages"][2]["tool_call_id"],
        "the call and its answer still match"
    );
    project
        .confab()
        .args(["sessions", "import", "shared.json", "--name", "clean-copy"])
        .assert()
        .success()
        .stderr(contains("unredacted").not());
}
