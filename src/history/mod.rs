//! Where other AI tools keep their session histories, for `import --from TOOL`.
//!
//! Each tool writes its sessions as files under a folder of its own, and each can be told to use
//! another folder by an environment variable; confab looks where the tool itself would:
//!
//! | tool | folder | override | files |
//! |---|---|---|---|
//! | Claude Code | `~/.claude` | `CLAUDE_CONFIG_DIR` | `projects/<cwd>/<id>.jsonl`, `projects/<cwd>/<id>/subagents/agent-*.jsonl` |
//! | Codex | `~/.codex` | `CODEX_HOME` | `sessions/YYYY/MM/DD/rollout-*.jsonl`, `archived_sessions/*.jsonl` |
//! | Gemini CLI | `~/.gemini` | `GEMINI_CLI_HOME` (in place of `~`) | `tmp/<project>/chats/session-*.jsonl` |
//! | opencode | `~/.local/share/opencode` | `XDG_DATA_HOME` (in place of `~/.local/share`) | `opencode.db` (see [`opencode`]) |
//!
//! **Which project.** A session belongs to this project when the folder it ran in is the
//! project's root or inside it. That folder is read cheaply, without decoding the session: the
//! first `cwd` of a Claude Code transcript, the `session_meta` of a Codex rollout (both on the
//! first lines), the `.project_root` file Gemini CLI keeps beside its `chats/` folder, the
//! `directory` of an opencode session. A file that says nothing is left out (`--all-projects`
//! takes it).

pub(crate) mod opencode;

use std::io::{BufRead, BufReader, Read};

use camino::{Utf8Path, Utf8PathBuf};
use clap::ValueEnum;
use serde_json::Value;

/// How much of a file's start is read to find the folder its session ran in.
const PEEK_BYTES: u64 = 256 * 1024;

/// A tool whose histories `import --from` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Tool {
    /// Claude Code (`~/.claude`, or `CLAUDE_CONFIG_DIR`).
    ClaudeCode,
    /// Codex CLI (`~/.codex`, or `CODEX_HOME`).
    Codex,
    /// Gemini CLI (`~/.gemini`, or `GEMINI_CLI_HOME/.gemini`).
    Gemini,
    /// opencode (`~/.local/share/opencode`, or `XDG_DATA_HOME/opencode`).
    Opencode,
}

/// One history file found.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) path: Utf8PathBuf,
    pub(crate) bytes: u64,
    /// Modification time, seconds since the epoch (0 when the system cannot tell).
    pub(crate) modified: i64,
}

impl Tool {
    /// The name of the tool's format, and of the tool in messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tool::ClaudeCode => "claude-code",
            Tool::Codex => "codex",
            Tool::Gemini => "gemini",
            Tool::Opencode => "opencode",
        }
    }

    /// The tool's own folder, from its override variable or the home folder.
    pub(crate) fn home(self, env: &dyn Fn(&str) -> Option<String>) -> Option<Utf8PathBuf> {
        let set = |name: &str| env(name).filter(|value| !value.is_empty());
        let home = || {
            set("HOME")
                .or_else(|| set("USERPROFILE"))
                .map(Utf8PathBuf::from)
        };
        match self {
            Tool::ClaudeCode => set("CLAUDE_CONFIG_DIR")
                .map(Utf8PathBuf::from)
                .or_else(|| Some(home()?.join(".claude"))),
            Tool::Codex => set("CODEX_HOME")
                .map(Utf8PathBuf::from)
                .or_else(|| Some(home()?.join(".codex"))),
            Tool::Gemini => set("GEMINI_CLI_HOME")
                .map(Utf8PathBuf::from)
                .or_else(home)
                .map(|home| home.join(".gemini")),
            Tool::Opencode => set("XDG_DATA_HOME")
                .map(Utf8PathBuf::from)
                .or_else(|| Some(home()?.join(".local/share")))
                .map(|data| data.join("opencode")),
        }
    }

    /// The variable that moves the tool's folder, for hints.
    pub(crate) fn override_variable(self) -> &'static str {
        match self {
            Tool::ClaudeCode => "CLAUDE_CONFIG_DIR",
            Tool::Codex => "CODEX_HOME",
            Tool::Gemini => "GEMINI_CLI_HOME",
            Tool::Opencode => "XDG_DATA_HOME",
        }
    }

    /// Every session of the tool under `home`, with the folder it ran in where that is known
    /// without reading the session (opencode's database says; files are read in
    /// [`Tool::working_directory`]).
    pub(crate) fn sessions(
        self,
        home: &Utf8Path,
    ) -> Result<Vec<(Found, Option<String>)>, opencode::ReadError> {
        match self {
            Tool::Opencode => Ok(opencode::sessions(home)?
                .into_iter()
                .map(|(found, directory)| (found, Some(directory)))
                .collect()),
            Tool::Gemini => Ok(one_file_per_gemini_session(self.files(home))
                .into_iter()
                .map(|found| (found, None))
                .collect()),
            _ => Ok(self
                .files(home)
                .into_iter()
                .map(|found| (found, None))
                .collect()),
        }
    }

    /// The folders under the tool's own that hold its sessions.
    pub(crate) fn session_folders(self, home: &Utf8Path) -> Vec<Utf8PathBuf> {
        match self {
            Tool::ClaudeCode => vec![home.join("projects")],
            Tool::Codex => vec![home.join("sessions"), home.join("archived_sessions")],
            Tool::Gemini => vec![home.join("tmp")],
            Tool::Opencode => Vec::new(),
        }
    }

    /// Every session file of the tool under `home`, sorted by path.
    pub(crate) fn files(self, home: &Utf8Path) -> Vec<Found> {
        let mut found = Vec::new();
        for folder in self.session_folders(home) {
            for entry in walkdir::WalkDir::new(&folder)
                .follow_links(false)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_file())
            {
                let Ok(path) = Utf8PathBuf::from_path_buf(entry.path().to_path_buf()) else {
                    continue;
                };
                if !self.is_session_file(&path) {
                    continue;
                }
                let Ok(metadata) = entry.metadata() else {
                    continue;
                };
                let modified = metadata
                    .modified()
                    .ok()
                    .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |since| since.as_secs() as i64);
                found.push(Found {
                    path,
                    bytes: metadata.len(),
                    modified,
                });
            }
        }
        found.sort_by(|a, b| a.path.cmp(&b.path));
        found
    }

    fn is_session_file(self, path: &Utf8Path) -> bool {
        let name = path.file_name().unwrap_or_default();
        let parent = path
            .parent()
            .and_then(Utf8Path::file_name)
            .unwrap_or_default();
        match self {
            Tool::ClaudeCode => name.ends_with(".jsonl"),
            Tool::Codex => name.starts_with("rollout-") && name.ends_with(".jsonl"),
            Tool::Gemini => {
                parent == "chats" && name.starts_with("session-") && name.ends_with(".jsonl")
            }
            Tool::Opencode => false,
        }
    }

    /// The folder the session in `path` ran in, as far as the file's start (or, for Gemini CLI,
    /// its project folder) tells.
    pub(crate) fn working_directory(self, path: &Utf8Path) -> Option<String> {
        match self {
            Tool::ClaudeCode => first_lines(path).find_map(|line| {
                let value: Value = serde_json::from_str(&line).ok()?;
                value.get("cwd")?.as_str().map(str::to_owned)
            }),
            Tool::Codex => first_lines(path).find_map(|line| {
                let value: Value = serde_json::from_str(&line).ok()?;
                let meta = value.get("payload").unwrap_or(&value);
                meta.get("cwd")?.as_str().map(str::to_owned)
            }),
            Tool::Gemini => {
                let project = path.parent()?.parent()?;
                let mut text = String::new();
                std::fs::File::open(project.join(".project_root"))
                    .ok()?
                    .take(64 * 1024)
                    .read_to_string(&mut text)
                    .ok()?;
                Some(text.trim().to_owned()).filter(|root| !root.is_empty())
            }
            Tool::Opencode => None,
        }
    }
}

