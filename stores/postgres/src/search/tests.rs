//! Search on a real server (see `crate::tests` for where it comes from): snippets keep the
//! user's text, mark phrases as one span and prefixes where they matched, and are the very
//! snippets the SQLite store shows for the same sessions.

use std::collections::BTreeSet;

use camino::Utf8Path;
use confab_core::conformance::at;
use confab_core::{
    HIGHLIGHT_END, HIGHLIGHT_START, Message, Role, SearchQuery, Session, SessionStore,
};
use confab_store_sqlite::SqliteStore;

use super::{Term, terms};
use crate::tests::{Schema, server};

fn session(name: &str, texts: &[&str]) -> Session {
    Session {
        name: name.to_owned(),
        provider: "anthropic".into(),
        model: "claude".into(),
        skill: None,
        project_path: None,
        created_at: at("2026-02-01T09:00:00Z"),
        updated_at: at("2026-02-01T09:05:00Z"),
        imported_at: None,
        created_by: None,
        updated_by: None,
        metadata: None,
        context: None,
        messages: texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let role = if index % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                };
                Message::new(role, *text)
            })
            .collect(),
    }
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        role: None,
        provider: None,
        model: None,
        since: None,
        limit: 100,
    }
}

/// `snippet` with `[` and `]` for the markers.
fn shown(snippet: &str) -> String {
    snippet
        .replace(HIGHLIGHT_START, "[")
        .replace(HIGHLIGHT_END, "]")
}

/// The snippets of the message hits of `text`, as a set (ranking may order ties otherwise).
fn snippets(store: &impl SessionStore, text: &str) -> BTreeSet<(String, u64, String)> {
    store
        .search(&query(text))
        .expect("searches")
        .into_iter()
        .filter_map(|hit| {
            let (position, _) = hit.message?;
            Some((hit.session, position, shown(&hit.snippet)))
        })
        .collect()
}

#[test]
fn queries_become_terms_of_words() {
    let word = |word: &str, prefix| Term::Word {
        word: word.into(),
        prefix,
    };
    assert_eq!(
        terms("x pods \"stuck in\" Pods"),
        [
            word("x", false),
            word("pods", true),
            Term::Phrase(vec!["stuck".into(), "in".into()])
        ]
    );
    assert_eq!(terms("<b>:*</b>"), [word("b", false)]);
    assert!(terms("\"\" -- 🚀").is_empty());
}

#[test]
fn snippets_keep_markup_emoji_and_cjk_as_written() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    let text = "An emoji 🚀 and 日本 and <b>markup</b>: which pods?\n\n  Tabs\there &amp; there.";
    store.create(&session("extra", &[text])).expect("created");
    assert_eq!(
        snippets(&store, "pods"),
        BTreeSet::from([("extra".to_owned(), 0, text.replace("pods", "[pods]"))])
    );
    assert_eq!(
        snippets(&store, "markup 日本"),
        BTreeSet::from([(
            "extra".to_owned(),
            0,
            text.replace("日本", "[日本]")
                .replace(">markup<", ">[markup]<")
        )])
    );
}

#[test]
fn a_phrase_is_one_span_and_a_prefix_marks_the_words_it_began() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    store
        .create(&session(
            "eks",
            &[
                "Why are pods in the prod-use1 EKS cluster stuck in Pending?",
                "Run kubectl describe pod, then kubectl get pods -o wide.",
                "Stuck on pending, not stuck.",
            ],
        ))
        .expect("created");
    assert_eq!(
        snippets(&store, "\"stuck in pending\""),
        BTreeSet::from([
            (
                "eks".to_owned(),
                0,
                "Why are pods in the prod-use1 EKS cluster [stuck in Pending]?".to_owned()
            ),
            // A stop word inside a phrase stands for any word, as in PostgreSQL's `<->`.
            (
                "eks".to_owned(),
                2,
                "[Stuck on pending], not stuck.".to_owned()
            ),
        ])
    );
    // A stop word at the end of a phrase is not searched for, but marked where it is written.
    assert_eq!(
        snippets(&store, "\"in pending\""),
        BTreeSet::from([
            (
                "eks".to_owned(),
                0,
                "Why are pods in the prod-use1 EKS cluster stuck [in Pending]?".to_owned()
            ),
            (
                "eks".to_owned(),
                2,
                "Stuck on [pending], not stuck.".to_owned()
            ),
        ])
    );
    assert_eq!(
        snippets(&store, "kube pod"),
        BTreeSet::from([(
            "eks".to_owned(),
            1,
            "Run [kubectl] describe [pod], then [kubectl] get [pods] -o wide.".to_owned()
        )])
    );
    // A word of one character is a whole word; a stop word on its own is not searched for.
    assert_eq!(
        snippets(&store, "o the"),
        BTreeSet::from([(
            "eks".to_owned(),
            1,
            "Run kubectl describe pod, then kubectl get pods -[o] wide.".to_owned()
        )])
    );
}

