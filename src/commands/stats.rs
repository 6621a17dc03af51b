//! `confab stats`: usage across sessions, by week, provider and model.
//!
//! "How much did we spend on which model this month?" is asked of every tool that talks to paid
//! models; confab holds the token counts of every session it keeps, whatever tool wrote them, so
//! it can answer for all of them at once. The store sums by provider, model and day without
//! reading message text ([`confab_core::SessionStore::usage`]); this command folds the days into
//! ISO weeks (Monday to Sunday, UTC, as the store's days are), adds a total, and prints a table
//! for people (with a bar of each row's tokens against the largest) or a JSON document.
//!
//! The JSON document is stable: `{"since", "sessions", "rows": [{"week", "week_start",
//! "provider", "model", "messages", "input_tokens", "output_tokens", "cached_input_tokens",
//! "cache_write_tokens", "reasoning_tokens"}], "total": {"messages", "input_tokens", ...}}`.
//! `since` is the RFC 3339 cut-off or `null`; `sessions` the names asked for (empty: all). A
//! count no message reported is `null` in a row and adds nothing to the total (where it is 0).
//! Fields may be added, never renamed or removed.
//!
//! What a token count means differs between providers (see `TokenUsage`): `input_tokens` of
//! Anthropic and Gemini leave cached input out, OpenAI's include it. The table shows the counts
//! as they were recorded and does not add them up into a price.

use std::collections::BTreeMap;
use std::io::Write;

use clap::{Args, ValueEnum};
use confab_core::{SessionStore, TokenUsage, UsageBucket, UsageQuery};
use jiff::civil::Date;
use serde::Serialize;

use crate::age::Age;
use crate::commands::sessions::{existing_names, not_found};
use crate::display::{thousands, write_table};
use crate::error::CliError;
use crate::output::{stdout, write_json};
use crate::project::Project;

/// Arguments of `confab stats`.
#[derive(Debug, Args)]
pub(crate) struct StatsArgs {
    /// Only messages from the last AGE: min (minutes), h (hours), d (days), w (weeks),
    /// mo (months; m is months too).
    #[arg(long, value_name = "AGE", allow_hyphen_values = true)]
    since: Option<Age>,

    /// Only this session (give it again for more).
    #[arg(long, value_name = "NAME")]
    session: Vec<String>,

    /// How to print: a table for people, or a JSON document for tools.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    format: StatsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StatsFormat {
    /// Columns for people, with a bar of each row's tokens.
    Table,
    /// The stable JSON document.
    Json,
}

/// One row: a provider and model in one ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Row {
    /// `2026-W45`.
    week: String,
    /// The Monday the week starts on.
    week_start: Date,
    provider: String,
    model: String,
    messages: u64,
    #[serde(flatten)]
    usage: Counts,
}

/// Token counts as the JSON document spells them (every key present, `null` when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct Counts {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cached_input_tokens: Option<u64>,
    cache_write_tokens: Option<u64>,
    reasoning_tokens: Option<u64>,
}

impl From<&TokenUsage> for Counts {
    fn from(usage: &TokenUsage) -> Counts {
        Counts {
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            cached_input_tokens: usage.cached_input_tokens,
            cache_write_tokens: usage.cache_write_tokens,
            reasoning_tokens: usage.reasoning_tokens,
        }
    }
}

/// The sums of every row; unknown counts add nothing.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
struct Total {
    messages: u64,
    input_tokens: u64,
    output_tokens: u64,
    cached_input_tokens: u64,
    cache_write_tokens: u64,
    reasoning_tokens: u64,
}

#[derive(Debug, Serialize)]
struct Document<'a> {
    since: Option<jiff::Timestamp>,
    sessions: &'a [String],
    rows: &'a [Row],
    total: &'a Total,
}

