//! The downstream binary is a whole confab with one more format.

use assert_cmd::Command;

fn confab(project: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_custom-confab"));
    command
        .current_dir(project)
        .env_remove("CONFAB_SESSIONS_PATH");
    command
}

#[test]
fn the_extra_format_is_listed_beside_the_shipped_ones() {
    let project = tempfile::tempdir().expect("temp dir");
    let output = confab(project.path())
        .arg("formats")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let listing = String::from_utf8(output.stdout).expect("utf-8");
    assert!(listing.contains("chatlog"), "{listing}");
    assert!(
        listing.contains("json"),
        "the shipped formats are there too: {listing}"
    );
}

#[test]
fn a_chat_log_imports_and_exports_through_every_command() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("pod.chatlog"),
        "user: why is the pod pending?\nassistant: no CPU left on the node\n",
    )
    .expect("write");
    confab(project.path())
        .args(["sessions", "import", "pod.chatlog", "--name", "pod"])
        .assert()
        .success();
    confab(project.path())
        .args(["sessions", "export", "pod", "-o", "back.chatlog"])
        .assert()
        .success();
    let back = std::fs::read_to_string(project.path().join("back.chatlog")).expect("exported");
    assert_eq!(
        back,
        "user: why is the pod pending?\nassistant: no CPU left on the node\n"
    );
}

#[test]
fn a_bad_line_is_named_and_nothing_is_stored() {
    let project = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        project.path().join("bad.chatlog"),
        "user: hi\nrobot: beep\n",
    )
    .expect("write");
    let output = confab(project.path())
        .args(["sessions", "import", "bad.chatlog"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert!(stderr.contains("bad.chatlog:2:1"), "{stderr}");
    assert!(stderr.contains("unknown role \"robot\""), "{stderr}");
    assert!(!project.path().join(".confab/sessions.db").exists());
}
