//! How fast the built-in redactor gets through text, with and without secrets, ASCII and not.
//!
//! Most text holds no secret, and the prefilter (every rule in one automaton) is what decides
//! that; a Unicode `\b` in any rule makes the regex crate leave its fast engines on non-ASCII
//! text, so the non-ASCII case is here to show that none does. Each text is 1 MiB.

use confab_redact::{Redactor, Report};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SIZE: usize = 1 << 20;

/// `piece` repeated to about `SIZE` bytes.
fn text_of(piece: &str) -> String {
    piece.repeat(SIZE / piece.len() + 1)
}

fn scan(c: &mut Criterion) {
    let redactor = Redactor::new(&[]).expect("built-ins compile");
    let ascii = text_of(
        "The build failed in step 3: cargo test -p confab-store reported 2 failures, see log. ",
    );
    let unicode = text_of(
        "Der Build schlug in Schritt 3 fehl: ビルドは失敗しました, voir le journal détaillé. ",
    );
    // A secret every 4 KiB or so: an assignment, a token and a URL password.
    let mut secrets = String::new();
    while secrets.len() < SIZE {
        secrets.push_str(&ascii[..4_000]);
        secrets.push_str("\nDB_PASSWORD=Tr0ub4dor&3horse ghp_");
        secrets.push_str(&"Q7x2Lm9Pz4Rk8Vw3Nb6T".repeat(2));
        secrets.push_str(" postgres://app:s3cr3t@db/shop\n");
    }
    let mut group = c.benchmark_group("redact_text");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(SIZE as u64));
    for (name, text) in [
        ("1 MiB ASCII, no secret", &ascii),
        ("1 MiB non-ASCII, no secret", &unicode),
        ("1 MiB ASCII, a secret per 4 KiB", &secrets),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut report = Report::new();
                redactor.redact_text(text, &mut report).len()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
