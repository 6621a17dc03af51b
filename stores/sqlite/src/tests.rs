use confab_core::{
    Context, Message, Role, Session, SessionStore, StoreError, TokenUsage, ToolCall,
};
use jiff::Timestamp;
use serde_json::json;

use super::SqliteStore;

fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

fn session(name: &str) -> Session {
    let mut answer = Message::new(Role::Assistant, "ls says:\n```\na b\n```");
    answer.created_at = Some(at("2025-10-29T15:20:05.000211123Z"));
    answer.usage = Some(TokenUsage {
        input_tokens: Some(12),
        output_tokens: None,
    });
    answer.tool_calls.push(ToolCall {
        id: "c1".into(),
        name: "ls".into(),
        arguments: json!({"path": "/"}),
    });
    answer.model = Some("gpt-4o".into());
    let mut result = Message::new(Role::Tool, "a b");
    result.tool_call_id = Some("c1".into());
    result.archived = true;
    Session {
        name: name.to_owned(),
        provider: "openai".into(),
        model: "gpt-4o".into(),
        skill: Some("sre".into()),
        project_path: Some("/srv/x".into()),
        created_at: at("0001-01-01T00:00:00Z"),
        updated_at: at("2025-10-29T16:45:00.5Z"),
        imported_at: Some(at("2026-01-01T00:00:00Z")),
        metadata: Some(serde_json::Map::from_iter([(
            "tags".to_owned(),
            json!(["a", {"b": 1.5}]),
        )])),
        context: Some(Context {
            project_instructions: Some("be nice".into()),
            files_accessed: vec!["a.rs".into()],
            working_directory: None,
        }),
        messages: vec![Message::new(Role::User, "héllo 🙂"), answer, result],
    }
}

fn temp_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path =
        camino::Utf8PathBuf::from_path_buf(dir.path().join(".confab/sessions.db")).expect("utf-8");
    let store = SqliteStore::open(&path).expect("opens");
    (dir, store)
}

#[test]
fn a_created_session_reads_back_equal() {
    let (_dir, mut store) = temp_store();
    let original = session("s1");
    store.create(&original).expect("created");
    assert_eq!(store.get("s1").expect("found"), original);
}

#[test]
fn names_are_unique_and_checked() {
    let (_dir, mut store) = temp_store();
    store.create(&session("s1")).expect("created");
    assert!(matches!(
        store.create(&session("s1")),
        Err(StoreError::AlreadyExists { .. })
    ));
    assert!(matches!(
        store.create(&session("../x")),
        Err(StoreError::InvalidName(_))
    ));
    assert!(matches!(
        store.get("nope"),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn list_shows_summaries_by_name() {
    let (_dir, mut store) = temp_store();
    let mut old = session("old");
    old.updated_at = at("2020-01-01T00:00:00Z");
    store.create(&old).expect("created");
    store.create(&session("new")).expect("created");
    let list = store.list().expect("lists");
    let names: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["new", "old"]);
    store.create(&session("a-first")).expect("created");
    assert_eq!(store.list().expect("lists")[0].name, "a-first");
    assert_eq!(list[0].message_count, 3);
    assert_eq!(list[0], session("new").summary());
}

#[test]
fn appending_continues_the_conversation_and_the_count() {
    let (_dir, mut store) = temp_store();
    store.create(&session("s1")).expect("created");
    let more = [
        Message::new(Role::User, "and then?"),
        Message::new(Role::Assistant, "done"),
    ];
    let when = at("2026-02-02T02:02:02Z");
    store.append_messages("s1", &more, when).expect("appended");
    let stored = store.get("s1").expect("found");
    assert_eq!(stored.messages.len(), 5);
    assert_eq!(stored.messages[3].content, "and then?");
    assert_eq!(stored.updated_at, when);
    assert_eq!(store.list().expect("lists")[0].message_count, 5);
    assert!(matches!(
        store.append_messages("nope", &more, when),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn replace_swaps_the_whole_session() {
    let (_dir, mut store) = temp_store();
    store.create(&session("s1")).expect("created");
    let mut newer = session("s1");
    newer.messages.truncate(1);
    newer.model = "o3".into();
    store.replace(&newer).expect("replaced");
    assert_eq!(store.get("s1").expect("found"), newer);
    store
        .replace(&session("fresh"))
        .expect("replace adds a missing session");
    assert_eq!(store.list().expect("lists").len(), 2);
}

#[test]
fn delete_is_all_or_nothing() {
    let (_dir, mut store) = temp_store();
    store.create(&session("a")).expect("created");
    store.create(&session("b")).expect("created");
    let error = store
        .delete(&["a".into(), "zzz".into()])
        .expect_err("unknown name");
    assert!(matches!(error, StoreError::NotFound { ref name } if name == "zzz"));
    assert_eq!(store.list().expect("lists").len(), 2, "nothing was deleted");
    store.delete(&["a".into(), "b".into()]).expect("deleted");
    assert!(store.list().expect("lists").is_empty());
    let orphans: i64 = store
        .connection
        .query_row("SELECT count(*) FROM messages", [], |row| row.get(0))
        .expect("count");
    assert_eq!(orphans, 0, "messages go with their session");
}

#[test]
fn two_connections_write_at_once() {
    let (dir, _store) = temp_store();
    let path =
        camino::Utf8PathBuf::from_path_buf(dir.path().join(".confab/sessions.db")).expect("utf-8");
    let writers: Vec<_> = (0..2)
        .map(|writer| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut store = SqliteStore::open(&path).expect("opens");
                for index in 0..25 {
                    store
                        .create(&session(&format!("w{writer}-{index}")))
                        .expect("no lock error");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer finished");
    }
    let store = SqliteStore::open(&path).expect("opens");
    assert_eq!(store.list().expect("lists").len(), 50);
}

#[test]
fn open_existing_creates_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path =
        camino::Utf8PathBuf::from_path_buf(dir.path().join(".confab/sessions.db")).expect("utf-8");
    assert!(
        SqliteStore::open_existing(&path)
            .expect("no error")
            .is_none()
    );
    assert!(!path.exists());
}

#[test]
fn a_store_from_a_newer_confab_is_refused() {
    let (dir, store) = temp_store();
    store
        .connection
        .pragma_update(None, "user_version", 999)
        .expect("set");
    drop(store);
    let path =
        camino::Utf8PathBuf::from_path_buf(dir.path().join(".confab/sessions.db")).expect("utf-8");
    let error = SqliteStore::open(&path).expect_err("refused");
    assert!(
        matches!(error, StoreError::NewerSchema { found: 999, .. }),
        "{error}"
    );
}

#[test]
fn timestamps_are_stored_as_numbers() {
    let (_dir, mut store) = temp_store();
    store.create(&session("s1")).expect("created");
    let kind: String = store
        .connection
        .query_row(
            "SELECT typeof(updated_at) || typeof(updated_at_ns) FROM sessions",
            [],
            |row| row.get(0),
        )
        .expect("typeof");
    assert_eq!(kind, "integerinteger");
}
