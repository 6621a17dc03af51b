//! A chat: one session, one provider and model, and turns that are recorded whole or not at all.
//!
//! A turn sends the session's history plus the user's new message. Only when the complete answer
//! is in does the turn reach the store, as one transaction holding both messages (and, on the
//! first turn, the new session itself). A request that fails or is cancelled therefore leaves the
//! store exactly as it was; the user's text is handed back so that it is not lost.

use std::io::Write;

use confab_chat::{ChatError, ChatRequest, Provider, ProviderSpec};
use confab_core::{Message, Role, Session, SessionStore, SessionUpdate, StoreError};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::{cancel, provider};
use crate::error::CliError;
use crate::project::Project;

/// The session metadata key that lists the provider and model changes of a chat.
pub(crate) const MODEL_CHANGES_KEY: &str = "model_changes";

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Choice {
    pub(crate) session: Option<String>,
    pub(crate) provider: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) stream: bool,
}

/// A chat in progress.
pub(crate) struct Conversation {
    /// The session as the store has it (or will have it, once the first turn is recorded).
    session: Session,
    /// Whether the store has the session yet.
    stored: bool,
    spec: ProviderSpec,
    provider: Provider,
    model: String,
    /// The change of provider or model to record with the next turn.
    change: Option<(String, String)>,
    max_tokens: Option<u32>,
    stream: bool,
}

/// Why a turn was not recorded.
pub(crate) enum TurnError {
    /// Ctrl-C stopped the answer.
    Cancelled,
    /// The request or the recording failed; the error shows the user's text.
    Failed(CliError),
}

impl Conversation {
    /// Resumes the session `choice` names, or prepares a new one (stored with its first turn).
    pub(crate) fn open(
        project: &Project,
        store: &impl SessionStore,
        choice: &Choice,
    ) -> Result<Conversation, CliError> {
        let name = match &choice.session {
            Some(name) => name.clone(),
            None => fresh_name(store)?,
        };
        confab_core::validate_session_name(&name)
            .map_err(|error| CliError::usage(error).hint("choose another --session name"))?;
        let (session, stored) = match store.get(&name) {
            Ok(session) => (session, true),
            Err(StoreError::NotFound { .. }) => (new_session(project, &name), false),
            Err(error) => return Err(error.into()),
        };
        let provider_name = match (&choice.provider, stored) {
            (Some(provider), _) => provider.clone(),
            (None, true) => session.provider.clone(),
            (None, false) => provider::default_name(&project.config).to_owned(),
        };
        let spec = provider::spec(&project.config, &provider_name).map_err(|error| {
            if stored && choice.provider.is_none() {
                error.hint(format!(
                    "session {name:?} was made with {provider_name:?}; pass --provider (and --model) to continue it with another provider"
                ))
            } else {
                error
            }
        })?;
        let model = match &choice.model {
            Some(model) => model.clone(),
            None if stored && provider_name == session.provider => session.model.clone(),
            None => spec.model.clone().ok_or_else(|| no_model(&spec))?,
        };
        let provider = provider::connect(&spec)?;
        let change = (stored && (provider_name != session.provider || model != session.model))
            .then(|| (provider_name, model.clone()));
        let mut session = session;
        if !stored {
            session.provider = spec.name.clone();
            session.model = model.clone();
        }
        Ok(Conversation {
            session,
            stored,
            spec,
            provider,
            model,
            change,
            max_tokens: choice.max_tokens,
            stream: choice.stream,
        })
    }

    /// The session's name.
    pub(crate) fn name(&self) -> &str {
        &self.session.name
    }

    /// Whether the store has the session yet.
    pub(crate) fn is_stored(&self) -> bool {
        self.stored
    }

    /// The provider and model of the next turn, as `provider/model`.
    pub(crate) fn target(&self) -> String {
        format!("{}/{}", self.spec.name, self.model)
    }

    /// The provider and model the session had, when this chat switches away from them.
    pub(crate) fn switched_from(&self) -> Option<String> {
        self.change
            .as_ref()
            .map(|_| format!("{}/{}", self.session.provider, self.session.model))
    }

