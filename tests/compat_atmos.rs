//! `export --compat atmos`: a file Atmos imports, whatever tool the session came from, and a
//! warning when a plain export would be refused by Atmos.
//!
//! Atmos's rules (cloudposse/atmos `pkg/ai/session/import.go`) are checked twice: by confab's own
//! checker (`confab_core::compat::atmos::atmos_problems`), and here, on the file as Atmos's Go
//! types would read it (`atmos_refuses`), so that neither can drift from the rules alone.

use std::path::Path;

use confab_core::compat::atmos::atmos_problems;
use confab_core::{Checkpoint, read_checkpoint};
use serde_json::Value;

use crate::util::Project;

const CLAUDE_CODE: &str = "../../formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl";
const CLAUDE_CODE_SESSION: &str = "claude-code-5b8f831c";

/// What Atmos's `validateCheckpoint` would refuse in a file, read as plain data the way its Go
/// types read it: the version, the session's name, provider and model, at least one message, the
/// three roles, and the message count.
fn atmos_refuses(document: &Value) -> Vec<String> {
    let text = |pointer: &str| document.pointer(pointer).and_then(Value::as_str);
    let mut refused = Vec::new();
    if text("/version") != Some("1.0") {
        refused.push(format!("version {:?}", document.get("version")));
    }
    for field in ["name", "provider", "model"] {
        if text(&format!("/session/{field}")).is_none_or(str::is_empty) {
            refused.push(format!("session.{field} empty"));
        }
    }
    let messages = document
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if messages.is_empty() {
        refused.push("no messages".to_owned());
    }
    for (index, message) in messages.iter().enumerate() {
        let role = message.get("role").and_then(Value::as_str);
        if !matches!(role, Some("user" | "assistant" | "system")) {
            refused.push(format!("message {} has role {role:?}", index + 1));
        }
        if !message.get("content").is_none_or(Value::is_string) {
            refused.push(format!("message {} content is not a string", index + 1));
        }
    }
    let count = document
        .pointer("/statistics/message_count")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    if usize::try_from(count).ok() != Some(messages.len()) {
        refused.push(format!(
            "message_count {count} for {} messages",
            messages.len()
        ));
    }
    refused
}

/// The exported file as data (JSON or YAML, by its extension).
fn document(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("exported file");
    if path
        .extension()
        .is_some_and(|extension| extension == "json")
    {
        serde_json::from_str(&text).expect("JSON")
    } else {
        serde_saphyr::from_str(&text).expect("YAML")
    }
}

/// The exported file as confab reads it.
fn checkpoint(path: &Path) -> Checkpoint {
    let bytes = std::fs::read(path).expect("exported file");
    let format: &dyn confab_core::Decode = if path
        .extension()
        .is_some_and(|extension| extension == "json")
    {
        &confab_format_json::FORMAT
    } else {
        &confab_format_yaml::FORMAT
    };
    read_checkpoint(&path.to_string_lossy(), &bytes, format)
        .expect("confab reads its own export")
        .checkpoint
}

fn export(project: &Project, args: &[&str]) -> std::process::Output {
    project
        .confab()
        .args(["sessions", "export"])
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn a_claude_code_session_exported_for_atmos_holds_only_what_atmos_accepts() {
    let project = Project::new();
    project.import_fixture(CLAUDE_CODE);
    for file in ["atmos.json", "atmos.yaml"] {
        let output = export(
            &project,
            &[CLAUDE_CODE_SESSION, "-o", file, "--compat", "atmos"],
        );
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("note: folded 1 tool call and 1 tool result into message text\n"),
            "{stderr}"
        );
        assert!(!stderr.contains("warning"), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "Exported session {CLAUDE_CODE_SESSION} to {file} ("
            )),
            "{stderr}"
        );

        let path = project.path().join(file);
        let data = document(&path);
        assert_eq!(atmos_refuses(&data), Vec::<String>::new(), "{data:#}");
        let roles: Vec<&str> = data["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|message| message["role"].as_str().expect("role"))
            .collect();
        assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
        assert_eq!(data["statistics"]["message_count"], 4);
        // The tool's name, its arguments and its output are in the assistant's text.
        let answer = data["messages"][1]["content"].as_str().expect("content");
        for expected in [
            "**Tool call:** `Bash`",
            "\"command\": \"ls\"",
            "main.py\nnotes.txt",
        ] {
            assert!(answer.contains(expected), "{expected:?} in {answer}");
        }
        assert!(data["messages"][1].get("tool_calls").is_none());
        assert_eq!(atmos_problems(&checkpoint(&path)), []);

        // And confab reads it back as an ordinary session.
        project
            .confab()
            .args([
                "sessions",
                "import",
                file,
                "--name",
                "back-from-atmos",
                "--overwrite",
            ])
            .assert()
            .success();
        let shown = project
            .confab()
            .args(["sessions", "show", "back-from-atmos"])
            .output()
            .expect("runs");
        assert!(
            String::from_utf8_lossy(&shown.stdout).contains("main.py"),
            "{shown:?}"
        );
    }
}

