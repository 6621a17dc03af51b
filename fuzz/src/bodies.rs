// Included as a module both by the fuzz crate and by the main test suite: no crate attributes.

use camino::Utf8Path;
use confab_core::{
    CollectMessages, Decoder, MessageSink, Session, SessionStore, validate_session_name,
};
use confab_store_sqlite::SqliteStore;

/// Makes sure the format crates' registrations are linked into the fuzz binary.
pub fn link_formats() {
    std::hint::black_box(&confab_format_chatgpt::FORMAT);
    std::hint::black_box(&confab_format_claude_ai::FORMAT);
    std::hint::black_box(&confab_format_claude_code::FORMAT);
    std::hint::black_box(&confab_format_codex::FORMAT);
    std::hint::black_box(&confab_format_gemini::FORMAT);
    std::hint::black_box(&confab_format_json::FORMAT);
    std::hint::black_box(&confab_format_llm::FORMAT);
    std::hint::black_box(&confab_format_openai::FORMAT);
    std::hint::black_box(&confab_format_opencode::FORMAT);
    std::hint::black_box(&confab_format_yaml::FORMAT);
}

struct Discard;

impl MessageSink for Discard {
    fn message(&mut self, _index: usize, message: serde_json::Value) {
        std::hint::black_box(message);
    }
}

/// One decoder on arbitrary bytes: decoding (messages kept or dropped), sniffing and locating
/// must never panic, and the two decodings must agree.
pub fn decode(decoder: Decoder, data: &[u8]) {
    let format = decoder.decode;
    let _ = format.sniff(data);
    let whole = format.decode(data, &mut CollectMessages::default());
    let streamed = format.decode(data, &mut Discard);
    assert_eq!(
        whole.is_ok(),
        streamed.is_ok(),
        "decoding with and without the messages disagree on {}",
        decoder.name()
    );
    if whole.is_ok() {
        for pointer in [
            "",
            "/version",
            "/session/name",
            "/messages/0/role",
            "/messages/1/content",
            "/x~1y/0",
        ] {
            let _ = format.locate(data, pointer);
        }
    }
}

/// The whole import pipeline on arbitrary bytes, with every format that decodes: decode,
/// schema, consistency, and for a valid checkpoint, storing it and reading it back whole.
pub fn import_pipeline(data: &[u8]) {
    for decoder in confab_core::decoders() {
        let format = decoder.decode;
        let Ok(imported) = confab_core::read_checkpoint("fuzz", data, format) else {
            continue;
        };
        let checkpoint = imported.checkpoint;
        let checked = confab_core::check_checkpoint("fuzz", data, format)
            .expect("validate agrees with import");
        assert_eq!(checked.len(), 1, "one session, as import read it");
        assert_eq!(checked[0].message_count, checkpoint.messages.len());
        let session = Session::from_checkpoint(checkpoint, jiff::Timestamp::UNIX_EPOCH);
        if validate_session_name(&session.name).is_err() {
            continue;
        }
        let mut store = SqliteStore::open(Utf8Path::new(":memory:")).expect("in-memory store");
        match store.create(&session) {
            Ok(()) => {
                let back = store
                    .get(&session.name)
                    .expect("a stored session reads back");
                assert_eq!(
                    back.messages, session.messages,
                    "messages survive the store"
                );
            }
            // Values SQLite cannot hold (an i64 overflow) are refused, not stored half.
            Err(confab_core::StoreError::Unstorable(_)) => {
                assert!(
                    store.list().expect("list").is_empty(),
                    "nothing half-stored"
                );
            }
            Err(error) => panic!("unexpected store error: {error}"),
        }
    }
}

/// The streamed-answer reader of `confab chat` (server-sent events folded into an answer, for
/// both APIs) on arbitrary bytes from a provider: it must never panic, the events it reads can
/// hold no more than the bytes they came in, and a complete answer's text is exactly the pieces
/// it handed out as they arrived.
pub fn sse_stream(data: &[u8]) {
    if let Ok(events) = confab_chat::fuzzing::sse_events(data) {
        let held: usize = events
            .iter()
            .map(|(name, data)| name.as_ref().map_or(0, String::len) + data.len())
            .sum();
        assert!(held <= data.len(), "events hold more than their bytes");
    }
    for api in confab_chat::Api::ALL {
        let mut pieces = String::new();
        if let Ok(reply) = confab_chat::fuzzing::read_stream(api, data, |text| {
            pieces.push_str(text);
        }) {
            assert_eq!(reply.text, pieces, "{} answer and its pieces", api.as_str());
        }
    }
}
