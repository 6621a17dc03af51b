//! `confab sessions list | show | delete | clean`, on the embedded store.

use predicates::str::contains;

use crate::util::{Project, transcript};

fn project_with_sessions() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.import_fixture("atmos/vpc-migration.yaml");
    project
}

#[test]
fn list_shows_a_table_names_or_json() {
    let project = project_with_sessions();
    let table = project
        .confab()
        .args(["sessions", "list", "--format", "table"])
        .output()
        .expect("runs");
    insta::assert_snapshot!(transcript(&project, &table), @r"
    exit: 0
    --- stdout
    NAME                 CREATED              UPDATED              MESSAGES  MODEL              PROVIDER
    eks-troubleshooting  2025-10-29 15:20:00  2025-10-29 20:45:00         4  gpt-4o             openai
    vpc-migration        2025-10-30 14:30:00  2025-10-31 09:15:00         3  claude-sonnet-4-6  anthropic
    --- stderr
    ");
    // Piped output (tests are never a terminal) is one name per line, for scripts.
    project
        .confab()
        .args(["sessions", "list"])
        .assert()
        .success()
        .stdout("eks-troubleshooting\nvpc-migration\n");
    // Bare `confab sessions` is `list`.
    project
        .confab()
        .arg("sessions")
        .assert()
        .success()
        .stdout("eks-troubleshooting\nvpc-migration\n");

    let json = project
        .confab()
        .args(["sessions", "list", "--json"])
        .output()
        .expect("runs");
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let first = &document["sessions"][0];
    assert_eq!(first["name"], "eks-troubleshooting");
    assert_eq!(first["provider"], "openai");
    assert_eq!(first["model"], "gpt-4o");
    assert_eq!(first["created_at"], "2025-10-29T15:20:00.120934Z");
    assert_eq!(first["updated_at"], "2025-10-29T20:45:00.5Z");
    assert_eq!(first["message_count"], 4);
    assert!(first["imported_at"].is_string());
    assert_eq!(first["last_active_at"], first["imported_at"]);
    let same = project
        .confab()
        .args(["sessions", "list", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(json.stdout, same.stdout);
}

#[test]
fn an_empty_project_hints_how_to_start_and_creates_nothing() {
    let project = Project::new();
    project
        .confab()
        .args(["sessions", "list", "--format", "table"])
        .assert()
        .success()
        .stdout(contains(
            "No sessions yet. Start one with `confab chat --session NAME`",
        ));
    project
        .confab()
        .args(["sessions", "list"])
        .assert()
        .success()
        .stdout("")
        .stderr(contains("No sessions yet"));
    project
        .confab()
        .args(["sessions", "list", "--json"])
        .assert()
        .success()
        .stdout("{\n  \"sessions\": []\n}\n");
    assert!(
        !project.path().join(".confab").exists(),
        "reading must not create a store"
    );
}

#[test]
fn show_prints_a_readable_transcript() {
    let project = Project::new();
    project.import_fixture("../../examples/incident-review.json");
    let output = project
        .confab()
        .args(["sessions", "show", "incident-review"])
        .output()
        .expect("runs");
    insta::assert_snapshot!(transcript(&project, &output));
}

#[test]
fn show_defuses_terminal_escapes() {
    let project = Project::new();
    project.write(
        "evil.json",
        r#"{"version":"1.0","session":{"name":"evil","provider":"p\u001b]0;pwned\u0007","model":"m"},
            "messages":[{"role":"user","content":"\u001b[2J\u001b[31mred"}]}"#,
    );
    project
        .confab()
        .args(["sessions", "import", "evil.json"])
        .assert()
        .success();
    let output = project
        .confab()
        .args(["sessions", "show", "evil"])
        .output()
        .expect("runs");
    assert!(
        !output.stdout.contains(&0x1b),
        "no raw ESC reaches the terminal"
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("\\u{1b}[31mred"), "{text}");
}

#[test]
fn unknown_names_suggest_the_closest() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "show", "eks-troubleshoting"])
        .assert()
        .code(1)
        .stderr("error: no session named \"eks-troubleshoting\"\nhint: did you mean eks-troubleshooting?\n");
    project
        .confab()
        .args(["sessions", "delete", "vpc-migraton"])
        .assert()
        .code(1)
        .stderr(contains("hint: did you mean vpc-migration?"));
    project
        .confab()
        .args(["sessions", "delete", "zzz"])
        .assert()
        .code(1)
        .stderr(contains(
            "hint: `confab sessions list` shows the sessions there are",
        ));
}

