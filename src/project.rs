//! The project a command runs in: its root folder, its settings and its session store.
//!
//! The root is the nearest folder, from the current one up, that holds `confab.yaml` or a
//! `.confab/` folder; without either, the root of the git work tree the current folder is in
//! (the nearest folder holding `.git`); without that, the current folder. So `confab` works from
//! any subfolder of a project, like `git`, and the first import from `repo/src/deep` creates
//! `repo/.confab/`, where `sessions list` at the repository's root finds it.
//!
//! `.confab/` gets a `.gitignore` when confab first writes there ([`ensure_state_dir`]): the
//! store, its WAL and shared-memory files, the chat history and temporaries stay out of git,
//! while `.confab/templates/` (the project's report templates) can be committed.

use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{CONFIG_FILE, Config};
use crate::error::CliError;
use crate::store::{Store, StoreLocation};

/// The folder confab keeps its files in, under the project root.
pub(crate) const STATE_DIR: &str = ".confab";

/// The store's file under [`STATE_DIR`] unless `sessions.path` says otherwise.
const DEFAULT_STORE: &str = ".confab/sessions.db";

/// A project: root folder and settings.
#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) root: Utf8PathBuf,
    /// What made [`Project::root`] the root, for `confab info`.
    pub(crate) found_by: FoundBy,
    pub(crate) config: Config,
    /// Who runs confab, once asked ([`Project::user_name`]).
    pub(crate) user_name: std::sync::OnceLock<String>,
}

impl Project {
    /// The project around the current directory.
    pub(crate) fn discover() -> Result<Project, CliError> {
        let current = current_folder()?;
        let (root, found_by) = find_root(&current).unwrap_or((current, FoundBy::CurrentFolder));
        let config = Config::load(&root)?;
        Ok(Project {
            root,
            found_by,
            config,
            user_name: std::sync::OnceLock::new(),
        })
    }

    /// Where this project's session store is: see [`crate::store`] for the order in which
    /// `--store`, `CONFAB_STORE`, `sessions.store` and `sessions.path` choose it.
    pub(crate) fn store(&self) -> Result<StoreLocation, CliError> {
        self.store_with_source().map(|(location, _)| location)
    }

    /// [`Project::store`], with what chose it (for `confab info`).
    pub(crate) fn store_with_source(&self) -> Result<(StoreLocation, StoreSource), CliError> {
        let current = current_folder;
        if let Some(store) = crate::store::chosen_on_command_line() {
            let location = StoreLocation::parse(store, &current()?, "--store")?;
            return Ok((location, StoreSource::CommandLine));
        }
        if let Some(store) = std::env::var_os("CONFAB_STORE").filter(|value| !value.is_empty()) {
            let store = store.into_string().map_err(|_| {
                CliError::usage("CONFAB_STORE is not valid UTF-8")
                    .hint("give a postgres:// URL or the path of a sessions.db file")
            })?;
            let location = StoreLocation::parse(&store, &current()?, "CONFAB_STORE")?;
            return Ok((location, StoreSource::Environment));
        }
        if let Some(store) = &self.config.sessions_store {
            let location = StoreLocation::parse(store, &self.root, "sessions.store")?;
            return Ok((location, StoreSource::Settings));
        }
        let configured = self
            .config
            .sessions_path
            .as_deref()
            .unwrap_or(Utf8Path::new(DEFAULT_STORE));
        let source = if self.config.sessions_path.is_some() {
            StoreSource::Settings
        } else {
            StoreSource::Default
        };
        Ok((StoreLocation::File(self.root.join(configured)), source))
    }

    /// The store's file, when the store is a file (for the commands that guard it).
    pub(crate) fn store_file(&self) -> Option<Utf8PathBuf> {
        match self.store() {
            Ok(StoreLocation::File(path)) => Some(path),
            _ => None,
        }
    }

    /// The store, created if it does not exist yet.
    pub(crate) fn open_store(&self) -> Result<Store, CliError> {
        let location = self.store()?;
        let store = location.open()?;
        if !location.is_server() {
            self.ensure_state_dir();
        }
        Ok(store)
    }

