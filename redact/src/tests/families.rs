//! The token families and command-line forms added for detect-secrets' and secretlint's kinds:
//! true positives in context, and near-misses left alone.

use super::{assert_redacted, assert_untouched, body, redact};

#[test]
fn google_stripe_npm_huggingface_and_sendgrid_keys_are_redacted() {
    let google = format!("AIza{}", &body(35));
    let out = assert_redacted(
        &format!("fetch(`https://maps.googleapis.com/api?key={google}`)"),
        &google,
        "google-api-key",
    );
    assert_eq!(
        out,
        "fetch(`https://maps.googleapis.com/api?key=[REDACTED:google-api-key]`)"
    );
    for prefix in ["sk_live_", "rk_live_", "sk_test_"] {
        let key = format!("{prefix}{}", body(24));
        assert_redacted(&format!("Stripe.api_key = '{key}'"), &key, "stripe-key");
    }
    let npm = format!("npm_{}", body(36));
    assert_redacted(
        &format!("//registry.npmjs.org/:_authToken={npm}"),
        &npm,
        "npm-token",
    );
    let hf = format!("hf_{}", body(34));
    assert_redacted(
        &format!("huggingface-cli login --token {hf}"),
        &hf,
        "huggingface-token",
    );
    let sendgrid = format!("SG.{}.{}", body(22), body(43));
    assert_redacted(
        &format!("SENDGRID_API_KEY={sendgrid}"),
        &sendgrid,
        "sendgrid-key",
    );
}

#[test]
fn slack_app_tokens_are_slack_tokens() {
    let token = format!("xapp-1-A0{}-1234567890123-{}", "B1C2D3E4F5", body(40));
    let out = assert_redacted(&format!("SLACK_APP_TOKEN={token}"), &token, "slack-token");
    assert_eq!(out, "SLACK_APP_TOKEN=[REDACTED:slack-token]");
}

#[test]
fn azure_connection_strings_keep_everything_but_the_key() {
    let key = format!("{}==", body(86));
    let out = assert_redacted(
        &format!(
            "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey={key};EndpointSuffix=core.windows.net"
        ),
        &key,
        "azure-key",
    );
    assert_eq!(
        out,
        "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=[REDACTED:azure-key];EndpointSuffix=core.windows.net"
    );
    let sig = format!("{}%3D", body(43));
    assert_redacted(
        &format!("https://shop.blob.core.windows.net/c/f?sv=2022-11-02&sig={sig}"),
        &sig,
        "azure-key",
    );
}

