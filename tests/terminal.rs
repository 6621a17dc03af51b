//! Nothing from data reaches a terminal raw (issue 15, item 19).
//!
//! Each surface that prints someone else's text is fed control sequences and bidi overrides:
//! names, messages, file names, templates, a model's answer and a provider's error body. What
//! confab prints for a person never carries them; what it writes as data (`export -o FILE`, or
//! `-o -` into a pipe) keeps them byte for byte; and on a real terminal even data is shown safe.

use std::time::Duration;

use rexpect::session::spawn_command;
use serde_json::{Value, json};

use crate::fake_provider::{FakeProvider, openai_error, openai_stream};
use crate::util::{Project, fixture_path};

/// Characters a terminal would obey: ESC (CSI, OSC), the one-byte CSI, BEL, a lone CR, and the
/// right-to-left override.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{9b}31m\rover\u{202E}txt.exe";

fn is_raw(c: char) -> bool {
    matches!(c, '\u{1b}' | '\u{9b}' | '\u{7}' | '\r' | '\u{202E}')
}

fn assert_safe(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.chars().any(is_raw), "{what} printed raw: {text:?}");
}

fn checkpoint() -> Value {
    let mut checkpoint: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    )
    .expect("JSON");
    checkpoint["session"]["model"] = json!(format!("gpt{HOSTILE}"));
    checkpoint["session"]["provider"] = json!(format!("openai\u{202E}"));
    checkpoint["messages"][0]["content"] = json!(format!("findme {HOSTILE}"));
    checkpoint
}

fn imported() -> Project {
    let project = Project::new();
    project.write("hostile.json", checkpoint().to_string());
    project
        .confab()
        .args(["sessions", "import", "hostile.json"])
        .assert()
        .success();
    project
}

#[test]
fn commands_that_show_sessions_print_nothing_raw() {
    let project = imported();
    for args in [
        vec!["sessions", "list", "--format", "table"],
        vec!["sessions", "list", "--format", "json"],
        vec!["sessions", "show", "eks-troubleshooting"],
        vec!["sessions", "search", "findme"],
        vec!["sessions", "search", "findme", "--format", "json"],
        vec!["sessions", "import", "hostile.json", "--overwrite"],
    ] {
        let output = project.confab().args(&args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert_safe(&format!("{args:?} stdout"), &output.stdout);
        assert_safe(&format!("{args:?} stderr"), &output.stderr);
    }
}

#[test]
fn json_output_stays_valid_json_with_the_same_strings() {
    let project = imported();
    let output = project
        .confab()
        .args(["sessions", "list", "--format", "json"])
        .output()
        .expect("runs");
    let listed: Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(listed["sessions"][0]["provider"], "openai\u{202E}");
}

#[test]
fn validate_shows_hostile_file_names_and_session_names_escaped() {
    let project = Project::new();
    let mut named = checkpoint();
    named["session"]["name"] = json!("ok\u{1b}[2J\u{1b}[31mpwned");
    project.write("x\u{1b}[2J.json", named.to_string());
    project.write("good\u{202E}.json", checkpoint().to_string());
    let output = project
        .confab()
        .args(["sessions", "validate", "."])
        .output()
        .expect("runs");
    assert_safe("validate stdout", &output.stdout);
    assert_safe("validate stderr", &output.stderr);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(all.contains("x\\u{1b}[2J.json"), "{all}");
    assert!(all.contains("good\\u{202e}.json"), "{all}");
}

#[test]
fn templates_list_and_show_print_template_text_escaped() {
    let project = Project::new();
    project.write(
        ".confab/templates/evil.md.hbs",
        format!("# {{{{session.name}}}} {HOSTILE}\n"),
    );
    project.write(".confab/templates/name\u{1b}[2J.hbs", "x");
    for args in [
        vec!["templates", "list"],
        vec!["templates", "show", "evil.md"],
    ] {
        let output = project.confab().args(&args).output().expect("runs");
        assert!(output.status.success(), "{args:?}: {output:?}");
        assert_safe(&format!("{args:?}"), &output.stdout);
    }
}

#[test]
fn exports_keep_bytes_in_files_and_pipes() {
    let project = imported();
    for format in ["markdown", "text", "json"] {
        project
            .confab()
            .args([
                "sessions",
                "export",
                "eks-troubleshooting",
                "--format",
                format,
            ])
            // Without the export time, two exports are the same bytes.
            .args(["--metadata=false", "-o", &format!("out.{format}")])
            .assert()
            .success();
        let file = std::fs::read(project.path().join(format!("out.{format}"))).expect("written");
        let piped = project
            .confab()
            .args([
                "sessions",
                "export",
                "eks-troubleshooting",
                "--format",
                format,
            ])
            .args(["--metadata=false", "-o", "-"])
            .output()
            .expect("runs");
        assert_eq!(
            String::from_utf8(piped.stdout).expect("UTF-8"),
            String::from_utf8(file).expect("UTF-8"),
            "{format}: a pipe gets the file's bytes"
        );
    }
    let markdown = project.read("out.markdown");
    assert!(
        markdown.contains(HOSTILE),
        "the report keeps the content exactly"
    );
}

#[test]
fn an_export_shown_on_a_terminal_is_escaped() {
    let project = imported();
    let mut command = project.command();
    command
        .args(["sessions", "export", "eks-troubleshooting"])
        .args(["--format", "markdown", "-o", "-"])
        .env("TERM", "dumb");
    let mut terminal = spawn_command(command, Some(20_000)).expect("runs on a pty");
    terminal.exp_string("findme ").expect("the report is shown");
    let shown = terminal.exp_eof().expect("the export ends");
    assert!(
        shown.starts_with("\\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{9b}31m\\u{d}over\\u{202e}txt.exe"),
        "{shown:?}"
    );
}

#[test]
fn a_model_answer_and_a_provider_error_are_shown_escaped() {
    let provider = FakeProvider::start();
    provider.push(openai_stream(
        "gpt-test",
        &[
            "safe ",
            "\u{1b}]52;c;Y3VybCBldmlsCg==\u{7}",
            &HOSTILE[..4],
            &HOSTILE[4..],
        ],
        (1, 1),
    ));
    provider.push(openai_error(400, &format!("bad request {HOSTILE}")));
    let project = Project::new();
    project.write(
        "confab.yaml",
        format!(
            "providers:\n  openai:\n    base_url: {}/v1\n    model: gpt-test\n    timeout: 5\n",
            provider.url()
        ),
    );
    for _ in 0..2 {
        let output = project
            .confab()
            .args(["chat", "--session", "s", "--message", "hi"])
            .env("OPENAI_API_KEY", "sk-test")
            .timeout(Duration::from_secs(30))
            .output()
            .expect("runs");
        assert_safe("chat stdout", &output.stdout);
        assert_safe("chat stderr", &output.stderr);
        let all = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(all.contains("\\u{1b}["), "the escapes are shown: {all}");
    }
}
