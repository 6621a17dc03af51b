//! Full-text search: user text to a safe FTS5 query, and the query that ranks the hits.
//!
//! FTS5 has a query language (`AND`, `NEAR`, `*`, `:`, `^`, parentheses, ...), and a user typing
//! `error: can't connect (port 5432)` means none of it. So no user text reaches FTS5 as syntax:
//! every word becomes a quoted string, and words the user quoted together stay one phrase.

use confab_core::{HIGHLIGHT_END, HIGHLIGHT_START, Role, SearchHit, SearchQuery, StoreError};
use rusqlite::{Connection, params};

use crate::rows::{backend, split_time, time_from};

/// `text` as an FTS5 query that matches every word (and every quoted phrase) literally; `None`
/// when there is nothing to search for.
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
            terms.extend(words(part).map(|word| format!("\"{word}\"")));
        }
    }
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

    let mut statement = connection
        .prepare_cached(
            "SELECT s.name, s.provider, s.model, m.seq, m.role, m.created_at, m.created_at_ns,
                    snippet(messages_fts, 0, ?7, ?8, '…', 16)
             FROM messages_fts
             JOIN messages m ON m.id = messages_fts.rowid
             JOIN sessions s ON s.id = m.session_id
             WHERE messages_fts MATCH ?1
               AND (?2 IS NULL OR m.role = ?2)
               AND (?3 IS NULL OR s.provider = ?3)
               AND (?4 IS NULL OR s.model = ?4)
               AND (?5 IS NULL OR coalesce(m.created_at, s.updated_at) >= ?5)
             ORDER BY bm25(messages_fts), s.name, m.seq
             LIMIT ?6",
        )
        .map_err(fail)?;
    let remaining = limit - hits.len() as i64;
    let rows = statement
        .query_map(
            params![
                fts,
                role,
                query.provider,
                query.model,
                since,
                remaining.max(0),
                HIGHLIGHT_START.to_string(),
                HIGHLIGHT_END.to_string()
            ],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, String>(4)?,
                    (row.get::<_, Option<i64>>(5)?, row.get::<_, Option<i64>>(6)?),
                    row.get::<_, String>(7)?,
                ))
            },
        )
        .map_err(fail)?;
    for row in rows {
        let (session, provider, model, seq, role, (seconds, nanos), snippet) = row.map_err(fail)?;
        let role = Role::parse(&role)
            .ok_or_else(|| StoreError::Unstorable(format!("corrupt role {role:?} in the store")))?;
        let created_at = seconds
            .map(|seconds| time_from(seconds, nanos.unwrap_or(0)))
            .transpose()?;
        hits.push(SearchHit {
            session,
            provider,
            model,
            message: Some((seq.max(0) as u64, role)),
            created_at,
            snippet,
        });
    }
    Ok(hits)
}

/// `name` with the first case-insensitive occurrence of `needle` marked.
fn highlight_name(name: &str, needle: &str) -> String {
    let lower = name.to_lowercase();
    match lower.find(&needle.to_lowercase()) {
        // Session names are ASCII (the naming rule), so byte offsets agree between the two.
        Some(start) if name.is_ascii() => {
            let end = start + needle.len();
            format!(
                "{}{HIGHLIGHT_START}{}{HIGHLIGHT_END}{}",
                &name[..start],
                &name[start..end],
                &name[end..]
            )
        }
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_never_becomes_fts_syntax() {
        assert_eq!(
            fts_query("pods pending").as_deref(),
            Some(r#""pods" "pending""#)
        );
        assert_eq!(
            fts_query(r#"error: can't "connect to" (port 5432) AND x*"#).as_deref(),
            Some(r#""error" "can" "t" "connect to" "port" "5432" "AND" "x""#)
        );
        assert_eq!(
            fts_query(r#"unbalanced "quote"#).as_deref(),
            Some(r#""unbalanced" "quote""#)
        );
        assert_eq!(fts_query(" ** ( ) : - ^ "), None);
        assert_eq!(fts_query("café 漢字").as_deref(), Some(r#""café" "漢字""#));
    }

    #[test]
    fn names_are_highlighted_where_they_match() {
        let marked = highlight_name("Incident-42", "dent");
        assert_eq!(
            marked,
            format!("Inci{HIGHLIGHT_START}dent{HIGHLIGHT_END}-42")
        );
    }
}
