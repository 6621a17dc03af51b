//! Benchmarks of the SQLite session store: `list`, and the `delete` that `confab sessions clean`
//! runs.
//!
//! `list` backs `confab sessions list` and the first step of `clean`, so it must stay fast on a
//! large store. It must not read message bodies: it reads only the `sessions` table, whose
//! `message_count` column is kept in step with the messages. The target is under 30 ms for
//! 10,000 sessions holding 1,000,000 messages (100 each, about 200 bytes of text each). Two more
//! stores check the shape of the cost: 1,000 sessions × 100 messages (ten times fewer sessions,
//! so about a tenth of the time if the cost is linear in sessions) and 10,000 sessions × 10
//! messages (ten times fewer messages, so about the same time if message bodies are not read).
//!
//! `delete` measures the store work of `clean` after its `list`: one `delete` call naming 1,000
//! sessions of 100 messages each (100,000 messages removed by `ON DELETE CASCADE`), in one
//! transaction. Each iteration needs a store that still has those sessions. Building one through
//! `create` takes longer than the delete itself, so the 1,000 × 100 store is built once, closed
//! (which checkpoints its WAL into the main file), and each iteration's setup copies that file to
//! a fresh folder and opens the copy, as a `confab` command opens its store. Only the `delete`
//! call is timed; the copy, the open and the close are not.
//!
//! Every store is populated through the public API (`SessionStore::create`, one transaction per
//! session) and reopened before it is measured, so the measured connection starts as a command's
//! would. Run with `cargo bench -p confab-store-sqlite`.

use std::hint::black_box;
use std::time::Duration;

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{Message, Role, Session, SessionStore};
use confab_store_sqlite::SqliteStore;
use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use jiff::{SignedDuration, Timestamp};
use tempfile::TempDir;

/// About 200 bytes of text, the body of every message (after a short numbered prefix).
const FILLER: &str = "The deployment failed because the health check timed out after thirty \
    seconds; the service needs about forty to warm its caches. Raise the timeout, or serve \
    readiness only once the caches are loaded, then retry.";

/// A temporary folder, removed when dropped, and its path as UTF-8.
fn temp_dir() -> (TempDir, Utf8PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let path = Utf8PathBuf::from_path_buf(dir.path().to_path_buf())
        .expect("the temporary folder's path is UTF-8");
    (dir, path)
}

/// The name of session number `index`.
fn session_name(index: usize) -> String {
    format!("session-{index:05}")
}

/// Creates a store at `path` with `sessions` sessions of `messages` messages each, and closes it.
fn populate(path: &Utf8Path, sessions: usize, messages: usize) {
    let start: Timestamp = "2026-01-05T09:00:00Z".parse().expect("a valid timestamp");
    let mut session = Session {
        name: String::new(),
        provider: "openai".to_owned(),
        model: "gpt-4o".to_owned(),
        skill: None,
        project_path: Some("/srv/project".to_owned()),
        created_at: start,
        updated_at: start,
        imported_at: None,
        created_by: None,
        updated_by: None,
        metadata: None,
        context: None,
        messages: (0..messages)
            .map(|index| {
                let role = if index % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                };
                let mut message = Message::new(role, format!("{index:03}: {FILLER}"));
                message.created_at = Some(start);
                message
            })
            .collect(),
    };
    let mut store = SqliteStore::open(path).expect("create the store");
    for index in 0..sessions {
        let offset = SignedDuration::from_mins(index as i64);
        let created = start.checked_add(offset).expect("timestamp in range");
        session.name = session_name(index);
        session.created_at = created;
        session.updated_at = created
            .checked_add(SignedDuration::from_mins(30))
            .expect("timestamp in range");
        session.imported_at = (index % 2 == 0).then_some(created);
        store.create(&session).expect("create a session");
    }
}

/// Opens the store at `path`, which must exist.
fn open(path: &Utf8Path) -> SqliteStore {
    SqliteStore::open_existing(path)
        .expect("open the store")
        .expect("the store exists")
}

fn list(c: &mut Criterion) {
    let (_dir, dir_path) = temp_dir();
    let cases = [(10_000, 100), (1_000, 100), (10_000, 10)];
    let stores: Vec<(String, SqliteStore, usize)> = cases
        .into_iter()
        .map(|(sessions, messages)| {
            let path = dir_path.join(format!("{sessions}x{messages}.db"));
            populate(&path, sessions, messages);
            (
                format!("{sessions} sessions x {messages} messages"),
                open(&path),
                sessions,
            )
        })
        .collect();

    let mut group = c.benchmark_group("list");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (id, store, sessions) in &stores {
        let listed = store.list().expect("list the sessions");
        assert_eq!(listed.len(), *sessions, "the store holds every session");
        group.bench_function(id.as_str(), |b| {
            b.iter(|| black_box(store.list().expect("list the sessions")));
        });
    }
    group.finish();
}

fn delete(c: &mut Criterion) {
    const SESSIONS: usize = 1_000;
    const MESSAGES: usize = 100;
    let (_dir, dir_path) = temp_dir();
    let template = dir_path.join("template.db");
    populate(&template, SESSIONS, MESSAGES);
    // Closing the last connection checkpointed the WAL into the main file and removed it, so the
    // main file alone is the whole store.
    assert!(
        !dir_path.join("template.db-wal").exists(),
        "the template store's WAL was checkpointed on close"
    );
    let names: Vec<String> = (0..SESSIONS).map(session_name).collect();

    let mut group = c.benchmark_group("delete");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.bench_function(format!("{SESSIONS} sessions x {MESSAGES} messages"), |b| {
        b.iter_batched_ref(
            || {
                let (dir, path) = temp_dir();
                let copy = path.join("sessions.db");
                std::fs::copy(&template, &copy).expect("copy the template store");
                (dir, open(&copy))
            },
            |(_dir, store)| store.delete(&names).expect("delete the sessions"),
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, list, delete);
criterion_main!(benches);
