//! The protocol against real processes: the Python demo plugin, and plugins that misbehave.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use camino::{Utf8Path, Utf8PathBuf};
use confab_core::{CheckpointFormat, CollectMessages, Decode, Decoded, Encode, EncodeOptions};
use confab_format_external::{ExternalFormat, Limits, discover_with};

const DEMO: &str = "session: deploy-review\nprovider: openai\nmodel: gpt-4o\n\
    user: Why did the deploy fail?\nassistant: The health check\\ntimed out.\n";

fn plugins_dir() -> Utf8PathBuf {
    Utf8Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins")
}

fn demo() -> ExternalFormat {
    ExternalFormat::describe(&plugins_dir().join("confab-format-demo"), Limits::default())
        .expect("the demo plugin describes itself")
}

fn quick() -> Limits {
    Limits {
        timeout: Duration::from_millis(1500),
        output: 1024,
        ..Limits::default()
    }
}

/// Writes an executable `confab-format-NAME` running `script` for every verb but `describe`.
fn plugin(dir: &Path, name: &str, script: &str) -> ExternalFormat {
    let path = dir.join(format!("confab-format-{name}"));
    let text = format!(
        "#!/bin/sh\nif [ \"$1\" = describe ]; then\n  echo '{{\"protocol\": 1, \"name\": \"{name}\", \
         \"extensions\": [\"{name}\"], \"description\": \"bad\", \"decode\": true, \"encode\": true}}'\n  \
         exit 0\nfi\n{script}\n"
    );
    std::fs::write(&path, text).expect("write plugin");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = Utf8PathBuf::from_path_buf(path).expect("utf-8 temp path");
    ExternalFormat::describe(&path, quick()).expect("describes itself")
}

fn decode_error(format: &ExternalFormat, bytes: &[u8]) -> String {
    match format.decode(bytes, &mut CollectMessages::default()) {
        Ok(decoded) => panic!("decoded: {decoded:?}"),
        Err(error) => error.message,
    }
}

#[test]
fn the_demo_plugin_describes_decodes_and_encodes_round_trip() {
    let format = demo();
    assert_eq!(format.name(), "demo");
    assert_eq!(format.extensions(), ["demo"]);
    assert!(format.decoder().is_some() && format.encoder().is_some());
    assert!(matches!(
        format.origin(),
        confab_core::Origin::External { path } if path.ends_with("confab-format-demo")
    ));

    let imported = confab_core::read_checkpoint("chat.demo", DEMO.as_bytes(), &format)
        .expect("the pipeline accepts the plugin's document");
    let checkpoint = imported.checkpoint;
    assert_eq!(checkpoint.session.name, "deploy-review");
    assert_eq!(checkpoint.messages.len(), 2);
    assert_eq!(
        checkpoint.messages[1].content,
        "The health check\ntimed out."
    );

    let mut out = Vec::new();
    format
        .encode(&checkpoint, &EncodeOptions::new(), &mut out)
        .expect("encodes");
    assert_eq!(String::from_utf8(out).expect("utf-8"), DEMO);
}

