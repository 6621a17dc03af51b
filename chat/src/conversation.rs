//! A conversation: one session, one provider and model, and turns recorded whole or not at all.
//!
//! This is the stateful half of a chat, kept apart from any terminal so that the rules that
//! protect a user's sessions hold for every front end (the `confab` prompt and one-shot
//! `--message` today, an editor plugin tomorrow) and can be tested without one:
//!
//! - **A turn is recorded whole or not at all.** [`Conversation::turn`] sends the session's
//!   history plus the user's new message, and only when the complete answer is in does the turn
//!   reach the store: both messages in one [`SessionStore::append_messages`] transaction, or, on
//!   the first turn, one [`SessionStore::create`] of the new session with them. A request that
//!   fails or is cancelled leaves the store exactly as it was, and [`TurnError`] hands the
//!   user's text back so that it is not lost.
//! - **A switch of provider or model is part of a turn.** Resuming a session with another
//!   provider or model changes nothing until the next answer is recorded; then the session
//!   moves and the change is listed under [`MODEL_CHANGES_KEY`] in its metadata, in the same
//!   transaction. A session therefore never claims a model that wrote none of its answers.
//! - **Two people can chat in one session at once, and no turn is lost.** A turn is appended
//!   only if the session still holds the messages the request was built on
//!   ([`SessionUpdate::expected_messages`], checked by the store in the append's transaction).
//!   When another chat's turn got in first, nothing of this one is recorded:
//!   [`TurnError::Conflict`] hands back the user's text and the other turn's messages, and the
//!   conversation now holds the session as the store has it, so sending the text again asks
//!   the model with the other turn in its history and appends after it. Every answer in a
//!   transcript follows from the messages before it. [`Conversation::catch_up`] brings in what
//!   others added before a turn is even sent.
//! - **Cancelling returns at once.** The request runs on a thread of its own and hands text back
//!   over a channel, while the caller's thread polls the cancellation check it was given. A
//!   blocking read on a slow network cannot make Ctrl-C wait; the abandoned thread ends on its
//!   own at its next piece of text (the channel is closed) or at the provider's timeout.
//! - **Nothing here prints.** Answer text goes to a callback as it arrives; what a user should
//!   be told about a recorded answer (empty, tool calls that nothing runs, the token limit) comes
//!   back as [`Note`]s in the [`TurnOutcome`]; failures are typed [`TurnError`]s that keep their
//!   sources. Wording, hints and output streams are the caller's.
//!
//! Which provider and model a chat uses is settled before a [`Conversation`] exists: the caller
//! resolves its settings into a [`Target`] (with [`choose_model`] for the model), names a new
//! session (with [`fresh_name`] for a default name), and calls [`Conversation::resume`] or
//! [`Conversation::start`].

use std::fmt;
use std::ops::ControlFlow;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use confab_core::{
    InvalidSessionName, Message, Role, Session, SessionStore, SessionUpdate, StoreError,
    validate_session_name,
};
use jiff::{Timestamp, ZonedDateTime};
use serde_json::{Map, Value, json};

use crate::{ChatError, ChatRequest, PreparedRequest, Provider, ProviderSpec, Reply};

/// The session metadata key that lists the provider and model changes of a chat: an array of
/// `{"at", "from": {"provider", "model"}, "to": {"provider", "model"}}`, oldest first.
pub const MODEL_CHANGES_KEY: &str = "model_changes";

/// How often a waiting turn looks at its cancellation check: short enough to feel immediate.
const POLL: Duration = Duration::from_millis(50);

/// The highest suffix [`fresh_name`] tries (`-2`, `-3`, ... up to this).
const MAX_SUFFIX: u32 = 99;

/// A provider and a model, shown as `provider/model`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderModel {
    /// The provider's name, as sessions record it.
    pub provider: String,
    /// The model.
    pub model: String,
}

impl fmt::Display for ProviderModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, self.model)
    }
}

