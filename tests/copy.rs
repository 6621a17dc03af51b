//! `confab sessions copy`: sessions from one store into another, idempotently.
//!
//! The SQLite cases run everywhere; the PostgreSQL ones when `util::team_database` gives a
//! database (they return early otherwise). A session continues in a store the way a person
//! continues it, by `confab chat` against the fake provider, so "the destination has the first
//! messages" is exactly what a chat leaves behind.

use std::process::Output;

use crate::chat::{chat_ok, project as chat_project};
use crate::fake_provider::{FakeProvider, openai_stream};
use crate::util::{Project, team_database};

/// A project holding the sessions `eks-troubleshooting` and `vpc-migration`.
fn project_with_two() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.import_fixture("atmos/vpc-migration.yaml");
    project
}

/// `confab ARGS` in `project`.
fn run(project: &Project, args: &[&str]) -> Output {
    project.confab().args(args).output().expect("runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `confab ARGS`, expects exit `code`, and returns stderr.
fn run_expecting(project: &Project, args: &[&str], code: i32) -> String {
    let output = run(project, args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "confab {args:?}: {output:?}"
    );
    stderr(&output)
}

/// `sessions show NAME --format json` of the session in `store` (the project's own with
/// `None`).
fn shown(project: &Project, store: Option<&str>, name: &str) -> String {
    let mut command = project.confab();
    if let Some(store) = store {
        command.args(["--store", store]);
    }
    let output = command
        .args(["sessions", "show", name, "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "show {name}: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// `sessions list --format json` of `store`.
fn listed(project: &Project, store: &str) -> String {
    let output = run(
        project,
        &["--store", store, "sessions", "list", "--format", "json"],
    );
    assert!(output.status.success(), "list: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Asserts that `name` is the same session in the project's store and in `store`.
fn assert_same(project: &Project, store: &str, name: &str) {
    assert_eq!(
        shown(project, None, name),
        shown(project, Some(store), name),
        "{name} differs between the project's store and {store}"
    );
}

/// One chat turn in session `s` of `store` (the project's with `None`), saying `text`.
fn turn(project: &Project, provider: &FakeProvider, store: Option<&str>, text: &str) {
    provider.push(openai_stream("gpt-test", &["Answer to ", text], (3, 2)));
    let mut args = vec!["--session", "s", "--message", text];
    if let Some(store) = store {
        args.extend(["--store", store]);
    }
    chat_ok(project, &args);
}

#[test]
fn a_copy_to_a_new_file_is_whole_and_a_second_copy_changes_nothing() {
    let project = project_with_two();
    let to = "team/sessions.db";
    let first = run_expecting(&project, &["sessions", "copy", "--all", "--to", to], 0);
    let destination = project.path().join(to);
    let destination = destination.to_string_lossy();
    assert!(
        first.contains(&format!("Copied 2 sessions to {destination}: 2 new\n")),
        "{first}"
    );
    assert!(
        first.contains("Copied eks-troubleshooting (4 messages)"),
        "{first}"
    );
    for name in ["eks-troubleshooting", "vpc-migration"] {
        assert_same(&project, to, name);
    }
    let before = listed(&project, to);

    let second = run_expecting(&project, &["sessions", "copy", "--all", "--to", to], 0);
    assert_eq!(
        second,
        format!("Copied 0 sessions to {destination}; 2 unchanged\n")
    );
    assert_eq!(
        listed(&project, to),
        before,
        "nothing changed at the destination"
    );
    for name in ["eks-troubleshooting", "vpc-migration"] {
        assert_same(&project, to, name);
    }
}

#[test]
fn named_sessions_are_copied_alone_and_unknown_names_copy_nothing() {
    let project = project_with_two();
    let to = "team.db";
    run_expecting(
        &project,
        &["sessions", "copy", "vpc-migration", "--to", to],
        0,
    );
    assert_eq!(
        listed(&project, to).matches("\"name\"").count(),
        1,
        "only the session named"
    );

    let unknown = run_expecting(
        &project,
        &[
            "sessions",
            "copy",
            "eks-troubleshooting",
            "eks-troubleshootng",
            "--to",
            to,
        ],
        1,
    );
    assert!(
        unknown.contains("no session named \"eks-troubleshootng\"")
            && unknown.contains("nothing was copied")
            && unknown.contains("did you mean eks-troubleshooting?"),
        "{unknown}"
    );
    assert!(
        !listed(&project, to).contains("eks-troubleshooting"),
        "a known name before the unknown one was not copied either"
    );

    let neither = run_expecting(&project, &["sessions", "copy", "--to", to], 2);
    assert!(neither.contains("<NAME|--all>"), "{neither}");
    let both = run_expecting(
        &project,
        &["sessions", "copy", "vpc-migration", "--all", "--to", to],
        2,
    );
    assert!(both.contains("cannot be used with"), "{both}");
}

#[test]
fn copying_a_store_onto_itself_is_refused() {
    let project = project_with_two();
    let refused = run_expecting(
        &project,
        &[
            "sessions",
            "copy",
            "--all",
            "--to",
            "./.confab/../.confab/sessions.db",
        ],
        2,
    );
    assert!(
        refused.contains("is both the source and the destination"),
        "{refused}"
    );
    let from_missing = run_expecting(
        &project,
        &[
            "sessions",
            "copy",
            "--all",
            "--from",
            "nothing.db",
            "--to",
            "t.db",
        ],
        2,
    );
    assert!(
        from_missing.contains("there is no session store at"),
        "{from_missing}"
    );
    assert!(!project.path().join("nothing.db").exists());
    assert!(!project.path().join("t.db").exists());
}

#[test]
fn a_dry_run_says_what_it_would_do_and_writes_nothing() {
    let project = project_with_two();
    let said = run_expecting(
        &project,
        &["sessions", "copy", "--all", "--to", "team.db", "--dry-run"],
        0,
    );
    assert!(said.contains("Would copy vpc-migration ("), "{said}");
    assert!(
        said.contains(": 2 new (dry run: nothing was written)"),
        "{said}"
    );
    assert!(
        !project.path().join("team.db").exists(),
        "a dry run creates no store"
    );

    run_expecting(
        &project,
        &["sessions", "copy", "vpc-migration", "--to", "team.db"],
        0,
    );
    let before = listed(&project, "team.db");
    let output = run(
        &project,
        &[
            "sessions",
            "copy",
            "--all",
            "--to",
            "team.db",
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["dry_run"], true);
    let outcomes: Vec<(&str, &str)> = report["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|session| {
            (
                session["name"].as_str().expect("name"),
                session["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("eks-troubleshooting", "new"),
            ("vpc-migration", "unchanged")
        ]
    );
    assert_eq!(listed(&project, "team.db"), before, "nothing was written");
}

#[test]
fn a_continued_session_gets_only_its_new_messages() {
    let provider = FakeProvider::start();
    let project = chat_project(&provider);
    turn(&project, &provider, None, "first");
    let to = "team.db";
    run_expecting(&project, &["sessions", "copy", "s", "--to", to], 0);
    assert_same(&project, to, "s");

    turn(&project, &provider, None, "second");
    let updated = run_expecting(&project, &["sessions", "copy", "s", "--to", to], 0);
    assert!(updated.contains("Added 2 messages to s\n"), "{updated}");
    assert!(updated.contains(": 1 updated\n"), "{updated}");
    assert_same(&project, to, "s");
    let again = run_expecting(&project, &["sessions", "copy", "s", "--to", to], 0);
    assert!(again.ends_with("; 1 unchanged\n"), "{again}");
}

#[test]
fn a_session_that_went_further_at_the_destination_is_left_alone_unless_overwrite() {
    let provider = FakeProvider::start();
    let project = chat_project(&provider);
    turn(&project, &provider, None, "first");
    let to = "team.db";
    run_expecting(&project, &["sessions", "copy", "s", "--to", to], 0);
    turn(&project, &provider, Some(to), "there");
    let there = shown(&project, Some(to), "s");

    let left = run_expecting(&project, &["sessions", "copy", "s", "--to", to], 0);
    assert!(left.contains("s went further at"), "{left}");
    assert!(left.contains("; 1 newer at the destination\n"), "{left}");
    assert_eq!(shown(&project, Some(to), "s"), there);

    // Taking it home instead brings the new messages.
    let home = run_expecting(
        &project,
        &[
            "sessions",
            "copy",
            "s",
            "--from",
            to,
            "--to",
            ".confab/sessions.db",
        ],
        0,
    );
    assert!(home.contains("Added 2 messages to s"), "{home}");
    assert_same(&project, to, "s");

    // Ahead again: --overwrite puts the project's session back in its place.
    turn(&project, &provider, Some(to), "there again");
    let replaced = run_expecting(
        &project,
        &["sessions", "copy", "s", "--to", to, "--overwrite"],
        0,
    );
    assert!(replaced.contains(": 1 replaced\n"), "{replaced}");
    assert_same(&project, to, "s");
}

#[test]
fn diverged_sessions_are_not_copied_and_fail_the_run_unless_overwrite() {
    let provider = FakeProvider::start();
    let project = chat_project(&provider);
    turn(&project, &provider, None, "first");
    let to = "team.db";
    run_expecting(&project, &["sessions", "copy", "s", "--to", to], 0);
    turn(&project, &provider, None, "here");
    turn(&project, &provider, Some(to), "there");
    let there = shown(&project, Some(to), "s");

    let warned = run_expecting(&project, &["sessions", "copy", "s", "--to", to], 1);
    assert!(
        warned.contains("warning: s has diverged"),
        "names the session: {warned}"
    );
    assert!(
        warned.contains("--overwrite replaces") && warned.contains("confab sessions fork s NEW"),
        "{warned}"
    );
    assert!(warned.contains("; 1 diverged (not copied)"), "{warned}");
    assert!(
        warned.contains("error: 1 of 1 session could not be copied"),
        "{warned}"
    );
    assert_eq!(shown(&project, Some(to), "s"), there, "left as it was");

    let replaced = run_expecting(
        &project,
        &["sessions", "copy", "s", "--to", to, "--overwrite"],
        0,
    );
    assert!(replaced.contains("Replaced s at"), "{replaced}");
    assert!(replaced.contains(": 1 replaced\n"), "{replaced}");
    assert_same(&project, to, "s");
}

/// `url` with a password in it (a server that trusts the connection ignores it).
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let (host_part, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = host_part
        .rsplit_once('@')
        .map_or(host_part, |(_, host)| host);
    let user = host_part.rsplit_once('@').map_or("postgres", |(user, _)| {
        user.split(':').next().unwrap_or(user)
    });
    format!("{scheme}://{user}:{password}@{host}{tail}")
}

#[test]
fn sessions_are_published_to_postgres_and_taken_home_again() {
    let Some(database) = team_database() else {
        return;
    };
    const PASSWORD: &str = "pw-Never-Shown-42";
    let team = with_password(&database, PASSWORD);
    let mine = project_with_two();
    let mut outputs = Vec::new();

    let published = run(&mine, &["sessions", "copy", "--all", "--to", &team]);
    assert!(published.status.success(), "{published:?}");
    assert!(
        stderr(&published).contains(": 2 new\n") && stderr(&published).contains("postgres"),
        "{published:?}"
    );
    outputs.push(published);
    for name in ["eks-troubleshooting", "vpc-migration"] {
        assert_same(&mine, &team, name);
    }

    let again = run(&mine, &["sessions", "copy", "--all", "--to", &team]);
    assert!(again.status.success(), "{again:?}");
    assert!(stderr(&again).ends_with("; 2 unchanged\n"), "{again:?}");
    outputs.push(again);

    // Someone else takes one home, into their own project.
    let theirs = Project::new();
    let home = run(
        &theirs,
        &[
            "sessions",
            "copy",
            "vpc-migration",
            "--from",
            &team,
            "--to",
            ".confab/sessions.db",
            "--format",
            "json",
        ],
    );
    assert!(home.status.success(), "{home:?}");
    assert_eq!(theirs.session_names(), ["vpc-migration"]);
    assert!(
        theirs.path().join(".confab/.gitignore").exists(),
        "the project's new store is kept out of git"
    );
    assert_eq!(
        shown(&theirs, None, "vpc-migration"),
        shown(&mine, None, "vpc-migration")
    );
    outputs.push(home);
    let refused = run(
        &theirs,
        &[
            "sessions", "copy", "--all", "--from", &team, "--to", &database,
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    outputs.push(refused);
    let diverged_or_not = run(
        &theirs,
        &["sessions", "copy", "nope", "--from", &team, "--to", "x.db"],
    );
    assert_eq!(diverged_or_not.status.code(), Some(1));
    outputs.push(diverged_or_not);

    for output in &outputs {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!all.contains(PASSWORD), "the password was printed: {all}");
    }
}

#[test]
fn a_failure_part_way_leaves_each_session_whole_or_absent() {
    let Some(database) = team_database() else {
        return;
    };
    let mine = project_with_two();
    mine.write(
        "zz.json",
        r#"{"version": "1.0", "exported_at": "2026-01-01T00:00:00Z", "exported_by": "tester",
            "session": {"name": "zz", "provider": "openai", "model": "m",
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"},
            "messages": [{"role": "user", "content": "last"}]}"#,
    );
    run_expecting(&mine, &["sessions", "import", "zz.json"], 0);
    run_expecting(
        &mine,
        &["sessions", "copy", "eks-troubleshooting", "--to", &database],
        0,
    );
    // The server refuses the third message of vpc-migration: its session row and first
    // messages are written in the same transaction, and must go with it.
    let mut client = postgres::Client::connect(&database, postgres::NoTls).expect("connect");
    client
        .batch_execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.position >= 2 AND
                  (SELECT name FROM sessions WHERE id = NEW.session_id) = 'vpc-migration' THEN
                 RAISE EXCEPTION 'refused for the test';
               END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse BEFORE INSERT ON messages
               FOR EACH ROW EXECUTE FUNCTION refuse();",
        )
        .expect("a trigger");

    let failed = run_expecting(&mine, &["sessions", "copy", "--all", "--to", &database], 1);
    assert!(
        failed.contains(
            "stopped at vpc-migration: 0 sessions copied before it; the sessions after it were \
             not copied"
        ),
        "{failed}"
    );
    assert!(failed.contains("; 1 unchanged\n"), "{failed}");
    let names = listed(&mine, &database);
    assert!(
        names.contains("eks-troubleshooting")
            && !names.contains("vpc-migration")
            && !names.contains("\"zz\""),
        "{names}"
    );

    client
        .batch_execute("DROP TRIGGER refuse ON messages")
        .expect("drop the trigger");
    let resumed = run_expecting(&mine, &["sessions", "copy", "--all", "--to", &database], 0);
    assert!(resumed.contains(": 2 new; 1 unchanged\n"), "{resumed}");
    assert_same(&mine, &database, "vpc-migration");
}

/// A project with `count` small sessions, `s00`, `s01`, ….
fn project_with_many(count: usize) -> Project {
    let project = Project::new();
    for index in 0..count {
        project.write(
            &format!("many/s{index:02}.json"),
            format!(
                r#"{{"version": "1.0", "exported_at": "2026-01-01T00:00:00Z", "exported_by": "t",
                    "session": {{"name": "s{index:02}", "provider": "openai", "model": "m",
                    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}},
                    "messages": [{{"role": "user", "content": "message of s{index:02}"}}]}}"#
            ),
        );
    }
    run_expecting(&project, &["sessions", "import", "many"], 0);
    project
}

#[test]
fn piped_output_has_no_progress_bar() {
    let project = project_with_many(30);
    let copied = run_expecting(&project, &["sessions", "copy", "--all", "--to", "t.db"], 0);
    assert!(
        !copied.contains(['\u{1b}', '\r']) && !copied.contains("copying"),
        "nothing but the report when piped: {copied:?}"
    );
    assert_eq!(copied.lines().count(), 31, "{copied}");
    assert!(copied.ends_with(": 30 new\n"), "{copied}");
}

#[test]
fn on_a_terminal_many_sessions_show_a_progress_bar() {
    let project = project_with_many(30);
    let mut command = project.command();
    command
        .args(["sessions", "copy", "--all", "--to", "t.db"])
        .env("TERM", "xterm");
    let mut terminal =
        rexpect::session::spawn_command(command, Some(60_000)).expect("runs on a pty");
    let shown = terminal.exp_eof().expect("the copy ends");
    assert!(shown.contains("copying"), "{shown:?}");
    assert!(shown.contains(": 30 new"), "{shown:?}");
}
