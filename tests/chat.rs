//! `confab chat`, end to end: the real binary talks to a fake provider on 127.0.0.1.
//!
//! A chat turn crosses three things a unit test cannot see together: the request on the wire
//! (headers, the whole history, streaming options), the answer on stdout, and what the store
//! keeps. Each test scripts the provider's answers, runs `confab chat`, then checks the recorded
//! requests and the session as `confab sessions export` shows it. Failures matter as much as
//! answers: a failed turn must keep the user's text on screen and leave the session exactly as
//! it was, and an API key must never end up in the store.

use assert_cmd::Command;
use serde_json::{Value, json};

use crate::fake_provider::{
    FakeProvider, Reply, anthropic_answer, anthropic_error, anthropic_stream, openai_answer,
    openai_error, openai_stream, openai_tool_call, openai_tool_call_stream,
    openai_truncated_stream,
};
use crate::util::Project;

const OPENAI_KEY: &str = "sk-test-SECRET123";
const ANTHROPIC_KEY: &str = "sk-ant-test-SECRET456";

/// `confab.yaml` with every provider pointing at `url`, each waiting at most `timeout` seconds.
pub(crate) fn settings(url: &str, timeout: u32) -> String {
    format!(
        "default_provider: openai
providers:
  openai:
    base_url: {url}/v1
    model: gpt-test
    api_key_env: OPENAI_API_KEY
    max_tokens: 100
    timeout: {timeout}
  anthropic:
    base_url: {url}
    model: claude-test
    timeout: {timeout}
  local:
    api: openai
    base_url: {url}/v1
    model: llama-test
    timeout: {timeout}
"
    )
}

/// A project whose providers are all `provider`.
pub(crate) fn project(provider: &FakeProvider) -> Project {
    let project = Project::new();
    project.write("confab.yaml", settings(&provider.url(), 2));
    project
}

/// `confab chat` with both (fake) keys set.
pub(crate) fn chat(project: &Project) -> Command {
    let mut command = project.confab();
    command
        .arg("chat")
        .env("OPENAI_API_KEY", OPENAI_KEY)
        .env("ANTHROPIC_API_KEY", ANTHROPIC_KEY);
    command
}

/// Runs `confab chat ARGS`, expects success and returns stdout.
pub(crate) fn chat_ok(project: &Project, args: &[&str]) -> String {
    let output = chat(project).args(args).output().expect("runs");
    assert!(output.status.success(), "chat {args:?} failed: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8 stdout")
}

/// Runs `confab chat ARGS`, expects exit code 1 and returns stderr.
pub(crate) fn chat_fails(project: &Project, args: &[&str]) -> String {
    let output = chat(project).args(args).output().expect("runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "chat {args:?} should fail with 1: {output:?}"
    );
    String::from_utf8(output.stderr).expect("utf-8 stderr")
}

/// The session as a JSON checkpoint.
pub(crate) fn export(project: &Project, name: &str) -> Value {
    serde_json::from_str(&export_text(project, name, "json")).expect("export is JSON")
}

/// The session exported in `format`, without the `exported_at` line (the only one that changes
/// from one export to the next), to compare before and after byte for byte.
pub(crate) fn export_text(project: &Project, name: &str, format: &str) -> String {
    let output = project
        .confab()
        .args(["sessions", "export", name, "-o", "-", "--format", format])
        .output()
        .expect("runs");
    assert!(output.status.success(), "export failed: {output:?}");
    String::from_utf8(output.stdout)
        .expect("utf-8 export")
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !(line.starts_with("\"exported_at\"") || line.starts_with("exported_at:"))
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

/// A project whose session `s` has had one turn, and `s` exported as JSON then.
fn one_turn_in_s(provider: &FakeProvider) -> (Project, String) {
    let project = project(provider);
    provider.push(openai_stream("gpt-test", &["Fine."], (4, 1)));
    chat_ok(&project, &["--session", "s", "--message", "How are you?"]);
    let before = export_text(&project, "s", "json");
    (project, before)
}

/// The session's recorded provider and model changes.
fn model_changes(session: &Value) -> Vec<Value> {
    session["session"]["metadata"]["model_changes"]
        .as_array()
        .expect("model_changes")
        .clone()
}

/// The text of a message's `content`: a string, or (Anthropic) a list of text blocks.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|block| block["text"].as_str())
            .collect(),
        other => panic!("content is neither text nor blocks: {other}"),
    }
}