#[test]
fn delete_removes_all_named_or_none() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "delete", "eks-troubleshooting", "nope"])
        .assert()
        .code(1)
        .stderr(contains("nothing was deleted"));
    assert_eq!(project.session_names().len(), 2);
    project
        .confab()
        .args(["sessions", "delete", "eks-troubleshooting", "vpc-migration"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            "Moved eks-troubleshooting to the trash\nMoved vpc-migration to the trash\n\
             Restore with `confab sessions trash restore eks-troubleshooting vpc-migration`; \
             the trash keeps them for 30d.\n",
        );
    assert!(project.session_names().is_empty());
    project
        .confab()
        .args(["sessions", "delete"])
        .assert()
        .code(2);
}

#[test]
fn delete_takes_a_repeated_name_once() {
    let project = project_with_sessions();
    project
        .confab()
        .args([
            "sessions",
            "delete",
            "vpc-migration",
            "eks-troubleshooting",
            "vpc-migration",
        ])
        .assert()
        .success()
        .stderr(contains(
            "Moved vpc-migration to the trash\nMoved eks-troubleshooting to the trash\nRestore",
        ));
    assert!(project.session_names().is_empty());
}

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

#[test]
fn clean_understands_every_unit() {
    // `m` is months, as in Atmos, and is shown as `mo`; minutes are `min`.
    for (age, shown, older, newer) in [
        ("90min", "90min", 2 * HOUR, HOUR),
        ("1h", "1h", 2 * HOUR, HOUR / 2),
        ("2d", "2d", 3 * DAY, DAY),
        ("2w", "2w", 15 * DAY, 13 * DAY),
        ("2mo", "2mo", 70 * DAY, 50 * DAY),
        ("2m", "2mo", 70 * DAY, 50 * DAY),
    ] {
        let project = project_with_sessions();
        project.age_session("eks-troubleshooting", older);
        project.age_session("vpc-migration", newer);
        project
            .confab()
            .args(["sessions", "clean", "--older-than", age])
            .assert()
            .success()
            .stdout(contains(format!(
                "Moved 1 session to the trash, inactive for more than {shown} (last active before "
            )))
            .stdout(contains("):\n  eks-troubleshooting  last active "));
        assert_eq!(
            project.session_names(),
            ["vpc-migration"],
            "after clean --older-than {age}"
        );
    }
}

#[test]
fn clean_dry_run_changes_nothing() {
    let project = project_with_sessions();
    project.age_session("eks-troubleshooting", 40 * DAY);
    project
        .confab()
        .args(["sessions", "clean", "--dry-run"])
        .assert()
        .success()
        .stdout(contains(
            "Would move 1 session to the trash, inactive for more than 30d (last active before ",
        ))
        .stdout(contains("):\n  eks-troubleshooting  last active "));
    assert_eq!(project.session_names().len(), 2);
    // The default is 30 days.
    project
        .confab()
        .args(["sessions", "clean"])
        .assert()
        .success()
        .stdout(contains("Moved 1 session to the trash"));
    assert_eq!(project.session_names(), ["vpc-migration"]);
}

#[test]
fn clean_measures_age_from_the_import() {
    // The fixtures were last updated in 2025, but imported just now: they are not stale.
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "1h"])
        .assert()
        .success()
        .stdout(predicates::str::starts_with(
            "No sessions inactive for more than 1h (last active before ",
        ));
    assert_eq!(project.session_names().len(), 2);
}