/// Where a conversation's turns go: the provider's settings, the connected provider, the model.
#[derive(Debug, Clone)]
pub struct Target {
    /// The provider's settings; its name is what the session records.
    pub spec: ProviderSpec,
    /// The provider, connected from `spec`.
    pub provider: Provider,
    /// The model to ask.
    pub model: String,
}

/// How each turn asks for its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TurnOptions {
    /// The most tokens an answer may have; `None` leaves it to the provider's settings.
    pub max_tokens: Option<u32>,
    /// Stream answers as they are written rather than wait for all of each.
    pub stream: bool,
}

/// Something the user should know about an answer that was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Note {
    /// The answer has neither text nor tool calls.
    EmptyAnswer {
        /// Why the provider says the model stopped, if it says.
        stop_reason: Option<String>,
    },
    /// The model called tools; confab offers none and runs none, but the calls are recorded.
    ToolsNotRun {
        /// The tools' names, in the order called.
        tools: Vec<String>,
    },
    /// The answer stopped because it reached the token limit.
    TokenLimit {
        /// The limit the request carried, if it carried one.
        max_tokens: Option<u32>,
    },
    /// The default name the new session was started under was taken by another chat before
    /// this one's first answer was stored; the session was stored under the next free name.
    NameTaken {
        /// The name the chat started with.
        taken: String,
        /// The name the session has in the store.
        stored_as: String,
    },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::EmptyAnswer { stop_reason } => write!(
                f,
                "the answer is empty (the provider's stop reason: {})",
                stop_reason.as_deref().unwrap_or("none given")
            ),
            Note::ToolsNotRun { tools } => write!(
                f,
                "the model called tools confab does not run: {} (recorded in the session)",
                tools.join(", ")
            ),
            Note::TokenLimit { .. } => f.write_str("the answer stopped at the token limit"),
            Note::NameTaken { taken, stored_as } => write!(
                f,
                "another chat stored a session named {taken} first; this one is saved as {stored_as}"
            ),
        }
    }
}

/// What a recorded turn did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnOutcome {
    /// What the user should know about the answer, in the order to tell it.
    pub notes: Vec<Note>,
    /// Whether this turn created the session in the store (it was the first).
    pub created: bool,
    /// The provider and model the session moved away from with this turn, if it moved.
    pub switched_from: Option<ProviderModel>,
}

/// Why a turn was not recorded. In every case the store is as it was before the turn.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The cancellation check said stop before the answer was complete.
    #[error("the answer was cancelled; nothing of the turn was recorded")]
    Cancelled,
    /// The request got no complete answer.
    #[error("the request to {url} got no complete answer; the message was not recorded")]
    Request {
        /// The endpoint the request went to.
        url: String,
        /// The user's message, to hand back.
        text: String,
        /// What went wrong.
        #[source]
        source: ChatError,
    },
    /// The answer came, but another chat added to the session since this one read it (or
    /// created the session this one was about to create): nothing of the turn was recorded, and
    /// the conversation now holds the session as the store has it. Sending `text` again asks
    /// the model with `changes` in the history.
    #[error("the session changed while the model answered; the turn was not recorded")]
    Conflict {
        /// The user's message, to send again.
        text: String,
        /// What the other chat added.
        changes: Changes,
    },
    /// The answer came, but the store could not record the turn.
    #[error("the answer could not be recorded")]
    Store {
        /// The user's message, to hand back.
        text: String,
        /// What the store said.
        #[source]
        source: StoreError,
    },
}

impl TurnError {
    /// The user's message of the failed turn; `None` for [`TurnError::Cancelled`], whose caller
    /// knows what it just sent.
    pub fn text(&self) -> Option<&str> {
        match self {
            TurnError::Cancelled => None,
            TurnError::Request { text, .. }
            | TurnError::Conflict { text, .. }
            | TurnError::Store { text, .. } => Some(text),
        }
    }
}

