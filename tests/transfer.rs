//! `confab sessions export` and `confab sessions import`: every example of the Atmos sessions
//! documentation (with `confab` for `atmos ai`), the error paths, round trips and Atmos interop.

use predicates::str::contains;
use serde_json::Value;

use crate::util::{Project, fixture_path};

fn project_with(fixtures: &[&str]) -> Project {
    let project = Project::new();
    for fixture in fixtures {
        project.import_fixture(fixture);
    }
    project
}

fn json_file(project: &Project, name: &str) -> Value {
    serde_json::from_str(&project.read(name)).expect("valid JSON")
}

/// The file with its `exported_at` line removed: what must survive a round trip unchanged.
fn without_exported_at(text: &str) -> String {
    text.lines()
        .filter(|line| !line.contains("exported_at"))
        .collect::<Vec<_>>()
        .join("\n")
}

// --- The Atmos documentation's examples --------------------------------------------------------

#[test]
fn export_vpc_migration_output_session_json() {
    let project = project_with(&["atmos/vpc-migration.yaml"]);
    project
        .confab()
        .args([
            "sessions",
            "export",
            "vpc-migration",
            "--output",
            "session.json",
        ])
        .assert()
        .success()
        .stderr("Exported session vpc-migration to session.json (json, 3 messages)\n");
    let file = json_file(&project, "session.json");
    assert_eq!(file["version"], "1.0");
    assert_eq!(file["exported_by"], "tester");
    assert_eq!(file["session"]["metadata"]["ticket"], "NET-412");
    assert_eq!(file["statistics"]["message_count"], 3);
    assert!(file.get("context").is_none(), "context only with --context");
    project
        .confab()
        .args(["sessions", "validate", "session.json"])
        .assert()
        .success();
}

#[test]
fn export_my_session_output_backup_yaml_context() {
    let project = Project::new();
    project.write(
        "ATMOS.md",
        "# Project memory\nUse atmos, not terraform directly.\n",
    );
    project.fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args([
            "sessions",
            "import",
            "vpc-migration.yaml",
            "--name",
            "my-session",
            "--context=false",
        ])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "export",
            "my-session",
            "--output",
            "backup.yaml",
            "--context",
        ])
        .assert()
        .success();
    let yaml = project.read("backup.yaml");
    assert!(
        yaml.starts_with("# yaml-language-server: $schema="),
        "{yaml}"
    );
    assert!(
        yaml.contains("Use atmos, not terraform directly."),
        "{yaml}"
    );
    assert!(yaml.contains("working_directory:"), "{yaml}");
    project
        .confab()
        .args(["sessions", "validate", "backup.yaml"])
        .assert()
        .success();
}

#[test]
fn export_prefers_the_instructions_file_named_in_confab_yaml() {
    let project = project_with(&["atmos/vpc-migration.yaml"]);
    project.write("AGENTS.md", "agents file");
    project.write("docs/ai.md", "configured file");
    project.write("confab.yaml", "context:\n  instructions: docs/ai.md\n");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "vpc-migration",
            "-o",
            "-",
            "--context",
        ])
        .assert()
        .success()
        .stdout(contains("\"project_instructions\": \"configured file\""));
    project.write("confab.yaml", "");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "vpc-migration",
            "-o",
            "-",
            "--context",
        ])
        .assert()
        .success()
        .stdout(contains("\"project_instructions\": \"agents file\""));
}

#[test]
fn export_output_backup_txt_format_json() {
    let project = project_with(&["atmos/eks-troubleshooting.json"]);
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "--output",
            "backup.txt",
            "--format",
            "json",
        ])
        .assert()
        .success();
    assert_eq!(
        json_file(&project, "backup.txt")["session"]["name"],
        "eks-troubleshooting"
    );
    // Aliases and case-insensitive extensions.
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "b.txt",
            "-f",
            "yml",
        ])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "LOUD.YML",
        ])
        .assert()
        .success();
    assert!(
        project
            .read("LOUD.YML")
            .contains("name: eks-troubleshooting")
    );
}

