//! The one error path: causes printed with the OS reason, a closed pipe is a quiet success, exit
//! codes are the same table in every command, and library errors read cleanly.

use std::process::Stdio;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::util::{Project, fixture_path};

/// A project holding the Atmos example session `eks-troubleshooting`.
fn project() -> Project {
    let project = Project::new();
    project.write(
        "eks.json",
        std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    );
    project
        .confab()
        .args(["sessions", "import", "eks.json"])
        .assert()
        .success();
    project
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let project = project();
    for format in ["json", "markdown", "yaml", "text"] {
        // The reading end is closed before confab writes a byte: every write is EPIPE.
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let output = project
            .command()
            .args([
                "sessions",
                "export",
                "eks-troubleshooting",
                "--format",
                format,
            ])
            .args(["-o", "-"])
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(0), "{format}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), "", "{format}");
    }
}

#[test]
fn write_errors_name_the_os_reason() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let project = project();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = project
        .command()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "-"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: could not write standard output: No space left on device\n"
    );
}

#[test]
fn an_unreadable_input_exits_2_in_every_command() {
    let project = Project::new();
    for args in [
        &["sessions", "import", "nope.json"][..],
        &["sessions", "validate", "nope.json"],
    ] {
        let output = project.confab().args(args).output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let said = [output.stdout, output.stderr].concat();
        assert!(
            String::from_utf8_lossy(&said).contains("could not read nope.json: no such file"),
            "{args:?}"
        );
    }
}

#[test]
fn validate_keeps_the_hint_import_would_give() {
    let project = project();
    project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "r.md"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "validate", "r.md"])
        .assert()
        .code(2)
        .stdout(contains(
            "unreadable: r.md is a markdown file, a report format that cannot be imported\n  hint: formats that import: ",
        ));
}

#[test]
fn settings_syntax_errors_read_like_checkpoint_errors() {
    let project = Project::new();
    project.write("confab.yaml", "sessions: {path: [\n");
    let output = project
        .confab()
        .args(["sessions", "list"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let first = stderr.lines().next().expect("an error line");
    assert!(
        first.starts_with("error: invalid settings in ")
            && first.ends_with("confab.yaml:1:18: expected string scalar"),
        "{stderr}"
    );
    assert!(!stderr.contains("<input>"), "no snippet: {stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
}

#[test]
fn a_template_typo_names_the_variable() {
    let project = project();
    project.write("typo.hbs", "{{session.nmae}}\n");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-o",
            "r.md",
            "--template",
            "typo.hbs",
        ])
        .assert()
        .code(1)
        .stderr(contains(
            "typo.hbs:1:1: \"session.nmae\" is not in the template data",
        ))
        .stderr(contains("Some(").not());
}

/// Messages name a value without repeating it whole (issue 15, item 24): a 10,000-character name
/// or a 120 KB query is cut, and says how long it was.
#[test]
fn errors_cut_long_values() {
    let project = project();
    let name = "n".repeat(10_000);
    // Without a word, so that it is refused, quoted (a query that matches nothing is silent in
    // a pipe, as grep is).
    let query = "** ".repeat(24_000);
    let runs = [
        vec!["sessions", "show", name.as_str()],
        vec!["sessions", "delete", name.as_str()],
        vec!["sessions", "export", name.as_str(), "-o", "-"],
        vec!["sessions", "import", "eks.json", "--name", name.as_str()],
        vec!["sessions", "search", query.as_str()],
    ];
    for args in runs {
        let output = project.confab().args(&args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.len() < 1_000,
            "{:?}: {} bytes of stderr: {stderr:.300}",
            &args[..2],
            stderr.len()
        );
        assert!(
            stderr.contains(" characters)"),
            "{:?}: {stderr}",
            &args[..2]
        );
    }
}

/// A query that starts with `-` goes after `--`, as in other tools.
#[test]
fn a_query_starting_with_a_dash_follows_a_double_dash() {
    let project = project();
    project
        .confab()
        .args(["sessions", "search", "-rf"])
        .assert()
        .code(2)
        .stderr(contains("to pass '-r' as a value, use '-- -r'"));
    project
        .confab()
        .args([
            "sessions", "search", "--role", "user", "--", "--help", "-rf",
        ])
        .assert()
        // Searched for, not taken for flags: nothing matches (help would succeed).
        .code(1)
        .stdout("");
}

#[test]
fn a_file_no_reader_accepts_lists_every_reader_and_says_what_it_looks_like() {
    let project = Project::new();
    project.write(
        "package.json",
        r#"{"name": "shop", "version": "1.0.0", "scripts": {"test": "jest"}, "dependencies": {}}"#,
    );
    project
        .confab()
        .args(["sessions", "import", "package.json"])
        .assert()
        .code(1)
        .stderr(
            contains("error: package.json is not a file any of confab's readers accepts")
                .and(contains("  json: "))
                .and(contains("  openai: "))
                .and(contains("  claude-code: "))
                .and(contains(
                    "hint: it looks like an npm package manifest (package.json), which holds no chat history",
                )),
        );
    assert!(project.session_names().is_empty());
    project
        .confab()
        .args(["sessions", "validate", "package.json"])
        .assert()
        .code(1)
        .stdout(contains("the json reader: ").and(contains("npm package manifest")));
    // A checkpoint that is only broken is still told apart by its own reader.
    project.write(
        "broken.json",
        r#"{"version": "1.0", "session": {"name": "x", "provider": "openai"}, "messages": []}"#,
    );
    project
        .confab()
        .args(["sessions", "import", "broken.json"])
        .assert()
        .code(1)
        .stderr(contains("/session: ").and(contains("is not a file any").not()));
}
