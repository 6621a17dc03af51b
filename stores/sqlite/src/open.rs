//! Opening a store file without trusting what lies beside it.
//!
//! A store is a database file plus SQLite's companions, `-wal` (committed changes not yet copied
//! into the file) and `-shm` (the index of the `-wal`, shared between processes). Opening one is
//! where a hostile or careless folder does its damage, so the order here is deliberate:
//!
//! 1. **No symbolic links.** SQLite creates `-wal` and `-shm` beside the file a link points to, so
//!    a linked `sessions.db` (or a linked companion, which a cloned repository can ship) would
//!    make confab write outside the project. Such a store is refused, naming the link's target.
//! 2. **A leftover `-wal` is checked before anything trusts it.** SQLite replays any `-wal` it
//!    finds, even one from another copy of the store (a backup restored over `sessions.db` with
//!    the old `-wal` still beside it); pages of two databases then mix and indexes break
//!    silently. Whenever a `-wal` holds frames, a read-only connection (it never copies the
//!    `-wal` into the file) runs `PRAGMA quick_check` first and refuses a store that fails it —
//!    unless a process has the store open at that moment ([`register`]): then
//!    its `-wal` is the live one, which SQLite reads through the open connections' shared index
//!    and never replays, and the check (it reads the whole store: a second for a few hundred
//!    megabytes) would be paid by every command while a chat or an import runs beside it.
//! 3. **The schema version is read before anything is written.** A store from a newer confab is
//!    refused as it is: switching it to WAL or migrating it first would rewrite a file this
//!    build does not understand.
//! 4. **Reading works read-only.** Commands that only read open the file with
//!    `SQLITE_OPEN_READONLY`. On a read-only filesystem or a full disk SQLite cannot create the
//!    `-shm`; when there is no `-wal` to read, the file alone is the whole store and it is opened
//!    `immutable=1` (no `-shm`, no locks), otherwise the error says what is missing and why.

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::StoreError;
use rusqlite::{Connection, OpenFlags, ffi};

use crate::rows::backend;

/// A store that confab refuses to open, or cannot open, for a reason the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The store, or one of SQLite's files beside it, is a symbolic link.
    #[error(
        "the session store {link} is a symbolic link to {target}; confab does not follow it, because SQLite would create its -wal and -shm files beside {target}"
    )]
    Symlink {
        /// The link.
        link: Utf8PathBuf,
        /// Where it points.
        target: String,
    },
    /// A `-wal` beside the store replays into a broken database.
    #[error(
        "the session store {path} does not match the write-ahead log {wal} beside it: replaying the log breaks the store ({problem})"
    )]
    ForeignWal {
        /// The store.
        path: Utf8PathBuf,
        /// Its `-wal`.
        wal: Utf8PathBuf,
        /// The first problem `quick_check` reported.
        problem: String,
    },
    /// The store can be read but not written (a read-only filesystem, a full disk, or file
    /// permissions).
    #[error(
        "cannot change the session store {path}: it can be read but not written (a read-only filesystem, a full disk, or file permissions)"
    )]
    ReadOnly {
        /// The store.
        path: Utf8PathBuf,
    },
    /// The `-shm` beside the store exists but this user cannot write it.
    #[error("cannot use the session store {path}: its shared-memory file {shm} is read-only")]
    ReadOnlySharedMemory {
        /// The store.
        path: Utf8PathBuf,
        /// Its `-shm`.
        shm: Utf8PathBuf,
    },
    /// The store has committed changes in its `-wal`, and its `-shm` cannot be created to read
    /// them (a read-only folder or filesystem, or a full disk).
    #[error(
        "cannot read the session store {path}: its write-ahead log {wal} holds changes, and the shared-memory file {shm} needed to read them cannot be created ({reason})"
    )]
    NoSharedMemory {
        /// The store.
        path: Utf8PathBuf,
        /// Its `-wal`.
        wal: Utf8PathBuf,
        /// Its `-shm`.
        shm: Utf8PathBuf,
        /// What SQLite said.
        reason: String,
    },
}

impl OpenError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            OpenError::Symlink { target, .. } => format!(
                "point sessions.path in confab.yaml at {target} itself, or replace the link with the file"
            ),
            OpenError::ForeignWal { wal, path, .. } => format!(
                "a backup restored over the store with an old -wal left beside it? With no confab running, move {wal} (and its -shm) away to use {path} as it is"
            ),
            OpenError::ReadOnly { .. } => {
                "commands that only read (list, show, search, export) still work".to_owned()
            }
            OpenError::ReadOnlySharedMemory { shm, .. } => format!(
                "it was left by another user or copied read-only; with no confab running, remove {shm} (SQLite creates it again), or run as its owner"
            ),
            OpenError::NoSharedMemory { .. } => {
                "open the store where its folder is writable (or free some disk space) once, and it can be read anywhere afterwards".to_owned()
            }
        }
    }

    pub(crate) fn into_store_error(self) -> StoreError {
        StoreError::Backend {
            message: self.to_string(),
            source: Some(Box::new(self)),
        }
    }
}

