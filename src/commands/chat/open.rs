//! Opening a chat: which session, provider and model, from the command line, the session itself
//! and `confab.yaml`.
//!
//! Everything here is about settings; what a turn does with them (record it whole, move the
//! session to another provider with its next answer) is `confab_chat::Conversation`'s.

use confab_chat::{Conversation, FreshNameError, ProviderSpec, Target, TurnOptions};
use confab_core::{SessionStore, StoreError};

use super::provider;
use crate::error::CliError;
use crate::project::Project;

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Choice {
    pub(crate) session: Option<String>,
    pub(crate) provider: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) max_tokens: Option<u32>,
    pub(crate) stream: bool,
}

/// Resumes the session `choice` names, or prepares a new one (stored with its first turn).
pub(crate) fn open(
    project: &Project,
    store: &impl SessionStore,
    choice: &Choice,
) -> Result<Conversation, CliError> {
    // A session records its provider and model, and a checkpoint without them does not import:
    // nothing blank may reach the store.
    for (flag, value) in [("--provider", &choice.provider), ("--model", &choice.model)] {
        if value
            .as_deref()
            .is_some_and(|value| value.trim().is_empty())
        {
            return Err(
                CliError::usage(format!("{flag} cannot be empty")).hint(format!(
                    "give {flag} a name, or leave it out for the default"
                )),
            );
        }
    }
    let session = match &choice.session {
        Some(name) => {
            confab_core::validate_session_name(name)
                .map_err(|error| CliError::usage(error).hint("choose another --session name"))?;
            match store.get(name) {
                Ok(session) => Some(session),
                Err(StoreError::NotFound { .. }) => None,
                Err(error) => return Err(error.into()),
            }
        }
        None => None,
    };
    let provider_name = match (&choice.provider, &session) {
        (Some(provider), _) => provider.clone(),
        (None, Some(session)) => session.provider.clone(),
        (None, None) => provider::default_name(&project.config).to_owned(),
    };
    if provider_name.trim().is_empty() {
        return Err(
            CliError::failure("default_provider in confab.yaml is empty")
                .hint("name a provider there (openai, anthropic, ollama, ...), or pass --provider"),
        );
    }
    let spec = provider::spec(&project.config, &provider_name).map_err(|error| {
        if session.is_some() && choice.provider.is_none() {
            error.hint(format!(
                "session {:?} was made with {provider_name:?}; pass --provider (and --model) to continue it with another provider",
                choice.session.as_deref().unwrap_or_default()
            ))
        } else {
            error
        }
    })?;
    let model = confab_chat::choose_model(choice.model.as_deref(), session.as_ref(), &spec)
        .filter(|model| !model.trim().is_empty())
        .ok_or_else(|| no_model(&spec))?;
    let provider = provider::connect(&spec)?;
    let target = Target {
        spec,
        provider,
        model,
    };
    let options = TurnOptions {
        max_tokens: choice.max_tokens,
        stream: choice.stream,
    };
    let project_path = Some(project.root.to_string());
    let conversation = match (session, &choice.session) {
        (Some(session), _) => Ok(Conversation::resume(session, target, options)),
        (None, Some(name)) => Conversation::start(name, project_path, target, options)
            .map_err(|error| CliError::usage(error).hint("choose another --session name")),
        // No name given: the default name is settled when the first answer is stored, so two
        // chats started in the same second both keep their answers.
        (None, None) => Conversation::start_with_default_name(
            store,
            &jiff::ZonedDateTime::now(),
            project_path,
            target,
            options,
        )
        .map_err(|error| match error {
            FreshNameError::Store(error) => CliError::from(error),
            error => CliError::failure(error).hint("name the session with --session"),
        }),
    }?;
    Ok(conversation.by(project.user_name()))
}

fn no_model(spec: &ProviderSpec) -> CliError {
    CliError::failure(format!("no model is set for the provider {}", spec.name)).hint(format!(
        "pass --model, or set providers.{}.model in confab.yaml",
        spec.name
    ))
}