    /// How many messages the session has.
    pub(crate) fn message_count(&self) -> usize {
        self.session.messages.len()
    }

    /// Sends `text` with the whole history, streams the answer to `out`, and records both
    /// messages. On failure nothing is recorded and the error quotes `text`.
    pub(crate) fn turn(
        &mut self,
        store: &mut impl SessionStore,
        text: &str,
        out: &mut dyn Write,
    ) -> Result<(), TurnError> {
        let mut user = Message::new(Role::User, text);
        user.created_at = Some(Timestamp::now());
        // The history is moved into the request and back, never copied: a turn costs what the
        // request itself costs.
        let mut history = std::mem::take(&mut self.session.messages);
        history.push(user);
        let request = ChatRequest {
            model: &self.model,
            messages: &history,
            max_tokens: self.max_tokens.or(self.provider.max_tokens()),
            stream: self.stream,
        };
        let prepared = self.provider.prepare(&request);
        let url = prepared.url().to_owned();
        let (result, write_error) = cancel::send(prepared, out);
        let reply = match result {
            Ok(reply) => reply,
            Err(error) => {
                history.pop();
                self.session.messages = history;
                return Err(match error {
                    ChatError::Cancelled => TurnError::Cancelled,
                    error => TurnError::Failed(self.request_failed(&error, &url, text)),
                });
            }
        };
        let hit_limit = reply.hit_token_limit();
        let stop_reason = reply.stop_reason.clone();
        let answered_text = !reply.text.is_empty();
        let ends_line = reply.text.ends_with('\n');
        let tools: Vec<String> = reply
            .tool_calls
            .iter()
            .map(|call| call.name.clone())
            .collect();
        let now = Timestamp::now();
        let assistant = reply.into_message(&self.spec.name, &self.model, now);
        history.push(assistant);
        self.session.messages = history;
        if let Err(error) = self.record(store, now) {
            self.session
                .messages
                .truncate(self.session.messages.len() - 2);
            let error =
                CliError::from(error).detail("the answer above was not saved; your message was:");
            return Err(TurnError::Failed(quoted(error, text)));
        }
        let mut write_error = write_error;
        if answered_text && !ends_line && write_error.is_none() {
            write_error = out.write_all(b"\n").and_then(|()| out.flush()).err();
        }
        if !answered_text && tools.is_empty() {
            note(&format!(
                "note: the answer is empty (the provider's stop reason: {})",
                stop_reason.as_deref().unwrap_or("none given")
            ));
        }
        if !tools.is_empty() {
            note(&format!(
                "the model called tools confab does not run: {} (recorded in the session)",
                tools.join(", ")
            ));
        }
        if hit_limit {
            note(&format!(
                "warning: the answer stopped at the token limit; raise it with --max-tokens or providers.{}.max_tokens",
                self.spec.name
            ));
        }
        match write_error {
            Some(error) => Err(TurnError::Failed(CliError::from(error))),
            None => Ok(()),
        }
    }

    /// Stores the turn just added to the session: the whole new session on its first turn, else
    /// the two messages and any change of provider or model, in one transaction.
    fn record(&mut self, store: &mut impl SessionStore, now: Timestamp) -> Result<(), StoreError> {
        if !self.stored {
            self.session.created_at = self.session.messages[0].created_at.unwrap_or(now);
            self.session.updated_at = now;
            store.create(&self.session)?;
            self.stored = true;
            return Ok(());
        }
        let turn = &self.session.messages[self.session.messages.len() - 2..];
        let mut update = SessionUpdate::at(now);
        if let Some((provider, model)) = &self.change {
            let mut metadata = self.session.metadata.clone().unwrap_or_default();
            record_change(&mut metadata, &self.session, provider, model, now);
            update.provider_model = Some((provider.clone(), model.clone()));
            update.metadata = Some(metadata);
        }
        store.append_messages(&self.session.name, turn, &update)?;
        self.session.updated_at = now;
        if let Some((provider, model)) = self.change.take() {
            self.session.provider = provider;
            self.session.model = model;
            self.session.metadata = update.metadata;
        }
        Ok(())
    }

