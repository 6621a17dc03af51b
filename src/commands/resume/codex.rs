//! Handing a session to Codex.
//!
//! Codex keeps a session as `<home>/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`, where
//! `<home>` is `CODEX_HOME` or `~/.codex` (the place `import --from codex` reads, see
//! [`crate::history`]) and the date and time are when the session began (UTC here; Codex
//! itself uses the machine's local time, which only changes which day's folder holds it).
//! `codex resume <id>` finds the file by the id in its name, wherever it was started, and
//! continues in the directory it runs in; the command runs in the session's folder
//! (`scripts/handoff/codex.sh` holds the real client to it).

use camino::Utf8Path;
use confab_core::Checkpoint;
use confab_format_codex::encode::{self, RolloutTarget};

use super::claude_code::create_new;
use super::{Written, random_uuid};
use crate::error::CliError;
use crate::history::Tool;

/// Writes `checkpoint` as a new Codex session run in `folder`, filed under today's date.
pub(super) fn write(
    checkpoint: &Checkpoint,
    folder: &Utf8Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Written, CliError> {
    let home = Tool::Codex.home(env).ok_or_else(|| {
        CliError::failure("cannot tell where Codex keeps its sessions")
            .hint("set HOME, or CODEX_HOME")
    })?;
    let target = RolloutTarget {
        session_id: random_uuid(),
        cwd: folder.to_string(),
    };
    let (lines, notes) = encode::rollout(checkpoint, &target);
    if !lines.iter().any(|line| line["type"] == "response_item") {
        return Err(CliError::failure(format!(
            "{} has no message Codex could be given",
            confab_core::Quoted(&checkpoint.session.name)
        ))
        .hint("chat in it first, or hand over a session that has messages"));
    }
    let bytes = encode::to_jsonl(&lines);
    let taken = confab_core::read_checkpoint("rollout", &bytes, &confab_format_codex::FORMAT)
        .map(|read| read.checkpoint.messages.len())
        .map_err(|error| {
            CliError::failure("the Codex rollout confab wrote does not read back")
                .detail(format!("{error:?}"))
        })?;
    let now = jiff::Timestamp::now();
    let day = home
        .join("sessions")
        .join(now.strftime("%Y/%m/%d").to_string());
    let path = day.join(encode::file_name(now, &target.session_id));
    create_new(&day, &path, &bytes)?;
    Ok(Written {
        command: vec![
            "codex".to_owned(),
            "resume".to_owned(),
            target.session_id.clone(),
        ],
        id: target.session_id,
        path,
        taken,
        notes,
    })
}