#[test]
fn clean_zero_removes_everything() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "0d"])
        .assert()
        .success()
        .stdout(contains("Moved 2 sessions to the trash:\n"));
    assert!(project.session_names().is_empty());
}

#[test]
fn clean_refuses_invalid_ages_listing_the_units() {
    let project = project_with_sessions();
    for bad in ["30", "30x", "-1d", "1.5d", "5mins"] {
        project
            .confab()
            .args(["sessions", "clean", "--older-than", bad])
            .assert()
            .code(2)
            .stderr(contains(
                "min (minutes), h (hours), d (days), w (weeks) or mo (months; m also means months)",
            ));
    }
    assert_eq!(project.session_names().len(), 2);
}

#[test]
fn retention_comes_from_confab_yaml_or_the_environment() {
    let project = project_with_sessions();
    project.age_session("eks-troubleshooting", 3 * DAY);
    project.write("confab.yaml", "sessions:\n  retention: 2d\n");
    project
        .confab()
        .args(["sessions", "clean", "--dry-run"])
        .assert()
        .success()
        .stdout(contains("Would move 1"));
    project
        .confab()
        .args(["sessions", "clean", "--dry-run"])
        .env("CONFAB_SESSIONS_RETENTION", "1w")
        .assert()
        .success()
        .stdout(contains(
            "No sessions inactive for more than 1w (last active before ",
        ));
    project.write("confab.yaml", "sessions:\n  retention: 2x\n");
    project
        .confab()
        .args(["sessions", "list"])
        .assert()
        .code(1)
        .stderr(contains("sessions.retention in"))
        .stderr(contains("invalid age \"2x\""));
    project.write("confab.yaml", "sessions:\n  retension: 2d\n");
    project
        .confab()
        .args(["sessions", "list"])
        .assert()
        .code(1)
        .stderr(contains("confab.yaml:2:3"))
        .stderr(contains("retension"));
}

#[test]
fn the_store_path_is_configurable_and_the_root_is_found_from_subfolders() {
    let project = Project::new();
    project.write("confab.yaml", "sessions:\n  path: state/my.db\n");
    let nested = project.path().join("deep/er");
    std::fs::create_dir_all(&nested).expect("mkdir");
    let fixture = crate::util::fixture_path("atmos/vpc-migration.yaml");
    project
        .confab()
        .current_dir(&nested)
        .args(["sessions", "import"])
        .arg(&fixture)
        .assert()
        .success();
    assert!(project.path().join("state/my.db").is_file());
    assert!(!nested.join(".confab").exists());
    let other = project.path().join("elsewhere.db");
    project
        .confab()
        .env("CONFAB_SESSIONS_PATH", &other)
        .args(["sessions", "import"])
        .arg(&fixture)
        .assert()
        .success();
    assert!(other.is_file());
}

