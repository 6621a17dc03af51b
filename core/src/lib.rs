//! The engine of confab: the checkpoint model, the format plugins and the import pipeline.
//!
//! confab keeps AI chat sessions and moves them between people, projects and tools. This crate
//! holds what every part of it agrees on, and nothing that talks to a terminal:
//!
//! - [`checkpoint`]: the [`Checkpoint`] model, file-compatible with Atmos's `atmos ai sessions`
//!   checkpoints (version `"1.0"`), plus optional confab extensions.
//! - [`compat`]: checkpoints rewritten for tools that read less than confab writes (Atmos refuses
//!   tool messages: [`compat::atmos`] folds them into text), and checkers of what those tools refuse.
//! - [`format`]: what a format is ([`CheckpointFormat`], declared by each format crate with
//!   [`declare_format!`]), its capabilities ([`Decode`], [`Encode`]), and the registry that finds
//!   formats by name, extension or content.
//! - [`transcript`]: what the converters of other tools' transcripts share.
//! - [`schema`] and [`pipeline`]: the JSON Schema in `schemas/` and the one path from bytes to a
//!   checked [`Checkpoint`] that both `import` and `validate` use.
//! - [`recognise`]: what to say about a file no reader accepts.
//! - [`session`] and [`store`]: a [`Session`] as a store keeps it, and the [`SessionStore`] trait
//!   that stores implement; [`snippet`], the window of a search hit that every store shows alike.
//!
//! Formats live in their own crates (`confab-format-json`, `confab-format-yaml`, ...); stores in
//! theirs (`confab-store-sqlite`). The `confab` binary wires them together.

#[cfg(any(test, feature = "arbitrary"))]
pub mod arbitrary;
pub mod checkpoint;
pub mod compat;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod format;
pub mod handoff;
pub mod location;
pub mod pipeline;
pub mod recognise;
pub mod schema;
pub mod session;
pub mod snippet;
pub mod store;
pub mod transcript;
pub mod usage;

#[cfg(test)]
mod schema_shape;
#[cfg(test)]
mod test_support;

pub use checkpoint::{
    CURRENT_VERSION, Checkpoint, Context, IMPORT_NOTES_KEY, Message, Role, SessionInfo, Statistics,
    TokenUsage, ToolCall,
};
pub use error::{DecodeError, EncodeError, InvalidCheckpoint, Problem, Quoted};
pub use format::{
    CheckpointFormat, CollectMessages, Decode, DecodeOutcome, Decoded, Decoder, Detection, Encode,
    EncodeOptions, Encoder, FormatRegistration, MessageSink, Origin, Sniff, decoders, detect,
    encoders, format_by_name, format_for_path, formats, register,
};
pub use location::Location;
pub use pipeline::{
    CheckSummary, Imported, check_checkpoint, check_session_name, problems_of, read_checkpoint,
    read_checkpoints,
};
pub use session::{ExportMetadata, ExportSettings, Session, SessionSummary};
pub use store::{
    CleanRule, Disposal, HIGHLIGHT_END, HIGHLIGHT_START, InvalidSessionName, RestoreRequest,
    Restored, SearchHit, SearchQuery, SessionStore, SessionUpdate, StoreError, TrashEntry,
    TrashPick, TrashReason, validate_session_name,
};
pub use usage::{UsageBucket, UsageQuery};

/// Re-exported so format crates register with the same `inventory` as the registry collects.
pub use inventory;
