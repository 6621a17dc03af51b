//! The team store: every command does the same on a PostgreSQL store as on the SQLite file.
//!
//! The store tests (`confab_core::conformance`) hold both stores to one contract; these run the
//! real binary through the same script of commands on a project with the default SQLite store
//! and on one whose `--store` is a fresh PostgreSQL database, and compare what each command
//! printed and how it exited. Times are masked (the two runs are seconds apart), and so are the
//! sizes of trash entries, which hold the import time: its text is as long as its last digit that
//! is not zero (the stores' own tests compare sizes of the same sessions, times included). The
//! hits of a search are compared as a set: the stores rank with different measures (`bm25`,
//! `ts_rank`), so equally relevant hits may come in another order. Nothing else may differ.

use std::process::Output;

use crate::util::{Project, team_database};

/// The commands of the script, in order. Each sees what the ones before it did.
const SCRIPT: &[&[&str]] = &[
    &["sessions", "list"],
    // Two imports, so `vpc-migration` is imported after `eks-troubleshooting` in each project
    // (the files of one import are read in parallel, in no set order) and `clean --keep 1`
    // keeps the same session on both.
    &["sessions", "import", "eks-troubleshooting.json"],
    &["sessions", "import", "vpc-migration.yaml", "extra.json"],
    &["sessions", "import", "eks-troubleshooting.json"],
    &["sessions", "list"],
    &["sessions", "list", "--format", "json"],
    &["sessions", "show", "eks-troubleshooting"],
    &[
        "sessions",
        "show",
        "eks-troubleshooting",
        "--format",
        "json",
    ],
    &["sessions", "show", "no-such-session"],
    &["sessions", "search", "pods"],
    &["sessions", "search", "pod", "--format", "json"],
    &["sessions", "search", "\"stuck in pending\""],
    &["sessions", "search", "nothing-matches-this"],
    &["sessions", "search", "vpc", "--session", "vpc-migration"],
    &["sessions", "export", "vpc-migration", "--format", "json"],
    &["sessions", "export", "extra", "--format", "markdown"],
    &["sessions", "rename", "extra", "extra-renamed"],
    &[
        "sessions",
        "fork",
        "extra-renamed",
        "extra-fork",
        "--at",
        "1",
    ],
    &["sessions", "show", "extra-fork"],
    &["stats"],
    &["stats", "--format", "json"],
    &["sessions", "delete", "extra-renamed"],
    &["sessions", "trash", "list"],
    &["sessions", "search", "emoji"],
    &["sessions", "trash", "restore", "extra-renamed"],
    &["sessions", "delete", "extra-renamed", "extra-fork"],
    &["sessions", "trash", "empty"],
    &["sessions", "trash", "list"],
    &["sessions", "clean", "--older-than", "0d", "--dry-run"],
    &["sessions", "clean", "--older-than", "0d", "--keep", "1"],
    &["sessions", "list"],
    &["sessions", "clean", "--older-than", "0d", "--purge"],
    &["sessions", "list"],
    &["sessions", "trash", "list", "--format", "json"],
];

/// A third session, with text of every kind (emoji, CJK, markup) to search and render.
const EXTRA: &str = r#"{
  "version": "1.0",
  "exported_at": "2026-02-01T10:00:00Z",
  "exported_by": "tester",
  "session": {
    "name": "extra",
    "provider": "anthropic",
    "model": "claude-sonnet-4-6",
    "created_at": "2026-02-01T09:00:00Z",
    "updated_at": "2026-02-01T09:05:00Z"
  },
  "messages": [
    {"role": "user", "content": "An emoji 🚀 and 日本 and <b>markup</b>: which pods?",
     "created_at": "2026-02-01T09:00:00Z"},
    {"role": "assistant", "content": "Check the pods with `kubectl get pods`.",
     "created_at": "2026-02-01T09:05:00Z",
     "usage": {"input_tokens": 12, "output_tokens": 7}}
  ]
}"#;

fn project_with_files() -> Project {
    let project = Project::new();
    project.fixture("atmos/eks-troubleshooting.json");
    project.fixture("atmos/vpc-migration.yaml");
    project.write("extra.json", EXTRA);
    project
}