/// One of SQLite's files beside the store: `suffix` is `-wal`, `-shm` or `-journal`.
pub(crate) fn companion(path: &Utf8Path, suffix: &str) -> Utf8PathBuf {
    Utf8PathBuf::from(format!("{path}{suffix}"))
}

/// Refuses a store whose file, or any of SQLite's files beside it, is a symbolic link.
pub(crate) fn refuse_symlinks(path: &Utf8Path) -> Result<(), StoreError> {
    for link in [
        path.to_owned(),
        companion(path, "-wal"),
        companion(path, "-shm"),
        companion(path, "-journal"),
    ] {
        let is_link = std::fs::symlink_metadata(&link)
            .map(|metadata| metadata.file_type().is_symlink())
            .unwrap_or(false);
        if is_link {
            let target = std::fs::read_link(&link)
                .map(|target| target.to_string_lossy().into_owned())
                .unwrap_or_else(|_| "an unreadable target".to_owned());
            return Err(OpenError::Symlink { link, target }.into_store_error());
        }
    }
    Ok(())
}

/// Whether the store's `-wal` holds frames (a header alone is 32 bytes).
pub(crate) fn wal_has_frames(path: &Utf8Path) -> bool {
    std::fs::metadata(companion(path, "-wal")).is_ok_and(|metadata| metadata.len() > 32)
}

/// The stores this process has open (by canonical path), with how many handles each.
static OPEN_HERE: std::sync::Mutex<std::collections::BTreeMap<std::path::PathBuf, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// A store handle this process holds, from [`register`] until dropped.
#[derive(Debug)]
pub(crate) struct Registration(std::path::PathBuf);

impl Drop for Registration {
    fn drop(&mut self) {
        let mut open = OPEN_HERE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.0) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.0);
            }
        }
    }
}

/// Records that this process opens the store at `path`, and says whether its `-wal` needs
/// [`check_wal_replay`] first: it holds frames, and neither this process nor another has the
/// store open ([`in_use_elsewhere`]). A process that has it open checked it when it first
/// opened it, or uses it live.
///
/// Asking whether another process has it open means opening and closing the `-shm`, and
/// closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's
/// included: so it is asked only while this process has no handle on the store, under the lock
/// that every handle of this process registers through.
pub(crate) fn register(path: &Utf8Path) -> (Registration, bool) {
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.as_std_path().to_owned());
    let mut open = OPEN_HERE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let count = open.entry(key.clone()).or_insert(0);
    let check = *count == 0 && wal_has_frames(path) && !in_use_elsewhere(path);
    *count += 1;
    (Registration(key), check)
}

/// Whether another process has the store open now. Every SQLite connection to a store in WAL
/// mode holds a shared POSIX lock on byte 128 of the `-shm` (SQLite's "dead man switch",
/// `UNIX_SHM_DMS`) for as long as it is open; the first connection to open the store takes it
/// exclusively and, only then, rebuilds the `-wal`'s index from the `-wal` file — the replay
/// that a foreign `-wal` would poison. While another process holds the lock, opening replays
/// nothing: the `-wal` in use is the one that process writes. Asked with `F_GETLK`, which takes
/// no lock (locks of this process are not seen: [`register`] knows those). Only while this
/// process has no handle on the store: see [`register`].
#[cfg(unix)]
fn in_use_elsewhere(path: &Utf8Path) -> bool {
    use rustix::process::{Flock, FlockOffsetType, FlockType};
    /// Where SQLite's unix VFS keeps the lock every open connection shares.
    const DEAD_MAN_SWITCH: u64 = 128;
    let Ok(shm) = std::fs::File::open(companion(path, "-shm")) else {
        return false;
    };
    let probe = Flock {
        start: DEAD_MAN_SWITCH,
        length: 1,
        pid: None,
        typ: FlockType::WriteLock,
        offset_type: FlockOffsetType::Set,
    };
    matches!(rustix::process::fcntl_getlk(&shm, &probe), Ok(Some(_)))
}

/// Elsewhere the check always runs.
#[cfg(not(unix))]
fn in_use_elsewhere(_path: &Utf8Path) -> bool {
    false
}

/// Opens `path` read-only: the normal way when its `-shm` can be used, else as an immutable
/// file when there is no `-wal` to read.
pub(crate) fn read_only_connection(path: &Utf8Path) -> Result<Connection, StoreError> {
    let fail = |error: rusqlite::Error| backend(format!("cannot open {path}"), error);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(fail)?;
    // The first read opens the `-wal` and `-shm`; this is where a read-only place fails.
    let error = match connection.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())) {
        Ok(()) => return Ok(connection),
        Err(error) => error,
    };
    if !cannot_share(&error) {
        return Err(diagnose(path, error));
    }
    if let Some(problem) = shm_problem(path) {
        return Err(problem);
    }
    if wal_has_frames(path) {
        return Err(OpenError::NoSharedMemory {
            path: path.to_owned(),
            wal: companion(path, "-wal"),
            shm: companion(path, "-shm"),
            reason: error.to_string(),
        }
        .into_store_error());
    }
    // Nothing is in a `-wal`, and no writer can work here either (it would need the `-shm`
    // just as much): the file alone is the store.
    let uri = format!("file:{}?immutable=1", uri_path(path));
    Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).map_err(fail)
}

