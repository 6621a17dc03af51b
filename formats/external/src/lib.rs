//! Checkpoint formats written as executables: any language, no compiling.
//!
//! An executable named `confab-format-NAME` on `PATH` is the format `NAME`, the way `git-NAME` is
//! a git subcommand. It can be a Python script, a shell script, a Go binary: confab runs it and
//! talks JSON over stdin and stdout. A format written in Rust is better as a crate (see
//! `docs/writing-a-format.md`), but a team with a tool of its own should not need a Rust toolchain
//! and a rebuilt confab to import that tool's transcripts.
//!
//! # Protocol 1
//!
//! Each call runs the executable once with one argument:
//!
//! - `confab-format-NAME describe` prints the format's identity:
//!
//!   ```json
//!   {"protocol": 1, "name": "NAME", "aliases": [], "extensions": ["ext"],
//!    "description": "...", "decode": true, "encode": false}
//!   ```
//!
//!   `name` must be the `NAME` of the file name, and a valid format name (lowercase letters,
//!   digits, `-`, `_`); `aliases` is optional; `extensions` are lowercase without the dot, the
//!   first being the one to write. Unknown fields are ignored, so later protocols can add some.
//! - `confab-format-NAME decode` reads the file's bytes on stdin and, exiting 0, prints the
//!   checkpoint document (the JSON data model of checkpoint version `1.0`). It becomes a
//!   [`Decoded::Document`], which the import pipeline checks against the JSON Schema like every
//!   other import: a plugin cannot store an invalid session.
//! - `confab-format-NAME encode` reads a checkpoint document on stdin and, exiting 0, prints the
//!   file's bytes.
//!
//! A call that fails exits non-zero and prints, on stdout or stderr,
//! `{"error": {"message": "...", "line": N, "column": N}}` (`line` and `column` optional). The
//! message becomes a [`DecodeError`] at that location (or an [`EncodeError::Format`]), prefixed by
//! the plugin's path so that the user knows whom to blame.
//!
//! # Bounds
//!
//! A plugin is somebody else's program, so confab does not trust it to behave:
//!
//! - each call has a timeout ([`DEFAULT_TIMEOUT`], 30 s, or `CONFAB_PLUGIN_TIMEOUT` seconds),
//!   after which the plugin is killed;
//! - stdout is read up to a limit ([`DEFAULT_OUTPUT_LIMIT`], the import limit of 256 MiB) and
//!   stderr up to [`STDERR_LIMIT`]; a plugin that prints more is killed;
//! - stdin is written from its own thread, so a plugin that does not read it cannot deadlock us;
//! - a plugin that hangs, crashes (a non-zero exit without the JSON error, a signal), prints
//!   something that is not JSON or not the expected shape, or prints too much gives an error that
//!   names the plugin and says what it did. No document reaches the pipeline, so nothing is stored.
//!
//! # Discovery
//!
//! [`discover`] lists each `PATH` directory and keeps the executable files named
//! `confab-format-*`; the first on `PATH` wins, as in a shell. It costs a directory listing per
//! `PATH` entry and spawns nothing unless such a file exists; only then does it run `describe`.
//! A plugin whose `describe` fails is skipped with a recorded problem, and so is one whose name
//! or alias [`register_all`] finds taken (a program on `PATH` cannot take over `json`). The CLI
//! prints the problems as warnings in `confab formats`, and stays quiet about them elsewhere.

mod protocol;
mod run;

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io;
use std::sync::OnceLock;

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{
    Checkpoint, CheckpointFormat, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions,
    MessageSink, Origin,
};
use serde_json::Value;

pub use protocol::{PROTOCOL, is_valid_name};
pub use run::{DEFAULT_OUTPUT_LIMIT, DEFAULT_TIMEOUT, Limits, STDERR_LIMIT, TIMEOUT_VAR};

use crate::run::Finished;

/// The file-name prefix of a plugin: `confab-format-NAME`.
pub const PREFIX: &str = "confab-format-";

/// A format served by an executable, as its `describe` told it.
#[derive(Debug, Clone)]
pub struct ExternalFormat {
    path: Utf8PathBuf,
    name: String,
    aliases: Vec<&'static str>,
    extensions: Vec<&'static str>,
    description: String,
    decode: bool,
    encode: bool,
    limits: Limits,
}

