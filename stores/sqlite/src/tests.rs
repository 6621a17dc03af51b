use confab_core::{
    Context, Message, Role, Session, SessionStore, SessionUpdate, StoreError, TokenUsage, ToolCall,
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
        cached_input_tokens: Some(4),
        cache_write_tokens: None,
        reasoning_tokens: Some(3),
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
fn store_all_writes_every_session_or_none() {
    let (_dir, mut store) = temp_store();
    store.create(&session("taken")).expect("created");
    let batch = [session("a"), session("taken"), session("b")];

    let refused = store.store_all(&batch, false);
    assert!(matches!(refused, Err(StoreError::AlreadyExists { name }) if name == "taken"));
    let names = |store: &SqliteStore| -> Vec<String> {
        let list = store.list().expect("lists");
        list.into_iter().map(|summary| summary.name).collect()
    };
    assert_eq!(names(&store), ["taken"], "a refused batch stores nothing");

    let mut replacement = session("taken");
    replacement.model = "other".into();
    store
        .store_all(&[session("a"), replacement.clone(), session("b")], true)
        .expect("stored with overwrite");
    assert_eq!(names(&store), ["a", "b", "taken"]);
    assert_eq!(store.get("taken").expect("found"), replacement);
    assert_eq!(store.get("a").expect("found"), session("a"));
}

#[test]
fn metadata_values_are_read_without_messages() {
    let (_dir, mut store) = temp_store();
    let mut keyed = session("keyed");
    keyed.metadata = Some(serde_json::Map::from_iter([(
        "imported_from".to_owned(),
        json!({"tool": "codex", "bytes": 12}),
    )]));
    let mut text = session("text");
    text.metadata = Some(serde_json::Map::from_iter([(
        "imported_from".to_owned(),
        json!("plain"),
    )]));
    store.create(&keyed).expect("created");
    store.create(&text).expect("created");
    store.create(&session("other")).expect("created");
    assert_eq!(
        store.metadata_values("imported_from").expect("read"),
        [
            ("keyed".to_owned(), json!({"tool": "codex", "bytes": 12})),
            ("text".to_owned(), json!("plain")),
        ]
    );
    assert!(
        store
            .metadata_values("no.such key")
            .expect("read")
            .is_empty()
    );
}

#[test]
fn exists_tells_a_name_taken_from_a_free_one() {
    let (_dir, mut store) = temp_store();
    assert!(!store.exists("s1").expect("reads"));
    store.create(&session("s1")).expect("created");
    assert!(store.exists("s1").expect("reads"));
    assert!(!store.exists("s2").expect("reads"), "only that exact name");
    assert!(
        !store.exists("S1").expect("reads"),
        "names are case-sensitive"
    );
    assert!(
        !store.exists("../x").expect("reads"),
        "an invalid name is simply absent"
    );
    store.delete(&["s1".to_owned()]).expect("deleted");
    assert!(!store.exists("s1").expect("reads"));
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
    store
        .append_messages("s1", &more, &SessionUpdate::at(when))
        .expect("appended");
    let stored = store.get("s1").expect("found");
    assert_eq!(stored.messages.len(), 5);
    assert_eq!(stored.messages[3].content, "and then?");
    assert_eq!(stored.updated_at, when);
    assert_eq!(
        (stored.provider.as_str(), stored.model.as_str()),
        ("openai", "gpt-4o")
    );
    assert_eq!(store.list().expect("lists")[0].message_count, 5);
    assert!(matches!(
        store.append_messages("nope", &more, &SessionUpdate::at(when)),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn appending_can_switch_the_model_and_metadata_in_the_same_transaction() {
    let (_dir, mut store) = temp_store();
    store.create(&session("s1")).expect("created");
    let mut metadata = serde_json::Map::new();
    metadata.insert("switched".to_owned(), serde_json::Value::Bool(true));
    let update = SessionUpdate {
        updated_at: at("2026-03-03T03:03:03Z"),
        provider_model: Some(("anthropic".to_owned(), "claude".to_owned())),
        metadata: Some(metadata.clone()),
    };
    store
        .append_messages("s1", &[Message::new(Role::User, "now you")], &update)
        .expect("appended");
    let stored = store.get("s1").expect("found");
    assert_eq!(
        (stored.provider.as_str(), stored.model.as_str()),
        ("anthropic", "claude")
    );
    assert_eq!(stored.metadata, Some(metadata));
    let listed = &store.list().expect("lists")[0];
    assert_eq!(
        (listed.provider.as_str(), listed.message_count),
        ("anthropic", 4)
    );
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
fn a_name_given_twice_is_deleted_once() {
    let (_dir, mut store) = temp_store();
    store.create(&session("a")).expect("created");
    store.create(&session("b")).expect("created");
    store
        .delete(&["a".into(), "b".into(), "a".into()])
        .expect("duplicates are one name");
    assert!(store.list().expect("lists").is_empty());
}

#[test]
fn rename_moves_the_whole_session_to_the_new_name() {
    let (_dir, mut store) = temp_store();
    let original = session("old");
    store.create(&original).expect("created");
    store.create(&session("taken")).expect("created");
    store.update_index().expect("indexed");

    store.rename("old", "new").expect("renamed");
    let renamed = store.get("new").expect("found under the new name");
    assert_eq!(
        renamed,
        Session {
            name: "new".into(),
            ..original.clone()
        },
        "everything else stays, the update time too"
    );
    assert!(!store.exists("old").expect("reads"), "the old name is free");
    // The index is keyed by message, not by name: its hits carry the new name at once, and the
    // name itself is found by its new spelling.
    let query = |text: &str| confab_core::SearchQuery {
        text: text.into(),
        limit: 10,
        ..Default::default()
    };
    let hits = store.search(&query("says")).expect("searches");
    assert!(
        hits.iter().all(|hit| hit.session != "old") && hits.iter().any(|hit| hit.session == "new"),
        "{hits:?}"
    );
    let by_name = store.search(&query("new")).expect("searches");
    assert_eq!(by_name[0].message, None, "{by_name:?}");

    assert!(matches!(
        store.rename("old", "other"),
        Err(StoreError::NotFound { name }) if name == "old"
    ));
    assert!(matches!(
        store.rename("new", "taken"),
        Err(StoreError::AlreadyExists { name }) if name == "taken"
    ));
    assert!(matches!(
        store.rename("new", "../x"),
        Err(StoreError::InvalidName(_))
    ));
    store
        .rename("new", "new")
        .expect("its own name changes nothing");
    let names: Vec<String> = store
        .list()
        .expect("lists")
        .into_iter()
        .map(|summary| summary.name)
        .collect();
    assert_eq!(names, ["new", "taken"], "a refused rename changes nothing");
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

mod search {
    use confab_core::{HIGHLIGHT_END, HIGHLIGHT_START, SearchQuery};

    use super::*;

    fn chat(name: &str, provider: &str, texts: &[(&str, Role)]) -> Session {
        let mut session = session(name);
        session.provider = provider.to_owned();
        session.messages = texts
            .iter()
            .map(|(text, role)| {
                let mut message = Message::new(*role, *text);
                message.created_at = Some(at("2026-01-01T00:00:00Z"));
                message
            })
            .collect();
        session
    }

    fn query(text: &str) -> SearchQuery {
        SearchQuery {
            text: text.to_owned(),
            limit: 20,
            ..SearchQuery::default()
        }
    }

    fn sessions_of(store: &SqliteStore, query: &SearchQuery) -> Vec<(String, Option<u64>)> {
        store
            .search(query)
            .expect("searches")
            .into_iter()
            .map(|hit| (hit.session, hit.message.map(|(index, _)| index)))
            .collect()
    }

    #[test]
    fn a_word_repeated_forty_thousand_times_is_searched_in_linear_time() {
        // FTS5's snippet() scored every window against every match: minutes for this message.
        let (_dir, mut store) = temp_store();
        let repeated = vec!["word"; 40_000].join(" ");
        store
            .create(&chat("many", "openai", &[(repeated.as_str(), Role::User)]))
            .expect("created");
        let hits = store.search(&query("word")).expect("searches");
        assert_eq!(hits.len(), 1);
        let shown = hits[0]
            .snippet
            .replace(confab_core::HIGHLIGHT_START, "[")
            .replace(confab_core::HIGHLIGHT_END, "]");
        assert_eq!(shown, format!("{}…", vec!["[word]"; 16].join(" ")));
        // And the same word pasted 40,000 times as the query.
        assert_eq!(
            sessions_of(&store, &query(&repeated)),
            [("many".to_owned(), Some(0))]
        );
    }

    fn store_with_chats() -> (tempfile::TempDir, SqliteStore) {
        let (dir, mut store) = temp_store();
        store
            .create(&chat(
                "eks",
                "openai",
                &[
                    ("Why are pods pending in the cluster?", Role::User),
                    (
                        "Pending pods: the cluster has no CPU left. Pending, pending.",
                        Role::Assistant,
                    ),
                ],
            ))
            .expect("created");
        store
            .create(&chat(
                "vpc",
                "anthropic",
                &[
                    ("Move the vpc to a new CIDR", Role::User),
                    ("One pod was pending during the move.", Role::Assistant),
                ],
            ))
            .expect("created");
        (dir, store)
    }

    #[test]
    fn hits_are_ranked_and_highlighted() {
        let (_dir, store) = store_with_chats();
        let hits = store.search(&query("pending")).expect("searches");
        assert_eq!(hits[0].session, "eks");
        assert_eq!(
            hits[0].message,
            Some((1, Role::Assistant)),
            "most matches first"
        );
        assert!(
            hits[0]
                .snippet
                .contains(&format!("{HIGHLIGHT_START}Pending{HIGHLIGHT_END}")),
            "{}",
            hits[0].snippet
        );
        assert_eq!(hits.len(), 3);
        assert!(hits[0].created_at.is_some());
    }

    #[test]
    fn session_names_match_too() {
        let (_dir, store) = store_with_chats();
        let hits = store.search(&query("vpc")).expect("searches");
        assert_eq!(hits[0].message, None, "the name hit comes first");
        assert_eq!(
            hits[0].snippet,
            format!("{HIGHLIGHT_START}vpc{HIGHLIGHT_END}")
        );
        assert!(hits.iter().any(|hit| hit.message == Some((0, Role::User))));
    }

    #[test]
    fn filters_narrow_the_hits() {
        let (_dir, store) = store_with_chats();
        let mut by_role = query("pending");
        by_role.role = Some(Role::User);
        assert_eq!(sessions_of(&store, &by_role), [("eks".to_owned(), Some(0))]);
        let mut by_provider = query("pending");
        by_provider.provider = Some("anthropic".into());
        assert_eq!(
            sessions_of(&store, &by_provider),
            [("vpc".to_owned(), Some(1))]
        );
        let mut by_model = query("pending");
        by_model.model = Some("nope".into());
        assert!(sessions_of(&store, &by_model).is_empty());
        let mut recent = query("pending");
        recent.since = Some(at("2026-06-01T00:00:00Z"));
        assert!(sessions_of(&store, &recent).is_empty());
        let mut one = query("pending");
        one.limit = 1;
        assert_eq!(sessions_of(&store, &one).len(), 1);
    }

    #[test]
    fn the_index_follows_every_change() {
        let (_dir, mut store) = store_with_chats();
        store
            .replace(&chat(
                "eks",
                "openai",
                &[("nothing about that now", Role::User)],
            ))
            .expect("replaced");
        assert_eq!(
            sessions_of(&store, &query("pending")),
            [("vpc".to_owned(), Some(1))]
        );
        assert_eq!(
            sessions_of(&store, &query("nothing")),
            [("eks".to_owned(), Some(0))]
        );
        store
            .append_messages(
                "eks",
                &[Message::new(Role::User, "pending again")],
                &SessionUpdate::at(at("2026-02-01T00:00:00Z")),
            )
            .expect("appended");
        assert_eq!(
            sessions_of(&store, &query("again")),
            [("eks".to_owned(), Some(1))]
        );
        store.delete(&["vpc".to_owned()]).expect("deleted");
        assert_eq!(
            sessions_of(&store, &query("pending")),
            [("eks".to_owned(), Some(1))]
        );
        let indexed: i64 = store
            .connection
            .query_row("SELECT count(*) FROM messages_fts", [], |row| row.get(0))
            .expect("count");
        assert_eq!(indexed, 2, "deleted messages left the index");
    }

    fn indexed(store: &SqliteStore) -> i64 {
        store
            .connection
            .query_row("SELECT count(*) FROM messages_fts", [], |row| row.get(0))
            .expect("count")
    }

    fn numbered(name: &str, count: usize, word: &str) -> Session {
        let texts: Vec<String> = (0..count).map(|index| format!("{word} {index}")).collect();
        let texts: Vec<(&str, Role)> = texts
            .iter()
            .map(|text| (text.as_str(), Role::User))
            .collect();
        chat(name, "openai", &texts)
    }

    #[test]
    fn writes_commit_without_indexing_and_search_is_exact_meanwhile() {
        let (_dir, mut store) = store_with_chats();
        assert_eq!(store.index_backlog().expect("backlog").messages, 4);
        assert_eq!(indexed(&store), 0, "nothing is indexed inside the write");
        // The backlog is searched as it is.
        assert_eq!(
            sessions_of(&store, &query("cidr")),
            [("vpc".to_owned(), Some(0))]
        );
        assert_eq!(store.update_index_with(&mut |_| {}).expect("indexes"), 4);
        assert_eq!(store.index_backlog().expect("backlog").messages, 0);
        assert_eq!(indexed(&store), 4);
        // Half indexed, half not: the newest text is found beside the old, each hit once.
        store
            .append_messages(
                "vpc",
                &[Message::new(Role::User, "the cidr moved again")],
                &SessionUpdate::at(at("2026-02-01T00:00:00Z")),
            )
            .expect("appended");
        assert_eq!(
            sessions_of(&store, &query("cidr")),
            [("vpc".to_owned(), Some(0)), ("vpc".to_owned(), Some(2))]
        );
        let marked = store.search(&query("again")).expect("searches");
        assert_eq!(
            marked[0].snippet,
            format!("the cidr moved {HIGHLIGHT_START}again{HIGHLIGHT_END}")
        );
    }

    #[test]
    fn a_message_written_after_a_delete_is_never_taken_for_indexed() {
        let (_dir, mut store) = temp_store();
        store
            .create(&numbered("big", 10, "alpha"))
            .expect("created");
        store
            .create(&numbered("small", 2, "beta"))
            .expect("created");
        store.update_index().expect("indexes");
        // The newest messages go (one by one: a small part of the store), so the largest id
        // falls below the watermark; SQLite alone would hand those ids out again.
        store.delete(&["small".to_owned()]).expect("deleted");
        store.create(&numbered("new", 2, "gamma")).expect("created");
        assert_eq!(store.index_backlog().expect("backlog").messages, 2);
        store.update_index().expect("indexes");
        assert_eq!(
            sessions_of(&store, &query("gamma")),
            [("new".to_owned(), Some(0)), ("new".to_owned(), Some(1))]
        );
        assert!(sessions_of(&store, &query("beta")).is_empty());
        assert_eq!(indexed(&store), 12);
    }

    #[test]
    fn removing_most_of_the_store_rebuilds_the_index_from_what_stays() {
        let (_dir, mut store) = temp_store();
        for index in 0..5 {
            store
                .create(&numbered(&format!("gone-{index}"), 20, "doomed"))
                .expect("created");
        }
        store
            .create(&numbered("kept", 3, "survivor"))
            .expect("created");
        store.update_index().expect("indexes");
        let all = store.delete_inactive(None).expect("listed");
        assert_eq!(all.len(), 6);
        store
            .create(&numbered("kept", 3, "survivor"))
            .expect("created");
        store.update_index().expect("indexes");
        let doomed: Vec<String> = (0..5).map(|index| format!("gone-{index}")).collect();
        for name in &doomed {
            store
                .create(&numbered(name, 20, "doomed"))
                .expect("created");
        }
        store.update_index().expect("indexes");
        store.delete(&doomed).expect("deleted");
        // The survivors keep their messages, their order and their place in the index.
        assert_eq!(store.get("kept").expect("kept").messages.len(), 3);
        assert_eq!(
            sessions_of(&store, &query("survivor 2")),
            [("kept".to_owned(), Some(2))]
        );
        assert!(sessions_of(&store, &query("doomed")).is_empty());
        assert_eq!(store.index_backlog().expect("backlog").messages, 0);
        assert_eq!(indexed(&store), 3);
    }

    #[test]
    fn a_word_in_very_many_messages_ranks_the_newest_matches() {
        // Under test, at most 50 matches are ranked. The oldest message is the best match of
        // all (the word three times in four words), yet it is older than the newest 50.
        let (_dir, mut store) = temp_store();
        let mut texts = vec![("needle needle needle x".to_owned(), Role::User)];
        texts.extend((0..100).map(|index| {
            let words = if index == 80 {
                "needle needle y z"
            } else {
                "needle a b c d e f g"
            };
            (words.to_owned(), Role::User)
        }));
        let texts: Vec<(&str, Role)> = texts
            .iter()
            .map(|(text, role)| (text.as_str(), *role))
            .collect();
        store
            .create(&chat("many", "openai", &texts))
            .expect("created");
        store.update_index().expect("indexes");
        let hits = sessions_of(
            &store,
            &SearchQuery {
                limit: 1,
                ..query("needle")
            },
        );
        assert_eq!(hits, [("many".to_owned(), Some(81))]);
        // Fewer matches than that are all ranked.
        let hits = sessions_of(
            &store,
            &SearchQuery {
                limit: 1,
                ..query("x")
            },
        );
        assert_eq!(hits, [("many".to_owned(), Some(0))]);
    }

    #[test]
    fn a_read_only_store_searches_its_backlog() {
        let (dir, mut store) = store_with_chats();
        let path = store.path().to_owned();
        store.update_index().expect("indexes");
        store
            .append_messages(
                "eks",
                &[Message::new(Role::User, "quota raised")],
                &SessionUpdate::at(at("2026-02-01T00:00:00Z")),
            )
            .expect("appended");
        drop(store);
        let reader = SqliteStore::open_read_only(&path)
            .expect("opens")
            .expect("exists");
        assert_eq!(
            sessions_of(&reader, &query("quota")),
            [("eks".to_owned(), Some(2))]
        );
        assert_eq!(
            sessions_of(&reader, &query("pending")).len(),
            3,
            "indexed hits and backlog hits together"
        );
        drop(dir);
    }

    #[test]
    fn any_query_text_is_safe() {
        let (_dir, store) = store_with_chats();
        for text in [
            "\"",
            "pods\" OR \"x",
            "NEAR(pods cluster)",
            "pod*",
            "col:pods",
            "^pods",
            "(",
            "-pods",
            "a AND",
            "",
            "  ",
            "'; DROP TABLE sessions; --",
        ] {
            store
                .search(&query(text))
                .unwrap_or_else(|error| panic!("{text:?}: {error}"));
        }
        assert_eq!(
            sessions_of(&store, &query("\"pods pending\"")),
            [("eks".to_owned(), Some(0))]
        );
    }

    /// Hits for `text`, searched twice: through the temporary index of the backlog, then through
    /// the store's index once it has caught up. Both must agree.
    fn found_both_ways(store: &mut SqliteStore, text: &str) -> Vec<(String, Option<u64>)> {
        let backlog = store.index_backlog().expect("backlog").messages;
        assert!(backlog > 0, "call on a store that has not indexed yet");
        let unindexed = sessions_of(store, &query(text));
        store.update_index().expect("indexes");
        let indexed = sessions_of(store, &query(text));
        assert_eq!(
            unindexed, indexed,
            "{text:?}: the backlog and the index agree"
        );
        // Back to unindexed for the next call: the index is emptied, the watermark reset.
        crate::index::clear(&store.connection).expect("cleared");
        indexed
    }

    #[test]
    fn words_find_their_stems_and_the_words_they_begin() {
        let (_dir, mut store) = temp_store();
        store
            .create(&chat(
                "infra",
                "openai",
                &[
                    ("Terraform stacks were deployed", Role::User),
                    ("Stacking the node groups", Role::Assistant),
                    ("run kubectl describe pod", Role::User),
                    ("a stack overflow", Role::Assistant),
                ],
            ))
            .expect("created");
        let all_stacks = [
            ("infra".to_owned(), Some(0)),
            ("infra".to_owned(), Some(1)),
            ("infra".to_owned(), Some(3)),
        ];
        let mut sorted = |text: &str| {
            let mut hits = found_both_ways(&mut store, text);
            hits.sort();
            hits
        };
        assert_eq!(sorted("stack"), all_stacks, "stems");
        assert_eq!(
            sorted("STACKED"),
            all_stacks,
            "any inflection finds the others"
        );
        assert_eq!(sorted("deploying"), [("infra".to_owned(), Some(0))]);
        assert_eq!(sorted("kube"), [("infra".to_owned(), Some(2))], "prefix");
        assert_eq!(sorted("desc po"), [("infra".to_owned(), Some(2))]);
        assert!(
            sorted("\"kube\"").is_empty(),
            "a quoted word is a whole word"
        );
        assert_eq!(
            sorted("\"stacks overflowing\""),
            [("infra".to_owned(), Some(3))],
            "a phrase of stems"
        );
        assert!(sorted("stackz").is_empty());
        // The whole word that matched is marked, not the part typed.
        store.update_index().expect("indexes");
        let hits = store.search(&query("kube")).expect("searches");
        assert_eq!(
            hits[0].snippet,
            format!("run {HIGHLIGHT_START}kubectl{HIGHLIGHT_END} describe pod")
        );
    }

    #[test]
    fn words_of_other_languages_and_scripts_find_themselves() {
        let (_dir, mut store) = temp_store();
        let texts = [
            "Café résumé naïve façade",
            "漢字テスト と 東京 の 日本語",
            "ошибка подключения к базе данных",
            "Die Größe der Häuser in Zürich",
            "déploiement réussi 🚀 sur les serveurs",
            "mixed: stacks 漢字 ошибки cafés",
        ];
        let chat_texts: Vec<(&str, Role)> = texts.iter().map(|text| (*text, Role::User)).collect();
        store
            .create(&chat("intl", "openai", &chat_texts))
            .expect("created");
        // Every word finds the message it is in, through the backlog and through the index.
        for (index, text) in texts.iter().enumerate() {
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                if word.is_empty() {
                    continue;
                }
                let hits = found_both_ways(&mut store, word);
                assert!(
                    hits.contains(&("intl".to_owned(), Some(index as u64))),
                    "{word:?} does not find {text:?}: {hits:?}"
                );
            }
        }
        let only = |text: &str, store: &mut SqliteStore| found_both_ways(store, text);
        // Case and diacritics fold as before.
        assert_eq!(
            only("CAFE", &mut store),
            [("intl".to_owned(), Some(0)), ("intl".to_owned(), Some(5))]
        );
        assert_eq!(only("zurich", &mut store), [("intl".to_owned(), Some(3))]);
        // A run of CJK characters is one token: its beginning finds it.
        assert_eq!(
            only("漢字", &mut store),
            [("intl".to_owned(), Some(1)), ("intl".to_owned(), Some(5))]
        );
        assert_eq!(only("漢字テ", &mut store), [("intl".to_owned(), Some(1))]);
        // Cyrillic words are not stemmed, but their beginnings find them.
        assert_eq!(
            only("ошибк", &mut store),
            [("intl".to_owned(), Some(2)), ("intl".to_owned(), Some(5))]
        );
        // Emoji are no words, as before: a query of them alone finds nothing.
        assert!(only("🚀", &mut store).is_empty());
        assert!(only("nothing-here", &mut store).is_empty());
    }

    #[test]
    fn a_version_5_store_is_indexed_again_with_stems() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("v5.db")).expect("utf-8");
        {
            let mut connection = rusqlite::Connection::open(&path).expect("open");
            crate::migrations::migrate(&mut connection, &crate::migrations::MIGRATIONS[..5])
                .expect("v5");
            // A version 5 store whose index is up to date, tokenized without stems.
            connection
                .execute_batch(
                    "INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at, updated_at_ns, message_count)
                     VALUES ('old', 'p', 'm', 0, 0, 0, 0, 2);
                     INSERT INTO messages (id, session_id, seq, role, content)
                         VALUES (1, 1, 0, 'user', 'the stacks were deployed'),
                                (2, 1, 1, 'assistant', 'kubectl said 漢字テスト');
                     INSERT INTO messages_fts (rowid, content)
                         SELECT id, content FROM messages;
                     UPDATE search_index SET indexed_through = 2;",
                )
                .expect("v5 data");
            let stacks: i64 = connection
                .query_row(
                    "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'stack'",
                    [],
                    |row| row.get(0),
                )
                .expect("v5 search");
            assert_eq!(stacks, 0, "version 5 had no stems");
        }
        let mut store = SqliteStore::open(&path).expect("upgrades");
        assert_eq!(
            store.index_backlog().expect("backlog").messages,
            2,
            "every message is to be indexed again"
        );
        assert_eq!(indexed(&store), 0);
        assert_eq!(
            sessions_of(&store, &query("stack")),
            [("old".to_owned(), Some(0))],
            "found through the backlog before the catch-up"
        );
        store.update_index().expect("indexes");
        assert_eq!(indexed(&store), 2);
        assert_eq!(store.index_backlog().expect("backlog").messages, 0);
        assert_eq!(
            sessions_of(&store, &query("stack")),
            [("old".to_owned(), Some(0))]
        );
        assert_eq!(
            sessions_of(&store, &query("deploy")),
            [("old".to_owned(), Some(0))]
        );
        assert_eq!(
            sessions_of(&store, &query("漢字")),
            [("old".to_owned(), Some(1))]
        );
    }

    #[test]
    fn the_store_index_and_the_temporary_ones_tokenize_alike() {
        let (_dir, store) = temp_store();
        let schema: String = store
            .connection
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'messages_fts'",
                [],
                |row| row.get(0),
            )
            .expect("the index's schema");
        assert!(
            schema.contains(&format!("tokenize = '{}'", crate::search::TOKENIZER)),
            "{schema}"
        );
    }

    #[test]
    fn an_old_store_gets_its_index_built() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("old.db")).expect("utf-8");
        {
            let mut connection = rusqlite::Connection::open(&path).expect("open");
            crate::migrations::migrate(&mut connection, &crate::migrations::MIGRATIONS[..1])
                .expect("v1");
            connection
                .execute_batch(
                    "INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at, updated_at_ns, message_count)
                     VALUES ('old', 'p', 'm', 0, 0, 0, 0, 1);
                     INSERT INTO messages (session_id, seq, role, content) VALUES (1, 0, 'user', 'written before search existed');",
                )
                .expect("v1 data");
        }
        let store = SqliteStore::open(&path).expect("upgrades");
        assert_eq!(
            sessions_of(&store, &query("before search")),
            [("old".to_owned(), Some(0))]
        );
    }
}

