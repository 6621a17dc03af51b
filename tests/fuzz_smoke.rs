//! The fuzz targets' bodies (`fuzz/src/bodies.rs`) on a stable toolchain: every fixture and
//! thousands of deterministic mutations of them (truncations, flipped bytes, spliced halves) go
//! through every decoder and the whole import pipeline. libFuzzer explores far more (see
//! README, "Fuzzing"); this keeps the targets building and holding in every CI run.

#[path = "../fuzz/src/bodies.rs"]
#[allow(dead_code, unreachable_pub)]
mod bodies;

use crate::util::fixture_path;

fn seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for folder in [
        "atmos",
        "readme",
        "../../formats/claude-code/tests/fixtures",
        "../../formats/codex/tests/fixtures",
        "../../formats/gemini/tests/fixtures",
        "../../formats/openai/tests/fixtures",
        "../../formats/chatgpt/tests/fixtures",
        "../../formats/claude-ai/tests/fixtures",
        "../../formats/llm/tests/fixtures",
        "../../formats/llm/tests/fixtures/recorded",
        "../../formats/opencode/tests/fixtures",
        "../../formats/opencode/tests/fixtures/recorded",
    ] {
        for entry in std::fs::read_dir(fixture_path(folder)).expect("fixtures") {
            let path = entry.expect("entry").path();
            // The recorded fixtures are folders of files as the clients laid them out (large
            // Claude Code and Codex ones are left to the fuzzer); a database is no seed.
            let is_text = path.extension().is_some_and(|extension| {
                extension == "json" || extension == "jsonl" || extension == "yaml"
            });
            if path.is_file() && is_text {
                seeds.push(std::fs::read(path).expect("fixture"));
            }
        }
    }
    seeds
        .push(std::fs::read(fixture_path("../../examples/incident-review.json")).expect("example"));
    seeds
}

fn mutations(seed: &[u8], state: &mut u64) -> Vec<Vec<u8>> {
    let mut next = |bound: usize| {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((*state >> 33) as usize) % bound.max(1)
    };
    let mut out = Vec::new();
    for _ in 0..40 {
        let mut data = seed.to_vec();
        match next(4) {
            0 => data.truncate(next(seed.len() + 1)),
            1 => {
                for _ in 0..1 + next(8) {
                    let at = next(data.len());
                    if let Some(byte) = data.get_mut(at) {
                        *byte = [
                            b'"', b'{', b'}', b'[', b',', b':', b'\\', b'\n', 0xff, 0, b'&', b'*',
                        ][next(12)];
                    }
                }
            }
            2 => {
                let at = next(data.len());
                let copy = data[at..].to_vec();
                data.extend_from_slice(&copy);
            }
            _ => data.retain(|_| next(50) != 0),
        }
        out.push(data);
    }
    out
}

#[test]
fn fuzz_bodies_hold_on_fixtures_and_mutations() {
    let decoders = confab_core::decoders();
    assert!(decoders.len() >= 6, "every decoder is linked in");
    let mut state = 0x00c0_ffee;
    for seed in seeds() {
        for data in std::iter::once(seed.clone()).chain(mutations(&seed, &mut state)) {
            for format in &decoders {
                bodies::decode(*format, &data);
            }
            bodies::import_pipeline(&data);
        }
    }
}

/// Streams as providers send them, and the odd shapes the SSE standard allows.
fn sse_seeds() -> Vec<Vec<u8>> {
    let openai = concat!(
        "data: {\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
        ": keep-alive\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\",\"tool_calls\":[{\"index\":0,\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n",
        "data: [DONE]\n\n",
    );
    let anthropic = concat!(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"c\",\"usage\":{\"input_tokens\":9}}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
        "event: ping\ndata: {\"type\":\"ping\"}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\"}}\n\n",
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":6}}\n\n",
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
    );
    let odd = "\u{feff}data: {\"a\":\r\ndata: 1}\r\n\r\nevent: error\ndata: {\"error\":{\"message\":\"x\"}}\n\nid: 1\nretry: 5\ndata\n\n:\n\ndata: tail";
    vec![
        openai.as_bytes().to_vec(),
        anthropic.as_bytes().to_vec(),
        odd.as_bytes().to_vec(),
        b"data: \xff\xfe\n\n".to_vec(),
        Vec::new(),
    ]
}

