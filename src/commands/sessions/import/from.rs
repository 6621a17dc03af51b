//! `confab sessions import --from TOOL`: the sessions another tool keeps, imported in one command,
//! and again later with only what changed.
//!
//! The files are found where the tool keeps them ([`crate::history`]), narrowed to this project
//! (unless `--all-projects`) and to recent ones (`--since`), and go through the bulk importer, so
//! they are decoded on every core with the same checks, names and progress bar as any folder.
//!
//! **Running it again.** Each session imported this way records where it came from in
//! `session.metadata.imported_from`: the tool, the file, its size and modification time, and the
//! tool's own session id (`key`). The next run reads those records (no message bodies) and skips
//! every file whose size and time are unchanged. A file that changed is decoded again and the
//! session it became is updated in place, under the name it has in the store, never duplicated:
//! matched by the file, or by the tool's session id when the file moved. So a Claude Code
//! session that went on for another hour is one session here too, with the new turns. A session
//! that went on in confab too (`chat --session`, so it holds other messages than the import
//! stored) is never replaced: that would lose the turns had here; a warning names it instead.
//!
//! **Hand-offs.** A file `confab resume --with TOOL` wrote is not a session of its own: the
//! turns added to it in the tool are appended to the session that was handed off
//! ([`crate::commands::resume::back`]), before anything else is decided about the other files.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{Map, Value};

use super::{ImportArgs, Prepared, bulk};
use crate::error::CliError;
use crate::history::{Found, Tool, is_within};
use crate::output::{stderr, stdout};
use crate::paths::Target;
use crate::project::Project;

/// The metadata key of a session's origin.
pub(crate) const IMPORTED_FROM: &str = "imported_from";

/// What a previous import recorded of a session's source.
#[derive(Debug, Clone)]
struct Earlier {
    name: String,
    bytes: u64,
    modified: i64,
    /// The session went on in confab after its import (`chat --session`): it has other
    /// messages than the import stored, which an update from the file would lose.
    went_on_here: bool,
}

/// What this run does with a file.
#[derive(Debug)]
enum Plan {
    New,
    Grown(String),
}

pub(super) fn run(args: &ImportArgs, project: &Project, tool: Tool) -> Result<(), CliError> {
    let env = |name: &str| std::env::var(name).ok();
    let home = tool.home(&env).ok_or_else(|| {
        CliError::failure(format!(
            "cannot tell where {} keeps its sessions",
            tool.name()
        ))
        .hint(format!("set HOME, or {}", tool.override_variable()))
    })?;
    if !home.is_dir() {
        return Err(
            CliError::failure(format!("no {} history at {home}", tool.name())).hint(format!(
                "set {} if {} keeps its files elsewhere",
                tool.override_variable(),
                tool.name()
            )),
        );
    }
    let mut found = tool.sessions(&home).map_err(|error| {
        CliError::failure(format!("could not read {}'s sessions", tool.name()))
            .caused_by(error)
            .hint(format!(
                "set {} if {} keeps its files elsewhere",
                tool.override_variable(),
                tool.name()
            ))
    })?;
    // Files `confab resume` wrote give their new turns to the session handed off.
    let taken_back =
        crate::commands::resume::back::take_back(project, tool, &mut found, args.dry_run)?;
    if let Some(since) = &args.since {
        let cutoff = since
            .before(&jiff::ZonedDateTime::now())
            .map_or(i64::MIN, |cutoff| cutoff.as_second());
        // opencode keeps milliseconds.
        let cutoff = match tool {
            Tool::Opencode => cutoff.saturating_mul(1000),
            _ => cutoff,
        };
        found.retain(|(file, _)| file.modified >= cutoff);
    }
    if !args.all_projects {
        found.retain(|(file, folder)| {
            folder
                .clone()
                .or_else(|| tool.working_directory(&file.path))
                .is_some_and(|folder| is_within(&folder, &project.root))
        });
    }
    let found: Vec<Found> = found.into_iter().map(|(file, _)| file).collect();

    let (by_path, by_key) = earlier_imports(project, tool)?;
    let mut unchanged = 0;
    let mut work: Vec<(Found, Plan)> = Vec::new();
    let mut kept: Vec<(Found, String)> = Vec::new();
    for file in found {
        match by_path.get(file.path.as_str()) {
            Some(earlier) if earlier.bytes == file.bytes && earlier.modified == file.modified => {
                unchanged += 1;
            }
            Some(earlier) if earlier.went_on_here => kept.push((file, earlier.name.clone())),
            Some(earlier) => {
                let name = earlier.name.clone();
                work.push((file, Plan::Grown(name)));
            }
            None => work.push((file, Plan::New)),
        }
    }
    for (file, name) in &kept {
        writeln!(
            stderr(),
            "warning: {name} went on in confab since it was imported; not updated from {}",
            file.path
        )?;
        writeln!(
            stderr(),
            "hint: import {} alone with --name NAME to have both",
            file.path
        )?;
    }

    let mut out = stdout();
    if args.dry_run {
        for (file, plan) in &work {
            match plan {
                Plan::New => writeln!(out, "would import {}", file.path)?,
                Plan::Grown(name) => writeln!(out, "would update {name} from {}", file.path)?,
            }
        }
        writeln!(
            out,
            "{} new, {} grown, {} unchanged {} sessions",
            bulk::thousands(
                work.iter()
                    .filter(|(_, plan)| matches!(plan, Plan::New))
                    .count()
            ),
            bulk::thousands(
                work.iter()
                    .filter(|(_, plan)| matches!(plan, Plan::Grown(_)))
                    .count()
            ),
            bulk::thousands(unchanged),
            tool.name()
        )?;
        return Ok(());
    }
    if work.is_empty() && taken_back.grown > 0 {
        return Ok(());
    }
    if work.is_empty() {
        writeln!(
            stderr(),
            "Nothing new from {} ({} already imported and unchanged)",
            tool.name(),
            match unchanged + taken_back.unchanged {
                1 => "1 session".to_owned(),
                count => format!("{} sessions", bulk::thousands(count)),
            }
        )?;
        return Ok(());
    }
    drop(out);
    // opencode's sessions are rows of its database: each is written out as the export opencode
    // itself would print, for the `opencode` reader, in a folder that goes when the import ends.
    let exports = tempfile::Builder::new()
        .prefix("confab-from-")
        .tempdir()
        .map_err(|error| CliError::failure("could not make a temporary folder").caused_by(error))?;
    let mut targets = Vec::with_capacity(work.len());
    for (file, _) in &work {
        targets.push(match tool {
            Tool::Opencode => opencode_export(&file.path, exports.path())?,
            _ => Target::File(file.path.clone()),
        });
    }
    let annotate = |index: usize, prepared: &mut Prepared| {
        let (file, plan) = &work[index];
        record_origin(tool, file, plan, &by_key, prepared);
    };
    let args = ImportArgs {
        format: Some(tool.name().to_owned()),
        ..args.clone()
    };
    bulk::run_with(&args, project, &targets, &annotate)
}

