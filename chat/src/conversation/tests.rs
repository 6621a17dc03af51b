//! The turn engine against an in-memory store and a scripted OpenAI-compatible server on
//! 127.0.0.1, so that the whole path (request, answer, recording) is the real one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use confab_core::{
    CleanRule, Disposal, Message, RestoreRequest, Restored, Role, SearchHit, SearchQuery, Session,
    SessionStore, SessionSummary, SessionUpdate, StoreError, TrashEntry, TrashPick, TrashReason,
};
use serde_json::{Value, json};

use super::*;
use crate::Api;

/// A session store in memory that counts its writes and can be told to refuse them.
#[derive(Default)]
struct MemoryStore {
    sessions: BTreeMap<String, Session>,
    creates: usize,
    appends: Vec<(String, Vec<Message>, SessionUpdate)>,
    refuse_writes: bool,
    /// The trash: entries and the sessions they hold. The chat never trashes; this is here
    /// because every store has one.
    trash: Vec<(TrashEntry, Session)>,
}

impl MemoryStore {
    fn keep(&mut self, session: Session, reason: TrashReason, trashed_at: jiff::Timestamp) {
        let summary = session.summary();
        let entry = TrashEntry {
            id: self
                .trash
                .iter()
                .map(|(entry, _)| entry.id)
                .max()
                .unwrap_or(0)
                + 1,
            name: summary.name.clone(),
            trashed_at,
            reason,
            message_count: summary.message_count,
            size: 0,
            last_active_at: summary.last_activity(),
        };
        self.trash.push((entry, session));
    }

    fn refused(&self) -> Result<(), StoreError> {
        match self.refuse_writes {
            true => Err(StoreError::Backend {
                message: "the disk is full".to_owned(),
                source: None,
            }),
            false => Ok(()),
        }
    }
}

impl SessionStore for MemoryStore {
    fn create(&mut self, session: &Session) -> Result<(), StoreError> {
        self.refused()?;
        if self.sessions.contains_key(&session.name) {
            return Err(StoreError::AlreadyExists {
                name: session.name.clone(),
            });
        }
        self.creates += 1;
        self.sessions.insert(session.name.clone(), session.clone());
        Ok(())
    }

    fn get(&self, name: &str) -> Result<Session, StoreError> {
        self.sessions
            .get(name)
            .cloned()
            .ok_or_else(|| StoreError::NotFound {
                name: name.to_owned(),
            })
    }

