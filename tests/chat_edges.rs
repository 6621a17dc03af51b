//! `confab chat` against a provider or a project that does not play fair: redirects that would
//! carry the key elsewhere, credentials in a base URL, answers without end, keep-alives without
//! content, and input without limit. Each test would fail against a chat that trusted them.

use std::time::Duration;

use serde_json::json;

use crate::chat::{chat, chat_fails, chat_ok, export, project, settings};
use crate::fake_provider::{FakeProvider, Reply, anthropic_stream, openai_drip, openai_stream};
use crate::util::Project;

/// `confab.yaml` of [`settings`] plus a `chat:` section.
fn with_chat(provider: &FakeProvider, timeout: u32, chat: &str) -> Project {
    let project = Project::new();
    project.write(
        "confab.yaml",
        format!("{}chat:\n{chat}", settings(&provider.url(), timeout)),
    );
    project
}

#[test]
fn a_redirect_is_not_followed_so_no_key_reaches_another_origin() {
    let provider = FakeProvider::start();
    // Another port of 127.0.0.1 is another origin.
    let elsewhere = FakeProvider::start();
    let project = project(&provider);
    for (status, api) in [(302, "anthropic"), (303, "openai"), (307, "anthropic")] {
        let path = if api == "anthropic" {
            "/v1/messages"
        } else {
            "/v1/chat/completions"
        };
        provider.push(Reply::Redirect {
            status,
            location: format!("{}{path}", elsewhere.url()),
        });
        elsewhere.push(anthropic_stream("claude-test", &["Hi."], (1, 1)));
        let stderr = chat_fails(
            &project,
            &["--provider", api, "--session", "s", "--message", "Hi"],
        );
        assert!(
            stderr.contains(&format!(
                "answered {status}, a redirect to {}",
                elsewhere.url()
            )),
            "{stderr}"
        );
        assert!(stderr.contains("does not follow redirects"), "{stderr}");
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the other origin got requests: {:#?}",
        elsewhere.requests()
    );
    assert_eq!(provider.requests().len(), 3);
    assert!(project.session_names().is_empty());
}

#[test]
fn credentials_in_a_base_url_are_never_printed() {
    const SECRET: &str = "TOPSECRET-p4ss";
    let provider = FakeProvider::start();
    let with_userinfo = provider.url().replace("://", &format!("://me:{SECRET}@"));
    let project = Project::new();
    project.write("confab.yaml", settings(&with_userinfo, 2));

    // An error status: the message names the endpoint.
    provider.push(crate::fake_provider::openai_error(404, "no such model"));
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Hi"]);
    assert!(stderr.contains("answered 404"), "{stderr}");
    assert!(stderr.contains("://***@127.0.0.1:"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");

    // Nobody listening: the error and the hint name the URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    project.write(
        "confab.yaml",
        settings(&format!("http://me:{SECRET}@127.0.0.1:{port}"), 2),
    );
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Hi"]);
    assert!(stderr.contains("cannot reach"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");

    // Not even a URL.
    project.write(
        "confab.yaml",
        settings(&format!("me:{SECRET}@127.0.0.1:{port}"), 2),
    );
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Hi"]);
    assert!(stderr.contains("not an http(s) URL"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn keep_alives_without_content_time_out() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    project.write("confab.yaml", settings(&provider.url(), 1));
    // Four seconds of comments, one every 100 ms (the client's read timeout never fires), and
    // only then an answer: too late, the provider has been silent for longer than its timeout.
    let Reply::Answer { body, .. } = openai_stream("gpt-test", &["Too late."], (1, 1)) else {
        unreachable!("a stream is an answer")
    };
    let mut events = vec![": keep-alive\n\n".to_owned(); 40];
    events.push(body);
    provider.push(Reply::Drip {
        events,
        every: Duration::from_millis(100),
    });
    let output = chat(&project)
        .args(["--session", "s", "--message", "Hello?"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stderr.contains("did not answer within 1 s"), "{stderr}");
    assert!(stderr.contains("providers.openai.timeout"), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("Too late."));
    assert!(project.session_names().is_empty());
}

#[test]
fn an_answer_larger_than_the_limit_is_refused() {
    let provider = FakeProvider::start();
    let project = with_chat(&provider, 5, "  max_answer_size: 4KiB\n");
    provider.push(openai_drip("gpt-test", 2000, Duration::ZERO));
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Talk"]);
    assert!(stderr.contains("larger than 4096 bytes"), "{stderr}");
    assert!(stderr.contains("chat.max_answer_size"), "{stderr}");
    // Whole answers too.
    provider.push(crate::fake_provider::openai_answer(
        "gpt-test",
        &"x".repeat(8000),
        (1, 1),
    ));
    let stderr = chat_fails(
        &project,
        &["--session", "s", "--no-stream", "--message", "Talk"],
    );
    assert!(stderr.contains("larger than 4096 bytes"), "{stderr}");
    assert!(project.session_names().is_empty());
}

#[test]
fn an_answer_that_goes_on_past_the_time_limit_is_stopped() {
    let provider = FakeProvider::start();
    let project = with_chat(&provider, 5, "  max_duration: 1\n");
    // Text every 100 ms for four seconds: never silent, never done in time.
    provider.push(openai_drip("gpt-test", 40, Duration::from_millis(100)));
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Talk"]);
    assert!(
        stderr.contains("did not finish its answer within 1 s"),
        "{stderr}"
    );
    assert!(stderr.contains("chat.max_duration"), "{stderr}");
    assert!(project.session_names().is_empty());
}

#[test]
fn reading_stops_at_the_end_of_the_answer() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    // A complete Anthropic answer, then more that is not even events: never read.
    let Reply::Answer { body, .. } = anthropic_stream("claude-test", &["Done."], (3, 1)) else {
        unreachable!("a stream is an answer")
    };
    let mut events: Vec<String> = body.split_inclusive("\n\n").map(str::to_owned).collect();
    events.extend(std::iter::repeat_n("data: {not json\n\n".to_owned(), 20));
    provider.push(Reply::Drip {
        events,
        every: Duration::from_millis(10),
    });
    assert_eq!(
        chat_ok(
            &project,
            &[
                "--provider",
                "anthropic",
                "--session",
                "s",
                "--message",
                "Hi"
            ]
        ),
        "Done.\n"
    );
    let session = export(&project, "s");
    assert_eq!(session["messages"][1]["content"], json!("Done."));
    provider.push(openai_stream("gpt-test", &["Again."], (3, 1)));
    chat_ok(
        &project,
        &[
            "--provider",
            "openai",
            "--session",
            "s",
            "--message",
            "More",
        ],
    );
}

#[test]
fn piped_input_is_bounded() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    let output = chat(&project)
        .args(["--session", "s"])
        .env("CONFAB_IMPORT_MAX_SIZE", "1KiB")
        .write_stdin("x".repeat(4096))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("standard input is larger than the import limit of 1 KiB"),
        "{stderr}"
    );
    assert!(provider.requests().is_empty(), "nothing sent");
    assert!(project.session_names().is_empty());
}

#[test]
fn blank_provider_and_model_names_are_refused_before_anything_is_sent() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    for args in [
        ["--model", ""],
        ["--model", "  "],
        ["--provider", ""],
        ["--provider", " "],
    ] {
        let output = chat(&project)
            .args(["--session", "s", "--message", "Hi"])
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{} cannot be empty", args[0])),
            "{stderr}"
        );
    }
    // Blank names in the settings are as unusable.
    project.write(
        "confab.yaml",
        settings(&provider.url(), 2).replace("model: gpt-test", "model: ''"),
    );
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Hi"]);
    assert!(
        stderr.contains("no model is set for the provider openai"),
        "{stderr}"
    );
    project.write(
        "confab.yaml",
        settings(&provider.url(), 2).replace("default_provider: openai", "default_provider: ''"),
    );
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Hi"]);
    assert!(
        stderr.contains("default_provider in confab.yaml is empty"),
        "{stderr}"
    );
    assert!(provider.requests().is_empty(), "nothing sent");
    assert!(project.session_names().is_empty());
}

#[test]
fn what_a_provider_answers_is_stored_only_if_it_exports_importable() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    // A server that names its model "": the message records the model asked for.
    provider.push(Reply::Answer {
        status: 200,
        content_type: "application/json",
        body: json!({
            "model": "",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi."}, "finish_reason": "stop"}],
        })
        .to_string(),
    });
    chat_ok(
        &project,
        &["--session", "s", "--no-stream", "--message", "Hi"],
    );
    let session = export(&project, "s");
    assert_eq!(session["messages"][1]["model"], json!("gpt-test"));
    // A tool call without a name would make the session unimportable: refused, not stored.
    provider.push(Reply::Answer {
        status: 200,
        content_type: "application/json",
        body: json!({
            "model": "gpt-test",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {"arguments": "{}"}}],
            }}],
        })
        .to_string(),
    });
    let stderr = chat_fails(
        &project,
        &["--session", "s", "--no-stream", "--message", "Call"],
    );
    assert!(stderr.contains("a tool call in it has no name"), "{stderr}");
    let exported = project.write("s.json", crate::chat::export_text(&project, "s", "json"));
    project
        .confab()
        .args(["sessions", "import", "--name", "again"])
        .arg(exported)
        .assert()
        .success();
    assert_eq!(
        export(&project, "again")["messages"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn chats_started_in_the_same_second_all_keep_their_answers() {
    // The provider answers one request at a time, each over half a second: all three chats
    // choose their default name at once, and store it one after the other.
    let provider = FakeProvider::start();
    let project = project(&provider);
    for _ in 0..3 {
        provider.push(openai_drip("gpt-test", 5, Duration::from_millis(120)));
    }
    let children: Vec<_> = (0..3)
        .map(|turn| {
            let mut command = project.command();
            command
                .args(["chat", "-m", &format!("question {turn}")])
                .env("OPENAI_API_KEY", "sk-test")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            command.spawn().expect("starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("ends");
        assert!(output.status.success(), "every answer is saved: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("Saved in new session session-"), "{stderr}");
    }
    let list = project
        .confab()
        .args(["sessions", "list"])
        .output()
        .expect("runs");
    let names: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with("session-"))
        .map(str::to_owned)
        .collect();
    assert_eq!(names.len(), 3, "three sessions: {names:?}");
}

#[test]
fn a_piped_message_is_shown_again_when_the_chat_cannot_start() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    let output = project
        .confab()
        .args(["chat", "--session", "s"])
        .env_remove("OPENAI_API_KEY")
        .write_stdin("a long question\nI typed carefully\n")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OPENAI_API_KEY"), "{stderr}");
    assert!(
        stderr.contains("your message was not sent:")
            && stderr.contains("  a long question\n")
            && stderr.contains("  I typed carefully\n"),
        "{stderr}"
    );
    assert!(provider.requests().is_empty(), "nothing was sent");
}
