//! `sessions import --from TOOL` against a fake home holding files the real clients wrote
//! (recorded by `scripts/recording/`): found where the tool keeps them, narrowed to this
//! project, and imported again only when they changed, updated in place.

use std::path::{Path, PathBuf};

use predicates::str::contains;

use crate::util::Project;

const CLAUDE_MAIN: &str =
    "formats/claude-code/tests/fixtures/recorded/main/5b8f831c-7276-41c0-9604-c27f0b53f96d.jsonl";
/// The folder the Claude Code session ran in when it was recorded.
const CLAUDE_CWD: &str = "/tmp/confab-rec-claude.J6q7ZG/main/project";

const CODEX_EXEC: &str = "formats/codex/tests/fixtures/recorded/exec/sessions/2026/12/03/rollout-2026-12-03T17-32-02-01a23cf6-960a-7a31-99ae-8a9520aa2698.jsonl";
const CODEX_CWD: &str = "/tmp/confab-rec-codex.vtyL99/exec/project";

/// The second prompt typed in both recordings: a file cut before it holds one turn.
const SECOND_PROMPT: &str = "Which of them is a Python file?";

fn recorded(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(path).expect("recorded fixture")
}

/// `text` as if the session had run in `folder`.
fn moved_to(text: &str, from: &str, folder: &Path) -> String {
    text.replace(from, &folder.to_string_lossy())
}

/// The lines of `text` before the first that holds `marker`.
fn cut_before(text: &str, marker: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.contains(marker))
        .expect("marker present");
    let mut cut = lines[..at].join("\n");
    cut.push('\n');
    cut
}

fn write(path: &Path, content: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
    std::fs::write(path, content).expect("write");
    path.to_path_buf()
}

struct Homes {
    dir: tempfile::TempDir,
}

impl Homes {
    fn new() -> Homes {
        Homes {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn claude(&self) -> PathBuf {
        self.dir.path().join("claude")
    }

    fn codex(&self) -> PathBuf {
        self.dir.path().join("codex")
    }
}

fn from(project: &Project, homes: &Homes, tool: &str) -> assert_cmd::Command {
    let mut command = project.confab();
    command
        .env("CLAUDE_CONFIG_DIR", homes.claude())
        .env("CODEX_HOME", homes.codex())
        .args(["sessions", "import", "--from", tool]);
    command
}

#[test]
fn claude_code_sessions_of_this_project_are_imported_then_updated_in_place() {
    let project = Project::new();
    let homes = Homes::new();
    let whole = moved_to(&recorded(CLAUDE_MAIN), CLAUDE_CWD, project.path());
    let ours = homes.claude().join("projects/this-project/5b8f831c.jsonl");
    write(&ours, &cut_before(&whole, SECOND_PROMPT));
    // Another project's session, as recorded.
    write(
        &homes.claude().join("projects/other/5b8f831c-other.jsonl"),
        &recorded(CLAUDE_MAIN).replace("5b8f831c-7276", "9c9f831c-7276"),
    );

    from(&project, &homes, "claude-code")
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("would import").and(contains("1 new, 0 grown, 0 unchanged")));
    assert!(
        project.session_names().is_empty(),
        "a dry run imports nothing"
    );

    from(&project, &homes, "claude-code")
        .assert()
        .success()
        .stderr(contains("Imported 1 session from 1 file"));
    let names = project.session_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let first = show_json(&project, &names[0]);
    let typed = |session: &serde_json::Value| {
        session["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|message| message["role"] == "user")
            .count()
    };
    assert_eq!(typed(&first), 1);
    assert_eq!(
        first["session"]["metadata"]["imported_from"]["tool"],
        "claude-code"
    );

    from(&project, &homes, "claude-code")
        .assert()
        .success()
        .stderr(contains("Nothing new from claude-code (1 session already"));
    // The prompt cache's counts came along, and `show` says them.
    project
        .confab()
        .args(["sessions", "show", &names[0]])
        .assert()
        .success()
        .stdout(contains(" cached").and(contains(" cache writes")));

    // The person went on in Claude Code: the file grew by the second turn.
    write(&ours, &whole);
    from(&project, &homes, "claude-code")
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains(format!("would update {}", names[0])));
    from(&project, &homes, "claude-code").assert().success();
    assert_eq!(project.session_names(), names, "updated, not duplicated");
    let grown = show_json(&project, &names[0]);
    assert_eq!(typed(&grown), 2);
    assert!(
        grown["messages"].as_array().map(Vec::len) > first["messages"].as_array().map(Vec::len)
    );

    from(&project, &homes, "claude-code")
        .arg("--all-projects")
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("1 new, 0 grown, 1 unchanged"));
}

