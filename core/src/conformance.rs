//! The conformance suite of [`SessionStore`] (feature `conformance`): every guarantee the trait
//! documents, checked through the trait alone, so that each store runs the same tests unchanged.
//!
//! A store's own test calls [`run_all`] with a function that makes a new, empty store; what that
//! store needs to live (a temp dir, a throw-away database) comes back beside it and is dropped
//! after the check that used it. Each check is also public on its own, so a failing guarantee can
//! be run alone. What only one store has (SQLite's WAL and files, its migrations, the tables
//! behind the API) stays in that store's tests: this suite never looks past the trait.
//!
//! The checks panic on failure, as tests do; this module is for tests only.

use jiff::Timestamp;
use serde_json::json;

use crate::usage::usage_of;
use crate::{
    CleanRule, Context, Disposal, HIGHLIGHT_END, HIGHLIGHT_START, Message, RestoreRequest, Role,
    SearchQuery, Session, SessionStore, SessionUpdate, StoreError, TokenUsage, ToolCall, TrashPick,
    TrashReason, UsageQuery,
};

/// One check: takes a new, empty store.
pub type Check<S> = fn(&mut S);

/// Every check, by name, in the order [`run_all`] runs them.
pub fn checks<S: SessionStore>() -> Vec<(&'static str, Check<S>)> {
    vec![
        (
            "a_created_session_reads_back_equal",
            a_created_session_reads_back_equal,
        ),
        ("names_are_unique_and_checked", names_are_unique_and_checked),
        (
            "store_all_writes_every_session_or_none",
            store_all_writes_every_session_or_none,
        ),
        (
            "metadata_values_are_read_without_messages",
            metadata_values_are_read_without_messages,
        ),
        (
            "exists_tells_a_name_taken_from_a_free_one",
            exists_tells_a_name_taken_from_a_free_one,
        ),
        ("list_shows_summaries_by_name", list_shows_summaries_by_name),
        ("list_sorts_names_as_bytes", list_sorts_names_as_bytes),
        (
            "appending_continues_the_conversation_and_the_count",
            appending_continues_the_conversation_and_the_count,
        ),
        (
            "appending_can_switch_the_model_and_metadata",
            appending_can_switch_the_model_and_metadata,
        ),
        ("authors_survive_every_write", authors_survive_every_write),
        (
            "appending_by_someone_makes_them_the_last_author",
            appending_by_someone_makes_them_the_last_author,
        ),
        (
            "an_append_on_a_stale_count_conflicts_and_changes_nothing",
            an_append_on_a_stale_count_conflicts_and_changes_nothing,
        ),
        (
            "replace_swaps_the_whole_session",
            replace_swaps_the_whole_session,
        ),
        ("delete_is_all_or_nothing", delete_is_all_or_nothing),
        (
            "a_name_given_twice_is_deleted_once",
            a_name_given_twice_is_deleted_once,
        ),
        (
            "rename_moves_the_whole_session_to_the_new_name",
            rename_moves_the_whole_session_to_the_new_name,
        ),
        (
            "search_hits_are_ranked_and_highlighted",
            search_hits_are_ranked_and_highlighted,
        ),
        (
            "search_finds_session_names_too",
            search_finds_session_names_too,
        ),
        (
            "search_needs_every_word_and_keeps_phrases",
            search_needs_every_word_and_keeps_phrases,
        ),
        (
            "search_filters_narrow_the_hits",
            search_filters_narrow_the_hits,
        ),
        ("search_text_is_never_syntax", search_text_is_never_syntax),
        (
            "search_finds_words_by_their_beginning",
            search_finds_words_by_their_beginning,
        ),
        ("search_follows_every_change", search_follows_every_change),
        (
            "a_trashed_session_is_gone_until_restored_whole",
            a_trashed_session_is_gone_until_restored_whole,
        ),
        (
            "an_unknown_name_trashes_nothing",
            an_unknown_name_trashes_nothing,
        ),
        (
            "a_name_can_be_trashed_twice_and_restored_by_newest_id_or_new_name",
            a_name_can_be_trashed_twice_and_restored_by_newest_id_or_new_name,
        ),
        (
            "clean_keeps_the_newest_and_trashes_the_rest_as_cleaned",
            clean_keeps_the_newest_and_trashes_the_rest_as_cleaned,
        ),
        (
            "purge_removes_what_was_trashed_before_the_cutoff",
            purge_removes_what_was_trashed_before_the_cutoff,
        ),
        (
            "usage_sums_equal_the_definition_over_whole_sessions",
            usage_sums_equal_the_definition_over_whole_sessions,
        ),
        (
            "deleted_and_trashed_sessions_count_no_more_usage",
            deleted_and_trashed_sessions_count_no_more_usage,
        ),
    ]
}

