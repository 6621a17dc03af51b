//! The store's file and what lies beside it: a linked store, a read-only filesystem, a full
//! disk, a `-shm` another user left. Reading works wherever the file can be read; everything
//! else is a precise error that changes nothing.
//!
//! A read-only filesystem and a full disk are real ones: a read-only bind mount and a small
//! tmpfs in a private mount namespace (`unshare --map-root-user --mount`). Where unprivileged
//! namespaces are not allowed those tests say so and pass without running.

use std::process::Command;

use predicates::str::contains;

use crate::util::Project;

fn project_with_a_session() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project
}

/// Whether `unshare --map-root-user --mount` works here (a test that cannot run says so).
#[allow(
    clippy::print_stderr,
    reason = "the test harness shows a skipped test's reason"
)]
fn namespaces_available() -> bool {
    let available = Command::new("unshare")
        .args(["--map-root-user", "--mount", "true"])
        .status()
        .is_ok_and(|status| status.success());
    if !available {
        eprintln!("skipped: unshare --map-root-user --mount is not available");
    }
    available
}

/// Runs `script` with `sh` in a private mount namespace, `$CONFAB` the binary under test and
/// `$PROJECT` the project's folder; returns (exit code, stdout, stderr).
fn in_namespace(project: &Project, script: &str) -> (Option<i32>, String, String) {
    let output = Command::new("unshare")
        .args(["--map-root-user", "--mount", "sh", "-c", script])
        .env("CONFAB", assert_cmd::cargo::cargo_bin("confab"))
        .env("PROJECT", project.path())
        .env("HOME", project.path())
        .env("TZ", "UTC")
        .output()
        .expect("unshare runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const READS: &str = r#"
    cd "$PROJECT" || exit 90
    "$CONFAB" sessions list || exit 91
    "$CONFAB" sessions show eks-troubleshooting > /dev/null || exit 92
    "$CONFAB" sessions search pods || exit 93
    "$CONFAB" sessions export eks-troubleshooting -o - --format markdown > /dev/null || exit 95
    "$CONFAB" sessions delete eks-troubleshooting && exit 94
    exit 0
"#;

#[test]
fn reading_works_on_a_read_only_filesystem() {
    if !namespaces_available() {
        return;
    }
    let project = project_with_a_session();
    let script = format!(
        r#"mount --bind "$PROJECT" "$PROJECT" && mount -o remount,bind,ro "$PROJECT" || exit 80
        touch "$PROJECT/probe" 2>/dev/null && exit 81
        {READS}"#
    );
    let (code, stdout, stderr) = in_namespace(&project, &script);
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.starts_with("eks-troubleshooting\n"), "{stdout}");
    assert!(stdout.contains("**pods**"), "{stdout}");
    assert!(
        stderr.contains("it can be read but not written") && !stderr.contains("another confab"),
        "{stderr}"
    );
    assert_eq!(project.session_names(), ["eks-troubleshooting"]);
}

#[test]
fn reading_works_on_a_full_disk() {
    if !namespaces_available() {
        return;
    }
    let project = project_with_a_session();
    // The tmpfs hides the project's folder: the store is copied in from beside it.
    let copy_dir_holder = tempfile::tempdir().expect("temp dir");
    let copy = copy_dir_holder.path().join("state");
    copy_dir(&project.path().join(".confab"), &copy);
    let copy = copy.display();
    let script = format!(
        r#"mount -t tmpfs -o size=256k tmpfs "$PROJECT" || exit 80
        cp -r "{copy}" "$PROJECT/.confab" || exit 82
        head -c 1048576 /dev/zero > "$PROJECT/filler" 2>/dev/null
        {READS}"#
    );
    let (code, stdout, stderr) = in_namespace(&project, &script);
    assert_eq!(code, Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.starts_with("eks-troubleshooting\n"), "{stdout}");
    assert!(
        stderr.contains("it can be read but not written"),
        "{stderr}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

#[test]
fn a_read_only_shm_left_by_another_user_is_named() {
    use std::os::unix::fs::PermissionsExt;

    let project = project_with_a_session();
    // A reader leaves the -wal and -shm beside the store; an -shm of another user's looks so.
    project
        .confab()
        .args(["sessions", "list"])
        .assert()
        .success();
    let state = project.path().join(".confab");
    let shm = state.join("sessions.db-shm");
    if !shm.exists() {
        std::fs::write(&shm, "").expect("an -shm");
        std::fs::write(state.join("sessions.db-wal"), "").expect("a -wal");
    }
    let mode = |path: &std::path::Path, mode| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    mode(&shm, 0o444);
    let mut command = project.command();
    // Root may write any file: run as nobody, who may write everything here but the -shm.
    if is_root() {
        mode(project.path(), 0o777);
        mode(&state, 0o777);
        for file in ["sessions.db", "sessions.db-wal"] {
            mode(&state.join(file), 0o666);
        }
        let program = command.get_program().to_owned();
        let mut nobody = Command::new("setpriv");
        nobody
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(program)
            .current_dir(project.path())
            .env("HOME", project.path())
            .env("TZ", "UTC");
        command = nobody;
    }
    let output = command
        .args(["sessions", "delete", "eks-troubleshooting"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("its shared-memory file")
            && stderr.contains("sessions.db-shm is read-only"),
        "{stderr}"
    );
    assert!(stderr.contains("remove"), "{stderr}");
    assert_eq!(project.session_names(), ["eks-troubleshooting"]);
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

#[test]
fn a_linked_store_is_refused() {
    let elsewhere = project_with_a_session();
    let project = Project::new();
    std::fs::create_dir(project.path().join(".confab")).expect("folder");
    let target = elsewhere.path().join(".confab/sessions.db");
    std::os::unix::fs::symlink(&target, project.path().join(".confab/sessions.db")).expect("link");
    for args in [
        &["sessions", "list"][..],
        &["sessions", "import", "x.json"],
        &["sessions", "delete", "eks-troubleshooting"],
    ] {
        project.fixture("atmos/eks-troubleshooting.json");
        std::fs::rename(
            project.path().join("eks-troubleshooting.json"),
            project.path().join("x.json"),
        )
        .expect("rename");
        project
            .confab()
            .args(args)
            .assert()
            .code(1)
            .stderr(contains("is a symbolic link to"))
            .stderr(contains("hint: point sessions.path in confab.yaml at"));
    }
    assert_eq!(elsewhere.session_names(), ["eks-troubleshooting"]);
}
