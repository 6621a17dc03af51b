//! `confab chat` at a terminal: the interactive prompt, driven through a real pseudo-terminal.
//!
//! The prompt's behaviour lives where no pipe can reach it: line editing needs a terminal, and
//! Ctrl-C only becomes SIGINT through a terminal's line discipline. So these tests start confab
//! on a pty (rexpect), type at it, and read the screen, against the same fake provider as the
//! one-shot tests.

use rexpect::session::{PtySession, spawn_command};

use crate::fake_provider::{FakeProvider, Reply, openai_drip, openai_stream};
use crate::util::Project;

/// How long any expected output may take to appear before the test fails.
const PATIENCE_MS: u64 = 20_000;

fn project(provider: &FakeProvider) -> Project {
    let project = Project::new();
    project.write(
        "confab.yaml",
        format!(
            "providers:\n  openai:\n    base_url: {}/v1\n    model: gpt-test\n    timeout: 30\n",
            provider.url()
        ),
    );
    project
}

fn prompt(project: &Project, session: &str) -> PtySession {
    let mut command = project.command();
    command
        .args(["chat", "--session", session])
        .env("OPENAI_API_KEY", "sk-test")
        .env("TERM", "dumb");
    spawn_command(command, Some(PATIENCE_MS)).expect("confab starts on a pty")
}

fn messages(project: &Project, name: &str) -> Vec<(String, String)> {
    let output = project
        .confab()
        .args(["sessions", "export", name, "-o", "-"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let checkpoint: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    checkpoint["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| {
            (
                message["role"].as_str().unwrap_or("?").to_owned(),
                message["content"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_prompt_chats_exports_helps_and_exits() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["Hello ", "back."], (5, 2)));
    let mut pty = prompt(&project, "desk");
    pty.exp_string("New session desk with openai/gpt-test")
        .expect("the banner");
    pty.exp_string("you> ").expect("a prompt");
    pty.send_line("Hello there").expect("typed");
    pty.exp_string("Hello back.").expect("the answer, streamed");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/help").expect("typed");
    pty.exp_string("/export FILE").expect("the help");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/export desk.yaml --redact").expect("typed");
    pty.exp_string("Exported session desk to desk.yaml")
        .expect("exported");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/nonsense").expect("typed");
    pty.exp_string("unknown command /nonsense")
        .expect("refused");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/exit").expect("typed");
    pty.exp_eof().expect("confab exits");

    assert_eq!(
        messages(&project, "desk"),
        [
            ("user".to_owned(), "Hello there".to_owned()),
            ("assistant".to_owned(), "Hello back.".to_owned())
        ]
    );
    project
        .confab()
        .args(["sessions", "validate", "desk.yaml"])
        .assert()
        .success();
    assert!(
        project.read(".confab/chat-history").contains("Hello there"),
        "the prompt keeps its history"
    );
}

#[test]
fn ctrl_c_stops_an_answer_and_keeps_the_session_and_the_prompt() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["First answer."], (5, 2)));
    provider.push(Reply::Silence);
    provider.push(openai_stream("gpt-test", &["Third answer."], (9, 2)));
    let mut pty = prompt(&project, "desk");
    pty.exp_string("you> ").expect("a prompt");
    pty.send_line("One").expect("typed");
    pty.exp_string("First answer.").expect("answered");
    pty.exp_string("you> ").expect("the next prompt");

    pty.send_line("Two, which never gets an answer")
        .expect("typed");
    // Wait until the request is on its way, then press Ctrl-C.
    while provider.requests().len() < 2 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    pty.send_control('c').expect("Ctrl-C");
    pty.exp_string("cancelled").expect("says it cancelled");
    pty.exp_string("you> ").expect("the prompt is back");

    pty.send_line("Three").expect("typed");
    pty.exp_string("Third answer.").expect("answered");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_control('d').expect("Ctrl-D");
    pty.exp_eof().expect("confab exits");

    assert_eq!(
        messages(&project, "desk"),
        [
            ("user".to_owned(), "One".to_owned()),
            ("assistant".to_owned(), "First answer.".to_owned()),
            ("user".to_owned(), "Three".to_owned()),
            ("assistant".to_owned(), "Third answer.".to_owned()),
        ],
        "the cancelled turn left nothing behind"
    );
    let third = provider.last_request();
    assert_eq!(
        third.roles(),
        ["user", "assistant", "user"],
        "the cancelled message was not sent again as history"
    );
}

#[test]
fn ctrl_c_stops_an_answer_that_is_still_streaming() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    // Ten seconds of steady text, a piece every 20 ms: the channel is never quiet for long.
    provider.push(openai_drip(
        "gpt-test",
        500,
        std::time::Duration::from_millis(20),
    ));
    provider.push(openai_stream("gpt-test", &["After."], (9, 2)));
    let mut pty = prompt(&project, "desk");
    pty.exp_string("you> ").expect("a prompt");
    pty.send_line("Talk for a long time").expect("typed");
    pty.exp_string("tick 3 ").expect("the answer is streaming");
    pty.send_control('c').expect("Ctrl-C");
    pty.exp_string("cancelled").expect("says it cancelled");
    pty.exp_string("you> ").expect("the prompt is back");
    pty.send_line("Short, please").expect("typed");
    pty.exp_string("After.").expect("answered");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/exit").expect("typed");
    pty.exp_eof().expect("confab exits");
    assert_eq!(
        messages(&project, "desk"),
        [
            ("user".to_owned(), "Short, please".to_owned()),
            ("assistant".to_owned(), "After.".to_owned()),
        ],
        "the stopped answer was not saved"
    );
}

