//! The trash (issue 18, item 3): `delete` and `clean` move sessions to it, `sessions trash`
//! lists, restores and empties it, `retention.trash` expires it, `--purge` skips it; `clean
//! --keep N`; and, on a terminal, the question before many sessions go.

use std::time::Duration;

use predicates::str::{contains, starts_with};
use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};
use serde_json::Value;

use crate::util::Project;

const DAY: i64 = 24 * 3600;

fn project_with_sessions() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.import_fixture("atmos/vpc-migration.yaml");
    project
}

fn trash_json(project: &Project) -> Vec<Value> {
    let output = project
        .confab()
        .args(["sessions", "trash", "list", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    document["trash"].as_array().expect("an array").clone()
}

fn trashed_names(project: &Project) -> Vec<String> {
    trash_json(project)
        .iter()
        .map(|entry| entry["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn show(project: &Project, name: &str) -> String {
    let output = project
        .confab()
        .args(["sessions", "show", name])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn delete_moves_to_the_trash_and_restore_brings_the_session_back_whole() {
    let project = project_with_sessions();
    let before = show(&project, "eks-troubleshooting");
    project
        .confab()
        .args(["sessions", "delete", "eks-troubleshooting"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            "Moved eks-troubleshooting to the trash\n\
             Restore with `confab sessions trash restore eks-troubleshooting`; the trash keeps it for 30d.\n",
        );
    // Gone from every command that reads sessions.
    assert_eq!(project.session_names(), ["vpc-migration"]);
    for args in [
        &["sessions", "show", "eks-troubleshooting"][..],
        &["sessions", "export", "eks-troubleshooting", "-o", "-"],
    ] {
        project.confab().args(args).assert().code(1);
    }
    let search = |project: &Project| {
        let output = project
            .confab()
            .args(["sessions", "search", "pods"])
            .output()
            .expect("runs");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    assert!(!search(&project).contains("eks-troubleshooting"));

    let trash = trash_json(&project);
    assert_eq!(trash.len(), 1);
    assert_eq!(trash[0]["name"], "eks-troubleshooting");
    assert_eq!(trash[0]["reason"], "deleted");
    assert_eq!(trash[0]["message_count"], 4);
    assert!(trash[0]["size"].as_u64().expect("size") > 500);
    assert!(trash[0]["trashed_at"].is_string() && trash[0]["last_active_at"].is_string());
    // Bare `sessions trash` is the table.
    project
        .confab()
        .args(["sessions", "trash"])
        .assert()
        .success()
        .stdout(starts_with(
            "ID  NAME                 TRASHED           REASON   MESSAGES     SIZE\n \
             1  eks-troubleshooting  ",
        ))
        .stderr(contains("The trash keeps sessions for 30d"));

    project
        .confab()
        .args(["sessions", "trash", "restore", "eks-troubleshooting"])
        .assert()
        .success()
        .stderr("Restored eks-troubleshooting\n");
    assert_eq!(show(&project, "eks-troubleshooting"), before);
    assert!(search(&project).contains("eks-troubleshooting"));
    project
        .confab()
        .args(["sessions", "trash"])
        .assert()
        .success()
        .stdout("The trash is empty.\n");
}

#[test]
fn a_name_trashed_twice_restores_the_newest_by_name_or_any_by_id() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "delete", "vpc-migration"])
        .assert()
        .success();
    // The name is free again.
    project.import_fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args(["sessions", "rm", "vpc-migration"])
        .assert()
        .success();
    project.import_fixture("atmos/vpc-migration.yaml");
    let trash = trash_json(&project);
    assert_eq!(trash.len(), 2);
    let (older, newer) = (&trash[0]["id"], &trash[1]["id"]);

    // A live session has the name: nothing is restored, and the hint says what to do.
    project
        .confab()
        .args(["sessions", "trash", "restore", "vpc-migration"])
        .assert()
        .code(1)
        .stderr(contains("a session named \"vpc-migration\" already exists"))
        .stderr(contains("nothing was restored"))
        .stderr(contains(
            "hint: restore it under another name with --as NEW",
        ));
    project
        .confab()
        .args([
            "sessions",
            "trash",
            "restore",
            "vpc-migration",
            "--as",
            "vpc-2",
        ])
        .assert()
        .success()
        .stderr("Restored vpc-migration as vpc-2\n");
    let left = trash_json(&project);
    assert_eq!(left.len(), 1);
    assert_eq!(&left[0]["id"], older, "the newest was restored");
    assert_ne!(older, newer);
    project
        .confab()
        .args(["sessions", "trash", "restore", "--id"])
        .arg(older.to_string())
        .args(["--as", "vpc-1"])
        .assert()
        .success();
    assert_eq!(
        project.session_names(),
        ["eks-troubleshooting", "vpc-1", "vpc-2", "vpc-migration"]
    );
    assert!(trash_json(&project).is_empty());
}

#[test]
fn restore_refuses_what_is_not_in_the_trash_and_restores_all_or_nothing() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "delete", "vpc-migration"])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "trash",
            "restore",
            "vpc-migration",
            "vpc-migraton",
        ])
        .assert()
        .code(1)
        .stderr(contains("no session named \"vpc-migraton\" in the trash"))
        .stderr(contains("nothing was restored"))
        .stderr(contains("hint: did you mean vpc-migration?"));
    assert_eq!(trashed_names(&project), ["vpc-migration"]);
    project
        .confab()
        .args(["sessions", "trash", "restore", "--id", "99"])
        .assert()
        .code(1)
        .stderr(contains("no session with id 99 in the trash"))
        .stderr(contains(
            "hint: `confab sessions trash list` shows what the trash holds",
        ));
    project
        .confab()
        .args(["sessions", "trash", "restore", "a", "b", "--as", "c"])
        .assert()
        .code(2)
        .stderr(contains("--as renames one session"));
    project
        .confab()
        .args([
            "sessions",
            "trash",
            "restore",
            "vpc-migration",
            "--as",
            "../x",
        ])
        .assert()
        .code(1)
        .stderr(contains("invalid session name"));
    assert_eq!(trashed_names(&project), ["vpc-migration"]);
}

