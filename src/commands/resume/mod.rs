//! `confab resume NAME --with TOOL [--print]`: a session continued in another tool, as if it had
//! begun there.
//!
//! confab holds every session in one neutral form, so it can write one back in another tool's
//! own session format, where that tool looks for its sessions, and start the tool's own resume
//! command on it: a conversation begun in Codex, or imported from a colleague's Atmos
//! checkpoint, goes on in Claude Code with its whole history. Each tool is a module here
//! ([`claude_code`], [`codex`], [`gemini`]); a module knows where its tool keeps sessions, writes the file through the
//! tool's format crate, and names the command that resumes it. The rest is shared:
//!
//! - **Where.** The tool runs in the session's recorded working directory if that folder
//!   exists on this machine, else in the project's root: tools file sessions by the folder
//!   they run in, and a path from another machine means nothing here.
//! - **Never over the tool's own files.** Every hand-off gets a new session id, and its file is
//!   created only if no file has that name (no file is ever replaced). A second hand-off of the
//!   same session is a second, separate session in the tool.
//! - **Recorded.** The session's metadata gains an entry in `handoffs`, a list of `{tool, id,
//!   path, at, messages, taken}`: the tool, the id and file written, when, how many of the
//!   session's messages were handed over, and how many messages the file holds as confab reads
//!   it back (`taken`). It is written in one store transaction, after the file.
//! - **Coming back** ([`back`]): `confab sessions import --from TOOL` recognises the files it
//!   wrote by that record, and appends what was added to them in the tool to the session that
//!   was handed off, instead of importing them as new sessions.
//!
//! Then the tool's command runs in place of confab, in the same terminal (`exec` on Unix), or
//! with `--print` is only printed, to run later or elsewhere.

pub(crate) mod back;
mod claude_code;
mod codex;
mod gemini;

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Args, ValueEnum};
use confab_core::{ExportSettings, Session, SessionStore, SessionUpdate, StoreError};
use serde_json::{Map, Value};

use crate::commands::sessions::{existing_names, not_found};
use crate::error::CliError;
use crate::output::{stderr, stdout};
use crate::project::Project;

/// The metadata key listing a session's hand-offs.
pub(crate) const HANDOFFS: &str = "handoffs";

/// Arguments of `confab resume`.
#[derive(Debug, Args)]
pub(crate) struct ResumeArgs {
    /// The session to continue.
    name: String,

    /// The tool to continue it in.
    #[arg(long = "with", value_name = "TOOL")]
    with: HandoffTool,

    /// Only print the command that resumes it (the session file is written all the same).
    #[arg(long)]
    print: bool,
}

/// A tool a session can be handed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum HandoffTool {
    /// Claude Code: `~/.claude/projects/<folder>/<id>.jsonl` (or under `CLAUDE_CONFIG_DIR`),
    /// resumed with `claude --resume <id>`.
    ClaudeCode,
    /// Codex: `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl` (or under `CODEX_HOME`),
    /// resumed with `codex resume <id>`.
    Codex,
    /// Gemini CLI: `~/.gemini/tmp/<project>/chats/session-*.jsonl` (or under
    /// `GEMINI_CLI_HOME/.gemini`), resumed with `gemini --resume <id>`.
    Gemini,
}

impl HandoffTool {
    /// The tool's name, as `import --from` and the format take it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            HandoffTool::ClaudeCode => "claude-code",
            HandoffTool::Codex => "codex",
            HandoffTool::Gemini => "gemini",
        }
    }
}

/// A session file written for a tool, and how to resume it.
#[derive(Debug)]
pub(crate) struct Written {
    /// The tool's id of the session.
    pub(crate) id: String,
    /// The file written.
    pub(crate) path: Utf8PathBuf,
    /// How many messages confab reads back from the file: the mark past which later messages
    /// were added in the tool.
    pub(crate) taken: usize,
    /// What the tool's format could not hold.
    pub(crate) notes: Vec<String>,
    /// The program and its arguments.
    pub(crate) command: Vec<String>,
}

pub(crate) fn run(args: &ResumeArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let Some(mut store) = project.open_existing_store()? else {
        return Err(not_found(&args.name, &[]));
    };
    let session = store.get(&args.name).map_err(|error| match error {
        StoreError::NotFound { name } => not_found(&name, &existing_names(&store)),
        other => other.into(),
    })?;
    let folder = working_folder(&session, &project);
    let env = |name: &str| std::env::var(name).ok();
    let checkpoint = session.clone().into_checkpoint(&ExportSettings {
        metadata: None,
        context: session.context.clone(),
    });
    let written = match args.with {
        HandoffTool::ClaudeCode => claude_code::write(&checkpoint, &folder, &env)?,
        HandoffTool::Codex => codex::write(&checkpoint, &folder, &env)?,
        HandoffTool::Gemini => gemini::write(&checkpoint, &folder, &env)?,
    };
    let mut err = stderr();
    for note in &written.notes {
        writeln!(err, "note: {}", crate::sanitize::sanitize(note))?;
    }
    record(&mut store, &session, args.with, &written)?;
    writeln!(
        err,
        "Handed {} to {} as {} ({}): {}",
        crate::sanitize::sanitize(&session.name),
        args.with.name(),
        written.id,
        crate::display::messages(checkpoint.messages.len()),
        crate::sanitize::sanitize(written.path.as_str())
    )?;
    let current = crate::project::current_folder().ok();
    if args.print {
        let line = command_line(&written.command, &folder, current.as_deref());
        writeln!(stdout(), "{}", crate::sanitize::sanitize(&line))?;
        return Ok(());
    }
    drop(err);
    run_in(&written.command, &folder)
}

