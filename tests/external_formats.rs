//! Formats from outside confab: an executable `confab-format-NAME` on `PATH`.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::util::Project;

const DEMO: &str = "session: from-plugin\nprovider: openai\nmodel: gpt-4o\nuser: hello\n";

fn demo_plugin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("formats/external/tests/plugins")
}

/// `PATH` with `dir` first.
fn path_with(dir: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_owned()).chain(std::env::split_paths(&rest)))
        .expect("joinable PATH")
}

#[test]
fn a_plugin_on_path_is_listed_as_external_and_imports() {
    let project = Project::new();
    let path = path_with(&demo_plugin_dir());
    project
        .confab()
        .env("PATH", &path)
        .arg("formats")
        .assert()
        .success()
        .stdout(predicate::str::contains("demo"))
        .stdout(predicate::str::contains("(external: "))
        .stdout(predicate::str::contains("confab-format-demo"));
    let file = project.write("chat.demo", DEMO);
    project
        .confab()
        .env("PATH", &path)
        .args(["sessions", "import"])
        .arg(file)
        .assert()
        .success();
    assert_eq!(project.session_names(), ["from-plugin"]);
}

#[test]
fn a_garbage_plugin_fails_the_import_and_stores_nothing() {
    let project = Project::new();
    let dir = project.path().join("plugins");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let plugin = dir.join("confab-format-junk");
    std::fs::write(
        &plugin,
        "#!/bin/sh\nif [ \"$1\" = describe ]; then\n  echo '{\"protocol\": 1, \"name\": \"junk\", \
         \"extensions\": [\"junk\"], \"description\": \"junk\", \"decode\": true}'\nelse\n  \
         echo 'garbage'\nfi\n",
    )
    .expect("write plugin");
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let broken = dir.join("confab-format-broken");
    std::fs::write(&broken, "#!/bin/sh\nexit 2\n").expect("write plugin");
    std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = path_with(&dir);

    project
        .confab()
        .env("PATH", &path)
        .arg("formats")
        .assert()
        .success()
        .stderr(predicate::str::contains("warning: plugin "))
        .stderr(predicate::str::contains("confab-format-broken"));
    let file = project.write("chat.junk", DEMO);
    project
        .confab()
        .env("PATH", &path)
        .args(["sessions", "import"])
        .arg(file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("confab-format-junk"))
        .stderr(predicate::str::contains("not JSON"));
    assert!(project.session_names().is_empty());
}