/// `(role, text)` of each message sent, to compare histories.
fn sent(request: &crate::fake_provider::Recorded) -> Vec<(String, String)> {
    request
        .messages()
        .iter()
        .map(|message| {
            (
                message["role"].as_str().expect("role").to_owned(),
                text_of(&message["content"]),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(role, text)| ((*role).to_owned(), (*text).to_owned()))
        .collect()
}

fn timestamp(value: &Value) -> jiff::Timestamp {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, not {value}"))
        .parse()
        .expect("an RFC 3339 timestamp")
}

/// Imports a small checkpoint with a system prompt and one exchange, on `provider`/`model`.
fn import_with_system(project: &Project, name: &str, provider: &str, model: &str) {
    let checkpoint = json!({
        "version": "1.0",
        "session": {"name": name, "provider": provider, "model": model},
        "messages": [
            {"role": "system", "content": "Answer in one word.", "created_at": "2026-01-01T10:00:00Z"},
            {"role": "user", "content": "Capital of Norway?", "created_at": "2026-01-01T10:00:01Z"},
            {"role": "assistant", "content": "Oslo", "created_at": "2026-01-01T10:00:02Z"},
        ],
    });
    let file = format!("{name}.json");
    project.write(&file, checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", &file])
        .assert()
        .success();
}

#[test]
fn a_streamed_openai_answer_is_printed_and_both_messages_are_recorded() {
    let provider = FakeProvider::start();
    provider.push(openai_stream(
        "gpt-test-2026-01-01",
        &["Hello", ", ", "world!"],
        (12, 3),
    ));
    let project = project(&provider);
    let output = chat(&project)
        .args(["--session", "first", "--message", "Say hello"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Hello, world!\n",
        "stdout is the answer and nothing else"
    );

    let request = provider.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "/v1/chat/completions");
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-test-SECRET123")
    );
    assert_eq!(request.body["model"], "gpt-test");
    assert_eq!(request.body["stream"], true);
    assert_eq!(request.body["stream_options"]["include_usage"], true);
    assert_eq!(request.body["max_tokens"], 100, "max_tokens from settings");
    assert_eq!(
        request.body["messages"],
        json!([{"role": "user", "content": "Say hello"}])
    );

    assert_eq!(project.session_names(), ["first"]);
    let session = export(&project, "first");
    assert_eq!(session["session"]["name"], "first");
    assert_eq!(session["session"]["provider"], "openai");
    assert_eq!(session["session"]["model"], "gpt-test");
    let messages = session["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 2, "{messages:#?}");
    let (user, assistant) = (&messages[0], &messages[1]);
    assert_eq!(user["role"], "user");
    assert_eq!(user["content"], "Say hello");
    assert_eq!(assistant["role"], "assistant");
    assert_eq!(assistant["content"], "Hello, world!");
    assert_eq!(
        assistant["model"], "gpt-test-2026-01-01",
        "the model the provider reports, not the one asked for"
    );
    assert_eq!(assistant["provider"], "openai");
    assert_eq!(
        user.get("provider"),
        None,
        "users are served by no provider"
    );
    assert_eq!(
        assistant["usage"],
        json!({"input_tokens": 12, "output_tokens": 3})
    );
    assert!(
        assistant.get("tool_calls").is_none(),
        "no tool calls: {assistant}"
    );
    assert!(timestamp(&user["created_at"]) <= timestamp(&assistant["created_at"]));
}

#[test]
fn a_resumed_session_sends_the_whole_history_streamed_or_not() {
    for no_stream in [false, true] {
        let provider = FakeProvider::start();
        let project = project(&provider);
        let mode: &[&str] = if no_stream { &["--no-stream"] } else { &[] };
        let answer = |text: &str, usage| {
            if no_stream {
                openai_answer("gpt-test", text, usage)
            } else {
                openai_stream("gpt-test", &[text], usage)
            }
        };

        provider.push(answer("First answer.", (5, 2)));
        let mut args = vec!["--session", "s", "--message", "First question"];
        args.extend(mode);
        assert_eq!(chat_ok(&project, &args), "First answer.\n");

        // An answer that already ends in a newline gets no second one.
        provider.push(answer("Second answer.\n", (9, 3)));
        let mut args = vec![
            "--session",
            "s",
            "--message",
            "Second question",
            "--max-tokens",
            "50",
        ];
        args.extend(mode);
        assert_eq!(chat_ok(&project, &args), "Second answer.\n");

        let requests = provider.requests();
        assert_eq!(requests.len(), 2, "{requests:#?}");
        for request in &requests {
            if no_stream {
                assert_ne!(request.body["stream"], true, "{}", request.body);
                assert!(
                    request.body.get("stream_options").is_none(),
                    "{}",
                    request.body
                );
            } else {
                assert_eq!(request.body["stream"], true, "{}", request.body);
            }
        }
        assert_eq!(
            sent(&requests[1]),
            pairs(&[
                ("user", "First question"),
                ("assistant", "First answer."),
                ("user", "Second question"),
            ]),
            "no_stream: {no_stream}"
        );
        assert_eq!(requests[1].body["max_tokens"], 50, "--max-tokens wins");

        let session = export(&project, "s");
        let messages = session["messages"].as_array().expect("messages");
        let roles: Vec<_> = messages.iter().map(|message| &message["role"]).collect();
        assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
        assert_eq!(
            messages[3]["content"].as_str().expect("content").trim_end(),
            "Second answer."
        );
        assert_eq!(
            messages[3]["usage"],
            json!({"input_tokens": 9, "output_tokens": 3})
        );
        assert_eq!(project.session_names(), ["s"], "resumed, not duplicated");
    }
}

#[test]
fn a_system_prompt_is_sent_the_way_each_api_expects() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    import_with_system(&project, "on-openai", "openai", "gpt-test");
    import_with_system(&project, "on-anthropic", "anthropic", "claude-test");

    provider.push(openai_stream("gpt-test", &["Stockholm"], (20, 1)));
    chat_ok(
        &project,
        &["--session", "on-openai", "--message", "Capital of Sweden?"],
    );
    assert_eq!(
        sent(&provider.last_request()),
        pairs(&[
            ("system", "Answer in one word."),
            ("user", "Capital of Norway?"),
            ("assistant", "Oslo"),
            ("user", "Capital of Sweden?"),
        ])
    );

    provider.push(anthropic_stream("claude-test", &["Stockholm"], (20, 1)));
    chat_ok(
        &project,
        &[
            "--session",
            "on-anthropic",
            "--message",
            "Capital of Sweden?",
        ],
    );
    let request = provider.last_request();
    assert_eq!(request.url, "/v1/messages");
    assert_eq!(
        text_of(&request.body["system"]),
        "Answer in one word.",
        "Anthropic takes the system prompt apart: {}",
        request.body
    );
    assert_eq!(request.roles(), ["user", "assistant", "user"]);
}

#[test]
fn anthropic_gets_its_headers_and_body_streamed_or_not() {
    for no_stream in [false, true] {
        let provider = FakeProvider::start();
        let project = project(&provider);
        provider.push(if no_stream {
            anthropic_answer("claude-test-20260101", "Bonjour !", (20, 5))
        } else {
            anthropic_stream("claude-test-20260101", &["Bon", "jour", " !"], (20, 5))
        });
        let mut args = vec![
            "--provider",
            "anthropic",
            "--session",
            "a",
            "--message",
            "Say hello in French",
        ];
        if no_stream {
            args.push("--no-stream");
        }
        assert_eq!(chat_ok(&project, &args), "Bonjour !\n");

        let request = provider.only_request();
        assert_eq!(request.method, "POST");
        assert_eq!(request.url, "/v1/messages");
        assert_eq!(request.header("x-api-key"), Some(ANTHROPIC_KEY));
        assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
        assert_eq!(
            request.header("authorization"),
            None,
            "no OpenAI-style header"
        );
        assert_eq!(request.body["model"], "claude-test");
        assert!(
            request.body["max_tokens"]
                .as_u64()
                .is_some_and(|max| max > 0),
            "Anthropic requires max_tokens: {}",
            request.body
        );
        if no_stream {
            assert_ne!(request.body["stream"], true, "{}", request.body);
        } else {
            assert_eq!(request.body["stream"], true, "{}", request.body);
        }
        assert_eq!(sent(&request), pairs(&[("user", "Say hello in French")]));
        assert!(
            request.body.get("system").is_none_or(Value::is_null),
            "no system prompt to send: {}",
            request.body
        );

        let session = export(&project, "a");
        assert_eq!(session["session"]["provider"], "anthropic");
        assert_eq!(session["session"]["model"], "claude-test");
        let assistant = &session["messages"][1];
        assert_eq!(assistant["role"], "assistant");
        assert_eq!(assistant["content"], "Bonjour !");
        assert_eq!(assistant["model"], "claude-test-20260101");
        assert_eq!(
            assistant["usage"],
            json!({"input_tokens": 20, "output_tokens": 5}),
            "no_stream: {no_stream}"
        );
    }
}

#[test]
fn a_provider_error_fails_the_turn_and_leaves_the_session_as_it_was() {
    let provider = FakeProvider::start();
    let (project, before) = one_turn_in_s(&provider);

    for (reply, message) in [
        (
            openai_error(401, "Incorrect API key provided"),
            "Incorrect API key provided",
        ),
        (
            openai_error(500, "The server had an error while processing your request"),
            "The server had an error while processing your request",
        ),
    ] {
        provider.push(reply);
        let stderr = chat_fails(
            &project,
            &["--session", "s", "--message", "Please keep this question"],
        );
        assert!(stderr.contains("error:"), "{stderr}");
        assert!(stderr.contains(message), "the provider's message: {stderr}");
        assert!(
            stderr.contains("Please keep this question"),
            "the user's text is not lost: {stderr}"
        );
        assert_eq!(
            export_text(&project, "s", "json"),
            before,
            "the session is unchanged"
        );
    }
    assert_eq!(provider.requests().len(), 3);
    assert_eq!(project.session_names(), ["s"]);

    // Anthropic's errors have another shape; its message must come through too.
    provider.push(anthropic_error(401, "invalid x-api-key"));
    let stderr = chat_fails(
        &project,
        &[
            "--session",
            "s",
            "--provider",
            "anthropic",
            "--message",
            "Once more",
        ],
    );
    assert!(stderr.contains("invalid x-api-key"), "{stderr}");
    assert_eq!(
        export_text(&project, "s", "json"),
        before,
        "a failed switch switches nothing"
    );
}

#[test]
fn a_failed_first_request_creates_no_session() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_error(401, "Incorrect API key provided"));
    let stderr = chat_fails(&project, &["--session", "new", "--message", "Hi there"]);
    assert!(stderr.contains("Incorrect API key provided"), "{stderr}");
    assert!(stderr.contains("Hi there"), "{stderr}");

    provider.push(openai_error(401, "Incorrect API key provided"));
    chat_fails(&project, &["--message", "Hi again"]);
    assert_eq!(provider.requests().len(), 2);
    assert!(
        project.session_names().is_empty(),
        "no session without an answer"
    );
}

#[test]
fn a_stream_cut_off_in_the_middle_is_an_error_and_records_nothing() {
    let provider = FakeProvider::start();
    let (project, before) = one_turn_in_s(&provider);

    provider.push(openai_truncated_stream("gpt-test", &["The answer ", "is"]));
    let output = chat(&project)
        .args(["--session", "s", "--message", "Tell me everything"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "The answer is\n",
        "what arrived was shown, and the error starts on its own line"
    );
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(
        stderr.contains("cut off"),
        "says it was incomplete: {stderr}"
    );
    assert!(stderr.contains("Tell me everything"), "{stderr}");
    assert_eq!(export_text(&project, "s", "json"), before);

    provider.push(openai_truncated_stream("gpt-test", &["Half"]));
    chat_fails(&project, &["--session", "fresh", "--message", "Hello?"]);
    assert_eq!(project.session_names(), ["s"]);
}

#[test]
fn a_server_that_cannot_stream_is_read_whole_and_html_is_refused() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_answer("gpt-test", "Whole, not streamed.", (3, 4)));
    let stdout = chat_ok(&project, &["--session", "s", "--message", "Stream?"]);
    assert_eq!(stdout, "Whole, not streamed.\n");
    assert_eq!(provider.only_request().body["stream"], json!(true));
    let before = export_text(&project, "s", "json");

    provider.push(Reply::Answer {
        status: 200,
        content_type: "text/html",
        body: "<html>captive portal</html>".to_owned(),
    });
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Again?"]);
    assert!(stderr.contains("unexpected answer"), "{stderr}");
    assert!(stderr.contains("not JSON"), "{stderr}");
    assert!(stderr.contains("Again?"), "{stderr}");
    assert_eq!(export_text(&project, "s", "json"), before);
}

