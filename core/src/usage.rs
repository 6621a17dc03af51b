//! Usage across sessions: tokens and messages by provider, model and day, for `confab stats`.
//!
//! A store answers [`SessionStore::usage`] with one [`UsageBucket`] per provider, model and day,
//! summed where the data lives (the SQLite store sums in SQL and reads no message text), so the
//! answer is as small as the number of days and models, however many messages there are. Coarser
//! views (weeks, months, a total) are sums of buckets, made by the caller.
//!
//! Whose model a message counts for: the provider and model recorded on the message, else the
//! session's (user messages carry none, and count for the model they were sent to, as far as the
//! store knows). Its day: the message's time, else the session's last update (imported messages
//! may have no time), taken in UTC so that every store and every machine agree on the buckets.
//!
//! [`SessionStore::usage`]: crate::SessionStore::usage

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::checkpoint::TokenUsage;
use crate::session::Session;

/// Which messages [`crate::SessionStore::usage`] counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageQuery {
    /// Only messages written at or after this time (the session's update time for messages
    /// without one).
    pub since: Option<Timestamp>,
    /// Only these sessions; every session when empty. A name no session has counts nothing.
    pub sessions: Vec<String>,
}

/// The messages and tokens of one provider and model on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageBucket {
    /// The provider that served the model.
    pub provider: String,
    /// The model.
    pub model: String,
    /// The day, in UTC.
    pub day: Date,
    /// How many messages, of every role.
    pub messages: u64,
    /// The sums of their token counts; a count no message reported stays unknown.
    pub usage: TokenUsage,
}

/// The buckets of `sessions`, as [`crate::SessionStore::usage`] defines them, sorted by day,
/// provider and model. For stores that hold whole sessions in memory; a database sums in place.
pub fn usage_of<'a>(
    sessions: impl IntoIterator<Item = &'a Session>,
    query: &UsageQuery,
) -> Vec<UsageBucket> {
    let mut buckets: std::collections::BTreeMap<(Date, String, String), UsageBucket> =
        std::collections::BTreeMap::new();
    for session in sessions {
        if !query.sessions.is_empty() && !query.sessions.contains(&session.name) {
            continue;
        }
        for message in &session.messages {
            let at = message.created_at.unwrap_or(session.updated_at);
            if query.since.is_some_and(|since| at < since) {
                continue;
            }
            let provider = message
                .provider
                .clone()
                .unwrap_or_else(|| session.provider.clone());
            let model = message
                .model
                .clone()
                .unwrap_or_else(|| session.model.clone());
            let day = at.to_zoned_datetime(TimeZone::UTC).date();
            let bucket = buckets
                .entry((day, provider.clone(), model.clone()))
                .or_insert_with(|| UsageBucket {
                    provider,
                    model,
                    day,
                    messages: 0,
                    usage: TokenUsage::default(),
                });
            bucket.messages += 1;
            if let Some(usage) = &message.usage {
                bucket.usage = bucket.usage.plus(usage);
            }
        }
    }
    buckets.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::{Message, Role};

    fn session(name: &str, messages: Vec<Message>) -> Session {
        Session {
            name: name.to_owned(),
            provider: "anthropic".to_owned(),
            model: "claude".to_owned(),
            skill: None,
            project_path: None,
            created_at: "2026-03-01T00:00:00Z".parse().expect("time"),
            updated_at: "2026-03-05T23:30:00Z".parse().expect("time"),
            imported_at: None,
            created_by: None,
            updated_by: None,
            metadata: None,
            context: None,
            messages,
        }
    }

    fn message(role: Role, at: Option<&str>, tokens: Option<(u64, u64)>) -> Message {
        let mut message = Message::new(role, "text");
        message.created_at = at.map(|at| at.parse().expect("time"));
        message.usage = tokens.map(|(input, output)| TokenUsage {
            input_tokens: Some(input),
            output_tokens: Some(output),
            ..TokenUsage::default()
        });
        message
    }

    #[test]
    fn messages_count_for_their_own_model_and_day_else_the_sessions() {
        let mut switched = message(Role::Assistant, Some("2026-03-02T10:00:00Z"), Some((7, 3)));
        switched.provider = Some("openai".into());
        switched.model = Some("gpt".into());
        let sessions = [session(
            "a",
            vec![
                message(Role::User, Some("2026-03-02T09:59:00Z"), None),
                message(Role::Assistant, Some("2026-03-02T10:00:00Z"), Some((10, 5))),
                message(Role::User, Some("2026-03-02T10:01:00Z"), None),
                switched,
                // No time: the session's last update, late on 5 March in UTC.
                message(Role::Assistant, None, Some((1, 1))),
            ],
        )];
        let buckets = usage_of(&sessions, &UsageQuery::default());
        let view: Vec<(String, &str, &str, u64, Option<u64>)> = buckets
            .iter()
            .map(|bucket| {
                (
                    bucket.day.to_string(),
                    bucket.provider.as_str(),
                    bucket.model.as_str(),
                    bucket.messages,
                    bucket.usage.input_tokens,
                )
            })
            .collect();
        assert_eq!(
            view,
            [
                ("2026-03-02".to_owned(), "anthropic", "claude", 3, Some(10)),
                ("2026-03-02".to_owned(), "openai", "gpt", 1, Some(7)),
                ("2026-03-05".to_owned(), "anthropic", "claude", 1, Some(1)),
            ]
        );
    }

    #[test]
    fn since_and_sessions_narrow_what_counts() {
        let sessions = [
            session(
                "a",
                vec![
                    message(Role::User, Some("2026-03-01T00:00:00Z"), None),
                    message(Role::Assistant, Some("2026-03-03T00:00:00Z"), Some((2, 2))),
                ],
            ),
            session(
                "b",
                vec![message(
                    Role::Assistant,
                    Some("2026-03-03T00:00:00Z"),
                    Some((5, 5)),
                )],
            ),
        ];
        let query = UsageQuery {
            since: Some("2026-03-02T00:00:00Z".parse().expect("time")),
            sessions: vec!["a".into()],
        };
        let buckets = usage_of(&sessions, &query);
        assert_eq!(buckets.len(), 1);
        assert_eq!(
            (buckets[0].messages, buckets[0].usage.input_tokens),
            (1, Some(2))
        );
        let none = UsageQuery {
            sessions: vec!["nobody".into()],
            ..UsageQuery::default()
        };
        assert!(usage_of(&sessions, &none).is_empty());
    }
}
