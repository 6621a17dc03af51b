//! Which provider a chat talks to: the built-in ones, overlaid by `providers.<name>` in
//! `confab.yaml`, or a provider defined there alone.

use std::time::Duration;

use confab_chat::{Api, ConnectError, Provider, ProviderSpec};

use crate::config::{Config, ProviderSettings};
use crate::error::CliError;

/// The provider of new chats when neither `--provider` nor `default_provider` names one.
pub(crate) const FALLBACK_PROVIDER: &str = "openai";

/// The provider of a new chat: `--provider`, else `default_provider`, else [`FALLBACK_PROVIDER`].
pub(crate) fn default_name(config: &Config) -> &str {
    config
        .default_provider
        .as_deref()
        .unwrap_or(FALLBACK_PROVIDER)
}

/// The settings of the provider called `name`.
pub(crate) fn spec(config: &Config, name: &str) -> Result<ProviderSpec, CliError> {
    let settings = config.providers.get(name);
    let builtin = ProviderSpec::builtin(name);
    let (mut spec, settings) = match (builtin, settings) {
        (Some(spec), settings) => (spec, settings.cloned().unwrap_or_default()),
        (None, Some(settings)) => (custom(name, settings)?, settings.clone()),
        (None, None) => return Err(unknown(config, name)),
    };
    if let Some(api) = &settings.api {
        spec.api = parse_api(name, api)?;
    }
    if let Some(base_url) = settings.base_url {
        spec.base_url = base_url;
    }
    if settings.model.is_some() {
        spec.model = settings.model;
    }
    if settings.api_key_env.is_some() {
        spec.api_key_env = settings.api_key_env;
    }
    if settings.max_tokens.is_some() {
        spec.max_tokens = settings.max_tokens;
    }
    if let Some(seconds) = settings.timeout {
        spec.timeout = Duration::from_secs(seconds.max(1));
    }
    if let Some(size) = config.chat.max_answer_size {
        spec.limits.max_size = size;
    }
    if let Some(seconds) = config.chat.max_duration {
        spec.limits.max_duration = Duration::from_secs(seconds);
    }
    Ok(spec)
}

/// A provider known only from the settings: it must say where it is.
fn custom(name: &str, settings: &ProviderSettings) -> Result<ProviderSpec, CliError> {
    let api = match &settings.api {
        Some(api) => parse_api(name, api)?,
        None => Api::OpenAi,
    };
    let base_url = settings.base_url.clone().ok_or_else(|| {
        CliError::failure(format!("provider {name:?} has no base_url")).hint(format!(
            "set providers.{name}.base_url in confab.yaml, e.g. http://localhost:8000/v1"
        ))
    })?;
    Ok(ProviderSpec {
        name: name.to_owned(),
        api,
        base_url,
        api_key_env: None,
        model: None,
        max_tokens: None,
        timeout: confab_chat::DEFAULT_TIMEOUT,
        limits: confab_chat::AnswerLimits::default(),
    })
}

fn parse_api(name: &str, api: &str) -> Result<Api, CliError> {
    Api::parse(api).ok_or_else(|| {
        let known: Vec<&str> = Api::ALL.iter().map(|api| api.as_str()).collect();
        CliError::failure(format!("providers.{name}.api: unknown API {api:?}"))
            .hint(format!("use one of: {}", known.join(", ")))
    })
}

fn unknown(config: &Config, name: &str) -> CliError {
    let mut known: Vec<&str> = ProviderSpec::BUILTIN.to_vec();
    known.extend(config.providers.keys().map(String::as_str));
    known.sort_unstable();
    known.dedup();
    CliError::failure(format!("confab does not know the provider {name:?}"))
        .hint(format!(
            "use --provider with one of: {}; or describe {name:?} under providers in confab.yaml (api, base_url, model)",
            known.join(", ")
        ))
}

/// The provider, connected, its key read from the environment.
pub(crate) fn connect(spec: &ProviderSpec) -> Result<Provider, CliError> {
    spec.connect(|variable| std::env::var(variable).ok())
        .map_err(|error| {
            let hint = match &error {
                ConnectError::MissingKey { variable, .. } => format!(
                    "export {variable}=<your key>, or set providers.{}.api_key_env in confab.yaml to the variable that holds it",
                    spec.name
                ),
                ConnectError::InvalidBaseUrl { .. } => format!(
                    "set providers.{}.base_url to a URL like http://localhost:11434/v1",
                    spec.name
                ),
            };
            CliError::failure(&error).hint(hint)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(providers: &[(&str, ProviderSettings)]) -> Config {
        Config {
            providers: providers
                .iter()
                .map(|(name, settings)| ((*name).to_owned(), settings.clone()))
                .collect(),
            ..Config::default()
        }
    }

    #[test]
    fn settings_override_a_builtin_provider_key_by_key() {
        let settings = ProviderSettings {
            base_url: Some("http://127.0.0.1:9/v1".into()),
            timeout: Some(5),
            ..ProviderSettings::default()
        };
        let spec = spec(&config(&[("openai", settings)]), "openai").expect("known");
        assert_eq!(spec.base_url, "http://127.0.0.1:9/v1");
        assert_eq!(spec.timeout, Duration::from_secs(5));
        assert_eq!(spec.api_key_env.as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(spec.model.as_deref(), Some("gpt-4o-mini"));
    }

    #[test]
    fn a_provider_of_the_settings_alone_needs_a_base_url() {
        let vllm = ProviderSettings {
            base_url: Some("http://gpu:8000/v1".into()),
            model: Some("qwen".into()),
            ..ProviderSettings::default()
        };
        let spec = spec(&config(&[("vllm", vllm)]), "vllm").expect("known");
        assert_eq!((spec.api, spec.api_key_env), (Api::OpenAi, None));
        let error = super::spec(&config(&[("bare", ProviderSettings::default())]), "bare")
            .expect_err("no base_url");
        assert!(error.message().contains("no base_url"));
        let error = super::spec(&Config::default(), "bedrock").expect_err("unknown");
        assert!(error.message().contains("bedrock"));
    }

    #[test]
    fn an_unknown_api_is_an_error() {
        let settings = ProviderSettings {
            api: Some("soap".into()),
            ..ProviderSettings::default()
        };
        let error = spec(&config(&[("openai", settings)]), "openai").expect_err("bad api");
        assert!(error.message().contains("soap"));
    }
}