#[test]
fn a_version_2_store_gains_message_providers_and_keeps_its_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("v2.db")).expect("utf-8");
    {
        let mut connection = rusqlite::Connection::open(&path).expect("open");
        crate::migrations::migrate(&mut connection, &crate::migrations::MIGRATIONS[..2])
            .expect("v2");
        connection
            .execute_batch(
                "INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at, updated_at_ns, message_count)
                 VALUES ('old', 'openai', 'gpt-4o', 0, 0, 0, 0, 1);
                 INSERT INTO messages (session_id, seq, role, content, model) VALUES (1, 0, 'assistant', 'hi', 'gpt-4o');",
            )
            .expect("v2 data");
    }
    let mut store = SqliteStore::open(&path).expect("upgrades");
    let old = store.get("old").expect("kept");
    assert_eq!(old.messages[0].provider, None);
    let mut answer = Message::new(Role::Assistant, "from elsewhere");
    answer.provider = Some("ollama".into());
    store
        .append_messages(
            "old",
            &[answer],
            &SessionUpdate::at(at("2026-01-01T00:00:00Z")),
        )
        .expect("appended");
    let messages = store.get("old").expect("found").messages;
    assert_eq!(messages[1].provider.as_deref(), Some("ollama"));
}

/// Opening a store without trusting the files beside it (see `open.rs`).
mod opening {
    use camino::{Utf8Path, Utf8PathBuf};

