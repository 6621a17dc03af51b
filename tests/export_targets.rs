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
