//! Ctrl-C during an answer: stop waiting for it, keep the session.
//!
//! The request runs on its own thread and hands text back over a channel, while this thread
//! watches a flag that the SIGINT handler sets. Cancelling therefore returns at once, however
//! long the network would have kept a blocking read waiting; the abandoned thread ends on its
//! own at the next piece of text (its callback sees the closed channel and stops reading) or at
//! the provider's timeout. Nothing of a cancelled turn is recorded.
//!
//! At the interactive prompt the line editor reads Ctrl-C as a key, so the handler only ever
//! fires while an answer is on its way or being recorded.

use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use confab_chat::{ChatError, PreparedRequest, Reply};

/// Set by the SIGINT handler; cleared before each request.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How often the waiting thread looks at [`INTERRUPTED`]: short enough to feel immediate.
const POLL: Duration = Duration::from_millis(50);

/// Installs the SIGINT handler, once per process. Without it (another handler is installed),
/// Ctrl-C ends the process, which leaves the store untouched too: a turn is recorded only
/// after its answer is complete.
pub(crate) fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
    });
}

/// Whether Ctrl-C was pressed since the last request started.
pub(crate) fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

enum Piece {
    Text(String),
    Done(Result<Reply, ChatError>),
}

/// Sends `request`, writing the answer's text to `out` as it arrives. Returns the complete reply,
/// or [`ChatError::Cancelled`] as soon as Ctrl-C is pressed. A failure to write to `out` does not
/// stop the answer: it is recorded all the same, and the write error is returned beside it.
pub(crate) fn send(
    request: PreparedRequest,
    out: &mut dyn Write,
) -> (Result<Reply, ChatError>, Option<std::io::Error>) {
    INTERRUPTED.store(false, Ordering::SeqCst);
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let result = request.send(|text| match sender.send(Piece::Text(text.to_owned())) {
            Ok(()) => ControlFlow::Continue(()),
            Err(_) => ControlFlow::Break(()),
        });
        let _ = sender.send(Piece::Done(result));
    });
    let mut write_error = None;
    let mut open_line = false;
    let result = loop {
        // Checked on every pass, not only when the channel is quiet: a provider streaming
        // steadily keeps it busy for the whole answer.
        if interrupted() {
            break Err(ChatError::Cancelled);
        }
        match receiver.recv_timeout(POLL) {
            Ok(Piece::Text(text)) => {
                if write_error.is_none() {
                    write_error = out
                        .write_all(text.as_bytes())
                        .and_then(|()| out.flush())
                        .err();
                    open_line = !text.ends_with('\n');
                }
            }
            Ok(Piece::Done(result)) => break result,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                break Err(ChatError::Provider {
                    message: "internal error: confab's request thread stopped without an answer"
                        .to_owned(),
                });
            }
        }
    };
    // The error that follows a partly printed answer starts on a line of its own.
    if result.is_err() && open_line && write_error.is_none() {
        write_error = writeln!(out).and_then(|()| out.flush()).err();
    }
    (result, write_error)
}
