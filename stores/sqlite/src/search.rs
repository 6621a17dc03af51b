//! Full-text search: user text to a safe FTS5 query, and the query that ranks the hits.
//!
//! FTS5 has a query language (`AND`, `NEAR`, `*`, `:`, `^`, parentheses, ...), and a user typing
//! `error: can't connect (port 5432)` means none of it. So no user text reaches FTS5 as syntax:
//! every word becomes a quoted string, and words the user quoted together stay one phrase.
//!
//! A word finds more than itself, as a person searching expects:
//!
//! - **Stems.** The index and the query are tokenized with FTS5's `porter` stemmer over
//!   `unicode61` (see [`TOKENIZER`]), so `stack`, `stacks`, `stacked` and `stacking` are one
//!   word. Porter knows English suffixes only; a word in another language or script is matched as
//!   `unicode61` splits and folds it (case, diacritics), as it was before stemming: the stemmer
//!   strips only ASCII suffixes (`s`, `ing`, `ed`, ...), the same way on both sides, so it can
//!   join words but never keeps a word from finding itself.
//! - **Prefixes.** A word typed on its own also finds the words it begins (`kube` finds
//!   `kubectl`, `漢字` finds `漢字テスト`, which `unicode61` keeps as one token): FTS5's `"word"*`,
//!   the star added here, after the quotes, never taken from the user. A word of one character
//!   is a whole word only (it begins too many words to be worth expanding). Words in quotes are
//!   a phrase of whole words (stemmed, without the prefix), for when the prefix finds too much.
//!
//! Hits are ranked with `bm25`. A hit's snippet is its message as FTS5's `highlight()` marks it,
//! cut to a window by `confab_core::snippet`, the code the PostgreSQL store uses too, so a hit
//! shows the same on either store; only the order of hits equally relevant may differ there
//! (it ranks with `ts_rank`).

use std::collections::HashSet;

use confab_core::snippet::{SNIPPET_WORDS, highlight_name, snippet};
use confab_core::{HIGHLIGHT_END, HIGHLIGHT_START, Role, SearchHit, SearchQuery, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

use crate::rows::{backend, split_time, time_from};

/// `text` as an FTS5 query that matches every word (and every quoted phrase) literally, a word on
/// its own also as the prefix of longer words; `None` when there is nothing to search for.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let mut terms = Vec::new();
    for (index, part) in text.split('"').enumerate() {
        let quoted = index % 2 == 1;
        if quoted {
            let phrase: Vec<&str> = words(part).collect();
            if !phrase.is_empty() {
                terms.push(format!("\"{}\"", phrase.join(" ")));
            }
        } else {
            terms.extend(words(part).map(|word| {
                if word.chars().nth(1).is_some() {
                    format!("\"{word}\"*")
                } else {
                    // One character begins too many words to be worth expanding: in a store
                    // of log lines and hashes, `a*` is tens of thousands of terms to merge.
                    format!("\"{word}\"")
                }
            }));
        }
    }
    // Every term must match, so a term given twice is the same condition: FTS5's cost grows
    // with the square of the terms (each is matched and highlighted on its own), so a pasted
    // query repeating one word thousands of times must not reach it as thousands of terms.
    // (The tokenizer folds case, so `Word` and `word` are one term too.)
    let mut seen = HashSet::new();
    terms.retain(|term| seen.insert(term.to_lowercase()));
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// The words of `text` as the tokenizer sees them: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

pub(crate) fn search(
    connection: &Connection,
    query: &SearchQuery,
) -> Result<Vec<SearchHit>, StoreError> {
    let Some(fts) = fts_query(&query.text) else {
        return Ok(Vec::new());
    };
    let limit = i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX);
    let since = query.since.map(|since| split_time(since).0);
    let role = query.role.map(Role::as_str);
    let fail = |error| backend("cannot search", error);

    let mut hits = Vec::new();
    // Session names first: naming the session is the strongest match there is.
    if query.role.is_none() {
        let mut statement = connection
            .prepare_cached(
                "SELECT name, provider, model FROM sessions
                 WHERE instr(lower(name), lower(?1)) > 0
                   AND (?2 IS NULL OR provider = ?2) AND (?3 IS NULL OR model = ?3)
                   AND (?4 IS NULL OR updated_at >= ?4)
                 ORDER BY length(name), name LIMIT ?5",
            )
            .map_err(fail)?;
        let needle = query.text.trim();
        let rows = statement
            .query_map(
                params![needle, query.provider, query.model, since, limit],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                },
            )
            .map_err(fail)?;
        for row in rows {
            let (session, provider, model) = row.map_err(fail)?;
            let snippet = highlight_name(&session, needle);
            hits.push(SearchHit {
                session,
                provider,
                model,
                message: None,
                created_at: None,
                snippet,
            });
        }
    }

    // The hits first, ranked and cut to the limit; then each hit's snippet. FTS5's own
    // `snippet()` scores every window against every match, which is quadratic in the matches of
    // one message (40,000 copies of a word took minutes), and SQLite would compute it for every
    // matching row before sorting. `highlight()` is linear, and runs only for the hits shown.
    //
    // Messages the index does not cover yet (it catches up after each write) are searched through
    // a temporary index of just those, so a search is exact at any moment; both run in one read
    // snapshot, and a hit must join a live message row.
    let snapshot = connection
        .unchecked_transaction()
        .map_err(|error| backend("cannot start a read", error))?;
    let remaining = (limit - hits.len() as i64).max(0);
    let filters = Filters {
        fts: &fts,
        role,
        provider: query.provider.as_deref(),
        model: query.model.as_deref(),
        since,
        limit: remaining,
    };
    let mut ranked = ranked_hits(&snapshot, "messages_fts", &filters)?;
    let through = crate::index::indexed_through(&snapshot)?;
    if backlog_exists(&snapshot, through)? {
        index_backlog(&snapshot, through)?;
        ranked.extend(ranked_hits(&snapshot, "backlog_fts", &filters)?);
        ranked.sort_by(|a, b| {
            a.score
                .total_cmp(&b.score)
                .then_with(|| a.session.cmp(&b.session))
                .then_with(|| a.seq.cmp(&b.seq))
        });
        ranked.truncate(usize::try_from(remaining).unwrap_or(usize::MAX));
    }
    for hit in ranked {
        let role = Role::parse(&hit.role).ok_or_else(|| {
            StoreError::Unstorable(format!("corrupt role {:?} in the store", hit.role))
        })?;
        let created_at = hit
            .created_at
            .0
            .map(|seconds| time_from(seconds, hit.created_at.1.unwrap_or(0)))
            .transpose()?;
        let marked = highlight(&snapshot, &fts, hit.rowid)?;
        hits.push(SearchHit {
            session: hit.session,
            provider: hit.provider,
            model: hit.model,
            message: Some((hit.seq.max(0) as u64, role)),
            created_at,
            snippet: snippet(&marked, SNIPPET_WORDS),
        });
    }
    Ok(hits)
}