pub(crate) fn run(args: &StatsArgs) -> Result<(), CliError> {
    let project = Project::discover()?;
    let since = args
        .since
        .map(|age| {
            age.before(&jiff::ZonedDateTime::now()).ok_or_else(|| {
                CliError::usage(format!(
                    "--since {age} reaches back before the calendar begins"
                ))
            })
        })
        .transpose()?;
    let query = UsageQuery {
        since,
        sessions: args.session.clone(),
    };
    let buckets = match project.open_store_read_only()? {
        Some(store) => {
            // A misspelt name would show an empty table as if the session had used nothing.
            if !args.session.is_empty() {
                let existing = existing_names(&store);
                if let Some(unknown) = args.session.iter().find(|name| !existing.contains(name)) {
                    return Err(not_found(unknown, &existing));
                }
            }
            store.usage(&query)?
        }
        None if args.session.is_empty() => Vec::new(),
        None => return Err(not_found(&args.session[0], &[])),
    };
    let rows = weekly(&buckets);
    let total = total(&rows);
    let mut out = stdout();
    match args.format {
        StatsFormat::Json => write_json(
            &mut out,
            &Document {
                since,
                sessions: &args.session,
                rows: &rows,
                total: &total,
            },
        )?,
        StatsFormat::Table if rows.is_empty() => writeln!(
            out,
            "No messages to count{}.",
            match args.since {
                Some(age) => format!(" in the last {age}"),
                None => String::new(),
            }
        )?,
        StatsFormat::Table => write_usage_table(&mut out, &rows, &total)?,
    }
    Ok(())
}

/// The days of `buckets` folded into ISO weeks, sorted by week, provider and model.
fn weekly(buckets: &[UsageBucket]) -> Vec<Row> {
    let mut weeks: BTreeMap<(Date, &str, &str), (u64, TokenUsage)> = BTreeMap::new();
    for bucket in buckets {
        let entry = weeks
            .entry((
                week_start(bucket.day),
                bucket.provider.as_str(),
                bucket.model.as_str(),
            ))
            .or_default();
        entry.0 += bucket.messages;
        entry.1 = entry.1.plus(&bucket.usage);
    }
    weeks
        .into_iter()
        .map(|((start, provider, model), (messages, usage))| {
            let week = start.iso_week_date();
            Row {
                week: format!("{:04}-W{:02}", week.year(), week.week()),
                week_start: start,
                provider: provider.to_owned(),
                model: model.to_owned(),
                messages,
                usage: Counts::from(&usage),
            }
        })
        .collect()
}

/// The Monday of `day`'s ISO week.
fn week_start(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(jiff::Span::new().days(back)).unwrap_or(day)
}

fn total(rows: &[Row]) -> Total {
    let mut total = Total::default();
    for row in rows {
        let add = |sum: &mut u64, count: Option<u64>| *sum = sum.saturating_add(count.unwrap_or(0));
        total.messages = total.messages.saturating_add(row.messages);
        add(&mut total.input_tokens, row.usage.input_tokens);
        add(&mut total.output_tokens, row.usage.output_tokens);
        add(
            &mut total.cached_input_tokens,
            row.usage.cached_input_tokens,
        );
        add(&mut total.cache_write_tokens, row.usage.cache_write_tokens);
        add(&mut total.reasoning_tokens, row.usage.reasoning_tokens);
    }
    total
}

/// The widest bar, in character cells.
const BAR_WIDTH: usize = 24;

fn write_usage_table(out: &mut dyn Write, rows: &[Row], total: &Total) -> std::io::Result<()> {
    let tokens = |row: &Row| {
        row.usage.input_tokens.unwrap_or(0)
            + row.usage.output_tokens.unwrap_or(0)
            + row.usage.cached_input_tokens.unwrap_or(0)
    };
    let largest = rows.iter().map(tokens).max().unwrap_or(0);
    let count = |count: Option<u64>| count.map_or_else(|| "-".to_owned(), number);
    let mut cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.week.clone(),
                crate::sanitize::sanitize(&row.provider).into_owned(),
                crate::sanitize::sanitize(&row.model).into_owned(),
                number(row.messages),
                count(row.usage.input_tokens),
                count(row.usage.output_tokens),
                count(row.usage.cached_input_tokens),
                bar(tokens(row), largest),
            ]
        })
        .collect();
    cells.push(vec![
        "total".to_owned(),
        String::new(),
        String::new(),
        number(total.messages),
        number(total.input_tokens),
        number(total.output_tokens),
        number(total.cached_input_tokens),
        String::new(),
    ]);
    write_table(
        out,
        &[
            "WEEK", "PROVIDER", "MODEL", "MESSAGES", "INPUT", "OUTPUT", "CACHED", "TOKENS",
        ],
        &cells,
        &[3, 4, 5, 6],
    )
}