#[test]
fn export_to_standard_output() {
    let project = project_with(&["atmos/eks-troubleshooting.json"]);
    let output = project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "-"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let file: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(file["messages"].as_array().map(Vec::len), Some(4));
}

#[test]
fn export_metadata_false_leaves_export_and_custom_metadata_out() {
    let project = project_with(&["atmos/vpc-migration.yaml"]);
    project
        .confab()
        .args([
            "sessions",
            "export",
            "vpc-migration",
            "-o",
            "bare.json",
            "--metadata=false",
        ])
        .assert()
        .success();
    let file = json_file(&project, "bare.json");
    assert!(file.get("exported_at").is_none());
    assert!(file.get("exported_by").is_none());
    assert!(file["session"].get("metadata").is_none());
    assert_eq!(
        file["statistics"]["message_count"], 3,
        "statistics are always written"
    );
}

#[test]
fn import_session_json() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project
        .confab()
        .args(["sessions", "import", "eks-troubleshooting.json"])
        .assert()
        .success()
        .stderr(
            "Imported session eks-troubleshooting (gpt-4o, openai, 4 messages)\n\
             Resume it with: confab chat --session eks-troubleshooting\n",
        );
    assert_eq!(project.session_names(), ["eks-troubleshooting"]);
}

#[test]
fn import_backup_yaml_name_restored_session() {
    let project = Project::new();
    project.fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args([
            "sessions",
            "import",
            "vpc-migration.yaml",
            "--name",
            "restored-session",
        ])
        .assert()
        .success()
        .stderr(contains(
            "Resume it with: confab chat --session restored-session",
        ));
    assert_eq!(project.session_names(), ["restored-session"]);
    project
        .confab()
        .args(["sessions", "import", "vpc-migration.yaml", "-n", "second"])
        .assert()
        .success();
    assert_eq!(project.session_names(), ["restored-session", "second"]);
}

#[test]
fn import_existing_name_needs_overwrite() {
    let project = project_with(&["atmos/eks-troubleshooting.json"]);
    project
        .confab()
        .args(["sessions", "import", "eks-troubleshooting.json"])
        .assert()
        .code(1)
        .stderr(
            "error: a session named \"eks-troubleshooting\" already exists\n\
             hint: replace it with --overwrite, or import under another name with --name NAME\n",
        );
    // --overwrite replaces the whole session.
    let mut changed = json_file(&project, "eks-troubleshooting.json");
    changed["session"]["model"] = "o3".into();
    changed["messages"]
        .as_array_mut()
        .expect("messages")
        .truncate(2);
    changed["statistics"] =
        serde_json::json!({"message_count": 2, "user_messages": 1, "assistant_messages": 1});
    project.write("changed.json", changed.to_string());
    project
        .confab()
        .args(["sessions", "import", "changed.json", "--overwrite"])
        .assert()
        .success();
    let list = project
        .confab()
        .args(["sessions", "list", "--json"])
        .output()
        .expect("runs");
    let list: Value = serde_json::from_slice(&list.stdout).expect("JSON");
    assert_eq!(list["sessions"][0]["model"], "o3");
    assert_eq!(list["sessions"][0]["message_count"], 2);
}

#[test]
fn import_context_false_drops_the_context() {
    let project = Project::new();
    let mut file: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    )
    .expect("JSON");
    file["context"] =
        serde_json::json!({"working_directory": "/home/alice/infra", "files_accessed": ["a.yaml"]});
    project.write("with-context.json", file.to_string());
    project
        .confab()
        .args(["sessions", "import", "with-context.json", "-n", "kept"])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "import",
            "with-context.json",
            "-n",
            "dropped",
            "--context=false",
        ])
        .assert()
        .success();
    let export = |name: &str| {
        let output = project
            .confab()
            .args(["sessions", "export", name, "-o", "-", "--context"])
            .output()
            .expect("runs");
        serde_json::from_slice::<Value>(&output.stdout).expect("JSON")
    };
    assert_eq!(
        export("kept")["context"]["working_directory"],
        "/home/alice/infra"
    );
    assert_eq!(export("kept")["context"]["files_accessed"][0], "a.yaml");
    assert_ne!(
        export("dropped")["context"]["working_directory"],
        "/home/alice/infra"
    );
    assert!(export("dropped")["context"].get("files_accessed").is_none());
}

