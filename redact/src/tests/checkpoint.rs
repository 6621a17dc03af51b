//! `redact_checkpoint` and `scan_checkpoint` reach every place a secret can sit, and leave a
//! valid checkpoint behind.

use confab_core::pipeline::check_value;
use confab_core::{
    CURRENT_VERSION, Checkpoint, Context, Message, Role, SessionInfo, Statistics, ToolCall,
};
use serde_json::json;

use super::{REDACTOR, aws_key_id, aws_secret, body, jwt};
use crate::{Redactor, Report};

/// One secret per place, each unique, with the kind it must be reported as.
struct Secrets {
    content: String,
    argument: String,
    argument_keyed: String,
    argument_string: String,
    metadata: String,
    metadata_keyed: String,
    project_path: String,
    instructions: String,
    file: String,
    working_directory: String,
}

impl Secrets {
    fn new() -> Secrets {
        Secrets {
            content: aws_key_id(),
            argument: format!("ghp_{}", body(36)),
            argument_keyed: "plain-value-no-detector-knows".to_owned(),
            argument_string: format!("glpat-{}", body(24)),
            metadata: jwt(),
            metadata_keyed: "Tr0ub4dor&3-but-longer".to_owned(),
            project_path: "pr0j3ct-pass".to_owned(),
            instructions: aws_secret(),
            file: format!("xoxb-{}", body(30)),
            working_directory: "w0rkdir-pass".to_owned(),
        }
    }

    fn all(&self) -> [&str; 10] {
        [
            &self.content,
            &self.argument,
            &self.argument_keyed,
            &self.argument_string,
            &self.metadata,
            &self.metadata_keyed,
            &self.project_path,
            &self.instructions,
            &self.file,
            &self.working_directory,
        ]
    }
}

fn checkpoint_with(secrets: &Secrets) -> Checkpoint {
    let mut call = Message::new(Role::Assistant, "Let me check.");
    call.tool_calls.push(ToolCall {
        id: "call_1".to_owned(),
        name: "bash".to_owned(),
        arguments: json!({
            "command": "gh api user",
            "env": [{"name": "GH_TOKEN", "value": secrets.argument}],
            "credentials": {"password": secrets.argument_keyed, "retries": 3, "dry_run": false},
        }),
    });
    // Some providers give arguments as a JSON document in a string.
    call.tool_calls.push(ToolCall {
        id: "call_2".to_owned(),
        name: "http".to_owned(),
        arguments: json!(format!(
            r#"{{"header": "PRIVATE-TOKEN: {}"}}"#,
            secrets.argument_string
        )),
    });
    let mut answer = Message::new(Role::Tool, "ok");
    answer.tool_call_id = Some("call_1".to_owned());
    let messages = vec![
        Message::new(Role::System, "Be careful with credentials."),
        Message::new(
            Role::User,
            format!("Why does {} not work?", secrets.content),
        ),
        call,
        answer,
    ];
    let metadata = json!({
        "ticket": "OPS-42",
        "notes": ["first", {"deep": format!("token in a note: {}", secrets.metadata)}],
        "api_key": secrets.metadata_keyed,
        "count": 7,
    });
    Checkpoint {
        version: CURRENT_VERSION.to_owned(),
        exported_at: None,
        exported_by: Some("alice".to_owned()),
        session: SessionInfo {
            name: "debug-aws".to_owned(),
            provider: "anthropic".to_owned(),
            model: "claude-sonnet-4-6".to_owned(),
            skill: None,
            project_path: Some(format!(
                "https://alice:{}@git.example.com/shop",
                secrets.project_path
            )),
            created_at: None,
            updated_at: None,
            created_by: None,
            updated_by: None,
            metadata: metadata.as_object().cloned(),
        },
        statistics: Some(Statistics::of(&messages)),
        messages,
        context: Some(Context {
            project_instructions: Some(format!(
                "# Notes\nAWS_SECRET_ACCESS_KEY={}\n",
                secrets.instructions
            )),
            files_accessed: vec![
                "src/main.rs".to_owned(),
                format!("/tmp/{}.log", secrets.file),
            ],
            working_directory: Some(format!(
                "/mnt/smb://bob:{}@nas/share",
                secrets.working_directory
            )),
        }),
    }
}

