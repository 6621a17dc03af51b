//! A store survives crashes and crowds: processes killed mid-write and many writers at once
//! leave every session wholly present or wholly absent, and never a partial export.

use std::process::Command;
use std::time::Duration;

use confab_store_sqlite::test_support;
use serde_json::{Value, json};

use crate::util::{Project, fixture_path};

/// A checkpoint big enough that importing and exporting it take a while (thousands of messages).
fn long_checkpoint(messages: usize) -> String {
    let mut checkpoint: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    )
    .expect("JSON");
    let list: Vec<Value> = (0..messages)
        .map(|index| {
            json!({
                "role": if index % 2 == 0 { "user" } else { "assistant" },
                "content": format!("message {index}: {}", "lorem ipsum dolor sit amet ".repeat(8)),
                "created_at": "2025-10-29T15:20:05Z",
            })
        })
        .collect();
    checkpoint["messages"] = Value::Array(list);
    checkpoint["statistics"] = json!({
        "message_count": messages,
        "user_messages": messages.div_ceil(2),
        "assistant_messages": messages / 2,
    });
    checkpoint.to_string()
}

/// A small deterministic pseudo-random sequence (no dependency needed for picking delays).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % bound.max(1)
    }
}

fn run_and_kill(command: &mut Command, after: Duration) {
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawns");
    std::thread::sleep(after);
    // SIGKILL: no destructor, no cleanup, exactly like a power cut for the process.
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn killed_imports_and_exports_leave_whole_sessions_and_no_partial_files() {
    const MESSAGES: usize = 4_000;
    let project = Project::new();
    project.write("long.json", long_checkpoint(MESSAGES));
    project
        .confab()
        .args(["sessions", "import", "long.json", "--name", "seed"])
        .assert()
        .success();

    // How long one import takes here, to spread the kills over it.
    let started = std::time::Instant::now();
    project
        .confab()
        .args(["sessions", "import", "long.json", "--name", "timing"])
        .assert()
        .success();
    let span = started.elapsed().as_millis() as u64 + 5;

    let mut random = Lcg(0x5eed);
    for round in 0..25 {
        let mut import = project.command();
        import.args([
            "sessions",
            "import",
            "long.json",
            "--overwrite",
            "--name",
            &format!("s{}", round % 5),
        ]);
        run_and_kill(&mut import, Duration::from_millis(random.below(span)));
        let mut export = project.command();
        export.args(["sessions", "export", "seed", "-o", "out.json"]);
        run_and_kill(&mut export, Duration::from_millis(random.below(span)));

        // The export target is never partial: absent, or a whole valid checkpoint.
        if project.path().join("out.json").exists() {
            project
                .confab()
                .args(["sessions", "validate", "out.json"])
                .assert()
                .success();
        }
    }

    let store = project.store_path();
    assert_eq!(test_support::integrity_check(&store).expect("check"), "ok");
    let sessions = test_support::message_counts(&store).expect("counts");
    assert!(sessions.len() >= 2, "{sessions:?}");
    for counts in sessions {
        assert_eq!(
            (counts.recorded, counts.stored),
            (MESSAGES as i64, MESSAGES as i64),
            "session {} is whole",
            counts.name
        );
    }

    // Killed exports leave their temporaries; once they are old enough to be abandoned (an
    // hour; their writers are dead, so nothing holds their locks), the next export removes
    // them, and succeeds.
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 60 * 60);
    for entry in std::fs::read_dir(project.path()).expect("read dir") {
        let path = entry.expect("entry").path();
        if path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with(".confab-export-"))
        {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(two_hours_ago))
                .expect("age a temporary");
        }
    }
    project
        .confab()
        .args(["sessions", "export", "seed", "-o", "out.json"])
        .assert()
        .success();
    let leftovers: Vec<String> = std::fs::read_dir(project.path())
        .expect("read dir")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".confab-export-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    project
        .confab()
        .args(["sessions", "validate", "out.json"])
        .assert()
        .success();
}