#[test]
fn clean_moves_to_the_trash_as_cleaned_and_purge_skips_it() {
    let project = project_with_sessions();
    project.age_session("eks-troubleshooting", 40 * DAY);
    project
        .confab()
        .args(["sessions", "clean"])
        .assert()
        .success()
        .stdout(contains(
            "Moved 1 session to the trash, inactive for more than 30d",
        ))
        .stderr(contains(
            "Restore with `confab sessions trash restore eks-troubleshooting`",
        ));
    let trash = trash_json(&project);
    assert_eq!(trash[0]["reason"], "cleaned");

    project.age_session("vpc-migration", 40 * DAY);
    project
        .confab()
        .args(["sessions", "clean", "--purge", "--dry-run"])
        .assert()
        .success()
        .stdout(contains(
            "Would delete 1 session for good, inactive for more than 30d",
        ));
    project
        .confab()
        .args(["sessions", "clean", "--purge"])
        .assert()
        .success()
        .stdout(contains("Deleted 1 session for good"))
        .stderr("");
    assert!(project.session_names().is_empty());
    assert_eq!(trashed_names(&project), ["eks-troubleshooting"]);
}

#[test]
fn delete_purge_and_a_trash_that_keeps_nothing_delete_for_good() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "delete", "--purge", "vpc-migration"])
        .assert()
        .success()
        .stderr("Deleted vpc-migration for good\n");
    assert!(trashed_names(&project).is_empty());
    project.write("confab.yaml", "retention:\n  trash: 0d\n");
    project
        .confab()
        .args(["sessions", "delete", "eks-troubleshooting"])
        .assert()
        .success()
        .stderr("Deleted eks-troubleshooting for good\n");
    assert!(trashed_names(&project).is_empty());
}

#[test]
fn the_trash_expires_after_retention_trash() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "delete", "vpc-migration"])
        .assert()
        .success();
    project.age_trash("vpc-migration", 10 * DAY);
    // 10 days is within the default 30.
    assert_eq!(trashed_names(&project), ["vpc-migration"]);
    // A week, from the environment: the next command that works on the trash purges it, a
    // delete as well as a `trash list`.
    project.import_fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .env("CONFAB_RETENTION_TRASH", "1w")
        .args(["sessions", "delete", "vpc-migration"])
        .assert()
        .success()
        .stderr(contains("the trash keeps it for 1w"));
    let trash = trash_json(&project);
    assert_eq!(trash.len(), 1, "the 10-day-old entry expired");
    assert_eq!(trash[0]["id"], 2, "the new one stays");
    project.age_trash("vpc-migration", 10 * DAY);
    assert_eq!(trash_json(&project).len(), 1, "within the default 30d");
    project
        .confab()
        .env("CONFAB_RETENTION_TRASH", "1w")
        .args(["sessions", "trash", "list"])
        .assert()
        .success()
        .stdout("The trash is empty.\n");
    // A clean that finds nothing to clean expires the trash too.
    project.import_fixture("atmos/vpc-migration.yaml");
    project
        .confab()
        .args(["sessions", "delete", "vpc-migration"])
        .assert()
        .success();
    project.age_trash("vpc-migration", 10 * DAY);
    project
        .confab()
        .env("CONFAB_RETENTION_TRASH", "1w")
        .args(["sessions", "clean", "--dry-run"])
        .assert()
        .success();
    assert_eq!(trash_json(&project).len(), 1, "a dry run changes nothing");
    project
        .confab()
        .env("CONFAB_RETENTION_TRASH", "1w")
        .args(["sessions", "clean"])
        .assert()
        .success()
        .stdout(contains("No sessions inactive for more than 30d"));
    assert!(trash_json(&project).is_empty());
    // From confab.yaml; an invalid age names the setting.
    project.write("confab.yaml", "retention:\n  trash: 2x\n");
    project
        .confab()
        .args(["sessions", "trash"])
        .assert()
        .code(1)
        .stderr(contains("retention.trash in"))
        .stderr(contains("invalid age \"2x\""));
}

