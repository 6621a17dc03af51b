//! User patterns, reports, literal paths, and the engine's guarantees (no double redaction,
//! idempotence).

use std::borrow::Cow;

use super::{REDACTOR, aws_key_id, aws_secret, body, jwt, redact};
use crate::detect::{generic, specific};
use crate::{BUILTIN_KINDS, RedactError, Redactor, Report, UserPattern};

#[test]
fn the_redactor_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<Redactor>();
    shared::<Report>();
}

#[test]
fn builtin_kinds_list_every_builtin_in_order() {
    let mut kinds: Vec<&str> = specific()
        .iter()
        .chain(generic())
        .map(|detector| detector.kind.as_str())
        .collect();
    // Several detectors may share a kind (two spellings of `password-assignment`).
    kinds.dedup();
    assert_eq!(kinds, BUILTIN_KINDS);
}

#[test]
fn text_without_secrets_is_borrowed() {
    let mut report = Report::new();
    let text = "Nothing to see here: cargo test -p confab-redact";
    assert!(matches!(
        REDACTOR.redact_text(text, &mut report),
        Cow::Borrowed(_)
    ));
    assert!(report.is_empty());
}

#[test]
fn placeholders_are_exactly_redacted_and_the_kind() {
    let (out, _) = redact(&format!("a {} b", aws_key_id()));
    assert_eq!(out, "a [REDACTED:aws-access-key] b");
}

#[test]
fn user_patterns_redact_with_their_name_as_kind() {
    let redactor = Redactor::new(&[
        UserPattern::new("acme-token", r"\bacme_[a-z0-9]{16}\b"),
        UserPattern::new("ticket-secret", r"ticket-key=(?P<secret>[A-Z]{8})"),
    ])
    .expect("valid patterns");
    let mut report = Report::new();
    let out = redactor.redact_text(
        "use acme_0123456789abcdef and ticket-key=ABCDEFGH today",
        &mut report,
    );
    assert_eq!(
        out,
        "use [REDACTED:acme-token] and ticket-key=[REDACTED:ticket-secret] today"
    );
    assert_eq!(
        report.by_kind(),
        vec![
            ("acme-token".to_owned(), 1),
            ("ticket-secret".to_owned(), 1)
        ]
    );

    // User patterns run before the generic detectors ...
    let mut report = Report::new();
    let out = redactor.redact_text("api_key=acme_0123456789abcdef", &mut report);
    assert_eq!(out, "api_key=[REDACTED:acme-token]");
    // ... and after the built-in token formats.
    let redactor = Redactor::new(&[UserPattern::new("any-key", r"AKIA\w+")]).expect("valid");
    let mut report = Report::new();
    redactor.redact_text(&aws_key_id(), &mut report);
    assert_eq!(report.count("aws-access-key"), 1);
    assert_eq!(report.count("any-key"), 0);
}