#[test]
fn a_provider_that_never_answers_times_out() {
    let provider = FakeProvider::start();
    let project = Project::new();
    project.write("confab.yaml", settings(&provider.url(), 1));
    provider.push(Reply::Silence);
    let stderr = chat_fails(
        &project,
        &["--session", "slow", "--message", "Are you there?"],
    );
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(stderr.contains("did not answer"), "{stderr}");
    assert!(stderr.contains("Are you there?"), "{stderr}");
    assert_eq!(provider.requests().len(), 1, "the request was sent");
    assert!(project.session_names().is_empty());
}

#[test]
fn an_unreachable_provider_is_a_clear_error() {
    // A port that was free a moment ago: nobody listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port();
    let project = Project::new();
    project.write(
        "confab.yaml",
        settings(&format!("http://127.0.0.1:{port}"), 2),
    );
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Anyone home?"]);
    assert!(stderr.contains("error:"), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")),
        "names where: {stderr}"
    );
    assert!(stderr.contains("Anyone home?"), "{stderr}");
    assert!(project.session_names().is_empty());
}

#[test]
fn a_message_on_stdin_starts_a_session_with_a_dated_name() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["4"], (8, 1)));
    let start = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    let output = chat(&project)
        .write_stdin("What is 2+2?\n")
        .output()
        .expect("runs");
    let end = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "4\n");

    let sent = sent(&provider.only_request());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.trim_end(), "What is 2+2?");

    let names = project.session_names();
    assert_eq!(names.len(), 1, "{names:?}");
    let name = &names[0];
    let stamp = name
        .strip_prefix("session-")
        .expect("session-YYYYMMDD-HHMMSS");
    let shape_ok = stamp.len() == 15
        && stamp.char_indices().all(|(at, c)| {
            if at == 8 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    assert!(shape_ok, "{name} is session-YYYYMMDD-HHMMSS");
    assert!(
        start.as_str() <= stamp && stamp <= end.as_str(),
        "{stamp} is when it ran ({start}..{end})"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(name.as_str()), "the name is told: {stderr}");
    let session = export(&project, name);
    assert_eq!(session["messages"][1]["content"], "4");
}

#[test]
fn an_empty_message_is_a_usage_error() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    chat(&project)
        .args(["--session", "s", "--message", ""])
        .assert()
        .code(2);
    chat(&project)
        .args(["--session", "s"])
        .write_stdin("")
        .assert()
        .code(2);
    assert!(provider.requests().is_empty(), "nothing sent");
    assert!(project.session_names().is_empty());
}

