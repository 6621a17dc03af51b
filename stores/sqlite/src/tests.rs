use confab_core::conformance::{at, session};
use confab_core::{Message, Role, Session, SessionStore, SessionUpdate, StoreError};

use super::SqliteStore;

fn temp_store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path =
        camino::Utf8PathBuf::from_path_buf(dir.path().join(".confab/sessions.db")).expect("utf-8");
    let store = SqliteStore::open(&path).expect("opens");
    (dir, store)
}

#[test]
fn deleted_sessions_leave_no_message_rows() {
    // The conformance suite checks delete through the API; this checks the tables behind it.
    let (_dir, mut store) = temp_store();
    store.create(&session("a")).expect("created");
    store.create(&session("b")).expect("created");
    store.delete(&["a".into(), "b".into()]).expect("deleted");
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

mod search {
    use confab_core::conformance::{add_chats, chat, query, sessions_of};
    use confab_core::{HIGHLIGHT_END, HIGHLIGHT_START, SearchQuery};

    use super::*;

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
        add_chats(&mut store);
        (dir, store)
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

#[test]
fn a_version_7_store_gains_authors_and_keeps_its_trash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = camino::Utf8PathBuf::from_path_buf(dir.path().join("v7.db")).expect("utf-8");
    {
        let mut connection = rusqlite::Connection::open(&path).expect("open");
        crate::migrations::migrate(&mut connection, &crate::migrations::MIGRATIONS[..7])
            .expect("v7");
        // A session and a trash entry as version 7 wrote them: no authors anywhere.
        connection
            .execute_batch(
                r#"INSERT INTO sessions (name, provider, model, created_at, created_at_ns, updated_at, updated_at_ns, message_count)
                 VALUES ('old', 'openai', 'gpt-4o', 0, 0, 0, 0, 1);
                 INSERT INTO messages (session_id, seq, role, content) VALUES (1, 0, 'user', 'hi');
                 INSERT INTO trash (name, trashed_at, trashed_at_ns, reason, message_count, size,
                     last_active_at, last_active_at_ns, session)
                 VALUES ('gone', 0, 0, 'deleted', 1, 10, 0, 0,
                     '{"name":"gone","provider":"openai","model":"gpt-4o","skill":null,"project_path":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","imported_at":null,"metadata":null,"context":null,"messages":[{"role":"user","content":"bye"}]}');"#,
            )
            .expect("v7 data");
    }
    let mut store = SqliteStore::open(&path).expect("upgrades");
    let old = store.get("old").expect("kept");
    assert_eq!((old.created_by, old.updated_by), (None, None));
    assert_eq!(store.list().expect("lists")[0].created_by, None);
    store
        .restore(&[confab_core::RestoreRequest {
            pick: confab_core::TrashPick::Newest("gone".into()),
            rename: None,
        }])
        .expect("an old trash entry restores");
    assert_eq!(store.get("gone").expect("back").created_by, None);
    store
        .append_messages(
            "old",
            &[Message::new(Role::Assistant, "hello")],
            &SessionUpdate {
                by: Some("ana".into()),
                expected_messages: Some(1),
                ..SessionUpdate::at(at("2026-01-01T00:00:00Z"))
            },
        )
        .expect("appended");
    let old = store.get("old").expect("kept");
    assert_eq!(
        (old.created_by.as_deref(), old.updated_by.as_deref()),
        (None, Some("ana"))
    );
}

#[test]
fn list_reads_no_message_bodies() {
    // `list` reads the `sessions` table alone: hide `messages`, and it still lists, authors
    // included.
    let (_dir, mut store) = temp_store();
    store.create(&session("s1")).expect("created");
    store
        .connection
        .execute_batch("ALTER TABLE messages RENAME TO messages_hidden")
        .expect("hidden");
    let listed = store.list().expect("lists");
    assert_eq!(listed, [session("s1").summary()]);
    assert!(store.get("s1").is_err(), "get does read messages");
}

#[test]
fn concurrent_appends_on_fresh_counts_lose_nothing() {
    let (dir, _store) = temp_store();
    let path =
        camino::Utf8PathBuf::from_path_buf(dir.path().join(".confab/sessions.db")).expect("utf-8");
    let writers = [
        SqliteStore::open(&path).expect("opens"),
        SqliteStore::open(&path).expect("opens"),
    ];
    confab_core::conformance::concurrent_appends_on_fresh_counts_lose_nothing(writers);
    let store = SqliteStore::open(&path).expect("opens");
    let positions: Vec<i64> = store
        .connection
        .prepare("SELECT seq FROM messages ORDER BY seq")
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()
        })
        .expect("positions");
    assert_eq!(
        positions,
        (0..100).collect::<Vec<i64>>(),
        "contiguous, each once"
    );
}

/// Opening a store without trusting the files beside it (see `open.rs`).
mod opening {
    use camino::{Utf8Path, Utf8PathBuf};

    use super::*;
    use crate::{OpenError, open};

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

    /// Set in a child process of [`a_store_another_process_has_open_is_not_checked_again`]: the
    /// store to hold open.
    const HOLD: &str = "CONFAB_TEST_HOLD_STORE";

    #[test]
    fn a_store_another_process_has_open_is_not_checked_again() {
        if let Ok(path) = std::env::var(HOLD) {
            // The child: write (the -wal then holds frames), say so, and hold the store open
            // until the parent closes our stdin.
            let mut store = SqliteStore::open(Utf8Path::new(&path)).expect("store");
            store.create(&session("held")).expect("created");
            // Written to the process's stdout itself: the harness captures `println!`.
            let mut out = std::io::stdout();
            std::io::Write::write_all(&mut out, b"holding\n").expect("told");
            std::io::Write::flush(&mut out).expect("told");
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
            return;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = store_path(&dir, "sessions.db");
        SqliteStore::open(&path).expect("store");
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "tests::opening::a_store_another_process_has_open_is_not_checked_again",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(HOLD, path.as_str())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the holder starts");
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(
            child.stdout.take().expect("stdout"),
        ));
        assert!(
            lines.any(|line| line.is_ok_and(|line| line.ends_with("holding"))),
            "the holder holds the store"
        );
        assert!(
            open::wal_has_frames(&path),
            "the holder's -wal holds frames"
        );
        // Its -wal is live: opening replays nothing, so there is nothing to check.
        let (registration, check) = open::register(&path);
        assert!(!check, "a store open elsewhere is not checked");
        drop(registration);
        let store = SqliteStore::open_read_only(&path)
            .expect("opens")
            .expect("exists");
        assert!(
            store.exists("held").expect("reads"),
            "the live -wal is read"
        );
        // This process has it open now: asking the -shm would drop our own locks.
        assert!(!open::register(&path).1);
        drop(store);

        drop(child.stdin.take());
        assert!(child.wait().expect("the holder ends").success());
        // Nobody has it open: a -wal left behind would be checked again.
        std::fs::write(format!("{path}-wal"), vec![0_u8; 4096]).expect("a stray -wal");
        assert!(open::register(&path).1, "a -wal nobody uses is checked");
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

/// The guarantees of [`SessionStore`] every store meets: `confab_core::conformance`, the same
/// suite the other stores run.
#[test]
fn the_store_passes_the_conformance_suite() {
    confab_core::conformance::run_all(temp_store);
}