#[test]
fn a_claude_code_sub_agent_comes_with_its_parent_linked_to_the_call_that_started_it() {
    let project = Project::new();
    let homes = Homes::new();
    let recorded_folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("formats/claude-code/tests/fixtures/recorded/subagent");
    let cwd = "/tmp/confab-rec-claude.J6q7ZG/subagent/project";
    let target = homes.claude().join("projects/this-project");
    for entry in walkdir::WalkDir::new(&recorded_folder) {
        let entry = entry.expect("entry");
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(&recorded_folder).expect("inside");
        let text = std::fs::read_to_string(entry.path()).expect("read");
        write(
            &target.join(relative),
            &moved_to(&text, cwd, project.path()),
        );
    }
    from(&project, &homes, "claude-code")
        .assert()
        .success()
        .stderr(contains("Imported 2 sessions from 2 files"));
    let names = project.session_names();
    let parent = names
        .iter()
        .find(|name| !name.contains("-agent-"))
        .expect("the parent");
    let child = names
        .iter()
        .find(|name| name.contains("-agent-"))
        .expect("the sub-agent");
    let child = show_json(&project, child);
    let metadata = &child["session"]["metadata"];
    assert_eq!(metadata["parent_session"], parent.as_str());
    assert_eq!(
        metadata["parent_tool_call_id"],
        "toolu_01VzH3b8stL3uXoHDqaBC6LY"
    );
    assert_eq!(metadata["agent_type"], "general-purpose");
    let parent = show_json(&project, parent);
    let calls: Vec<String> = parent["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .flat_map(|message| {
            message["tool_calls"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|call| call["id"].as_str().map(str::to_owned))
        .collect();
    assert!(
        calls
            .iter()
            .any(|id| id == "toolu_01VzH3b8stL3uXoHDqaBC6LY"),
        "{calls:?}"
    );
    // Both keyed: a second run finds nothing new.
    from(&project, &homes, "claude-code")
        .assert()
        .success()
        .stderr(contains("Nothing new from claude-code (2 sessions"));
}

#[test]
fn codex_rollouts_are_found_by_date_folder_and_narrowed_by_age() {
    let project = Project::new();
    let homes = Homes::new();
    let rollout = homes
        .codex()
        .join("sessions/2026/12/03/rollout-2026-12-03T17-32-02-01a23cf6.jsonl");
    write(
        &rollout,
        &moved_to(&recorded(CODEX_EXEC), CODEX_CWD, project.path()),
    );
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(30 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&rollout)
        .and_then(|file| file.set_modified(old))
        .expect("file time");

    from(&project, &homes, "codex")
        .args(["--since", "7d", "--dry-run"])
        .assert()
        .success()
        .stdout(contains("0 new, 0 grown, 0 unchanged"));
    from(&project, &homes, "codex")
        .args(["--since", "60d"])
        .assert()
        .success()
        .stderr(contains("Imported 1 session from 1 file"));
    let names = project.session_names();
    assert_eq!(names.len(), 1);
    let session = show_json(&project, &names[0]);
    assert_eq!(session["session"]["provider"], "openai");
}

#[test]
fn a_tool_without_history_is_an_error_naming_where_it_looked() {
    let project = Project::new();
    let homes = Homes::new();
    from(&project, &homes, "codex")
        .assert()
        .code(1)
        .stderr(contains("no codex history at").and(contains("hint: set CODEX_HOME")));
    project
        .confab()
        .args(["sessions", "import", "--all-projects", "x.json"])
        .assert()
        .code(2)
        .stderr(contains("--from"));
}

fn show_json(project: &Project, name: &str) -> serde_json::Value {
    let output = project
        .confab()
        .args(["sessions", "export", name, "-o", "-", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("json")
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn opencode_sessions_are_read_from_its_database() {
    let project = Project::new();
    let data = tempfile::tempdir().expect("temp dir");
    let database = data.path().join("opencode/opencode.db");
    std::fs::create_dir_all(database.parent().expect("parent")).expect("folders");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("formats/opencode/tests/fixtures/recorded/data/opencode/opencode.db"),
        &database,
    )
    .expect("copy the recorded database");
    // As if the session had run in this project.
    let connection = rusqlite::Connection::open(&database).expect("opens");
    connection
        .execute(
            "UPDATE session SET directory = ?1",
            [project.path().to_string_lossy()],
        )
        .expect("moved");
    let from_opencode = || {
        let mut command = project.confab();
        command
            .env("XDG_DATA_HOME", data.path())
            .args(["sessions", "import", "--from", "opencode"]);
        command
    };
    from_opencode()
        .assert()
        .success()
        .stderr(contains("Imported 1 session from 1 file"));
    let names = project.session_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let session = show_json(&project, &names[0]);
    let users: Vec<&str> = session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|message| message["role"] == "user")
        .filter_map(|message| message["content"].as_str())
        .collect();
    assert_eq!(users.len(), 2, "the two typed prompts: {users:?}");
    assert_eq!(
        session["session"]["metadata"]["imported_from"]["tool"],
        "opencode"
    );
    from_opencode()
        .assert()
        .success()
        .stderr(contains("Nothing new from opencode (1 session already"));
    connection
        .execute("UPDATE session SET time_updated = time_updated + 1000", [])
        .expect("touched");
    from_opencode().assert().success();
    assert_eq!(project.session_names(), names, "updated, not duplicated");
}

#[test]
fn gemini_recordings_are_found_by_their_project_folder_one_per_session() {
    let project = Project::new();
    let home = tempfile::tempdir().expect("temp dir");
    let chats = home.path().join(".gemini/tmp/demo-project/chats");
    let recorded = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("formats/gemini/tests/fixtures/recorded/resume-across-minute");
    for entry in std::fs::read_dir(&recorded).expect("recorded") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name");
        std::fs::create_dir_all(&chats).expect("folders");
        std::fs::copy(&path, chats.join(name)).expect("copy");
    }
    // Gemini CLI notes the project's folder beside `chats/`.
    write(
        &home.path().join(".gemini/tmp/demo-project/.project_root"),
        &project.path().to_string_lossy(),
    );
    // Another project's chat is left alone.
    let other = home.path().join(".gemini/tmp/other/chats");
    std::fs::create_dir_all(&other).expect("folders");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(
            "formats/gemini/tests/fixtures/recorded/auto-recording/session-2026-12-03T17-47-6f277609.jsonl",
        ),
        other.join("session-2026-12-03T17-47-6f277609.jsonl"),
    )
    .expect("copy");
    write(
        &home.path().join(".gemini/tmp/other/.project_root"),
        "/elsewhere",
    );

    project
        .confab()
        .env("GEMINI_CLI_HOME", home.path())
        .args(["sessions", "import", "--from", "gemini"])
        .assert()
        .success()
        .stderr(contains("Imported 1 session from 1 file"));
    let names = project.session_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let session = show_json(&project, &names[0]);
    assert_eq!(session["session"]["provider"], "google");
    let roles: Vec<&str> = session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|message| message["role"].as_str())
        .collect();
    assert_eq!(
        roles.first(),
        Some(&"system"),
        "the context block: {roles:?}"
    );
    assert!(
        roles.contains(&"tool"),
        "the shell call's result: {roles:?}"
    );
}

