//! The project a command runs in: its root folder, its settings and its session store.
//!
//! The root is the nearest folder, from the current one up, that holds `confab.yaml` or a
//! `.confab/` folder; without either, the current folder. So `confab` works from any
//! subfolder of a project, like `git`, and a fresh folder becomes a project on first write.

use camino::{Utf8Path, Utf8PathBuf};
use confab_store_sqlite::SqliteStore;

use crate::config::{CONFIG_FILE, Config};
use crate::error::CliError;

/// The folder confab keeps its files in, under the project root.
pub(crate) const STATE_DIR: &str = ".confab";

/// The store's file under [`STATE_DIR`] unless `sessions.path` says otherwise.
const DEFAULT_STORE: &str = ".confab/sessions.db";

/// A project: root folder and settings.
#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) root: Utf8PathBuf,
    pub(crate) config: Config,
}

impl Project {
    /// The project around the current directory.
    pub(crate) fn discover() -> Result<Project, CliError> {
        let current = std::env::current_dir().map_err(|error| {
            CliError::failure(format!("cannot read the current folder: {error}"))
        })?;
        let current = Utf8PathBuf::from_path_buf(current).map_err(|path| {
            CliError::failure(format!(
                "the current folder {} is not valid UTF-8",
                path.display()
            ))
        })?;
        let root = find_root(&current).unwrap_or(current);
        let config = Config::load(&root)?;
        Ok(Project { root, config })
    }

    /// Where this project's session store is.
    pub(crate) fn store_path(&self) -> Utf8PathBuf {
        let configured = self
            .config
            .sessions_path
            .as_deref()
            .unwrap_or(Utf8Path::new(DEFAULT_STORE));
        self.root.join(configured)
    }

    /// The store, created if it does not exist yet.
    pub(crate) fn open_store(&self) -> Result<SqliteStore, CliError> {
        SqliteStore::open(&self.store_path()).map_err(CliError::from)
    }

    /// The store if it exists; commands that only read never create one.
    pub(crate) fn open_existing_store(&self) -> Result<Option<SqliteStore>, CliError> {
        SqliteStore::open_existing(&self.store_path()).map_err(CliError::from)
    }
}

impl Project {
    /// The project's instructions file: the one `context.instructions` names, else the first of
    /// [`INSTRUCTION_FILES`] at the root.
    pub(crate) fn instructions_file(&self) -> Option<Utf8PathBuf> {
        if let Some(configured) = &self.config.instructions {
            return Some(self.root.join(configured));
        }
        INSTRUCTION_FILES
            .iter()
            .map(|name| self.root.join(name))
            .find(|path| path.is_file())
    }
}

/// Instruction files that AI tools keep at a project's root, in the order they are looked for.
pub(crate) const INSTRUCTION_FILES: &[&str] = &["CONFAB.md", "ATMOS.md", "AGENTS.md", "CLAUDE.md"];

fn find_root(start: &Utf8Path) -> Option<Utf8PathBuf> {
    start
        .ancestors()
        .find(|folder| folder.join(CONFIG_FILE).is_file() || folder.join(STATE_DIR).is_dir())
        .map(Utf8Path::to_path_buf)
}