/// What step `step` printed and how it exited, times masked, a search's hits in a set order
/// and the trash's sizes masked.
fn outcome(step: &[&str], output: &Output) -> String {
    let masked = |bytes: &[u8]| mask_times(&String::from_utf8_lossy(bytes));
    let mut stdout = masked(&output.stdout);
    if step.starts_with(&["sessions", "search"]) {
        stdout = hits_in_order(&stdout);
    }
    if step.starts_with(&["sessions", "trash", "list"]) {
        stdout = mask_sizes(&stdout);
    }
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        output.status.code(),
        stdout,
        masked(&output.stderr)
    )
}

/// A search's output with its hits sorted: the JSON `hits` array, or the text's blocks (one a
/// hit, separated by an empty line).
fn hits_in_order(stdout: &str) -> String {
    if let Ok(mut json) = serde_json::from_str::<serde_json::Value>(stdout) {
        if let Some(hits) = json
            .get_mut("hits")
            .and_then(serde_json::Value::as_array_mut)
        {
            hits.sort_by_key(ToString::to_string);
        }
        return format!("{json:#}\n");
    }
    let mut blocks: Vec<&str> = stdout.trim_end_matches('\n').split("\n\n").collect();
    blocks.sort_unstable();
    format!("{}\n", blocks.join("\n\n"))
}

/// `text` with every size of a trash listing (`"size": 545`, `545 bytes`) replaced by a mark.
fn mask_sizes(text: &str) -> String {
    let size =
        regex::Regex::new(r#"("size": )\d+|\b\d+(\.\d+)? (bytes?|KiB|MiB|GiB)\b"#).expect("regex");
    size.replace_all(text, "${1}<size>").into_owned()
}

/// `text` with every date-time, and every date, replaced by a mark.
fn mask_times(text: &str) -> String {
    let time = regex::Regex::new(
        r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}| UTC)?)?",
    )
    .expect("regex");
    time.replace_all(text, "<time>").into_owned()
}

