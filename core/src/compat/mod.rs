//! Checkpoints for tools that read less than confab writes.
//!
//! confab's checkpoint is a superset of the files other tools exchange: it carries tool calls,
//! tool results and per-message usage as optional extensions. A tool that reads the same version
//! of the format but refuses what it does not know needs a file made for it. Each module here is
//! one such tool: a pure function from a checkpoint to one that tool accepts (with notes on what
//! was rewritten), and a checker that says what the tool would refuse, so that `export` can warn
//! before a person hands over a file that will not import.

pub mod atmos;