#[test]
fn the_plugins_errors_keep_their_location_and_name_the_plugin() {
    let format = demo();
    let error = format
        .decode(
            b"session: x\nno colon here\n",
            &mut CollectMessages::default(),
        )
        .expect_err("a syntax error");
    assert!(
        error.message.contains("confab-format-demo"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("expected `key: value`"),
        "{}",
        error.message
    );
    assert_eq!(
        error.location,
        Some(confab_core::Location {
            line: 2,
            column: 14
        })
    );
}

#[test]
fn a_document_that_breaks_the_schema_is_refused_by_the_pipeline() {
    let format = demo();
    let bytes = b"session: s\nprovider: openai\nmodel: gpt-4o\nwizard: abracadabra\n";
    let Ok(Decoded::Document(_)) = format.decode(bytes, &mut CollectMessages::default()) else {
        panic!("the plugin itself decodes it");
    };
    let invalid = confab_core::read_checkpoint("bad.demo", bytes, &format)
        .expect_err("an unknown role is not a checkpoint");
    assert!(
        invalid
            .problems
            .iter()
            .any(|p| p.pointer == "/messages/0/role"),
        "{invalid:?}"
    );
}

#[test]
fn misbehaving_plugins_get_errors_that_name_them() {
    let dir = tempfile::tempdir().expect("temp dir");

    let hang = plugin(dir.path(), "hang", "exec sleep 30");
    let started = Instant::now();
    let message = decode_error(&hang, b"x");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "killed on time"
    );
    assert!(message.contains("confab-format-hang"), "{message}");
    assert!(message.contains("did not finish within 1.5 s"), "{message}");

    let crash = plugin(dir.path(), "crash", "echo 'Traceback: boom' >&2\nexit 3");
    let message = decode_error(&crash, b"x");
    assert!(message.contains("confab-format-crash"), "{message}");
    assert!(message.contains("exit status: 3"), "{message}");
    assert!(
        message.contains("Traceback: boom"),
        "stderr is quoted: {message}"
    );

    let killed = plugin(dir.path(), "killed", "kill -9 $$");
    let message = decode_error(&killed, b"x");
    assert!(message.contains("confab-format-killed"), "{message}");
    assert!(message.contains("signal"), "{message}");

    let garbage = plugin(dir.path(), "garbage", "cat >/dev/null\necho 'hello, world'");
    let message = decode_error(&garbage, b"x");
    assert!(message.contains("confab-format-garbage"), "{message}");
    assert!(message.contains("not JSON"), "{message}");

    let shape = plugin(dir.path(), "shape", "echo '[1, 2, 3]'");
    let message = decode_error(&shape, b"x");
    assert!(message.contains("confab-format-shape"), "{message}");
    assert!(message.contains("not a checkpoint document"), "{message}");

    let flood = plugin(dir.path(), "flood", "exec yes");
    let message = decode_error(&flood, b"x");
    assert!(message.contains("confab-format-flood"), "{message}");
    assert!(message.contains("more than 1024 bytes"), "{message}");

    // Not reading a large stdin must not deadlock us.
    let deaf = plugin(
        dir.path(),
        "deaf",
        "echo '{\"error\": {\"message\": \"no\"}}'\nexit 1",
    );
    let message = decode_error(&deaf, &vec![b'x'; 4 * 1024 * 1024]);
    assert_eq!(message, format!("plugin {}: no", deaf.path()));

    let checkpoint = confab_core::read_checkpoint("chat.demo", DEMO.as_bytes(), &demo())
        .expect("valid")
        .checkpoint;
    let error = crash
        .encode(&checkpoint, &EncodeOptions::new(), &mut Vec::new())
        .expect_err("crashes");
    assert!(
        matches!(&error, confab_core::EncodeError::Format(m) if m.contains("confab-format-crash")),
        "{error:?}"
    );
}

#[test]
fn discovery_takes_the_first_on_path_and_records_bad_plugins() {
    let first = tempfile::tempdir().expect("temp dir");
    let second = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        plugins_dir().join("confab-format-demo"),
        second.path().join("confab-format-demo"),
    )
    .expect("copy");
    plugin(first.path(), "demo", "exit 1");
    let broken = first.path().join("confab-format-broken");
    std::fs::write(&broken, "#!/bin/sh\necho nonsense\n").expect("write");
    std::fs::set_permissions(&broken, std::fs::Permissions::from_mode(0o755)).expect("chmod");

    let path_var = std::env::join_paths([first.path(), second.path()]).expect("joinable paths");
    let found = discover_with(Some(&path_var), quick());
    let paths: Vec<&Utf8Path> = found.formats.iter().map(ExternalFormat::path).collect();
    assert_eq!(paths.len(), 1, "{paths:?}");
    assert!(paths[0].starts_with(first.path()), "the first on PATH wins");
    assert_eq!(found.problems.len(), 1, "{:?}", found.problems);
    assert!(found.problems[0].contains("confab-format-broken"));
    assert!(found.problems[0].contains("not JSON"));
}