    use super::*;
    use crate::OpenError;

    fn store_path(dir: &tempfile::TempDir, name: &str) -> Utf8PathBuf {
        Utf8PathBuf::from_path_buf(dir.path().join(name)).expect("utf-8")
    }

    fn open_problem(error: &StoreError) -> Option<&OpenError> {
        match error {
            StoreError::Backend {
                source: Some(source),
                ..
            } => source.downcast_ref::<OpenError>(),
            _ => None,
        }
    }

    fn companions(path: &Utf8Path) -> Vec<String> {
        ["-wal", "-shm", "-journal"]
            .into_iter()
            .filter(|suffix| std::fs::exists(format!("{path}{suffix}")).expect("exists"))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_newer_store_is_refused_before_anything_changes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = store_path(&dir, "newer.db");
        {
            // A newer confab's store, in rollback-journal mode: opening it as WAL would rewrite
            // its header.
            let connection = rusqlite::Connection::open(&path).expect("open");
            connection
                .execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
                .expect("newer schema");
        }
        let before = std::fs::read(&path).expect("read");
        let writable = SqliteStore::open_existing(&path).expect_err("refused");
        let created = SqliteStore::open(&path).expect_err("refused");
        let readable = SqliteStore::open_read_only(&path).expect_err("refused");
        for error in [writable, created, readable] {
            assert!(
                matches!(error, StoreError::NewerSchema { found: 99, .. }),
                "{error}"
            );
        }
        assert_eq!(
            std::fs::read(&path).expect("read"),
            before,
            "file unchanged"
        );
        assert_eq!(companions(&path), Vec::<String>::new(), "no -wal, no -shm");
    }

