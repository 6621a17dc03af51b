//! Full-text search: the user's text to a safe `tsquery`, the ranked hits, and their snippets.
//!
//! # Which messages match
//! PostgreSQL decides, with its `english` configuration: `messages.tsv` is the message's
//! `tsvector` under a GIN index, and [`search_query`] turns the user's words into a `tsquery`
//! (every word must match, as a prefix of the stemmed word; quoted words as a phrase). Hits are
//! ranked with `ts_rank` and cut to the limit in the database; only those rows come back. When
//! more than [`RANKED_AT_MOST`] messages match, the newest that many are ranked, as in the
//! SQLite store: ranking is per match, and a common word matches nearly everything. How
//! the server reads characters beyond ASCII follows the database's `LC_CTYPE`: under `C`, every
//! such character is a letter (an emoji too) and only ASCII letters are folded to lower case, so
//! `Кластер` does not find `кластер` there, as it does under `C.UTF-8` or `en_US.UTF-8`.
//!
//! # How a hit is shown
//! Not with `ts_headline`: it rewrites the text it shows (it drops what its parser calls tags,
//! `<b>markup</b>` came back as ` markup `, and folds the spaces around them), picks its own
//! window and marks a phrase word by word. A snippet shows the user's own text, and the same
//! snippet as the SQLite store shows for the same message, so it is made here from the
//! message's content, exactly as the SQLite store makes it from FTS5's highlighting:
//!
//! 1. The message's words are runs of letters and digits ([`confab_core::snippet::words`]).
//! 2. Which of them matched is decided by PostgreSQL's own lexemes: each distinct word of the
//!    shown hits, and each word of the query, is put through `to_tsvector('english', …)` in one
//!    round trip, so stemming, stop words and case folding are the server's, as in the index. A
//!    word matches a query word when their lexemes are equal (or begin with it, for a word on its
//!    own: a prefix, as in the query). A phrase matches consecutive words, a stop word inside it
//!    standing for any one word, as `<->` does in PostgreSQL; a stop word at either end of the
//!    phrase (which PostgreSQL leaves out of the query) is marked where the text has that word.
//! 3. The matched words are marked in the untouched text ([`confab_core::snippet::mark`]), a
//!    phrase as one span and matches that overlap as one, as FTS5's `highlight()` marks them,
//!    and [`confab_core::snippet::snippet`] chooses the window.
//!
//! This costs one query for the lexemes, linear in the text of the hits shown (at most
//! `limit`), whatever the number of messages that matched. Where PostgreSQL's parser reads text
//! otherwise than as words of letters and digits (it counts `foo-bar` as three positions, an
//! HTML tag as none, an emoji as a word under `LC_CTYPE=C`), a phrase may be marked where the
//! server's positions differ from the words'; a word on its own is marked wherever it matched.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use confab_core::snippet::{SNIPPET_WORDS, highlight_name, mark, snippet, words};
use confab_core::{Message, Role, SearchHit, SearchQuery, StoreError};
use postgres::Client;

use crate::{backend, nanos};

/// One condition of a query: a word (with the words it begins), or a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    /// A word typed on its own; `prefix` when it also finds the words it begins (a word of one
    /// character is a whole word only, as in SQLite).
    Word { word: String, prefix: bool },
    /// Quoted words, which must follow each other.
    Phrase(Vec<String>),
}

impl Term {
    /// The term in `to_tsquery` syntax: only words of letters and digits and operators written
    /// here, so the user's text is never query syntax.
    fn tsquery(&self) -> String {
        match self {
            Term::Word { word, prefix: true } => format!("{word}:*"),
            Term::Word {
                word,
                prefix: false,
            } => word.clone(),
            Term::Phrase(words) => format!("({})", words.join(" <-> ")),
        }
    }

    fn words(&self) -> impl Iterator<Item = &str> {
        let words: &[String] = match self {
            Term::Word { word, .. } => std::slice::from_ref(word),
            Term::Phrase(words) => words,
        };
        words.iter().map(String::as_str)
    }
}

