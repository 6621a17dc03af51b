//! The project a command runs in: its root folder, its settings and its session store.
//!
//! The root is the nearest folder, from the current one up, that holds `confab.yaml` or a
//! `.confab/` folder; without either, the current folder. So `confab` works from any
//! subfolder of a project, like `git`, and a fresh folder becomes a project on first write.

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::StoreError;
use confab_store_sqlite::{OpenError, SqliteStore};

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
        SqliteStore::open(&self.store_path()).map_err(open_failed)
    }

    /// The store if it exists, for commands that change sessions but never create a store.
    pub(crate) fn open_existing_store(&self) -> Result<Option<SqliteStore>, CliError> {
        SqliteStore::open_existing(&self.store_path()).map_err(open_failed)
    }

    /// The store if it exists, read-only: for commands that only read (`list`, `show`,
    /// `search`, `export`). They create and change nothing, and work on a read-only filesystem
    /// or a full disk.
    pub(crate) fn open_store_read_only(&self) -> Result<Option<SqliteStore>, CliError> {
        SqliteStore::open_read_only(&self.store_path()).map_err(open_failed)
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

impl Project {
    /// The project's report templates folder, `.confab/templates/`.
    pub(crate) fn templates_dir(&self) -> Utf8PathBuf {
        self.root.join(STATE_DIR).join("templates")
    }

    /// The project's templates (`NAME.hbs` in [`Project::templates_dir`]), sorted by name.
    pub(crate) fn templates(&self) -> Vec<(String, Utf8PathBuf)> {
        let Ok(entries) = self.templates_dir().read_dir_utf8() else {
            return Vec::new();
        };
        let mut templates: Vec<(String, Utf8PathBuf)> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.into_path())
            .filter(|path| path.extension() == Some("hbs") && path.is_file())
            .filter_map(|path| Some((path.file_stem()?.to_owned(), path)))
            .collect();
        templates.sort();
        templates
    }

    /// The template file `choice` means: a path when it ends in `.hbs` or holds a `/` (relative to
    /// `base`), else the name of a template in the project's templates folder.
    pub(crate) fn resolve_template(
        &self,
        choice: &str,
        base: &Utf8Path,
    ) -> Result<Utf8PathBuf, CliError> {
        if choice.ends_with(".hbs")
            || choice.contains('/')
            || choice.contains(std::path::MAIN_SEPARATOR)
        {
            let path = base.join(choice);
            if !path.is_file() {
                return Err(CliError::failure(format!("no template file {choice}"))
                    .hint("give the path of a .hbs file, or the name of a template in .confab/templates/"));
            }
            return Ok(path);
        }
        let path = self.templates_dir().join(format!("{choice}.hbs"));
        if path.is_file() {
            return Ok(path);
        }
        let known: Vec<String> = self.templates().into_iter().map(|(name, _)| name).collect();
        let hint = if known.is_empty() {
            format!(
                "there are no templates in {}; `confab templates show default > {}/{choice}.hbs` starts one",
                self.templates_dir(),
                self.templates_dir()
            )
        } else {
            format!("the project's templates are: {}", known.join(", "))
        };
        Err(CliError::failure(format!("no template named {choice:?}")).hint(hint))
    }
}

/// Instruction files that AI tools keep at a project's root, in the order they are looked for.
pub(crate) const INSTRUCTION_FILES: &[&str] = &["CONFAB.md", "ATMOS.md", "AGENTS.md", "CLAUDE.md"];

/// A store that could not be opened: the store's own reason and hint when it knows what is
/// wrong beside the file (a link, a foreign `-wal`, an unusable `-shm`), else the general error.
fn open_failed(error: StoreError) -> CliError {
    if let StoreError::Backend {
        source: Some(source),
        ..
    } = &error
        && let Some(problem) = source.downcast_ref::<OpenError>()
    {
        return CliError::failure(problem).hint(problem.hint());
    }
    CliError::from(error)
}

fn find_root(start: &Utf8Path) -> Option<Utf8PathBuf> {
    start
        .ancestors()
        .find(|folder| folder.join(CONFIG_FILE).is_file() || folder.join(STATE_DIR).is_dir())
        .map(Utf8Path::to_path_buf)
}