/// Where the tool runs: the session's own folder if it is one on this machine, else the
/// project's root. Symbolic links are resolved, as the tool's own `getcwd` resolves them.
fn working_folder(session: &Session, project: &Project) -> Utf8PathBuf {
    let recorded = session
        .context
        .as_ref()
        .and_then(|context| context.working_directory.clone())
        .or_else(|| session.project_path.clone())
        .map(Utf8PathBuf::from)
        .filter(|folder| folder.is_absolute() && folder.is_dir());
    let folder = recorded.unwrap_or_else(|| project.root.clone());
    folder.canonicalize_utf8().unwrap_or(folder)
}

/// Adds the hand-off to the session's `handoffs`, in one transaction, changing nothing else.
fn record(
    store: &mut impl SessionStore,
    session: &Session,
    tool: HandoffTool,
    written: &Written,
) -> Result<(), CliError> {
    let mut metadata = session.metadata.clone().unwrap_or_default();
    let mut entry = Map::new();
    entry.insert("tool".into(), Value::from(tool.name()));
    entry.insert("id".into(), Value::from(written.id.as_str()));
    entry.insert("path".into(), Value::from(written.path.as_str()));
    entry.insert("at".into(), Value::from(jiff::Timestamp::now().to_string()));
    entry.insert("messages".into(), Value::from(session.messages.len()));
    entry.insert("taken".into(), Value::from(written.taken));
    let handoffs = metadata
        .entry(HANDOFFS)
        .or_insert_with(|| Value::Array(Vec::new()));
    if !handoffs.is_array() {
        *handoffs = Value::Array(Vec::new());
    }
    if let Value::Array(list) = handoffs {
        list.push(Value::Object(entry));
    }
    let update = SessionUpdate {
        updated_at: session.updated_at,
        provider_model: None,
        metadata: Some(metadata),
        by: None,
        expected_messages: None,
    };
    store
        .append_messages(&session.name, &[], &update)
        .map_err(|error| {
            CliError::failure(format!(
                "wrote {}, but could not record the hand-off in the session",
                written.path
            ))
            .caused_by(error)
        })
}

/// The command as one shell line, run in `folder` (`cd FOLDER && ...` when that is not where
/// confab runs).
fn command_line(command: &[String], folder: &Utf8Path, current: Option<&Utf8Path>) -> String {
    let quoted: Vec<String> = command
        .iter()
        .map(|word| shlex::try_quote(word).map_or_else(|_| word.clone(), |word| word.into_owned()))
        .collect();
    let line = quoted.join(" ");
    if current.is_some_and(|current| current == folder) {
        line
    } else {
        let folder = shlex::try_quote(folder.as_str())
            .map_or_else(|_| folder.to_string(), |folder| folder.into_owned());
        format!("cd {folder} && {line}")
    }
}

/// Runs `command` in `folder` in place of confab, with this terminal.
fn run_in(command: &[String], folder: &Utf8Path) -> Result<(), CliError> {
    let Some((program, arguments)) = command.split_first() else {
        return Ok(());
    };
    let mut child = std::process::Command::new(program);
    child.args(arguments).current_dir(folder);
    let cannot = |error: std::io::Error| {
        CliError::failure(format!("could not run {program}"))
            .caused_by(error)
            .hint(format!(
                "is {program} installed and on PATH? The session file is written: run `{}` \
                 yourself",
                command_line(command, folder, None)
            ))
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Only returns if the program could not be started.
        Err(cannot(child.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = child.status().map_err(cannot)?;
        if status.success() {
            Ok(())
        } else {
            Err(CliError::failure(format!("{program} ended with {status}")))
        }
    }
}

/// A new random session id, a version 4 UUID. The randomness is the standard library's hasher
/// keys (drawn from the operating system once per thread), mixed with the time and the process.
pub(crate) fn random_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let mut bytes = [0_u8; 16];
    for (part, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_usize(part);
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    confab_format_claude_code::encode::format_uuid(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_new_every_time_and_shaped_as_uuids() {
        let first = random_uuid();
        let second = random_uuid();
        assert_ne!(first, second);
        assert_eq!(first.len(), 36);
        assert_eq!(&first[14..15], "4");
    }

    #[test]
    fn the_command_line_changes_folder_only_when_needed() {
        let command = vec!["claude".to_owned(), "--resume".to_owned(), "x".to_owned()];
        let folder = Utf8Path::new("/work/my project");
        assert_eq!(
            command_line(&command, folder, Some(folder)),
            "claude --resume x"
        );
        assert_eq!(
            command_line(&command, folder, Some(Utf8Path::new("/elsewhere"))),
            "cd '/work/my project' && claude --resume x"
        );
    }
}
