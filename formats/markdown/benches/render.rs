//! How long the default report of a long session takes to render.
//!
//! A 10,000-message session (content of a few hundred bytes, every tenth message with a code
//! fence) is rendered with the default template into memory. The target is "well under a
//! second"; rendering is linear in the messages, so the 1,000-message case shows the slope.

use confab_core::{CURRENT_VERSION, Checkpoint, Message, Role, SessionInfo, Statistics};
use confab_format_markdown::Renderer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn session(messages: usize) -> Checkpoint {
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
    let messages: Vec<Message> = (0..messages)
        .map(|index| {
            let role = if index % 2 == 0 {
                Role::User
            } else {
                Role::Assistant
            };
            let mut content = format!("Message {index}: ").repeat(20);
            if index % 10 == 0 {
                content.push_str("\n```sh\nkubectl get pods -A\n```\n");
            }
            let mut message = Message::new(role, content);
            message.created_at = start
                .checked_add(jiff::SignedDuration::from_secs(index as i64))
                .ok();
            message
        })
        .collect();
    Checkpoint {
        version: CURRENT_VERSION.to_owned(),
        exported_at: Some(start),
        exported_by: Some("bench".to_owned()),
        session: SessionInfo {
            name: "long".to_owned(),
            provider: "anthropic".to_owned(),
            model: "claude".to_owned(),
            skill: None,
            project_path: None,
            created_at: Some(start),
            updated_at: Some(start),
            created_by: None,
            updated_by: None,
            metadata: None,
        },
        statistics: Some(Statistics::of(&messages)),
        messages,
        context: None,
    }
}

fn render(c: &mut Criterion) {
    let renderer = Renderer::new(None, None).expect("default template");
    let mut group = c.benchmark_group("render default report");
    group.sample_size(20);
    for messages in [1_000, 10_000] {
        let checkpoint = session(messages);
        group.throughput(Throughput::Elements(messages as u64));
        group.bench_function(format!("{messages} messages"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(4 << 20);
                renderer.render(&checkpoint, &mut out).expect("renders");
                out
            });
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
