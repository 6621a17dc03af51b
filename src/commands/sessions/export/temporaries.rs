//! The temporary files an export writes beside its target, and the clean-up of abandoned ones.
//!
//! An export writes `.confab-export-<pid>-<random>` and renames it over the target when it is
//! complete. A confab killed in between leaves that file behind, so each export removes the
//! leftovers it finds. Clean-up used to go by the PID in the name: a PID it could not see was
//! taken for a dead writer. But PIDs are per container (another container's running export
//! sharing the folder has a PID this one cannot see) and a name is no proof: a user's file that
//! happens to match was deleted too.
//!
//! Now a writer holds an advisory lock (`flock`) on its temporary file for as long as it exists;
//! the kernel drops the lock when the writer dies, however it dies, and locks are seen across
//! containers sharing a filesystem. A file is removed only when all of these hold:
//!
//! - its name is exactly `.confab-export-<digits>-<6 letters or digits>`, as `tempfile` makes it;
//! - it is a regular file (not a link, not a folder) owned by the user running confab;
//! - it was last changed more than [`ABANDONED_AFTER`] ago: a writer locks its file right after
//!   creating it, and this keeps the moment in between safe;
//! - nobody holds its lock: we take it ourselves before removing.
//!
//! Anything else is left alone; a leftover costs disk space, a wrong removal costs someone's file.

use std::fs::File;
use std::time::Duration;

use camino::Utf8Path;
use tempfile::NamedTempFile;

/// Temporary export files start with this, then the writing process's id.
const PREFIX: &str = ".confab-export-";

/// How many random characters `tempfile` appends (its default).
const RANDOM_LEN: usize = 6;

/// How old an unlocked temporary file must be before it counts as abandoned.
const ABANDONED_AFTER: Duration = Duration::from_secs(60 * 60);

/// A new temporary export file in `folder`, locked for as long as it stays open, with the
/// usual `0666` less the umask (a temporary file alone would be `0600`; checkpoints are meant to
/// be shared).
pub(super) fn create_in(folder: &Utf8Path) -> std::io::Result<NamedTempFile> {
    let prefix = format!("{PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).rand_bytes(RANDOM_LEN);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temporary = builder.tempfile_in(folder)?;
    claim(temporary.as_file())?;
    Ok(temporary)
}

/// Takes the advisory lock on a file this process just created.
fn claim(file: &File) -> std::io::Result<()> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        // A filesystem without locks (some network mounts) only means that a leftover is never
        // removed: clean-up needs the lock too.
        Err(std::fs::TryLockError::Error(error))
            if error.kind() == std::io::ErrorKind::Unsupported =>
        {
            Ok(())
        }
        Err(std::fs::TryLockError::Error(error)) => Err(error),
        // Nobody else knows the name of a file created a moment ago.
        Err(std::fs::TryLockError::WouldBlock) => Ok(()),
    }
}

/// Whether `name` is a temporary export file's name.
fn is_temporary_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let Some((pid, random)) = rest.split_once('-') else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|byte| byte.is_ascii_digit())
        && random.len() == RANDOM_LEN
        && random.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// Removes the abandoned temporary export files in `folder` (see the module documentation)
/// except `ours`, the one this export is writing. Errors are ignored: clean-up is a courtesy,
/// never a reason for an export to fail.
pub(super) fn remove_abandoned(folder: &Utf8Path, ours: &NamedTempFile) {
    let Ok(our_metadata) = ours.as_file().metadata() else {
        return;
    };
    let Ok(entries) = folder.read_dir_utf8() else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if is_temporary_name(entry.file_name()) && entry.path() != ours.path() {
            remove_if_abandoned(entry.path(), &our_metadata);
        }
    }
}

/// Removes the file at `path` if it is a regular file of the same owner as `ours` (a file this
/// process created), old, and unlocked.
fn remove_if_abandoned(path: &Utf8Path, ours: &std::fs::Metadata) {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return;
    };
    if !metadata.file_type().is_file() || !same_owner(&metadata, ours) {
        return;
    }
    let old_enough = metadata
        .modified()
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age > ABANDONED_AFTER);
    if !old_enough {
        return;
    }
    // Opened for reading: taking a lock needs no more.
    let Ok(file) = File::open(path) else {
        return;
    };
    if file.try_lock().is_ok() {
        // Removed while we hold the lock; losing the race to another confab cleaning up is fine.
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(unix)]
fn same_owner(metadata: &std::fs::Metadata, ours: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    metadata.uid() == ours.uid()
}

#[cfg(not(unix))]
fn same_owner(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tempfile_names_count() {
        assert!(is_temporary_name(".confab-export-123-aB3xY9"));
        assert!(!is_temporary_name(".confab-export-123-aB3xY9.bak"));
        assert!(!is_temporary_name(".confab-export-123-short"));
        assert!(!is_temporary_name(".confab-export-12a-aB3xY9"));
        assert!(!is_temporary_name(".confab-export--aB3xY9"));
        assert!(!is_temporary_name("notes.txt"));
    }

    #[test]
    fn the_builder_makes_names_the_clean_up_recognises() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let folder = Utf8Path::from_path(scratch.path()).expect("utf-8 path");
        let file = create_in(folder).expect("temporary");
        let name = file
            .path()
            .file_name()
            .and_then(|name| name.to_str())
            .expect("utf-8 name");
        assert!(is_temporary_name(name), "{name}");
    }
}