#[test]
fn every_command_does_the_same_on_both_stores() {
    let Some(database) = team_database() else {
        return;
    };
    let file = project_with_files();
    let team = project_with_files();
    let mut differences = Vec::new();
    for step in SCRIPT {
        let on_file = file.confab().args(*step).output().expect("run confab");
        let on_team = team
            .confab()
            .arg("--store")
            .arg(&database)
            .args(*step)
            .output()
            .expect("run confab");
        let (on_file, on_team) = (outcome(step, &on_file), outcome(step, &on_team));
        if on_file != on_team {
            differences.push(format!(
                "`confab {}`\n  SQLite:     {on_file:?}\n  PostgreSQL: {on_team:?}",
                step.join(" ")
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "commands differ between the stores:\n{}",
        differences.join("\n")
    );
    // The team project kept nothing of its own: its sessions are in the database.
    assert!(!team.path().join(".confab/sessions.db").exists());
}

#[test]
fn eight_people_import_into_the_team_store_at_once() {
    let Some(database) = team_database() else {
        return;
    };
    let project = Project::new();
    let fixture = crate::util::fixture_path("atmos/eks-troubleshooting.json");
    let importers: Vec<_> = (0..8)
        .map(|person| {
            let mut commands: Vec<_> = (0..5)
                .map(|index| {
                    let mut command = project.confab();
                    command
                        .env("CONFAB_STORE", &database)
                        .args([
                            "sessions",
                            "import",
                            "--name",
                            &format!("p{person}-{index}"),
                        ])
                        .arg(&fixture);
                    command
                })
                .collect();
            std::thread::spawn(move || {
                for command in &mut commands {
                    let output = command.output().expect("runs");
                    assert!(
                        output.status.success(),
                        "{}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            })
        })
        .collect();
    // Someone reads the library all the while: never an error, never half a session.
    let mut reader = project.confab();
    reader
        .env("CONFAB_STORE", &database)
        .args(["sessions", "list", "--format", "json"]);
    for _ in 0..5 {
        let output = reader.output().expect("runs");
        assert!(output.status.success());
        let listed: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        for session in listed["sessions"].as_array().expect("sessions") {
            assert_eq!(session["message_count"], 4, "{session}");
        }
    }
    for importer in importers {
        importer.join().expect("importer succeeded");
    }
    let listed = project
        .confab()
        .env("CONFAB_STORE", &database)
        .args(["sessions", "list"])
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 40);
    // Every one of them is found, through the database's own index.
    let found = project
        .confab()
        .env("CONFAB_STORE", &database)
        .args([
            "sessions", "search", "pending", "--limit", "100", "--format", "json",
        ])
        .output()
        .expect("runs");
    let hits: serde_json::Value = serde_json::from_slice(&found.stdout).expect("json");
    let sessions: std::collections::BTreeSet<&str> = hits["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .filter_map(|hit| hit["session"].as_str())
        .collect();
    assert_eq!(sessions.len(), 40);
}

/// Two people send a message to one session at the same moment, on `store` (`None`: the
/// project's own SQLite file). Both turns are kept, one after the other, and the answer of the
/// one stored second was asked again with the first turn in its history.
fn two_people_chat_in_one_session(store: Option<&str>) {
    use crate::fake_provider::{FakeProvider, openai_drip, openai_stream};
    use std::time::Duration;

    let provider = FakeProvider::start();
    let project = crate::chat::project(&provider);
    let chat = |user: &str| {
        let mut command = crate::chat::chat(&project);
        command.env("CONFAB_USER", user);
        if let Some(store) = store {
            command.env("CONFAB_STORE", store);
        }
        command
    };
    provider.push(openai_stream("gpt-test", &["Hello."], (1, 1)));
    let seeded = chat("carol")
        .args(["--session", "s", "--message", "Start"])
        .output()
        .expect("runs");
    assert!(seeded.status.success(), "{seeded:?}");

    // Alice's answer takes a while; Bob asks meanwhile and has his answer at once, so his turn
    // is stored first and Alice's answer, asked without it, is stale.
    provider.push(openai_drip("gpt-test", 10, Duration::from_millis(150)));
    provider.push(openai_stream("gpt-test", &["Bob's answer."], (1, 1)));
    provider.push(openai_stream("gpt-test", &["Fresh answer."], (1, 1)));
    let mut alice = chat("alice");
    alice.args(["--session", "s", "--message", "Alice asks"]);
    let alice = std::thread::spawn(move || alice.output().expect("runs"));
    while provider.requests().len() < 2 {
        std::thread::sleep(Duration::from_millis(10));
    }
    let bob = chat("bob")
        .args(["--session", "s", "--message", "Bob asks"])
        .output()
        .expect("runs");
    let alice = alice.join().expect("alice's chat ends");
    assert!(alice.status.success(), "{alice:?}");
    assert!(bob.status.success(), "{bob:?}");
    assert_eq!(String::from_utf8_lossy(&bob.stdout), "Bob's answer.\n");

    let alice_saw = String::from_utf8_lossy(&alice.stderr);
    assert!(
        alice_saw
            .contains("note: bob added 2 messages to s while the model answered; asking again"),
        "{alice_saw}"
    );
    assert!(
        alice_saw.contains("Bob asks"),
        "Alice sees Bob's turn: {alice_saw}"
    );
    // Only the answer that was kept reaches stdout, not the stale one.
    assert_eq!(String::from_utf8_lossy(&alice.stdout), "Fresh answer.\n");

    let mut show = project.confab();
    if let Some(store) = store {
        show.env("CONFAB_STORE", store);
    }
    let shown = show
        .args(["sessions", "show", "s", "--format", "json"])
        .output()
        .expect("runs");
    let session: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
    let transcript: Vec<(String, String)> = session["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|message| {
            (
                message["role"].as_str().unwrap_or_default().to_owned(),
                message["content"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("user", "Start"),
        ("assistant", "Hello."),
        ("user", "Bob asks"),
        ("assistant", "Bob's answer."),
        ("user", "Alice asks"),
        ("assistant", "Fresh answer."),
    ]
    .into_iter()
    .map(|(role, text)| (role.to_owned(), text.to_owned()))
    .collect();
    assert_eq!(transcript, expected);
    assert_eq!(session["session"]["created_by"], "carol");
    assert_eq!(session["session"]["updated_by"], "alice");

    // Alice's kept answer was asked with Bob's turn in its history.
    let asked = provider.last_request().messages();
    let contents: Vec<&str> = asked
        .iter()
        .filter_map(|message| message["content"].as_str())
        .collect();
    assert_eq!(
        contents,
        ["Start", "Hello.", "Bob asks", "Bob's answer.", "Alice asks"]
    );
}

#[test]
fn two_people_chat_in_one_session_on_the_sqlite_store() {
    two_people_chat_in_one_session(None);
}

#[test]
fn two_people_chat_in_one_session_on_the_team_store() {
    if let Some(database) = team_database() {
        two_people_chat_in_one_session(Some(&database));
    }
}

/// Two people clean the same store at the same moment, on `store` (`None`: the project's own
/// SQLite file): every session is removed once, by one of them, and the trash holds each once.
fn two_people_clean_at_once(store: Option<&str>) {
    let project = Project::new();
    let fixture = crate::util::fixture_path("atmos/eks-troubleshooting.json");
    let confab = || {
        let mut command = project.confab();
        if let Some(store) = store {
            command.env("CONFAB_STORE", store);
        }
        command
    };
    for index in 0..12 {
        let output = confab()
            .args(["sessions", "import", "--name", &format!("s{index:02}")])
            .arg(&fixture)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{output:?}");
    }
    let cleaners: Vec<_> = (0..2)
        .map(|_| {
            let mut command = confab();
            command.args(["sessions", "clean", "--older-than", "0d"]);
            std::thread::spawn(move || command.output().expect("runs"))
        })
        .collect();
    let mut removed = Vec::new();
    for cleaner in cleaners {
        let output = cleaner.join().expect("the clean ends");
        assert!(output.status.success(), "{output:?}");
        removed.extend(
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter(|line| line.starts_with("  s"))
                .map(|line| {
                    line.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                }),
        );
    }
    removed.sort();
    let expected: Vec<String> = (0..12).map(|index| format!("s{index:02}")).collect();
    assert_eq!(
        removed, expected,
        "each session removed once, by one of the two"
    );
    let listed = confab().args(["sessions", "list"]).output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&listed.stdout), "");
    let trash = confab()
        .args(["sessions", "trash", "list", "--format", "json"])
        .output()
        .expect("runs");
    let trash: serde_json::Value = serde_json::from_slice(&trash.stdout).expect("json");
    let mut trashed: Vec<&str> = trash["trash"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|entry| entry["name"].as_str())
        .collect();
    trashed.sort_unstable();
    assert_eq!(trashed, expected);
}

#[test]
fn two_people_clean_at_once_on_the_sqlite_store() {
    two_people_clean_at_once(None);
}

#[test]
fn two_people_clean_at_once_on_the_team_store() {
    if let Some(database) = team_database() {
        two_people_clean_at_once(Some(&database));
    }
}

/// Alice and Bob each import sessions into `store`; `list` and `clean` tell them apart.
fn sessions_know_whose_they_are(store: Option<&str>) {
    let project = Project::new();
    let fixture = crate::util::fixture_path("atmos/eks-troubleshooting.json");
    let confab = |user: &str| {
        let mut command = project.confab();
        command.env("CONFAB_USER", user);
        if let Some(store) = store {
            command.env("CONFAB_STORE", store);
        }
        command
    };
    let stdout = |output: std::process::Output| {
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("utf-8")
    };
    for (user, name) in [("alice", "a1"), ("alice", "a2"), ("bob", "b1")] {
        stdout(
            confab(user)
                .args(["sessions", "import", "--name", name])
                .arg(&fixture)
                .output()
                .expect("runs"),
        );
    }
    let list = |user: &str, args: &[&str]| {
        stdout(
            confab(user)
                .args(["sessions", "list"])
                .args(args)
                .output()
                .expect("runs"),
        )
    };
    assert_eq!(list("alice", &["--mine"]), "a1\na2\n");
    assert_eq!(list("alice", &["--by", "bob"]), "b1\n");
    assert_eq!(list("bob", &["--mine"]), "b1\n");
    let json: serde_json::Value =
        serde_json::from_str(&list("carol", &["--format", "json"])).expect("json");
    let authors: Vec<(&str, &str)> = json["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|session| {
            (
                session["created_by"].as_str().unwrap_or("?"),
                session["updated_by"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        authors,
        [("alice", "alice"), ("alice", "alice"), ("bob", "bob")]
    );
    // The table names who made each session once someone else did.
    let table = list("alice", &["--format", "table"]);
    assert!(
        table.lines().next().unwrap_or_default().ends_with("BY"),
        "{table}"
    );
    assert!(table.contains("bob"), "{table}");
    let own = list("alice", &["--format", "table", "--mine"]);
    assert!(
        !own.contains("BY"),
        "only Alice's sessions: no column: {own}"
    );

    // Bob cleans his own sessions and leaves Alice's alone.
    let cleaned = stdout(
        confab("bob")
            .args(["sessions", "clean", "--older-than", "0d", "--mine"])
            .output()
            .expect("runs"),
    );
    assert!(cleaned.contains("b1"), "{cleaned}");
    assert_eq!(list("alice", &[]), "a1\na2\n");
}

#[test]
fn sessions_know_whose_they_are_on_the_sqlite_store() {
    sessions_know_whose_they_are(None);
}

#[test]
fn sessions_know_whose_they_are_on_the_team_store() {
    if let Some(database) = team_database() {
        sessions_know_whose_they_are(Some(&database));
    }
}

#[test]
fn the_store_is_chosen_by_flag_variable_or_settings_and_never_shows_a_password() {
    let project = Project::new();
    let run = |args: &[&str]| project.confab().args(args).output().expect("runs");
    let stderr = |output: &Output| String::from_utf8_lossy(&output.stderr).into_owned();

    // Another scheme is a usage error, not a strange file name.
    let other = run(&["--store", "mysql://db/team", "sessions", "list"]);
    assert_eq!(other.status.code(), Some(2), "{other:?}");
    assert!(stderr(&other).contains("a mysql:// store"), "{other:?}");

    // A path is relative to the current folder, and only that file is used.
    let fixture = crate::util::fixture_path("atmos/eks-troubleshooting.json");
    let imported = project
        .confab()
        .args(["--store", "elsewhere.db", "sessions", "import"])
        .arg(&fixture)
        .output()
        .expect("runs");
    assert!(imported.status.success(), "{imported:?}");
    assert!(project.path().join("elsewhere.db").is_file());
    assert!(!project.path().join(".confab/sessions.db").exists());
    let listed = project
        .confab()
        .env("CONFAB_STORE", "elsewhere.db")
        .args(["sessions", "list"])
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "eks-troubleshooting\n"
    );

    // Two settings for one thing are refused rather than one silently winning.
    project.write("confab.yaml", "sessions:\n  store: a.db\n  path: b.db\n");
    let both = run(&["sessions", "list"]);
    assert_eq!(both.status.code(), Some(1), "{both:?}");
    assert!(
        stderr(&both).contains("sessions.store and sessions.path both say where the store is"),
        "{both:?}"
    );

    // A server that does not answer: the URL is named without its password.
    std::fs::remove_file(project.path().join("confab.yaml")).expect("settings removed");
    let unreachable = run(&[
        "--store",
        "postgres://me:s3cret-pw@127.0.0.1:1/team?connect_timeout=2",
        "sessions",
        "list",
    ]);
    assert_eq!(unreachable.status.code(), Some(1), "{unreachable:?}");
    let said = stderr(&unreachable);
    assert!(
        said.contains("cannot open the session store postgres://127.0.0.1:1/team"),
        "{said}"
    );
    assert!(
        !said.contains("s3cret-pw") && !said.contains("me@"),
        "{said}"
    );
}

#[test]
fn info_names_the_team_store_and_what_chose_it() {
    let Some(database) = team_database() else {
        return;
    };
    let project = Project::new();
    let output = project
        .confab()
        .env("CONFAB_STORE", &database)
        .args(["info", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let store = &info["store"];
    assert_eq!(store["kind"], "postgres");
    assert_eq!(store["chosen_by"], "CONFAB_STORE");
    assert_eq!(store["exists"], true);
    assert_eq!(store["sessions"], 0);
    assert_eq!(store["bytes"], serde_json::Value::Null);
    assert!(
        store["path"]
            .as_str()
            .is_some_and(|path| !path.contains('@')),
        "{store}"
    );
}
