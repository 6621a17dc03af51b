//! Which session store a command works on, and the one type every command uses for it.
//!
//! A project keeps its sessions in an embedded SQLite file (`.confab/sessions.db`, the default)
//! or in a PostgreSQL database that a whole team shares. Commands do not care which: they get a
//! [`Store`], which is a [`SessionStore`] like either, and behave the same on both. That is the
//! promise of the team store — `list`, `search`, `chat`, trash and the rest are the commands a
//! person already knows — and the conformance suite (`confab_core::conformance`) holds both
//! implementations to it.
//!
//! # Choosing the store
//! The first of these that is set wins:
//! 1. `--store STORE` on the command line (any command);
//! 2. `CONFAB_STORE`;
//! 3. `sessions.store` in `confab.yaml` (or its older spelling for files, `sessions.path` /
//!    `CONFAB_SESSIONS_PATH`);
//! 4. `.confab/sessions.db` under the project root.
//!
//! A store is written as a `postgres://` (or `postgresql://`) URL, or as the path of a SQLite
//! file. Paths on the command line and in `CONFAB_STORE` are relative to the current folder, as
//! any path a person types; paths in `confab.yaml` are relative to the project root, so the file
//! means the same thing from every subfolder.
//!
//! # Secrets in URLs
//! A URL may hold a password (`postgres://me:secret@db/team`). confab never prints it: every
//! message names a store by [`StoreLocation`]'s `Display`, which leaves the user and password
//! out. Errors of the PostgreSQL client do not repeat the URL.

use std::fmt;
use std::sync::OnceLock;

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{
    CleanRule, Disposal, Message, RestoreRequest, Restored, SearchHit, SearchQuery, Session,
    SessionStore, SessionSummary, SessionUpdate, StoreError, TrashEntry, UsageBucket, UsageQuery,
};
use std::io::Write as _;

use confab_store_postgres::{ConnectionSettings, Environment, PostgresStore};
use confab_store_sqlite::{OpenError, SqliteStore};
use jiff::Timestamp;
use serde_json::Value;

use crate::error::CliError;

/// Where a session store is.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum StoreLocation {
    /// An embedded SQLite file.
    File(Utf8PathBuf),
    /// A PostgreSQL database, by its connection URL (which may hold a password: never print
    /// it; print the location).
    Postgres(String),
}

/// The URL schemes of PostgreSQL, as libpq and psql accept them.
const POSTGRES_SCHEMES: [&str; 2] = ["postgres://", "postgresql://"];

