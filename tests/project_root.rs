//! Where the project is: found from any subfolder (confab.yaml, .confab/, else the git work
//! tree), shown by `confab info`, chosen with `-C`; and `.confab/` kept out of git.

use std::process::Command as Process;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::util::Project;

fn git(folder: &std::path::Path, args: &[&str]) -> String {
    let output = Process::new("git")
        .current_dir(folder)
        .args(args)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).expect("utf-8")
}

fn example() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/incident-review.json"),
    )
    .expect("example")
}

#[test]
fn a_store_made_in_a_subfolder_of_a_git_repository_lives_at_its_root_and_stays_out_of_git() {
    let project = Project::new();
    git(project.path(), &["init", "-q"]);
    let deep = project.path().join("src/deep");
    std::fs::create_dir_all(&deep).expect("folders");
    std::fs::write(deep.join("incident-review.json"), example()).expect("write");

    project
        .confab()
        .current_dir(&deep)
        .args(["sessions", "import", "incident-review.json"])
        .assert()
        .success();
    assert!(project.path().join(".confab/sessions.db").is_file());
    assert!(!deep.join(".confab").exists());
    assert_eq!(project.session_names(), ["incident-review"]);

    assert_eq!(
        git(
            project.path(),
            &["status", "--porcelain", "--untracked-files=all"]
        ),
        "?? src/deep/incident-review.json\n"
    );
    project.write(".confab/templates/handover.hbs", "# {{session.name}}\n");
    assert_eq!(
        git(
            project.path(),
            &["status", "--porcelain", "--untracked-files=all", ".confab"]
        ),
        "?? .confab/templates/handover.hbs\n",
        "templates can be committed"
    );
}

#[test]
fn info_says_where_the_store_is_and_why() {
    let project = Project::new();
    project.write("incident-review.json", example());
    project.confab().arg("info").assert().success().stdout(
        contains(format!("project root  {}", project.path().display()))
            .and(contains("(the current folder"))
            .and(contains("not created yet"))
            .and(contains("google (built-in)"))
            .and(contains("chatgpt (import)")),
    );
    project
        .confab()
        .args(["sessions", "import", "incident-review.json"])
        .assert()
        .success();
    project.write(
        "confab.yaml",
        "providers:\n  local:\n    base_url: http://localhost:9/v1\n",
    );
    let output = project
        .confab()
        .env("CONFAB_REDACT", "true")
        .args(["info", "--format", "json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    assert_eq!(info["root_found_by"], "it holds confab.yaml");
    assert_eq!(info["store"]["exists"], true);
    assert_eq!(info["store"]["sessions"], 1);
    assert!(info["store"]["bytes"].as_u64() > Some(0));
    assert_eq!(info["settings"][0]["source"], "file");
    assert_eq!(
        info["settings"][1],
        serde_json::json!({"source": "environment", "name": "CONFAB_REDACT"})
    );
    let providers = info["providers"].as_array().expect("providers");
    assert!(providers.contains(&serde_json::json!({"name": "local", "from": "confab.yaml"})));
}

#[test]
fn dash_c_runs_in_another_folder() {
    let project = Project::new();
    let elsewhere = tempfile::tempdir().expect("temp dir");
    project.write("incident-review.json", example());
    project
        .confab()
        .current_dir(elsewhere.path())
        .arg("-C")
        .arg(project.path())
        .args(["sessions", "import", "incident-review.json"])
        .assert()
        .success();
    assert_eq!(project.session_names(), ["incident-review"]);
    project
        .confab()
        .args(["-C", "no-such-folder", "info"])
        .assert()
        .code(2)
        .stderr(contains(
            "error: cannot run in no-such-folder: no such file",
        ));
}
