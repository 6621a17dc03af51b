//! The conversation as a provider is shown it.
//!
//! A session can hold what no provider accepts as-is: tool calls and tool results from another
//! tool's transcript (imported from Claude Code, say), results whose call is not in the history,
//! archived messages, empty turns. confab offers the model no tools of its own, and both APIs
//! reject tool results without a matching call (Anthropic rejects tool blocks outright when the
//! request defines no tools). So tool traffic is shown to the model as text: it still sees what
//! happened, and every request is valid whatever the session's history.

use std::borrow::Cow;
use std::fmt::Write as _;

use confab_core::{Message, Role};

/// Who speaks in a turn. Tool results become user turns: the user's side ran the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaker {
    System,
    User,
    Assistant,
}

/// One turn of the conversation, as text. The text borrows the message's content when it can:
/// a long history is then serialized straight from the session, never copied first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Turn<'a> {
    pub(crate) speaker: Speaker,
    pub(crate) text: Cow<'a, str>,
}

/// A turn as both APIs take it: `{"role": ..., "content": "..."}`.
#[derive(Debug, serde::Serialize)]
pub(crate) struct WireMessage<'a> {
    pub(crate) role: &'static str,
    pub(crate) content: Cow<'a, str>,
}

/// A request body as JSON bytes, serialized straight from borrowed text.
pub(crate) fn to_json(body: &impl serde::Serialize) -> Vec<u8> {
    // Strings, numbers and booleans in structs with string keys always serialize.
    serde_json::to_vec(body).expect("a request body serializes")
}

/// The turns to send: archived messages left out, tool traffic as text, empty turns dropped, and
/// consecutive turns of one speaker joined (Anthropic requires turns to alternate).
pub(crate) fn turns(messages: &[Message]) -> Vec<Turn<'_>> {
    let mut turns: Vec<Turn<'_>> = Vec::new();
    for message in messages.iter().filter(|message| !message.archived) {
        let (speaker, text) = match message.role {
            Role::System => (Speaker::System, Cow::Borrowed(message.content.as_str())),
            Role::User => (Speaker::User, Cow::Borrowed(message.content.as_str())),
            Role::Assistant => (Speaker::Assistant, assistant_text(message)),
            Role::Tool => (Speaker::User, Cow::Owned(tool_result_text(message))),
        };
        if text.trim().is_empty() {
            continue;
        }
        push(&mut turns, Turn { speaker, text });
    }
    turns
}

/// Adds `turn`, joined to the last one if the same speaker has it.
fn push<'a>(turns: &mut Vec<Turn<'a>>, turn: Turn<'a>) {
    match turns.last_mut() {
        Some(last) if last.speaker == turn.speaker => {
            let text = last.text.to_mut();
            text.push_str("\n\n");
            text.push_str(&turn.text);
        }
        _ => turns.push(turn),
    }
}

/// The system turns joined into one instruction, and the other turns, still alternating: for
/// APIs that take instructions apart from the conversation (Anthropic's `system`).
pub(crate) fn split_system(turns: Vec<Turn<'_>>) -> (Option<String>, Vec<Turn<'_>>) {
    let mut system: Vec<Cow<'_, str>> = Vec::new();
    let mut rest: Vec<Turn<'_>> = Vec::new();
    for turn in turns {
        match turn.speaker {
            Speaker::System => system.push(turn.text),
            _ => push(&mut rest, turn),
        }
    }
    ((!system.is_empty()).then(|| system.join("\n\n")), rest)
}

fn assistant_text(message: &Message) -> Cow<'_, str> {
    if message.tool_calls.is_empty() {
        return Cow::Borrowed(&message.content);
    }
    let mut text = message.content.clone();
    for call in &message.tool_calls {
        if !text.is_empty() {
            text.push('\n');
        }
        let _ = write!(text, "[called tool {} with {}]", call.name, call.arguments);
    }
    Cow::Owned(text)
}

fn tool_result_text(message: &Message) -> String {
    match &message.tool_call_id {
        Some(id) => format!("[result of tool call {id}]\n{}", message.content),
        None => format!("[tool result]\n{}", message.content),
    }
}

#[cfg(test)]
mod tests {
    use confab_core::ToolCall;
    use serde_json::json;

    use super::*;

    fn turn(speaker: Speaker, text: &str) -> Turn<'static> {
        Turn {
            speaker,
            text: Cow::Owned(text.to_owned()),
        }
    }

    #[test]
    fn system_turns_split_off_and_the_rest_still_alternates() {
        let messages = [
            Message::new(Role::User, "one"),
            Message::new(Role::System, "Be brief."),
            Message::new(Role::User, "two"),
            Message::new(Role::Assistant, "ok"),
        ];
        assert_eq!(
            split_system(turns(&messages)),
            (
                Some("Be brief.".to_owned()),
                vec![
                    turn(Speaker::User, "one\n\ntwo"),
                    turn(Speaker::Assistant, "ok")
                ]
            )
        );
        let (system, _) = split_system(turns(&messages[..1]));
        assert_eq!(system, None);
    }

    #[test]
    fn tool_traffic_becomes_text_and_turns_alternate() {
        let mut call = Message::new(Role::Assistant, "Let me look.");
        call.tool_calls.push(ToolCall {
            id: "t1".into(),
            name: "read_file".into(),
            arguments: json!({"path": "main.tf"}),
        });
        let mut result = Message::new(Role::Tool, "resource \"aws_vpc\" {}");
        result.tool_call_id = Some("t1".into());
        let mut archived = Message::new(Role::User, "old");
        archived.archived = true;
        let messages = [
            Message::new(Role::System, "Be brief."),
            archived,
            Message::new(Role::User, "What is in main.tf?"),
            call,
            result,
            Message::new(Role::Assistant, ""),
            Message::new(Role::User, "And?"),
        ];
        assert_eq!(
            turns(&messages),
            [
                turn(Speaker::System, "Be brief."),
                turn(Speaker::User, "What is in main.tf?"),
                turn(
                    Speaker::Assistant,
                    "Let me look.\n[called tool read_file with {\"path\":\"main.tf\"}]"
                ),
                turn(
                    Speaker::User,
                    "[result of tool call t1]\nresource \"aws_vpc\" {}\n\nAnd?"
                ),
            ]
        );
    }
}