impl StoreLocation {
    /// Reads a store as a person writes it: a `postgres://` URL, else a path relative to
    /// `base`. Another URL scheme is an error rather than a strange file name.
    pub(crate) fn parse(text: &str, base: &Utf8Path, source: &str) -> Result<Self, CliError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(CliError::usage(format!("{source}: the store is empty"))
                .hint("give a postgres:// URL or the path of a sessions.db file"));
        }
        let lower = trimmed.to_ascii_lowercase();
        if POSTGRES_SCHEMES
            .iter()
            .any(|scheme| lower.starts_with(scheme))
        {
            return Ok(StoreLocation::Postgres(trimmed.to_owned()));
        }
        if let Some((scheme, _)) = trimmed.split_once("://")
            && !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(CliError::usage(format!(
                "{source}: confab cannot keep sessions in a {}:// store",
                scheme
            ))
            .hint("a store is a postgres:// URL or the path of a sessions.db file"));
        }
        Ok(StoreLocation::File(base.join(trimmed)))
    }

    /// Whether this is a team store on a server (rather than a file of this machine).
    pub(crate) fn is_server(&self) -> bool {
        matches!(self, StoreLocation::Postgres(_))
    }

    /// Opens the store, creating it (the file, or the schema in the database) if needed.
    pub(crate) fn open(&self) -> Result<Store, CliError> {
        match self {
            StoreLocation::File(path) => SqliteStore::open(path)
                .map(Store::Sqlite)
                .map_err(open_failed),
            StoreLocation::Postgres(url) => self.connect(url),
        }
    }

    /// Opens the store if it exists, for commands that change sessions but never create a
    /// store. A database always exists once it can be connected to.
    pub(crate) fn open_existing(&self) -> Result<Option<Store>, CliError> {
        match self {
            StoreLocation::File(path) => SqliteStore::open_existing(path)
                .map(|store| store.map(Store::Sqlite))
                .map_err(open_failed),
            StoreLocation::Postgres(url) => self.connect(url).map(Some),
        }
    }

    /// Opens the store if it exists, read-only where that means something: a SQLite file is
    /// opened so that nothing can change it (a read-only mount or a full disk still reads).
    pub(crate) fn open_read_only(&self) -> Result<Option<Store>, CliError> {
        match self {
            StoreLocation::File(path) => SqliteStore::open_read_only(path)
                .map(|store| store.map(Store::Sqlite))
                .map_err(open_failed),
            StoreLocation::Postgres(url) => self.connect(url).map(Some),
        }
    }

    fn connect(&self, url: &str) -> Result<Store, CliError> {
        let settings = ConnectionSettings::resolve(url, &Environment::current()).map_err(|error| {
            CliError::usage(format!("the session store {self}: {error}"))
                .hint("a team store is a URL like postgres://user@host:5432/database?sslmode=verify-full")
        })?;
        for warning in settings.warnings() {
            // Worth knowing (an ignored ~/.pgpass), not worth failing over.
            let _ = writeln!(crate::output::stderr(), "warning: {warning}");
        }
        PostgresStore::connect_with(&settings)
            .map(|store| Store::Postgres(Box::new(store)))
            .map_err(|error| {
                CliError::failure(format!("cannot open the session store {self}: {error}")).hint(
                    "check the URL, that the server runs and lets you in (a password can come \
                     from the URL, PGPASSWORD or ~/.pgpass), and its sslmode",
                )
            })
    }
}

/// The location without secrets: a file's path, or the URL without user and password.
impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::File(path) => write!(f, "{path}"),
            StoreLocation::Postgres(url) => {
                write!(f, "{}", confab_store_postgres::display_url(url))
            }
        }
    }
}

/// Never shows a URL's password, in logs and panics included.
impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreLocation({self})")
    }
}

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

/// The store given with `--store`, for [`chosen_on_command_line`].
static COMMAND_LINE: OnceLock<String> = OnceLock::new();

/// Records the store given with `--store`; called once, before any command runs.
pub(crate) fn choose_on_command_line(store: String) {
    let _ = COMMAND_LINE.set(store);
}

/// The store given with `--store`, if one was.
pub(crate) fn chosen_on_command_line() -> Option<&'static str> {
    COMMAND_LINE.get().map(String::as_str)
}

/// An open session store, whichever kind it is.
pub(crate) enum Store {
    /// The embedded SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL database (boxed: a client is much larger than a SQLite handle).
    Postgres(Box<PostgresStore>),
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Store::Sqlite(store) => store.fmt(f),
            Store::Postgres(store) => store.fmt(f),
        }
    }
}

impl Store {
    /// How many committed messages the search index does not cover yet. The PostgreSQL store
    /// indexes as it writes: always none.
    pub(crate) fn index_backlog(&self) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(store) => Ok(store.index_backlog()?.messages),
            Store::Postgres(_) => Ok(0),
        }
    }

    /// Brings the search index up to date, calling `progress` with the number of messages
    /// indexed so far after each batch.
    pub(crate) fn update_index_with(
        &mut self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(store) => store.update_index_with(progress),
            Store::Postgres(_) => Ok(0),
        }
    }
}