/// What others added to a session since a conversation last read it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// The messages added, oldest first.
    pub added: Vec<Message>,
    /// Who changed the session last, as the store says.
    pub by: Option<String>,
    /// The session was not a continuation of what this conversation held (it was replaced, by
    /// an import with `--overwrite` say): `added` is then the whole of it.
    pub rewritten: bool,
}

impl Changes {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && !self.rewritten
    }
}

/// Why [`fresh_name`] found no name.
#[derive(Debug, thiserror::Error)]
pub enum FreshNameError {
    /// The name of this second and every suffix tried are taken.
    #[error("the names {base}-2 to {base}-{MAX_SUFFIX} are all taken")]
    AllTaken {
        /// The name without suffix, `session-YYYYMMDD-HHMMSS`.
        base: String,
    },
    /// The store could not say which names are taken.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A chat in progress: a session and the [`Target`] of its next turn.
///
/// [`Conversation::turn`] records a turn whole or not at all: both messages in one store
/// transaction (one `create` on the first turn, one `append_messages` after), only once the
/// answer is complete. A change of provider or model reaches the store with the next recorded
/// turn, listed under [`MODEL_CHANGES_KEY`] in the session's metadata.
#[derive(Debug)]
pub struct Conversation {
    /// The session as the store has it (or will have it, once the first turn is recorded).
    session: Session,
    /// Whether the store has the session yet.
    stored: bool,
    /// For a new session named by [`fresh_name`], the name without suffix: when another process
    /// takes the name first, the first turn is stored under the next free one, so an answer
    /// that was streamed (and paid for) is never refused over a name nobody chose.
    default_base: Option<String>,
    target: Target,
    options: TurnOptions,
    /// Who is chatting: recorded as the session's creator on its first turn and as its last
    /// changer on every turn.
    user: Option<String>,
}

impl Conversation {
    /// Continues `session`, as the store has it, with `target`. If the target's provider or
    /// model differs from the session's, the session moves to it with the next recorded turn.
    pub fn resume(session: Session, target: Target, options: TurnOptions) -> Conversation {
        Conversation {
            session,
            stored: true,
            default_base: None,
            target,
            options,
            user: None,
        }
    }

    /// Starts a session called `name` with `target`; it reaches the store with its first turn.
    /// `project_path` is recorded as the session's project.
    pub fn start(
        name: &str,
        project_path: Option<String>,
        target: Target,
        options: TurnOptions,
    ) -> Result<Conversation, InvalidSessionName> {
        validate_session_name(name)?;
        let now = Timestamp::now();
        let session = Session {
            name: name.to_owned(),
            provider: target.spec.name.clone(),
            model: target.model.clone(),
            skill: None,
            project_path,
            created_at: now,
            updated_at: now,
            imported_at: None,
            created_by: None,
            updated_by: None,
            metadata: None,
            context: None,
            messages: Vec::new(),
        };
        Ok(Conversation {
            session,
            stored: false,
            default_base: None,
            target,
            options,
            user: None,
        })
    }

    /// Starts a session named by [`fresh_name`] at `now`. Unlike [`Conversation::start`], the
    /// name is settled when the first turn is stored: if another chat (started in the same
    /// second, say) stored a session of that name meanwhile, this one takes the next free
    /// suffix and the turn's outcome says so with [`Note::NameTaken`].
    pub fn start_with_default_name(
        store: &dyn SessionStore,
        now: &ZonedDateTime,
        project_path: Option<String>,
        target: Target,
        options: TurnOptions,
    ) -> Result<Conversation, FreshNameError> {
        let name = fresh_name(store, now)?;
        let mut conversation = Conversation::start(&name, project_path, target, options)
            .map_err(|error| FreshNameError::Store(StoreError::InvalidName(error)))?;
        conversation.default_base = Some(default_base(now));
        Ok(conversation)
    }

