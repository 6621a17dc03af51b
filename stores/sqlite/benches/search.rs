//! Benchmarks of `search` where FTS5's own `snippet()` was quadratic: many matches of one word.
//!
//! Three cases, each on a store of one session whose first message is the text named:
//!
//! - `message of 40000 repeated words`: the message is one word 40,000 times; the query is that
//!   word, so one hit has 40,000 matches to highlight.
//! - `query of 40000 repeated words`: one word 40,000 times as the query (what pasting a long
//!   log line of one word does), on a message holding that word once.
//! - `query of 20000 distinct words`: 20,000 different words as the query, on a message of
//!   those words: the linear case, for scale.
//!
//! Run with `cargo bench -p confab-store-sqlite --bench search`. With `CONFAB_BENCH_ONCE=1` each
//! case is instead timed once and printed, for code too slow to sample (the figures before the
//! fix took minutes a call); `CONFAB_BENCH_ONCE=distinct` times only the cases whose name holds
//! that word.

use std::hint::black_box;
use std::time::{Duration, Instant};

use camino::Utf8PathBuf;
use confab_core::{Message, Role, SearchQuery, Session, SessionStore};
use confab_store_sqlite::SqliteStore;
use criterion::Criterion;
use jiff::Timestamp;
use tempfile::TempDir;

/// A store of one session whose first message is `text`.
fn store_with(text: String) -> (TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let path = Utf8PathBuf::from_path_buf(dir.path().join("sessions.db")).expect("UTF-8 path");
    let start: Timestamp = "2026-01-05T09:00:00Z".parse().expect("a valid timestamp");
    let mut store = SqliteStore::open(&path).expect("create the store");
    store
        .create(&Session {
            name: "many-words".to_owned(),
            provider: "openai".to_owned(),
            model: "gpt-4o".to_owned(),
            skill: None,
            project_path: None,
            created_at: start,
            updated_at: start,
            imported_at: None,
            created_by: None,
            updated_by: None,
            metadata: None,
            context: None,
            messages: vec![
                Message::new(Role::User, text),
                Message::new(Role::Assistant, "noted"),
            ],
        })
        .expect("create the session");
    (dir, store)
}

fn query(text: String) -> SearchQuery {
    SearchQuery {
        text,
        limit: 20,
        ..SearchQuery::default()
    }
}

/// The cases: a name, a store and a query that must find one hit.
fn cases() -> Vec<(&'static str, (TempDir, SqliteStore), SearchQuery)> {
    let repeated = vec!["word"; 40_000].join(" ");
    let distinct: Vec<String> = (0..20_000).map(|index| format!("w{index}")).collect();
    let distinct = distinct.join(" ");
    vec![
        (
            "message of 40000 repeated words",
            store_with(repeated.clone()),
            query("word".to_owned()),
        ),
        (
            "query of 40000 repeated words",
            store_with("a message with the word in it once".to_owned()),
            query(repeated),
        ),
        (
            "query of 20000 distinct words",
            store_with(distinct.clone()),
            query(distinct),
        ),
    ]
}

fn search(c: &mut Criterion) {
    let cases = cases();
    let mut group = c.benchmark_group("search");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    for (name, (_dir, store), query) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| black_box(store.search(query).expect("search")))
        });
    }
    group.finish();
}

#[allow(clippy::print_stdout, reason = "the one-shot mode prints its figures")]
fn main() {
    if let Some(only) = std::env::var_os("CONFAB_BENCH_ONCE") {
        let only = only.to_string_lossy().into_owned();
        for (name, (_dir, store), query) in cases() {
            if only != "1" && !name.contains(&only) {
                continue;
            }
            let start = Instant::now();
            let hits = store.search(&query).expect("search");
            println!(
                "search/{name}: {:.3} s ({} hits)",
                start.elapsed().as_secs_f64(),
                hits.len()
            );
        }
        return;
    }
    let mut criterion = Criterion::default().configure_from_args();
    search(&mut criterion);
    criterion.final_summary();
}