/// One turn at the prompt, then `/exit`; `env` goes to confab.
fn one_turn(project: &Project, provider: &FakeProvider, env: &[(&str, &str)]) -> String {
    provider.push(openai_stream("gpt-test", &["Noted."], (5, 2)));
    let mut command = project.command();
    command
        .args(["chat", "--session", "desk"])
        .env("OPENAI_API_KEY", "sk-test")
        .env("TERM", "dumb");
    for (key, value) in env {
        command.env(key, value);
    }
    let mut pty = spawn_command(command, Some(PATIENCE_MS)).expect("confab starts on a pty");
    let banner = pty.exp_string("you> ").expect("a prompt");
    pty.send_line("my password is hunter2").expect("typed");
    pty.exp_string("Noted.").expect("answered");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/exit").expect("typed");
    let end = pty.exp_eof().expect("confab exits");
    format!("{banner}{end}")
}

#[test]
fn a_history_file_that_is_a_link_is_never_followed() {
    use std::os::unix::fs::PermissionsExt;
    let provider = FakeProvider::start();
    let project = project(&provider);
    // What a cloned repository could ship: .confab/chat-history pointing at a file of yours.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let victim = elsewhere.path().join("precious");
    std::fs::write(&victim, "precious\n").expect("write");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::create_dir_all(project.path().join(".confab")).expect("mkdir");
    let link = project.path().join(".confab/chat-history");
    std::os::unix::fs::symlink(&victim, &link).expect("symlink");

    let screen = one_turn(&project, &provider, &[]);
    assert_eq!(
        std::fs::read_to_string(&victim).expect("read"),
        "precious\n"
    );
    let mode = std::fs::metadata(&victim)
        .expect("stat")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o644,
        "the target's permissions are untouched"
    );
    assert!(link.symlink_metadata().expect("lstat").is_symlink());
    assert!(
        screen.contains("not using the prompt history") && screen.contains("symbolic link"),
        "{screen}"
    );
    assert_eq!(messages(&project, "desk").len(), 2, "the chat went on");
}

#[test]
fn chat_history_can_be_turned_off() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    let history = project.path().join(".confab/chat-history");
    one_turn(&project, &provider, &[("CONFAB_CHAT_HISTORY", "false")]);
    assert!(
        !history.exists(),
        "no history with CONFAB_CHAT_HISTORY=false"
    );
    project.write(
        "confab.yaml",
        format!(
            "chat:\n  history: false\nproviders:\n  openai:\n    base_url: {}/v1\n    model: gpt-test\n",
            provider.url()
        ),
    );
    one_turn(&project, &provider, &[]);
    assert!(!history.exists(), "no history with chat.history: false");
    assert_eq!(
        messages(&project, "desk").len(),
        4,
        "both chats were recorded"
    );
    one_turn(&project, &provider, &[("CONFAB_CHAT_HISTORY", "true")]);
    assert!(
        project.read(".confab/chat-history").contains("hunter2"),
        "the environment turns it back on"
    );
}

#[test]
fn the_prompt_shows_what_others_said_in_the_session_before_the_next_turn() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["First answer."], (1, 1)));
    let mut pty = prompt(&project, "shared");
    pty.exp_string("you> ").expect("a prompt");
    pty.send_line("Alice starts").expect("typed");
    pty.exp_string("First answer.").expect("the answer");
    pty.exp_string("you> ").expect("the next prompt");

    // Bob chats in the same session from elsewhere while Alice's prompt waits.
    provider.push(openai_stream("gpt-test", &["Answer to Bob."], (1, 1)));
    let bob = project
        .confab()
        .args(["chat", "--session", "shared", "--message", "Bob chimes in"])
        .env("OPENAI_API_KEY", "sk-test")
        .env("CONFAB_USER", "bob")
        .output()
        .expect("runs");
    assert!(bob.status.success(), "{bob:?}");

    provider.push(openai_stream("gpt-test", &["Third answer."], (1, 1)));
    pty.send_line("Alice again").expect("typed");
    pty.exp_string("note: bob added 2 messages to shared since your last message")
        .expect("Bob's turn is announced");
    pty.exp_string("Bob chimes in").expect("and shown");
    pty.exp_string("Third answer.").expect("the answer");
    pty.exp_string("you> ").expect("the next prompt");
    pty.send_line("/exit").expect("typed");
    pty.exp_eof().expect("ends");

    // Alice's turn came after Bob's, asked with it, and nothing was asked twice.
    assert_eq!(
        messages(&project, "shared")
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>(),
        [
            "Alice starts",
            "First answer.",
            "Bob chimes in",
            "Answer to Bob.",
            "Alice again",
            "Third answer."
        ]
    );
    assert_eq!(provider.requests().len(), 3);
}
