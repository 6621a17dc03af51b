//! Where `export -o` writes: files are replaced atomically, everything else is written into, and
//! nothing that is not a regular file is ever replaced by one (`-o /dev/null` as root used to
//! replace the device with a JSON file; a FIFO stands in for devices here, since a regression
//! tested on `/dev/null` itself would break the machine running the tests).

use std::os::unix::fs::{FileTypeExt, PermissionsExt};

use crate::util::{Project, fixture_path};

fn project() -> Project {
    let project = Project::new();
    project.write(
        "eks.json",
        std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    );
    project
        .confab()
        .args(["sessions", "import", "eks.json"])
        .assert()
        .success();
    project
}

fn export_to(project: &Project, target: &str) -> assert_cmd::assert::Assert {
    project
        .confab()
        .args([
            "sessions",
            "export",
            "eks-troubleshooting",
            "-f",
            "json",
            "-o",
            target,
        ])
        .assert()
}

#[test]
fn a_fifo_is_written_into_not_replaced() {
    let project = project();
    let fifo = project.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read the fifo"))
    };
    export_to(&project, "pipe").success();
    let bytes = reader.join().expect("reader");
    assert!(bytes.starts_with(b"{\n  \"version\": \"1.0\""));
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the FIFO is still a FIFO");
}

#[test]
fn a_symlink_is_followed_and_stays_a_link() {
    let project = project();
    std::os::unix::fs::symlink("real.json", project.path().join("link.json")).expect("link");
    export_to(&project, "link.json").success();
    let link = std::fs::symlink_metadata(project.path().join("link.json")).expect("link");
    assert!(link.file_type().is_symlink());
    assert!(project.read("real.json").contains("eks-troubleshooting"));
}

#[test]
fn a_replaced_file_keeps_its_mode_and_a_new_file_follows_the_umask() {
    let project = project();
    let kept = project.write("kept.json", "old");
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    export_to(&project, "kept.json").success();
    let mode = std::fs::metadata(&kept).expect("kept").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" sessions export eks-troubleshooting -o new.json")
        .arg(env!("CARGO_BIN_EXE_confab"))
        .current_dir(project.path())
        .env("HOME", project.path())
        .status()
        .expect("runs");
    assert!(status.success());
    let mode = std::fs::metadata(project.path().join("new.json"))
        .expect("new")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(
        mode, 0o644,
        "0666 less the umask, not a temporary file's 0600"
    );
}

#[test]
fn a_folder_is_refused() {
    let project = project();
    std::fs::create_dir(project.path().join("out.json")).expect("folder");
    export_to(&project, "out.json")
        .code(2)
        .stderr(predicates::str::contains(
            "cannot write out.json: it is a folder",
        ));
}

/// The store must be whole after a refused export: the session is still listed.
fn assert_store_whole(project: &Project) {
    assert_eq!(project.session_names(), ["eks-troubleshooting"]);
}

#[test]
fn the_store_is_never_a_target_under_any_name() {
    let project = project();
    std::fs::create_dir(project.path().join("sub")).expect("folder");
    std::os::unix::fs::symlink(".confab/sessions.db", project.path().join("link.db"))
        .expect("symlink");
    std::fs::hard_link(
        project.path().join(".confab/sessions.db"),
        project.path().join("copy.db"),
    )
    .expect("hard link");
    for (target, reason) in [
        (".confab/sessions.db", "it is the session store"),
        ("sub/../.confab/sessions.db", "it is the session store"),
        ("link.db", "it is the session store"),
        ("copy.db", "it is the session store"),
        (".confab/sessions.db-wal", "it is the session store"),
        (".confab/notes.json", "it is inside confab's folder"),
    ] {
        export_to(&project, target)
            .code(2)
            .stderr(predicates::str::contains(format!(
                "refusing to write {target}: {reason}"
            )))
            .stderr(predicates::str::contains("choose an --output outside it"));
        assert_store_whole(&project);
    }
    assert!(!project.path().join(".confab/notes.json").exists());
}

#[test]
fn a_store_configured_at_the_root_is_refused_with_its_companions() {
    let project = Project::new();
    project.write("confab.yaml", "sessions:\n  path: sessions.db\n");
    project.write(
        "eks.json",
        std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture"),
    );
    project
        .confab()
        .args(["sessions", "import", "eks.json"])
        .assert()
        .success();
    for target in ["sessions.db", "./sessions.db-wal", "sessions.db-journal"] {
        export_to(&project, target)
            .code(2)
            .stderr(predicates::str::contains(format!(
                "refusing to write {target}: it is the session store"
            )));
    }
    assert_store_whole(&project);
    // Beside it, anything else is fine.
    export_to(&project, "sessions.json").success();
}

/// A name the clean-up of abandoned temporary files looks at.
const FOREIGN_TEMPORARY: &str = ".confab-export-999999999-aB3xY9";

#[test]
fn temporaries_of_invisible_processes_are_left_while_fresh_or_locked() {
    let project = project();
    // A fresh file: another container's running export (its PID is invisible here).
    let fresh = project.write(FOREIGN_TEMPORARY, "half a checkpoint");
    // An old file whose writer still holds its lock: a long export elsewhere.
    let locked = project.write(".confab-export-999999998-Zz9Yy8", "half a checkpoint");
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 60 * 60);
    let held = std::fs::OpenOptions::new()
        .write(true)
        .open(&locked)
        .expect("open");
    held.set_modified(old).expect("age it");
    held.lock().expect("lock");
    // A user's file that only looks like one.
    let lookalike = project.write(".confab-export-999999997-notes.txt", "mine");
    std::fs::File::options()
        .write(true)
        .open(&lookalike)
        .expect("open")
        .set_modified(old)
        .expect("age it");

    export_to(&project, "out.json").success();
    assert!(fresh.exists(), "a fresh temporary file was removed");
    assert!(locked.exists(), "a locked temporary file was removed");
    assert!(lookalike.exists(), "a user's file was removed");
    drop(held);
}

#[test]
fn old_unlocked_temporaries_are_removed() {
    let project = project();
    let abandoned = project.write(FOREIGN_TEMPORARY, "half a checkpoint");
    std::fs::File::options()
        .write(true)
        .open(&abandoned)
        .expect("open")
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 60 * 60))
        .expect("age it");
    export_to(&project, "out.json").success();
    assert!(!abandoned.exists(), "an abandoned temporary file stayed");
    let leftovers: Vec<_> = std::fs::read_dir(project.path())
        .expect("read")
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(".confab-export-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