/// The session `database#id` written out as its export, in `folder`.
fn opencode_export(
    origin: &camino::Utf8Path,
    folder: &std::path::Path,
) -> Result<Target, CliError> {
    let (database, id) = origin
        .as_str()
        .rsplit_once('#')
        .unwrap_or((origin.as_str(), ""));
    let export =
        crate::history::opencode::export(camino::Utf8Path::new(database), id).map_err(|error| {
            CliError::failure("could not read an opencode session").caused_by(error)
        })?;
    let path = folder.join(format!("{id}.json"));
    let text = serde_json::to_vec(&export).map_err(|error| {
        CliError::failure("could not write an opencode session").caused_by(error)
    })?;
    std::fs::write(&path, text).map_err(|error| {
        CliError::failure("could not write an opencode session").caused_by(error)
    })?;
    let path = camino::Utf8PathBuf::from_path_buf(path)
        .map_err(|path| CliError::failure(format!("{} is not UTF-8", path.display())))?;
    Ok(Target::File(path))
}

/// The sessions earlier runs imported from `tool`: by file, and by the tool's session id.
#[allow(clippy::type_complexity)]
fn earlier_imports(
    project: &Project,
    tool: Tool,
) -> Result<(HashMap<String, Earlier>, HashMap<String, String>), CliError> {
    let mut by_path = HashMap::new();
    let mut by_key = HashMap::new();
    let Some(store) = project.open_store_read_only()? else {
        return Ok((by_path, by_key));
    };
    use confab_core::SessionStore;
    let counts: HashMap<String, u64> = store
        .list()?
        .into_iter()
        .map(|summary| (summary.name, summary.message_count))
        .collect();
    for (name, origin) in store.metadata_values(IMPORTED_FROM)? {
        if origin.get("tool").and_then(Value::as_str) != Some(tool.name()) {
            continue;
        }
        if let Some(key) = origin.get("key").and_then(Value::as_str) {
            by_key.insert(key.to_owned(), name.clone());
        }
        if let Some(path) = origin.get("path").and_then(Value::as_str) {
            let recorded = origin.get("messages").and_then(Value::as_u64);
            let went_on_here =
                recorded.is_some_and(|recorded| counts.get(&name) != Some(&recorded));
            let earlier = Earlier {
                name,
                bytes: origin.get("bytes").and_then(Value::as_u64).unwrap_or(0),
                modified: origin.get("modified").and_then(Value::as_i64).unwrap_or(0),
                went_on_here,
            };
            by_path.insert(path.to_owned(), earlier);
        }
    }
    Ok((by_path, by_key))
}

/// Records where each session of `prepared` came from, and makes a session seen before replace
/// the one it became then.
fn record_origin(
    tool: Tool,
    file: &Found,
    plan: &Plan,
    by_key: &HashMap<String, String>,
    prepared: &mut Prepared,
) {
    let single = prepared.sessions.len() == 1;
    for session in &mut prepared.sessions {
        let metadata = session.metadata.get_or_insert_default();
        let key = source_key(metadata);
        let earlier = match (plan, &key) {
            (Plan::Grown(name), _) if single => Some(name.clone()),
            (_, Some(key)) => by_key.get(key).cloned(),
            _ => None,
        };
        let mut origin = Map::new();
        origin.insert("tool".into(), Value::from(tool.name()));
        origin.insert("path".into(), Value::from(file.path.as_str()));
        origin.insert("bytes".into(), Value::from(file.bytes));
        origin.insert("modified".into(), Value::from(file.modified));
        origin.insert("messages".into(), Value::from(session.messages.len()));
        if let Some(key) = key {
            origin.insert("key".into(), Value::from(key));
        }
        metadata.insert(IMPORTED_FROM.into(), Value::Object(origin));
        if let Some(name) = earlier {
            session.name = name;
            prepared.replace = true;
        }
    }
}

/// The tool's own id of a session, as its converter recorded it: the session id, and the
/// sub-agent's id for a sub-agent thread (which shares its parent's session id).
fn source_key(metadata: &Map<String, Value>) -> Option<String> {
    let id = ["session_id", "parent_session_id"]
        .iter()
        .find_map(|key| metadata.get(*key).and_then(Value::as_str))?;
    Some(match metadata.get("agent_id").and_then(Value::as_str) {
        Some(agent) => format!("{id}/{agent}"),
        None => id.to_owned(),
    })
}
