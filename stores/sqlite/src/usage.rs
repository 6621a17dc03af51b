//! [`SessionStore::usage`](confab_core::SessionStore::usage) in SQL: one pass over the message
//! rows, summed by provider, model and day, reading no message text into Rust.
//!
//! The day is SQLite's `date(seconds, 'unixepoch')`, a UTC date, as `confab_core::usage` defines
//! it; the sums are SQL's `sum`, which is `NULL` when no row had a count, so a count nobody
//! reported stays unknown instead of becoming 0.

use confab_core::{StoreError, TokenUsage, UsageBucket, UsageQuery};
use rusqlite::{Connection, params};

use crate::rows::{backend, split_time};

pub(crate) fn usage(
    connection: &Connection,
    query: &UsageQuery,
) -> Result<Vec<UsageBucket>, StoreError> {
    let fail = |error| backend("cannot sum the usage", error);
    let since = query.since.map(|since| split_time(since).0);
    // The names travel as one JSON array, so any number of them is one bound parameter.
    let names = (!query.sessions.is_empty())
        .then(|| serde_json::to_string(&query.sessions))
        .transpose()
        .map_err(|error| StoreError::Unstorable(error.to_string()))?;
    let mut statement = connection
        .prepare_cached(
            "SELECT coalesce(m.provider, s.provider),
                    coalesce(m.model, s.model),
                    date(coalesce(m.created_at, s.updated_at), 'unixepoch'),
                    count(*),
                    sum(m.input_tokens), sum(m.output_tokens), sum(m.cached_input_tokens),
                    sum(m.cache_write_tokens), sum(m.reasoning_tokens)
             FROM messages m JOIN sessions s ON s.id = m.session_id
             WHERE (?1 IS NULL OR coalesce(m.created_at, s.updated_at) >= ?1)
               AND (?2 IS NULL OR s.name IN (SELECT value FROM json_each(?2)))
             GROUP BY 3, 1, 2
             ORDER BY 3, 1, 2",
        )
        .map_err(fail)?;
    let rows = statement
        .query_map(params![since, names], |row| {
            let count = |index| -> rusqlite::Result<Option<u64>> {
                Ok(row.get::<_, Option<i64>>(index)?.map(|n| n.max(0) as u64))
            };
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, i64>(3)?,
                TokenUsage {
                    input_tokens: count(4)?,
                    output_tokens: count(5)?,
                    cached_input_tokens: count(6)?,
                    cache_write_tokens: count(7)?,
                    reasoning_tokens: count(8)?,
                },
            ))
        })
        .map_err(fail)?;
    rows.map(|row| {
        let (provider, model, day, messages, usage) = row.map_err(fail)?;
        // `date()` is NULL only for a time outside its range (years before 0 or after 9999),
        // which a stored timestamp cannot be; say so rather than invent a day.
        let day = day
            .and_then(|day| day.parse().ok())
            .ok_or_else(|| StoreError::Unstorable("a message time has no calendar day".into()))?;
        Ok(UsageBucket {
            provider,
            model,
            day,
            messages: messages.max(0) as u64,
            usage,
        })
    })
    .collect()
}