#[test]
fn import_reads_standard_input_and_guesses_the_format() {
    let project = Project::new();
    project
        .confab()
        .args(["sessions", "import", "-"])
        .write_stdin(std::fs::read(fixture_path("atmos/vpc-migration.yaml")).expect("fixture"))
        .assert()
        .success();
    assert_eq!(project.session_names(), ["vpc-migration"]);
}

#[test]
fn lifecycle_import_list_export_clean() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project
        .confab()
        .args(["sessions", "import", "eks-troubleshooting.json"])
        .assert()
        .success();
    assert_eq!(project.session_names(), ["eks-troubleshooting"]);
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "archive/eks.yaml",
        ])
        .assert()
        .code(1);
    std::fs::create_dir(project.path().join("archive")).expect("mkdir");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "archive/eks.yaml",
        ])
        .assert()
        .success();
    project.age_session("eks-troubleshooting", 40 * 24 * 3600);
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "30d"])
        .assert()
        .success();
    assert!(project.session_names().is_empty());
    // The archive brings it back.
    project
        .confab()
        .args(["sessions", "import", "archive/eks.yaml"])
        .assert()
        .success();
    assert_eq!(project.session_names(), ["eks-troubleshooting"]);
}

// --- Error paths -------------------------------------------------------------------------------

#[test]
fn export_errors_name_the_problem_and_write_nothing() {
    let project = project_with(&["atmos/eks-troubleshooting.json"]);
    project
        .confab()
        .args(["sessions", "export", "eks-troubleshootin", "-o", "x.json"])
        .assert()
        .code(1)
        .stderr(contains("no session named \"eks-troubleshootin\""))
        .stderr(contains("did you mean eks-troubleshooting?"));
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "x.json",
            "--format",
            "docx",
        ])
        .assert()
        .code(2)
        .stderr(contains("unknown format \"docx\""));
    project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "x.docx"])
        .assert()
        .code(2)
        .stderr(contains("the extension .docx names no format"))
        .stderr(contains(
            "formats that export: claude-code (.jsonl), codex (.jsonl), gemini (.gemini), html (.html, .htm), json (.json), markdown (.md, .markdown), openai (.openai), text (.txt), yaml (.yaml, .yml)",
        ));
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "missing/dir/x.json",
        ])
        .assert()
        .code(1)
        .stderr(contains("the folder missing/dir does not exist"));
    let leftovers: Vec<_> = std::fs::read_dir(project.path())
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("x.") || name.starts_with(".confab-export"))
        .collect();
    assert!(leftovers.is_empty(), "no partial files: {leftovers:?}");
}

#[test]
fn an_invalid_file_changes_nothing() {
    let project = project_with(&["atmos/eks-troubleshooting.json"]);
    let before = project
        .confab()
        .args(["sessions", "list", "--json"])
        .output()
        .expect("runs")
        .stdout;
    project.write(
        "eks-troubleshooting.json",
        r#"{"version": "1.0", "session": {"name": "eks-troubleshooting", "provider": "openai"},
            "messages": [{"role": "user", "content": "x"}]}"#,
    );
    project
        .confab()
        .args([
            "sessions",
            "import",
            "eks-troubleshooting.json",
            "--overwrite",
        ])
        .assert()
        .code(1)
        .stderr(contains(
            "eks-troubleshooting.json:1:31: /session: \"model\" is a required property [required]",
        ))
        .stderr(contains("nothing from this file was imported"));
    let after = project
        .confab()
        .args(["sessions", "list", "--json"])
        .output()
        .expect("runs")
        .stdout;
    assert_eq!(before, after);
}

