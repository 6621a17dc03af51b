//! Checkpoints from strangers: every hostile input gets a clear error (or is made harmless), never
//! a panic, never a changed store.

use predicates::str::contains;
use serde_json::{Value, json};

use crate::util::{Project, fixture_path};

fn valid() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    )
    .expect("JSON")
}

/// Imports `file` and expects a failure whose stderr contains `expected`; the store stays as it was.
fn refused(project: &Project, file: &str, expected: &str) {
    refused_with(project, file, expected, 1);
}

/// [`refused`], with the exit code expected: 2 for an input that cannot be read at all.
fn refused_with(project: &Project, file: &str, expected: &str, code: i32) {
    let before = project.session_names();
    let output = project
        .confab()
        .args(["sessions", "import", file])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{file}: {stderr}");
    assert!(
        stderr.contains(expected),
        "{file}: expected {expected:?} in:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(project.session_names(), before, "{file} changed the store");
}

#[test]
fn files_over_the_size_limit_are_refused_before_reading() {
    let project = Project::new();
    project.write("confab.yaml", "import:\n  max_size: 1KiB\n");
    project.write("big.json", valid().to_string());
    // An input that cannot be read is exit 2, as in `validate`.
    refused_with(
        &project,
        "big.json",
        "big.json is larger than the import limit of 1 KiB",
        2,
    );
    project
        .confab()
        .args(["sessions", "import", "-"])
        .write_stdin(valid().to_string())
        .assert()
        .code(2)
        .stderr(contains(
            "standard input is larger than the import limit of 1 KiB",
        ));
    project
        .confab()
        .env("CONFAB_IMPORT_MAX_SIZE", "1MiB")
        .args(["sessions", "import", "big.json"])
        .assert()
        .success();
    project.write("confab.yaml", "import:\n  max_size: lots\n");
    project
        .confab()
        .args(["sessions", "list"])
        .assert()
        .code(1)
        .stderr(contains("invalid size \"lots\""));
}

#[test]
fn yaml_alias_bombs_and_deep_nesting_are_refused() {
    let project = Project::new();
    let mut bomb = String::from("version: \"1.0\"\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..15 {
        let items = vec![format!("*a{}", level - 1); 10].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    project.write("bomb.yaml", &bomb);
    refused(&project, "bomb.yaml", "alias");
    project.write(
        "deep.json",
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    refused(
        &project,
        "deep.json",
        "deep.json:1:128: recursion limit exceeded",
    );
    let mut deep = String::from("version: \"1.0\"\nsession:\n");
    for depth in 1..200 {
        deep.push_str(&format!("{}k:\n", "  ".repeat(depth)));
    }
    project.write("deep.yaml", deep);
    refused(&project, "deep.yaml", "nested deeper than 64 levels");
}

#[test]
fn invalid_utf8_and_nul_bytes_are_located() {
    let project = Project::new();
    let mut json = valid().to_string().into_bytes();
    let at = json.windows(7).position(|w| w == b"Pending").expect("text");
    json[at] = 0xff;
    project.write("latin1.json", &json);
    refused(&project, "latin1.json", "latin1.json:1:");
    project.write(
        "latin1.yaml",
        b"version: \"1.0\"\nsession:\n  name: caf\xe9\n",
    );
    refused(&project, "latin1.yaml", "latin1.yaml:3:12: invalid UTF-8");
    project.write("nul.json", b"{\"version\": \"1.0\"\0}");
    refused(&project, "nul.json", "nul.json:1:");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let project = Project::new();
    let mut json = b"\xEF\xBB\xBF".to_vec();
    json.extend(valid().to_string().into_bytes());
    project.write("bom.json", &json);
    let mut yaml = b"\xEF\xBB\xBF".to_vec();
    yaml.extend(std::fs::read(fixture_path("atmos/vpc-migration.yaml")).expect("fixture"));
    project.write("bom.yaml", &yaml);
    project
        .confab()
        .args(["sessions", "import", "bom.json"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "import", "bom.yaml"])
        .assert()
        .success();
    assert_eq!(project.session_names().len(), 2);
}

#[test]
fn escape_sequences_never_reach_the_terminal_raw() {
    let project = Project::new();
    let mut hostile = valid();
    hostile["session"]["name"] = json!("evil\u{1b}]0;owned\u{7}");
    project.write("evil-name.json", hostile.to_string());
    refused(
        &project,
        "evil-name.json",
        "invalid session name \"evil\\u{1b}]0;owned\\u{7}\"",
    );

    let mut hostile = valid();
    hostile["session"]["model"] = json!("gpt\u{1b}[2J");
    hostile["messages"][0]["content"] = json!("\u{1b}[31mred\u{0}nul\u{9b}c1");
    project.write("evil-content.json", hostile.to_string());
    project
        .confab()
        .args(["sessions", "import", "evil-content.json"])
        .assert()
        .success();
    for args in [
        vec!["sessions", "list", "--format", "table"],
        vec!["sessions", "show", "eks-troubleshooting"],
        vec!["sessions", "import", "evil-content.json"],
    ] {
        let output = project.confab().args(&args).output().expect("runs");
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\0'),
                "{args:?}: {text:?}"
            );
        }
    }
    // Export keeps the content exactly: the file is data, not terminal output.
    let output = project
        .confab()
        .args(["sessions", "export", "eks-troubleshooting", "-o", "-"])
        .output()
        .expect("runs");
    let exported: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        exported["messages"][0]["content"],
        "\u{1b}[31mred\u{0}nul\u{9b}c1"
    );
}

#[test]
fn path_like_names_are_refused_everywhere() {
    let project = Project::new();
    project.write("ok.json", valid().to_string());
    for name in ["../x", "/etc/passwd", "a/b", ".hidden", "-rf", "a b", ""] {
        project
            .confab()
            .args(["sessions", "import", "ok.json", &format!("--name={name}")])
            .assert()
            .code(1)
            .stderr(contains("invalid session name"))
            .stderr(contains("a name starts with a letter or digit"));
    }
    assert!(project.session_names().is_empty());
}

#[test]
fn numbers_out_of_range_are_clear_errors() {
    let project = Project::new();
    let with_tokens = |tokens: &str| {
        valid().to_string().replacen(
            "\"role\":\"assistant\"",
            &format!("\"role\":\"assistant\",\"usage\":{{\"input_tokens\":{tokens}}}"),
            1,
        )
    };
    project.write("overflow.json", with_tokens("1e400"));
    refused(
        &project,
        "overflow.json",
        "/messages/1/usage/input_tokens: 1e+400 is not of type \"integer\"",
    );
    project.write("negative.json", with_tokens("-5"));
    refused(
        &project,
        "negative.json",
        "/messages/1/usage/input_tokens: -5 is less than the minimum of 0",
    );
    project.write("u64.json", with_tokens("18446744073709551616"));
    refused(&project, "u64.json", "/messages/1");
    project.write("i64.json", with_tokens("9223372036854775808"));
    refused(
        &project,
        "i64.json",
        "/messages/1/usage/input_tokens: 9223372036854775808 is greater than the maximum of 9223372036854775807",
    );
    assert!(
        !project.path().join(".confab/sessions.db").exists() || project.session_names().is_empty()
    );
}