#[test]
fn switching_provider_or_model_is_recorded_and_then_kept() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["One."], (3, 1)));
    chat_ok(&project, &["--session", "s", "--message", "First"]);

    provider.push(anthropic_stream("claude-test", &["Two."], (6, 1)));
    chat_ok(
        &project,
        &[
            "--session",
            "s",
            "--provider",
            "anthropic",
            "--message",
            "Second",
        ],
    );
    let request = provider.last_request();
    assert_eq!(request.url, "/v1/messages", "went to the new provider");
    assert_eq!(
        request.body["model"], "claude-test",
        "the new provider's model"
    );
    assert_eq!(
        sent(&request),
        pairs(&[("user", "First"), ("assistant", "One."), ("user", "Second")])
    );
    let session = export(&project, "s");
    assert_eq!(session["session"]["provider"], "anthropic");
    assert_eq!(session["session"]["model"], "claude-test");
    let changes = model_changes(&session);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(
        changes[0]["from"],
        json!({"provider": "openai", "model": "gpt-test"})
    );
    assert_eq!(
        changes[0]["to"],
        json!({"provider": "anthropic", "model": "claude-test"})
    );
    timestamp(&changes[0]["at"]);

    provider.push(anthropic_stream("claude-other", &["Three."], (9, 1)));
    chat_ok(
        &project,
        &[
            "--session",
            "s",
            "--model",
            "claude-other",
            "--message",
            "Third",
        ],
    );
    assert_eq!(provider.last_request().body["model"], "claude-other");

    // No flags: the session's own provider and model.
    provider.push(anthropic_stream("claude-other", &["Four."], (12, 1)));
    chat_ok(&project, &["--session", "s", "--message", "Fourth"]);
    let request = provider.last_request();
    assert_eq!(request.url, "/v1/messages");
    assert_eq!(request.body["model"], "claude-other");

    let session = export(&project, "s");
    assert_eq!(session["session"]["provider"], "anthropic");
    assert_eq!(session["session"]["model"], "claude-other");
    let changes = model_changes(&session);
    assert_eq!(changes.len(), 2, "a resume without flags is no change");
    let providers: Vec<&str> = session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|message| message["role"] == "assistant")
        .map(|message| message["provider"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        providers,
        ["openai", "anthropic", "anthropic", "anthropic"],
        "each answer names the provider that served it"
    );
    assert_eq!(
        changes[1]["from"],
        json!({"provider": "anthropic", "model": "claude-test"})
    );
    assert_eq!(
        changes[1]["to"],
        json!({"provider": "anthropic", "model": "claude-other"})
    );
    assert!(timestamp(&changes[0]["at"]) <= timestamp(&changes[1]["at"]));
    assert_eq!(session["messages"].as_array().map(Vec::len), Some(8));
}