#[test]
fn eight_processes_import_fifty_checkpoints_each() {
    let project = Project::new();
    project.write(
        "session.json",
        std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    );
    let workers: Vec<_> = (0..8)
        .map(|worker| {
            let commands: Vec<Command> = (0..50)
                .map(|index| {
                    let mut command = project.command();
                    command.args([
                        "sessions",
                        "import",
                        "session.json",
                        "--name",
                        &format!("w{worker}-{index}"),
                    ]);
                    command
                })
                .collect();
            std::thread::spawn(move || {
                for mut command in commands {
                    let output = command.output().expect("runs");
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    assert!(
                        output.status.success() && !stderr.contains("locked"),
                        "{stderr}"
                    );
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("every import succeeded");
    }
    let names = project.session_names();
    assert_eq!(names.len(), 400, "no lost writes");
    let messages = test_support::total_messages(&project.store_path()).expect("count");
    assert_eq!(messages, 400 * 4);
}

/// `clean` racing an import of the session it is about to remove, and a `delete` of one: the
/// session imported again is kept (it is active now), the one deleted meanwhile is no error.
/// The import is long (thousands of messages), so `clean` often looks while it is writing.
#[test]
fn clean_decides_and_deletes_in_one_transaction() {
    let mut random = Lcg(15);
    let mut lost = 0;
    let mut failed = Vec::new();
    for _ in 0..40 {
        let project = Project::new();
        let long = project.write("long.json", long_checkpoint(4000));
        for name in ["again", "gone", "stale"] {
            project
                .confab()
                .args(["sessions", "import", "--name", name])
                .arg(fixture_path("atmos/eks-troubleshooting.json"))
                .assert()
                .success();
            project.age_session(name, 90 * 24 * 3600);
        }
        let quiet = |mut command: Command| {
            command
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            command.spawn().expect("spawns")
        };
        let mut reimport = project.command();
        reimport
            .args(["sessions", "import", "--overwrite", "--name", "again"])
            .arg(&long);
        let reimport = quiet(reimport);
        let mut delete = project.command();
        delete.args(["sessions", "delete", "gone"]);
        let delete = quiet(delete);
        std::thread::sleep(Duration::from_millis(random.below(400)));
        let mut clean = project.command();
        clean.args(["sessions", "clean", "--older-than", "30d"]);
        let clean = quiet(clean);
        let reimport = reimport.wait_with_output().expect("import finishes");
        let delete = delete.wait_with_output().expect("delete finishes");
        let clean = clean.wait_with_output().expect("clean finishes");
        assert!(reimport.status.success(), "{reimport:?}");
        if !clean.status.success() {
            failed.push(String::from_utf8_lossy(&clean.stderr).into_owned());
        }
        // Whichever came first, the import is the last word on "again": it must be there.
        let names = project.session_names();
        if !names.contains(&"again".to_owned()) {
            lost += 1;
        }
        // Whoever deleted it, "gone" is gone.
        assert!(
            !names.contains(&"gone".to_owned()),
            "{names:?} {delete:?} {clean:?}"
        );
    }
    assert_eq!(lost, 0, "a session imported during clean was deleted");
    assert!(failed.is_empty(), "clean failed: {failed:?}");
}

#[test]
fn an_import_killed_before_its_index_caught_up_loses_nothing() {
    // Big enough that indexing takes a while after the commit, so the kill lands in it.
    const MESSAGES: usize = 60_000;
    let project = Project::new();
    let mut checkpoint: Value = serde_json::from_str(&long_checkpoint(MESSAGES)).expect("JSON");
    checkpoint["messages"][MESSAGES - 1]["content"] = "the very last word: zanzibar".into();
    project.write("long.json", checkpoint.to_string());

    let mut child = project
        .command()
        .args(["sessions", "import", "long.json", "--name", "killed"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    // The "Imported" status line (on stderr) is printed once the session is committed; the
    // index comes after it.
    let mut status = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    std::io::BufRead::read_line(&mut status, &mut line).expect("reads");
    assert!(line.starts_with("Imported session killed"), "{line}");
    let _ = child.kill();
    let _ = child.wait();

    let store = project.store_path();
    let backlog = confab_store_sqlite::SqliteStore::open_read_only(&store)
        .expect("opens")
        .expect("exists")
        .index_backlog()
        .expect("backlog");
    assert!(
        backlog.messages > 0,
        "the kill came after indexing: make the checkpoint bigger"
    );
    assert_eq!(test_support::integrity_check(&store).expect("check"), "ok");

    // The next search finishes the job before it answers.
    let output = project
        .confab()
        .args(["sessions", "search", "zanzibar", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let hits: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(hits["hits"][0]["session"], "killed");
    assert_eq!(hits["hits"][0]["message"], MESSAGES as u64);
    let backlog = confab_store_sqlite::SqliteStore::open_read_only(&store)
        .expect("opens")
        .expect("exists")
        .index_backlog()
        .expect("backlog");
    assert_eq!(backlog.messages, 0);
}