/// The tokenizer of every full-text index here: the store's (the last migration that creates
/// `messages_fts` gives it this text; a test checks) and the temporary ones must split, fold and
/// stem words alike, or a query would match differently in each. `unicode61` splits words and
/// folds case and diacritics; `porter` then stems the English words among them.
pub(crate) const TOKENIZER: &str = "porter unicode61 remove_diacritics 2";

/// What a message hit must satisfy, beside matching.
struct Filters<'a> {
    fts: &'a str,
    role: Option<&'a str>,
    provider: Option<&'a str>,
    model: Option<&'a str>,
    since: Option<i64>,
    limit: i64,
}

/// A message that matched, before its snippet is made.
struct RankedHit {
    score: f64,
    session: String,
    provider: String,
    model: String,
    seq: i64,
    role: String,
    created_at: (Option<i64>, Option<i64>),
    rowid: i64,
}

/// At most this many matches are ranked: beyond it, the newest this many (by message id, the
/// order messages were stored in). Ranking costs FTS5 a `bm25` call per matching row, about five
/// microseconds: a word in nearly every message of a million-message store took five seconds to
/// rank in full. Finding where the newest matches begin reads their rowids only, backwards, and
/// stops there.
const RANKED_AT_MOST: i64 = if cfg!(test) { 50 } else { 10_000 };

/// The best `filters.limit` hits of full-text index `table` (the store's, or the temporary one of
/// the backlog), with their `bm25` scores (lower is better).
fn ranked_hits(
    connection: &Connection,
    table: &str,
    filters: &Filters<'_>,
) -> Result<Vec<RankedHit>, StoreError> {
    let fail = |error| backend("cannot search", error);
    if filters.limit == 0 {
        return Ok(Vec::new());
    }
    let matching = format!(
        "FROM {table}
         JOIN messages m ON m.id = {table}.rowid
         JOIN sessions s ON s.id = m.session_id
         WHERE {table} MATCH ?1
           AND (?2 IS NULL OR m.role = ?2)
           AND (?3 IS NULL OR s.provider = ?3)
           AND (?4 IS NULL OR s.model = ?4)
           AND (?5 IS NULL OR coalesce(m.created_at, s.updated_at) >= ?5)"
    );
    let floor: i64 = connection
        .prepare_cached(&format!(
            "SELECT {table}.rowid {matching} ORDER BY {table}.rowid DESC LIMIT 1 OFFSET ?6"
        ))
        .and_then(|mut statement| {
            statement
                .query_row(
                    params![
                        filters.fts,
                        filters.role,
                        filters.provider,
                        filters.model,
                        filters.since,
                        RANKED_AT_MOST - 1
                    ],
                    |row| row.get(0),
                )
                .optional()
        })
        .map_err(fail)?
        .unwrap_or(i64::MIN);
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT bm25({table}), s.name, s.provider, s.model, m.seq, m.role, m.created_at,
                    m.created_at_ns, {table}.rowid
             {matching} AND {table}.rowid >= ?7
             ORDER BY bm25({table}), s.name, m.seq
             LIMIT ?6"
        ))
        .map_err(fail)?;
    statement
        .query_map(
            params![
                filters.fts,
                filters.role,
                filters.provider,
                filters.model,
                filters.since,
                filters.limit,
                floor
            ],
            |row| {
                Ok(RankedHit {
                    score: row.get(0)?,
                    session: row.get(1)?,
                    provider: row.get(2)?,
                    model: row.get(3)?,
                    seq: row.get(4)?,
                    role: row.get(5)?,
                    created_at: (row.get(6)?, row.get(7)?),
                    rowid: row.get(8)?,
                })
            },
        )
        .map_err(fail)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)
}