/// Leaks a string: the identity of a format lives as long as the program, and plugins are few.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

impl ExternalFormat {
    /// Runs `path describe` and checks what it says. `path`'s file name must be
    /// `confab-format-NAME`, and the description must name `NAME`.
    pub fn describe(path: &Utf8Path, limits: Limits) -> Result<ExternalFormat, String> {
        let expected = path
            .file_name()
            .and_then(|name| name.strip_prefix(PREFIX))
            .filter(|name| is_valid_name(name))
            .ok_or_else(|| {
                format!("plugin {path}: the file name is not {PREFIX}NAME with a valid NAME")
            })?;
        let finished = run::run(path, "describe", Vec::new(), &limits)
            .map_err(|failed| format!("plugin {path} {}", failed.describe()))?;
        if !finished.status.success() {
            return Err(failure(path, "describe", &finished));
        }
        let description = protocol::parse_description(&finished.stdout, expected)
            .map_err(|problem| format!("plugin {path}: {problem}"))?;
        Ok(ExternalFormat {
            path: path.to_owned(),
            name: description.name,
            aliases: description.aliases.into_iter().map(leak).collect(),
            extensions: description.extensions.into_iter().map(leak).collect(),
            description: description.description,
            decode: description.decode,
            encode: description.encode,
            limits,
        })
    }

    /// The executable.
    pub fn path(&self) -> &Utf8Path {
        &self.path
    }

    /// The bounds its calls run within.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The same format with other bounds (tests use short timeouts).
    pub fn with_limits(mut self, limits: Limits) -> ExternalFormat {
        self.limits = limits;
        self
    }

    /// Runs `verb` with `input`; a successful exit gives stdout, anything else the message.
    fn call(&self, verb: &str, input: Vec<u8>) -> Result<Vec<u8>, Refusal> {
        let path = &self.path;
        let finished = run::run(path, verb, input, &self.limits)
            .map_err(|failed| Refusal::plain(format!("plugin {path} {}", failed.describe())))?;
        if finished.status.success() {
            return Ok(finished.stdout);
        }
        match protocol::parse_error(&finished.stdout)
            .or_else(|| protocol::parse_error(&finished.stderr))
        {
            Some(reported) => Err(Refusal {
                message: format!("plugin {path}: {}", reported.message),
                location: reported.location,
            }),
            None => Err(Refusal::plain(failure(path, verb, &finished))),
        }
    }
}

/// A failed call, as a message and maybe a location.
struct Refusal {
    message: String,
    location: Option<confab_core::Location>,
}

impl Refusal {
    fn plain(message: String) -> Refusal {
        Refusal {
            message,
            location: None,
        }
    }
}

/// The message for a call that exited unsuccessfully without a JSON error: its status and the
/// start of its stderr.
fn failure(path: &Utf8Path, verb: &str, finished: &Finished) -> String {
    let mut message = format!(
        "plugin {path} failed ({}) in `{verb}` without a JSON error report",
        finished.status
    );
    let stderr = String::from_utf8_lossy(&finished.stderr);
    let stderr = stderr.trim();
    if !stderr.is_empty() {
        let excerpt: String = stderr.lines().take(5).collect::<Vec<_>>().join("\n  ");
        message.push_str(&format!("; stderr:\n  {excerpt}"));
    }
    message
}

impl CheckpointFormat for ExternalFormat {
    fn name(&self) -> &str {
        &self.name
    }

    fn aliases(&self) -> &[&str] {
        &self.aliases
    }

    fn extensions(&self) -> &[&str] {
        &self.extensions
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn origin(&self) -> Origin {
        Origin::External {
            path: self.path.clone(),
        }
    }

    fn decoder(&self) -> Option<&dyn Decode> {
        self.decode.then_some(self as &dyn Decode)
    }

    fn encoder(&self) -> Option<&dyn Encode> {
        self.encode.then_some(self as &dyn Encode)
    }
}

impl Decode for ExternalFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        let stdout = self
            .call("decode", bytes.to_vec())
            .map_err(|refusal| DecodeError::at(refusal.message, refusal.location))?;
        let path = &self.path;
        let value: Value = serde_json::from_slice(&stdout).map_err(|error| {
            DecodeError::new(format!(
                "plugin {path} printed something that is not JSON in `decode` ({error})"
            ))
        })?;
        if !value.is_object() {
            return Err(DecodeError::new(format!(
                "plugin {path} printed JSON that is not a checkpoint document (an object) in `decode`"
            )));
        }
        Ok(Decoded::Document(value))
    }
}

