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