    fn exists(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.sessions.contains_key(name))
    }

    fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        Ok(self.sessions.values().map(Session::summary).collect())
    }

    fn append_messages(
        &mut self,
        name: &str,
        messages: &[Message],
        update: &SessionUpdate,
    ) -> Result<(), StoreError> {
        self.refused()?;
        let session = self
            .sessions
            .get_mut(name)
            .ok_or_else(|| StoreError::NotFound {
                name: name.to_owned(),
            })?;
        if let Some(conflict) = update.conflict(name, session.messages.len() as u64) {
            return Err(conflict);
        }
        session.messages.extend_from_slice(messages);
        update.apply_to(session);
        self.appends
            .push((name.to_owned(), messages.to_vec(), update.clone()));
        Ok(())
    }

    fn replace(&mut self, session: &Session) -> Result<(), StoreError> {
        self.refused()?;
        self.sessions.insert(session.name.clone(), session.clone());
        Ok(())
    }

    fn rename(&mut self, old: &str, new: &str) -> Result<(), StoreError> {
        self.refused()?;
        if self.sessions.contains_key(new) && old != new {
            return Err(StoreError::AlreadyExists {
                name: new.to_owned(),
            });
        }
        let mut session = self
            .sessions
            .remove(old)
            .ok_or_else(|| StoreError::NotFound {
                name: old.to_owned(),
            })?;
        session.name = new.to_owned();
        self.sessions.insert(new.to_owned(), session);
        Ok(())
    }

    fn metadata_values(&self, key: &str) -> Result<Vec<(String, serde_json::Value)>, StoreError> {
        Ok(self
            .sessions
            .values()
            .filter_map(|session| {
                let value = session.metadata.as_ref()?.get(key)?;
                Some((session.name.clone(), value.clone()))
            })
            .collect())
    }

    fn store_all(&mut self, sessions: &[Session], overwrite: bool) -> Result<(), StoreError> {
        self.refused()?;
        if let Some(taken) = sessions
            .iter()
            .find(|session| !overwrite && self.sessions.contains_key(&session.name))
        {
            return Err(StoreError::AlreadyExists {
                name: taken.name.clone(),
            });
        }
        for session in sessions {
            self.sessions.insert(session.name.clone(), session.clone());
        }
        Ok(())
    }

    fn delete(&mut self, names: &[String]) -> Result<(), StoreError> {
        self.refused()?;
        for name in names {
            self.sessions.remove(name);
        }
        Ok(())
    }

    fn trash(&mut self, names: &[String], trashed_at: jiff::Timestamp) -> Result<(), StoreError> {
        self.refused()?;
        if let Some(name) = names.iter().find(|name| !self.sessions.contains_key(*name)) {
            return Err(StoreError::NotFound { name: name.clone() });
        }
        for name in names {
            if let Some(session) = self.sessions.remove(name) {
                self.keep(session, TrashReason::Deleted, trashed_at);
            }
        }
        Ok(())
    }

    fn clean(
        &mut self,
        rule: &CleanRule,
        disposal: Disposal,
    ) -> Result<Vec<SessionSummary>, StoreError> {
        self.refused()?;
        let stale = rule.select(self.list()?);
        for summary in &stale {
            if let (Some(session), Disposal::Trash { trashed_at }) =
                (self.sessions.remove(&summary.name), disposal)
            {
                self.keep(session, TrashReason::Cleaned, trashed_at);
            }
        }
        Ok(stale)
    }

    fn trash_list(&self) -> Result<Vec<TrashEntry>, StoreError> {
        Ok(self.trash.iter().map(|(entry, _)| entry.clone()).collect())
    }

    fn restore(&mut self, requests: &[RestoreRequest]) -> Result<Vec<Restored>, StoreError> {
        self.refused()?;
        let mut restored = Vec::new();
        for request in requests {
            let at = self
                .trash
                .iter()
                .rposition(|(entry, _)| match &request.pick {
                    TrashPick::Newest(name) => entry.name == *name,
                    TrashPick::Id(id) => entry.id == *id,
                })
                .ok_or_else(|| StoreError::NotInTrash {
                    pick: request.pick.clone(),
                })?;
            let (entry, mut session) = self.trash.remove(at);
            if let Some(name) = &request.rename {
                session.name.clone_from(name);
            }
            let name = session.name.clone();
            self.create(&session)?;
            restored.push(Restored { entry, name });
        }
        Ok(restored)
    }

    fn purge_trash(
        &mut self,
        trashed_before: Option<jiff::Timestamp>,
    ) -> Result<Vec<TrashEntry>, StoreError> {
        self.refused()?;
        let (purged, kept) = std::mem::take(&mut self.trash)
            .into_iter()
            .partition(|(entry, _)| trashed_before.is_none_or(|before| entry.trashed_at < before));
        self.trash = kept;
        Ok(purged.into_iter().map(|(entry, _)| entry).collect())
    }

    fn search(&self, _query: &SearchQuery) -> Result<Vec<SearchHit>, StoreError> {
        Ok(Vec::new())
    }
}

/// A server that answers each request with the next scripted `(status, body)` (500 once the
/// script is out) and keeps the requests' bodies.
struct Server {
    server: Arc<tiny_http::Server>,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl Server {
    fn start(script: Vec<(u16, Value)>) -> Server {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("binds"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (listener, seen) = (Arc::clone(&server), Arc::clone(&requests));
        std::thread::spawn(move || {
            let mut script = script.into_iter();
            for mut request in listener.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                if let Ok(mut seen) = seen.lock() {
                    seen.push(serde_json::from_str(&body).unwrap_or(Value::Null));
                }
                let (status, answer) = script
                    .next()
                    .unwrap_or((500, json!({"error": {"message": "script is out"}})));
                let header = tiny_http::Header::from_bytes("content-type", "application/json")
                    .expect("header");
                let response = tiny_http::Response::from_string(answer.to_string())
                    .with_status_code(status)
                    .with_header(header);
                let _ = request.respond(response);
            }
        });
        Server { server, requests }
    }

    fn target(&self, provider: &str, model: &str) -> Target {
        let port = self
            .server
            .server_addr()
            .to_ip()
            .expect("an IP address")
            .port();
        let spec = ProviderSpec {
            name: provider.to_owned(),
            api: Api::OpenAi,
            base_url: format!("http://127.0.0.1:{port}/v1"),
            api_key_env: None,
            model: Some(model.to_owned()),
            max_tokens: None,
            timeout: Duration::from_secs(10),
            limits: crate::AnswerLimits::default(),
        };
        let provider = spec.connect(|_| None).expect("connects");
        Target {
            spec,
            provider,
            model: model.to_owned(),
        }
    }

    fn requests(&self) -> Vec<Value> {
        self.requests.lock().expect("not poisoned").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// An OpenAI chat completion saying `text`, stopping for `finish_reason`.
fn completion(text: &str, finish_reason: &str) -> (u16, Value) {
    (
        200,
        json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "fake-model-2026",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2},
        }),
    )
}

