//! Importing many files at once: decoded and checked on every core, written by one writer.
//!
//! A folder of another tool's history or a team's archive of checkpoints can be ten thousand
//! files; one at a time they would take as long as the slowest step of each, summed. Here:
//!
//! - **Workers** (rayon, as `validate`) do everything a file needs before the store: read it
//!   (within the import limit), pick its format, decode and check it, check its name, scan it for
//!   secrets, make the session. That is nearly all the work, and it parallelises perfectly.
//! - **One writer**, the main thread, stores the sessions of each good file in one transaction (SQLite
//!   has one writer at a time anyway, and in WAL mode with `synchronous=NORMAL` a commit is
//!   cheap), prints one status line per session (on stderr) and moves the progress bar. The store indexes words for
//!   search after the commit ([`crate::indexing`]), so the writer only stores rows; the index
//!   catches up once, after the summary, for every file at once.
//!
//! The two meet through a channel of one batch: the workers decode the next batch of files while
//! the writer stores the last one, and block when they are a batch ahead. A batch is at most
//! [`BATCH_FILES`] files and about [`BATCH_BYTES`] of them, so memory stays bounded however many
//! files there are (at most three batches are alive: one decoding, one waiting, one writing),
//! and a folder of large files does not load them all at once.
//!
//! **Order and failures.** Files are written and reported in the order of the expanded paths
//! (sorted within each folder or pattern, in argument order), so the output is stable from run to
//! run and the same name in two files resolves the same way: without `--overwrite` the first is
//! imported and the second fails as "already exists"; with it, the last one wins. A bad file is
//! reported with exactly the error a one-file import prints (file, line, pointer, hint) and
//! skipped; every good file is still imported, and the exit code is 1 (2 when a file could not
//! be read at all, as `validate` counts it). Only a failure of the store itself (a full disk, a
//! newer schema) stops the import, since every later write would fail the same way.
//!
//! **Progress** is an `indicatif` bar on stderr when stderr is a terminal, and nothing at all
//! otherwise, so a pipe or a CI log holds only the report lines. The bar shows file names through
//! [`crate::sanitize::sanitize`]: a name from someone else's archive is not a terminal command.

use std::io::{IsTerminal, Write};
use std::sync::mpsc;

use crate::store::Store;
use confab_core::StoreError;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{Failure, ImportArgs, Prepared};
use crate::error::CliError;
use crate::input::decoder_named;
use crate::output::stderr;
use crate::paths::Target;
use crate::project::Project;

/// The most files decoded ahead of the writer in one batch.
const BATCH_FILES: usize = 64;

/// About the most bytes of files in one batch (a larger file is a batch on its own).
const BATCH_BYTES: u64 = 32 << 20;

/// What the workers hand the writer for one file.
enum Outcome {
    Ready(Box<Prepared>),
    Failed(Failure),
}

/// Imports every file of `targets` (more than one, or an unreadable path).
pub(super) fn run(
    args: &ImportArgs,
    project: &Project,
    targets: &[Target],
) -> Result<(), CliError> {
    run_with(args, project, targets, &|_, _| {})
}

/// [`run`], with `annotate` called on the sessions of the file at each index of `targets` before
/// they are stored (on a worker): `import --from` records where they came from there.
pub(super) fn run_with(
    args: &ImportArgs,
    project: &Project,
    targets: &[Target],
    annotate: &(dyn Fn(usize, &mut Prepared) + Sync),
) -> Result<(), CliError> {
    if let Some(name) = &args.format {
        decoder_named(name)?;
    }
    let redactor = crate::redaction::import_scanner(project)?;
    let limit = project.config.max_import_size;
    let user = project.user_name();
    let prepare = |(index, target): (usize, &Target)| match target {
        Target::File(path) => match super::check(path, limit, args.format.as_deref(), None) {
            Ok(checked) => {
                let mut prepared = super::finish(checked, &redactor, args, user);
                annotate(index, &mut prepared);
                Outcome::Ready(Box::new(prepared))
            }
            Err(failure) => Outcome::Failed(failure),
        },
        Target::Unreadable { reason, .. } => Outcome::Failed(Failure {
            error: CliError::input(reason),
            unreadable: true,
        }),
    };

    let bar = progress_bar(targets.len());
    let mut writer = Writer {
        project,
        overwrite: args.overwrite,
        store: None,
        bar: &bar,
        files: 0,
        imported: 0,
        failed: 0,
        unreadable: 0,
        secrets: false,
    };
    let (sender, receiver) = mpsc::sync_channel::<Vec<Outcome>>(1);
    let written = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut first = 0;
            for batch in batches(targets) {
                let outcomes: Vec<Outcome> = batch
                    .par_iter()
                    .enumerate()
                    .map(|(offset, target)| (first + offset, target))
                    .map(prepare)
                    .collect();
                first += batch.len();
                if sender.send(outcomes).is_err() {
                    // The writer stopped on an error of the store: nothing more to decode.
                    break;
                }
            }
        });
        let written = receiver
            .iter()
            .flatten()
            .try_for_each(|outcome| writer.handle(outcome));
        // Ends the workers early if the writer stopped; the scope then waits for them.
        drop(receiver);
        written
    });
    bar.finish_and_clear();
    let store = writer.store.take();
    let finished = written.and_then(|()| writer.finish());
    // Committed and reported (also when the store failed part way); now every imported word
    // reaches the search index in one catch-up, batched by the store, rather than one per file.
    if let Some(mut store) = store {
        crate::indexing::catch_up(&mut store);
    }
    finished
}