#[test]
fn a_message_of_many_matches_is_one_window() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    let text = vec!["pods"; 40_000].join(" ");
    store.create(&session("many", &[&text])).expect("created");
    assert_eq!(
        snippets(&store, "pod"),
        BTreeSet::from([(
            "many".to_owned(),
            0,
            format!("{}…", vec!["[pods]"; 16].join(" "))
        )])
    );
}

#[test]
fn beyond_the_ranking_cap_the_newest_matches_are_ranked() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    // The ten oldest sessions say "pods" most (they would rank first), the fifty after them once.
    for index in 0..60 {
        let text = if index < 10 {
            "pods pods pods pods"
        } else {
            "pods and more"
        };
        store
            .create(&session(&format!("s{index:02}"), &[text]))
            .expect("created");
    }
    let hits = store.search(&query("pods")).expect("searched");
    let sessions: BTreeSet<String> = hits.into_iter().map(|hit| hit.session).collect();
    let newest: BTreeSet<String> = (10..60).map(|index| format!("s{index:02}")).collect();
    assert_eq!(
        sessions,
        newest,
        "the newest {} matches",
        super::RANKED_AT_MOST
    );
}

/// Texts of every kind: markup, emoji, CJK, accents, code, URLs, long texts (cut to a window)
/// and many matches. How PostgreSQL reads characters beyond ASCII follows the database's
/// `LC_CTYPE` (under `C`, every one is a letter, an emoji too, and only ASCII letters are
/// folded to lower case), so which messages match such a word may differ from SQLite's: the
/// words beyond ASCII here are written in lower case, and no emoji sits inside a phrase.
fn corpus() -> Vec<String> {
    let long_middle = format!(
        "{} the scheduler could not place the pods because every node was full {}",
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu".repeat(2),
        "nu xi omicron pi rho sigma tau upsilon phi chi psi omega".repeat(2)
    );
    let long_both_ends = format!(
        "pods at the start, {} and cluster at the end",
        "filler words that never match anything at all ".repeat(6)
    );
    vec![
        "An emoji 🚀 and 日本 and <b>markup</b>: which pods?".to_owned(),
        "Check the pods with `kubectl get pods`.".to_owned(),
        "Why are pods in the prod-use1 EKS cluster stuck in Pending?".to_owned(),
        "Pending pods usually mean the scheduler can't place them. Check:\n\n1. `kubectl \
         describe pod <name>` for events\n2. node capacity and taints\n3. the cluster \
         autoscaler logs"
            .to_owned(),
        "The deployment rolled out at noon, but three replicas crashed with OOMKilled; we \
         raised the memory limit to 512Mi and the pods came back healthy after the rollout."
            .to_owned(),
        "Terraform plan shows the VPC CIDR 10.0.0.0/16 moving to 10.1.0.0/16, which replaces \
         every subnet of the cluster."
            .to_owned(),
        "日本語のテキストと English words mixed: cluster 漢字テスト cluster.".to_owned(),
        "café crème, naïve résumé — accents everywhere; the cluster is fine.".to_owned(),
        "<div class=\"alert\">Cluster <i>unreachable</i></div> &amp; retry the pods".to_owned(),
        long_middle,
        long_both_ends,
        vec!["pods"; 40].join(" "),
        "Node node-7 was cordoned; drain it, then uncordon it once the kernel patch is applied."
            .to_owned(),
        "SELECT * FROM sessions WHERE name = 'pods'; -- a query about pods".to_owned(),
        "stuck\nin\npending: the job stayed stuck in pending for hours".to_owned(),
        "Stuck in Pending? Stuck in pending! stuck-in-pending.".to_owned(),
        "## Rollback\n\n- **kubectl rollout undo** deployment/api\n- check `pods` again".to_owned(),
        "Emoji only 🎉🎉 then the memory limit 🚀🚀 was raised".to_owned(),
        "{\"pods\": 3, \"status\": \"Pending\", \"node\": null}".to_owned(),
        "line one\r\nline two\tpods\r\n".to_owned(),
        "Port 5432 refused; port 5433 ok; ports 5432 and 5433 both.".to_owned(),
        "See https://kubernetes.io/docs/concepts/workloads/pods/ for pods.".to_owned(),
        "PODS Pods pOdS".to_owned(),
        "it's the node's pods that can't start".to_owned(),
        "pods".to_owned(),
        "snake_case_pods and pod_name in the cluster".to_owned(),
        "The scheduler, the kubelet and the API server disagree about the pods' status.".to_owned(),
        "漢字テスト 漢字 and more 漢字".to_owned(),
        "кластер недоступен, pods не запускаются, кластер".to_owned(),
        "kubectl kubectl kubectl describe: memory limit, memory limit, memory".to_owned(),
        "A question? An answer! (Parenthesised pods) [bracketed cluster] {braced memory}"
            .to_owned(),
        "Quoted \"stuck in pending\" and 'kubectl get pods' in one line".to_owned(),
    ]
}

