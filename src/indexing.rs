//! Bringing the search index up to date after a write.
//!
//! The store commits messages without indexing them (tokenizing is most of an import's cost) and
//! indexes them afterwards, in batches, each batch one transaction that moves a watermark. So the
//! commands that write (`import`, `chat`) commit, report, and then catch the index up; `search`
//! catches it up before it answers. An interrupted catch-up loses nothing: what was committed is
//! committed, and whoever comes next goes on from the watermark.
//!
//! A failed catch-up is a warning, not an error: the write it follows has succeeded, and a search
//! is exact with or without the index (it searches the backlog on the fly).

use std::io::{IsTerminal, Write};

use crate::store::Store;

/// Backlogs from this size on are announced on a terminal: they take seconds.
const ANNOUNCED_FROM: u64 = 20_000;

/// Indexes what `store` has not indexed yet; a failure is reported as a warning.
pub(crate) fn catch_up(store: &mut Store) {
    if let Err(error) = update(store) {
        warn(&error);
    }
}

/// Indexes what `store` has not indexed yet, showing the progress of a long catch-up.
pub(crate) fn update(store: &mut Store) -> Result<(), confab_core::StoreError> {
    let backlog = store.index_backlog()?;
    if backlog == 0 {
        return Ok(());
    }
    let mut progress = Indexing::start(backlog);
    store
        .update_index_with(&mut |done| progress.advance(done))
        .map(drop)
}

fn warn(error: &confab_core::StoreError) {
    // Nothing to do if stderr is gone: the next search catches up anyway.
    let _ = writeln!(
        crate::output::stderr(),
        "warning: the search index could not be updated: {error}\n\
         hint: the sessions are stored; the next `confab sessions search` indexes them"
    );
}

/// What a person at a terminal sees of a long catch-up: a line counting the messages indexed,
/// rewritten in place, then left as a record. Nothing when stderr is not a terminal, or when the
/// backlog is small.
struct Indexing {
    total: u64,
    /// Whether the line is on the terminal and not ended yet.
    shown: bool,
}

impl Indexing {
    /// Starts showing the indexing of `total` messages.
    fn start(total: u64) -> Indexing {
        let shown = total >= ANNOUNCED_FROM && std::io::stderr().is_terminal();
        let mut indexing = Indexing { total, shown };
        indexing.advance(0);
        indexing
    }

    /// `done` messages are indexed so far.
    fn advance(&mut self, done: u64) {
        if !self.shown {
            return;
        }
        // confab's own text, no data: written raw, so the carriage return can rewrite the line.
        let _ = write!(
            std::io::stderr(),
            "\rIndexing for search: {done} of {} messages",
            self.total
        );
        if done >= self.total {
            self.finish();
        }
    }

    fn finish(&mut self) {
        if std::mem::take(&mut self.shown) {
            let _ = writeln!(std::io::stderr());
        }
    }
}

impl Drop for Indexing {
    /// Ends the line however the catch-up ended (another process may have indexed part of the
    /// backlog, or it failed), so the next output starts on a line of its own.
    fn drop(&mut self) {
        self.finish();
    }
}