#[test]
fn a_plain_export_that_atmos_would_refuse_says_so_and_how_to_fix_it() {
    let project = Project::new();
    project.import_fixture(CLAUDE_CODE);
    for target in ["plain.json", "plain.yaml", "-"] {
        let output = export(&project, &[CLAUDE_CODE_SESSION, "-o", target]);
        assert!(output.status.success(), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(
                "warning: Atmos would refuse this file: message 3 has role \"tool\"; \
                 export with --compat atmos for a file it imports\n"
            ),
            "{target}: {stderr}"
        );
    }
    // The plain file is still confab's whole session, tool calls and all.
    let data = document(&project.path().join("plain.json"));
    assert_eq!(data["messages"][2]["role"], "tool");
    // Reports are not checkpoints: no word about Atmos.
    let output = export(&project, &[CLAUDE_CODE_SESSION, "-o", "report.md"]);
    assert!(output.status.success(), "{output:?}");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("Atmos"));
}

#[test]
fn atmos_checkpoints_export_without_a_warning_and_unchanged_for_atmos() {
    for (fixture, name) in [
        ("atmos/eks-troubleshooting.json", "eks-troubleshooting"),
        ("atmos/vpc-migration.yaml", "vpc-migration"),
    ] {
        let project = Project::new();
        project.import_fixture(fixture);
        let plain = export(&project, &[name, "-o", "plain.json"]);
        assert!(plain.status.success(), "{plain:?}");
        let stderr = String::from_utf8_lossy(&plain.stderr);
        assert!(!stderr.contains("Atmos"), "{fixture}: {stderr}");

        let compat = export(&project, &[name, "-o", "atmos.json", "--compat", "atmos"]);
        assert!(compat.status.success(), "{compat:?}");
        let stderr = String::from_utf8_lossy(&compat.stderr);
        assert!(
            !stderr.contains("note:") && !stderr.contains("warning"),
            "nothing to fold in {fixture}: {stderr}"
        );
        let original = checkpoint(&crate::util::fixture_path(fixture));
        let plain = checkpoint(&project.path().join("plain.json"));
        let for_atmos = checkpoint(&project.path().join("atmos.json"));
        assert_eq!(for_atmos.messages, original.messages, "{fixture}");
        assert_eq!(for_atmos.messages, plain.messages, "{fixture}");
        assert_eq!(for_atmos.session, plain.session, "{fixture}");
        assert_eq!(for_atmos.statistics, plain.statistics, "{fixture}");
    }
}

#[test]
fn compat_is_refused_for_formats_other_than_json_and_yaml() {
    let project = Project::new();
    project.import_fixture(CLAUDE_CODE);
    for args in [
        &["-o", "report.md"][..],
        &["--format", "markdown"],
        &["-o", "log.txt"],
    ] {
        let output = project
            .confab()
            .args([
                "sessions",
                "export",
                CLAUDE_CODE_SESSION,
                "--compat",
                "atmos",
            ])
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("error: --compat writes JSON or YAML checkpoints"),
            "{stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    assert!(!project.path().join("report.md").exists());
    assert!(!project.path().join("log.txt").exists());
    // An unknown tool is clap's usage error, naming the ones there are.
    let output = export(&project, &[CLAUDE_CODE_SESSION, "--compat", "nobody"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("atmos"));
}

#[test]
fn a_file_name_atmos_would_read_with_the_other_parser_is_warned_about() {
    let project = Project::new();
    project.import_fixture(CLAUDE_CODE);
    let output = export(
        &project,
        &[
            CLAUDE_CODE_SESSION,
            "-o",
            "session.txt",
            "--format",
            "yaml",
            "--compat",
            "atmos",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "warning: Atmos chooses its parser by the file name and would not read session.txt as YAML: name it .yaml or .yml"
        ),
        "{output:?}"
    );
    let output = export(
        &project,
        &[CLAUDE_CODE_SESSION, "-o", "-", "--compat", "atmos"],
    );
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("warning"));
    let data: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(atmos_refuses(&data), Vec::<String>::new());
}

/// Every session the repository's recorded fixtures hold (Claude Code, Codex, Gemini CLI, OpenAI,
/// llm, opencode, ChatGPT, Claude.ai, Atmos), imported and exported with `--compat atmos` as JSON
/// and as YAML, is a file Atmos accepts.
#[test]
fn every_fixture_session_exported_for_atmos_is_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["formats", "tests/fixtures/atmos"] {
        for entry in walkdir::WalkDir::new(root.join(folder)) {
            let entry = entry.expect("fixture folder");
            let path = entry.path();
            let in_fixtures = path.components().any(|part| part.as_os_str() == "fixtures");
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_file()
                && in_fixtures
                && (name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".yaml"))
                && !name.starts_with("malformed")
                && !name.ends_with(".meta.json")
            {
                files.push(path.to_owned());
            }
        }
    }
    files.sort();
    let mut sources = std::collections::BTreeSet::new();
    let mut exported = 0;
    for file in &files {
        let project = Project::new();
        let imported = project
            .confab()
            .args(["sessions", "import"])
            .arg(file)
            .output()
            .expect("runs");
        if !imported.status.success() {
            // Prompt logs, companions of another file: not sessions.
            continue;
        }
        for name in project.session_names() {
            sources.insert(name.split('-').next().unwrap_or_default().to_owned());
            for out in ["atmos.json", "atmos.yaml"] {
                let output = export(&project, &[&name, "-o", out, "--compat", "atmos"]);
                assert!(output.status.success(), "{name} from {file:?}: {output:?}");
                assert!(
                    !String::from_utf8_lossy(&output.stderr).contains("warning"),
                    "{name} from {file:?}: {output:?}"
                );
                let path = project.path().join(out);
                assert_eq!(
                    atmos_refuses(&document(&path)),
                    Vec::<String>::new(),
                    "{name} from {file:?} as {out}"
                );
                assert_eq!(
                    atmos_problems(&checkpoint(&path)),
                    [],
                    "{name} from {file:?} as {out}"
                );
                exported += 1;
            }
        }
    }
    for source in [
        "claude", "codex", "gemini", "openai", "llm", "opencode", "chatgpt", "eks", "vpc",
    ] {
        assert!(
            sources.contains(source),
            "no {source} session among {sources:?}"
        );
    }
    assert!(exported >= 40, "only {exported} exports checked");
}