#[test]
fn trash_empty_deletes_everything_in_it_for_good() {
    let project = project_with_sessions();
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "0d"])
        .assert()
        .success()
        .stdout(contains("Moved 2 sessions to the trash:\n"));
    project
        .confab()
        .args(["sessions", "trash", "empty"])
        .assert()
        .success()
        .stderr("Emptied the trash: 2 sessions deleted for good.\n");
    assert!(trashed_names(&project).is_empty());
    project
        .confab()
        .args(["sessions", "trash", "empty"])
        .assert()
        .success()
        .stderr("The trash is empty.\n");
}

#[test]
fn clean_keep_keeps_the_most_recent_whatever_their_age() {
    let project = project_with_sessions();
    project
        .confab()
        .args([
            "sessions",
            "import",
            "--name",
            "third",
            "eks-troubleshooting.json",
        ])
        .assert()
        .success();
    project.age_session("eks-troubleshooting", 50 * DAY);
    project.age_session("vpc-migration", 40 * DAY);
    project.age_session("third", 60 * DAY);
    project
        .confab()
        .args(["sessions", "clean", "--keep", "1", "--dry-run"])
        .assert()
        .success()
        .stdout(contains(
            "Would move 2 sessions to the trash, inactive for more than 30d (last active before ",
        ))
        .stdout(contains("), beyond the most recent:\n"));
    // retention.keep in confab.yaml; the flag wins over it.
    project.write("confab.yaml", "retention:\n  keep: 2\n");
    project
        .confab()
        .args(["sessions", "clean"])
        .assert()
        .success()
        .stdout(contains("beyond the 2 most recent:\n  third  last active"));
    assert_eq!(
        project.session_names(),
        ["eks-troubleshooting", "vpc-migration"]
    );
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "0d"])
        .env("CONFAB_RETENTION_KEEP", "1")
        .assert()
        .success()
        .stdout(contains(
            "Moved 1 session to the trash, beyond the most recent:\n  eks-troubleshooting",
        ));
    assert_eq!(project.session_names(), ["vpc-migration"]);
    project
        .confab()
        .args(["sessions", "clean", "--keep", "0", "--older-than", "0d"])
        .assert()
        .success();
    assert!(project.session_names().is_empty());
    project
        .confab()
        .args(["sessions", "clean"])
        .env("CONFAB_RETENTION_KEEP", "many")
        .assert()
        .code(1)
        .stderr(contains("CONFAB_RETENTION_KEEP: invalid value \"many\""));
    project
        .confab()
        .args(["sessions", "clean", "--keep", "-1"])
        .assert()
        .code(2);
}

#[test]
fn the_dry_run_names_the_cutoff_date_and_aligns_its_columns() {
    let project = project_with_sessions();
    project.age_session("eks-troubleshooting", 40 * DAY);
    project.age_session("vpc-migration", 40 * DAY);
    let cutoff = || {
        jiff::ZonedDateTime::now()
            .checked_sub(jiff::Span::new().days(30))
            .expect("in range")
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let early = cutoff();
    let output = project
        .confab()
        .args(["sessions", "clean", "--dry-run"])
        .output()
        .expect("runs");
    let late = cutoff();
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        [early, late].iter().any(|cutoff| lines[0]
            == format!(
                "Would move 2 sessions to the trash, inactive for more than 30d (last active before {cutoff}):"
            )),
        "{stdout}"
    );
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[1].starts_with("  eks-troubleshooting  last active 20"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("  vpc-migration        last active 20"),
        "{stdout}"
    );
    assert_eq!(project.session_names().len(), 2);
}

