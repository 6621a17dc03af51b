//! What this store records is what the SQLite store records for the same sessions: the same
//! trash entries (sizes included) after the same removals. Search has its own such test, beside
//! the search code.

use camino::Utf8Path;
use confab_core::conformance::{at, session};
use confab_core::{CleanRule, Disposal, Message, Role, SessionStore, TrashEntry};
use confab_store_sqlite::SqliteStore;

use crate::tests::{Schema, server};

/// Removes the same sessions from `store` as from every other: two trashed by name, the rest by
/// a clean, at fixed times.
fn remove_some(store: &mut impl SessionStore) -> Vec<TrashEntry> {
    // Times of every length of fraction: the documents' sizes follow their text.
    let times = [
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.5Z",
        "2026-01-01T00:00:00.123456789Z",
        "2026-01-01T00:00:00.1234567Z",
    ];
    for (index, time) in times.iter().enumerate() {
        let mut session = session(&format!("s{index}"));
        session.imported_at = Some(at(time));
        session.updated_at = at(time);
        session.messages.push(Message::new(
            Role::User,
            "An emoji 🚀 and 日本 and <b>markup</b>: which pods? \u{7f} \"quoted\" \\ back",
        ));
        store.create(&session).expect("created");
    }
    store
        .trash(
            &["s0".to_owned(), "s2".to_owned()],
            at("2026-02-01T00:00:00.25Z"),
        )
        .expect("trashed");
    store
        .clean(
            &CleanRule::default(),
            Disposal::Trash {
                trashed_at: at("2026-03-01T00:00:00Z"),
            },
        )
        .expect("cleaned");
    store.trash_list().expect("lists")
}

#[test]
fn trash_entries_are_the_sqlite_stores_entries() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = Utf8Path::from_path(dir.path())
        .expect("UTF-8 temp dir")
        .join("sessions.db");
    let on_sqlite = remove_some(&mut SqliteStore::open(&path).expect("opens"));
    let on_postgres = remove_some(&mut schema.store());
    assert_eq!(on_postgres.len(), 4);
    assert_eq!(on_postgres, on_sqlite);
}