impl Encode for ExternalFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn io::Write,
    ) -> Result<(), EncodeError> {
        let input = serde_json::to_vec(checkpoint)
            .map_err(|error| EncodeError::Format(error.to_string()))?;
        let stdout = self
            .call("encode", input)
            .map_err(|refusal| EncodeError::Format(refusal.message))?;
        out.write_all(&stdout)?;
        out.flush()?;
        Ok(())
    }
}

/// What [`discover`] found on `PATH`.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The plugins that described themselves, in `PATH` order.
    pub formats: Vec<ExternalFormat>,
    /// Why plugins were skipped, one sentence each naming the plugin.
    pub problems: Vec<String>,
}

/// Finds the plugins on `path_var` (a `PATH` value), with [`Limits::from_env`].
pub fn discover(path_var: Option<&OsStr>) -> Discovery {
    discover_with(path_var, Limits::from_env())
}

/// [`discover`] with explicit bounds.
pub fn discover_with(path_var: Option<&OsStr>, limits: Limits) -> Discovery {
    let mut discovery = Discovery::default();
    let Some(path_var) = path_var else {
        return discovery;
    };
    let mut seen = HashSet::new();
    for dir in std::env::split_paths(path_var) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut candidates: Vec<_> = entries
            .filter_map(Result::ok)
            .filter(|entry| {
                entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.starts_with(PREFIX))
            })
            .collect();
        candidates.sort_by_key(std::fs::DirEntry::file_name);
        for entry in candidates {
            let path = entry.path();
            if !is_executable(&path) {
                continue;
            }
            let Ok(path) = Utf8PathBuf::from_path_buf(path) else {
                continue;
            };
            let Some(file_name) = path.file_name().map(str::to_owned) else {
                continue;
            };
            // The first on PATH wins, as in a shell; later ones are shadowed, not problems.
            if !seen.insert(file_name) {
                continue;
            }
            match ExternalFormat::describe(&path, limits) {
                Ok(format) => discovery.formats.push(format),
                Err(problem) => discovery.problems.push(problem),
            }
        }
    }
    discovery
}

#[cfg(unix)]
fn is_executable(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &std::path::Path) -> bool {
    path.is_file()
}

/// Registers every discovered format with [`confab_core::register`]; returns the discovery's
/// problems plus one for each format whose name or alias was taken.
pub fn register_all(discovery: Discovery) -> Vec<String> {
    let Discovery {
        formats,
        mut problems,
    } = discovery;
    for format in formats {
        let path = format.path.clone();
        let format: &'static ExternalFormat = Box::leak(Box::new(format));
        if let Err(taken) = confab_core::register(format) {
            problems.push(format!(
                "plugin {path} skipped: a format named {:?} exists already",
                taken.name
            ));
        }
    }
    problems
}

/// Discovers and registers the plugins on this process's `PATH`, once; later calls return the
/// problems of the first. What the CLI calls at start-up.
pub fn init() -> &'static [String] {
    static PROBLEMS: OnceLock<Vec<String>> = OnceLock::new();
    PROBLEMS.get_or_init(|| register_all(discover(std::env::var_os("PATH").as_deref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_path_and_empty_dirs_find_nothing() {
        let found = discover(None);
        assert!(found.formats.is_empty() && found.problems.is_empty());
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("confab-format-x"), "not executable").expect("write");
        std::fs::write(dir.path().join("other"), "x").expect("write");
        let found = discover(Some(dir.path().as_os_str()));
        assert!(found.formats.is_empty() && found.problems.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_bad_file_name_is_a_problem_without_running_anything() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let plugin = dir.path().join("confab-format-Bad.py");
        // Running it would create a marker file.
        let marker = dir.path().join("ran");
        std::fs::write(
            &plugin,
            format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
        )
        .expect("write");
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let found = discover(Some(dir.path().as_os_str()));
        assert!(found.formats.is_empty());
        assert_eq!(found.problems.len(), 1);
        assert!(found.problems[0].contains("confab-format-Bad.py"));
        assert!(!marker.exists(), "describe was not run");
    }
}
