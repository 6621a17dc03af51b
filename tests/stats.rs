//! `confab stats` (issue 21, item 4): tokens and messages across sessions by week, provider and
//! model, as a table and as JSON, narrowed by `--since` and `--session`.

use serde_json::{Value, json};

use crate::util::Project;

/// A checkpoint of `name` whose assistant messages, at `times`, each used `tokens`.
fn checkpoint(
    name: &str,
    provider: &str,
    model: &str,
    times: &[&str],
    tokens: (u64, u64),
) -> Value {
    let mut messages = Vec::new();
    for time in times {
        messages.push(json!({"role": "user", "content": "question", "created_at": time}));
        messages.push(json!({
            "role": "assistant", "content": "answer", "created_at": time,
            "usage": {"input_tokens": tokens.0, "output_tokens": tokens.1, "cached_input_tokens": 10}
        }));
    }
    json!({
        "version": "1.0",
        "session": {"name": name, "provider": provider, "model": model,
                    "created_at": times[0], "updated_at": times[times.len() - 1]},
        "messages": messages
    })
}

fn import(project: &Project, checkpoint: &Value) {
    let name = checkpoint["session"]["name"].as_str().expect("name");
    let file = project.write(&format!("{name}.json"), checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import"])
        .arg(file)
        .assert()
        .success();
}

fn stats(project: &Project, args: &[&str]) -> std::process::Output {
    project
        .confab()
        .arg("stats")
        .args(args)
        .output()
        .expect("runs")
}

fn team_project() -> Project {
    let project = Project::new();
    // Sunday 1 November 2026 ends ISO week 44; Monday 2 November starts week 45.
    import(
        &project,
        &checkpoint(
            "vpc",
            "anthropic",
            "claude-sonnet-4-6",
            &["2026-11-01T10:00:00Z", "2026-11-02T09:00:00Z"],
            (1200, 300),
        ),
    );
    import(
        &project,
        &checkpoint(
            "eks",
            "openai",
            "gpt-4o",
            &["2026-11-03T10:00:00Z"],
            (600, 150),
        ),
    );
    project
}

#[test]
fn the_table_has_a_row_per_week_provider_and_model_and_a_total() {
    let project = team_project();
    let output = stats(&project, &[]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "\
WEEK      PROVIDER   MODEL              MESSAGES  INPUT  OUTPUT  CACHED  TOKENS
2026-W44  anthropic  claude-sonnet-4-6         2  1,200     300      10  ████████████████████████
2026-W45  anthropic  claude-sonnet-4-6         2  1,200     300      10  ████████████████████████
2026-W45  openai     gpt-4o                    2    600     150      10  ████████████
total                                          6  3,000     750      30
"
    );
}

#[test]
fn json_gives_every_count_and_the_total() {
    let project = team_project();
    let output = stats(&project, &["--format", "json", "--session", "eks"]);
    assert!(output.status.success(), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        document,
        json!({
            "since": null,
            "sessions": ["eks"],
            "rows": [{
                "week": "2026-W45", "week_start": "2026-11-02",
                "provider": "openai", "model": "gpt-4o", "messages": 2,
                "input_tokens": 600, "output_tokens": 150, "cached_input_tokens": 10,
                "cache_write_tokens": null, "reasoning_tokens": null
            }],
            "total": {
                "messages": 2, "input_tokens": 600, "output_tokens": 150,
                "cached_input_tokens": 10, "cache_write_tokens": 0, "reasoning_tokens": 0
            }
        })
    );
}

#[test]
fn since_counts_only_recent_messages() {
    let project = team_project();
    let now = jiff::Timestamp::now();
    let recent = now
        .checked_sub(jiff::SignedDuration::from_hours(2))
        .expect("in range")
        .to_string();
    import(
        &project,
        &checkpoint("today", "google", "gemini-2.5-pro", &[&recent], (40, 2)),
    );
    let output = stats(&project, &["--since", "1d", "--format", "json"]);
    assert!(output.status.success(), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rows = document["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{document}");
    assert_eq!(rows[0]["model"], "gemini-2.5-pro");
    assert_eq!(document["total"]["input_tokens"], 40);
    assert!(document["since"].is_string());
    let output = stats(&project, &["--since", "1w", "--session", "vpc"]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "No messages to count in the last 1w.\n"
    );
}

#[test]
fn an_unknown_session_is_an_error_with_suggestions_and_an_empty_store_counts_nothing() {
    let project = Project::new();
    let output = stats(&project, &[]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "No messages to count.\n"
    );
    assert!(
        !project.path().join(".confab").exists(),
        "stats creates no store"
    );
    let project = team_project();
    let output = stats(&project, &["--session", "vpx"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no session named \"vpx\"") && stderr.contains("did you mean vpc?"),
        "{stderr}"
    );
    assert_eq!(output.stdout, b"");
}

#[test]
fn names_from_the_data_reach_the_terminal_escaped() {
    let project = Project::new();
    import(
        &project,
        &checkpoint(
            "hostile",
            "evil\u{1b}]0;pwned\u{7}",
            "m\u{1b}[2J",
            &["2026-11-03T10:00:00Z"],
            (1, 1),
        ),
    );
    let output = stats(&project, &[]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
}