    #[test]
    fn a_linked_store_or_companion_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let elsewhere = store_path(&dir, "elsewhere/real.db");
        SqliteStore::open(&elsewhere)
            .expect("real store")
            .create(&session("s1"))
            .expect("created");
        let link = store_path(&dir, "project/.confab/sessions.db");
        std::fs::create_dir_all(link.parent().expect("parent")).expect("folder");
        std::os::unix::fs::symlink(&elsewhere, &link).expect("link");
        let attempts = [
            SqliteStore::open(&link).map(|_| ()),
            SqliteStore::open_existing(&link).map(|_| ()),
            SqliteStore::open_read_only(&link).map(|_| ()),
        ];
        for attempt in attempts {
            let error = attempt.expect_err("refused");
            assert!(
                matches!(open_problem(&error), Some(OpenError::Symlink { target, .. }) if target == elsewhere.as_str()),
                "{error}"
            );
        }
        assert_eq!(
            companions(&elsewhere),
            Vec::<String>::new(),
            "nothing beside the target"
        );

        // A linked -wal (a cloned repository can ship one) would be written through.
        let real = store_path(&dir, "project2/sessions.db");
        SqliteStore::open(&real).expect("store");
        let victim = store_path(&dir, "victim");
        std::fs::write(&victim, "precious").expect("victim");
        std::os::unix::fs::symlink(&victim, format!("{real}-wal")).expect("link");
        let error = SqliteStore::open_existing(&real).expect_err("refused");
        assert!(
            matches!(open_problem(&error), Some(OpenError::Symlink { .. })),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
    }