#[test]
fn the_default_provider_comes_from_settings_then_the_environment() {
    let provider = FakeProvider::start();
    let project = project(&provider);

    // A custom OpenAI-compatible provider with no key variable sends no key.
    provider.push(openai_stream("llama-test", &["Local."], (2, 1)));
    project
        .confab()
        .args(["chat", "--session", "l", "--message", "Hi"])
        .env("CONFAB_DEFAULT_PROVIDER", "local")
        .assert()
        .success()
        .stdout("Local.\n");
    let request = provider.last_request();
    assert_eq!(request.url, "/v1/chat/completions");
    assert_eq!(request.body["model"], "llama-test");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(export(&project, "l")["session"]["provider"], "local");

    let url = provider.url();
    project.write(
        "confab.yaml",
        settings(&url, 2).replace("default_provider: openai", "default_provider: anthropic"),
    );
    provider.push(anthropic_stream("claude-test", &["Anthropic."], (2, 1)));
    chat_ok(&project, &["--session", "a", "--message", "Hi"]);
    assert_eq!(provider.last_request().url, "/v1/messages");
    assert_eq!(export(&project, "a")["session"]["provider"], "anthropic");
}

#[test]
fn the_api_key_is_never_stored_or_exported() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["Streamed."], (3, 1)));
    provider.push(openai_answer("gpt-test", "Whole.", (5, 1)));
    let mut outputs = Vec::new();
    for extra in [None, Some("--no-stream")] {
        let mut command = chat(&project);
        command.args(["--session", "s", "--message", "Hello"]);
        command.args(extra);
        let output = command.output().expect("runs");
        assert!(output.status.success(), "{output:?}");
        outputs.push(output);
    }
    for request in provider.requests() {
        assert_eq!(
            request.header("authorization"),
            Some("Bearer sk-test-SECRET123"),
            "the key was used"
        );
    }

    let mut checked = 0;
    for entry in std::fs::read_dir(project.path().join(".confab")).expect("a store") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("readable");
            assert!(
                !bytes.windows(9).any(|window| window == b"SECRET123"),
                "{} holds the key",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 1, "the store was checked");
    for format in ["json", "yaml"] {
        assert!(!export_text(&project, "s", format).contains("SECRET123"));
    }
    for output in outputs {
        assert!(!String::from_utf8_lossy(&output.stdout).contains("SECRET123"));
        assert!(!String::from_utf8_lossy(&output.stderr).contains("SECRET123"));
    }
}