    /// Records `user` as the person chatting: the session's `created_by` when this chat creates
    /// it, its `updated_by` with every turn.
    #[must_use]
    pub fn by(mut self, user: impl Into<String>) -> Conversation {
        self.user = Some(user.into());
        self
    }

    /// Brings in what others added to the session since this conversation read it, and says
    /// what that was. A session not stored yet is adopted if another chat created it meanwhile
    /// (under a name the user chose; a default name moves on when the turn is recorded).
    pub fn catch_up(&mut self, store: &dyn SessionStore) -> Result<Changes, StoreError> {
        if !self.stored {
            if self.default_base.is_some() || !store.exists(&self.session.name)? {
                return Ok(Changes::default());
            }
            self.stored = true;
        }
        let stored = store.get(&self.session.name)?;
        let held = self.session.messages.len();
        let continues =
            stored.messages.len() >= held && stored.messages[..held] == self.session.messages[..];
        let changes = Changes {
            added: match continues {
                true => stored.messages[held..].to_vec(),
                false => stored.messages.clone(),
            },
            by: stored.updated_by.clone(),
            rewritten: !continues,
        };
        self.session = stored;
        Ok(changes)
    }

    /// The session's name.
    pub fn name(&self) -> &str {
        &self.session.name
    }

    /// The session as recorded so far (provider and model are the session's, not yet the
    /// target's when the chat switches).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Whether the store has the session yet.
    pub fn is_stored(&self) -> bool {
        self.stored
    }

    /// How many messages the session has.
    pub fn message_count(&self) -> usize {
        self.session.messages.len()
    }

    /// Where the next turn goes.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The provider and model of the next turn.
    pub fn next_provider_model(&self) -> ProviderModel {
        ProviderModel {
            provider: self.target.spec.name.clone(),
            model: self.target.model.clone(),
        }
    }

    /// The provider and model the session has, when the next turn moves it away from them.
    pub fn switched_from(&self) -> Option<ProviderModel> {
        self.switching().then(|| ProviderModel {
            provider: self.session.provider.clone(),
            model: self.session.model.clone(),
        })
    }

    fn switching(&self) -> bool {
        self.session.provider != self.target.spec.name || self.session.model != self.target.model
    }

    /// Sends `text` with the whole history, hands the answer's text to `on_text` as it arrives,
    /// and records both messages in `store`. `cancelled` is polled while the answer is awaited;
    /// once it returns `true` the turn ends with [`TurnError::Cancelled`] without waiting for the
    /// network. On any error nothing is recorded and the conversation is as it was.
    pub fn turn(
        &mut self,
        store: &mut dyn SessionStore,
        text: &str,
        on_text: &mut dyn FnMut(&str),
        cancelled: &dyn Fn() -> bool,
    ) -> Result<TurnOutcome, TurnError> {
        let mut user = Message::new(Role::User, text);
        user.created_at = Some(Timestamp::now());
        // The history is moved into the request and back, never copied: a turn costs what the
        // request itself costs.
        let mut history = std::mem::take(&mut self.session.messages);
        history.push(user);
        let max_tokens = self
            .options
            .max_tokens
            .or(self.target.provider.max_tokens());
        let request = ChatRequest {
            model: &self.target.model,
            messages: &history,
            max_tokens,
            stream: self.options.stream,
        };
        let prepared = self.target.provider.prepare(&request);
        let url = prepared.url().to_owned();
        let reply = match send(prepared, on_text, cancelled) {
            Ok(reply) => reply,
            Err(error) => {
                history.pop();
                self.session.messages = history;
                return Err(match error {
                    ChatError::Cancelled => TurnError::Cancelled,
                    source => TurnError::Request {
                        url,
                        text: text.to_owned(),
                        source,
                    },
                });
            }
        };
        let mut notes = notes(&reply, max_tokens);
        let now = Timestamp::now();
        history.push(reply.into_message(&self.target.spec.name, &self.target.model, now));
        self.session.messages = history;
        let created = !self.stored;
        let switched_from = self.switched_from();
        match self.record(store, now) {
            Ok(renamed) => notes.extend(renamed),
            Err(source) => {
                let kept = self.session.messages.len() - 2;
                self.session.messages.truncate(kept);
                let conflict = matches!(source, StoreError::Conflict { .. })
                    || (matches!(source, StoreError::AlreadyExists { .. }) && !self.stored);
                if !conflict {
                    return Err(TurnError::Store {
                        text: text.to_owned(),
                        source,
                    });
                }
                // Another chat got its turn in first: take the session as it is now, so
                // that the text sent again builds on it.
                return Err(match self.catch_up(store) {
                    Ok(changes) => TurnError::Conflict {
                        text: text.to_owned(),
                        changes,
                    },
                    Err(_) => TurnError::Store {
                        text: text.to_owned(),
                        source,
                    },
                });
            }
        }
        Ok(TurnOutcome {
            notes,
            created,
            switched_from,
        })
    }

