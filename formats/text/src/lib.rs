//! Plain-text transcripts: `confab sessions export NAME -o chat.txt`.
//!
//! The smallest useful format, and the worked example of `docs/writing-a-format.md`: it only
//! encodes, so it declares itself with the one capability `encode` and implements [`Encode`].

use std::io::Write;

use confab_core::{Checkpoint, Encode, EncodeError, EncodeOptions};

confab_core::declare_format! {
    /// The plain-text transcript format.
    TextFormat {
        name: "text",
        aliases: ["txt"],
        extensions: ["txt"],
        description: "Plain-text transcript, for pasting into a ticket or an email (export only)",
        capabilities: [encode],
    }
}

impl Encode for TextFormat {
    fn encode(
        &self,
        checkpoint: &Checkpoint,
        _options: &EncodeOptions,
        out: &mut dyn Write,
    ) -> Result<(), EncodeError> {
        let session = &checkpoint.session;
        writeln!(
            out,
            "{} ({} {})",
            session.name, session.provider, session.model
        )?;
        for message in &checkpoint.messages {
            writeln!(out)?;
            match message.created_at {
                Some(time) => writeln!(out, "[{time}] {}:", message.role)?,
                None => writeln!(out, "{}:", message.role)?,
            }
            writeln!(out, "{}", message.content.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use confab_core::{CURRENT_VERSION, Message, Role, SessionInfo};

    use super::*;

    #[test]
    fn writes_a_readable_transcript() {
        let mut question = Message::new(Role::User, "Why is the pod pending?\n");
        question.created_at = "2025-10-29T15:20:05Z".parse().ok();
        let checkpoint = Checkpoint {
            version: CURRENT_VERSION.to_owned(),
            exported_at: None,
            exported_by: None,
            session: SessionInfo {
                name: "eks".to_owned(),
                provider: "openai".to_owned(),
                model: "gpt-4o".to_owned(),
                skill: None,
                project_path: None,
                created_at: None,
                updated_at: None,
                created_by: None,
                updated_by: None,
                metadata: None,
            },
            messages: vec![question, Message::new(Role::Assistant, "No CPU left.")],
            context: None,
            statistics: None,
        };
        let mut out = Vec::new();
        FORMAT
            .encode(&checkpoint, &EncodeOptions::default(), &mut out)
            .expect("encodes");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "eks (openai gpt-4o)\n\n[2025-10-29T15:20:05Z] user:\nWhy is the pod pending?\n\nassistant:\nNo CPU left.\n"
        );
    }
}