#[test]
fn a_missing_key_names_the_variable_and_sends_nothing() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    let hint_names = |stderr: &str, variable: &str| {
        assert!(stderr.starts_with("error:"), "{stderr}");
        assert!(
            stderr
                .lines()
                .any(|line| line.starts_with("hint:") && line.contains(variable)),
            "a hint names {variable}: {stderr}"
        );
    };
    for key in [None, Some("")] {
        let mut command = project.confab();
        command.args(["chat", "--session", "s", "--message", "Hello"]);
        if let Some(key) = key {
            command.env("OPENAI_API_KEY", key);
        }
        let output = command.output().expect("runs");
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        hint_names(&String::from_utf8_lossy(&output.stderr), "OPENAI_API_KEY");
    }
    let output = project
        .confab()
        .args([
            "chat",
            "--provider",
            "anthropic",
            "--session",
            "s",
            "--message",
            "Hello",
        ])
        .env("OPENAI_API_KEY", OPENAI_KEY)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    hint_names(
        &String::from_utf8_lossy(&output.stderr),
        "ANTHROPIC_API_KEY",
    );
    assert!(provider.requests().is_empty(), "nothing sent");
    assert!(project.session_names().is_empty());
}

#[test]
fn a_chatted_session_exports_to_checkpoints_that_validate() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test-2026-01-01", &["Hi!"], (3, 1)));
    provider.push(openai_tool_call("gpt-test-2026-01-01", (10, 4)));
    provider.push(anthropic_answer("claude-test", "Sunny.", (14, 2)));
    chat_ok(&project, &["--session", "s", "--message", "Hello"]);
    chat_ok(
        &project,
        &["--session", "s", "--no-stream", "--message", "Weather?"],
    );
    chat_ok(
        &project,
        &[
            "--session",
            "s",
            "--provider",
            "anthropic",
            "--no-stream",
            "--message",
            "So?",
        ],
    );
    for file in ["s.json", "s.yaml"] {
        project
            .confab()
            .args(["sessions", "export", "s", "-o", file])
            .assert()
            .success();
        project
            .confab()
            .args(["sessions", "validate", file])
            .assert()
            .success();
    }
    // And another project takes it back as it was.
    let other = Project::new();
    let copy = other.write("s.json", project.read("s.json"));
    other
        .confab()
        .args(["sessions", "import"])
        .arg(copy)
        .assert()
        .success();
    assert_eq!(
        export(&other, "s")["messages"],
        export(&project, "s")["messages"]
    );
}

