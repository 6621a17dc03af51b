//! Export never writes over the session store.
//!
//! `sessions export X -o .confab/sessions.db` used to replace the store with a JSON file and
//! exit 0: every session gone. Names are no guard (`.confab/../.confab/sessions.db`, a symlink, a
//! hard link elsewhere all reach the same file), so the target is compared with the store the
//! ways the filesystem itself tells files apart:
//!
//! - the target's canonical folder may not be inside confab's folder `.confab/` (nor inside the
//!   folder of a store configured elsewhere with `sessions.path`, unless that is the project
//!   itself): confab owns what is in there;
//! - the target's canonical path may not be the store's, nor its `-wal`, `-shm` or `-journal`;
//! - the target, if it exists, may not be the same file (device and inode) as any of those.

use camino::{Utf8Path, Utf8PathBuf};

use crate::error::CliError;
use crate::project::{Project, STATE_DIR};

/// The files SQLite keeps beside its database file.
const COMPANIONS: [&str; 4] = ["", "-wal", "-shm", "-journal"];

/// A usage error when writing `output` would write into the store or confab's folder.
pub(super) fn refuse_store_targets(project: &Project, output: &Utf8Path) -> Result<(), CliError> {
    let refuse = |what: String| {
        CliError::usage(format!("refusing to write {output}: {what}")).hint(format!(
            "confab keeps its own files in {STATE_DIR}/; choose an --output outside it, e.g. -o session.json"
        ))
    };
    // A path that cannot be followed is left to the writer, which reports why.
    let Ok(target) = super::follow_symlinks(output) else {
        return Ok(());
    };
    let Some(target) = canonical_location(&target) else {
        return Ok(());
    };
    let root = canonical(&project.root).unwrap_or_else(|| project.root.clone());
    let mut folders: Vec<Utf8PathBuf> = canonical(&project.root.join(STATE_DIR))
        .into_iter()
        .collect();
    // A store on a server has no file here to protect; confab's folder still is its own.
    if let Some(store) = project.store_file() {
        let store_location = canonical_location(&store).unwrap_or_else(|| store.clone());
        for suffix in COMPANIONS {
            let companion = Utf8PathBuf::from(format!("{store_location}{suffix}"));
            if target == companion || same_file(&target, &companion) {
                return Err(refuse(format!("it is the session store {companion}")));
            }
        }
        if let Some(folder) = store.parent().and_then(canonical)
            && !root.starts_with(&folder)
        {
            folders.push(folder);
        }
    }
    if let Some(folder) = folders.iter().find(|folder| target.starts_with(folder)) {
        return Err(refuse(format!("it is inside confab's folder {folder}")));
    }

    Ok(())
}

/// `path` with every symlink resolved, if it exists.
fn canonical(path: &Utf8Path) -> Option<Utf8PathBuf> {
    path.canonicalize_utf8().ok()
}

/// Where `path` is or would be created: its folder made canonical, then its file name.
fn canonical_location(path: &Utf8Path) -> Option<Utf8PathBuf> {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_str().is_empty() {
                Utf8Path::new(".")
            } else {
                parent
            };
            Some(canonical(parent)?.join(name))
        }
        // `/`, `..` and the like: whatever it is exists, or the writer reports it.
        _ => canonical(path),
    }
}

/// Whether `a` and `b` both exist and are one file (hard links included).
#[cfg(unix)]
fn same_file(a: &Utf8Path, b: &Utf8Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &Utf8Path, _: &Utf8Path) -> bool {
    false
}