/// Runs every check, each on a new store from `make`; what `make` returns beside the store (a
/// temp dir, a database guard) lives until that check ends. Every check runs even when one
/// fails; the panic at the end names each failed check and its message.
pub fn run_all<G, S: SessionStore>(make: impl Fn() -> (G, S)) {
    let mut failed = Vec::new();
    for (name, check) in checks::<S>() {
        let (guard, mut store) = make();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&mut store)));
        drop(store);
        drop(guard);
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            failed.push(format!("{name}: {message}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{} conformance check(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

/// A time from its RFC 3339 text.
pub fn at(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

/// A session that uses every field: tool calls, usage, archived messages, metadata, context,
/// non-ASCII text and times at the edges of what a timestamp holds.
pub fn session(name: &str) -> Session {
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
        created_by: Some("ana".into()),
        updated_by: Some("Björn Ström".into()),
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

fn names<S: SessionStore>(store: &S) -> Vec<String> {
    let list = store.list().expect("lists");
    list.into_iter().map(|summary| summary.name).collect()
}

/// `create` then `get` gives back an equal session, every field included.
pub fn a_created_session_reads_back_equal<S: SessionStore>(store: &mut S) {
    let original = session("s1");
    store.create(&original).expect("created");
    assert_eq!(store.get("s1").expect("found"), original);
}

/// A taken name is refused, an invalid one too, and a missing one is not found.
pub fn names_are_unique_and_checked<S: SessionStore>(store: &mut S) {
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

/// `store_all` writes every session or none; with `overwrite` it replaces.
pub fn store_all_writes_every_session_or_none<S: SessionStore>(store: &mut S) {
    store.create(&session("taken")).expect("created");
    let batch = [session("a"), session("taken"), session("b")];
    let refused = store.store_all(&batch, false);
    assert!(matches!(refused, Err(StoreError::AlreadyExists { name }) if name == "taken"));
    assert_eq!(names(store), ["taken"], "a refused batch stores nothing");

    let mut replacement = session("taken");
    replacement.model = "other".into();
    store
        .store_all(&[session("a"), replacement.clone(), session("b")], true)
        .expect("stored with overwrite");
    assert_eq!(names(store), ["a", "b", "taken"]);
    assert_eq!(store.get("taken").expect("found"), replacement);
    assert_eq!(store.get("a").expect("found"), session("a"));
}

/// `metadata_values` gives the sessions that have the key, by name, with any JSON value.
pub fn metadata_values_are_read_without_messages<S: SessionStore>(store: &mut S) {
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

/// `exists` is true for exactly the stored names, case-sensitive; an invalid name is absent.
pub fn exists_tells_a_name_taken_from_a_free_one<S: SessionStore>(store: &mut S) {
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

/// `list` gives every summary, sorted by name, equal to [`Session::summary`].
pub fn list_shows_summaries_by_name<S: SessionStore>(store: &mut S) {
    let mut old = session("old");
    old.updated_at = at("2020-01-01T00:00:00Z");
    store.create(&old).expect("created");
    store.create(&session("new")).expect("created");
    let list = store.list().expect("lists");
    let listed: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(listed, ["new", "old"]);
    store.create(&session("a-first")).expect("created");
    assert_eq!(store.list().expect("lists")[0].name, "a-first");
    assert_eq!(list[0].message_count, 3);
    assert_eq!(list[0], session("new").summary());
    assert_eq!(list[1], old.summary());
}

/// Names sort as bytes (upper case before lower, `-` before `.` before `_`), whatever the
/// backend's collation, so every store lists in one order.
pub fn list_sorts_names_as_bytes<S: SessionStore>(store: &mut S) {
    for name in ["alpha", "a_b", "Zeta", "a.b", "a-b", "10", "9"] {
        store.create(&session(name)).expect("created");
    }
    assert_eq!(
        names(store),
        ["10", "9", "Zeta", "a-b", "a.b", "a_b", "alpha"]
    );
}

/// Appended messages follow the old ones; the count and update time follow.
pub fn appending_continues_the_conversation_and_the_count<S: SessionStore>(store: &mut S) {
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
    assert_eq!(stored.messages[4].content, "done");
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
    assert_eq!(
        store.get("s1").expect("found"),
        stored,
        "a refused append changes nothing"
    );
}

/// An append can switch the provider, model and metadata with the messages.
pub fn appending_can_switch_the_model_and_metadata<S: SessionStore>(store: &mut S) {
    store.create(&session("s1")).expect("created");
    let mut metadata = serde_json::Map::new();
    metadata.insert("switched".to_owned(), serde_json::Value::Bool(true));
    let update = SessionUpdate {
        updated_at: at("2026-03-03T03:03:03Z"),
        provider_model: Some(("anthropic".to_owned(), "claude".to_owned())),
        metadata: Some(metadata.clone()),
        by: None,
        expected_messages: None,
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

/// Who created and last changed a session (or that nobody is known) survives create, list,
/// replace, `store_all`, rename and trash with restore; the two are never confused.
pub fn authors_survive_every_write<S: SessionStore>(store: &mut S) {
    let mut anonymous = session("anonymous");
    anonymous.created_by = None;
    anonymous.updated_by = None;
    let mut created_only = session("created-only");
    created_only.updated_by = None;
    let named = session("named");
    for session in [&anonymous, &created_only, &named] {
        store.create(session).expect("created");
        assert_eq!(&store.get(&session.name).expect("found"), session);
    }
    let authors = |store: &S| -> Vec<(String, Option<String>, Option<String>)> {
        let list = store.list().expect("lists");
        list.into_iter()
            .map(|summary| (summary.name, summary.created_by, summary.updated_by))
            .collect()
    };
    assert_eq!(
        authors(store),
        [
            ("anonymous".to_owned(), None, None),
            ("created-only".to_owned(), Some("ana".to_owned()), None),
            (
                "named".to_owned(),
                Some("ana".to_owned()),
                Some("Björn Ström".to_owned())
            ),
        ],
        "list shows them"
    );

    // A fork-style replace puts in whoever the new session names, nobody included.
    let mut forked = session("named");
    forked.created_by = Some("cy".into());
    forked.updated_by = None;
    store.replace(&forked).expect("replaced");
    assert_eq!(store.get("named").expect("found"), forked);
    let mut imported = session("anonymous");
    imported.created_by = Some("dee".into());
    store
        .store_all(&[imported.clone(), session("batch")], true)
        .expect("stored");
    assert_eq!(store.get("anonymous").expect("found"), imported);
    assert_eq!(store.get("batch").expect("found"), session("batch"));

    store.rename("named", "renamed").expect("renamed");
    let renamed = store.get("renamed").expect("found");
    assert_eq!(
        (renamed.created_by.as_deref(), renamed.updated_by.as_deref()),
        (Some("cy"), None),
        "a rename changes no author"
    );
    store
        .trash(
            &["renamed".into(), "created-only".into()],
            at("2026-04-01T00:00:00Z"),
        )
        .expect("trashed");
    store
        .restore(&[restore("renamed"), restore("created-only")])
        .expect("restored");
    assert_eq!(
        store.get("renamed").expect("back"),
        Session {
            name: "renamed".into(),
            ..forked
        }
    );
    assert_eq!(store.get("created-only").expect("back"), created_only);
}

/// An append `by` someone makes them the session's last author and leaves its creator; an
/// append by nobody in particular leaves both.
pub fn appending_by_someone_makes_them_the_last_author<S: SessionStore>(store: &mut S) {
    store.create(&session("s1")).expect("created");
    let update = SessionUpdate {
        by: Some("cy".into()),
        ..SessionUpdate::at(at("2026-02-02T02:02:02Z"))
    };
    store
        .append_messages("s1", &[Message::new(Role::User, "me too")], &update)
        .expect("appended");
    let stored = store.get("s1").expect("found");
    assert_eq!(
        (stored.created_by.as_deref(), stored.updated_by.as_deref()),
        (Some("ana"), Some("cy"))
    );
    assert_eq!(store.list().expect("lists")[0], stored.summary());
    store
        .append_messages(
            "s1",
            &[Message::new(Role::Assistant, "noted")],
            &SessionUpdate::at(at("2026-02-02T02:03:00Z")),
        )
        .expect("appended");
    let stored = store.get("s1").expect("found");
    assert_eq!(
        (stored.created_by.as_deref(), stored.updated_by.as_deref()),
        (Some("ana"), Some("cy")),
        "no author given: the last one stays"
    );
    assert_eq!(stored.messages.len(), 5);
}

/// An append that expects another message count than the session holds appends nothing and
/// changes nothing (count, update time, author, model, metadata), and says what it found; the
/// right count appends.
pub fn an_append_on_a_stale_count_conflicts_and_changes_nothing<S: SessionStore>(store: &mut S) {
    store.create(&session("s1")).expect("created");
    let before = store.get("s1").expect("found");
    let listed_before = store.list().expect("lists");
    let mut metadata = serde_json::Map::new();
    metadata.insert("switched".to_owned(), serde_json::Value::Bool(true));
    let stale = SessionUpdate {
        updated_at: at("2026-05-05T05:05:05Z"),
        provider_model: Some(("anthropic".to_owned(), "claude".to_owned())),
        metadata: Some(metadata),
        by: Some("cy".into()),
        expected_messages: Some(2),
    };
    let more = [
        Message::new(Role::User, "stale question"),
        Message::new(Role::Assistant, "stale answer"),
    ];
    let refused = store.append_messages("s1", &more, &stale);
    assert!(
        matches!(
            &refused,
            Err(StoreError::Conflict { name, expected: 2, found: 3 }) if name == "s1"
        ),
        "{refused:?}"
    );
    assert_eq!(
        refused.expect_err("a conflict").to_string(),
        "session \"s1\" changed meanwhile: expected 2 messages, found 3"
    );
    assert_eq!(store.get("s1").expect("found"), before, "nothing changed");
    assert_eq!(store.list().expect("lists"), listed_before);
    assert_eq!(
        store.usage(&UsageQuery::default()).expect("sums"),
        usage_of(std::slice::from_ref(&before), &UsageQuery::default())
    );
    assert!(
        store.search(&query("stale")).expect("searches").is_empty(),
        "no refused message is searchable"
    );
    assert!(matches!(
        store.append_messages(
            "s1",
            &more,
            &SessionUpdate {
                expected_messages: Some(4),
                ..stale.clone()
            }
        ),
        Err(StoreError::Conflict {
            expected: 4,
            found: 3,
            ..
        })
    ));
    assert!(matches!(
        store.append_messages("nope", &more, &stale),
        Err(StoreError::NotFound { .. })
    ));

    let current = SessionUpdate {
        expected_messages: Some(3),
        ..stale.clone()
    };
    store
        .append_messages("s1", &more, &current)
        .expect("the right count appends");
    let stored = store.get("s1").expect("found");
    assert_eq!(stored.messages.len(), 5);
    assert_eq!(stored.messages[3].content, "stale question");
    assert_eq!(
        (
            stored.updated_at,
            stored.updated_by.as_deref(),
            stored.model.as_str()
        ),
        (at("2026-05-05T05:05:05Z"), Some("cy"), "claude")
    );
    assert!(matches!(
        store.append_messages("s1", &more, &current),
        Err(StoreError::Conflict {
            expected: 3,
            found: 5,
            ..
        })
    ));
    assert_eq!(store.get("s1").expect("found"), stored);
}

/// What [`concurrent_appends_on_fresh_counts_lose_nothing`] leaves: the messages of the shared
/// session, and how many appends were refused as conflicts.
#[derive(Debug)]
pub struct ConcurrentAppends {
    /// The session's messages at the end.
    pub messages: Vec<Message>,
    /// Appends refused with [`StoreError::Conflict`] and tried again.
    pub conflicts: usize,
}

/// Two writers, each with its own handle on one store (two connections, two processes' worth),
/// append 50 messages each to one session named `shared`, each append expecting the count it
/// read just before, trying again on [`StoreError::Conflict`]. At the end the session holds
/// exactly the 100 messages, each once, each based on the count of the messages before it:
/// no append went through on a count that had changed under it. Not in [`checks`]: it needs
/// two handles on the same store, which each store's tests open.
pub fn concurrent_appends_on_fresh_counts_lose_nothing<S: SessionStore + Send>(
    writers: [S; 2],
) -> ConcurrentAppends {
    const EACH: usize = 50;
    let [mut first, second] = writers;
    let mut shared = session("shared");
    shared.messages.clear();
    first.create(&shared).expect("created");
    let start = std::sync::Barrier::new(2);
    let outcomes: Vec<(usize, S)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [("a", first), ("b", second)]
            .into_iter()
            .map(|(writer, mut store)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let mut conflicts = 0;
                    for turn in 0..EACH {
                        loop {
                            let count = store
                                .list()
                                .expect("lists")
                                .into_iter()
                                .find(|summary| summary.name == "shared")
                                .expect("the session is there")
                                .message_count;
                            // Each message says which count it was based on.
                            let message =
                                Message::new(Role::User, format!("{writer}-{turn}@{count}"));
                            let update = SessionUpdate {
                                by: Some(writer.to_owned()),
                                expected_messages: Some(count),
                                ..SessionUpdate::at(at("2026-06-01T00:00:00Z"))
                            };
                            match store.append_messages("shared", &[message], &update) {
                                Ok(()) => break,
                                Err(StoreError::Conflict { .. }) => conflicts += 1,
                                Err(error) => panic!("{writer}-{turn}: {error}"),
                            }
                        }
                    }
                    (conflicts, store)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("no writer panicked"))
            .collect()
    });
    let conflicts = outcomes.iter().map(|(conflicts, _)| conflicts).sum();
    let (_, reader) = outcomes.into_iter().next().expect("two writers");
    let stored = reader.get("shared").expect("found");
    let contents: Vec<&str> = stored
        .messages
        .iter()
        .map(|message| message.content.as_str())
        .collect();
    assert_eq!(contents.len(), 2 * EACH, "{contents:?}");
    for (position, content) in contents.iter().enumerate() {
        assert!(
            content.ends_with(&format!("@{position}")),
            "message {position} was appended on a stale count: {contents:?}"
        );
    }
    for writer in ["a", "b"] {
        let own: Vec<String> = contents
            .iter()
            .filter(|content| content.starts_with(&format!("{writer}-")))
            .map(|content| content.split('@').next().unwrap_or_default().to_owned())
            .collect();
        let expected: Vec<String> = (0..EACH).map(|turn| format!("{writer}-{turn}")).collect();
        assert_eq!(own, expected, "each of {writer}'s messages once, in order");
    }
    assert_eq!(
        reader.list().expect("lists")[0].message_count,
        2 * EACH as u64
    );
    ConcurrentAppends {
        messages: stored.messages,
        conflicts,
    }
}

/// `replace` swaps the whole session, and adds one that is missing.
pub fn replace_swaps_the_whole_session<S: SessionStore>(store: &mut S) {
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

/// `delete` removes every named session or none.
pub fn delete_is_all_or_nothing<S: SessionStore>(store: &mut S) {
    store.create(&session("a")).expect("created");
    store.create(&session("b")).expect("created");
    let error = store
        .delete(&["a".into(), "zzz".into()])
        .expect_err("unknown name");
    assert!(matches!(error, StoreError::NotFound { ref name } if name == "zzz"));
    assert_eq!(store.list().expect("lists").len(), 2, "nothing was deleted");
    store.delete(&["a".into(), "b".into()]).expect("deleted");
    assert!(store.list().expect("lists").is_empty());
    store.create(&session("a")).expect("the name is free");
    assert_eq!(
        store.get("a").expect("found"),
        session("a"),
        "no message was left behind"
    );
}

/// A name given twice is one name.
pub fn a_name_given_twice_is_deleted_once<S: SessionStore>(store: &mut S) {
    store.create(&session("a")).expect("created");
    store.create(&session("b")).expect("created");
    store
        .delete(&["a".into(), "b".into(), "a".into()])
        .expect("duplicates are one name");
    assert!(store.list().expect("lists").is_empty());
}

/// `rename` moves everything, search included; a missing, taken or invalid name changes nothing.
pub fn rename_moves_the_whole_session_to_the_new_name<S: SessionStore>(store: &mut S) {
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
    assert_eq!(
        names(store),
        ["new", "taken"],
        "a refused rename changes nothing"
    );
}

/// A session called `name` on `provider` holding `texts`, each message dated 2026-01-01: for a
/// store's own search tests as much as for these.
pub fn chat(name: &str, provider: &str, texts: &[(&str, Role)]) -> Session {
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

/// A search for `text`, 20 hits at most, nothing filtered.
pub fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        limit: 20,
        ..SearchQuery::default()
    }
}

/// The hits of `query` in `store`, as session names and message numbers.
pub fn sessions_of<S: SessionStore>(store: &S, query: &SearchQuery) -> Vec<(String, Option<u64>)> {
    store
        .search(query)
        .expect("searches")
        .into_iter()
        .map(|hit| (hit.session, hit.message.map(|(index, _)| index)))
        .collect()
}

/// Two sessions about pending pods (`eks`, `vpc`), the search checks' corpus.
pub fn add_chats<S: SessionStore>(store: &mut S) {
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
}

/// The message with the most matches comes first; the words found are highlighted.
pub fn search_hits_are_ranked_and_highlighted<S: SessionStore>(store: &mut S) {
    add_chats(store);
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

/// A session's name is searched too, and its hit comes first.
pub fn search_finds_session_names_too<S: SessionStore>(store: &mut S) {
    add_chats(store);
    let hits = store.search(&query("vpc")).expect("searches");
    assert_eq!(hits[0].message, None, "the name hit comes first");
    assert_eq!(
        hits[0].snippet,
        format!("{HIGHLIGHT_START}vpc{HIGHLIGHT_END}")
    );
    assert!(hits.iter().any(|hit| hit.message == Some((0, Role::User))));
}

/// Every word must be in a message; quoted words must follow each other.
pub fn search_needs_every_word_and_keeps_phrases<S: SessionStore>(store: &mut S) {
    add_chats(store);
    assert_eq!(
        sessions_of(store, &query("cluster CPU")),
        [("eks".to_owned(), Some(1))]
    );
    assert!(sessions_of(store, &query("cluster CIDR")).is_empty());
    assert_eq!(
        sessions_of(store, &query("\"pods pending\"")),
        [("eks".to_owned(), Some(0))]
    );
    assert!(
        sessions_of(store, &query("\"pods cluster\"")).is_empty(),
        "the words are there, apart"
    );
}

/// Role, provider, model, time and limit narrow the hits.
pub fn search_filters_narrow_the_hits<S: SessionStore>(store: &mut S) {
    add_chats(store);
    let mut by_role = query("pending");
    by_role.role = Some(Role::User);
    assert_eq!(sessions_of(store, &by_role), [("eks".to_owned(), Some(0))]);
    let mut by_provider = query("pending");
    by_provider.provider = Some("anthropic".into());
    assert_eq!(
        sessions_of(store, &by_provider),
        [("vpc".to_owned(), Some(1))]
    );
    let mut by_model = query("pending");
    by_model.model = Some("nope".into());
    assert!(sessions_of(store, &by_model).is_empty());
    let mut recent = query("pending");
    recent.since = Some(at("2026-06-01T00:00:00Z"));
    assert!(sessions_of(store, &recent).is_empty());
    let mut one = query("pending");
    one.limit = 1;
    assert_eq!(sessions_of(store, &one).len(), 1);
}

/// Any text is searched as literal words: no query syntax of the backend reaches it.
pub fn search_text_is_never_syntax<S: SessionStore>(store: &mut S) {
    add_chats(store);
    for text in [
        "\"",
        "pods\" OR \"x",
        "NEAR(pods cluster)",
        "pod*",
        "col:pods",
        "^pods",
        "(",
        "-pods",
        "!pods",
        "pods & !cluster",
        "pods <-> cluster",
        "a AND",
        "",
        "  ",
        "'; DROP TABLE sessions; --",
        "\\",
        "pods:*",
    ] {
        store
            .search(&query(text))
            .unwrap_or_else(|error| panic!("{text:?}: {error}"));
    }
    assert!(
        sessions_of(store, &query("pods OR CIDR")).is_empty(),
        "OR is a word to find, not an operator"
    );
    assert_eq!(
        sessions_of(store, &query("-pods")),
        sessions_of(store, &query("pods")),
        "a minus never excludes"
    );
    assert_eq!(names(store), ["eks", "vpc"], "nothing was dropped");
}

/// A word finds the words it begins and its other forms ("pod" finds "pods").
pub fn search_finds_words_by_their_beginning<S: SessionStore>(store: &mut S) {
    add_chats(store);
    let found = sessions_of(store, &query("pod"));
    assert!(found.contains(&("eks".to_owned(), Some(0))), "{found:?}");
    assert!(found.contains(&("vpc".to_owned(), Some(1))), "{found:?}");
    let found = sessions_of(store, &query("clust"));
    assert!(found.contains(&("eks".to_owned(), Some(0))), "{found:?}");
}

/// Search sees every write at once: created, appended, replaced, deleted.
pub fn search_follows_every_change<S: SessionStore>(store: &mut S) {
    add_chats(store);
    store
        .append_messages(
            "vpc",
            &[Message::new(Role::User, "kubectl drains the node")],
            &SessionUpdate::at(at("2026-02-01T00:00:00Z")),
        )
        .expect("appended");
    assert_eq!(
        sessions_of(store, &query("kubectl")),
        [("vpc".to_owned(), Some(2))]
    );
    let mut replaced = store.get("eks").expect("found");
    replaced.messages.truncate(1);
    store.replace(&replaced).expect("replaced");
    assert!(
        sessions_of(store, &query("CPU")).is_empty(),
        "the replaced message is gone"
    );
    store.delete(&["vpc".into()]).expect("deleted");
    assert!(
        sessions_of(store, &query("kubectl")).is_empty(),
        "the deleted session is gone"
    );
    store.update_index().expect("indexes");
    assert!(sessions_of(store, &query("kubectl")).is_empty());
    assert_eq!(
        sessions_of(store, &query("cluster")),
        [("eks".to_owned(), Some(0))]
    );
}

fn restore(name: &str) -> RestoreRequest {
    RestoreRequest {
        pick: TrashPick::Newest(name.to_owned()),
        rename: None,
    }
}

fn found<S: SessionStore>(store: &S, text: &str) -> usize {
    store.search(&query(text)).expect("searches").len()
}

/// A trashed session is gone from every read until restored with every field.
pub fn a_trashed_session_is_gone_until_restored_whole<S: SessionStore>(store: &mut S) {
    let original = session("s1");
    store.create(&original).expect("created");
    store.create(&session("s2")).expect("created");
    store.update_index().expect("indexes");
    assert_eq!(found(store, "héllo"), 2);
    let when = at("2026-03-01T10:00:00.123456789Z");
    store
        .trash(&["s1".into(), "s1".into()], when)
        .expect("trashed");
    assert!(matches!(store.get("s1"), Err(StoreError::NotFound { .. })));
    assert!(!store.exists("s1").expect("exists"));
    assert_eq!(store.list().expect("list").len(), 1);
    assert_eq!(found(store, "héllo"), 1, "the index forgot it");
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
    assert_eq!(found(store, "héllo"), 2, "searchable again");
}

/// Trashing an unknown name trashes nothing.
pub fn an_unknown_name_trashes_nothing<S: SessionStore>(store: &mut S) {
    store.create(&session("s1")).expect("created");
    assert!(matches!(
        store.trash(&["s1".into(), "nope".into()], at("2026-01-01T00:00:00Z")),
        Err(StoreError::NotFound { name }) if name == "nope"
    ));
    assert!(store.exists("s1").expect("exists"));
    assert!(store.trash_list().expect("trash").is_empty());
}

/// The trash keeps every trashed copy of a name; restore picks the newest or an id, under the
/// old name or a new one, all or nothing.
pub fn a_name_can_be_trashed_twice_and_restored_by_newest_id_or_new_name<S: SessionStore>(
    store: &mut S,
) {
    let mut first = session("s1");
    first.model = "first".into();
    store.create(&first).expect("created");
    store
        .trash(&["s1".into()], at("2026-01-01T00:00:00Z"))
        .expect("trashed");
    let mut second = session("s1");
    second.model = "second".into();
    store.create(&second).expect("created again");
    store
        .trash(&["s1".into()], at("2026-01-02T00:00:00Z"))
        .expect("trashed");
    let entries = store.trash_list().expect("trash");
    assert_eq!(entries.len(), 2);
    assert!(entries[0].id < entries[1].id, "oldest first");

    store.create(&session("s1")).expect("a live one");
    assert!(matches!(
        store.restore(&[restore("s1")]),
        Err(StoreError::AlreadyExists { name }) if name == "s1"
    ));
    assert_eq!(store.trash_list().expect("trash").len(), 2);
    let restored = store
        .restore(&[RestoreRequest {
            pick: TrashPick::Newest("s1".into()),
            rename: Some("s1-back".into()),
        }])
        .expect("restored");
    assert_eq!(restored[0].name, "s1-back");
    assert_eq!(store.get("s1-back").expect("back").model, "second");
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

/// `clean` keeps the newest, trashes (or purges) the inactive rest, and says which.
pub fn clean_keeps_the_newest_and_trashes_the_rest_as_cleaned<S: SessionStore>(store: &mut S) {
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
    let cleaned: Vec<&str> = cleaned
        .iter()
        .map(|session| session.name.as_str())
        .collect();
    assert_eq!(cleaned, ["older"], "old is among the two newest");
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
    assert_eq!(names(store), ["recent"]);
}

/// `purge_trash` removes what was trashed before the cutoff (strictly), or everything.
pub fn purge_removes_what_was_trashed_before_the_cutoff<S: SessionStore>(store: &mut S) {
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

/// Sessions that exercise every usage rule: messages with and without a time, with their own
/// provider and model or the session's, counts reported or not, across days.
fn usage_sessions() -> Vec<Session> {
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

/// `usage` equals [`usage_of`] over the whole sessions, for every kind of query.
pub fn usage_sums_equal_the_definition_over_whole_sessions<S: SessionStore>(store: &mut S) {
    let sessions = usage_sessions();
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

/// Deleted and trashed sessions are not counted.
pub fn deleted_and_trashed_sessions_count_no_more_usage<S: SessionStore>(store: &mut S) {
    for session in usage_sessions() {
        store.create(&session).expect("created");
    }
    store.delete(&["a".into()]).expect("deleted");
    store
        .trash(&["b".into()], at("2026-01-01T00:00:00Z"))
        .expect("trashed");
    let left = store.usage(&UsageQuery::default()).expect("sums");
    assert_eq!(left, usage_of(&[session("c")], &UsageQuery::default()));
}