/// The terms of what the user typed: words of letters and digits, `"quoted words"` as phrases
/// (an open quote runs to the end), each term once.
fn terms(text: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for (index, part) in text.split('"').enumerate() {
        let found: Vec<String> = words(part).map(|word| part[word].to_owned()).collect();
        if index % 2 == 1 {
            if !found.is_empty() {
                terms.push(Term::Phrase(found));
            }
        } else {
            terms.extend(found.into_iter().map(|word| Term::Word {
                // One character begins too many words to be worth expanding, as in SQLite.
                prefix: word.chars().nth(1).is_some(),
                word,
            }));
        }
    }
    // A term given twice is the same condition; a pasted query repeating a word thousands of
    // times must not reach the server as thousands of terms.
    let mut seen = BTreeSet::new();
    terms.retain(|term| seen.insert(term.tsquery().to_lowercase()));
    terms
}

/// The `to_tsquery` text of `terms`: every term (`&`), a word as a prefix (`:*`), quoted words
/// as a phrase (`<->`).
fn tsquery(terms: &[Term]) -> String {
    terms
        .iter()
        .map(Term::tsquery)
        .collect::<Vec<_>>()
        .join(" & ")
}

/// The `to_tsquery` text for what the user typed, or `None` when it has no word.
#[cfg(test)]
pub(crate) fn search_query(text: &str) -> Option<String> {
    let terms = terms(text);
    (!terms.is_empty()).then(|| tsquery(&terms))
}

/// A message that matched, before its snippet is made.
struct MessageHit {
    session: String,
    provider: String,
    model: String,
    position: i64,
    body: String,
    content: String,
}

/// At most this many matches are ranked: beyond it, the newest this many (by session, then
/// position: sessions are numbered as they are stored). As in the SQLite store, a word found in
/// nearly every message of a large store would otherwise have every one of them ranked and
/// sorted with its text: 1.5 s over a million messages, spilling hundreds of megabytes to disk.
const RANKED_AT_MOST: i64 = if cfg!(test) { 50 } else { 10_000 };

/// The hits of `query`: sessions whose name holds the text first, then the messages
/// `ts_rank` ranks best, each with its snippet; at most `query.limit` in all.
pub(crate) fn search(
    client: &mut Client,
    query: &SearchQuery,
) -> Result<Vec<SearchHit>, StoreError> {
    let terms = terms(&query.text);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let tsquery = tsquery(&terms);
    let limit = i64::try_from(query.limit.max(1)).unwrap_or(i64::MAX);
    let role = query.role.map(Role::as_str);
    let since = query.since.map(nanos);
    let fail = |error| backend("cannot search", error);
    let mut hits = Vec::new();
    // Names first, as in SQLite: a session whose name matches is what was asked for.
    if role.is_none() {
        let needle = query.text.trim();
        let rows = client
            .query(
                "SELECT name, provider, model FROM sessions \
                 WHERE strpos(lower(name), lower($1)) > 0 \
                 AND ($2::text IS NULL OR provider = $2) \
                 AND ($3::text IS NULL OR model = $3) \
                 AND ($4::text IS NULL OR updated_ns >= $4::text::numeric) \
                 ORDER BY length(name), name COLLATE \"C\" LIMIT $5",
                &[&needle, &query.provider, &query.model, &since, &limit],
            )
            .map_err(fail)?;
        for row in rows {
            let name: String = row.get(0);
            hits.push(SearchHit {
                snippet: highlight_name(&name, needle),
                session: name,
                provider: row.get(1),
                model: row.get(2),
                message: None,
                created_at: None,
            });
        }
    }
    let remaining = limit - i64::try_from(hits.len()).unwrap_or(limit);
    if remaining <= 0 {
        return Ok(hits);
    }
    // The matches are found by the GIN index and cut to the newest RANKED_AT_MOST by their
    // keys alone; only those are ranked (`ts_rank` reads each one's tsvector), and only the
    // `limit` best are read whole.
    let found: Vec<MessageHit> = client
        .query(
            "WITH newest AS ( \
                 SELECT m.session_id, m.position \
                 FROM messages m JOIN sessions s ON s.id = m.session_id, \
                 to_tsquery('english', $1) q \
                 WHERE m.tsv @@ q \
                 AND ($2::text IS NULL OR m.role = $2) \
                 AND ($3::text IS NULL OR s.provider = $3) \
                 AND ($4::text IS NULL OR s.model = $4) \
                 AND ($5::text IS NULL \
                      OR coalesce(m.created_ns, s.updated_ns) >= $5::text::numeric) \
                 ORDER BY m.session_id DESC, m.position DESC LIMIT $7 \
             ), best AS ( \
                 SELECT m.session_id, m.position, \
                        ts_rank(m.tsv, to_tsquery('english', $1)) AS rank \
                 FROM newest n JOIN messages m \
                   ON m.session_id = n.session_id AND m.position = n.position \
             ) \
             SELECT s.name, s.provider, s.model, m.position, m.body, m.content \
             FROM (SELECT b.session_id, b.position, b.rank, s.name \
                   FROM best b JOIN sessions s ON s.id = b.session_id \
                   ORDER BY b.rank DESC, s.name COLLATE \"C\", b.position LIMIT $6) top \
             JOIN messages m ON m.session_id = top.session_id AND m.position = top.position \
             JOIN sessions s ON s.id = top.session_id \
             ORDER BY top.rank DESC, top.name COLLATE \"C\", top.position",
            &[
                &tsquery,
                &role,
                &query.provider,
                &query.model,
                &since,
                &remaining,
                &RANKED_AT_MOST,
            ],
        )
        .map_err(fail)?
        .into_iter()
        .map(|row| MessageHit {
            session: row.get(0),
            provider: row.get(1),
            model: row.get(2),
            position: row.get(3),
            body: row.get(4),
            content: row.get(5),
        })
        .collect();
    if found.is_empty() {
        return Ok(hits);
    }
    let lexicon = Lexicon::of(
        client,
        found
            .iter()
            .flat_map(|hit| words(&hit.content).map(|word| &hit.content[word]))
            .chain(terms.iter().flat_map(Term::words)),
    )?;
    let matcher = Matcher::new(&terms, &lexicon);
    for hit in found {
        let message: Message =
            serde_json::from_str(&hit.body).map_err(|error| StoreError::Backend {
                message: format!("a stored message cannot be read: {error}"),
                source: Some(Box::new(error)),
            })?;
        let marked = mark(&hit.content, &matcher.spans(&hit.content));
        hits.push(SearchHit {
            session: hit.session,
            provider: hit.provider,
            model: hit.model,
            message: Some((u64::try_from(hit.position).unwrap_or(0), message.role)),
            created_at: message.created_at,
            snippet: snippet(&marked, SNIPPET_WORDS),
        });
    }
    Ok(hits)
}