const OPTIONS: TurnOptions = TurnOptions {
    max_tokens: None,
    stream: false,
};

fn never() -> bool {
    false
}

/// Runs a turn, collecting the answer's text.
fn turn(
    conversation: &mut Conversation,
    store: &mut MemoryStore,
    text: &str,
) -> (Result<TurnOutcome, TurnError>, String) {
    let mut shown = String::new();
    let result = conversation.turn(store, text, &mut |piece| shown.push_str(piece), &never);
    (result, shown)
}

/// A stored session with one turn, made with `provider`/`model`.
fn stored_session(store: &mut MemoryStore, name: &str, provider: &str, model: &str) -> Session {
    let mut session = Conversation::start(
        name,
        None,
        Server::start(vec![]).target(provider, model),
        OPTIONS,
    )
    .expect("valid name")
    .session
    .clone();
    session.messages = vec![
        Message::new(Role::User, "Hi"),
        Message::new(Role::Assistant, "Hello"),
    ];
    store.create(&session).expect("created");
    store.creates = 0;
    session
}

#[test]
fn the_first_turn_creates_the_session_with_both_messages() {
    let server = Server::start(vec![completion("Hello there", "stop")]);
    let mut store = MemoryStore::default();
    let mut conversation = Conversation::start(
        "s1",
        Some("/srv/x".into()),
        server.target("fake", "m"),
        OPTIONS,
    )
    .expect("valid name");
    assert!(!conversation.is_stored());
    assert!(
        !store.exists("s1").expect("reads"),
        "nothing before the answer"
    );
    let (result, shown) = turn(&mut conversation, &mut store, "Hi");
    let outcome = result.expect("recorded");
    assert_eq!(shown, "Hello there");
    assert!(outcome.created);
    assert_eq!(outcome.notes, []);
    assert_eq!(outcome.switched_from, None);
    assert!(conversation.is_stored());
    assert_eq!((store.creates, store.appends.len()), (1, 0));
    let session = store.get("s1").expect("stored");
    assert_eq!(
        (session.provider.as_str(), session.model.as_str()),
        ("fake", "m")
    );
    assert_eq!(session.project_path.as_deref(), Some("/srv/x"));
    let roles: Vec<Role> = session
        .messages
        .iter()
        .map(|message| message.role)
        .collect();
    assert_eq!(roles, [Role::User, Role::Assistant]);
    assert_eq!(session.messages[1].content, "Hello there");
    assert_eq!(
        session.messages[1].model.as_deref(),
        Some("fake-model-2026")
    );
    assert_eq!(session.messages[1].provider.as_deref(), Some("fake"));
    assert_eq!(Some(session.created_at), session.messages[0].created_at);
}

#[test]
fn a_later_turn_sends_the_history_and_appends_both_messages_at_once() {
    let server = Server::start(vec![completion("One", "stop"), completion("Two", "stop")]);
    let mut store = MemoryStore::default();
    let mut conversation =
        Conversation::start("s1", None, server.target("fake", "m"), OPTIONS).expect("valid");
    turn(&mut conversation, &mut store, "First")
        .0
        .expect("recorded");
    let outcome = turn(&mut conversation, &mut store, "Second")
        .0
        .expect("recorded");
    assert!(!outcome.created);
    assert_eq!((store.creates, store.appends.len()), (1, 1));
    let (name, messages, update) = &store.appends[0];
    assert_eq!(name, "s1");
    let texts: Vec<&str> = messages
        .iter()
        .map(|message| message.content.as_str())
        .collect();
    assert_eq!(texts, ["Second", "Two"]);
    assert_eq!(
        (update.provider_model.as_ref(), update.metadata.as_ref()),
        (None, None)
    );
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    let roles: Vec<&str> = sent[1]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|message| message["role"].as_str())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(conversation.message_count(), 4);
    assert_eq!(store.get("s1").expect("stored").messages.len(), 4);
}

