//! A temporary project to run `confab` in, and helpers to look at what it did.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use camino::Utf8PathBuf;
use confab_store_sqlite::test_support;
use tempfile::TempDir;

/// A fresh project folder with nothing in it, removed when dropped.
pub(crate) struct Project {
    dir: TempDir,
}

impl Project {
    pub(crate) fn new() -> Project {
        Project {
            dir: tempfile::Builder::new()
                .prefix("confab-test-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `confab` with the project as working directory and a clean environment.
    pub(crate) fn confab(&self) -> Command {
        Command::from_std(self.command())
    }

    /// The same as [`Project::confab`], as a plain `std::process::Command` (to spawn and kill).
    pub(crate) fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("confab"));
        command
            .current_dir(self.path())
            .env("HOME", self.path())
            .env("USER", "tester")
            .env("TZ", "UTC");
        for (key, _) in std::env::vars() {
            if key.starts_with("CONFAB_") {
                command.env_remove(key);
            }
        }
        // A developer's real keys must never reach a test (or a provider through one); tests
        // that chat set fake keys themselves.
        command
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY");
        command
    }

    /// Writes a file under the project and returns its path.
    pub(crate) fn write(&self, relative: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, content).expect("write file");
        path
    }

    /// Copies a fixture from `tests/fixtures/` into the project, keeping its file name.
    pub(crate) fn fixture(&self, relative: &str) -> PathBuf {
        let content = std::fs::read(fixture_path(relative)).expect("fixture exists");
        let name = Path::new(relative).file_name().expect("file name");
        self.write(&name.to_string_lossy(), content)
    }
}

impl Project {
    pub(crate) fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path().join(relative)).expect("file readable")
    }

    /// Imports a fixture (copied into the project first) and returns the session's name.
    pub(crate) fn import_fixture(&self, relative: &str) {
        let path = self.fixture(relative);
        self.confab()
            .args(["sessions", "import"])
            .arg(path)
            .assert()
            .success();
    }

    /// `confab sessions list` as names.
    pub(crate) fn session_names(&self) -> Vec<String> {
        let output = self
            .confab()
            .args(["sessions", "list", "--format", "names"])
            .output()
            .expect("runs");
        assert!(output.status.success(), "list failed: {output:?}");
        String::from_utf8(output.stdout)
            .expect("utf-8")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Moves a session's last update and import back by `seconds`, as if time had passed.
    pub(crate) fn age_session(&self, name: &str, seconds: i64) {
        let aged = test_support::age_session(&self.store_path(), name, seconds).expect("store");
        assert!(aged, "session {name} exists");
    }

    /// Moves the time every trash entry of `name` was trashed back by `seconds`.
    pub(crate) fn age_trash(&self, name: &str, seconds: i64) {
        let aged = test_support::age_trash(&self.store_path(), name, seconds).expect("store");
        assert!(aged > 0, "{name} is in the trash");
    }

    /// The project's store file, for `confab_store_sqlite::test_support`.
    pub(crate) fn store_path(&self) -> Utf8PathBuf {
        Utf8PathBuf::from_path_buf(self.path().join(".confab/sessions.db")).expect("UTF-8 path")
    }
}

pub(crate) fn fixture_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// The command's stdout and stderr, for snapshots; the temp path is replaced by `[PROJECT]`.
pub(crate) fn transcript(project: &Project, output: &std::process::Output) -> String {
    let path = project.path().to_string_lossy().into_owned();
    let stdout = String::from_utf8_lossy(&output.stdout).replace(&path, "[PROJECT]");
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&path, "[PROJECT]");
    format!(
        "exit: {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        output
            .status
            .code()
            .map_or("signal".to_owned(), |code| code.to_string())
    )
}

/// A new, empty PostgreSQL database for one test, as a connection URL; `None` when there is no
/// server to test against: the test then passes without running, and the first such test says
/// once how to run them. The server is `CONFAB_TEST_POSTGRES`, else a throw-away one the tests
/// start themselves when PostgreSQL is installed (`confab_store_postgres::testing`);
/// `CONFAB_REQUIRE_POSTGRES=1` (CI) makes a missing server a failure.
pub(crate) fn team_database() -> Option<String> {
    confab_store_postgres::testing::fresh_database()
}