/// The lexemes PostgreSQL's `english` configuration makes of each of a set of words: none for
/// a stop word, usually one.
struct Lexicon {
    lexemes: HashMap<String, Vec<String>>,
}

impl Lexicon {
    /// The lexemes of each distinct word of `words`, in one query.
    fn of<'a>(
        client: &mut Client,
        words: impl Iterator<Item = &'a str>,
    ) -> Result<Lexicon, StoreError> {
        let mut seen = HashSet::new();
        let distinct: Vec<&str> = words.filter(|word| seen.insert(*word)).collect();
        let rows = client
            .query(
                "SELECT w, tsvector_to_array(to_tsvector('english', w)) \
                 FROM unnest($1::text[]) AS w",
                &[&distinct],
            )
            .map_err(|error| backend("cannot search", error))?;
        Ok(Lexicon {
            lexemes: rows
                .into_iter()
                .map(|row| (row.get(0), row.get(1)))
                .collect(),
        })
    }

    fn of_word(&self, word: &str) -> &[String] {
        self.lexemes.get(word).map_or(&[], Vec::as_slice)
    }
}

/// A query word as the matcher compares it: its lexemes, and its text (for a stop word at the
/// end of a phrase, which is matched as itself).
struct QueryWord<'a> {
    lexemes: &'a [String],
    lowercase: String,
}

impl QueryWord<'_> {
    fn is_stop_word(&self) -> bool {
        self.lexemes.is_empty()
    }

    /// Whether a word with lexemes `found` matches this one: every lexeme of this word is one
    /// of `found` (or begins one, for a prefix).
    fn matches(&self, found: &[String], prefix: bool) -> bool {
        !self.lexemes.is_empty()
            && self.lexemes.iter().all(|wanted| {
                found.iter().any(|lexeme| {
                    if prefix {
                        lexeme.starts_with(wanted.as_str())
                    } else {
                        lexeme == wanted
                    }
                })
            })
    }
}