// On a terminal: the question. The tests run confab on a pseudo-terminal (stdin, stdout and
// stderr all on it), as a person would.

/// How long any expected output may take to appear before the test fails.
const PATIENCE_MS: u64 = 20_000;

fn on_a_terminal(project: &Project, args: &[&str]) -> PtySession {
    let mut command = project.command();
    command.args(args).env("TERM", "dumb");
    spawn_command(command, Some(PATIENCE_MS)).expect("confab starts on a pty")
}

fn exit_code(pty: &mut PtySession) -> i32 {
    pty.exp_eof().expect("confab exits");
    for _ in 0..100 {
        match pty.process().status() {
            Some(WaitStatus::Exited(_, code)) => return code,
            Some(WaitStatus::StillAlive) | None => std::thread::sleep(Duration::from_millis(50)),
            Some(other) => panic!("confab ended with {other:?}"),
        }
    }
    panic!("confab did not exit");
}

#[test]
fn on_a_terminal_clean_shows_what_goes_and_asks_first() {
    let project = project_with_sessions();
    project.age_session("eks-troubleshooting", 40 * DAY);
    // No: nothing changes, exit 1.
    let mut pty = on_a_terminal(&project, &["sessions", "clean"]);
    pty.exp_string("Would move 1 session to the trash, inactive for more than 30d")
        .expect("what will go");
    pty.exp_string("eks-troubleshooting  last active")
        .expect("the session");
    pty.exp_string("Move 1 session to the trash? [y/N] ")
        .expect("the question");
    pty.send_line("n").expect("typed");
    pty.exp_string("cancelled; nothing was changed")
        .expect("says so");
    assert_eq!(exit_code(&mut pty), 1);
    assert_eq!(project.session_names().len(), 2);

    // Just Enter is no too.
    let mut pty = on_a_terminal(&project, &["sessions", "clean", "--purge"]);
    pty.exp_string("Delete 1 session for good? They cannot be restored. [y/N] ")
        .expect("the question");
    pty.send_line("").expect("typed");
    assert_eq!(exit_code(&mut pty), 1);
    assert_eq!(project.session_names().len(), 2);

    // Yes.
    let mut pty = on_a_terminal(&project, &["sessions", "clean"]);
    pty.exp_string("[y/N] ").expect("the question");
    pty.send_line("yes").expect("typed");
    pty.exp_string("Moved 1 session to the trash")
        .expect("done");
    assert_eq!(exit_code(&mut pty), 0);
    assert_eq!(project.session_names(), ["vpc-migration"]);

    // --yes does not ask; nothing to clean asks nothing either.
    project.age_session("vpc-migration", 40 * DAY);
    let mut pty = on_a_terminal(&project, &["sessions", "clean", "-y"]);
    pty.exp_string("Moved 1 session to the trash")
        .expect("done");
    assert_eq!(exit_code(&mut pty), 0);
    assert!(project.session_names().is_empty());
    let mut pty = on_a_terminal(&project, &["sessions", "clean"]);
    pty.exp_string("No sessions inactive for more than 30d")
        .expect("nothing to do");
    assert_eq!(exit_code(&mut pty), 0);
}

#[test]
fn on_a_terminal_deleting_several_sessions_asks_and_one_does_not() {
    let project = project_with_sessions();
    let mut pty = on_a_terminal(
        &project,
        &["sessions", "delete", "eks-troubleshooting", "vpc-migration"],
    );
    pty.exp_string("Move 2 sessions to the trash? [y/N] ")
        .expect("the question");
    pty.send_line("no").expect("typed");
    assert_eq!(exit_code(&mut pty), 1);
    assert_eq!(project.session_names().len(), 2);
    // An unknown name fails before the question.
    let mut pty = on_a_terminal(&project, &["sessions", "delete", "vpc-migration", "nope"]);
    pty.exp_string("no session named \"nope\"")
        .expect("refused");
    assert_eq!(exit_code(&mut pty), 1);

    let mut pty = on_a_terminal(&project, &["sessions", "delete", "vpc-migration"]);
    pty.exp_string("Moved vpc-migration to the trash")
        .expect("no question");
    assert_eq!(exit_code(&mut pty), 0);
    let mut pty = on_a_terminal(&project, &["sessions", "trash", "empty"]);
    pty.exp_string("Delete 1 session for good? They cannot be restored. [y/N] ")
        .expect("the question");
    pty.send_line("y").expect("typed");
    pty.exp_string("Emptied the trash").expect("done");
    assert_eq!(exit_code(&mut pty), 0);
    assert!(trashed_names(&project).is_empty());
}
