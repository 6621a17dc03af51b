//! The pager (issue 18, item 9): long `sessions show`, `list` and `search` output on a terminal
//! goes through `$PAGER`; short output, `--no-pager`, `PAGER=cat` and a pipe print directly.
//!
//! Each test runs confab on a pty (rexpect) whose size `stty` sets, with a pager that marks every
//! line it passes on (`sed s/^/PAGED:/`), so the screen tells whether the text was paged.

use std::path::Path;

use rexpect::process::WaitStatus;
use rexpect::session::{PtySession, spawn_command};

use crate::util::Project;

const EKS: &str = "eks-troubleshooting";
/// A pager that marks what it shows.
const MARKING_PAGER: &str = "sed s/^/PAGED:/";

fn project_with_eks() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project
}

/// Runs `confab ARGS` on a pty of `rows` rows and 80 columns, with no pager setting of the
/// developer's, then `env`; returns the screen (without the pty's carriage returns) and the
/// exit code.
fn on_terminal(project: &Project, rows: u16, args: &[&str], env: &[(&str, &str)]) -> (String, i32) {
    finish(started(project, rows, args, env))
}

/// `confab ARGS` started on a pty, as [`on_terminal`] runs it.
fn started(project: &Project, rows: u16, args: &[&str], env: &[(&str, &str)]) -> PtySession {
    let confab = project.command();
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("stty rows {rows} cols 80 && exec \"$0\" \"$@\""))
        .arg(confab.get_program())
        .args(args)
        .current_dir(confab.get_current_dir().expect("the project folder"));
    for (key, value) in confab.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    for key in ["PAGER", "CONFAB_PAGER", "LESS", "LV"] {
        command.env_remove(key);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    spawn_command(command, Some(20_000)).expect("runs on a pty")
}

/// The rest of the screen until confab ends, and its exit code.
fn finish(mut terminal: PtySession) -> (String, i32) {
    // rexpect reads the pty one byte to a char; the bytes are UTF-8.
    let bytes: Vec<u8> = terminal
        .exp_eof()
        .expect("confab ends")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("one byte a char"))
        .filter(|byte| *byte != b'\r')
        .collect();
    let screen = String::from_utf8(bytes).expect("UTF-8 on the screen");
    let code = match terminal.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("confab did not exit: {other:?}"),
    };
    (screen, code)
}

fn paged_lines(screen: &str) -> usize {
    screen
        .lines()
        .filter(|line| line.starts_with("PAGED:"))
        .count()
}

#[test]
fn a_long_transcript_on_a_terminal_goes_through_the_pager() {
    let project = project_with_eks();
    let (screen, code) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.starts_with(&format!("PAGED:{EKS}\n")), "{screen}");
    assert!(
        screen.lines().all(|line| line.starts_with("PAGED:")),
        "every line went through the pager: {screen}"
    );
    assert!(screen.contains("PAGED:── 4 · "), "{screen}");

    // The same through --format json, and CONFAB_PAGER before PAGER.
    let (screen, _) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS, "--format", "json"],
        &[("PAGER", "false"), ("CONFAB_PAGER", MARKING_PAGER)],
    );
    assert!(screen.starts_with("PAGED:{\n"), "{screen}");
}

#[test]
fn output_that_fits_the_screen_is_printed_directly() {
    let project = project_with_eks();
    let (screen, code) = on_terminal(
        &project,
        100,
        &["sessions", "show", EKS],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(code, 0);
    assert!(screen.starts_with(&format!("{EKS}\n")), "{screen}");
    assert_eq!(paged_lines(&screen), 0, "{screen}");
}

#[test]
fn no_pager_and_cat_print_directly() {
    let project = project_with_eks();
    let (screen, code) = on_terminal(
        &project,
        10,
        &["--no-pager", "sessions", "show", EKS],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(code, 0);
    assert_eq!(paged_lines(&screen), 0, "--no-pager: {screen}");
    assert!(screen.contains("── 4 · "), "{screen}");
    // The global flag works after the subcommand too, as git's does not but clap's do.
    let (screen, _) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS, "--no-pager"],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(paged_lines(&screen), 0, "{screen}");

    // `cat` means no pager at all: a `cat` that marks its lines is never run. An empty PAGER
    // too.
    let bin = tempfile::tempdir().expect("temp dir");
    write_script(&bin.path().join("cat"), "#!/bin/sh\nexec sed s/^/PAGED:/\n");
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for pager in ["cat", ""] {
        let (screen, code) = on_terminal(
            &project,
            10,
            &["sessions", "show", EKS],
            &[("PAGER", pager), ("PATH", &path)],
        );
        assert_eq!(code, 0);
        assert_eq!(paged_lines(&screen), 0, "PAGER={pager:?}: {screen}");
        assert!(screen.starts_with(&format!("{EKS}\n")), "{screen}");
    }
}

#[test]
fn nothing_is_paged_into_a_pipe() {
    let project = project_with_eks();
    let output = project
        .confab()
        .args(["sessions", "show", EKS])
        .env("PAGER", MARKING_PAGER)
        .env("LINES", "3")
        .output()
        .expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.starts_with(&format!("{EKS}\n")), "{text}");
    assert!(!text.contains("PAGED:"), "{text}");
}