/// Queries on which the two stores' engines agree about which messages match (stop words and
/// the stems of English suffixes are where PostgreSQL's `english` and FTS5's `porter` part ways).
const QUERIES: &[&str] = &[
    "pods",
    "pod",
    "pending",
    "\"stuck in pending\"",
    "stuck pending",
    "kube",
    "kubectl",
    "cluster",
    "漢字",
    "5432",
    "café",
    "markup",
    "emoji",
    "node",
    "\"kubectl get pods\"",
    "rollout undo",
    "memory limit",
    "\"memory limit\"",
    "кластер",
    "scheduler",
    "unreachable",
    "kubernetes",
    "pods cluster",
    // Matches that overlap are one span, adjacent ones two.
    "cluster \"eks cluster\"",
    "\"get pods\" kubectl",
];

#[test]
fn snippets_are_the_sqlite_stores_snippets() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut postgres = schema.store();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = Utf8Path::from_path(dir.path())
        .expect("UTF-8 temp dir")
        .join("sessions.db");
    let mut sqlite = SqliteStore::open(&path).expect("opens");
    let texts = corpus();
    // Three texts to a session, so a session has hits in several messages.
    for (index, chunk) in texts.chunks(3).enumerate() {
        let chunk: Vec<&str> = chunk.iter().map(String::as_str).collect();
        let session = session(&format!("s{index:02}"), &chunk);
        postgres.create(&session).expect("created");
        sqlite.create(&session).expect("created");
    }
    let mut differences = Vec::new();
    let mut compared = 0;
    for text in QUERIES {
        let (on_sqlite, on_postgres) = (snippets(&sqlite, text), snippets(&postgres, text));
        compared += on_sqlite.len();
        if on_sqlite != on_postgres {
            differences.push(format!(
                "{text}:\n  SQLite only:     {:?}\n  PostgreSQL only: {:?}",
                on_sqlite.difference(&on_postgres).collect::<Vec<_>>(),
                on_postgres.difference(&on_sqlite).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "the stores show different snippets:\n{}",
        differences.join("\n")
    );
    assert!(compared > 100, "only {compared} hits compared");
}
