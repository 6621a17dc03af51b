//! The PostgreSQL store's tests: the conformance suite every store passes, and what only this
//! store has (migrations, the query text it builds).
//!
//! The server comes from [`crate::testing`]; TLS and connection settings are tested in
//! `connect/tests.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};

use confab_core::{SessionStore, StoreError};
use postgres::Client;

use super::testing::client;
pub(crate) use super::testing::server;
use super::{PostgresStore, migrations, search_query};

/// A schema of its own for one check, dropped with the guard.
pub(crate) struct Schema {
    url: &'static str,
    name: String,
}

impl Schema {
    pub(crate) fn new(url: &'static str) -> Schema {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "confab_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = client(url);
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("schema created");
        Schema { url, name }
    }

    fn client(&self) -> Client {
        let mut client = client(self.url);
        client
            .batch_execute(&format!("SET search_path TO {}", self.name))
            .expect("search path set");
        client
    }

    pub(crate) fn store(&self) -> PostgresStore {
        PostgresStore::open(self.client()).expect("opens")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let admin = crate::ConnectionSettings::resolve(self.url, &crate::Environment::current())
            .ok()
            .and_then(|settings| crate::connect::open(&settings).ok());
        if let Some(mut admin) = admin {
            let _ = admin.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
        }
    }
}

#[test]
fn the_store_passes_the_conformance_suite() {
    let Some(url) = server() else { return };
    confab_core::conformance::run_all(|| {
        let schema = Schema::new(url);
        let store = schema.store();
        (schema, store)
    });
}

#[test]
fn migrations_run_once_even_when_processes_open_a_new_database_together() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let clients: Vec<Client> = (0..4).map(|_| schema.client()).collect();
    let opened: Vec<Result<PostgresStore, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .into_iter()
            .map(|client| scope.spawn(move || PostgresStore::open(client)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("no panic"))
            .collect()
    });
    assert!(opened.iter().all(Result::is_ok), "{opened:?}");
    let versions: Vec<i64> = schema
        .client()
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .expect("reads")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let expected: Vec<i64> = (1..=migrations::CURRENT).collect();
    assert_eq!(versions, expected);
    let mut store = schema.store();
    store
        .create(&confab_core::conformance::session("kept"))
        .expect("created");
    drop(store);
    assert!(
        schema.store().exists("kept").expect("reads"),
        "reopening keeps the data"
    );
}

#[test]
fn a_database_from_a_newer_confab_is_refused() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    drop(schema.store());
    schema
        .client()
        .execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&(migrations::CURRENT + 1)],
        )
        .expect("inserted");
    assert!(matches!(
        PostgresStore::open(schema.client()),
        Err(StoreError::NewerSchema { found, .. }) if found == migrations::CURRENT + 1
    ));
}

#[test]
fn list_reads_no_message_bodies() {
    // `list` must not read `messages`: revoke it, and list still works.
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    store
        .create(&confab_core::conformance::session("s1"))
        .expect("created");
    store
        .client
        .get_mut()
        .batch_execute("ALTER TABLE messages RENAME TO messages_hidden")
        .expect("hidden");
    assert_eq!(store.list().expect("lists")[0].message_count, 3);
    assert!(store.get("s1").is_err(), "get does read messages");
}

#[test]
fn concurrent_appends_on_fresh_counts_lose_nothing() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let writers = [schema.store(), schema.store()];
    confab_core::conformance::concurrent_appends_on_fresh_counts_lose_nothing(writers);
    let positions: Vec<i64> = schema
        .client()
        .query("SELECT position FROM messages ORDER BY position", &[])
        .expect("reads")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        positions,
        (0..100).collect::<Vec<i64>>(),
        "contiguous, each once"
    );
}

