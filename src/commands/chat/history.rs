//! The prompt's history file, `.confab/chat-history`: what the Up key recalls.
//!
//! It holds what was typed at the prompt, secrets pasted by mistake included, so it is kept only
//! where confab can be sure it is confab's own file: `chat.history: false` in `confab.yaml` (or
//! `CONFAB_CHAT_HISTORY=false`) turns it off, and a history file that is a symbolic link, or
//! not a regular file, or under a `.confab` that is a link, is neither read nor written. A
//! cloned repository can ship `.confab/chat-history -> ~/.bashrc`; the line editor would
//! otherwise truncate the link's target and change its permissions when the chat ends. In that
//! case the chat goes on without history and says why.
//!
//! The check runs again just before writing, so a link that appears during the chat (a `git
//! checkout`, say) is not followed either.

use std::io::Write;

use camino::{Utf8Path, Utf8PathBuf};

use crate::output::stderr;
use crate::project::{Project, STATE_DIR};

/// The history file's name under [`STATE_DIR`].
const FILE: &str = "chat-history";

/// A history file larger than this is not read: rustyline keeps 100 entries, and a huge file
/// here is not one it wrote.
const MAX_SIZE: u64 = 16 << 20;

/// The history file of `project`, if the prompt may keep one; a warning is printed when it may
/// not for a reason the user did not choose.
pub(crate) fn file(project: &Project) -> Option<Utf8PathBuf> {
    if !project.config.chat.history {
        return None;
    }
    let path = project.root.join(STATE_DIR).join(FILE);
    match refusal(&path) {
        None => Some(path),
        Some(reason) => {
            warn(&path, &reason);
            None
        }
    }
}

/// Whether `path` may still be written: checked again as the chat ends.
pub(crate) fn still_writable(path: &Utf8Path) -> bool {
    match refusal(path) {
        None => true,
        Some(reason) => {
            warn(path, &reason);
            false
        }
    }
}

/// Why `path` is not confab's to read and write, if it is not. A file that does not exist yet
/// is fine: rustyline creates it (mode 0600).
fn refusal(path: &Utf8Path) -> Option<String> {
    if let Some(folder) = path.parent()
        && std::fs::symlink_metadata(folder).is_ok_and(|metadata| metadata.is_symlink())
    {
        return Some(format!("{folder} is a symbolic link"));
    }
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return None,
        Err(error) => return Some(crate::input::io_reason(&error)),
    };
    if metadata.is_symlink() {
        Some("it is a symbolic link".to_owned())
    } else if !metadata.is_file() {
        Some("it is not a regular file".to_owned())
    } else if metadata.len() > MAX_SIZE {
        Some(format!(
            "it is larger than {}",
            crate::input::format_size(MAX_SIZE)
        ))
    } else {
        None
    }
}

fn warn(path: &Utf8Path, reason: &str) {
    // A warning that cannot be written is not worth failing a chat over.
    let _ = writeln!(
        stderr(),
        "warning: not using the prompt history {path}: {reason}; confab never follows links \
         there, so this chat keeps no history (remove it to have one, or set chat.history: false)"
    );
}
