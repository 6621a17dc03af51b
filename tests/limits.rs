//! Every read is bounded and every walk ends (issue 15, items 9 and 11).
//!
//! The import limit used to be a size check on regular files only: a device, a FIFO or a link
//! to one was read until memory ran out. And `validate 'dir/**/*.yaml'` followed a symlink to
//! an ancestor for ever. These run the real binary on such paths with a small limit.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use predicates::str::contains;

use crate::util::{Project, fixture_path};

const LIMIT: &str = "1MiB";

/// `confab sessions COMMAND PATH` refuses the input as too large, with exit code 2.
fn too_large(project: &Project, command: &str, path: &str) {
    let output = project
        .confab()
        .args(["sessions", command, path])
        .env("CONFAB_IMPORT_MAX_SIZE", LIMIT)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{command} {path}: {output:?}"
    );
    // `import` says it on stderr; `validate` in its report on stdout.
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(&format!("{path} is larger than the import limit of 1 MiB")),
        "{command} {path}: {said}"
    );
}

#[test]
fn devices_and_links_to_them_are_read_only_up_to_the_limit() {
    let project = Project::new();
    std::os::unix::fs::symlink("/dev/zero", project.path().join("zeros.json")).expect("link");
    for command in ["import", "validate"] {
        too_large(&project, command, "/dev/zero");
        too_large(&project, command, "zeros.json");
    }
}

#[test]
fn a_fifo_is_read_only_up_to_the_limit() {
    let project = Project::new();
    let fifo = project.path().join("stream.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    // A writer that would go on far past the limit; it stops when confab closes the FIFO.
    let writer = std::thread::spawn(move || {
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(&fifo)
            .expect("open FIFO");
        let chunk = vec![b' '; 64 * 1024];
        for _ in 0..1024 {
            if pipe.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    too_large(&project, "import", "stream.json");
    writer.join().expect("writer ends");
}

#[test]
fn validate_does_not_follow_symlink_loops() {
    let project = Project::new();
    let checkpoint = std::fs::read(fixture_path("atmos/vpc-migration.yaml")).expect("fixture");
    project.write("dir/sub/a.yaml", &checkpoint);
    project.write("dir/b.yaml", &checkpoint);
    std::os::unix::fs::symlink("..", project.path().join("dir/sub/up")).expect("loop");
    std::os::unix::fs::symlink(".", project.path().join("dir/self")).expect("loop");
    // A linked file is checked like any file.
    std::os::unix::fs::symlink("b.yaml", project.path().join("dir/linked.yaml")).expect("link");
    for pattern in ["dir/**/*.yaml", "dir"] {
        project
            .confab()
            .args(["sessions", "validate", pattern])
            .timeout(Duration::from_secs(60))
            .assert()
            .success()
            .stdout(
                "ok: dir/b.yaml (yaml vpc-migration, 3 messages)\n\
                 ok: dir/linked.yaml (yaml vpc-migration, 3 messages)\n\
                 ok: dir/sub/a.yaml (yaml vpc-migration, 3 messages)\n",
            );
    }
}

#[test]
fn validate_reports_paths_it_cannot_use_instead_of_dropping_them() {
    let project = Project::new();
    let checkpoint = std::fs::read(fixture_path("atmos/vpc-migration.yaml")).expect("fixture");
    project.write("dir/good.yaml", &checkpoint);
    let bad_name = std::ffi::OsStr::from_bytes(b"bad\xff.yaml");
    std::fs::write(project.path().join("dir").join(bad_name), &checkpoint).expect("file");
    for pattern in ["dir", "dir/*.yaml"] {
        project
            .confab()
            .args(["sessions", "validate", pattern])
            .assert()
            .code(2)
            .stdout(contains("ok: dir/good.yaml"))
            .stdout(contains(
                "unreadable: dir/bad\u{FFFD}.yaml is not a UTF-8 path; rename it, or pass it on stdin (`-`)",
            ))
            .stderr(contains("1 of 2 files could not be read"));
    }
}

#[test]
fn the_import_limit_takes_si_units_as_people_write_them() {
    let project = Project::new();
    // 1 MB is 1,000,000 bytes: a file of 1,000,001 is over it, though under 1 MiB.
    project.write("big.json", vec![b' '; 1_000_001]);
    let output = project
        .confab()
        .args(["sessions", "import", "big.json"])
        .env("CONFAB_IMPORT_MAX_SIZE", "1MB")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("big.json is larger than the import limit of 1 MB"),
        "{output:?}"
    );
    project
        .confab()
        .args(["sessions", "import"])
        .arg(fixture_path("atmos/eks-troubleshooting.json"))
        .env("CONFAB_IMPORT_MAX_SIZE", "1mb")
        .assert()
        .success();
}