#[test]
fn two_processes_write_to_one_store_at_once() {
    let project = Project::new();
    let fixture = crate::util::fixture_path("atmos/eks-troubleshooting.json");
    let writers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|prefix| {
            let mut commands: Vec<_> = (0..15)
                .map(|index| {
                    let mut command = project.confab();
                    command
                        .args(["sessions", "import", "--name", &format!("{prefix}{index}")])
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
    for writer in writers {
        writer.join().expect("writer succeeded");
    }
    assert_eq!(project.session_names().len(), 30);
}

/// Whether `needle` occurs in the file at `path` (a missing file holds nothing).
fn file_holds(path: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read(path)
        .is_ok_and(|bytes| bytes.windows(needle.len()).any(|window| window == needle))
}

/// How a test of purged text removes the session: the commands, and whether the trash entry is
/// made older than `retention.trash` before the last one.
struct Removal {
    commands: &'static [&'static [&'static str]],
    expired: bool,
}

#[test]
fn deleted_sessions_leave_no_text_in_the_store_files() {
    // A small session is removed row by row; one holding most of the store's messages by
    // emptying the tables and compacting the file: both must leave nothing behind, whether
    // purged at once, moved to the trash and emptied, or expired from the trash.
    let removals = [
        Removal {
            commands: &[&["sessions", "delete", "secret", "--purge"]],
            expired: false,
        },
        Removal {
            commands: &[&["sessions", "clean", "--older-than", "1d", "--purge"]],
            expired: false,
        },
        Removal {
            commands: &[
                &["sessions", "delete", "secret"],
                &["sessions", "trash", "empty"],
            ],
            expired: false,
        },
        Removal {
            commands: &[
                &["sessions", "clean", "--older-than", "1d"],
                &["sessions", "trash", "empty", "--yes"],
            ],
            expired: false,
        },
        // Older than `retention.trash` (30d): the next command that works on the trash purges it.
        Removal {
            commands: &[
                &["sessions", "delete", "secret"],
                &["sessions", "trash", "list"],
            ],
            expired: true,
        },
    ];
    for removal in &removals {
        for copies in [1, 40] {
            assert_purged(removal, copies);
        }
    }
}

fn assert_purged(removal: &Removal, copies: usize) {
    let project = project_with_sessions();
    let mut checkpoint: serde_json::Value =
        serde_json::from_str(&project.read("eks-troubleshooting.json")).expect("JSON");
    checkpoint["messages"][0]["content"] = "the vault passphrase is Quokka-Marmalade-31415".into();
    let messages = checkpoint["messages"].as_array().expect("messages").clone();
    let copied: Vec<serde_json::Value> = (0..copies).flat_map(|_| messages.clone()).collect();
    let users = copied
        .iter()
        .filter(|message| message["role"] == "user")
        .count();
    let assistants = copied
        .iter()
        .filter(|message| message["role"] == "assistant")
        .count();
    checkpoint["statistics"]["message_count"] = copied.len().into();
    checkpoint["statistics"]["user_messages"] = users.into();
    checkpoint["statistics"]["assistant_messages"] = assistants.into();
    checkpoint["messages"] = copied.into();
    project.write("secret.json", checkpoint.to_string());
    // Another process has the store open (a chat, say), so the -wal outlives each command.
    let _other = confab_store_sqlite::SqliteStore::open(&project.store_path()).expect("opens");
    project
        .confab()
        .args(["sessions", "import", "--name", "secret", "secret.json"])
        .assert()
        .success();
    project.age_session("secret", 7 * DAY);
    let state = project.path().join(".confab");
    let files = [state.join("sessions.db"), state.join("sessions.db-wal")];
    // The words as written, and as the search index keeps them (folded to lower case).
    let needles: [&[u8]; 2] = [b"Quokka-Marmalade", b"marmalade"];
    let (last, first) = removal.commands.split_last().expect("a command");
    for command in first {
        project.confab().args(*command).assert().success();
        assert!(
            files.iter().any(|file| file_holds(file, needles[0])),
            "the trash keeps the text after {command:?}"
        );
    }
    assert!(
        files.iter().any(|file| file_holds(file, needles[0])),
        "the text is in the store before"
    );
    if removal.expired {
        project.age_trash("secret", 31 * DAY);
    }
    project.confab().args(*last).assert().success();
    for file in &files {
        for needle in needles {
            assert!(
                !file_holds(file, needle),
                "{} still holds {:?} after {:?} ({copies} copies)",
                file.display(),
                String::from_utf8_lossy(needle),
                removal.commands
            );
        }
    }
    assert_eq!(project.session_names().len(), 2, "the others stay");
    let trash = project
        .confab()
        .args(["sessions", "trash", "list", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(
        String::from_utf8_lossy(&trash.stdout),
        "{\n  \"trash\": []\n}\n"
    );
}