#[test]
fn a_version_1_database_gains_authors_and_keeps_its_sessions() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut client = schema.client();
    client
        .batch_execute(migrations::MIGRATIONS[0])
        .expect("version 1");
    client
        .batch_execute(
            r#"CREATE TABLE schema_migrations (version bigint PRIMARY KEY,
                   applied_at timestamptz NOT NULL DEFAULT now());
               INSERT INTO schema_migrations (version) VALUES (1);
               INSERT INTO sessions (name, provider, model, message_count, updated_ns, header)
               VALUES ('old', 'openai', 'gpt-4o', 0, 0,
                   '{"name":"old","provider":"openai","model":"gpt-4o","skill":null,"project_path":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","imported_at":null,"metadata":null,"context":null}');"#,
        )
        .expect("version 1 data");
    let mut store = PostgresStore::open(client).expect("upgrades");
    let old = store.get("old").expect("kept");
    assert_eq!((old.created_by, old.updated_by), (None, None));
    store
        .append_messages(
            "old",
            &[confab_core::Message::new(confab_core::Role::User, "hi")],
            &confab_core::SessionUpdate {
                by: Some("ana".into()),
                expected_messages: Some(0),
                ..confab_core::SessionUpdate::at(confab_core::conformance::at(
                    "2026-02-01T00:00:00Z",
                ))
            },
        )
        .expect("appended");
    let listed = &store.list().expect("lists")[0];
    assert_eq!(
        (listed.created_by.as_deref(), listed.updated_by.as_deref()),
        (None, Some("ana"))
    );
}

#[test]
fn authors_live_in_their_columns_alone() {
    // One copy: the header leaves them out, so an append that sets `updated_by` leaves no stale
    // copy behind.
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    store
        .create(&confab_core::conformance::session("s1"))
        .expect("created");
    let row = schema
        .client()
        .query_one(
            "SELECT header, created_by, updated_by FROM sessions WHERE name = 's1'",
            &[],
        )
        .expect("reads");
    let header: &str = row.get(0);
    assert!(
        !header.contains("created_by") && !header.contains("updated_by"),
        "{header}"
    );
    assert_eq!(
        (
            row.get::<_, Option<String>>(1),
            row.get::<_, Option<String>>(2)
        ),
        (Some("ana".to_owned()), Some("Björn Ström".to_owned()))
    );
}