    /// Stores the turn just added to the session: the whole new session on its first turn, else
    /// the two messages and any change of provider or model, in one transaction. On error the
    /// session's provider, model and metadata are as they were.
    fn record(
        &mut self,
        store: &mut dyn SessionStore,
        now: Timestamp,
    ) -> Result<Option<Note>, StoreError> {
        if !self.stored {
            self.session.created_at = self.session.messages[0].created_at.unwrap_or(now);
            self.session.updated_at = now;
            self.session.created_by.clone_from(&self.user);
            self.session.updated_by.clone_from(&self.user);
            let started_as = self.session.name.clone();
            loop {
                match store.create(&self.session) {
                    Ok(()) => break,
                    Err(StoreError::AlreadyExists { name }) => {
                        // Only a name confab chose moves on; a name the user gave is theirs.
                        let next = self.default_base.as_deref().and_then(|base| {
                            default_names(base)
                                .skip_while(|candidate| *candidate != name)
                                .nth(1)
                        });
                        match next {
                            Some(next) => self.session.name = next,
                            None => {
                                self.session.name = started_as;
                                return Err(StoreError::AlreadyExists { name });
                            }
                        }
                    }
                    Err(error) => {
                        self.session.name = started_as;
                        return Err(error);
                    }
                }
            }
            self.stored = true;
            return Ok((self.session.name != started_as).then(|| Note::NameTaken {
                taken: started_as,
                stored_as: self.session.name.clone(),
            }));
        }
        let before = self.session.messages.len() - 2;
        let turn = &self.session.messages[before..];
        let mut update = SessionUpdate::at(now);
        update.expected_messages = Some(before as u64);
        update.by.clone_from(&self.user);
        let switching = self.switching();
        if switching {
            let mut metadata = self.session.metadata.clone().unwrap_or_default();
            record_change(&mut metadata, &self.session, &self.target, now);
            update.provider_model =
                Some((self.target.spec.name.clone(), self.target.model.clone()));
            update.metadata = Some(metadata);
        }
        store.append_messages(&self.session.name, turn, &update)?;
        self.session.updated_at = now;
        self.session.updated_by.clone_from(&self.user);
        if switching {
            self.session.provider = self.target.spec.name.clone();
            self.session.model = self.target.model.clone();
            self.session.metadata = update.metadata;
        }
        Ok(None)
    }
}

/// The model of the next turn: `asked` if given, else the session's when the chat stays with
/// the session's provider, else the provider's default; `None` when none of them names one.
pub fn choose_model(
    asked: Option<&str>,
    session: Option<&Session>,
    spec: &ProviderSpec,
) -> Option<String> {
    match (asked, session) {
        (Some(model), _) => Some(model.to_owned()),
        (None, Some(session)) if session.provider == spec.name => Some(session.model.clone()),
        (None, _) => spec.model.clone(),
    }
}

/// A name for a new session that `store` does not have: `session-YYYYMMDD-HHMMSS` of `now`,
/// with `-2`, `-3`, ... appended while the name is taken. Each test is a cheap
/// [`SessionStore::exists`].
pub fn fresh_name(store: &dyn SessionStore, now: &ZonedDateTime) -> Result<String, FreshNameError> {
    let base = default_base(now);
    for name in default_names(&base) {
        if !store.exists(&name)? {
            return Ok(name);
        }
    }
    Err(FreshNameError::AllTaken { base })
}

/// `session-YYYYMMDD-HHMMSS` of `now`.
fn default_base(now: &ZonedDateTime) -> String {
    now.strftime("session-%Y%m%d-%H%M%S").to_string()
}

/// The default names of one second, in the order they are tried: `base`, then `base-2` up to
/// `base-99`.
fn default_names(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_owned())
        .chain((2..=MAX_SUFFIX).map(move |suffix| format!("{base}-{suffix}")))
}