/// Gemini CLI starts a new file when a session is resumed in a later minute, and writes there
/// only a header and its context while the conversation goes on in the first file: of the files
/// of one session id (the header's `sessionId`), the largest is the session.
fn one_file_per_gemini_session(files: Vec<Found>) -> Vec<Found> {
    let mut largest: std::collections::HashMap<String, Found> = std::collections::HashMap::new();
    let mut without_id = Vec::new();
    for found in files {
        let id = first_lines(&found.path).next().and_then(|line| {
            let header: Value = serde_json::from_str(&line).ok()?;
            header.get("sessionId")?.as_str().map(str::to_owned)
        });
        match id {
            Some(id) => match largest.get(&id) {
                Some(kept) if kept.bytes >= found.bytes => {}
                _ => {
                    largest.insert(id, found);
                }
            },
            None => without_id.push(found),
        }
    }
    let mut files: Vec<Found> = largest.into_values().chain(without_id).collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The first lines of `path`, within [`PEEK_BYTES`].
fn first_lines(path: &Utf8Path) -> impl Iterator<Item = String> {
    std::fs::File::open(path)
        .ok()
        .map(|file| BufReader::new(file.take(PEEK_BYTES)).lines())
        .into_iter()
        .flatten()
        .map_while(Result::ok)
}

/// Whether `folder` is `root` or inside it, comparing whole path components.
pub(crate) fn is_within(folder: &str, root: &Utf8Path) -> bool {
    Utf8Path::new(folder).starts_with(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tool_is_found_where_it_keeps_its_sessions() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let home = env(&[("HOME", "/home/u")]);
        assert_eq!(
            Tool::ClaudeCode.home(&home).as_deref(),
            Some(Utf8Path::new("/home/u/.claude"))
        );
        assert_eq!(
            Tool::Codex.home(&home).as_deref(),
            Some(Utf8Path::new("/home/u/.codex"))
        );
        assert_eq!(
            Tool::Gemini.home(&home).as_deref(),
            Some(Utf8Path::new("/home/u/.gemini"))
        );
        let moved = env(&[
            ("HOME", "/home/u"),
            ("CLAUDE_CONFIG_DIR", "/cfg/claude"),
            ("CODEX_HOME", "/cfg/codex"),
            ("GEMINI_CLI_HOME", "/cfg"),
        ]);
        assert_eq!(
            Tool::ClaudeCode.home(&moved).as_deref(),
            Some(Utf8Path::new("/cfg/claude"))
        );
        assert_eq!(
            Tool::Codex.home(&moved).as_deref(),
            Some(Utf8Path::new("/cfg/codex"))
        );
        assert_eq!(
            Tool::Gemini.home(&moved).as_deref(),
            Some(Utf8Path::new("/cfg/.gemini"))
        );
        assert_eq!(Tool::Codex.home(&env(&[])), None);
    }

    #[test]
    fn a_project_holds_its_subfolders_but_not_its_namesakes() {
        let root = Utf8Path::new("/work/shop");
        assert!(is_within("/work/shop", root));
        assert!(is_within("/work/shop/api", root));
        assert!(!is_within("/work/shop-old", root));
        assert!(!is_within("/work", root));
    }
}
