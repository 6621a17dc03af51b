//! `chatlog`: a format that lives outside the confab repository.
//!
//! A chat log is one message per line, `role: text` (`user: why is the pod pending?`). The crate
//! shows the whole of what a third party writes to add a format to their own `confab` binary: a
//! `declare_format!`, the capabilities, and `src/main.rs` calling `confab::main()`. It reads and
//! writes, so the round trip `import` → `export` is tested end to end in `tests/`.

use std::io::Write;

use confab_core::transcript::{self, Envelope, Notes};
use confab_core::{
    Checkpoint, Decode, DecodeError, Decoded, Encode, EncodeError, EncodeOptions, Location,
    Message, MessageSink, Role, Sniff,
};

confab_core::declare_format! {
    /// One `role: text` line per message.
    ChatlogFormat {
        name: "chatlog",
        extensions: ["chatlog"],
        description: "Chat log, one `role: text` line per message (an example format from outside confab)",
        capabilities: [decode, encode],
    }
}

impl Decode for ChatlogFormat {
    fn decode(&self, bytes: &[u8], _sink: &mut dyn MessageSink) -> Result<Decoded, DecodeError> {
        let text = std::str::from_utf8(bytes)
            .map_err(|error| DecodeError::new(format!("not UTF-8: {error}")))?;
        let mut messages = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = Some(Location {
                line: index + 1,
                column: 1,
            });
            let (role, content) = line
                .split_once(": ")
                .ok_or_else(|| DecodeError::at("expected `role: text`", at))?;
            let role = Role::parse(role)
                .ok_or_else(|| DecodeError::at(format!("unknown role {role:?}"), at))?;
            messages.push(Message::new(role, content));
        }
        let envelope = Envelope {
            name: format!("chatlog-{:08x}", transcript::fnv1a(bytes)),
            provider: "openai",
            model: transcript::UNKNOWN_MODEL.to_owned(),
            context: Default::default(),
            metadata: Default::default(),
            created_at: None,
            updated_at: None,
        };
        let outcome = transcript::checkpoint("chatlog", envelope, messages, Notes::default())?;
        Ok(Decoded::Converted(Box::new(outcome)))
    }

    fn sniff(&self, _bytes: &[u8]) -> Sniff {
        Sniff::No
    }
}

impl Encode for ChatlogFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        for message in &checkpoint.messages {
            // One line per message: line breaks inside a message are written as spaces.
            let content = message.content.replace(['\r', '\n'], " ");
            writeln!(out, "{}: {content}", message.role)?;
        }
        Ok(())
    }
}