#[test]
fn less_gets_git_s_settings_unless_the_user_has_some() {
    let project = project_with_eks();
    let pager = "sh -c 'echo \"LESS=$LESS\"; cat >/dev/null'";
    let (screen, _) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS],
        &[("PAGER", pager)],
    );
    assert_eq!(screen, "LESS=FRX\n");
    let (screen, _) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS],
        &[("PAGER", pager), ("LESS", "-S")],
    );
    assert_eq!(screen, "LESS=-S\n");
}

#[test]
fn quitting_the_pager_early_is_a_quiet_success() {
    let project = Project::new();
    // A transcript far larger than a pipe's buffer, so writing it fails once the pager is gone.
    let mut checkpoint: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::util::fixture_path("atmos/eks-troubleshooting.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    checkpoint["messages"][0]["content"] = "a line of a long answer\n".repeat(20_000).into();
    project.write("long.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "long.json"])
        .assert()
        .success();
    let (screen, code) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS],
        &[("PAGER", "head -n 2")],
    );
    assert_eq!(code, 0, "{screen}");
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 2, "{screen}");
    assert_eq!(lines[0], EKS);
    assert!(
        lines[1].starts_with("openai · gpt-4o · 4 messages"),
        "{screen}"
    );
}

#[test]
fn a_pager_that_cannot_start_is_named_and_the_text_printed() {
    let project = project_with_eks();
    let (screen, code) = on_terminal(
        &project,
        10,
        &["sessions", "show", EKS],
        &[("PAGER", "no-such-pager-here --x")],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(
        screen.contains("warning: cannot start the pager no-such-pager-here"),
        "{screen}"
    );
    assert!(screen.contains(&format!("{EKS}\n")), "{screen}");
    assert!(screen.contains("── 4 · "), "{screen}");
}

#[test]
fn a_long_list_is_paged_too() {
    let project = project_with_eks();
    for index in 0..12 {
        project
            .confab()
            .args(["sessions", "fork", EKS, &format!("copy-{index:02}")])
            .assert()
            .success();
    }
    let (screen, code) = on_terminal(
        &project,
        10,
        &["sessions", "list"],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.starts_with("PAGED:NAME "), "{screen}");
    assert_eq!(
        paged_lines(&screen),
        14,
        "the header and 13 sessions: {screen}"
    );
}

#[test]
fn many_search_hits_are_paged_and_none_leaves_the_pager_alone() {
    let project = project_with_eks();
    for index in 0..4 {
        project
            .confab()
            .args(["sessions", "fork", EKS, &format!("copy-{index:02}")])
            .assert()
            .success();
    }
    let (screen, code) = on_terminal(
        &project,
        10,
        &["sessions", "search", "pods", "--color", "never"],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.starts_with("PAGED:"), "{screen}");
    assert!(paged_lines(&screen) > 10, "{screen}");
    // No hit: grep's exit code, the note on the terminal, and no pager.
    let (screen, code) = on_terminal(
        &project,
        10,
        &["sessions", "search", "zebra"],
        &[("PAGER", MARKING_PAGER)],
    );
    assert_eq!(code, 1, "{screen}");
    assert_eq!(paged_lines(&screen), 0, "{screen}");
}

#[test]
fn ctrl_c_while_the_pager_runs_is_the_pager_s_and_confab_waits_for_it() {
    let project = project_with_eks();
    // A pager that, like less, does not quit on Ctrl-C.
    let pager = "sh -c 'trap \"\" INT; cat >/dev/null; echo pager-ready; sleep 1; echo pager-done'";
    let mut terminal = started(
        &project,
        10,
        &["sessions", "show", EKS],
        &[("PAGER", pager)],
    );
    terminal
        .exp_string("pager-ready")
        .expect("the pager has the text");
    terminal.send_control('c').expect("Ctrl-C");
    let (screen, code) = finish(terminal);
    assert_eq!(code, 0, "confab waited for the pager: {screen}");
    assert!(screen.contains("pager-done"), "{screen}");
}

fn write_script(path: &Path, text: &str) {
    std::fs::write(path, text).expect("script written");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .expect("script made executable");
    }
}