#[test]
fn a_session_that_went_on_in_confab_is_never_replaced_from_its_file() {
    let provider = crate::fake_provider::FakeProvider::start();
    let project = Project::new();
    project.write(
        "confab.yaml",
        format!(
            "providers:\n  anthropic:\n    base_url: {}\n",
            provider.url()
        ),
    );
    let homes = Homes::new();
    let whole = moved_to(&recorded(CLAUDE_MAIN), CLAUDE_CWD, project.path());
    let file = homes.claude().join("projects/this-project/5b8f831c.jsonl");
    write(&file, &cut_before(&whole, SECOND_PROMPT));
    from(&project, &homes, "claude-code").assert().success();
    let name = project.session_names().remove(0);

    // A turn here, in confab.
    provider.push(crate::fake_provider::anthropic_answer(
        "claude-opus-5-5",
        "Answered in confab.",
        (5, 2),
    ));
    project
        .confab()
        .env("ANTHROPIC_API_KEY", "sk-ant-test")
        .args([
            "chat",
            "--session",
            &name,
            "--message",
            "One more question",
            "--no-stream",
        ])
        .assert()
        .success();
    let before = show_json(&project, &name);

    // And a turn there, in Claude Code.
    write(&file, &whole);
    from(&project, &homes, "claude-code")
        .assert()
        .success()
        .stderr(contains(format!(
            "warning: {name} went on in confab since it was imported"
        )));
    assert_eq!(
        show_json(&project, &name)["messages"],
        before["messages"],
        "nothing lost"
    );
}

