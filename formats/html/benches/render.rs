//! How long the default page of a long session takes to render, beside the Markdown report of
//! the same session (the baseline).
//!
//! A 10,000-message session of text like sessions hold (non-ASCII words, emoji, a code fence
//! every tenth message, a long tool output every twentieth, tool calls with JSON arguments,
//! usage on every assistant message) is rendered into memory. The target is under a second.

use confab_core::{
    CURRENT_VERSION, Checkpoint, Message, Role, SessionInfo, Statistics, TokenUsage, ToolCall,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn session(messages: usize) -> Checkpoint {
    let start: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().expect("timestamp");
    let messages: Vec<Message> = (0..messages)
        .map(|index| {
            let (role, mut content) = match index % 4 {
                0 => (Role::User, format!("Pourquoi le déploiement échoue-t-il ? 🙂 #{index} ")),
                1 => (Role::Assistant, format!("Voilà **l'analyse** n°{index}, avec `kubectl`: ")),
                2 => (Role::Tool, format!("NAME READY STATUS {index}\n")),
                _ => (Role::Assistant, format!("Résumé {index}: ")),
            };
            content.push_str(&"les pods redémarrent après l'échec de la sonde. ".repeat(4));
            if index % 10 == 1 {
                content.push_str("\n\n```sh\nkubectl get pods -A # état\necho \"fini\"\n```\n");
            }
            if index % 20 == 2 {
                content.push_str(&"pod-abc-123   0/1   CrashLoopBackOff   7   12m\n".repeat(60));
            }
            let mut message = Message::new(role, content);
            message.created_at = start
                .checked_add(jiff::SignedDuration::from_secs(index as i64))
                .ok();
            if role == Role::Assistant {
                message.usage = Some(TokenUsage {
                    input_tokens: Some(1_200 + index as u64),
                    output_tokens: Some(300),
                    cached_input_tokens: Some(800),
                    ..TokenUsage::default()
                });
                if index % 4 == 1 {
                    message.tool_calls.push(ToolCall {
                        id: format!("call_{index}"),
                        name: "shell".to_owned(),
                        arguments: serde_json::json!({"command": "kubectl get pods -A", "timeout": 30}),
                    });
                }
            }
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

// The sizes go into BENCHMARKS.md beside the times.
#[allow(clippy::print_stderr)]
fn render(c: &mut Criterion) {
    let page = confab_format_html::Renderer::new(None).expect("default template");
    let report = confab_format_markdown::Renderer::new(None, None).expect("default template");
    let mut group = c.benchmark_group("render 10,000 messages");
    group.sample_size(10);
    let checkpoint = session(10_000);
    group.throughput(Throughput::Elements(10_000));
    let mut sizes = (Vec::new(), Vec::new());
    page.render(&checkpoint, &mut sizes.0).expect("renders");
    report.render(&checkpoint, &mut sizes.1).expect("renders");

    eprintln!(
        "html page: {} bytes; markdown report: {} bytes",
        sizes.0.len(),
        sizes.1.len()
    );
    group.bench_function("html page", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(16 << 20);
            page.render(&checkpoint, &mut out).expect("renders");
            out
        });
    });
    // The share of the page's time that is building its data (Markdown rendered, highlighted,
    // summaries, the chart) rather than running the template.
    group.bench_function("html page data only", |b| {
        b.iter(|| confab_format_html::page::page_data(&checkpoint, "policy"));
    });
    group.bench_function("markdown report (baseline)", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(16 << 20);
            report.render(&checkpoint, &mut out).expect("renders");
            out
        });
    });
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