/// Runs `quick_check` on a store whose `-wal` holds frames, through a read-only connection that
/// replays the `-wal` in memory and never copies it into the file.
pub(crate) fn check_wal_replay(path: &Utf8Path) -> Result<(), StoreError> {
    let connection = read_only_connection(path)?;
    let verdict: String = connection
        .query_row("PRAGMA quick_check(1)", [], |row| row.get(0))
        .map_err(|error| diagnose(path, error))?;
    if verdict == "ok" {
        return Ok(());
    }
    let problem = verdict
        .lines()
        .find(|line| !line.starts_with("***"))
        .unwrap_or(&verdict)
        .to_owned();
    Err(OpenError::ForeignWal {
        path: path.to_owned(),
        wal: companion(path, "-wal"),
        problem,
    }
    .into_store_error())
}

/// The error for a failed open or first read: precise when the `-shm` is the cause.
pub(crate) fn diagnose(path: &Utf8Path, error: rusqlite::Error) -> StoreError {
    if cannot_share(&error)
        && let Some(problem) = shm_problem(path)
    {
        return problem;
    }
    backend(format!("cannot open {path}"), error)
}

/// Opens `path` for reading and writing with `flags`, and reads from it once, which is where
/// SQLite opens the `-wal` and `-shm`. A store that can be read but not written (a read-only
/// filesystem, a full disk, file permissions) is reported as such.
pub(crate) fn writable_connection(
    path: &Utf8Path,
    flags: OpenFlags,
) -> Result<Connection, StoreError> {
    let connection =
        Connection::open_with_flags(path, flags).map_err(|error| diagnose(path, error))?;
    let read_only = || {
        OpenError::ReadOnly {
            path: path.to_owned(),
        }
        .into_store_error()
    };
    match connection.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())) {
        Ok(()) => {}
        Err(error) if cannot_share(&error) => {
            if let Some(problem) = shm_problem(path) {
                return Err(problem);
            }
            return Err(match read_only_connection(path) {
                Ok(_) => read_only(),
                Err(_) => diagnose(path, error),
            });
        }
        Err(error) => return Err(diagnose(path, error)),
    }
    // SQLite opens a file it may not write read-only without a word; say so now rather than
    // fail at the first write with a message about locks.
    if connection
        .is_readonly(rusqlite::MAIN_DB)
        .map_err(|error| diagnose(path, error))?
    {
        return Err(read_only());
    }
    // SQLite reads through an `-shm` it may not write, and fails at the first write.
    if let Some(problem) = shm_problem(path) {
        return Err(problem);
    }
    Ok(connection)
}

/// An `-shm` that exists and that this user may not write.
///
/// Asked with `access(2)`, never by opening the file: closing a descriptor of a file drops every
/// POSIX lock the process holds on it, so opening the `-shm` beside a live connection would drop
/// SQLite's lock, let another process take the store for dead and truncate the `-shm` under
/// this one's memory map.
fn shm_problem(path: &Utf8Path) -> Option<StoreError> {
    let shm = companion(path, "-shm");
    #[cfg(unix)]
    {
        use rustix::io::Errno;
        match rustix::fs::access(shm.as_std_path(), rustix::fs::Access::WRITE_OK) {
            // (A read-only filesystem is reported as a read-only store.)
            Err(Errno::ACCESS | Errno::PERM) => Some(
                OpenError::ReadOnlySharedMemory {
                    path: path.to_owned(),
                    shm,
                }
                .into_store_error(),
            ),
            _ => None,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = shm;
        None
    }
}

/// Whether SQLite failed because it could not create or write the `-wal` or `-shm`.
fn cannot_share(error: &rusqlite::Error) -> bool {
    let Some(code) = error.sqlite_error() else {
        return false;
    };
    let primary = code.extended_code & 0xff;
    primary == ffi::SQLITE_CANTOPEN
        || primary == ffi::SQLITE_READONLY
        || primary == ffi::SQLITE_FULL
        || (primary == ffi::SQLITE_IOERR
            && [
                ffi::SQLITE_IOERR_SHMOPEN,
                ffi::SQLITE_IOERR_SHMSIZE,
                ffi::SQLITE_IOERR_SHMMAP,
                ffi::SQLITE_IOERR_SHMLOCK,
            ]
            .contains(&code.extended_code))
}

/// `path` for a `file:` URI: everything but unreserved characters and `/` percent-encoded.
fn uri_path(path: &Utf8Path) -> String {
    let mut encoded = String::with_capacity(path.as_str().len());
    for byte in path.as_str().bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_are_escaped() {
        assert_eq!(
            uri_path(Utf8Path::new("/a b/c?d#e%f/é.db")),
            "/a%20b/c%3Fd%23e%25f/%C3%A9.db"
        );
    }
}