    /// Gives an existing `.confab/` its `.gitignore` if it has none. Best effort: a folder that
    /// cannot take the file (read-only) keeps working without it.
    pub(crate) fn ensure_state_dir(&self) {
        let folder = self.root.join(STATE_DIR);
        let ignore = folder.join(".gitignore");
        if !folder.is_dir() || ignore.exists() {
            return;
        }
        let written = tempfile::NamedTempFile::new_in(&folder).and_then(|mut file| {
            use std::io::Write;
            file.write_all(STATE_DIR_GITIGNORE.as_bytes())?;
            // Another confab may have written it meanwhile: theirs is the same; keep it.
            file.persist_noclobber(&ignore)
                .map_err(|error| error.error)?;
            Ok(())
        });
        drop(written);
    }

    /// The store if it exists, for commands that change sessions but never create a store.
    pub(crate) fn open_existing_store(&self) -> Result<Option<Store>, CliError> {
        self.store()?.open_existing()
    }

    /// The store if it exists, read-only: for commands that only read (`list`, `show`,
    /// `search`, `export`). They create and change nothing, and work on a read-only filesystem
    /// or a full disk.
    pub(crate) fn open_store_read_only(&self) -> Result<Option<Store>, CliError> {
        self.store()?.open_read_only()
    }
}

/// What chose the project's store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreSource {
    /// `--store`.
    CommandLine,
    /// `CONFAB_STORE`.
    Environment,
    /// `sessions.store` or `sessions.path` (in `confab.yaml`, or `CONFAB_SESSIONS_PATH`).
    Settings,
    /// Nothing: `.confab/sessions.db`.
    Default,
}

impl StoreSource {
    /// In words, for `confab info`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            StoreSource::CommandLine => "--store",
            StoreSource::Environment => "CONFAB_STORE",
            StoreSource::Settings => "the settings (sessions.store or sessions.path)",
            StoreSource::Default => "the default",
        }
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
                "there are no templates in {}; `confab templates new {choice}` starts one from the built-in template",
                self.templates_dir()
            )
        } else {
            format!("the project's templates are: {}", known.join(", "))
        };
        Err(CliError::failure(format!("no template named {choice:?}")).hint(hint))
    }
}

/// The folder confab runs in (after `-C`): where paths a person types are relative to.
pub(crate) fn current_folder() -> Result<Utf8PathBuf, CliError> {
    let current = std::env::current_dir()
        .map_err(|error| CliError::failure(format!("cannot read the current folder: {error}")))?;
    Utf8PathBuf::from_path_buf(current).map_err(|path| {
        CliError::failure(format!(
            "the current folder {} is not valid UTF-8",
            path.display()
        ))
    })
}

/// Instruction files that AI tools keep at a project's root, in the order they are looked for.
pub(crate) const INSTRUCTION_FILES: &[&str] = &["CONFAB.md", "ATMOS.md", "AGENTS.md", "CLAUDE.md"];

/// What `.confab/.gitignore` holds: everything is confab's private state but the templates.
pub(crate) const STATE_DIR_GITIGNORE: &str = "\
# Written by confab. The session store (sessions.db and its -wal/-shm), the chat history and
# temporaries are private to this checkout; report templates in templates/ can be committed.
# git reads this file though it ignores it, so .confab/ stays out of `git status` until there is
# a template to commit.
*
!templates/
!templates/**
";

/// Why a folder is the project's root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FoundBy {
    /// It holds `confab.yaml`.
    ConfigFile,
    /// It holds `.confab/`.
    StateDir,
    /// It is the root of the git work tree (it holds `.git`).
    GitWorkTree,
    /// Nothing above says otherwise: the current folder.
    CurrentFolder,
}

impl FoundBy {
    /// In words, for `confab info`.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            FoundBy::ConfigFile => "it holds confab.yaml",
            FoundBy::StateDir => "it holds .confab/",
            FoundBy::GitWorkTree => "the root of the git work tree",
            FoundBy::CurrentFolder => "the current folder (no confab.yaml, .confab/ or git above)",
        }
    }
}

fn find_root(start: &Utf8Path) -> Option<(Utf8PathBuf, FoundBy)> {
    let marked = start.ancestors().find_map(|folder| {
        if folder.join(CONFIG_FILE).is_file() {
            Some((folder, FoundBy::ConfigFile))
        } else if folder.join(STATE_DIR).is_dir() {
            Some((folder, FoundBy::StateDir))
        } else {
            None
        }
    });
    marked
        .or_else(|| {
            start
                .ancestors()
                .find(|folder| folder.join(".git").exists())
                .map(|folder| (folder, FoundBy::GitWorkTree))
        })
        .map(|(folder, found_by)| (folder.to_path_buf(), found_by))
}