#[test]
fn a_failed_request_records_nothing_and_hands_the_text_back() {
    let server = Server::start(vec![(
        429,
        json!({"error": {"message": "slow down", "type": "rate_limit"}}),
    )]);
    let mut store = MemoryStore::default();
    let mut conversation =
        Conversation::start("s1", None, server.target("fake", "m"), OPTIONS).expect("valid");
    let error = turn(&mut conversation, &mut store, "Keep this")
        .0
        .expect_err("fails");
    assert_eq!(error.text(), Some("Keep this"));
    match &error {
        TurnError::Request { url, source, .. } => {
            assert!(url.ends_with("/v1/chat/completions"), "{url}");
            assert!(
                matches!(source, ChatError::Status { status: 429, .. }),
                "{source:?}"
            );
        }
        other => panic!("not a request error: {other:?}"),
    }
    let source = std::error::Error::source(&error).expect("a source");
    assert!(
        source.to_string().contains("slow down"),
        "the chain keeps the cause"
    );
    assert!(!conversation.is_stored());
    assert_eq!(conversation.message_count(), 0);
    assert!(store.sessions.is_empty());

    // The same on a stored session: no append, and the next turn sends no trace of it.
    let server = Server::start(vec![(500, json!({})), completion("Fine", "stop")]);
    let session = stored_session(&mut store, "s2", "fake", "m");
    let mut conversation = Conversation::resume(session, server.target("fake", "m"), OPTIONS);
    turn(&mut conversation, &mut store, "Lost?")
        .0
        .expect_err("fails");
    assert!(store.appends.is_empty());
    assert_eq!(conversation.message_count(), 2);
    turn(&mut conversation, &mut store, "Again")
        .0
        .expect("recorded");
    assert_eq!(
        server.requests()[1]["messages"].as_array().map(Vec::len),
        Some(3)
    );
}

#[test]
fn a_cancelled_turn_records_nothing() {
    let server = Server::start(vec![completion("Too late", "stop")]);
    let mut store = MemoryStore::default();
    let session = stored_session(&mut store, "s1", "fake", "m");
    let mut conversation = Conversation::resume(session, server.target("fake", "m"), OPTIONS);
    let mut shown = String::new();
    let result = conversation.turn(
        &mut store,
        "Stop me",
        &mut |piece| shown.push_str(piece),
        &|| true,
    );
    assert!(matches!(result, Err(TurnError::Cancelled)), "{result:?}");
    assert_eq!(shown, "");
    assert!(store.appends.is_empty());
    assert_eq!(conversation.message_count(), 2);
    assert_eq!(store.get("s1").expect("stored").messages.len(), 2);
}

#[test]
fn an_answer_the_store_refuses_is_not_kept_half() {
    let server = Server::start(vec![
        completion("Saved?", "stop"),
        completion("Yes", "stop"),
    ]);
    let mut store = MemoryStore {
        refuse_writes: true,
        ..MemoryStore::default()
    };
    let mut conversation =
        Conversation::start("s1", None, server.target("fake", "m"), OPTIONS).expect("valid");
    let (result, shown) = turn(&mut conversation, &mut store, "Write it down");
    let error = result.expect_err("refused");
    assert_eq!(
        shown, "Saved?",
        "the answer was shown before the store refused it"
    );
    assert_eq!(error.text(), Some("Write it down"));
    assert!(matches!(
        error,
        TurnError::Store {
            source: StoreError::Backend { .. },
            ..
        }
    ));
    assert!(!conversation.is_stored());
    assert_eq!(conversation.message_count(), 0);
    store.refuse_writes = false;
    let outcome = turn(&mut conversation, &mut store, "Try again")
        .0
        .expect("recorded");
    assert!(outcome.created);
    assert_eq!(store.get("s1").expect("stored").messages.len(), 2);
}

