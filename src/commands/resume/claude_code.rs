//! Handing a session to Claude Code.
//!
//! Claude Code keeps a session as `<config>/projects/<folder>/<id>.jsonl`, where `<config>` is
//! `CLAUDE_CONFIG_DIR` or `~/.claude` (the place `import --from claude-code` reads, see
//! [`crate::history`]) and `<folder>` is the directory it runs in with every character but an
//! ASCII letter or digit replaced by `-` (`/tmp/rec.J6/main/project` is
//! `-tmp-rec-J6-main-project`; `scripts/handoff/claude-code.sh` holds the real client to it).
//! `claude --resume <id>` looks for the
//! id in the folder of the directory it is started in, so the file goes there and the command
//! runs there. Claude Code shortens folder names longer than 200 characters with a hash of its
//! own; such a directory is refused rather than guessed at.

use camino::Utf8Path;
use confab_core::Checkpoint;
use confab_format_claude_code::encode::{self, TranscriptTarget};

use super::{Written, random_uuid};
use crate::error::CliError;
use crate::history::Tool;

/// The longest folder name Claude Code uses as it is.
const LONGEST_FOLDER: usize = 200;

/// Writes `checkpoint` as a new Claude Code session of `folder`.
pub(super) fn write(
    checkpoint: &Checkpoint,
    folder: &Utf8Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Written, CliError> {
    let home = Tool::ClaudeCode.home(env).ok_or_else(|| {
        CliError::failure("cannot tell where Claude Code keeps its sessions")
            .hint("set HOME, or CLAUDE_CONFIG_DIR")
    })?;
    let name = project_folder_name(folder.as_str());
    if name.len() > LONGEST_FOLDER {
        return Err(CliError::failure(format!(
            "{folder} is too long a path for Claude Code's project folders"
        ))
        .hint("run confab in a folder with a shorter path, or export with --format claude-code"));
    }
    let projects = home.join("projects").join(name);
    let target = TranscriptTarget {
        session_id: random_uuid(),
        cwd: folder.to_string(),
    };
    let (records, notes) = encode::transcript(checkpoint, &target);
    if records.is_empty() {
        return Err(CliError::failure(format!(
            "{} has no message Claude Code could be given",
            confab_core::Quoted(&checkpoint.session.name)
        ))
        .hint("chat in it first, or hand over a session that has messages"));
    }
    let bytes = encode::to_jsonl(&records);
    let taken =
        confab_core::read_checkpoint("transcript", &bytes, &confab_format_claude_code::FORMAT)
            .map(|read| read.checkpoint.messages.len())
            .map_err(|error| {
                CliError::failure("the Claude Code transcript confab wrote does not read back")
                    .detail(format!("{error:?}"))
            })?;
    let path = projects.join(format!("{}.jsonl", target.session_id));
    create_new(&projects, &path, &bytes)?;
    Ok(Written {
        command: vec![
            "claude".to_owned(),
            "--resume".to_owned(),
            target.session_id.clone(),
        ],
        id: target.session_id,
        path,
        taken,
        notes,
    })
}

/// Claude Code's folder name for the directory `cwd`.
pub(crate) fn project_folder_name(cwd: &str) -> String {
    cwd.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Writes `bytes` to `path` whole (a temporary file beside it, then linked in) and only if no
/// file has that name: never over a file Claude Code wrote.
pub(super) fn create_new(folder: &Utf8Path, path: &Utf8Path, bytes: &[u8]) -> Result<(), CliError> {
    let cannot = |error: std::io::Error| {
        CliError::failure(format!("could not write {path}")).caused_by(error)
    };
    std::fs::create_dir_all(folder).map_err(cannot)?;
    let mut temporary = tempfile::Builder::new()
        .prefix(".confab-handoff-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(cannot)?;
    std::io::Write::write_all(&mut temporary, bytes).map_err(cannot)?;
    temporary.as_file().sync_all().map_err(cannot)?;
    temporary
        .persist_noclobber(path)
        .map_err(|error| cannot(error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use camino::Utf8PathBuf;

    use super::*;

    #[test]
    fn folders_are_named_as_claude_code_names_them() {
        assert_eq!(
            project_folder_name("/tmp/confab-rec-claude.J6q7ZG/main/project"),
            "-tmp-confab-rec-claude-J6q7ZG-main-project"
        );
        assert_eq!(project_folder_name("/home/a b/ü_x"), "-home-a-b---x");
    }

    #[test]
    fn a_file_of_the_same_name_is_never_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).expect("utf-8");
        let path = folder.join("x.jsonl");
        std::fs::write(&path, "theirs").expect("write");
        assert!(create_new(&folder, &path, b"ours").is_err());
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "theirs");
        let fresh = folder.join("y.jsonl");
        create_new(&folder, &fresh, b"ours").expect("a new file");
        assert_eq!(std::fs::read_to_string(&fresh).expect("read"), "ours");
    }
}