    #[test]
    fn a_foreign_wal_beside_a_restored_store_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = store_path(&dir, "sessions.db");
        let backup = store_path(&dir, "backup.db");
        {
            let mut store = SqliteStore::open(&path).expect("store");
            for index in 0..40 {
                store
                    .create(&session(&format!("s{index}")))
                    .expect("created");
            }
        }
        std::fs::copy(&path, &backup).expect("backup");
        // Later work, part checkpointed into the file and part still in the -wal, as a process
        // that is killed leaves it.
        let stale_wal = store_path(&dir, "stale-wal");
        {
            let mut store = SqliteStore::open(&path).expect("store");
            store
                .connection
                .pragma_update(None, "wal_autocheckpoint", 0)
                .expect("no automatic checkpoint");
            let names: Vec<String> = (0..40)
                .step_by(3)
                .map(|index| format!("s{index}"))
                .collect();
            store.delete(&names).expect("deleted");
            for index in 40..120 {
                store
                    .create(&session(&format!("s{index}")))
                    .expect("created");
            }
            store
                .connection
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .expect("checkpoint");
            for index in 120..160 {
                store
                    .create(&session(&format!("s{index}")))
                    .expect("created");
            }
            std::fs::copy(format!("{path}-wal"), &stale_wal).expect("copy the -wal");
        }
        // The backup restored over the store, the old -wal left beside it.
        std::fs::copy(&backup, &path).expect("restore");
        std::fs::copy(&stale_wal, format!("{path}-wal")).expect("stale -wal");
        let _ = std::fs::remove_file(format!("{path}-shm"));
        let restored = std::fs::read(&path).expect("read");