#[test]
fn a_switch_of_provider_or_model_is_recorded_with_the_next_turn() {
    let server = Server::start(vec![
        completion("New voice", "stop"),
        completion("Still", "stop"),
    ]);
    let mut store = MemoryStore::default();
    let session = stored_session(&mut store, "s1", "old", "model-0");
    let mut conversation = Conversation::resume(session, server.target("fake", "m"), OPTIONS);
    let from = ProviderModel {
        provider: "old".into(),
        model: "model-0".into(),
    };
    assert_eq!(conversation.switched_from(), Some(from.clone()));
    assert_eq!(from.to_string(), "old/model-0");
    assert_eq!(conversation.next_provider_model().to_string(), "fake/m");
    assert_eq!(
        store.get("s1").expect("stored").provider,
        "old",
        "not before an answer"
    );

    let outcome = turn(&mut conversation, &mut store, "Who are you?")
        .0
        .expect("recorded");
    assert_eq!(outcome.switched_from, Some(from));
    assert_eq!(
        store.appends.len(),
        1,
        "one transaction for the turn and the switch"
    );
    let (_, messages, update) = &store.appends[0];
    assert_eq!(messages.len(), 2);
    assert_eq!(
        update.provider_model,
        Some(("fake".to_owned(), "m".to_owned()))
    );
    let changes = &update.metadata.as_ref().expect("metadata")[MODEL_CHANGES_KEY];
    assert_eq!(changes.as_array().map(Vec::len), Some(1));
    assert_eq!(
        changes[0]["from"],
        json!({"provider": "old", "model": "model-0"})
    );
    assert_eq!(changes[0]["to"], json!({"provider": "fake", "model": "m"}));
    assert!(
        changes[0]["at"]
            .as_str()
            .is_some_and(|at| at.parse::<Timestamp>().is_ok())
    );
    let stored = store.get("s1").expect("stored");
    assert_eq!(
        (stored.provider.as_str(), stored.model.as_str()),
        ("fake", "m")
    );
    assert_eq!(conversation.session().metadata, stored.metadata);

    assert_eq!(conversation.switched_from(), None, "moved");
    let outcome = turn(&mut conversation, &mut store, "And now?")
        .0
        .expect("recorded");
    assert_eq!(outcome.switched_from, None);
    assert_eq!(store.appends[1].2.provider_model, None, "recorded once");
}

#[test]
fn a_switch_refused_by_the_store_stays_pending() {
    let server = Server::start(vec![completion("A", "stop"), completion("B", "stop")]);
    let mut store = MemoryStore::default();
    let session = stored_session(&mut store, "s1", "old", "model-0");
    let mut conversation = Conversation::resume(session, server.target("fake", "m"), OPTIONS);
    store.refuse_writes = true;
    turn(&mut conversation, &mut store, "One")
        .0
        .expect_err("refused");
    assert!(conversation.switched_from().is_some());
    assert_eq!(conversation.session().provider, "old");
    store.refuse_writes = false;
    turn(&mut conversation, &mut store, "Two")
        .0
        .expect("recorded");
    let metadata = store.get("s1").expect("stored").metadata.expect("metadata");
    assert_eq!(
        metadata[MODEL_CHANGES_KEY].as_array().map(Vec::len),
        Some(1)
    );
}

#[test]
fn notes_tell_what_the_answer_lacks() {
    let tool_call = json!({
        "id": "chatcmpl-2",
        "model": "m",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": null, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
            ]},
            "finish_reason": "tool_calls",
        }],
    });
    let server = Server::start(vec![
        completion("", "content_filter"),
        completion("Once upon", "length"),
        (200, tool_call),
    ]);
    let mut store = MemoryStore::default();
    let options = TurnOptions {
        max_tokens: Some(7),
        stream: false,
    };
    let mut conversation =
        Conversation::start("s1", None, server.target("fake", "m"), options).expect("valid");
    let notes = |conversation: &mut Conversation, store: &mut MemoryStore| {
        turn(conversation, store, "Go").0.expect("recorded").notes
    };
    let empty = notes(&mut conversation, &mut store);
    assert_eq!(
        empty,
        [Note::EmptyAnswer {
            stop_reason: Some("content_filter".into())
        }]
    );
    assert_eq!(
        empty[0].to_string(),
        "the answer is empty (the provider's stop reason: content_filter)"
    );
    assert_eq!(
        notes(&mut conversation, &mut store),
        [Note::TokenLimit {
            max_tokens: Some(7)
        }]
    );
    let tools = notes(&mut conversation, &mut store);
    assert_eq!(
        tools,
        [Note::ToolsNotRun {
            tools: vec!["ls".into()]
        }]
    );
    assert!(tools[0].to_string().contains("recorded in the session"));
    assert_eq!(server.requests()[0]["max_tokens"], json!(7));
    assert_eq!(
        store.get("s1").expect("stored").messages.len(),
        6,
        "all recorded"
    );
}

