//! `confab sessions import PATH...` with many files: folders, patterns and several paths, decoded
//! in parallel and written by one writer. A bad file is reported and skipped, never blocking the
//! good ones. The one-file import is tested with the other session commands (`sessions.rs`,
//! `errors.rs`); the cases that are a command and its exact output are `tests/cmd/import-*.toml`.

use crate::util::Project;

/// A valid checkpoint of `messages` messages for the session `name`.
fn checkpoint(name: &str, messages: usize) -> String {
    let messages: Vec<serde_json::Value> = (0..messages)
        .map(|index| {
            serde_json::json!({
                "role": if index % 2 == 0 { "user" } else { "assistant" },
                "content": format!("message {index} of {name}: naïve 日本 🚀"),
                "created_at": format!("2026-01-01T10:{:02}:00Z", index % 60),
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "version": "1.0",
        "session": {"name": name, "provider": "anthropic", "model": "claude-sonnet-4-6"},
        "messages": messages,
    }))
    .expect("JSON")
}

/// A checkpoint whose second message has a time that is not one, at line 10 of the file.
fn bad_checkpoint(name: &str) -> String {
    checkpoint(name, 2).replace("2026-01-01T10:01:00Z", "noon")
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8 stderr")
}

/// The report lines (`Imported ...`), which go to stderr among the errors: stdout is for data,
/// and an import writes none.
fn report_of(output: &std::process::Output) -> String {
    assert!(
        output.stdout.is_empty(),
        "import writes no data: {output:?}"
    );
    stderr_of(output)
        .lines()
        .filter(|line| line.starts_with("Imported "))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn bulk_import_with_one_bad_file_among_good_ones() {
    let project = Project::new();
    for index in 0..6 {
        project.write(
            &format!("archive/s{index}.json"),
            checkpoint(&format!("s{index}"), 2),
        );
    }
    project.write("archive/s3.json", bad_checkpoint("s3"));
    let output = project
        .confab()
        .args(["sessions", "import", "archive"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        report_of(&output),
        "Imported session s0 (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported session s1 (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported session s2 (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported session s4 (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported session s5 (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported 5 sessions from 6 files; 1 failed\n"
    );
    // The bad file's report is the one a one-file import prints: the file, the line and column,
    // the pointer and the hint.
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("error: archive/s3.json is not a valid checkpoint (1 problem)\n"),
        "{stderr}"
    );
    let problem = stderr
        .lines()
        .find(|line| line.contains("/messages/1/created_at"))
        .unwrap_or_else(|| panic!("the problem is reported:\n{stderr}"));
    let (location, rest) = problem
        .trim_start()
        .strip_prefix("archive/s3.json:")
        .and_then(|rest| rest.split_once(": "))
        .unwrap_or_else(|| panic!("the file comes first: {problem}"));
    assert!(
        location.split(':').all(|n| n.parse::<u32>().is_ok()),
        "line:column: {problem}"
    );
    assert!(
        rest.starts_with("/messages/1/created_at: \"noon\" is not a \"date-time\""),
        "{problem}"
    );
    assert!(
        stderr.contains("hint: write timestamps in RFC 3339"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("error: 1 of 6 files could not be imported\n"),
        "{stderr}"
    );
    assert_eq!(project.session_names(), ["s0", "s1", "s2", "s4", "s5"]);

    let alone = project
        .confab()
        .args(["sessions", "import", "archive/s3.json"])
        .output()
        .expect("runs");
    assert_eq!(alone.status.code(), Some(1));
    assert!(
        stderr.contains(&stderr_of(&alone)),
        "the same report as a one-file import:\n{}",
        stderr_of(&alone)
    );
}

#[test]
fn a_glob_imports_the_files_it_matches() {
    let project = Project::new();
    project.write("logs/a.json", checkpoint("a", 2));
    project.write("logs/b.json", checkpoint("b", 2));
    project.write("logs/deeper/c.json", checkpoint("c", 2));
    project.write("logs/other.txt", "not a checkpoint");
    // No shell here: the pattern reaches confab as it is, as when quoted.
    project
        .confab()
        .args(["sessions", "import", "logs/*.json"])
        .assert()
        .success()
        .stderr(predicates::str::ends_with(
            "Imported 2 sessions from 2 files\n",
        ));
    assert_eq!(project.session_names(), ["a", "b"]);
    project
        .confab()
        .args(["sessions", "import", "logs/**/*.json", "--overwrite"])
        .assert()
        .success()
        .stderr(predicates::str::ends_with(
            "Imported 3 sessions from 3 files\n",
        ));
    assert_eq!(project.session_names(), ["a", "b", "c"]);
    project
        .confab()
        .args(["sessions", "import", "nothing/*.json"])
        .assert()
        .code(2)
        .stderr("error: the pattern nothing/*.json matches no files\n");
}

#[test]
fn folders_are_searched_recursively_skipping_hidden_ones_and_other_files() {
    let project = Project::new();
    project.write("team/2025/eks.json", checkpoint("eks", 2));
    project.write("team/2026/q1/vpc.json", checkpoint("vpc", 4));
    project.write("team/2026/q1/notes.txt", "not a checkpoint");
    project.write("team/.git/hidden.json", checkpoint("hidden", 2));
    project.write("single/only.json", checkpoint("only", 2));
    let output = project
        .confab()
        .args(["sessions", "import", "team", "single"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        report_of(&output),
        "Imported session eks (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported session vpc (claude-sonnet-4-6, anthropic, 4 messages)\n\
         Imported session only (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported 3 sessions from 3 files\n"
    );
    assert_eq!(project.session_names(), ["eks", "only", "vpc"]);

    // One path that holds one file is a one-file import, `--name` included.
    project
        .confab()
        .args(["sessions", "import", "single", "--name", "renamed"])
        .assert()
        .success()
        .stderr(
            "Imported session renamed (claude-sonnet-4-6, anthropic, 2 messages)\n\
             Resume it with: confab chat --session renamed\n",
        );
}

#[test]
fn the_same_name_twice_keeps_the_first_or_with_overwrite_the_last() {
    let project = Project::new();
    project.write("dup/a.json", checkpoint("same", 2));
    project.write("dup/b.json", checkpoint("same", 4));
    let output = project
        .confab()
        .args(["sessions", "import", "dup"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        report_of(&output),
        "Imported session same (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported 1 session from 2 files; 1 failed\n"
    );
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("error: dup/b.json: a session named \"same\" already exists\nhint: replace it with --overwrite"),
        "{stderr}"
    );

    let output = project
        .confab()
        .args(["sessions", "import", "dup", "--overwrite"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        report_of(&output),
        "Imported session same (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported session same (claude-sonnet-4-6, anthropic, 4 messages)\n\
         Imported 2 sessions from 2 files\n"
    );
    let listed = project
        .confab()
        .args(["sessions", "list", "--json"])
        .output()
        .expect("runs");
    let document: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(
        document["sessions"][0]["message_count"], 4,
        "the last file wins"
    );
}

#[test]
fn name_with_many_files_is_refused_before_anything_is_read() {
    let project = Project::new();
    project.write("a.json", checkpoint("a", 2));
    project.write("b.json", checkpoint("b", 2));
    project
        .confab()
        .args(["sessions", "import", "a.json", "b.json", "--name", "x"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::starts_with(
            "error: --name names one session, but 2 files were given\nhint: ",
        ));
    assert!(
        !project.path().join(".confab").exists(),
        "no store was created"
    );
}

#[test]
fn unreadable_paths_exit_2_after_every_good_file_is_imported() {
    let project = Project::new();
    project.write("good.json", checkpoint("good", 2));
    let output = project
        .confab()
        .args(["sessions", "import", "missing.json", "good.json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert_eq!(
        stderr_of(&output),
        "error: could not read missing.json: no such file\n\
         Imported session good (claude-sonnet-4-6, anthropic, 2 messages)\n\
         Imported 1 session from 2 files; 1 failed\n\
         error: 1 of 2 files could not be imported (1 could not be read)\n"
    );
    assert_eq!(project.session_names(), ["good"]);
}

#[test]
fn only_bad_files_create_no_store() {
    let project = Project::new();
    project.write("in/a.json", bad_checkpoint("a"));
    project.write("in/b.json", "{");
    project
        .confab()
        .args(["sessions", "import", "in"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains(
            "Imported 0 sessions from 2 files; 2 failed\n",
        ));
    assert!(!project.path().join(".confab").exists());
    project.write("empty/notes.txt", "nothing to import");
    project
        .confab()
        .args(["sessions", "import", "empty"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "error: no checkpoint files to import in the paths given\n",
        ));
}

#[test]
fn piped_output_has_no_progress_bar() {
    let project = Project::new();
    for index in 0..200 {
        project.write(
            &format!("many/s{index:03}.json"),
            checkpoint(&format!("s{index:03}"), 3),
        );
    }
    let output = project
        .confab()
        .args(["sessions", "import", "many"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(output.stdout, b"", "no data from an import");
    let stderr = stderr_of(&output);
    assert!(
        !stderr.contains(['\u{1b}', '\r']),
        "nothing but the report when piped: {stderr:?}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 201);
    for (index, line) in lines[..200].iter().enumerate() {
        assert_eq!(
            *line,
            format!("Imported session s{index:03} (claude-sonnet-4-6, anthropic, 3 messages)"),
            "in the order of the paths"
        );
    }
    assert_eq!(lines[200], "Imported 200 sessions from 200 files");
    assert_eq!(project.session_names().len(), 200);
}

#[test]
fn secrets_and_notes_name_their_file_and_the_hint_comes_once() {
    let project = Project::new();
    let key = "AKIA".to_owned() + "IOSFODNN7EXAMPLE";
    project.write(
        "keys/a.json",
        checkpoint("a", 2).replace("message 0 of a", &format!("aws {key}")),
    );
    project.write(
        "keys/b.json",
        checkpoint("b", 2).replace("message 0 of b", &format!("aws {key}")),
    );
    let output = project
        .confab()
        .args(["sessions", "import", "keys"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("warning: keys/a.json holds 1 unredacted secret"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: keys/b.json holds 1 unredacted secret"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("hint: share sessions with").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn on_a_terminal_file_names_in_the_progress_bar_are_escaped() {
    let project = Project::new();
    project.write("many/\u{1b}]0;owned\u{7}.json", checkpoint("evil", 2));
    for index in 0..50 {
        project.write(
            &format!("many/s{index:02}.json"),
            checkpoint(&format!("s{index:02}"), 2),
        );
    }
    let mut command = project.command();
    command
        .args(["sessions", "import", "many"])
        .env("TERM", "xterm");
    let mut terminal =
        rexpect::session::spawn_command(command, Some(60_000)).expect("runs on a pty");
    let shown = terminal.exp_eof().expect("the import ends");
    assert!(
        shown.contains("Imported 51 sessions from 51 files"),
        "{shown:?}"
    );
    // Whether the bar was drawn before the import ended depends on the machine's speed; what it
    // drew must never carry the name's escape sequence raw.
    assert!(!shown.contains("\u{1b}]0;owned"), "{shown:?}");
}