/// Runs `$call` on whichever store `$self` holds, as `$store`.
macro_rules! on_store {
    ($self:expr, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

impl SessionStore for Store {
    fn create(&mut self, session: &Session) -> Result<(), StoreError> {
        on_store!(self, store => store.create(session))
    }

    fn get(&self, name: &str) -> Result<Session, StoreError> {
        on_store!(self, store => store.get(name))
    }

    fn exists(&self, name: &str) -> Result<bool, StoreError> {
        on_store!(self, store => store.exists(name))
    }

    fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        on_store!(self, store => store.list())
    }

    fn metadata_values(&self, key: &str) -> Result<Vec<(String, Value)>, StoreError> {
        on_store!(self, store => store.metadata_values(key))
    }

    fn append_messages(
        &mut self,
        name: &str,
        messages: &[Message],
        update: &SessionUpdate,
    ) -> Result<(), StoreError> {
        on_store!(self, store => store.append_messages(name, messages, update))
    }

    fn replace(&mut self, session: &Session) -> Result<(), StoreError> {
        on_store!(self, store => store.replace(session))
    }

    fn store_all(&mut self, sessions: &[Session], overwrite: bool) -> Result<(), StoreError> {
        on_store!(self, store => store.store_all(sessions, overwrite))
    }

    fn rename(&mut self, old: &str, new: &str) -> Result<(), StoreError> {
        on_store!(self, store => store.rename(old, new))
    }

    fn delete(&mut self, names: &[String]) -> Result<(), StoreError> {
        on_store!(self, store => store.delete(names))
    }

    fn trash(&mut self, names: &[String], trashed_at: Timestamp) -> Result<(), StoreError> {
        on_store!(self, store => store.trash(names, trashed_at))
    }

    fn clean(
        &mut self,
        rule: &CleanRule,
        disposal: Disposal,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        on_store!(self, store => store.clean(rule, disposal))
    }

    fn trash_list(&self) -> Result<Vec<TrashEntry>, StoreError> {
        on_store!(self, store => store.trash_list())
    }

    fn restore(&mut self, requests: &[RestoreRequest]) -> Result<Vec<Restored>, StoreError> {
        on_store!(self, store => store.restore(requests))
    }

    fn purge_trash(
        &mut self,
        trashed_before: Option<Timestamp>,
    ) -> Result<Vec<TrashEntry>, StoreError> {
        on_store!(self, store => store.purge_trash(trashed_before))
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        on_store!(self, store => store.search(query))
    }

    fn usage(&self, query: &UsageQuery) -> Result<Vec<UsageBucket>, StoreError> {
        on_store!(self, store => store.usage(query))
    }

    fn update_index(&mut self) -> Result<(), StoreError> {
        on_store!(self, store => store.update_index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StoreLocation, CliError> {
        StoreLocation::parse(text, Utf8Path::new("/project"), "--store")
    }

    #[test]
    fn urls_are_postgres_and_anything_else_a_path() {
        assert_eq!(
            parse("postgres://db/team").ok(),
            Some(StoreLocation::Postgres("postgres://db/team".into()))
        );
        assert_eq!(
            parse("PostgreSQL://db/team").ok(),
            Some(StoreLocation::Postgres("PostgreSQL://db/team".into()))
        );
        assert_eq!(
            parse("team/sessions.db").ok(),
            Some(StoreLocation::File("/project/team/sessions.db".into()))
        );
        assert_eq!(
            parse("/abs/sessions.db").ok(),
            Some(StoreLocation::File("/abs/sessions.db".into()))
        );
        assert!(parse("mysql://db/team").is_err());
        assert!(parse("  ").is_err());
    }

    #[test]
    fn passwords_are_never_shown() {
        let shown = |url: &str| StoreLocation::Postgres(url.into()).to_string();
        assert_eq!(
            shown("postgres://me:s3cret@db.example:5432/team?sslmode=require"),
            "postgres://db.example:5432/team?sslmode=require"
        );
        assert_eq!(shown("postgres://me@db/team"), "postgres://db/team");
        assert_eq!(
            shown("postgres://db/team?password=s3cret&sslmode=require"),
            "postgres://db/team?sslmode=require"
        );
        assert_eq!(
            shown("postgres://db/team?password=s3cret"),
            "postgres://db/team"
        );
        // A password holding `@` and `/`: the userinfo ends at the last `@` before the path.
        assert_eq!(shown("postgres://me:a@b@db/team"), "postgres://db/team");
        assert_eq!(shown("postgres://me:a/b@db/team"), "postgres://db/team");
        let location = StoreLocation::Postgres("postgres://me:s3cret@db/team".into());
        assert!(!format!("{location:?}").contains("s3cret"));
    }
}