#[test]
fn fresh_names_avoid_taken_ones() {
    let now: ZonedDateTime = "2026-03-01T10:20:30+00:00[UTC]".parse().expect("time");
    let mut store = MemoryStore::default();
    assert_eq!(
        fresh_name(&store, &now).expect("free"),
        "session-20260301-102030"
    );
    for name in ["session-20260301-102030", "session-20260301-102030-2"] {
        stored_session(&mut store, name, "fake", "m");
    }
    assert_eq!(
        fresh_name(&store, &now).expect("free"),
        "session-20260301-102030-3"
    );
    for suffix in 3..=MAX_SUFFIX {
        stored_session(
            &mut store,
            &format!("session-20260301-102030-{suffix}"),
            "fake",
            "m",
        );
    }
    let error = fresh_name(&store, &now).expect_err("all taken");
    assert!(matches!(error, FreshNameError::AllTaken { .. }));
    assert_eq!(
        error.to_string(),
        "the names session-20260301-102030-2 to session-20260301-102030-99 are all taken"
    );
}

#[test]
fn the_model_is_the_one_asked_else_the_sessions_else_the_providers() {
    let spec = ProviderSpec::builtin("ollama").expect("builtin");
    let mut session = Conversation::start(
        "s",
        None,
        Server::start(vec![]).target("ollama", "qwen"),
        OPTIONS,
    )
    .expect("valid")
    .session
    .clone();
    assert_eq!(
        choose_model(Some("phi"), Some(&session), &spec).as_deref(),
        Some("phi")
    );
    assert_eq!(
        choose_model(None, Some(&session), &spec).as_deref(),
        Some("qwen")
    );
    assert_eq!(choose_model(None, None, &spec).as_deref(), Some("llama3.2"));
    session.provider = "openai".into();
    assert_eq!(
        choose_model(None, Some(&session), &spec).as_deref(),
        Some("llama3.2"),
        "another provider's model is not carried over"
    );
    let bare = ProviderSpec {
        model: None,
        ..spec
    };
    assert_eq!(choose_model(None, None, &bare), None);
}

#[test]
fn invalid_names_are_refused_before_any_request() {
    let server = Server::start(vec![]);
    let error =
        Conversation::start("../x", None, server.target("fake", "m"), OPTIONS).expect_err("bad");
    assert_eq!(error.name, "../x");
    assert!(server.requests().is_empty());
}

#[test]
fn a_default_name_taken_before_the_first_answer_moves_to_the_next_free_one() {
    let now: ZonedDateTime = "2026-03-01T10:20:30+00:00[UTC]".parse().expect("time");
    let server = Server::start(vec![completion("Hello", "stop")]);
    let mut store = MemoryStore::default();
    let mut conversation = Conversation::start_with_default_name(
        &store,
        &now,
        None,
        server.target("fake", "m"),
        OPTIONS,
    )
    .expect("a free name");
    assert_eq!(conversation.name(), "session-20260301-102030");
    // Two other chats started in the same second store their first answers first.
    for name in ["session-20260301-102030", "session-20260301-102030-2"] {
        stored_session(&mut store, name, "fake", "m");
    }
    let (result, _) = turn(&mut conversation, &mut store, "Hi");
    let outcome = result.expect("recorded under another name");
    assert_eq!(conversation.name(), "session-20260301-102030-3");
    assert_eq!(
        outcome.notes,
        [Note::NameTaken {
            taken: "session-20260301-102030".into(),
            stored_as: "session-20260301-102030-3".into(),
        }]
    );
    let stored = store.get("session-20260301-102030-3").expect("stored");
    assert_eq!(stored.messages.len(), 2);
    assert_eq!(
        store
            .get("session-20260301-102030")
            .expect("theirs")
            .messages[0]
            .content,
        "Hi",
        "the other chats' sessions are untouched"
    );
}