/// What to tell the user about `reply`, a complete answer.
fn notes(reply: &Reply, max_tokens: Option<u32>) -> Vec<Note> {
    let mut notes = Vec::new();
    if reply.text.is_empty() && reply.tool_calls.is_empty() {
        notes.push(Note::EmptyAnswer {
            stop_reason: reply.stop_reason.clone(),
        });
    }
    if !reply.tool_calls.is_empty() {
        notes.push(Note::ToolsNotRun {
            tools: reply
                .tool_calls
                .iter()
                .map(|call| call.name.clone())
                .collect(),
        });
    }
    if reply.hit_token_limit() {
        notes.push(Note::TokenLimit { max_tokens });
    }
    notes
}

/// Appends `session's provider/model → target` to the list of changes in `metadata`.
fn record_change(
    metadata: &mut Map<String, Value>,
    session: &Session,
    target: &Target,
    at: Timestamp,
) {
    let entry = json!({
        "at": at.to_string(),
        "from": {"provider": session.provider, "model": session.model},
        "to": {"provider": target.spec.name, "model": target.model},
    });
    match metadata.get_mut(MODEL_CHANGES_KEY) {
        Some(Value::Array(changes)) => changes.push(entry),
        _ => {
            metadata.insert(MODEL_CHANGES_KEY.to_owned(), Value::Array(vec![entry]));
        }
    }
}

/// What the request thread hands back.
enum Piece {
    Text(String),
    Done(Result<Reply, ChatError>),
}

/// Sends `request` from a thread of its own, passing the answer's text to `on_text` on this
/// thread, and returns the complete reply, or [`ChatError::Cancelled`] as soon as `cancelled`
/// says so.
fn send(
    request: PreparedRequest,
    on_text: &mut dyn FnMut(&str),
    cancelled: &dyn Fn() -> bool,
) -> Result<Reply, ChatError> {
    let (sender, receiver) = mpsc::channel();
    std::thread::Builder::new()
        .name("confab-chat request".to_owned())
        .spawn(move || {
            let result = request.send(|text| match sender.send(Piece::Text(text.to_owned())) {
                Ok(()) => ControlFlow::Continue(()),
                Err(_) => ControlFlow::Break(()),
            });
            let _ = sender.send(Piece::Done(result));
        })
        .map_err(|error| ChatError::Provider {
            message: format!("internal error: confab cannot start a request thread ({error})"),
        })?;
    loop {
        // Checked on every pass, not only when the channel is quiet: a provider streaming
        // steadily keeps it busy for the whole answer.
        if cancelled() {
            return Err(ChatError::Cancelled);
        }
        match receiver.recv_timeout(POLL) {
            Ok(Piece::Text(text)) => on_text(&text),
            Ok(Piece::Done(result)) => return result,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return Err(ChatError::Provider {
                    message: "internal error: confab's request thread stopped without an answer"
                        .to_owned(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