#[test]
fn import_errors_are_clear() {
    let project = Project::new();
    project
        .confab()
        .args(["sessions", "import", "nope.json"])
        .assert()
        .code(2)
        .stderr(contains("could not read nope.json: no such file"));
    let mut bad_name: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    )
    .expect("JSON");
    bad_name["session"]["name"] = "../etc/passwd".into();
    project.write("bad-name.json", bad_name.to_string());
    project
        .confab()
        .args(["sessions", "import", "bad-name.json"])
        .assert()
        .code(1)
        .stderr(contains("invalid session name \"../etc/passwd\""))
        .stderr(contains(
            "hint: import it under another name with --name NAME",
        ));
    project
        .confab()
        .args(["sessions", "import", "bad-name.json", "--name", "safe"])
        .assert()
        .success();
    assert_eq!(project.session_names(), ["safe"]);
}

// --- Round trips and Atmos interop -------------------------------------------------------------

#[test]
fn export_import_export_gives_the_same_file() {
    for (fixture, output) in [
        ("atmos/eks-troubleshooting.json", "a.json"),
        ("atmos/vpc-migration.yaml", "a.yaml"),
    ] {
        let project = project_with(&[fixture, "../../examples/incident-review.json"]);
        for name in project.session_names() {
            project
                .confab()
                .args(["sessions", "export", &name, "-o", output, "--context"])
                .assert()
                .success();
            let first = project.read(output);
            project
                .confab()
                .args(["sessions", "import", output, "--overwrite"])
                .assert()
                .success();
            project
                .confab()
                .args(["sessions", "export", &name, "-o", output, "--context"])
                .assert()
                .success();
            assert_eq!(
                without_exported_at(&first),
                without_exported_at(&project.read(output)),
                "{name} via {output}"
            );
        }
    }
}

#[test]
fn exports_carry_every_field_atmos_requires() {
    let project = project_with(&["atmos/vpc-migration.yaml", "atmos/eks-troubleshooting.json"]);
    for name in project.session_names() {
        for output in ["out.json", "out.yaml"] {
            project
                .confab()
                .args(["sessions", "export", &name, "-o", output])
                .assert()
                .success();
            let text = project.read(output);
            let file: Value = if output.ends_with("json") {
                serde_json::from_str(&text).expect("JSON")
            } else {
                serde_saphyr::from_str(&text).expect("YAML")
            };
            assert_eq!(file["version"], "1.0");
            for key in ["name", "provider", "model", "created_at", "updated_at"] {
                assert!(
                    file["session"][key].is_string(),
                    "{name} {output} session.{key}"
                );
            }
            for message in file["messages"].as_array().expect("messages") {
                assert!(message["role"].is_string() && message["content"].is_string());
                assert!(
                    message["created_at"].is_string(),
                    "Atmos keeps a time on every message"
                );
            }
            for key in ["message_count", "user_messages", "assistant_messages"] {
                assert!(
                    file["statistics"][key].is_u64(),
                    "{name} {output} statistics.{key}"
                );
            }
        }
    }
}

#[test]
fn a_session_that_cannot_be_imported_back_is_exported_with_a_warning() {
    let project = project_with(&["atmos/eks-troubleshooting.json"]);
    // A chat that never got a message, as the store allows.
    let emptied = confab_store_sqlite::test_support::empty_session(
        &project.store_path(),
        "eks-troubleshooting",
    )
    .expect("store");
    assert!(emptied, "the session exists");
    project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "empty.json"])
        .assert()
        .success()
        .stderr(
            "warning: session \"eks-troubleshooting\" cannot be imported back:\n  /messages: [] has less than 1 item [minItems]\n\
             Exported session eks-troubleshooting to empty.json (json, 0 messages)\n",
        );
    assert!(project.path().join("empty.json").is_file());
    project
        .confab()
        .args(["sessions", "validate", "empty.json"])
        .assert()
        .code(1);
}