fn number(count: u64) -> String {
    thousands(usize::try_from(count).unwrap_or(usize::MAX))
}

/// `value` against `largest` as a bar of at most [`BAR_WIDTH`] cells, in eighths of a cell; a
/// row with any tokens shows at least a sliver.
fn bar(value: u64, largest: u64) -> String {
    const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
    if value == 0 || largest == 0 {
        return String::new();
    }
    let eighths = (u128::from(value) * (BAR_WIDTH as u128 * 8) / u128::from(largest)).max(1);
    let eighths = usize::try_from(eighths).unwrap_or(BAR_WIDTH * 8);
    let mut text: String = std::iter::repeat_n('█', eighths / 8).collect();
    if eighths % 8 > 0 {
        text.push(EIGHTHS[eighths % 8 - 1]);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(day: &str, provider: &str, model: &str, tokens: (u64, u64)) -> UsageBucket {
        UsageBucket {
            provider: provider.into(),
            model: model.into(),
            day: day.parse().expect("date"),
            messages: 2,
            usage: TokenUsage {
                input_tokens: Some(tokens.0),
                output_tokens: Some(tokens.1),
                ..TokenUsage::default()
            },
        }
    }

    #[test]
    fn days_fold_into_iso_weeks_that_start_on_monday() {
        let rows = weekly(&[
            // Sunday 2026-11-01 closes ISO week 44; Monday 2026-11-02 opens week 45.
            bucket("2026-11-01", "openai", "gpt", (1, 1)),
            bucket("2026-10-26", "openai", "gpt", (10, 10)),
            bucket("2026-11-02", "openai", "gpt", (100, 100)),
            bucket("2026-11-08", "anthropic", "claude", (5, 5)),
            // 1 January 2027 is a Friday of ISO week 53 of 2026.
            bucket("2027-01-01", "openai", "gpt", (7, 7)),
        ]);
        let view: Vec<(&str, String, &str, u64, Option<u64>)> = rows
            .iter()
            .map(|row| {
                (
                    row.week.as_str(),
                    row.week_start.to_string(),
                    row.provider.as_str(),
                    row.messages,
                    row.usage.input_tokens,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("2026-W44", "2026-10-26".into(), "openai", 4, Some(11)),
                ("2026-W45", "2026-11-02".into(), "anthropic", 2, Some(5)),
                ("2026-W45", "2026-11-02".into(), "openai", 2, Some(100)),
                ("2026-W53", "2026-12-28".into(), "openai", 2, Some(7)),
            ]
        );
        let total = total(&rows);
        assert_eq!((total.messages, total.input_tokens), (10, 123));
    }

    #[test]
    fn bars_scale_to_the_largest_row_in_eighths() {
        assert_eq!(bar(100, 100), "█".repeat(BAR_WIDTH));
        assert_eq!(bar(50, 100), "█".repeat(BAR_WIDTH / 2));
        assert_eq!(bar(1, 1_000_000), "▏", "any tokens show");
        assert_eq!(bar(0, 100), "");
        assert_eq!(bar(3, 192), "▍", "three eighths of a cell");
        assert_eq!(bar(100, 192), "█".repeat(12) + "▌");
        assert_eq!(bar(u64::MAX, u64::MAX), "█".repeat(BAR_WIDTH));
    }
}