#[test]
fn a_name_the_user_gave_never_moves() {
    // Another chat created the session this one was about to create: nothing of this turn is
    // recorded, the conversation now holds the other's session under the same name, and the
    // text comes back to be sent again.
    let server = Server::start(vec![completion("Hello", "stop")]);
    let mut store = MemoryStore::default();
    let mut conversation =
        Conversation::start("mine", None, server.target("fake", "m"), OPTIONS).expect("valid");
    stored_session(&mut store, "mine", "fake", "m");
    let (result, _) = turn(&mut conversation, &mut store, "Hi");
    let error = result.expect_err("the name is taken");
    let TurnError::Conflict { text, changes } = &error else {
        panic!("expected a conflict: {error:?}");
    };
    assert_eq!(text, "Hi", "the message is handed back");
    assert_eq!(changes.added.len(), 2, "the other chat's turn");
    assert_eq!(conversation.name(), "mine");
    assert!(conversation.is_stored());
    assert_eq!(store.get("mine").expect("kept").messages.len(), 2);
}

#[test]
fn a_turn_another_chat_beat_is_not_recorded_and_builds_on_theirs_when_sent_again() {
    let server = Server::start(vec![
        completion("Stale", "stop"),
        completion("Fresh", "stop"),
    ]);
    let mut store = MemoryStore::default();
    let session = stored_session(&mut store, "s", "fake", "m");
    let mut conversation =
        Conversation::resume(session, server.target("fake", "m"), OPTIONS).by("alice");
    // Bob's turn lands while Alice waits for her answer.
    let bob = [
        Message::new(Role::User, "Bob asks"),
        Message::new(Role::Assistant, "Bob's answer"),
    ];
    let mut update = SessionUpdate::at(jiff::Timestamp::now());
    update.by = Some("bob".to_owned());
    store
        .append_messages("s", &bob, &update)
        .expect("bob's turn");

    let (result, _) = turn(&mut conversation, &mut store, "Alice asks");
    let error = result.expect_err("alice's turn is stale");
    let TurnError::Conflict { changes, .. } = &error else {
        panic!("expected a conflict: {error:?}");
    };
    assert_eq!(changes.added, bob);
    assert_eq!(changes.by.as_deref(), Some("bob"));
    assert!(!changes.rewritten);
    assert_eq!(
        store.get("s").expect("kept").messages.len(),
        4,
        "nothing of alice's"
    );

    turn(&mut conversation, &mut store, "Alice asks")
        .0
        .expect("recorded after bob's turn");
    let stored = store.get("s").expect("kept");
    let texts: Vec<&str> = stored.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Hi",
            "Hello",
            "Bob asks",
            "Bob's answer",
            "Alice asks",
            "Fresh"
        ]
    );
    assert_eq!(stored.updated_by.as_deref(), Some("alice"));
    let requests = server.requests();
    let asked: Vec<&str> = requests[1]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|message| message["content"].as_str())
        .collect();
    assert_eq!(
        asked,
        ["Hi", "Hello", "Bob asks", "Bob's answer", "Alice asks"]
    );
}

#[test]
fn catching_up_tells_what_others_added_or_that_the_session_was_replaced() {
    let mut store = MemoryStore::default();
    let session = stored_session(&mut store, "s", "fake", "m");
    let mut conversation = Conversation::resume(
        session.clone(),
        Server::start(vec![]).target("fake", "m"),
        OPTIONS,
    );
    assert!(conversation.catch_up(&store).expect("reads").is_empty());

    let more = [Message::new(Role::User, "More")];
    store
        .append_messages("s", &more, &SessionUpdate::at(jiff::Timestamp::now()))
        .expect("appended");
    let changes = conversation.catch_up(&store).expect("reads");
    assert_eq!(
        (changes.added.as_slice(), changes.rewritten),
        (&more[..], false)
    );
    assert_eq!(conversation.message_count(), 3);

    let mut other = session;
    other.messages = vec![Message::new(Role::User, "Something else")];
    store.replace(&other).expect("replaced");
    let changes = conversation.catch_up(&store).expect("reads");
    assert!(changes.rewritten);
    assert_eq!(changes.added, other.messages);
    assert_eq!(conversation.message_count(), 1);
}
