//! The conversation as a provider is shown it.
//!
//! A session can hold what no provider accepts as-is: tool calls and tool results from another
//! tool's transcript (imported from Claude Code, say), results whose call is not in the history,
//! archived messages, empty turns. confab offers the model no tools of its own, and both APIs
//! reject tool results without a matching call (Anthropic rejects tool blocks outright when the
//! request defines no tools). So tool traffic is shown to the model as text: it still sees what
//! happened, and every request is valid whatever the session's history.

use std::fmt::Write as _;

use confab_core::{Message, Role};

/// Who speaks in a turn. Tool results become user turns: the user's side ran the tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Speaker {
    System,
    User,
    Assistant,
}

/// One turn of the conversation, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Turn {
    pub(crate) speaker: Speaker,
    pub(crate) text: String,
}

/// The turns to send: archived messages left out, tool traffic as text, empty turns dropped, and
/// consecutive turns of one speaker joined (Anthropic requires turns to alternate).
pub(crate) fn turns(messages: &[Message]) -> Vec<Turn> {
    let mut turns: Vec<Turn> = Vec::new();
    for message in messages.iter().filter(|message| !message.archived) {
        let (speaker, text) = match message.role {
            Role::System => (Speaker::System, message.content.clone()),
            Role::User => (Speaker::User, message.content.clone()),
            Role::Assistant => (Speaker::Assistant, assistant_text(message)),
            Role::Tool => (Speaker::User, tool_result_text(message)),
        };
        if text.trim().is_empty() {
            continue;
        }
        match turns.last_mut() {
            Some(last) if last.speaker == speaker => {
                last.text.push_str("\n\n");
                last.text.push_str(&text);
            }
            _ => turns.push(Turn { speaker, text }),
        }
    }
    turns
}

/// The system turns joined into one instruction, and the other turns, still alternating: for
/// APIs that take instructions apart from the conversation (Anthropic's `system`).
pub(crate) fn split_system(turns: Vec<Turn>) -> (Option<String>, Vec<Turn>) {
    let mut system: Vec<String> = Vec::new();
    let mut rest: Vec<Turn> = Vec::new();
    for turn in turns {
        match (turn.speaker, rest.last_mut()) {
            (Speaker::System, _) => system.push(turn.text),
            (speaker, Some(last)) if last.speaker == speaker => {
                last.text.push_str("\n\n");
                last.text.push_str(&turn.text);
            }
            _ => rest.push(turn),
        }
    }
    ((!system.is_empty()).then(|| system.join("\n\n")), rest)
}

fn assistant_text(message: &Message) -> String {
    let mut text = message.content.clone();
    for call in &message.tool_calls {
        if !text.is_empty() {
            text.push('\n');
        }
        let _ = write!(text, "[called tool {} with {}]", call.name, call.arguments);
    }
    text
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

    fn turn(speaker: Speaker, text: &str) -> Turn {
        Turn {
            speaker,
            text: text.to_owned(),
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
