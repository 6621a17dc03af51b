//! The CI integrations: the GitHub Action (`action.yml`, whose checking is
//! `scripts/github-action.sh`) and the pre-commit hook (`.pre-commit-hooks.yaml`).
//!
//! Neither can run here as on GitHub or after `pre-commit install` from github.com, so each is run
//! as close to that as works offline: the action's script with its inputs in the environment
//! variables `action.yml` sets, after checking that `action.yml` really sets them; the hook through
//! the real `pre-commit` (from PyPI) in a temporary git repository, on `git commit`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{Project, fixture_path};

const ACTION: &str = include_str!("../action.yml");
const ACTION_SCRIPT: &str = include_str!("../scripts/github-action.sh");

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// PATH with the folder of the `confab` under test first, as after the action's install step.
fn path_with_confab() -> std::ffi::OsString {
    let confab = assert_cmd::cargo::cargo_bin("confab");
    let folder = confab.parent().expect("confab is in a folder").to_owned();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(folder).chain(std::env::split_paths(&rest)))
        .expect("PATH entries")
}

fn valid_checkpoint() -> Vec<u8> {
    std::fs::read(fixture_path("atmos/eks-troubleshooting.json")).expect("fixture")
}

fn invalid_checkpoint() -> Vec<u8> {
    // A missing `session.model` (line 3) and a role "robot" (line 5).
    std::fs::read(fixture_path("readme/broken.json")).expect("fixture")
}

/// Runs the action's script in `project` with `inputs` as (NAME, value), set as action.yml sets
/// them (`INPUT_NAME`), and nothing else of the caller's `INPUT_*` or `CONFAB_*`.
fn run_action_script(project: &Project, inputs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(repository_file("scripts/github-action.sh"));
    command
        .current_dir(project.path())
        .env("PATH", path_with_confab())
        .env("HOME", project.path());
    for (key, _) in std::env::vars() {
        if key.starts_with("INPUT_") || key.starts_with("CONFAB_") {
            command.env_remove(key);
        }
    }
    for (name, value) in inputs {
        command.env(format!("INPUT_{}", name.to_uppercase()), value);
    }
    command.output().expect("the action's script runs")
}