        let readable = SqliteStore::open_read_only(&path).expect_err("refused");
        let writable = SqliteStore::open_existing(&path).expect_err("refused");
        for error in [readable, writable] {
            assert!(
                matches!(open_problem(&error), Some(OpenError::ForeignWal { .. })),
                "{error}"
            );
        }
        assert_eq!(
            std::fs::read(&path).expect("read"),
            restored,
            "the -wal was not copied in"
        );

        // Moving the -wal away, as the hint says, gives the backup back whole.
        std::fs::remove_file(format!("{path}-wal")).expect("move away");
        let _ = std::fs::remove_file(format!("{path}-shm"));
        let store = SqliteStore::open_read_only(&path)
            .expect("opens")
            .expect("exists");
        assert_eq!(store.list().expect("lists").len(), 40);
    }

    #[test]
    fn a_read_only_store_reads_and_refuses_writes_clearly() {
        let (dir, mut store) = temp_store();
        store.create(&session("s1")).expect("created");
        drop(store);
        let path = store_path(&dir, ".confab/sessions.db");
        let mut read_only = SqliteStore::open_read_only(&path)
            .expect("opens")
            .expect("exists");
        assert_eq!(read_only.get("s1").expect("reads"), session("s1"));
        assert!(read_only.delete(&["s1".into()]).is_err(), "no writes");
        assert!(
            SqliteStore::open_read_only(&store_path(&dir, "none.db"))
                .expect("no error")
                .is_none()
        );
    }
}

