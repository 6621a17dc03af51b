//! Ctrl-C during an answer: stop waiting for it, keep the session.
//!
//! The SIGINT handler only sets a flag. The engine (`confab_chat::Conversation::turn`) polls
//! [`interrupted`] while it waits for an answer, from a thread that the network never blocks,
//! so cancelling returns at once however long a blocking read would have kept it waiting; the
//! abandoned request ends on its own. Nothing of a cancelled turn is recorded.
//!
//! At the interactive prompt the line editor reads Ctrl-C as a key, so the handler only ever
//! fires while an answer is on its way or being recorded.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the SIGINT handler; cleared before each request.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the SIGINT handler, once per process. Without it (another handler is installed),
/// Ctrl-C ends the process, which leaves the store untouched too: a turn is recorded only
/// after its answer is complete.
pub(crate) fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
}

/// Forgets a Ctrl-C pressed before now; called as a request starts.
pub(crate) fn reset() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

/// Whether Ctrl-C was pressed since the last [`reset`].
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}
