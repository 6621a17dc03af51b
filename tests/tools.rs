//! Importing other AI tools' histories: the format is found from the content when the
//! extension does not decide, `--format` overrides, and what could not be mapped is said. The
//! tools' files are the format crates' own fixtures (`formats/<tool>/tests/fixtures/`).

use predicates::str::contains;

use crate::util::{Project, fixture_path};

#[test]
fn each_tool_is_recognised_by_its_content() {
    for (file, format, name) in [
        (
            "../../formats/claude-code/tests/fixtures/session.jsonl",
            "claude-code",
            "claude-code-7f3c2a1e",
        ),
        (
            "../../formats/codex/tests/fixtures/rollout-2025-08-14T10-02-11-legacy.jsonl",
            "codex",
            "codex-5973b6c0",
        ),
        (
            "../../formats/gemini/tests/fixtures/shared-chat.json",
            "gemini",
            "gemini-a8b96bf3",
        ),
        (
            "../../formats/openai/tests/fixtures/request-body.json",
            "openai",
            "openai-171f820c",
        ),
    ] {
        let project = Project::new();
        let path = project.fixture(file);
        project
            .confab()
            .args(["sessions", "validate"])
            .arg(&path)
            .assert()
            .success()
            .stdout(contains(format!("({format} {name},")));
        project
            .confab()
            .args(["sessions", "import"])
            .arg(&path)
            .assert()
            .success()
            .stderr(contains(format!("Imported session {name}")));
        // And it travels on as an ordinary checkpoint.
        project
            .confab()
            .args(["sessions", "export", name, "-o", "out.yaml"])
            .assert()
            .success();
        project
            .confab()
            .args(["sessions", "validate", "out.yaml"])
            .assert()
            .success();
    }
}

#[test]
fn what_could_not_be_mapped_is_said() {
    let project = Project::new();
    let path = project.fixture("../../formats/claude-code/tests/fixtures/session.jsonl");
    let output = project
        .confab()
        .args(["sessions", "import"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().any(|line| line.starts_with("note: ")),
        "{stderr}"
    );
}

#[test]
fn format_overrides_detection() {
    let project = Project::new();
    let path = project.fixture("../../formats/openai/tests/fixtures/request-body.json");
    project
        .confab()
        .args(["sessions", "import", "--format", "json"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("is not a valid checkpoint"));
    project
        .confab()
        .args(["sessions", "import", "--format", "openai"])
        .arg(&path)
        .assert()
        .success();
    // A file renamed to something no format claims is still found by its content.
    let renamed = project.path().join("history.log");
    std::fs::copy(
        fixture_path("../../formats/codex/tests/fixtures/rollout-2025-08-14T10-02-11-legacy.jsonl"),
        &renamed,
    )
    .expect("copy");
    project
        .confab()
        .args(["sessions", "import"])
        .arg(&renamed)
        .assert()
        .success()
        .stderr(contains("codex-"));
}

#[test]
fn malformed_transcripts_name_the_line() {
    let project = Project::new();
    let path = project.fixture("../../formats/claude-code/tests/fixtures/malformed.jsonl");
    project
        .confab()
        .args(["sessions", "import", "--format", "claude-code"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(contains("malformed.jsonl:"))
        .stderr(contains("line"));
    assert!(project.session_names().is_empty());
}

#[test]
fn no_two_formats_are_sure_of_the_same_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut folders = vec![
        root.join("tests/fixtures/atmos"),
        root.join("tests/fixtures/readme"),
        root.join("examples"),
    ];
    for tool in ["openai", "claude-code", "codex", "gemini"] {
        folders.push(root.join("formats").join(tool).join("tests/fixtures"));
    }
    let mut checked = 0;
    for folder in folders {
        for entry in std::fs::read_dir(&folder).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() || path.extension().is_some_and(|extension| extension == "rs") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("fixture");
            let sure: Vec<&str> = confab_core::decoders()
                .into_iter()
                .filter(|decoder| decoder.decode.sniff(&bytes) == confab_core::Sniff::Yes)
                .map(|decoder| decoder.name())
                .collect();
            assert!(sure.len() <= 1, "{} is claimed by {sure:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} fixtures found");
}

#[test]
fn corrupted_transcripts_are_errors_not_panics() {
    // Truncations and mutations of every fixture run through every decoder in fuzz_smoke.rs;
    // here: invalid UTF-8 inside a tool's own file is an error from that tool's format.
    for (file, format) in [
        (
            "../../formats/claude-code/tests/fixtures/session.jsonl",
            "claude-code",
        ),
        (
            "../../formats/codex/tests/fixtures/rollout-2025-08-14T10-02-11-legacy.jsonl",
            "codex",
        ),
        (
            "../../formats/gemini/tests/fixtures/shared-chat.json",
            "gemini",
        ),
        (
            "../../formats/openai/tests/fixtures/request-body.json",
            "openai",
        ),
    ] {
        let mut bytes = std::fs::read(fixture_path(file)).expect("fixture");
        for index in (0..bytes.len()).step_by(97) {
            bytes[index] = 0xff;
        }
        let format = confab_core::format_by_name(format).expect("registered");
        let decoder = format.decoder().expect("a decoder");
        assert!(
            decoder
                .decode(&bytes, &mut confab_core::CollectMessages::default())
                .is_err(),
            "{file}: invalid UTF-8 is an error"
        );
    }
}
