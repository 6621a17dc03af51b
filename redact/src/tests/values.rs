//! Where a value ends: passwords holding punctuation, escaped quotes, values on the next line,
//! and the key names and references that are not values at all.

use super::{assert_redacted, assert_untouched, redact};

/// Asserts `text` redacts to exactly `expected`.
#[track_caller]
fn redacts_to(text: &str, expected: &str) {
    assert_eq!(redact(text).0, expected, "from {text:?}");
}

#[test]
fn a_bare_password_keeps_its_punctuation() {
    redacts_to(
        "DB_PASSWORD=Tr0ub4dor&3horse",
        "DB_PASSWORD=[REDACTED:password-assignment]",
    );
    for password in [
        "pa;ss,w0rd!",
        "a@b/c?d#e1",
        "x&y&z-123",
        "semi;colon;9",
        "c0mma,sep,val",
    ] {
        let (out, _) = redact(&format!("export DB_PASSWORD={password} && ./run"));
        assert_eq!(
            out, "export DB_PASSWORD=[REDACTED:password-assignment] && ./run",
            "{password}"
        );
    }
}

#[test]
fn a_bare_value_ends_where_the_next_parameter_starts() {
    redacts_to(
        "GET /cb?access_token=abcdef123456&state=xyz&code=1",
        "GET /cb?access_token=[REDACTED:password-assignment]&state=xyz&code=1",
    );
    redacts_to(
        "Server=db;User Id=app;Password=S3cr3t&Pa55;Database=shop",
        "Server=db;User Id=app;Password=[REDACTED:password-assignment];Database=shop",
    );
    redacts_to(
        "{password: hunter2hunter2, user: alice}",
        "{password: [REDACTED:password-assignment], user: alice}",
    );
    redacts_to(
        "login(password=hunter2hunter2)",
        "login(password=[REDACTED:password-assignment])",
    );
}

#[test]
fn a_url_password_goes_whole_up_to_the_host() {
    redacts_to(
        "postgres://app:p@ss/w0rd#1@db:5432/shop",
        "postgres://app:[REDACTED:url-password]@db:5432/shop",
    );
    redacts_to(
        "mysql://root:a?b/c@localhost/shop",
        "mysql://root:[REDACTED:url-password]@localhost/shop",
    );
}

#[test]
fn escaped_quotes_stay_inside_the_value() {
    redacts_to(
        r#"{"password": "qu0te\"d-pa55word", "user": "x"}"#,
        r#"{"password": "[REDACTED:password-assignment]", "user": "x"}"#,
    );
    redacts_to(
        r"secret = 'it\'s-a-s3cret'",
        r"secret = '[REDACTED:password-assignment]'",
    );
    // A JSON document inside a JSON string: `\\\"` is a quote of the inner value.
    redacts_to(
        r#"{\"token\": \"abc\\\"def-123456\", \"n\": 1}"#,
        r#"{\"token\": \"[REDACTED:password-assignment]\", \"n\": 1}"#,
    );
}

#[test]
fn a_value_on_the_next_line_is_redacted() {
    redacts_to(
        "db:\n  password:\n    Nxt-L1ne-Pa55w0rd\n  host: db\n",
        "db:\n  password:\n    [REDACTED:password-assignment]\n  host: db\n",
    );
    redacts_to(
        "[db]\npassword =\n    Ini-C0nt-Pa55w0rd\nhost = db\n",
        "[db]\npassword =\n    [REDACTED:password-assignment]\nhost = db\n",
    );
    redacts_to(
        "token:\n  \"quoted-t0ken-value\"\n",
        "token:\n  \"[REDACTED:password-assignment]\"\n",
    );
    redacts_to(
        "client_secret: |\n  L1ne-0ne-of-it\n\n  L1ne-Tw0-of-it\nregion: eu\n",
        "client_secret: |\n  [REDACTED:password-assignment]\nregion: eu\n",
    );
    redacts_to(
        "private_key: >-\n    F0lded-sc4lar\n    m0re-of-it\n",
        "private_key: >-\n    [REDACTED:password-assignment]\n",
    );
}

#[test]
fn a_nested_mapping_or_list_under_a_secret_key_is_not_a_value() {
    assert_untouched("secret:\n  secretName: db-creds\n  optional: false\n");
    assert_untouched("volumes:\n  - name: creds\n    secret:\n      secretName: db\n");
    assert_untouched("token:\n  - first-item-here\n");
    assert_untouched("password:\n# comment line\nhost: db\n");
    assert_untouched("password:\nhost: db-server-01\n"); // not indented: the next key
}

#[test]
fn the_value_of_a_named_entry_is_redacted_not_its_name() {
    redacts_to(
        "env:\n  - name: POSTGRES_PASSWORD\n    value: K8s-Env-Pa55w0rd\n",
        "env:\n  - name: POSTGRES_PASSWORD\n    value: [REDACTED:password-assignment]\n",
    );
    redacts_to(
        r#"[{"name": "API_TOKEN", "value": "ecs-t0ken-value"}]"#,
        r#"[{"name": "API_TOKEN", "value": "[REDACTED:password-assignment]"}]"#,
    );
    // A key name given as a value is a reference, not a secret.
    assert_untouched("with:\n  token: GITHUB_TOKEN\n");
    assert_untouched("password_from: DB_PASSWORD");
}

#[test]
fn the_working_directory_and_stand_ins_are_not_passwords() {
    assert_untouched("PWD=/home/alice/src/shop\nOLDPWD=/home/alice");
    assert_untouched("OPENAI_API_KEY=your-api-key-here");
    assert_untouched("STRIPE_KEY=YOUR_STRIPE_KEY");
    assert_untouched("api_key: <your token here>");
    assert_redacted(
        "DB_PWD=Pa55w0rd-for-db",
        "Pa55w0rd-for-db",
        "password-assignment",
    );
}

#[test]
fn secret_key_base_and_the_detect_secrets_keywords_are_keys() {
    for key in [
        "SECRET_KEY_BASE",
        "db_pass",
        "client_key",
        "account_key",
        "service_key",
        "encryption_key",
        "pwd",
    ] {
        let text = format!("{key}=0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        assert_redacted(&text, "0f1e2d3c4b5a6978", "password-assignment");
    }
}

#[test]
fn two_parameters_in_a_row_are_both_redacted() {
    redacts_to(
        "GET /cb?access_token=abcdef123456&refresh_token=ghijkl789012&state=x",
        "GET /cb?access_token=[REDACTED:password-assignment]&refresh_token=[REDACTED:password-assignment]&state=x",
    );
}