#[path = "../fuzz/src/template.rs"]
#[allow(dead_code, unreachable_pub)]
mod template;

/// Template seeds: the default template, the documented example, and the shapes that used to
/// overflow the stack (item 8 of issue 15), each as the template target reads its input.
fn template_seeds() -> Vec<Vec<u8>> {
    let separator = [template::TEMPLATE_SEPARATOR];
    let checkpoint =
        std::fs::read(fixture_path("../../examples/incident-review.json")).expect("example");
    let join = |parts: &[&[u8]]| parts.join(&separator[..]);
    let blocks = format!(
        "{}x{}",
        "{{#if true}}".repeat(8_000),
        "{{/if}}".repeat(8_000)
    );
    let calls = format!(
        "{{{{upper {}session.name{}}}}}",
        "(lower ".repeat(5_000),
        ")".repeat(5_000)
    );
    let chain = format!(
        "{{{{#if false}}}}{}{{{{/if}}}}",
        "{{else if false}}".repeat(5_000)
    );
    let unclosed = "{{#each messages}}".repeat(10_000);
    let inline = "{{#*inline \"p0\"}}{{> p1}}{{/inline}}{{> p0}}";
    vec![
        join(&[
            confab_format_markdown::DEFAULT_TEMPLATE.as_bytes(),
            &checkpoint,
        ]),
        join(&[
            b"# {{session.name}}\n{{#each (last messages 2)}}{{> p0}}{{/each}}",
            b"{{number}}. {{role_label role}}: {{truncate content 20}}\n",
            &checkpoint,
        ]),
        join(&[blocks.as_bytes(), &checkpoint]),
        join(&[calls.as_bytes(), &checkpoint]),
        join(&[chain.as_bytes()]),
        join(&[unclosed.as_bytes()]),
        join(&[
            b"{{> p0}}",
            b"{{#if true}}{{> p1}}{{/if}}",
            b"{{> p0}}",
            &checkpoint,
        ]),
        join(&[inline.as_bytes(), b"{{> p0}}", b"x"]),
        join(&[b"{{> (lookup session \"name\")}}", b"{{> @partial-block}}"]),
    ]
}

#[test]
fn the_sse_body_holds_on_streams_and_mutations() {
    let mut state = 0x005e_5e5e;
    for seed in sse_seeds() {
        for data in std::iter::once(seed.clone()).chain(mutations(&seed, &mut state)) {
            bodies::sse_stream(&data);
        }
    }
}

#[test]
fn template_renderer_body_holds_on_seeds_and_mutations() {
    let mut state = 0x0bad_cafe;
    for seed in template_seeds() {
        // Mutations of a 100 KB seed are slow to render and add nothing the small ones miss.
        let mutated = if seed.len() < 20_000 {
            mutations(&seed, &mut state)
        } else {
            Vec::new()
        };
        for data in std::iter::once(seed.clone()).chain(mutated) {
            template::template_renderer(&data);
        }
    }
}

#[test]
fn prose_body_holds_on_hostile_content_and_mutations() {
    let mut state = 0x0070_7205;
    let contents: [&[u8]; 8] = [
        b"```\nunclosed fence\n# heading",
        b"~~~~~ python\ncode\n### 12. User",
        b"Setext\n===\n\n> quoted\n> ---\n- # in a list",
        b"<!-- open comment\n\n### 3. User",
        b"<details>\n<summary>x</summary>\n\n<script>\nlet a = '<div>';",
        b"[docs]: https://evil.example\n\n[^1]: note\n===",
        b"---\ntitle: front matter\n---\r\ntext\rmore",
        b"    ```\n\r#### lone carriage return",
    ];
    for (level, content) in contents.iter().enumerate() {
        let seed = [&[level as u8][..], content].concat();
        for data in std::iter::once(seed.clone()).chain(mutations(&seed, &mut state)) {
            template::prose_stays_in_its_message(&data);
        }
    }
}