/// The query's terms, ready to find their matches in a message's words.
struct Matcher<'a> {
    lexicon: &'a Lexicon,
    /// Words on their own: the word, and whether it is a prefix. Stop words are left out, as
    /// PostgreSQL leaves them out of the query.
    words: Vec<(QueryWord<'a>, bool)>,
    /// Phrases of at least one word that is not a stop word.
    phrases: Vec<Vec<QueryWord<'a>>>,
}

impl<'a> Matcher<'a> {
    fn new(terms: &[Term], lexicon: &'a Lexicon) -> Matcher<'a> {
        let word = |text: &str| QueryWord {
            lexemes: lexicon.of_word(text),
            lowercase: text.to_lowercase(),
        };
        let mut matcher = Matcher {
            lexicon,
            words: Vec::new(),
            phrases: Vec::new(),
        };
        for term in terms {
            match term {
                Term::Word { word: text, prefix } => {
                    let query_word = word(text);
                    if !query_word.is_stop_word() {
                        matcher.words.push((query_word, *prefix));
                    }
                }
                Term::Phrase(texts) => {
                    let phrase: Vec<QueryWord<'a>> = texts.iter().map(|text| word(text)).collect();
                    if !phrase.iter().all(QueryWord::is_stop_word) {
                        matcher.phrases.push(phrase);
                    }
                }
            }
        }
        matcher
    }

    /// The byte ranges of `text` to mark: each match a span (a phrase from its first word to
    /// its last), sorted, overlapping ones merged as FTS5 merges them.
    fn spans(&self, text: &str) -> Vec<Range<usize>> {
        let found: Vec<Range<usize>> = words(text).collect();
        let lexemes: Vec<&[String]> = found
            .iter()
            .map(|word| self.lexicon.of_word(&text[word.clone()]))
            .collect();
        // Matches as ranges of word indexes, first and last word included.
        let mut matches: Vec<(usize, usize)> = Vec::new();
        for (index, found_lexemes) in lexemes.iter().enumerate() {
            if self
                .words
                .iter()
                .any(|(word, prefix)| word.matches(found_lexemes, *prefix))
            {
                matches.push((index, index));
            }
        }
        for phrase in &self.phrases {
            matches.extend(
                (0..found.len())
                    .filter_map(|anchor| phrase_at(phrase, text, &found, &lexemes, anchor)),
            );
        }
        matches.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(matches.len());
        for (first, last) in matches {
            match merged.last_mut() {
                Some((_, end)) if first <= *end => *end = (*end).max(last),
                _ => merged.push((first, last)),
            }
        }
        merged
            .into_iter()
            .map(|(first, last)| found[first].start..found[last].end)
            .collect()
    }
}

/// The words (first and last index) of `phrase` matched with its first word that is not a stop
/// word at word `anchor` of `text`, if it matches there: each word that is not a stop word equal
/// to the text's word at its place, a stop word inside standing for any word. A stop word at
/// either end is no condition (PostgreSQL drops it from the query) and is part of the span only
/// where the text has that very word.
fn phrase_at(
    phrase: &[QueryWord<'_>],
    text: &str,
    found: &[Range<usize>],
    lexemes: &[&[String]],
    anchor: usize,
) -> Option<(usize, usize)> {
    let first = phrase.iter().position(|word| !word.is_stop_word())?;
    let last = phrase.iter().rposition(|word| !word.is_stop_word())?;
    // The index in `found` of the phrase's word `offset`, if the text has a word there.
    let at = |offset: usize| {
        (anchor + offset)
            .checked_sub(first)
            .filter(|&index| index < found.len())
    };
    for (offset, word) in phrase.iter().enumerate().take(last + 1).skip(first) {
        let index = at(offset)?;
        if !word.is_stop_word() && !word.matches(lexemes[index], false) {
            return None;
        }
    }
    let same_word = |offset: usize| {
        at(offset).is_some_and(|index| {
            text[found[index].clone()].to_lowercase() == phrase[offset].lowercase
        })
    };
    let mut begin = first;
    while begin > 0 && same_word(begin - 1) {
        begin -= 1;
    }
    let mut end = last;
    while end + 1 < phrase.len() && same_word(end + 1) {
        end += 1;
    }
    Some((at(begin)?, at(end)?))
}

#[cfg(test)]
mod tests;