#[test]
fn what_folding_cannot_fix_is_still_said_with_compat() {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    // A chat that never got a message, as the store allows.
    let emptied = confab_store_sqlite::test_support::empty_session(
        &project.store_path(),
        "eks-troubleshooting",
    )
    .expect("store");
    assert!(emptied, "the session exists");
    let output = export(
        &project,
        &[
            "eks-troubleshooting",
            "-o",
            "empty.json",
            "--compat",
            "atmos",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning: Atmos would still refuse this file: it has no messages\n"),
        "{stderr}"
    );
    // Without --compat, confab's own warning says it, once.
    let output = export(&project, &["eks-troubleshooting", "-o", "plain.json"]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("Atmos"));
}

/// Folding comes after redaction, so the secrets in tool-call arguments and tool output are
/// replaced before they become text.
#[test]
fn redacted_tool_traffic_is_folded_without_its_secrets() {
    const AWS: &str = "AKIAIOSFODNN7EXAMPLE";
    const GITHUB: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let project = Project::new();
    project.write(
        "secrets.json",
        format!(
            r#"{{"version": "1.0",
                "session": {{"name": "secrets", "provider": "openai", "model": "gpt-4o"}},
                "messages": [
                  {{"role": "user", "content": "deploy"}},
                  {{"role": "assistant", "content": "", "tool_calls": [
                    {{"id": "c1", "name": "shell", "arguments": {{"env": "AWS_ACCESS_KEY_ID={AWS}"}}}}]}},
                  {{"role": "tool", "tool_call_id": "c1", "content": "token {GITHUB}"}},
                  {{"role": "assistant", "content": "Deployed."}}]}}"#
        ),
    );
    project
        .confab()
        .args(["sessions", "import", "secrets.json"])
        .assert()
        .success();
    let output = export(
        &project,
        &[
            "secrets",
            "-o",
            "atmos.json",
            "--compat",
            "atmos",
            "--redact",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let file = project.read("atmos.json");
    assert!(!file.contains(AWS) && !file.contains(GITHUB), "{file}");
    let data: Value = serde_json::from_str(&file).expect("JSON");
    let answer = data["messages"][1]["content"].as_str().expect("content");
    assert!(answer.contains("**Tool call:** `shell`"), "{answer}");
    assert_eq!(answer.matches("[REDACTED:").count(), 2, "{answer}");
    assert_eq!(atmos_refuses(&data), Vec::<String>::new());
}

#[test]
fn a_gemini_cli_session_names_its_provider_as_atmos_does() {
    let project = Project::new();
    project.import_fixture("../../formats/gemini/tests/fixtures/shared-chat.json");
    let output = export(
        &project,
        &["gemini-a8b96bf3", "-o", "atmos.yaml", "--compat", "atmos"],
    );
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(
            "note: wrote provider \"gemini\", Atmos's name for what confab calls \"google\"\n"
        ),
        "{output:?}"
    );
    let data = document(&project.path().join("atmos.yaml"));
    assert_eq!(data["session"]["provider"], "gemini");
}