#[test]
fn basic_authorization_headers_keep_basic() {
    let credentials = "ZGVwbG95OlMzY3IzdC1wYXNz";
    let out = assert_redacted(
        &format!(r#"curl -H "Authorization: Basic {credentials}" https://api.example.com"#),
        credentials,
        "basic-auth",
    );
    assert_eq!(
        out,
        r#"curl -H "Authorization: Basic [REDACTED:basic-auth]" https://api.example.com"#
    );
    assert_redacted(
        &format!(r#"{{"headers": {{"Authorization": "Basic {credentials}"}}}}"#),
        credentials,
        "basic-auth",
    );
    assert_untouched("Basic authentication is configured in the settings page.");
    assert_untouched(r#"-H "Authorization: Basic $CREDENTIALS""#);
}

#[test]
fn command_line_passwords_are_redacted() {
    let cases = [
        (
            "curl -u admin:S3cr3t!pass https://api.example.com",
            "curl -u admin:[REDACTED:cli-password] https://api.example.com",
        ),
        (
            "curl --user 'admin:p@ss word' https://x",
            "curl --user 'admin:[REDACTED:cli-password]' https://x",
        ),
        (
            "curl -uadmin:S3cr3t https://x",
            "curl -uadmin:[REDACTED:cli-password] https://x",
        ),
        (
            "mysql -h db -u root -pS3cr3tPass shop",
            "mysql -h db -u root -p[REDACTED:cli-password] shop",
        ),
        (
            "mysqldump -uroot -p'my pass' shop > dump.sql",
            "mysqldump -uroot -p'[REDACTED:cli-password]' shop > dump.sql",
        ),
        (
            "docker login -u bot --password Dkr-Pa55w0rd registry.example.com",
            "docker login -u bot --password [REDACTED:cli-password] registry.example.com",
        ),
    ];
    for (text, expected) in cases {
        let (out, report) = redact(text);
        assert_eq!(out, expected, "from {text}");
        assert_eq!(report.count("cli-password"), 1, "from {text}");
    }
}

#[test]
fn command_lines_without_passwords_are_left_alone() {
    for text in [
        "docker run -u 1000:1000 -v $PWD:/src rust:1",
        "git push -u origin main",
        "mkdir -p /tmp/build && tar -pxf a.tar",
        "mysql -u root -p shop",
        "psql --password -h db",
        "curl -u $USER:$PASS https://x",
        "The --token argument is optional.",
        "curl -u admin: https://x",
    ] {
        assert_untouched(text);
    }
}

#[test]
fn netrc_passwords_are_redacted() {
    let (out, _) = redact("machine api.example.com\n  login alice\n  password N3trc-Pa55\n");
    assert_eq!(
        out,
        "machine api.example.com\n  login alice\n  password [REDACTED:netrc-password]\n"
    );
    let (out, _) = redact("machine github.com login bob password gh0-pa55");
    assert_eq!(
        out,
        "machine github.com login bob password [REDACTED:netrc-password]"
    );
}

#[test]
fn the_other_service_tokens_are_redacted() {
    let cases = [
        (format!("pypi-AgEIcHlwaS5vcmc{}", body(70)), "pypi-token"),
        (
            format!("MTA{}.GaBcDe.{}", body(21), body(27)),
            "discord-token",
        ),
        (format!("123456789:AA{}", body(33)), "telegram-token"),
        (
            format!("SK{}", "0123456789abcdef0123456789abcdef"),
            "twilio-key",
        ),
        (
            format!("{}-us14", "0123456789abcdef0123456789abcdef"),
            "mailchimp-key",
        ),
        (format!("sq0csp-{}", body(43)), "square-token"),
        (
            format!("shpat_{}", "0123456789abcdef0123456789abcdef"),
            "shopify-token",
        ),
        (format!("gsk_{}", body(52)), "groq-key"),
        (format!("lin_api_{}", body(40)), "linear-key"),
        (format!("ntn_12345678901{}", body(35)), "notion-token"),
        (format!("ops_eyJ{}", body(120)), "onepassword-token"),
        (format!("glsa_{}_0a1b2c3d", body(32)), "grafana-token"),
        (format!("hvs.{}", body(95)), "vault-token"),
        (format!("vcp_{}", body(40)), "vercel-token"),
        (
            format!("dapi{}", "0123456789abcdef0123456789abcdef"),
            "databricks-token",
        ),
        (format!("dckr_pat_{}", body(27)), "docker-token"),
        (format!("figd_{}", body(40)), "figma-token"),
        (format!("AKCp{}", body(69)), "artifactory-token"),
        (format!("glrt-{}", body(20)), "gitlab-token"),
    ];
    for (token, kind) in cases {
        let out = assert_redacted(&format!("TOKEN_VALUE {token} end"), &token, kind);
        assert_eq!(out, format!("TOKEN_VALUE [REDACTED:{kind}] end"), "{kind}");
    }
    let out = assert_redacted(
        "aws_account_id = \"1234-5678-9012\"",
        "1234-5678-9012",
        "aws-account-id",
    );
    assert_eq!(out, "aws_account_id = \"[REDACTED:aws-account-id]\"");
    let old = "0123456789abcdef0123456789abcdef01234567";
    let out = assert_redacted(
        &format!("git clone https://{old}:x-oauth-basic@github.com/a/b.git"),
        old,
        "github-token",
    );
    assert!(
        out.starts_with("git clone https://[REDACTED:github-token]:"),
        "{out}"
    );
}

#[test]
fn hashes_ids_and_prose_are_not_tokens() {
    for text in [
        "commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  release.tar.gz",
        "request 550e8400-e29b-41d4-a716-446655440000",
        "Keys start with AIza, sk_live_, npm_, hf_ or SG. followed by more characters.",
        "The twilio SID looks like ACxxxxxxxx.",
        "timestamp 1712345678:done",
    ] {
        assert_untouched(text);
    }
}

#[test]
fn prose_around_basic_and_machine_is_not_a_secret() {
    assert_untouched("Set Authorization: Basic authentication in the proxy.");
    assert_untouched("Authorization: Basic Authentication is deprecated.");
    assert_untouched("A machine learning password manager, password reset flows.");
}

#[test]
fn a_random_quoted_string_is_redacted_but_hashes_ids_and_names_are_not() {
    let random = "q8Zr2LmX7pVt4KwN9sBy3HcJ6dFg1QeTu5";
    assert_redacted(
        &format!("client = Client(\"{random}\")"),
        random,
        "high-entropy",
    );
    for harmless in [
        // hex: a git SHA, a sha256 sum, a UUID
        "\"9b2d6f0c1a8e47d3b5f6a7c8d9e0f1a2b3c4d5e6\"",
        "\"a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e\"",
        "'123e4567-e89b-12d3-a456-426614174000'",
        // words and identifiers: too little entropy
        "\"ConfigurationManagerFactoryImpl2\"",
        "\"claude-sonnet-4-5-20250929-latest\"",
        "\"stacks/orgs/acme/plat/prod/us-east-1\"",
        // one case only
        "\"abcdefghijklmnopqrstuvwxyz0123456789\"",
    ] {
        assert_untouched(&format!("value = {harmless}"));
    }
}