    fn request_failed(&self, error: &ChatError, url: &str, text: &str) -> CliError {
        let hint = match error {
            ChatError::Unreachable { .. } => format!(
                "is the server running? providers.{}.base_url in confab.yaml says where it is (now {})",
                self.spec.name, self.spec.base_url
            ),
            ChatError::Timeout { .. } => format!(
                "raise providers.{}.timeout (seconds) in confab.yaml if the model is slow to start",
                self.spec.name
            ),
            ChatError::Status {
                status: 401 | 403, ..
            } => match &self.spec.api_key_env {
                Some(variable) => format!("check the API key in {variable}"),
                None => format!(
                    "the server wants a key: set providers.{}.api_key_env to the variable that holds it",
                    self.spec.name
                ),
            },
            ChatError::Status { status: 404, .. } => format!(
                "check the model name ({}) and the base URL ({url})",
                self.model
            ),
            ChatError::Status { status: 429, .. } => {
                "the provider is rate limiting: wait a moment and send it again".to_owned()
            }
            _ => "send it again; nothing was saved".to_owned(),
        };
        quoted(
            CliError::failure(error).detail("your message was not saved:"),
            text,
        )
        .hint(hint)
    }
}

/// Appends `previous → provider/model` to the session's list of changes.
fn record_change(
    metadata: &mut Map<String, Value>,
    session: &Session,
    provider: &str,
    model: &str,
    at: Timestamp,
) {
    let entry = json!({
        "at": at.to_string(),
        "from": {"provider": session.provider, "model": session.model},
        "to": {"provider": provider, "model": model},
    });
    match metadata.get_mut(MODEL_CHANGES_KEY) {
        Some(Value::Array(changes)) => changes.push(entry),
        _ => {
            metadata.insert(MODEL_CHANGES_KEY.to_owned(), Value::Array(vec![entry]));
        }
    }
}

/// A session that does not exist yet; provider and model are filled in by [`Conversation::open`].
fn new_session(project: &Project, name: &str) -> Session {
    let now = Timestamp::now();
    Session {
        name: name.to_owned(),
        provider: String::new(),
        model: String::new(),
        skill: None,
        project_path: Some(project.root.to_string()),
        created_at: now,
        updated_at: now,
        imported_at: None,
        metadata: None,
        context: None,
        messages: Vec::new(),
    }
}

/// `session-YYYYMMDD-HHMMSS` in local time, with `-2`, `-3`, ... if that name is taken.
fn fresh_name(store: &impl SessionStore) -> Result<String, CliError> {
    let base = jiff::ZonedDateTime::now()
        .strftime("session-%Y%m%d-%H%M%S")
        .to_string();
    let taken = |name: &str| match store.get(name) {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound { .. }) => Ok(false),
        Err(error) => Err(CliError::from(error)),
    };
    if !taken(&base)? {
        return Ok(base);
    }
    for suffix in 2..100 {
        let name = format!("{base}-{suffix}");
        if !taken(&name)? {
            return Ok(name);
        }
    }
    Err(
        CliError::failure(format!("the names {base}-2 to {base}-99 are all taken"))
            .hint("name the session with --session"),
    )
}

fn no_model(spec: &ProviderSpec) -> CliError {
    CliError::failure(format!("no model is set for the provider {}", spec.name)).hint(format!(
        "pass --model, or set providers.{}.model in confab.yaml",
        spec.name
    ))
}

/// `error` with the user's text below it, indented, so that it can be copied back.
fn quoted(error: CliError, text: &str) -> CliError {
    text.lines()
        .fold(error, |error, line| error.detail(format!("  {line}")))
}

/// A note for the user on stderr; nothing to do if stderr is gone.
fn note(text: &str) {
    let _ = writeln!(crate::output::stderr(), "{text}");
}