fn annotations(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("::error "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_action_annotates_every_problem_and_fails_on_an_invalid_checkpoint() {
    let project = Project::new();
    project.write("checkpoints/eks.json", valid_checkpoint());
    project.write("checkpoints/broken.json", invalid_checkpoint());

    let output = run_action_script(&project, &[("paths", "checkpoints/"), ("args", "")]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let annotations = annotations(&output);
    assert_eq!(annotations.len(), 2, "{annotations:#?}");
    assert!(
        annotations[0].starts_with("::error file=checkpoints/broken.json,line=3,col=14,"),
        "{annotations:#?}"
    );
    assert!(
        annotations[0].contains("\"model\" is a required property"),
        "{annotations:#?}"
    );
    assert!(
        annotations[1].starts_with("::error file=checkpoints/broken.json,line=5,col=14,"),
        "{annotations:#?}"
    );

    let output = run_action_script(&project, &[("paths", "checkpoints/eks.json"), ("args", "")]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(annotations_of(&output), 0, "{output:?}");
}

fn annotations_of(output: &Output) -> usize {
    annotations(output).len()
}

#[test]
fn the_action_checks_the_whole_repository_by_default() {
    let project = Project::new();
    project.write("runbooks/eks.json", valid_checkpoint());
    project.write("archive/2026/broken.json", invalid_checkpoint());

    // `paths` unset: the script's own default, which is action.yml's (see the next test).
    let output = run_action_script(&project, &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(annotations_of(&output), 2, "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("archive/2026/broken.json,line=3,"),
        "{output:?}"
    );
}

#[test]
fn the_action_passes_several_paths_and_patterns_to_confab_unexpanded() {
    let project = Project::new();
    project.write("runbooks/eks.json", valid_checkpoint());
    project.write("runbooks/a/eks.json", valid_checkpoint());
    project.write("runbooks/a/b/broken.json", invalid_checkpoint());
    project.write("incidents/ok.json", valid_checkpoint());

    // The shell would expand `**` as `*`, one folder deep: runbooks/a/eks.json only, all valid.
    // confab's `**` goes across folders, down to the invalid one.
    let paths = "runbooks/**/*.json\n  incidents/ok.json \n";
    let output = run_action_script(&project, &[("paths", paths), ("args", "")]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(annotations_of(&output), 2, "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("file=runbooks/a/b/broken.json,"),
        "{output:?}"
    );
    // Every path was checked: the summary counts four files.
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("1 of 4 files invalid"),
        "{output:?}"
    );
}

#[test]
fn the_action_passes_its_args_and_refuses_empty_paths() {
    let project = Project::new();
    project.write("checkpoints/eks.json", valid_checkpoint());

    let output = run_action_script(
        &project,
        &[
            ("paths", "checkpoints"),
            ("args", "--input-format nonsense"),
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("nonsense"),
        "{output:?}"
    );

    let output = run_action_script(&project, &[("paths", " \n "), ("args", "")]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .starts_with("::error title=confab::the paths input"),
        "{output:?}"
    );
}

/// The `INPUT_*` variables the script reads, in order of first use.
fn variables_the_script_reads() -> Vec<String> {
    let mut variables: Vec<String> = Vec::new();
    for (start, _) in ACTION_SCRIPT.match_indices("${INPUT_") {
        let name: String = ACTION_SCRIPT[start + 2..]
            .chars()
            .take_while(|character| character.is_ascii_uppercase() || *character == '_')
            .collect();
        if !variables.contains(&name) {
            variables.push(name);
        }
    }
    variables
}

#[test]
fn the_action_runs_the_script_with_the_inputs_it_declares() {
    let action: serde_json::Value = serde_saphyr::from_str(ACTION).expect("action.yml is YAML");
    let inputs = action["inputs"].as_object().expect("action.yml has inputs");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("steps");

    // The checking step runs the script from the action's checkout, and nothing else.
    let check = steps
        .iter()
        .find(|step| {
            step["run"]
                .as_str()
                .is_some_and(|run| run.contains("scripts/github-action.sh"))
        })
        .expect("a step runs scripts/github-action.sh");
    assert_eq!(check["shell"], "bash");
    assert_eq!(
        check["run"].as_str().map(str::trim),
        Some("\"$GITHUB_ACTION_PATH/scripts/github-action.sh\"")
    );

    // It sets exactly the variables the script reads, each from the input of that name.
    let environment = check["env"].as_object().expect("the step sets env");
    let read = variables_the_script_reads();
    assert_eq!(read, ["INPUT_PATHS", "INPUT_ARGS"]);
    let mut set: Vec<&String> = environment.keys().collect();
    set.sort();
    let mut expected: Vec<&String> = read.iter().collect();
    expected.sort();
    assert_eq!(
        set, expected,
        "the checking step's env is what the script reads"
    );
    for variable in &read {
        let input = variable
            .strip_prefix("INPUT_")
            .expect("INPUT_ prefix")
            .to_lowercase();
        assert!(inputs.contains_key(&input), "action.yml declares `{input}`");
        assert_eq!(
            environment[variable],
            format!("${{{{ inputs.{input} }}}}"),
            "{variable} comes from the input `{input}`"
        );
    }

    // The script's default path is the input's default.
    assert_eq!(inputs["paths"]["default"], ".");
    assert!(ACTION_SCRIPT.contains("\"${INPUT_PATHS-.}\""));

    // Every input declared is used, and every input used is declared.
    for name in inputs.keys() {
        assert!(
            ACTION.contains(&format!("${{{{ inputs.{name} }}}}")),
            "input `{name}` is declared but unused"
        );
        assert!(
            inputs[name]["description"].as_str().is_some(),
            "input `{name}` has a description"
        );
    }
    for (start, _) in ACTION.match_indices("${{ inputs.") {
        let name: String = ACTION[start + "${{ inputs.".len()..]
            .chars()
            .take_while(|character| character.is_ascii_alphanumeric() || *character == '_')
            .collect();
        assert!(
            inputs.contains_key(&name),
            "input `{name}` is used but not declared"
        );
    }

    // The install step installs this repository's `confab` when no version is asked for.
    let install = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .find(|run| run.contains("cargo install"))
        .expect("a step installs confab");
    assert!(install.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    assert!(install.contains("--rev \"$INPUT_VERSION\" confab"));
}

#[cfg(unix)]
#[test]
fn the_action_script_is_executable() {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(repository_file("scripts/github-action.sh"))
        .expect("script")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o111,
        0o111,
        "scripts/github-action.sh is executable"
    );
}

/// `git` in `folder`, with no global or system configuration: the repository's own only.
fn git(folder: &Path, args: &[&str]) -> Output {
    let output = Command::new("git")
        .current_dir(folder)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    output
}

fn new_git_repository(folder: &Path) {
    std::fs::create_dir_all(folder).expect("folder");
    git(folder, &["init", "--quiet", "--initial-branch=main"]);
    git(folder, &["config", "user.name", "Tester"]);
    git(folder, &["config", "user.email", "tester@example.com"]);
    git(folder, &["config", "commit.gpgsign", "false"]);
}

/// `git commit` in `folder`, through the pre-commit hook `pre-commit install` put there.
fn commit(folder: &Path, pre_commit_home: &Path, message: &str) -> Output {
    let mut command = Command::new("git");
    command
        .current_dir(folder)
        .args(["commit", "--quiet", "-m", message])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PRE_COMMIT_HOME", pre_commit_home)
        .env("PATH", path_with_confab());
    for (key, _) in std::env::vars() {
        if key.starts_with("CONFAB_") {
            command.env_remove(key);
        }
    }
    command.output().expect("git commit runs")
}

/// Whether the real `pre-commit` is on PATH. Without it the test says how to get it and is
/// skipped, unless `CONFAB_REQUIRE_PRE_COMMIT=1` (set by `.ci/run`) makes that a failure.
#[allow(
    clippy::print_stderr,
    reason = "the test harness shows a skipped test's reason"
)]
fn pre_commit_available() -> bool {
    let installed = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        assert!(
            std::env::var_os("CONFAB_REQUIRE_PRE_COMMIT").is_none_or(|value| value != "1"),
            "CONFAB_REQUIRE_PRE_COMMIT=1 but `pre-commit` is not on PATH (pip install pre-commit)"
        );
        eprintln!(
            "skipped: `pre-commit` is not on PATH; `pip install pre-commit` to run this test"
        );
    }
    installed
}

/// The hook in `.pre-commit-hooks.yaml`, from a git repository as pre-commit users get it, on
/// `git commit`. One change to the hook as published: `language: system` (set in the user's
/// config), because `language: rust` makes pre-commit `cargo install` the hook's repository:
/// minutes of compiling and crates.io. `system` runs the same `entry` with the `confab` just
/// built; the id, entry, `files` and `types_or` are the hooks file's.
#[test]
fn the_pre_commit_hook_refuses_an_invalid_checkpoint_on_commit() {
    if !pre_commit_available() {
        return;
    }
    let temp = tempfile::Builder::new()
        .prefix("confab-pre-commit-")
        .tempdir()
        .expect("temp dir");

    // The hook's repository: this repository's hooks file, committed.
    let hooks_repository = temp.path().join("confab");
    new_git_repository(&hooks_repository);
    std::fs::copy(
        repository_file(".pre-commit-hooks.yaml"),
        hooks_repository.join(".pre-commit-hooks.yaml"),
    )
    .expect("copy the hooks file");
    git(&hooks_repository, &["add", ".pre-commit-hooks.yaml"]);
    git(&hooks_repository, &["commit", "--quiet", "-m", "hooks"]);
    let revision = String::from_utf8(git(&hooks_repository, &["rev-parse", "HEAD"]).stdout)
        .expect("utf-8")
        .trim()
        .to_owned();

    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(
        &std::fs::read_to_string(repository_file(".pre-commit-hooks.yaml")).expect("hooks file"),
    )
    .expect("the hooks file is YAML");
    let hook_id = hooks[0]["id"].as_str().expect("the hook has an id");
    let hook_name = hooks[0]["name"].as_str().expect("the hook has a name");

    // The user's repository.
    let project = temp.path().join("project");
    new_git_repository(&project);
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {revision}\n    hooks:\n      - id: {hook_id}\n        language: system\n",
        hooks_repository.display()
    );
    std::fs::write(project.join(".pre-commit-config.yaml"), config).expect("config");
    let pre_commit_home = temp.path().join("pre-commit-home");
    let install = Command::new("pre-commit")
        .current_dir(&project)
        .arg("install")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("PRE_COMMIT_HOME", &pre_commit_home)
        .output()
        .expect("pre-commit install runs");
    assert!(install.status.success(), "pre-commit install: {install:?}");
    git(&project, &["add", ".pre-commit-config.yaml"]);
    let output = commit(&project, &pre_commit_home, "pre-commit config");
    assert!(output.status.success(), "{output:?}");

    let write = |relative: &str, content: &[u8]| {
        let path = project.join(relative);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
        std::fs::write(path, content).expect("write");
    };
    let text = |output: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };

    // An invalid checkpoint is refused, with confab's message.
    write("checkpoints/broken.json", &invalid_checkpoint());
    git(&project, &["add", "checkpoints/broken.json"]);
    let output = commit(&project, &pre_commit_home, "a broken checkpoint");
    assert!(!output.status.success(), "{}", text(&output));
    let said = text(&output);
    assert!(said.contains(hook_name), "{said}");
    assert!(said.contains("Failed"), "{said}");
    assert!(
        said.contains("invalid: checkpoints/broken.json is not a valid checkpoint (2 problems)"),
        "{said}"
    );
    assert!(
        said.contains("checkpoints/broken.json:3:14: /session: \"model\" is a required property"),
        "{said}"
    );

    // A valid one passes: the hook ran on it, it did not skip it.
    git(
        &project,
        &["rm", "--quiet", "--cached", "checkpoints/broken.json"],
    );
    std::fs::remove_file(project.join("checkpoints/broken.json")).expect("remove");
    write("checkpoints/eks.json", &valid_checkpoint());
    git(&project, &["add", "checkpoints/eks.json"]);
    let output = commit(&project, &pre_commit_home, "a checkpoint");
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(
        said.contains(hook_name) && said.contains("Passed"),
        "{said}"
    );

    // JSON that is no checkpoint, outside the hook's `files`, is not checked.
    write("config/settings.json", b"{\"not\": \"a checkpoint\"}\n");
    git(&project, &["add", "config/settings.json"]);
    let output = commit(&project, &pre_commit_home, "settings");
    let said = text(&output);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("(no files to check)Skipped"), "{said}");
}
