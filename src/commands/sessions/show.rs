//! `confab sessions show NAME`: a session's transcript, for reading in a terminal, or the session
//! as data (`--format json`).
//!
//! The transcript numbers its messages from 1, the numbers `sessions fork --at N` takes.
//!
//! `--format json` prints the checkpoint `export --format json` writes (`version`, `session`,
//! `messages`, `context`, `statistics`; the schema `confab schema` prints), so it can be read by
//! anything that reads checkpoints and imported back. It holds the session's own custom metadata
//! and the project context it is stored with, and no `exported_at` / `exported_by`: nothing was
//! exported. Characters a terminal would obey are written as JSON escapes, which decode to the
//! same strings.

use std::io::Write;

use clap::{Args, ValueEnum};
use confab_core::{ExportSettings, Message, SessionStore};

use crate::commands::sessions::not_found;
use crate::display::{local_minute, local_second};
use crate::error::CliError;
use crate::output::write_json;
use crate::project::Project;

/// Arguments of `confab sessions show`.
#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The session to show.
    name: String,

    /// Output format: the numbered transcript, or the session as checkpoint JSON (as `export
    /// --format json` writes it, with the session's metadata and stored context, without export
    /// metadata).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ShowFormat::Text)]
    format: ShowFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ShowFormat {
    /// The transcript, for people.
    Text,
    /// The session as checkpoint JSON.
    Json,
}

pub(crate) fn run(args: &ShowArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let store = project
        .open_store_read_only()?
        .ok_or_else(|| not_found(&args.name, &[]))?;
    let session = store.get(&args.name).map_err(|error| match error {
        confab_core::StoreError::NotFound { name } => {
            not_found(&name, &crate::commands::sessions::existing_names(&store))
        }
        other => other.into(),
    })?;
    // Long transcripts (and long JSON) are paged on a terminal; a pipe gets them unchanged.
    let mut out = crate::pager::stdout();
    if args.format == ShowFormat::Json {
        let metadata = session.metadata.clone();
        let (created_by, updated_by) = (session.created_by.clone(), session.updated_by.clone());
        let settings = ExportSettings {
            metadata: None,
            context: session.context.clone(),
        };
        let mut checkpoint = session.into_checkpoint(&settings);
        checkpoint.session.metadata = metadata;
        checkpoint.session.created_by = created_by;
        checkpoint.session.updated_by = updated_by;
        write_json(&mut out, &checkpoint)?;
        return Ok(out.finish()?);
    }
    writeln!(out, "{}", session.name)?;
    let by = |who: &Option<String>| {
        who.as_deref()
            .map(|who| format!(" by {who}"))
            .unwrap_or_default()
    };
    writeln!(
        out,
        "{} · {} · {} · created {}{} · updated {}{}",
        session.provider,
        session.model,
        crate::display::messages(session.messages.len()),
        local_minute(session.created_at),
        by(&session.created_by),
        local_minute(session.updated_at),
        by(&session.updated_by),
    )?;
    for (index, message) in session.messages.iter().enumerate() {
        writeln!(out)?;
        writeln!(out, "{}", heading(index + 1, message))?;
        if !message.content.is_empty() {
            writeln!(out, "{}", message.content.trim_end_matches('\n'))?;
        }
        for call in &message.tool_calls {
            writeln!(out, "→ {}({})", call.name, call.arguments)?;
        }
    }
    Ok(out.finish()?)
}

/// `── 2 · assistant · 2025-10-29 15:20:19 UTC · openai/gpt-4o ──`, for message `number` (from 1).
fn heading(number: usize, message: &Message) -> String {
    let mut parts = vec![number.to_string(), message.role.to_string()];
    if let Some(time) = message.created_at {
        parts.push(local_second(time));
    }
    match (&message.provider, &message.model) {
        (Some(provider), Some(model)) => parts.push(format!("{provider}/{model}")),
        (None, Some(model)) => parts.push(model.clone()),
        (Some(provider), None) => parts.push(provider.clone()),
        (None, None) => {}
    }
    if let Some(usage) = message.usage {
        let mut tokens = format!("{} tokens", usage.total());
        let extra: Vec<String> = [
            (usage.cached_input_tokens, "cached"),
            (usage.cache_write_tokens, "cache writes"),
            (usage.reasoning_tokens, "reasoning"),
        ]
        .into_iter()
        .filter_map(|(count, what)| {
            count
                .filter(|count| *count > 0)
                .map(|count| format!("{count} {what}"))
        })
        .collect();
        if !extra.is_empty() {
            tokens.push_str(&format!(" ({})", extra.join(", ")));
        }
        parts.push(tokens);
    }
    if let Some(id) = &message.tool_call_id {
        parts.push(format!("answers {id}"));
    }
    if message.archived {
        parts.push("archived".to_owned());
    }
    format!("── {} ──", parts.join(" · "))
}