/// Whether any committed message is above the watermark `through`.
fn backlog_exists(connection: &Connection, through: i64) -> Result<bool, StoreError> {
    connection
        .prepare_cached("SELECT 1 FROM messages WHERE id > ?1 LIMIT 1")
        .and_then(|mut statement| statement.exists([through]))
        .map_err(|error| backend("cannot search", error))
}

/// Builds `temp.backlog_fts`, an index of the messages above the watermark `through`. Temporary
/// tables live in the connection's own scratch database, so this works on a read-only store too.
fn index_backlog(connection: &Connection, through: i64) -> Result<(), StoreError> {
    connection
        .execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.backlog_fts;
             CREATE VIRTUAL TABLE temp.backlog_fts USING fts5(content, tokenize = '{TOKENIZER}');"
        ))
        .and_then(|()| {
            connection.execute(
                "INSERT INTO temp.backlog_fts (rowid, content)
                 SELECT id, content FROM messages WHERE id > ?1",
                [through],
            )
        })
        .map(drop)
        .map_err(|error| backend("cannot search the messages not yet indexed", error))
}

/// Message `rowid` with every match of `fts` marked, as `highlight()` marks them. The store's
/// index keeps no text (it is contentless), so the one message is put in a temporary index of
/// its own, tokenized the same way.
fn highlight(connection: &Connection, fts: &str, rowid: i64) -> Result<String, StoreError> {
    let fail = |error| backend("cannot search", error);
    connection
        .execute_batch(&format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.snippet_fts
                 USING fts5(content, tokenize = '{TOKENIZER}');
             DELETE FROM temp.snippet_fts;"
        ))
        .map_err(fail)?;
    connection
        .prepare_cached(
            "INSERT INTO temp.snippet_fts (rowid, content) SELECT id, content FROM messages
             WHERE id = ?1",
        )
        .and_then(|mut statement| statement.execute([rowid]))
        .map_err(fail)?;
    connection
        .prepare_cached(
            "SELECT highlight(snippet_fts, 0, ?3, ?4) FROM snippet_fts
             WHERE snippet_fts MATCH ?1 AND rowid = ?2",
        )
        .and_then(|mut statement| {
            statement.query_row(
                params![
                    fts,
                    rowid,
                    HIGHLIGHT_START.to_string(),
                    HIGHLIGHT_END.to_string()
                ],
                |row| row.get(0),
            )
        })
        .map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_never_becomes_fts_syntax() {
        assert_eq!(
            fts_query("pods pending").as_deref(),
            Some(r#""pods"* "pending"*"#)
        );
        assert_eq!(
            fts_query(r#"error: can't "connect to" (port 5432) AND x*"#).as_deref(),
            Some(r#""error"* "can"* "t" "connect to" "port"* "5432"* "AND"* "x""#)
        );
        assert_eq!(
            fts_query(r#"unbalanced "quote"#).as_deref(),
            Some(r#""unbalanced"* "quote""#),
            "an open quote runs to the end"
        );
        assert_eq!(fts_query(" ** ( ) : - ^ "), None);
        assert_eq!(
            fts_query("café 漢字").as_deref(),
            Some(r#""café"* "漢字"*"#)
        );
    }

    #[test]
    fn a_repeated_word_is_one_term() {
        let pasted = vec!["word"; 40_000].join(" ");
        assert_eq!(fts_query(&pasted).as_deref(), Some(r#""word"*"#));
        assert_eq!(
            fts_query(r#"a b A "b c" "B C" b"#).as_deref(),
            Some(r#""a" "b" "b c""#)
        );
    }
}