/// Splits `targets` into batches of at most [`BATCH_FILES`] files and about [`BATCH_BYTES`].
fn batches(targets: &[Target]) -> impl Iterator<Item = &[Target]> {
    let mut rest = targets;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut bytes = 0;
        let mut end = 0;
        while end < rest.len() && end < BATCH_FILES && (end == 0 || bytes < BATCH_BYTES) {
            if let Target::File(path) = &rest[end] {
                bytes += std::fs::metadata(path).map_or(0, |metadata| metadata.len());
            }
            end += 1;
        }
        let (batch, after) = rest.split_at(end);
        rest = after;
        Some(batch)
    })
}

/// The bar on a terminal; a hidden one, which draws nothing, anywhere else.
fn progress_bar(files: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "importing {bar:30} {human_pos}/{human_len} files, {eta} left  {wide_msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The one writer: the store (opened at the first good file, so that a run of only bad files
/// creates nothing) and the counts for the summary.
struct Writer<'a> {
    project: &'a Project,
    overwrite: bool,
    store: Option<Store>,
    bar: &'a ProgressBar,
    files: usize,
    imported: usize,
    failed: usize,
    unreadable: usize,
    secrets: bool,
}

impl Writer<'_> {
    /// Stores or reports one file; an error is the store's own, which ends the import.
    fn handle(&mut self, outcome: Outcome) -> Result<(), CliError> {
        self.files += 1;
        match outcome {
            Outcome::Ready(prepared) => {
                self.bar
                    .set_message(crate::sanitize::sanitize(&prepared.source_name).into_owned());
                self.write(*prepared)?;
            }
            Outcome::Failed(failure) => self.fail(&failure),
        }
        self.bar.inc(1);
        Ok(())
    }

    fn write(&mut self, prepared: Prepared) -> Result<(), CliError> {
        let store = match &mut self.store {
            Some(store) => store,
            None => self.store.insert(self.project.open_store()?),
        };
        match super::store_sessions(
            store,
            &prepared.sessions,
            self.overwrite || prepared.replace,
        ) {
            Ok(()) => {}
            Err(StoreError::AlreadyExists { name }) => {
                let error = CliError::failure(format!(
                    "{}: a session named {} already exists",
                    prepared.source_name,
                    confab_core::Quoted(&name)
                ))
                .hint("replace it with --overwrite (the last file of a name wins), or import the file alone with --name NAME");
                self.fail(&Failure::from(error));
                return Ok(());
            }
            Err(error @ (StoreError::InvalidName(_) | StoreError::Unstorable(_))) => {
                let error = CliError::failure(format!("could not import {}", prepared.source_name))
                    .caused_by(error);
                self.fail(&Failure::from(error));
                return Ok(());
            }
            Err(error) => {
                return Err(CliError::from(error).detail(format!(
                    "stopped at {}: {} imported before it; the files after it were not imported",
                    prepared.source_name,
                    sessions(self.imported)
                )));
            }
        }
        self.imported += prepared.sessions.len();
        self.secrets |= !prepared.secrets.is_empty();
        let report = || -> std::io::Result<()> {
            super::write_notes(&prepared, Some(&prepared.source_name))?;
            let mut out = stderr();
            for session in &prepared.sessions {
                super::write_imported(&mut out, session)?;
            }
            Ok(())
        };
        // The lines go to stderr, where the bar is: it is cleared and redrawn around them (a
        // hidden bar, off a terminal, just runs them).
        self.bar.suspend(report)?;
        Ok(())
    }

    /// Reports a file that was not imported, with the error a one-file import would end with.
    fn fail(&mut self, failure: &Failure) {
        self.failed += 1;
        if failure.unreadable {
            self.unreadable += 1;
        }
        self.bar.suspend(|| {
            // The exit code is the whole run's, decided in `finish`.
            let _ = failure.error.report();
        });
    }

    /// The summary line, and the run's error if any file failed.
    fn finish(self) -> Result<(), CliError> {
        if self.secrets {
            super::write_secrets_hint()?;
        }
        let mut out = stderr();
        write!(
            out,
            "Imported {} from {}",
            sessions(self.imported),
            files(self.files)
        )?;
        if self.failed > 0 {
            write!(out, "; {} failed", thousands(self.failed))?;
        }
        writeln!(out)?;
        out.flush()?;
        if self.failed == 0 {
            return Ok(());
        }
        let message = format!(
            "{} of {} could not be imported",
            thousands(self.failed),
            files(self.files)
        );
        Err(match self.unreadable {
            0 => CliError::failure(message),
            unreadable => CliError::usage(format!(
                "{message} ({} could not be read)",
                thousands(unreadable)
            )),
        })
    }
}

/// `1 session`, `9,999 sessions`.
fn sessions(count: usize) -> String {
    counted(count, "session", "sessions")
}

/// `1 file`, `10,000 files`.
fn files(count: usize) -> String {
    counted(count, "file", "files")
}

pub(super) use crate::display::{counted, thousands};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(9999), "9,999");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(files(1), "1 file");
        assert_eq!(sessions(10_000), "10,000 sessions");
    }

    #[test]
    fn batches_cover_every_target_in_order() {
        let targets: Vec<Target> = (0..150)
            .map(|index| Target::File(format!("missing-{index}.json").into()))
            .collect();
        let sizes: Vec<usize> = batches(&targets).map(<[Target]>::len).collect();
        assert_eq!(sizes, [64, 64, 22]);
        let again: Vec<&Target> = batches(&targets).flatten().collect();
        assert!(again.iter().zip(&targets).all(|(a, b)| std::ptr::eq(*a, b)));
    }
}
