//! Handing a session to Gemini CLI.
//!
//! Gemini CLI keeps a session as `<home>/tmp/<project>/chats/session-<minute>-<id8>.jsonl`,
//! where `<home>` is `GEMINI_CLI_HOME/.gemini` or `~/.gemini` (the place `import --from gemini`
//! reads, see [`crate::history`]) and `<project>` is the short name Gemini CLI gives the folder
//! it runs in. `gemini --resume <id>` looks for the session among the recordings of that
//! folder's project, so the file goes there and the command runs in that folder.
//!
//! The project's name is Gemini CLI's own (its `ProjectRegistry`): the one `projects.json`
//! maps the folder to; else the `tmp/<name>` whose `.project_root` file names the folder (Gemini
//! CLI adopts such a folder as the project's the next time it runs there); else a new one, the
//! folder's base name in lower case with every run of other characters than ASCII letters and
//! digits made one `-` (`demo-project`), then `-1`, `-2`, ... while the name is another
//! folder's, claimed by writing its `.project_root`, as Gemini CLI claims one. confab never
//! writes `projects.json`: Gemini CLI adds the folder there itself.

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::Checkpoint;
use confab_format_gemini::encode::{self, RecordingTarget};
use serde_json::Value;

use super::{Written, random_uuid};
use crate::error::CliError;
use crate::history::Tool;

/// The file in a project's folder naming the folder it belongs to.
const PROJECT_ROOT: &str = ".project_root";

/// Writes `checkpoint` as a new Gemini CLI session of `folder`.
pub(super) fn write(
    checkpoint: &Checkpoint,
    folder: &Utf8Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Written, CliError> {
    let home = Tool::Gemini.home(env).ok_or_else(|| {
        CliError::failure("cannot tell where Gemini CLI keeps its sessions")
            .hint("set HOME, or GEMINI_CLI_HOME")
    })?;
    let target = RecordingTarget {
        session_id: random_uuid(),
        project_root: folder.to_string(),
    };
    let (lines, notes) = encode::recording(checkpoint, &target);
    // The startup context alone (written for every session) is no conversation.
    let conversation = lines
        .iter()
        .skip(1)
        .filter(|line| {
            line.get("id").and_then(Value::as_str) != Some(encode::ENVIRONMENT_CONTEXT_ID)
        })
        .count();
    if conversation == 0 {
        return Err(CliError::failure(format!(
            "{} has no message Gemini CLI could be given",
            confab_core::Quoted(&checkpoint.session.name)
        ))
        .hint("chat in it first, or hand over a session that has messages"));
    }
    let bytes = encode::to_jsonl(&lines);
    let taken = confab_core::read_checkpoint("recording", &bytes, &confab_format_gemini::FORMAT)
        .map(|read| read.checkpoint.messages.len())
        .map_err(|error| {
            CliError::failure("the Gemini CLI recording confab wrote does not read back")
                .detail(format!("{error:?}"))
        })?;
    let project = project_folder(&home, folder)?;
    let chats = project.join("chats");
    let path = chats.join(encode::file_name(
        &target.session_id,
        jiff::Timestamp::now(),
    ));
    super::claude_code::create_new(&chats, &path, &bytes)?;
    Ok(Written {
        command: vec![
            "gemini".to_owned(),
            "--resume".to_owned(),
            target.session_id.clone(),
        ],
        id: target.session_id,
        path,
        taken,
        notes,
    })
}

/// The folder of `folder`'s project under `<home>/tmp`, claimed for it if it is new.
fn project_folder(home: &Utf8Path, folder: &Utf8Path) -> Result<Utf8PathBuf, CliError> {
    let tmp = home.join("tmp");
    let registered = std::fs::read(home.join("projects.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|registry| registry.get("projects").cloned())
        .and_then(|projects| match projects {
            Value::Object(projects) => Some(projects),
            _ => None,
        })
        .unwrap_or_default();
    if let Some(name) = registered
        .get(folder.as_str())
        .and_then(Value::as_str)
        .filter(|name| is_plain_name(name))
    {
        return Ok(tmp.join(name));
    }
    let owner = |name: &str| -> Option<String> {
        std::fs::read_to_string(tmp.join(name).join(PROJECT_ROOT))
            .ok()
            .map(|text| text.trim().to_owned())
    };
    if let Ok(entries) = std::fs::read_dir(&tmp) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .collect();
        names.sort();
        if let Some(name) = names
            .into_iter()
            .find(|name| owner(name).as_deref() == Some(folder.as_str()))
        {
            return Ok(tmp.join(name));
        }
    }
    let taken: Vec<&str> = registered.values().filter_map(Value::as_str).collect();
    let slug = slug(folder.file_name().unwrap_or("project"));
    for counter in 0..10_000 {
        let name = if counter == 0 {
            slug.clone()
        } else {
            format!("{slug}-{counter}")
        };
        if taken.contains(&name.as_str()) || owner(&name).is_some() {
            continue;
        }
        let project = tmp.join(&name);
        let cannot = |error: std::io::Error| {
            CliError::failure(format!("could not write {project}/{PROJECT_ROOT}")).caused_by(error)
        };
        std::fs::create_dir_all(&project).map_err(cannot)?;
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(project.join(PROJECT_ROOT))
        {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, folder.as_str().as_bytes()).map_err(cannot)?;
                return Ok(project);
            }
            // Claimed by someone else meanwhile: the next name.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(cannot(error)),
        }
    }
    Err(CliError::failure(format!(
        "found no free Gemini CLI project folder for {folder} under {tmp}"
    )))
}

/// Whether `name` is one folder name (a registry could name anything).
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\'])
}

/// Gemini CLI's short name for a folder called `base`.
fn slug(base: &str) -> String {
    let mut out = String::new();
    for c in base.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "project".to_owned()
    } else {
        out.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp() -> (tempfile::TempDir, Utf8PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = Utf8PathBuf::from_path_buf(dir.path().to_path_buf()).expect("utf-8");
        (dir, path)
    }

    #[test]
    fn folders_are_named_as_gemini_cli_names_them() {
        assert_eq!(slug("demo-project"), "demo-project");
        assert_eq!(slug("My Project__2"), "my-project-2");
        assert_eq!(slug("--ü--"), "project");
    }

    #[test]
    fn the_registry_then_the_markers_then_a_new_claim() {
        let (_dir, home) = temp();
        let tmp = home.join("tmp");
        // A new folder claims its base name, and then keeps it.
        let work = Utf8Path::new("/work/demo-project");
        let first = project_folder(&home, work).expect("claimed");
        assert_eq!(first, tmp.join("demo-project"));
        assert_eq!(
            std::fs::read_to_string(first.join(PROJECT_ROOT)).expect("marker"),
            "/work/demo-project"
        );
        assert_eq!(project_folder(&home, work).expect("found"), first);
        // Another folder of the same base name gets the next.
        let other = Utf8Path::new("/elsewhere/demo-project");
        assert_eq!(
            project_folder(&home, other).expect("claimed"),
            tmp.join("demo-project-1")
        );
        // The registry wins, and its names are not claimed again.
        std::fs::write(
            home.join("projects.json"),
            r#"{"projects": {"/srv/app": "app-7", "/x/app": "app"}}"#,
        )
        .expect("registry");
        assert_eq!(
            project_folder(&home, Utf8Path::new("/srv/app")).expect("registered"),
            tmp.join("app-7")
        );
        assert_eq!(
            project_folder(&home, Utf8Path::new("/y/app")).expect("claimed"),
            tmp.join("app-1")
        );
    }
}