#[test]
fn the_resume_hint_is_only_given_for_a_provider_confab_knows() {
    let project = Project::new();
    let checkpoint = |name: &str, provider: &str| {
        serde_json::json!({
            "version": "1.0",
            "session": {"name": name, "provider": provider, "model": "m"},
            "messages": [{"role": "user", "content": "hi"}]
        })
        .to_string()
    };
    project.write("bedrock.json", checkpoint("on-bedrock", "bedrock"));
    project
        .confab()
        .args(["sessions", "import", "bedrock.json"])
        .assert()
        .success()
        .stderr(
            "Imported session on-bedrock (m, bedrock, 1 message)\n\
             To chat in it, describe the provider \"bedrock\" under providers in confab.yaml (api, base_url, model), then run: confab chat --session on-bedrock\n",
        );
    // One message is "1 message", in every command that counts them.
    project
        .confab()
        .args(["sessions", "validate", "bedrock.json"])
        .assert()
        .success()
        .stdout(contains("(json on-bedrock, 1 message)"));
    project
        .confab()
        .args(["sessions", "show", "on-bedrock"])
        .assert()
        .success()
        .stdout(contains(" · 1 message · "));
    project.write("gemini.json", checkpoint("from-gemini", "google"));
    project
        .confab()
        .args(["sessions", "import", "gemini.json"])
        .assert()
        .success()
        .stderr(contains(
            "Resume it with: confab chat --session from-gemini",
        ));
    // Described in confab.yaml, it is known.
    project.write(
        "confab.yaml",
        "providers:\n  bedrock:\n    base_url: http://localhost:9/v1\n",
    );
    project
        .confab()
        .args(["sessions", "import", "bedrock.json", "--overwrite"])
        .assert()
        .success()
        .stderr(contains("Resume it with: confab chat --session on-bedrock"));
}

#[test]
fn boolean_flags_are_switches_with_no_forms_and_never_eat_the_next_argument() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    // `--context` before the file: the file is a path, not the flag's value.
    project
        .confab()
        .args([
            "sessions",
            "import",
            "--context",
            "eks-troubleshooting.json",
        ])
        .assert()
        .success();
    let exported = |args: &[&str]| -> Value {
        let output = project
            .confab()
            .args(["sessions", "export"])
            .args(args)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{args:?}: {output:?}");
        serde_json::from_slice(&output.stdout).expect("json")
    };
    // `--redact NAME`: NAME is the session.
    let redacted = exported(&[
        "--redact",
        "eks-troubleshooting",
        "-o",
        "-",
        "--format",
        "json",
    ]);
    assert_eq!(redacted["session"]["name"], "eks-troubleshooting");
    for (args, has_metadata) in [
        (&["--no-metadata"][..], false),
        (&["--metadata=false"][..], false),
        (&["--metadata"][..], true),
        (&["--no-metadata", "--metadata"][..], true),
        (&["--metadata", "--no-metadata"][..], false),
    ] {
        let mut all = vec!["eks-troubleshooting", "-o", "-", "--format", "json"];
        all.extend_from_slice(args);
        let checkpoint = exported(&all);
        assert_eq!(
            checkpoint.get("exported_at").is_some(),
            has_metadata,
            "{args:?}"
        );
    }
    let with_context = exported(&[
        "eks-troubleshooting",
        "-o",
        "-",
        "--format",
        "json",
        "--context",
    ]);
    assert!(with_context.get("context").is_some());
    let without = exported(&[
        "eks-troubleshooting",
        "-o",
        "-",
        "--format",
        "json",
        "--context",
        "--no-context",
    ]);
    assert!(without.get("context").is_none());
    project
        .confab()
        .args([
            "sessions",
            "import",
            "eks-troubleshooting.json",
            "--overwrite",
            "--no-context",
        ])
        .assert()
        .success();
}