#[test]
fn an_invalid_user_pattern_is_an_error_naming_it() {
    let error = Redactor::new(&[
        UserPattern::new("fine", "x+"),
        UserPattern::new("broken-one", "acme_[a-z"),
    ])
    .expect_err("an unclosed class is invalid");
    match &error {
        RedactError::InvalidPattern { name, error } => {
            assert_eq!(name, "broken-one");
            assert!(error.contains("unclosed"), "{error}");
        }
        other => panic!("unexpected error {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.starts_with("redaction pattern `broken-one` is not usable:"),
        "{message}"
    );

    let error = Redactor::new(&[UserPattern::new("everything", "a*")]).expect_err("matches empty");
    assert!(
        error.to_string().contains("`everything`") && error.to_string().contains("empty"),
        "{error}"
    );

    for name in ["", "has space", "a]b"] {
        let error = Redactor::new(&[UserPattern::new(name, "x+")]).expect_err("bad name");
        assert_eq!(
            error,
            RedactError::InvalidName {
                name: name.to_owned()
            }
        );
    }
}

#[test]
fn reports_count_by_kind_and_say_so() {
    let mut report = Report::new();
    assert!(report.is_empty());
    assert_eq!(report.total(), 0);
    assert_eq!(report.to_string(), "no secrets redacted");
    assert_eq!(report.breakdown(), "");

    let text = format!(
        "{} {} ghp_{}",
        aws_key_id(),
        aws_key_id().replacen("AKIA", "ASIA", 1),
        body(36)
    );
    let out = REDACTOR.redact_text(&text, &mut report);
    assert_eq!(
        out,
        "[REDACTED:aws-access-key] [REDACTED:aws-access-key] [REDACTED:github-token]"
    );
    assert!(!report.is_empty());
    assert_eq!(report.total(), 3);
    assert_eq!(report.count("aws-access-key"), 2);
    assert_eq!(report.count("jwt"), 0);
    assert_eq!(
        report.by_kind(),
        vec![
            ("aws-access-key".to_owned(), 2),
            ("github-token".to_owned(), 1)
        ]
    );
    assert_eq!(
        report.to_string(),
        "3 secrets redacted: 2 aws-access-key, 1 github-token"
    );

    let mut single = Report::new();
    REDACTOR.redact_text(&jwt(), &mut single);
    assert_eq!(single.to_string(), "1 secret redacted: 1 jwt");

    report.merge(&single);
    assert_eq!(
        report.to_string(),
        "4 secrets redacted: 2 aws-access-key, 1 github-token, 1 jwt"
    );
}

#[test]
fn the_report_never_holds_the_secret() {
    let mut report = Report::new();
    let secret = aws_secret();
    REDACTOR.redact_text(&format!("aws_secret_access_key={secret}"), &mut report);
    assert!(!format!("{report} {report:?}").contains(&secret));
}

fn path_redactor() -> Redactor {
    Redactor::new(&[]).expect("built-ins").with_paths(&[
        ("/home/alice".to_owned(), "home-dir"),
        ("/home/alice/src/shop/".to_owned(), "project-path"),
    ])
}

#[test]
fn paths_are_replaced_longest_first() {
    let redactor = path_redactor();
    let mut report = Report::new();
    let out = redactor.redact_text(
        "cd /home/alice/src/shop && cat /home/alice/.bashrc /home/alice/src/shop/Cargo.toml",
        &mut report,
    );
    assert_eq!(
        out,
        "cd [REDACTED:project-path] && cat [REDACTED:home-dir]/.bashrc [REDACTED:project-path]/Cargo.toml"
    );
    assert_eq!(
        report.to_string(),
        "3 secrets redacted: 1 home-dir, 2 project-path"
    );
}

#[test]
fn paths_match_only_where_their_last_name_ends() {
    let redactor = path_redactor();
    let mut report = Report::new();
    for text in [
        "/home/alice2/x",
        "/home/alice-old",
        "/home/alice.bak",
        "/home/alic",
    ] {
        assert_eq!(redactor.redact_text(text, &mut report), text);
    }
    assert!(report.is_empty());
    assert_eq!(
        redactor.redact_text("It lives in /home/alice.", &mut report),
        "It lives in [REDACTED:home-dir]."
    );
    assert_eq!(
        redactor.redact_text(r#"{"cwd":"/home/alice"}"#, &mut report),
        r#"{"cwd":"[REDACTED:home-dir]"}"#
    );
}

#[test]
fn root_and_empty_paths_are_ignored_and_windows_paths_work() {
    let redactor = Redactor::new(&[]).expect("built-ins").with_paths(&[
        ("/".to_owned(), "home-dir"),
        (String::new(), "home-dir"),
        (r"C:\".to_owned(), "home-dir"),
        (r"C:\Users\alice".to_owned(), "home-dir"),
    ]);
    let mut report = Report::new();
    assert_eq!(
        redactor.redact_text(r"dir C:\Users\alice\repo /usr/bin", &mut report),
        r"dir [REDACTED:home-dir]\repo /usr/bin"
    );
    // JSON-escaped inside a tool result.
    assert_eq!(
        redactor.redact_text(r#"{"path": "C:\\Users\\alice\\repo"}"#, &mut report),
        r#"{"path": "[REDACTED:home-dir]\\repo"}"#
    );
    assert_eq!(report.count("home-dir"), 2);
}

#[test]
fn paths_given_in_two_calls_still_go_longest_first() {
    let redactor = Redactor::new(&[])
        .expect("built-ins")
        .with_paths(&[("/home/alice".to_owned(), "home-dir")])
        .with_paths(&[("/home/alice/src/shop".to_owned(), "project-path")]);
    let mut report = Report::new();
    assert_eq!(
        redactor.redact_text("/home/alice/src/shop/a.rs", &mut report),
        "[REDACTED:project-path]/a.rs"
    );
}

/// Texts with secrets of every kind, in the contexts the detector tests use.
fn corpus() -> Vec<String> {
    vec![
        format!("The key {} belongs to CI.", aws_key_id()),
        format!("aws_secret_access_key = {}\n", aws_secret()),
        format!("token: ghp_{}", body(36)),
        format!("https://oauth2:glpat-{}@gitlab.com/a.git", body(20)),
        format!("SLACK=xoxb-{}", body(30)),
        format!("api_key=sk-ant-api03-{}", body(80)),
        format!("OPENAI_API_KEY=sk-proj-{}", body(60)),
        format!("Authorization: Bearer {}", jwt()),
        format!("Authorization: Bearer {}", body(30)),
        "postgres://admin:s3cr3tP4ss@db:5432/app".to_owned(),
        "psql postgres://u:p@ss@host/db".to_owned(),
        "DB_PASSWORD=hunter2hunter2".to_owned(),
        r#"{"password": "correct horse battery staple"}"#.to_owned(),
        r#"{\"token\": \"abc123def456\"}"#.to_owned(),
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
            body(64)
        ),
        format!("-----BEGIN RSA PRIVATE KEY-----\n{}", body(64)),
        "cd /home/alice/src/shop && ls /home/alice".to_owned(),
        format!("token=xyz-ghp_{}", body(36)),
        format!("password=abc-{}", jwt()),
        "plain prose with no secret at all".to_owned(),
    ]
}

#[test]
fn redacting_twice_is_redacting_once() {
    let redactor = path_redactor();
    let once = |text: &str| {
        let mut report = Report::new();
        let out = redactor.redact_text(text, &mut report).into_owned();
        (out, report)
    };
    let pieces = corpus();
    let joiners = [
        "",
        " ",
        "\n",
        "=",
        ":",
        "\"",
        "/",
        "@",
        "password=",
        "Bearer ",
        ".",
        "-",
        "\\\"",
        "token: \"",
        "https://u:",
    ];
    let mut texts = pieces.clone();
    // A deterministic pseudo-random mix of pieces and joiners.
    let mut state: u64 = 0x5EED;
    let mut next = |bound: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(state >> 33).expect("31 bits fit") % bound
    };
    for _ in 0..2_000 {
        let mut text = String::new();
        for _ in 0..1 + next(4) {
            text.push_str(&pieces[next(pieces.len())]);
            text.push_str(joiners[next(joiners.len())]);
        }
        texts.push(text);
    }
    for text in texts {
        let (first, first_report) = once(&text);
        let (second, second_report) = once(&first);
        assert_eq!(second, first, "not idempotent on {text:?}");
        assert!(
            second_report.is_empty(),
            "found {second_report} again in {first:?}"
        );
        if text.contains("hunter2") || text.contains("s3cr3tP4ss") {
            assert!(!first_report.is_empty(), "nothing found in {text:?}");
        }
    }
}

#[test]
fn rendered_output_is_redacted_whole_and_reports_only_what_is_new() {
    // What a template partial reading `/proc/self/environ` prints: NUL-separated variables,
    // after a checkpoint whose own secret was redacted already.
    let key = format!("sk-proj-{}", body(48));
    let rendered = format!(
        "# Session\n\nuser: my key is [REDACTED:aws-access-key]\n\nHOME=/root\0OPENAI_API_KEY={key}\0DB_PASSWORD=Tr0ub4dor&3horse\0PATH=/usr/bin\n"
    );
    let redacted = REDACTOR.redact_output(&rendered);
    assert_eq!(
        redacted.text,
        "# Session\n\nuser: my key is [REDACTED:aws-access-key]\n\nHOME=/root\0OPENAI_API_KEY=[REDACTED:openai-key]\0DB_PASSWORD=[REDACTED:password-assignment]\0PATH=/usr/bin\n"
    );
    assert_eq!(
        redacted.report.to_string(),
        "2 secrets redacted: 1 openai-key, 1 password-assignment"
    );
    let clean = REDACTOR.redact_output("# Session\n\nnothing here\n");
    assert!(matches!(clean.text, Cow::Borrowed(_)));
    assert!(clean.report.is_empty());
}