#[test]
fn delete_inactive_judges_sessions_as_they_are_when_it_deletes() {
    let (_dir, mut store) = temp_store();
    let mut old = session("old");
    old.updated_at = at("2020-01-01T00:00:00Z");
    old.imported_at = None;
    let mut renewed = old.clone();
    renewed.name = "renewed".into();
    store.create(&old).expect("created");
    store.create(&renewed).expect("created");
    // Imported again since someone listed it as stale: active now.
    renewed.imported_at = Some(at("2026-06-01T00:00:00Z"));
    store.replace(&renewed).expect("replaced");
    let deleted = store
        .delete_inactive(Some(at("2025-01-01T00:00:00Z")))
        .expect("cleaned");
    let names: Vec<&str> = deleted
        .iter()
        .map(|session| session.name.as_str())
        .collect();
    assert_eq!(names, ["old"]);
    assert!(store.exists("renewed").expect("reads"));
    // Nothing left to clean is no error, and `None` means every session.
    assert!(
        store
            .delete_inactive(Some(at("2025-01-01T00:00:00Z")))
            .expect("cleaned")
            .is_empty()
    );
    assert_eq!(store.delete_inactive(None).expect("cleaned").len(), 1);
    assert!(store.list().expect("lists").is_empty());
}

mod trash {
    use confab_core::{CleanRule, Disposal, RestoreRequest, SearchQuery, TrashPick, TrashReason};

    use super::*;

    fn restore(name: &str) -> RestoreRequest {
        RestoreRequest {
            pick: TrashPick::Newest(name.to_owned()),
            rename: None,
        }
    }

    fn found(store: &SqliteStore, text: &str) -> usize {
        store
            .search(&SearchQuery {
                text: text.to_owned(),
                limit: 10,
                ..SearchQuery::default()
            })
            .expect("searches")
            .len()
    }

    #[test]
    fn a_trashed_session_is_gone_until_restored_whole() {
        let (_dir, mut store) = temp_store();
        let original = session("s1");
        store.create(&original).expect("created");
        store.create(&session("s2")).expect("created");
        store.update_index().expect("indexes");
        assert_eq!(found(&store, "héllo"), 2);
        let when = at("2026-03-01T10:00:00.123456789Z");
        store
            .trash(&["s1".into(), "s1".into()], when)
            .expect("trashed");
        assert!(matches!(store.get("s1"), Err(StoreError::NotFound { .. })));
        assert!(!store.exists("s1").expect("exists"));
        assert_eq!(store.list().expect("list").len(), 1);
        assert_eq!(found(&store, "héllo"), 1, "the index forgot it");
        let entries = store.trash_list().expect("trash");
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(
            (
                entry.name.as_str(),
                entry.trashed_at,
                entry.reason,
                entry.message_count
            ),
            ("s1", when, TrashReason::Deleted, 3)
        );
        assert_eq!(entry.last_active_at, original.summary().last_activity());
        assert!(entry.size > 100, "{}", entry.size);
        let restored = store.restore(&[restore("s1")]).expect("restored");
        assert_eq!(restored[0].name, "s1");
        assert_eq!(restored[0].entry, *entry);
        assert_eq!(
            store.get("s1").expect("back"),
            original,
            "every field comes back"
        );
        assert!(store.trash_list().expect("trash").is_empty());
        store.update_index().expect("indexes");
        assert_eq!(found(&store, "héllo"), 2, "searchable again");
    }

    #[test]
    fn an_unknown_name_trashes_nothing() {
        let (_dir, mut store) = temp_store();
        store.create(&session("s1")).expect("created");
        assert!(matches!(
            store.trash(&["s1".into(), "nope".into()], at("2026-01-01T00:00:00Z")),
            Err(StoreError::NotFound { name }) if name == "nope"
        ));
        assert!(store.exists("s1").expect("exists"));
        assert!(store.trash_list().expect("trash").is_empty());
    }

    #[test]
    fn a_name_can_be_trashed_twice_and_restored_by_newest_id_or_new_name() {
        let (_dir, mut store) = temp_store();
        let mut first = session("s1");
        first.model = "first".into();
        store.create(&first).expect("created");
        store
            .trash(&["s1".into()], at("2026-01-01T00:00:00Z"))
            .expect("trashed");
        // The name is free again.
        let mut second = session("s1");
        second.model = "second".into();
        store.create(&second).expect("created again");
        store
            .trash(&["s1".into()], at("2026-01-02T00:00:00Z"))
            .expect("trashed");
        let entries = store.trash_list().expect("trash");
        assert_eq!(entries.len(), 2);
        assert!(entries[0].id < entries[1].id, "oldest first");

        // A live session of the name: nothing is restored.
        store.create(&session("s1")).expect("a live one");
        assert!(matches!(
            store.restore(&[restore("s1")]),
            Err(StoreError::AlreadyExists { name }) if name == "s1"
        ));
        assert_eq!(store.trash_list().expect("trash").len(), 2);
        // Under another name; the newest first.
        let restored = store
            .restore(&[RestoreRequest {
                pick: TrashPick::Newest("s1".into()),
                rename: Some("s1-back".into()),
            }])
            .expect("restored");
        assert_eq!(restored[0].name, "s1-back");
        assert_eq!(store.get("s1-back").expect("back").model, "second");
        // By id; an invalid new name and a missing id restore nothing.
        assert!(matches!(
            store.restore(&[RestoreRequest {
                pick: TrashPick::Id(entries[0].id),
                rename: Some("../x".into()),
            }]),
            Err(StoreError::InvalidName(_))
        ));
        assert!(matches!(
            store.restore(&[
                RestoreRequest {
                    pick: TrashPick::Id(entries[0].id),
                    rename: Some("older".into()),
                },
                RestoreRequest {
                    pick: TrashPick::Id(999),
                    rename: None,
                }
            ]),
            Err(StoreError::NotInTrash {
                pick: TrashPick::Id(999)
            })
        ));
        assert!(!store.exists("older").expect("exists"), "all or nothing");
        store
            .restore(&[RestoreRequest {
                pick: TrashPick::Id(entries[0].id),
                rename: Some("older".into()),
            }])
            .expect("restored");
        assert_eq!(store.get("older").expect("back").model, "first");
        assert!(matches!(
            store.restore(&[restore("s1")]),
            Err(StoreError::NotInTrash { .. })
        ));
    }