#[test]
fn status_lines_go_to_stderr_so_stdout_holds_only_the_data() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    let import = project
        .confab()
        .args(["sessions", "import", "eks-troubleshooting.json"])
        .output()
        .expect("runs");
    assert!(import.status.success(), "{import:?}");
    assert_eq!(import.stdout, b"", "an import writes no data");
    assert!(
        String::from_utf8_lossy(&import.stderr).starts_with("Imported session eks-troubleshooting")
    );
    // Without -o, the checkpoint is written to stdout, and nothing else is.
    let export = project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "--format",
            "markdown",
        ])
        .output()
        .expect("runs");
    assert!(export.status.success(), "{export:?}");
    let report = String::from_utf8(export.stdout).expect("utf-8");
    assert!(report.starts_with("# eks-troubleshooting\n"), "{report}");
    assert!(!report.contains("Exported session"));
    let json = project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting"])
        .output()
        .expect("runs");
    let checkpoint: Value = serde_json::from_slice(&json.stdout).expect("JSON by default");
    assert_eq!(checkpoint["session"]["name"], "eks-troubleshooting");
}

#[test]
fn exported_by_is_the_configured_the_git_or_the_os_user() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project
        .confab()
        .args(["sessions", "import", "eks-troubleshooting.json"])
        .assert()
        .success();
    let exported_by = |extra: &[(&str, &str)]| -> Value {
        let output = project
            .confab()
            .envs(extra.iter().copied())
            .args(["sessions", "export", "eks-troubleshooting"])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        let checkpoint: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        checkpoint["exported_by"].clone()
    };
    assert_eq!(exported_by(&[]), "tester", "the OS user");
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .current_dir(project.path())
            .env("HOME", project.path())
            .args(args)
            .status()
            .expect("git runs");
        assert!(status.success());
    };
    git(&["init", "-q"]);
    git(&["config", "user.name", "Git Person"]);
    assert_eq!(exported_by(&[]), "Git Person");
    project.write("confab.yaml", "user:\n  name: Dana Ops\n");
    assert_eq!(exported_by(&[]), "Dana Ops");
    assert_eq!(exported_by(&[("CONFAB_USER", "ci-bot")]), "ci-bot");
}

#[test]
fn ls_and_rm_are_list_and_delete() {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project
        .confab()
        .args(["sessions", "import", "eks-troubleshooting.json"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "ls", "--format", "names"])
        .assert()
        .success()
        .stdout("eks-troubleshooting\n");
    project
        .confab()
        .args(["sessions", "rm", "eks-troubleshooting"])
        .assert()
        .success();
    assert!(project.session_names().is_empty());
}

#[test]
fn export_context_keeps_the_imported_instructions_and_says_which_it_writes() {
    let project = Project::new();
    let mut file: Value = serde_json::from_slice(
        &std::fs::read(project.fixture("atmos/eks-troubleshooting.json")).expect("read"),
    )
    .expect("fixture is JSON");
    file["context"] = serde_json::json!({"project_instructions": "THEIRS: use eu-west-1"});
    project.write("shared.json", file.to_string());
    project.write("AGENTS.md", "OURS: use us-east-1\n");
    project
        .confab()
        .args(["sessions", "import", "shared.json", "-n", "shared"])
        .assert()
        .success();
    let export = |name: &str, flag: &str| {
        let output = project
            .confab()
            .args(["sessions", "export", name, "-o", "-", flag])
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
        let checkpoint: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        (
            checkpoint["context"]["project_instructions"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            String::from_utf8(output.stderr).expect("utf-8"),
        )
    };
    let (instructions, said) = export("shared", "--context");
    assert_eq!(instructions, "THEIRS: use eu-west-1");
    assert!(
        said.contains("Context: the instructions the session was imported with; --project-instructions writes AGENTS.md instead"),
        "{said}"
    );
    let (instructions, said) = export("shared", "--project-instructions");
    assert_eq!(instructions, "OURS: use us-east-1\n");
    assert!(
        said.contains(
            "Context: the instructions of AGENTS.md, in place of those the session was imported with"
        ),
        "{said}"
    );
    // A session that brought none gets the project's, and is told so.
    project
        .confab()
        .args([
            "sessions",
            "import",
            "shared.json",
            "-n",
            "bare",
            "--no-context",
        ])
        .assert()
        .success();
    let (instructions, said) = export("bare", "--context");
    assert_eq!(instructions, "OURS: use us-east-1\n");
    assert!(
        said.contains("Context: the instructions of AGENTS.md\n"),
        "{said}"
    );
}