#[test]
fn every_place_is_redacted_and_the_checkpoint_stays_valid() {
    let secrets = Secrets::new();
    let mut checkpoint = checkpoint_with(&secrets);
    let before = serde_json::to_string(&checkpoint).expect("serializes");
    for secret in secrets.all() {
        assert!(before.contains(secret), "the fixture holds {secret}");
    }

    let scanned = REDACTOR.scan_checkpoint(&checkpoint);
    let report = REDACTOR.redact_checkpoint(&mut checkpoint);
    assert_eq!(scanned, report, "scan and redact see the same places");
    assert_eq!(
        report.by_kind(),
        vec![
            ("aws-access-key".to_owned(), 1),
            ("aws-secret-key".to_owned(), 1),
            ("github-token".to_owned(), 1),
            ("gitlab-token".to_owned(), 1),
            ("jwt".to_owned(), 1),
            ("password-assignment".to_owned(), 2),
            ("slack-token".to_owned(), 1),
            ("url-password".to_owned(), 2),
        ]
    );

    let after = serde_json::to_string(&checkpoint).expect("serializes");
    for secret in secrets.all() {
        assert!(!after.contains(secret), "{secret} left in {after}");
    }
    let value = serde_json::to_value(&checkpoint).expect("serializes");
    let valid = check_value(value).expect("the redacted checkpoint is still valid");
    assert_eq!(valid, checkpoint);

    // Identifiers and structure are untouched.
    assert_eq!(checkpoint.exported_by.as_deref(), Some("alice"));
    assert_eq!(checkpoint.session.name, "debug-aws");
    assert_eq!(checkpoint.messages[2].tool_calls[0].id, "call_1");
    assert_eq!(
        checkpoint.messages[3].tool_call_id.as_deref(),
        Some("call_1")
    );
    let arguments = &checkpoint.messages[2].tool_calls[0].arguments;
    assert_eq!(arguments["credentials"]["retries"], 3);
    assert_eq!(
        arguments["credentials"]["password"],
        "[REDACTED:password-assignment]"
    );
    assert_eq!(arguments["env"][0]["value"], "[REDACTED:github-token]");
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata kept");
    assert_eq!(metadata["api_key"], "[REDACTED:password-assignment]");
    assert_eq!(metadata["ticket"], "OPS-42");
    assert_eq!(
        checkpoint.messages[1].content,
        "Why does [REDACTED:aws-access-key] not work?"
    );

    // Nothing is left to find, and a second pass changes nothing.
    assert!(REDACTOR.scan_checkpoint(&checkpoint).is_empty());
    let again = checkpoint.clone();
    assert!(REDACTOR.redact_checkpoint(&mut checkpoint).is_empty());
    assert_eq!(checkpoint, again);
}

#[test]
fn a_clean_checkpoint_is_left_as_it_is() {
    let mut checkpoint = checkpoint_with(&Secrets::new());
    checkpoint.messages.truncate(1);
    checkpoint
        .messages
        .push(Message::new(Role::User, "What is a password manager?"));
    checkpoint.session.metadata = None;
    checkpoint.session.project_path = Some("/srv/shop".to_owned());
    checkpoint.context = None;
    checkpoint.statistics = None;
    let original = checkpoint.clone();
    assert_eq!(REDACTOR.scan_checkpoint(&checkpoint), Report::new());
    assert!(REDACTOR.redact_checkpoint(&mut checkpoint).is_empty());
    assert_eq!(checkpoint, original);
}

#[test]
fn paths_are_redacted_in_every_place_they_sit() {
    let redactor = Redactor::new(&[]).expect("built-ins").with_paths(&[
        ("/home/alice".to_owned(), "home-dir"),
        ("/home/alice/src/shop".to_owned(), "project-path"),
    ]);
    let mut checkpoint = checkpoint_with(&Secrets::new());
    checkpoint.session.project_path = Some("/home/alice/src/shop".to_owned());
    checkpoint.messages[0].content = "cwd is /home/alice/src/shop".to_owned();
    let context = checkpoint.context.as_mut().expect("context");
    context.working_directory = Some("/home/alice/src/shop".to_owned());
    context.files_accessed = vec![
        "/home/alice/src/shop/src/main.rs".to_owned(),
        "/home/alice/.gitconfig".to_owned(),
    ];
    let report = redactor.redact_checkpoint(&mut checkpoint);
    assert_eq!(report.count("project-path"), 4);
    assert_eq!(report.count("home-dir"), 1);
    let after = serde_json::to_string(&checkpoint).expect("serializes");
    assert!(!after.contains("/home/alice"), "{after}");
    let context = checkpoint.context.as_ref().expect("context");
    assert_eq!(
        context.files_accessed,
        [
            "[REDACTED:project-path]/src/main.rs",
            "[REDACTED:home-dir]/.gitconfig"
        ]
    );
    assert_eq!(
        checkpoint.session.project_path.as_deref(),
        Some("[REDACTED:project-path]")
    );
    check_value(serde_json::to_value(&checkpoint).expect("serializes")).expect("still valid");
}