#[test]
fn user_text_reaches_the_query_only_as_words() {
    assert_eq!(
        search_query("pods pending"),
        Some("pods:* & pending:*".into())
    );
    assert_eq!(
        search_query("a:* | !b & (c) <-> 'd' \\e"),
        Some("a & b & c & d & e".into())
    );
    assert_eq!(
        search_query("xs \"pods  pending\" ys"),
        Some("xs:* & (pods <-> pending) & ys:*".into())
    );
    assert_eq!(
        search_query("\"unclosed phrase"),
        Some("(unclosed <-> phrase)".into())
    );
    assert_eq!(
        search_query("héllo wörld"),
        Some("héllo:* & wörld:*".into())
    );
    assert_eq!(search_query(" -- \" ' "), None);
    assert_eq!(search_query("a pods Pods a"), Some("a & pods:*".into()));
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let error = PostgresStore::connect("host=127.0.0.1 port=1 user=nobody connect_timeout=2")
        .expect_err("nothing listens on port 1");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

#[test]
fn connect_falls_back_to_plain_text_only_when_tls_is_not_required() {
    // The throw-away server has no certificate: `prefer` (the default) connects in plain text,
    // `require` refuses, which shows TLS is asked for first.
    let Some(url) = server() else { return };
    if std::env::var("CONFAB_TEST_POSTGRES").is_ok() {
        return; // that server may well have TLS
    }
    let mut store = PostgresStore::connect(url).expect("prefer falls back");
    store
        .create(&confab_core::conformance::session("s1"))
        .expect("created");
    assert!(store.exists("s1").expect("reads"));
    store.delete(&["s1".into()]).expect("deleted");
    let error = PostgresStore::connect(&format!("{url} sslmode=require"))
        .expect_err("the server has no TLS");
    assert!(error.to_string().contains("TLS"), "{error}");
}

/// A message of every shape `insert_messages` must keep: `i % 3 == 0` has no optional field at
/// all (its columns must be NULL), the others have some or all of them, with times at the edges
/// of what a timestamp holds, so the nanoseconds must survive the `numeric` cast exactly.
fn message_number(i: usize) -> confab_core::Message {
    use confab_core::{Message, Role, TokenUsage, conformance::at};
    let mut message = Message::new(
        if i.is_multiple_of(2) {
            Role::User
        } else {
            Role::Assistant
        },
        format!("message {i} about kubernetes pods"),
    );
    match i % 3 {
        0 => {}
        1 => {
            message.created_at = Some(at("9999-12-30T21:59:59.999999999Z"));
            message.provider = Some("openai".into());
            message.model = Some("gpt-4o".into());
            message.usage = Some(TokenUsage {
                input_tokens: Some(i as u64),
                output_tokens: None,
                cached_input_tokens: Some(u64::MAX),
                cache_write_tokens: None,
                reasoning_tokens: Some(3),
            });
        }
        _ => {
            message.created_at = Some(at("0001-01-01T00:00:00.000000001Z"));
            message.model = Some("llama3".into());
        }
    }
    message
}

#[test]
fn sessions_larger_than_one_insert_round_trip_exactly() {
    // More messages than one statement carries, created and then appended to across a batch's
    // edge: every message comes back as written, every column holds what it held when each
    // message had its own INSERT (NULL where a field is absent), the positions are contiguous.
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    let created = super::MESSAGES_PER_INSERT * 2 + 500;
    let appended = super::MESSAGES_PER_INSERT + 200;
    let mut session = confab_core::conformance::session("big");
    session.messages = (0..created).map(message_number).collect();
    store.create(&session).expect("created");
    assert_eq!(store.get("big").expect("reads"), session);

    let more: Vec<_> = (created..created + appended).map(message_number).collect();
    let mut update =
        confab_core::SessionUpdate::at(confab_core::conformance::at("2026-02-01T00:00:00Z"));
    update.expected_messages = Some(created as u64);
    store
        .append_messages("big", &more, &update)
        .expect("appended");
    let stored = store.get("big").expect("reads");
    session.messages.extend(more);
    assert_eq!(stored.messages, session.messages);

    let mut client = schema.client();
    let positions: Vec<i64> = client
        .query("SELECT position FROM messages ORDER BY position", &[])
        .expect("reads")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let total = created + appended;
    assert_eq!(positions, (0..total as i64).collect::<Vec<i64>>());
    let rows = client
        .query(
            "SELECT position, role, provider, model, created_ns::text, content, input_tokens, \
             output_tokens, cached_input_tokens, cache_write_tokens, reasoning_tokens, \
             tsv @@ to_tsquery('english', 'pod') \
             FROM messages ORDER BY position",
            &[],
        )
        .expect("reads");
    for row in &rows {
        let i = usize::try_from(row.get::<_, i64>(0)).expect("position");
        let message = message_number(i);
        let usage = message.usage.unwrap_or_default();
        let tokens =
            |count: Option<u64>| count.map(|count| i64::try_from(count).unwrap_or(i64::MAX));
        assert_eq!(row.get::<_, &str>(1), message.role.as_str(), "{i}");
        assert_eq!(row.get::<_, Option<String>>(2), message.provider, "{i}");
        assert_eq!(row.get::<_, Option<String>>(3), message.model, "{i}");
        assert_eq!(
            row.get::<_, Option<String>>(4),
            message.created_at.map(|at| at.as_nanosecond().to_string()),
            "{i}"
        );
        assert_eq!(row.get::<_, &str>(5), message.content, "{i}");
        assert_eq!(
            [6, 7, 8, 9, 10].map(|column| row.get::<_, Option<i64>>(column)),
            [
                tokens(usage.input_tokens),
                tokens(usage.output_tokens),
                tokens(usage.cached_input_tokens),
                tokens(usage.cache_write_tokens),
                tokens(usage.reasoning_tokens),
            ],
            "{i}"
        );
        assert!(row.get::<_, bool>(11), "{i}: the tsvector is generated");
    }
    let nulls: i64 = client
        .query_one(
            "SELECT count(*) FROM messages WHERE provider IS NULL AND model IS NULL \
             AND created_ns IS NULL AND input_tokens IS NULL AND reasoning_tokens IS NULL",
            &[],
        )
        .expect("counts")
        .get(0);
    assert_eq!(
        nulls,
        total.div_ceil(3) as i64,
        "the bare messages store NULLs"
    );
}