#[test]
fn tool_calls_the_provider_returns_are_recorded() {
    for no_stream in [true, false] {
        let provider = FakeProvider::start();
        let project = project(&provider);
        let mut args = vec!["--session", "t", "--message", "Weather in Oslo?"];
        if no_stream {
            provider.push(openai_tool_call("gpt-test", (30, 7)));
            args.push("--no-stream");
        } else {
            provider.push(openai_tool_call_stream("gpt-test", (30, 7)));
        }
        chat_ok(&project, &args);

        let session = export(&project, "t");
        let assistant = &session["messages"][1];
        assert_eq!(assistant["role"], "assistant", "{session:#}");
        assert_eq!(
            assistant["content"].as_str().unwrap_or_default(),
            "",
            "no text"
        );
        assert_eq!(
            assistant["tool_calls"],
            json!([{"id": "call_1", "name": "get_weather", "arguments": {"city": "Oslo"}}]),
            "no_stream: {no_stream}"
        );
        assert_eq!(
            assistant["usage"],
            json!({"input_tokens": 30, "output_tokens": 7})
        );
    }
}

#[test]
fn a_session_from_a_provider_confab_cannot_reach_continues_with_another() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    import_with_system(&project, "atmos", "bedrock", "anthropic.claude-v2");
    let stderr = chat_fails(&project, &["--session", "atmos", "--message", "Sweden?"]);
    assert!(
        stderr.contains("does not know the provider \"bedrock\""),
        "{stderr}"
    );
    assert!(stderr.contains("--provider"), "the hint says how: {stderr}");
    assert!(provider.requests().is_empty(), "nothing sent");

    provider.push(openai_answer("gpt-test", "Stockholm", (9, 1)));
    chat_ok(
        &project,
        &[
            "--session",
            "atmos",
            "--provider",
            "openai",
            "--message",
            "Sweden?",
        ],
    );
    let session = export(&project, "atmos");
    assert_eq!(session["session"]["provider"], "openai");
    assert_eq!(
        session["session"]["model"], "gpt-test",
        "the provider's model"
    );
    assert_eq!(
        session["session"]["metadata"]["model_changes"][0]["from"],
        json!({"provider": "bedrock", "model": "anthropic.claude-v2"})
    );
}

#[test]
fn an_error_in_the_middle_of_a_stream_fails_the_turn_with_the_providers_message() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    let openai_midway = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Partly\"}}]}\n\n\
        data: {\"error\":{\"message\":\"The server had an error while processing your request\",\"type\":\"server_error\"}}\n\n";
    provider.push(Reply::Answer {
        status: 200,
        content_type: "text/event-stream",
        body: openai_midway.to_owned(),
    });
    let stderr = chat_fails(&project, &["--session", "s", "--message", "Go on"]);
    assert!(
        stderr.contains("The server had an error while processing your request"),
        "{stderr}"
    );
    assert!(stderr.contains("Go on"), "{stderr}");

    let anthropic_midway = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-test\",\"usage\":{\"input_tokens\":3}}}\n\n\
        event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    provider.push(Reply::Answer {
        status: 200,
        content_type: "text/event-stream",
        body: anthropic_midway.to_owned(),
    });
    let stderr = chat_fails(
        &project,
        &[
            "--session",
            "s",
            "--provider",
            "anthropic",
            "--message",
            "Go on",
        ],
    );
    assert!(stderr.contains("Overloaded (overloaded_error)"), "{stderr}");
    assert!(project.session_names().is_empty(), "nothing was recorded");
}