    #[test]
    fn clean_keeps_the_newest_and_trashes_the_rest_as_cleaned() {
        let (_dir, mut store) = temp_store();
        for (name, updated) in [
            ("old", "2025-01-01T00:00:00Z"),
            ("older", "2024-01-01T00:00:00Z"),
            ("recent", "2026-01-01T00:00:00Z"),
        ] {
            let mut session = session(name);
            session.imported_at = None;
            session.updated_at = at(updated);
            store.create(&session).expect("created");
        }
        let rule = CleanRule {
            inactive_before: Some(at("2025-06-01T00:00:00Z")),
            keep: 2,
            only: None,
        };
        let when = at("2026-02-01T00:00:00Z");
        let cleaned = store
            .clean(&rule, Disposal::Trash { trashed_at: when })
            .expect("cleaned");
        let names: Vec<&str> = cleaned
            .iter()
            .map(|session| session.name.as_str())
            .collect();
        assert_eq!(names, ["older"], "old is among the two newest");
        let entries = store.trash_list().expect("trash");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].reason, TrashReason::Cleaned);
        let rule = CleanRule {
            inactive_before: None,
            keep: 1,
            only: None,
        };
        let purged = store.clean(&rule, Disposal::Purge).expect("cleaned");
        assert_eq!(purged.len(), 1);
        assert_eq!(
            store.trash_list().expect("trash").len(),
            1,
            "purged, not trashed"
        );
        assert_eq!(store.list().expect("list")[0].name, "recent");
    }

    #[test]
    fn purge_removes_what_was_trashed_before_the_cutoff() {
        let (_dir, mut store) = temp_store();
        for (name, when) in [
            ("a", "2026-01-01T00:00:00Z"),
            ("b", "2026-01-10T00:00:00.5Z"),
            ("c", "2026-01-20T00:00:00Z"),
        ] {
            store.create(&session(name)).expect("created");
            store.trash(&[name.into()], at(when)).expect("trashed");
        }
        let purged = store
            .purge_trash(Some(at("2026-01-10T00:00:00.5Z")))
            .expect("purged");
        assert_eq!(purged.len(), 1);
        assert_eq!(purged[0].name, "a");
        let left: Vec<String> = store
            .trash_list()
            .expect("trash")
            .into_iter()
            .map(|entry| entry.name)
            .collect();
        assert_eq!(left, ["b", "c"]);
        assert!(
            store
                .purge_trash(Some(at("2025-01-01T00:00:00Z")))
                .expect("none")
                .is_empty()
        );
        assert_eq!(store.purge_trash(None).expect("all").len(), 2);
        assert!(store.trash_list().expect("trash").is_empty());
    }
}

mod usage {
    use confab_core::{UsageQuery, usage::usage_of};

    use super::*;

    /// Sessions that exercise every rule: messages with and without a time, with their own
    /// provider and model or the session's, counts reported or not, across days.
    fn sessions() -> Vec<Session> {
        let mut a = session("a");
        let mut switched = Message::new(Role::Assistant, "moved");
        switched.created_at = Some(at("2025-10-31T23:59:59Z"));
        switched.provider = Some("anthropic".into());
        switched.model = Some("claude".into());
        switched.usage = Some(TokenUsage {
            input_tokens: Some(100),
            output_tokens: Some(20),
            ..TokenUsage::default()
        });
        a.messages.push(switched);
        let mut b = session("b");
        b.updated_at = at("2025-11-02T08:00:00Z");
        b.messages[1].usage = Some(TokenUsage {
            input_tokens: Some(1),
            output_tokens: Some(2),
            cached_input_tokens: None,
            cache_write_tokens: Some(5),
            reasoning_tokens: None,
        });
        vec![a, b, session("c")]
    }

    #[test]
    fn sums_in_sql_equal_the_definition_over_whole_sessions() {
        let (_dir, mut store) = temp_store();
        let sessions = sessions();
        for session in &sessions {
            store.create(session).expect("created");
        }
        for query in [
            UsageQuery::default(),
            UsageQuery {
                since: Some(at("2025-10-30T00:00:00Z")),
                sessions: Vec::new(),
            },
            UsageQuery {
                since: None,
                sessions: vec!["b".into(), "nobody".into()],
            },
            UsageQuery {
                since: Some(at("2030-01-01T00:00:00Z")),
                sessions: Vec::new(),
            },
        ] {
            let summed = store.usage(&query).expect("sums");
            assert_eq!(summed, usage_of(&sessions, &query), "{query:?}");
        }
        let all = store.usage(&UsageQuery::default()).expect("sums");
        assert!(all.len() >= 3, "several days and models: {all:#?}");
        assert!(
            all.iter()
                .any(|bucket| bucket.usage.output_tokens.is_none()),
            "a count nobody reported stays unknown"
        );
    }

    #[test]
    fn deleted_and_trashed_sessions_count_no_more() {
        let (_dir, mut store) = temp_store();
        for session in sessions() {
            store.create(&session).expect("created");
        }
        store.delete(&["a".into()]).expect("deleted");
        store
            .trash(&["b".into()], at("2026-01-01T00:00:00Z"))
            .expect("trashed");
        let left = store.usage(&UsageQuery::default()).expect("sums");
        assert_eq!(left, usage_of(&[session("c")], &UsageQuery::default()));
    }
}