#[test]
fn a_renamed_session_is_still_the_one_its_file_updates() {
    let project = Project::new();
    let homes = Homes::new();
    let whole = moved_to(&recorded(CLAUDE_MAIN), CLAUDE_CWD, project.path());
    let file = homes.claude().join("projects/this-project/5b8f831c.jsonl");
    write(&file, &cut_before(&whole, SECOND_PROMPT));
    from(&project, &homes, "claude-code").assert().success();
    let name = project.session_names().remove(0);
    project
        .confab()
        .args(["sessions", "rename", &name, "renamed"])
        .assert()
        .success();

    from(&project, &homes, "claude-code")
        .assert()
        .success()
        .stderr(contains("Nothing new from claude-code (1 session already"));
    write(&file, &whole);
    from(&project, &homes, "claude-code")
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains("would update renamed from"));
    from(&project, &homes, "claude-code").assert().success();
    assert_eq!(
        project.session_names(),
        ["renamed"],
        "updated, not duplicated"
    );
    let user_turns = show_json(&project, "renamed")["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|message| message["role"] == "user")
        .count();
    assert_eq!(
        user_turns, 2,
        "the second turn arrived in the renamed session"
    );
}

#[test]
fn a_fork_of_an_imported_session_is_not_taken_for_it() {
    let project = Project::new();
    let homes = Homes::new();
    let whole = moved_to(&recorded(CLAUDE_MAIN), CLAUDE_CWD, project.path());
    let file = homes.claude().join("projects/this-project/5b8f831c.jsonl");
    write(&file, &cut_before(&whole, SECOND_PROMPT));
    from(&project, &homes, "claude-code").assert().success();
    let name = project.session_names().remove(0);
    // "zz-fork" sorts after the original's name: a fork claiming the file too would be the
    // last record of it read, and taken for the session the file became.
    project
        .confab()
        .args(["sessions", "fork", &name, "zz-fork"])
        .assert()
        .success();
    let fork = show_json(&project, "zz-fork");
    assert!(
        fork["session"]["metadata"].get("imported_from").is_none(),
        "{fork}"
    );

    write(&file, &whole);
    from(&project, &homes, "claude-code")
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(contains(format!("would update {name} from")));
    from(&project, &homes, "claude-code").assert().success();
    let mut names = vec!["zz-fork".to_owned(), name.clone()];
    names.sort();
    assert_eq!(project.session_names(), names, "no third session");
    assert_eq!(
        show_json(&project, "zz-fork")["messages"],
        fork["messages"],
        "the fork is not updated from the file"
    );
    let grown = show_json(&project, &name)["messages"]
        .as_array()
        .map(Vec::len);
    assert!(grown > fork["messages"].as_array().map(Vec::len));
}
