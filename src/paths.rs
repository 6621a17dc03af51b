//! Which files `validate PATH...` checks and `import PATH...` reads: files as given, folders
//! searched, patterns expanded.
//!
//! Both commands take the same paths, so that a file list that validates in CI is the file list
//! that imports. `validate` runs in CI and pre-commit hooks on trees it did not make, and `import`
//! is pointed at whole folders of another tool's history (`~/.claude/projects`), so the walk must
//! end and must not hide anything:
//!
//! - **Symlinked folders are not followed** (a link to `..` or `/` would loop or walk the whole
//!   machine). A symlinked *file* is checked like any file. Named on the command line, a link to
//!   a folder is followed, since the user asked for it.
//! - **Nothing is dropped silently.** A folder that cannot be read or a path that is not UTF-8
//!   becomes an unreadable entry in the report, and the command exits 2, as for a missing file.
//! - **Hidden folders** (`.git`, `.confab`, `node_modules/.cache`...) are skipped: they hold no
//!   checkpoints to check, and in a repository they are most of the files.
//!
//! Patterns are expanded here rather than by the `glob` crate, which follows symlinked folders
//! and loops on a link to an ancestor: the folder before the first wildcard is walked by the
//! same rules as a folder argument, and each file is matched with `globset` (`*` stays within a
//! folder, `**` crosses folders).

use camino::{Utf8Path, Utf8PathBuf};
use globset::GlobBuilder;
use walkdir::WalkDir;

use crate::error::CliError;
use crate::input::io_reason;

/// One entry of the report: a file to check, or a path the walk could not use.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A file to check (`-` for standard input).
    File(Utf8PathBuf),
    /// A path found but not usable, shown as well as it can be, and why.
    Unreadable { shown: String, reason: String },
}

/// The targets `paths` name, sorted within each argument, in argument order, without duplicates.
pub(crate) fn expand(paths: &[String]) -> Result<Vec<Target>, CliError> {
    let extensions: Vec<&str> = confab_core::decoders()
        .into_iter()
        .flat_map(|decoder| decoder.format.extensions().iter().copied())
        .collect();
    let mut targets = Vec::new();
    for argument in paths {
        let path = Utf8Path::new(argument);
        if argument == "-" || path.is_file() {
            targets.push(Target::File(path.to_owned()));
        } else if path.is_dir() {
            targets.extend(walk(path, &|file| has_extension(file, &extensions)));
        } else if argument.contains(['*', '?', '[', '{']) {
            let found = glob(argument)?;
            if found.is_empty() {
                return Err(CliError::usage(format!(
                    "the pattern {argument} matches no files"
                )));
            }
            targets.extend(found);
        } else {
            // Reported per file, so the other files are still checked.
            targets.push(Target::File(path.to_owned()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    targets.retain(|target| match target {
        Target::File(path) => seen.insert(path.clone()),
        Target::Unreadable { .. } => true,
    });
    Ok(targets)
}

fn has_extension(path: &std::path::Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            extensions
                .iter()
                .any(|known| known.eq_ignore_ascii_case(extension))
        })
}

/// The files under `folder` that `wanted` accepts, and everything the walk could not read.
fn walk(folder: &Utf8Path, wanted: &dyn Fn(&std::path::Path) -> bool) -> Vec<Target> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    let entries = WalkDir::new(folder)
        .follow_links(false)
        .follow_root_links(true)
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let shown = error.path().map_or_else(
                    || folder.to_string(),
                    |path| path.to_string_lossy().into_owned(),
                );
                let reason = error
                    .io_error()
                    .map_or_else(|| error.to_string(), io_reason);
                unreadable.push(Target::Unreadable {
                    reason: format!("could not read {shown}: {reason}"),
                    shown,
                });
                continue;
            }
        };
        let is_file = if entry.path_is_symlink() {
            // A link is checked when it leads to a file; a link to a folder is not followed.
            std::fs::metadata(entry.path()).is_ok_and(|metadata| metadata.is_file())
        } else {
            entry.file_type().is_file()
        };
        if !is_file || !wanted(entry.path()) {
            continue;
        }
        match Utf8PathBuf::from_path_buf(entry.into_path()) {
            Ok(path) => files.push(path),
            Err(path) => unreadable.push(Target::Unreadable {
                shown: path.to_string_lossy().into_owned(),
                reason: format!(
                    "{} is not a UTF-8 path; rename it, or pass it on stdin (`-`)",
                    path.to_string_lossy()
                ),
            }),
        }
    }
    files.sort();
    let mut targets: Vec<Target> = files.into_iter().map(Target::File).collect();
    targets.extend(unreadable);
    targets
}

/// The files `pattern` matches, by [`walk`]'s rules from the folder before its first wildcard.
fn glob(pattern: &str) -> Result<Vec<Target>, CliError> {
    let matcher = GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|error| CliError::usage(format!("invalid pattern {pattern}: {error}")))?
        .compile_matcher();
    let wildcard = pattern.find(['*', '?', '[', '{']).unwrap_or(pattern.len());
    let base = match pattern[..wildcard].rfind('/') {
        Some(0) => "/",
        Some(slash) => &pattern[..slash],
        None => ".",
    };
    if !Utf8Path::new(base).is_dir() {
        // Nothing to walk: the pattern matches nothing, which `expand` reports as such.
        return Ok(Vec::new());
    }
    let relative_to_here = base == ".";
    Ok(walk(Utf8Path::new(base), &|path| {
        let path = match relative_to_here {
            true => path.strip_prefix(".").unwrap_or(path),
            false => path,
        };
        matcher.is_match(path)
    })
    .into_iter()
    .map(|target| match target {
        Target::File(path) if relative_to_here => Target::File(
            path.strip_prefix(".")
                .map(Utf8Path::to_owned)
                .unwrap_or(path),
        ),
        other => other,
    })
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_before_the_first_wildcard_is_walked() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = Utf8Path::from_path(dir.path()).expect("UTF-8");
        std::fs::create_dir_all(root.join("a/b")).expect("folders");
        for file in ["a/x.yaml", "a/b/y.yaml", "a/b/z.json", "top.yaml"] {
            std::fs::write(root.join(file), "").expect("file");
        }
        let found = glob(&format!("{root}/a/**/*.yaml")).expect("valid pattern");
        assert_eq!(
            found,
            [
                Target::File(root.join("a/b/y.yaml")),
                Target::File(root.join("a/x.yaml"))
            ]
        );
        let one_level = glob(&format!("{root}/a/*.yaml")).expect("valid pattern");
        assert_eq!(one_level, [Target::File(root.join("a/x.yaml"))]);
    }
}