#[test]
fn keep_alive_events_are_skipped_and_an_empty_answer_is_noted() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    let with_keep_alives = ": ping\n\nevent: keepalive\n\ndata:\n\n\
        data: {\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Still here.\"}}]}\n\n\
        data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    provider.push(Reply::Answer {
        status: 200,
        content_type: "text/event-stream",
        body: with_keep_alives.to_owned(),
    });
    assert_eq!(
        chat_ok(&project, &["--session", "s", "--message", "Hello?"]),
        "Still here.\n"
    );

    let refusal = "data: {\"model\":\"gpt-test\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"content_filter\"}]}\n\ndata: [DONE]\n\n";
    provider.push(Reply::Answer {
        status: 200,
        content_type: "text/event-stream",
        body: refusal.to_owned(),
    });
    let output = chat(&project)
        .args(["--session", "s", "--message", "Something filtered"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the answer is empty") && stderr.contains("content_filter"),
        "{stderr}"
    );
    assert_eq!(export(&project, "s")["messages"][3]["content"], "");
}

#[test]
fn an_error_body_with_a_success_status_is_the_providers_error() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(Reply::Answer {
        status: 200,
        content_type: "application/json",
        body: json!({"error": {"message": "model 'nope' not found", "type": "not_found"}})
            .to_string(),
    });
    let stderr = chat_fails(
        &project,
        &["--session", "s", "--no-stream", "--message", "Hi"],
    );
    assert!(stderr.contains("model 'nope' not found"), "{stderr}");
}

#[test]
fn an_enormous_timeout_setting_is_cut_to_a_day_not_a_crash() {
    let provider = FakeProvider::start();
    let project = Project::new();
    project.write(
        "confab.yaml",
        settings(&provider.url(), 2).replace("timeout: 2", "timeout: 18446744073709551615"),
    );
    provider.push(openai_stream("gpt-test", &["Fine."], (1, 1)));
    assert_eq!(
        chat_ok(&project, &["--session", "s", "--message", "Hi"]),
        "Fine.\n"
    );
}

#[test]
fn a_session_deleted_while_the_answer_streams_keeps_the_users_text_on_screen() {
    let provider = FakeProvider::start();
    let project = project(&provider);
    provider.push(openai_stream("gpt-test", &["First."], (1, 1)));
    chat_ok(&project, &["--session", "s", "--message", "One"]);

    provider.push(crate::fake_provider::openai_drip(
        "gpt-test",
        10,
        std::time::Duration::from_millis(100),
    ));
    let mut running = chat(&project);
    running
        .args(["--session", "s", "--message", "Two, while s goes away"])
        .timeout(std::time::Duration::from_secs(30));
    let child = std::thread::spawn(move || running.output().expect("runs"));
    while provider.requests().len() < 2 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    project
        .confab()
        .args(["sessions", "delete", "s"])
        .assert()
        .success();
    let output = child.join().expect("the chat finishes");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no session named \"s\""), "{stderr}");
    assert!(stderr.contains("was not saved"), "{stderr}");
    assert!(stderr.contains("Two, while s goes away"), "{stderr}");
    assert!(project.session_names().is_empty(), "nothing came back");
}

#[test]
fn a_gemini_session_resumes_through_the_built_in_google_provider() {
    let provider = FakeProvider::start();
    let project = Project::new();
    // Only where it is: the built-in provider's API, key variable and default model stay.
    project.write(
        "confab.yaml",
        format!(
            "providers:\n  google:\n    base_url: {}/v1\n",
            provider.url()
        ),
    );
    import_with_system(&project, "from-gemini", "google", "gemini-2.5-pro");
    provider.push(openai_answer("gemini-2.5-pro", "Bergen too.", (7, 2)));
    let output = project
        .confab()
        .args([
            "chat",
            "--session",
            "from-gemini",
            "--message",
            "And on the west coast?",
        ])
        .env("GEMINI_API_KEY", "gemini-test-key")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"Bergen too.\n");
    let requests = provider.requests();
    assert_eq!(requests[0].url, "/v1/chat/completions");
    assert_eq!(requests[0].body["model"], "gemini-2.5-pro");
    assert!(
        requests[0]
            .headers
            .iter()
            .any(|(name, value)| name == "authorization" && value == "Bearer gemini-test-key"),
        "{:?}",
        requests[0].headers
    );
}
