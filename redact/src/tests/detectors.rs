//! Each built-in detector: true positives in prose, JSON and shell, and near-misses.

use super::{
    assert_not_kind, assert_redacted, assert_untouched, aws_key_id, aws_secret, body, jwt, redact,
};

#[test]
fn private_key_blocks_are_redacted_whole() {
    let key = format!(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA{}\n{}==\n-----END RSA PRIVATE KEY-----",
        body(48),
        body(40)
    );
    let prose = format!("Here is the deploy key:\n{key}\nKeep it safe.");
    let out = assert_redacted(&prose, &body(40), "private-key");
    assert_eq!(
        out,
        "Here is the deploy key:\n[REDACTED:private-key]\nKeep it safe."
    );

    // Inside JSON the newlines are escaped: `\n` is two characters.
    let json = format!(
        r#"{{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", "client_email": "x@y.iam"}}"#,
        body(64)
    );
    let out = assert_redacted(&json, &body(64), "private-key");
    assert!(out.contains(r#""client_email": "x@y.iam""#), "{out}");

    let openssh = format!(
        "$ cat ~/.ssh/id_ed25519\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA{}\n-----END OPENSSH PRIVATE KEY-----\n$ ",
        body(50)
    );
    assert_redacted(&openssh, &body(50), "private-key");

    let pgp = format!(
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF{}\n-----END PGP PRIVATE KEY BLOCK-----",
        body(60)
    );
    assert_eq!(redact(&pgp).0, "[REDACTED:private-key]");
}

#[test]
fn a_truncated_private_key_is_redacted_to_its_last_key_character() {
    let text = format!(
        "output truncated:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI{}\n{}",
        body(40),
        body(30)
    );
    let out = assert_redacted(&text, &body(30), "private-key");
    assert_eq!(out, "output truncated:\n[REDACTED:private-key]");
}

#[test]
fn public_keys_and_certificates_are_not_private_keys() {
    assert_untouched(&format!(
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A{}\n-----END PUBLIC KEY-----",
        body(40)
    ));
    assert_untouched(&format!(
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE{}\n-----END CERTIFICATE-----",
        body(40)
    ));
    assert_untouched("Paste your PRIVATE KEY here, starting with the BEGIN line.");
}

#[test]
fn aws_access_keys_are_redacted() {
    let key = aws_key_id();
    let out = assert_redacted(
        &format!("The key {key} belongs to the CI user."),
        &key,
        "aws-access-key",
    );
    assert_eq!(
        out,
        "The key [REDACTED:aws-access-key] belongs to the CI user."
    );
    assert_redacted(
        &format!(
            r#"{{"AccessKeyId": "{}", "Expiration": "2025-01-01"}}"#,
            key.replacen("AKIA", "ASIA", 1)
        ),
        &key[4..],
        "aws-access-key",
    );
    let out = assert_redacted(
        &format!("export AWS_ACCESS_KEY_ID={key}\naws s3 ls"),
        &key,
        "aws-access-key",
    );
    assert_eq!(
        out,
        "export AWS_ACCESS_KEY_ID=[REDACTED:aws-access-key]\naws s3 ls"
    );
    for prefix in ["AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"] {
        let key = format!("{prefix}{}", &aws_key_id()[4..]);
        assert_redacted(&format!("id: {key}."), &key, "aws-access-key");
    }
}

#[test]
fn near_aws_access_keys_are_left_alone() {
    let key = aws_key_id();
    assert_untouched(&format!("id {} here", &key[..19])); // 15 characters after AKIA
    assert_untouched(&format!("id {key}X here")); // 17
    assert_untouched(&format!("id {} here", key.to_lowercase()));
    assert_untouched(&format!("id X{key} here")); // not at a word start
    assert_untouched(&format!("id {} here", key.replacen("AKIA", "AKIB", 1)));
    assert_untouched("AKIA is the prefix of long-term access key ids.");
}

#[test]
fn aws_secret_keys_are_redacted_after_their_key() {
    let secret = aws_secret();
    let out = assert_redacted(
        &format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {secret}\n",
            aws_key_id()
        ),
        &secret,
        "aws-secret-key",
    );
    assert_eq!(
        out,
        "[default]\naws_access_key_id = [REDACTED:aws-access-key]\naws_secret_access_key = [REDACTED:aws-secret-key]\n"
    );
    let out = assert_redacted(
        &format!(r#"export AWS_SECRET_ACCESS_KEY="{secret}"; terraform plan"#),
        &secret,
        "aws-secret-key",
    );
    assert_eq!(
        out,
        r#"export AWS_SECRET_ACCESS_KEY="[REDACTED:aws-secret-key]"; terraform plan"#
    );
    // `aws sts assume-role` output, as JSON and as JSON escaped inside a tool result.
    let out = assert_redacted(
        &format!(r#"{{"Credentials": {{"SecretAccessKey": "{secret}", "SessionToken": "x"}}}}"#),
        &secret,
        "aws-secret-key",
    );
    assert!(
        out.contains(r#""SecretAccessKey": "[REDACTED:aws-secret-key]""#),
        "{out}"
    );
    assert_redacted(
        &format!(r#"{{\"SecretAccessKey\": \"{secret}\"}}"#),
        &secret,
        "aws-secret-key",
    );
    assert_redacted(
        &format!("secret_access_key: {secret}"),
        &secret,
        "aws-secret-key",
    );
}

#[test]
fn near_aws_secret_keys_are_not_aws_secret_keys() {
    let secret = aws_secret();
    // A 40-character string without its key could be anything.
    assert_untouched(&format!("the hash is {secret} in base64"));
    // 39 characters: not an AWS secret, but still a secret-looking assignment.
    let (out, report) = redact(&format!("aws_secret_access_key = {}", &secret[..39]));
    assert_eq!(report.count("aws-secret-key"), 0, "{out}");
    assert_eq!(report.count("password-assignment"), 1, "{out}");
    // The key named in prose is not an assignment.
    assert_untouched("Set aws_secret_access_key in ~/.aws/credentials first.");
}

#[test]
fn github_tokens_are_redacted() {
    let classic = format!("ghp_{}", body(36));
    let out = assert_redacted(
        &format!("I created {classic} for the bot."),
        &classic,
        "github-token",
    );
    assert_eq!(out, "I created [REDACTED:github-token] for the bot.");
    for prefix in ["gho_", "ghu_", "ghs_", "ghr_"] {
        let token = format!("{prefix}{}", body(40));
        assert_redacted(
            &format!(r#"{{"token": "{token}"}}"#),
            &token,
            "github-token",
        );
    }
    let fine_grained = format!("github_pat_{}_{}", body(22), body(59));
    let out = assert_redacted(
        &format!("GH_TOKEN={fine_grained} gh pr list"),
        &fine_grained,
        "github-token",
    );
    assert_eq!(out, "GH_TOKEN=[REDACTED:github-token] gh pr list");
    // In a clone URL the token is named as a GitHub token, not as a URL password.
    let app = format!("ghs_{}", body(36));
    let (out, report) = redact(&format!(
        "git clone https://x-access-token:{app}@github.com/acme/app.git"
    ));
    assert_eq!(
        out,
        "git clone https://x-access-token:[REDACTED:github-token]@github.com/acme/app.git"
    );
    assert_eq!(report.total(), 1);
}

#[test]
fn near_github_tokens_are_left_alone() {
    assert_untouched(&format!("token ghp_{} here", body(35)));
    assert_untouched(&format!("token ghx_{} here", body(36)));
    assert_untouched(&format!("token github_pat_{} here", body(81)));
    assert_untouched("Classic tokens start with ghp_ and fine-grained ones with github_pat_.");
}

#[test]
fn gitlab_tokens_are_redacted() {
    let token = format!("glpat-{}", body(20));
    let out = assert_redacted(
        &format!("git remote add origin https://oauth2:{token}@gitlab.com/acme/app.git"),
        &token,
        "gitlab-token",
    );
    assert_eq!(
        out,
        "git remote add origin https://oauth2:[REDACTED:gitlab-token]@gitlab.com/acme/app.git"
    );
    let token = format!("glpat-{}-{}_{}", body(8), body(6), body(8));
    assert_redacted(
        &format!(r#"{{"PRIVATE-TOKEN": "{token}"}}"#),
        &token,
        "gitlab-token",
    );
}

#[test]
fn near_gitlab_tokens_are_left_alone() {
    assert_untouched(&format!("token glpat-{} here", body(19)));
    assert_untouched("GitLab personal access tokens start with glpat-.");
}

#[test]
fn slack_tokens_and_webhooks_are_redacted() {
    let bot = format!("xoxb-{}-{}-{}", "123456789012", "1234567890123", body(24));
    let out = assert_redacted(
        &format!("SLACK_BOT_TOKEN={bot} node app.js"),
        &bot,
        "slack-token",
    );
    assert_eq!(out, "SLACK_BOT_TOKEN=[REDACTED:slack-token] node app.js");
    for prefix in ["xoxa-", "xoxp-", "xoxr-", "xoxs-"] {
        let token = format!("{prefix}{}", body(30));
        assert_redacted(&format!("use {token} now"), &token, "slack-token");
    }
    let webhook = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        "0A1B2C3D4",
        "5E6F7G8H9",
        body(24)
    );
    let out = assert_redacted(
        &format!(r#"curl -X POST -d '{{"text":"hi"}}' {webhook}"#),
        &body(24),
        "slack-token",
    );
    assert_eq!(
        out,
        r#"curl -X POST -d '{"text":"hi"}' [REDACTED:slack-token]"#
    );
}

#[test]
fn near_slack_tokens_are_left_alone() {
    assert_untouched("token xoxb-12345 here");
    assert_untouched(&format!("token xoxz-{} here", body(30)));
    assert_untouched(
        "Incoming webhooks live under https://hooks.slack.com/services/ and are secret.",
    );
    assert_untouched("See https://api.slack.com/messaging/webhooks for details.");
}

#[test]
fn anthropic_keys_are_redacted_as_anthropic_keys() {
    let key = format!("sk-ant-api03-{}-{}AA", body(60), body(31));
    let out = assert_redacted(
        &format!("export ANTHROPIC_API_KEY={key}"),
        &key,
        "anthropic-key",
    );
    assert_eq!(out, "export ANTHROPIC_API_KEY=[REDACTED:anthropic-key]");
    // Specific before generic: inside an assignment it is still an Anthropic key.
    let (out, report) = redact(&format!("api_key={key}"));
    assert_eq!(out, "api_key=[REDACTED:anthropic-key]");
    assert_eq!(report.count("anthropic-key"), 1);
    assert_eq!(report.count("password-assignment"), 0);
    assert_eq!(report.count("openai-key"), 0);
    assert_redacted(
        &format!(r#"client = Anthropic(api_key="{key}")"#),
        &key,
        "anthropic-key",
    );
}

#[test]
fn near_anthropic_keys_are_left_alone() {
    assert_untouched(&format!("the key sk-ant-{} is short", body(10)));
    // Too short for Anthropic, and not an OpenAI key either.
    assert_untouched(&format!("the key sk-ant-{} is short", body(19)));
    assert_untouched("Anthropic keys start with sk-ant-.");
}

#[test]
fn openai_keys_are_redacted() {
    let project = format!("sk-proj-{}_{}-{}", body(40), body(40), body(20));
    let out = assert_redacted(&format!("OPENAI_API_KEY={project}"), &project, "openai-key");
    assert_eq!(out, "OPENAI_API_KEY=[REDACTED:openai-key]");
    let legacy = format!("sk-{}", body(48));
    assert_redacted(
        &format!(r#"{{"headers": {{"api-key": "{legacy}"}}}}"#),
        &legacy,
        "openai-key",
    );
    let service = format!("sk-svcacct-{}", body(60));
    assert_redacted(
        &format!("I used {service} in the cron job."),
        &service,
        "openai-key",
    );
}

#[test]
fn near_openai_keys_are_left_alone() {
    assert_untouched("The key sk-12345 is a test value.");
    assert_untouched("pip install sk-learn-preprocessing-pipeline-tools"); // no digit: words
    assert_untouched(&format!("task-{} done", body(30))); // `sk-` inside a word
    assert_untouched("OpenAI keys start with sk- or sk-proj-.");
    assert_not_kind(&format!("sk-ant-api03-{}", body(90)), "openai-key");
}

#[test]
fn jwts_are_redacted() {
    let token = jwt();
    let out = assert_redacted(
        &format!("The session cookie was {token}, it expires tomorrow."),
        &token,
        "jwt",
    );
    assert_eq!(
        out,
        "The session cookie was [REDACTED:jwt], it expires tomorrow."
    );
    assert_redacted(&format!(r#"{{"id_token": "{token}"}}"#), &token, "jwt");
    // A JWT used as a bearer token is named a JWT; `Bearer ` stays.
    let (out, report) = redact(&format!(
        r#"curl -H "Authorization: Bearer {token}" https://api.example.com/me"#
    ));
    assert_eq!(
        out,
        r#"curl -H "Authorization: Bearer [REDACTED:jwt]" https://api.example.com/me"#
    );
    assert_eq!(report.count("jwt"), 1);
    assert_eq!(report.count("bearer-token"), 0);
}

#[test]
fn base64_that_is_not_a_jwt_is_left_alone() {
    assert_untouched("echo dGhpcyBpcyBub3QgYSBqd3QgYXQgYWxsLCBqdXN0IHRleHQ= | base64 -d");
    assert_untouched("header eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 alone");
    assert_untouched("eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl has an empty payload");
    assert_untouched("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0. is cut short");
}

#[test]
fn bearer_tokens_are_redacted_keeping_bearer() {
    let token = format!("{}.{}-{}", body(20), body(10), body(12));
    let out = assert_redacted(
        &format!(r#"curl -H "Authorization: Bearer {token}" https://api.example.com"#),
        &token,
        "bearer-token",
    );
    assert_eq!(
        out,
        r#"curl -H "Authorization: Bearer [REDACTED:bearer-token]" https://api.example.com"#
    );
    let google = format!("ya29.a0AfH6SM{}", body(40));
    let out = assert_redacted(
        &format!(r#"{{"headers": {{"Authorization": "Bearer {google}"}}}}"#),
        &google,
        "bearer-token",
    );
    assert!(out.contains(r#""Bearer [REDACTED:bearer-token]""#), "{out}");
    assert_redacted(
        &format!("authorization: bearer {}", body(32)),
        &body(32),
        "bearer-token",
    );
}

#[test]
fn bearer_without_a_token_is_left_alone() {
    assert_untouched("Bearer");
    assert_untouched("The API wants a Bearer token in the Authorization header.");
    assert_untouched(r#"curl -H "Authorization: Bearer $TOKEN" https://api.example.com"#);
    assert_untouched("Authorization: Bearer abc123short");
}

#[test]
fn url_passwords_are_redacted_keeping_the_rest() {
    let out = assert_redacted(
        "DATABASE_URL=postgres://admin:s3cr3tP4ss@db.internal:5432/app",
        "s3cr3tP4ss",
        "url-password",
    );
    assert_eq!(
        out,
        "DATABASE_URL=postgres://admin:[REDACTED:url-password]@db.internal:5432/app"
    );
    let out = assert_redacted(
        r#"{"url": "mysql://root:hunter2@localhost/shop"}"#,
        "hunter2",
        "url-password",
    );
    assert_eq!(
        out,
        r#"{"url": "mysql://root:[REDACTED:url-password]@localhost/shop"}"#
    );
    // No user, and a short password: URL passwords have no minimum length.
    assert_eq!(
        redact("redis-cli -u redis://:pw12@cache:6379").0,
        "redis-cli -u redis://:[REDACTED:url-password]@cache:6379"
    );
    // An unescaped `@` in the password: everything up to the host's `@` goes.
    assert_eq!(
        redact("psql postgres://u:p@ss@host/db").0,
        "psql postgres://u:[REDACTED:url-password]@host/db"
    );
}

#[test]
fn urls_without_passwords_are_left_alone() {
    assert_untouched("See https://example.com:8080/path?q=1 for details.");
    assert_untouched("git clone ssh://git@github.com:22/acme/app.git");
    assert_untouched("https://user@example.com/login");
    assert_untouched("postgres://user:${DB_PASSWORD}@db:5432/app");
    assert_untouched("postgres://user:password@localhost/app");
    assert_untouched("postgres://user:<password>@localhost/app");
    assert_untouched("mailto:alice@example.com");
}

#[test]
fn password_assignments_are_redacted_keeping_the_key() {
    let cases = [
        (
            "DB_PASSWORD=hunter2hunter2",
            "DB_PASSWORD=[REDACTED:password-assignment]",
        ),
        (
            r#"password: "correct horse battery staple""#,
            r#"password: "[REDACTED:password-assignment]""#,
        ),
        (
            r#"{"api_key": "abc123def456", "region": "eu-west-1"}"#,
            r#"{"api_key": "[REDACTED:password-assignment]", "region": "eu-west-1"}"#,
        ),
        (
            r#"{\"token\": \"abc123def456\", \"n\": 1}"#,
            r#"{\"token\": \"[REDACTED:password-assignment]\", \"n\": 1}"#,
        ),
        (
            "export NPM_TOKEN=npm1234567890abcdef && npm publish",
            "export NPM_TOKEN=[REDACTED:password-assignment] && npm publish",
        ),
        (
            "mysql --password=Secr3tPass -h db",
            "mysql --password=[REDACTED:password-assignment] -h db",
        ),
        (
            "secret = 'it is a secret'",
            "secret = '[REDACTED:password-assignment]'",
        ),
        (
            "db = { 'passwd' => 'hunter2hunter2' }",
            "db = { 'passwd' => '[REDACTED:password-assignment]' }",
        ),
        (
            "GET /cb?access_token=abcdef123456&state=xyz",
            "GET /cb?access_token=[REDACTED:password-assignment]&state=xyz",
        ),
        (
            "X-Api-Key: 0123456789abcdef",
            "X-Api-Key: [REDACTED:password-assignment]",
        ),
        (
            "conn := Connect(); secretKey := \"s3cr3t-k3y\"",
            "conn := Connect(); secretKey := \"[REDACTED:password-assignment]\"",
        ),
        (
            "PASSPHRASE=long-pass-phrase",
            "PASSPHRASE=[REDACTED:password-assignment]",
        ),
    ];
    for (text, expected) in cases {
        let (out, report) = redact(text);
        assert_eq!(out, expected, "from {text}");
        assert_eq!(report.count("password-assignment"), 1, "from {text}");
    }
}

#[test]
fn password_in_prose_and_placeholders_are_left_alone() {
    for text in [
        "I forgot my password, can you reset it?",
        "Enter your password: ",
        "The password is stored in the vault.",
        "password=<your-password>",
        r#"password: "<your-password>""#,
        "password: ${DB_PASSWORD}",
        "password=$DB_PASSWORD",
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "api_key: {{ vault.api_key }}",
        "password=xxxxxxxx",
        "password: ********",
        "password=changeme",
        "PASSWORD=CHANGEME",
        "password=abc12",
        r#"if password == "hunter2": pass"#,
        "password: string",
        "token: Option<String>,",
        "password = getpass()",
        r#"token = os.environ["GITHUB_TOKEN"]"#,
        "self.password = password",
        "max_tokens: 4096",
        "tokenizer: sentencepiece",
        "secret:",
        r#"{"token": null, "password": ""}"#,
    ] {
        assert_untouched(text);
    }
}