#[test]
fn identifiers_are_redacted_too_and_keep_their_role() {
    let key = format!("sk-proj-{}", body(40));
    let token = format!("ghp_{}", body(36));
    let mut checkpoint = checkpoint_with(&Secrets::new());
    checkpoint.exported_by = Some(format!("alice {token}"));
    checkpoint.session.name = format!("debug-{token}");
    checkpoint.session.provider = format!("openai-{key}");
    checkpoint.session.model = key.clone();
    checkpoint.session.skill = Some(key.clone());
    checkpoint.messages[2].model = Some(key.clone());
    checkpoint.messages[2].provider = Some(key.clone());
    checkpoint.messages[2].tool_calls[0].id = format!("call-{token}");
    checkpoint.messages[2].tool_calls[0].name = key.clone();
    checkpoint.messages[3].tool_call_id = Some(format!("call-{token}"));
    let metadata = checkpoint.session.metadata.as_mut().expect("metadata");
    metadata.insert(token.clone(), json!("a token as a key"));
    metadata.insert("[REDACTED:github-token]".to_owned(), json!("already there"));
    metadata.insert("nested".to_owned(), json!({ key.clone(): 1 }));

    let scanned = REDACTOR.scan_checkpoint(&checkpoint);
    let report = REDACTOR.redact_checkpoint(&mut checkpoint);
    assert_eq!(scanned, report, "scan and redact see the same places");
    let after = serde_json::to_string(&checkpoint).expect("serializes");
    assert!(!after.contains(&key) && !after.contains(&token), "{after}");

    assert_eq!(
        checkpoint.exported_by.as_deref(),
        Some("alice [REDACTED:github-token]")
    );
    assert_eq!(checkpoint.session.name, "debug-REDACTED-github-token");
    confab_core::validate_session_name(&checkpoint.session.name).expect("still a valid name");
    assert_eq!(checkpoint.session.model, "[REDACTED:openai-key]");
    let call = &checkpoint.messages[2].tool_calls[0];
    assert_eq!(call.id, "call-[REDACTED:github-token]");
    assert_eq!(
        checkpoint.messages[3].tool_call_id.as_deref(),
        Some(call.id.as_str())
    );
    let metadata = checkpoint.session.metadata.as_ref().expect("metadata");
    // A key that was a placeholder already keeps its name; the redacted one gets `#2`.
    assert_eq!(metadata["[REDACTED:github-token]"], "already there");
    assert_eq!(metadata["[REDACTED:github-token]#2"], "a token as a key");
    assert_eq!(metadata["nested"]["[REDACTED:openai-key]"], 1);
    check_value(serde_json::to_value(&checkpoint).expect("serializes")).expect("still valid");
    assert!(REDACTOR.scan_checkpoint(&checkpoint).is_empty());
}

#[test]
fn a_named_value_in_tool_arguments_is_redacted() {
    let mut checkpoint = checkpoint_with(&Secrets::new());
    checkpoint.messages[2].tool_calls[0].arguments = json!({
        "env": [
            {"name": "DB_PASSWORD", "value": "plain-v4lue-no-detector-knows"},
            {"name": "DB_HOST", "value": "db.internal"},
        ]
    });
    REDACTOR.redact_checkpoint(&mut checkpoint);
    let env = &checkpoint.messages[2].tool_calls[0].arguments["env"];
    assert_eq!(env[0]["name"], "DB_PASSWORD");
    assert_eq!(env[0]["value"], "[REDACTED:password-assignment]");
    assert_eq!(env[1]["value"], "db.internal");
}
