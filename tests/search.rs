//! `confab sessions search`: ranked hits with snippets and the resume command, filters, an index
//! that follows every import, overwrite, delete and clean, and the grep-like surface (issue 18
//! item 7): exit codes, refused limits and queries, colour, stems and prefixes, JSON offsets.

use predicates::str::contains;

use crate::util::Project;

fn project() -> Project {
    let project = Project::new();
    project.import_fixture("atmos/eks-troubleshooting.json");
    project.import_fixture("atmos/vpc-migration.yaml");
    project.import_fixture("../../examples/incident-review.json");
    project
}

/// The hits of a JSON search; the exit code must say whether there are any (0) or not (1).
fn hits(project: &Project, args: &[&str]) -> serde_json::Value {
    let output = project
        .confab()
        .args(["sessions", "search", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let hits =
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")["hits"].clone();
    let found = !hits.as_array().expect("hits").is_empty();
    assert_eq!(
        output.status.code(),
        Some(if found { 0 } else { 1 }),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    hits
}

fn sessions(hits: &serde_json::Value) -> Vec<String> {
    hits.as_array()
        .expect("hits")
        .iter()
        .map(|hit| {
            format!(
                "{}#{}",
                hit["session"].as_str().unwrap_or("?"),
                hit["message"]
            )
        })
        .collect()
}

#[test]
fn hits_show_session_role_time_snippet_and_resume_command() {
    let project = project();
    let output = project
        .confab()
        .args(["sessions", "search", "pending", "pods"])
        .output()
        .expect("runs");
    insta::assert_snapshot!(crate::util::transcript(&project, &output), @r"
    exit: 0
    --- stdout
    eks-troubleshooting (message 1 · user · 2025-10-29 15:20:05 UTC)
      Why are **pods** in the prod-use1 EKS cluster stuck in **Pending**?
      resume: confab chat --session eks-troubleshooting

    eks-troubleshooting (message 2 · assistant · 2025-10-29 15:20:19 UTC)
      **Pending** **pods** usually mean the scheduler can't place them. Check:  1. `kubectl describe **pod** <name…
      resume: confab chat --session eks-troubleshooting
    --- stderr
    ");
    let json = hits(&project, &["index"]);
    assert_eq!(json[0]["session"], "incident-review");
    assert_eq!(json[0]["role"], "assistant");
    assert_eq!(json[0]["resume"], "confab chat --session incident-review");
    let snippet = json[0]["snippet"].as_str().expect("snippet");
    let start = json[0]["matches"][0]["start"].as_u64().expect("start") as usize;
    assert_eq!(&snippet[start..start + 5], "INDEX");
}

#[test]
fn filters_and_names() {
    let project = project();
    assert_eq!(
        sessions(&hits(&project, &["vpc"]))[0],
        "vpc-migration#null",
        "the name matches first"
    );
    assert_eq!(
        sessions(&hits(&project, &["vpc", "--role", "user"])),
        ["vpc-migration#2"]
    );
    assert_eq!(
        sessions(&hits(&project, &["cluster", "--provider", "openai"])).len(),
        2
    );
    assert!(sessions(&hits(&project, &["cluster", "--provider", "anthropic"])).is_empty());
    assert_eq!(
        sessions(&hits(&project, &["stacks", "--model", "claude-sonnet-4-6"])),
        ["vpc-migration#2", "vpc-migration#3"]
    );
    assert!(
        sessions(&hits(&project, &["pods", "--since", "1d"])).is_empty(),
        "the fixtures are from 2025"
    );
    assert_eq!(
        sessions(&hits(&project, &["pods", "--limit", "1"])).len(),
        1
    );
}

#[test]
fn special_characters_never_reach_the_query_engine() {
    let project = project();
    for query in [
        "pods\" OR \"x",
        "NEAR(pods",
        "pod*",
        "col:pods",
        "'; DROP TABLE sessions; --",
        "AND",
    ] {
        let code = project
            .confab()
            .args(["sessions", "search", query])
            .output()
            .expect("runs")
            .status
            .code();
        assert!(matches!(code, Some(0 | 1)), "{query:?}: exit {code:?}");
    }
    assert_eq!(project.session_names().len(), 3);
    project
        .confab()
        .args(["sessions", "search", "\"zzz qqq\""])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
}

#[test]
fn the_index_follows_imports_overwrites_deletes_and_cleans() {
    let project = project();
    assert_eq!(
        sessions(&hits(&project, &["Insufficient"])),
        ["eks-troubleshooting#3"]
    );
    let mut changed: serde_json::Value =
        serde_json::from_str(&project.read("eks-troubleshooting.json")).expect("JSON");
    changed["messages"][2]["content"] = "Events say: the quota is exhausted.".into();
    project.write("changed.json", changed.to_string());
    project
        .confab()
        .args(["sessions", "import", "changed.json", "--overwrite"])
        .assert()
        .success();
    assert!(sessions(&hits(&project, &["Insufficient"])).is_empty());
    assert_eq!(
        sessions(&hits(&project, &["quota"])),
        ["eks-troubleshooting#3"]
    );
    project
        .confab()
        .args(["sessions", "delete", "eks-troubleshooting"])
        .assert()
        .success();
    assert!(sessions(&hits(&project, &["quota"])).is_empty());
    project
        .confab()
        .args(["sessions", "clean", "--older-than", "0d"])
        .assert()
        .success();
    assert!(sessions(&hits(&project, &["vpc"])).is_empty());
}

#[test]
fn exit_codes_are_greps() {
    let project = project();
    project
        .confab()
        .args(["sessions", "search", "pods"])
        .assert()
        .code(0);
    // Nothing matched: exit 1, and in a pipe nothing at all is printed, as grep does.
    project
        .confab()
        .args(["sessions", "search", "kubernetes-nowhere"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    // JSON always prints its document, so a program can read stdout either way.
    project
        .confab()
        .args(["sessions", "search", "nowhere", "--format", "json"])
        .assert()
        .code(1)
        .stdout("{\n  \"hits\": []\n}\n")
        .stderr("");
    // No store yet: nothing can match.
    Project::new()
        .confab()
        .args(["sessions", "search", "pods"])
        .assert()
        .code(1)
        .stdout("");
    // An error is 2, never 1: a broken store must not pass for "no match".
    let broken = Project::new();
    broken.write(".confab/sessions.db", "this is not a database, it is text");
    broken
        .confab()
        .args(["sessions", "search", "pods"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("error: "));
}

#[test]
fn a_limit_of_zero_and_queries_without_words_are_refused() {
    let project = project();
    project
        .confab()
        .args(["sessions", "search", "pods", "--limit", "0"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("invalid value '0' for '--limit <N>'"))
        .stderr(contains("at least 1 hit"));
    for (query, says) in [
        ("", "error: the query is empty"),
        ("   ", "error: the query is empty"),
        (
            "** ( ) 🚀",
            "error: the query \"** ( ) 🚀\" has no word to search for",
        ),
    ] {
        project
            .confab()
            .args(["sessions", "search", query])
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(says))
            .stderr(contains("hint: search finds words (letters and digits)"));
    }
    // Refused before the store is opened: no store is needed to be told.
    Project::new()
        .confab()
        .args(["sessions", "search", ""])
        .assert()
        .code(2);
}

#[test]
fn words_find_their_stems_and_the_words_they_begin() {
    let project = project();
    // `stack` is in no message; `stacks` is in three.
    assert_eq!(
        sessions(&hits(&project, &["stack"])),
        [
            "vpc-migration#2",
            "vpc-migration#3",
            "eks-troubleshooting#2"
        ]
    );
    assert_eq!(
        sessions(&hits(&project, &["kube"])),
        ["eks-troubleshooting#2"],
        "kubectl"
    );
    assert!(
        sessions(&hits(&project, &["\"kube\""])).is_empty(),
        "quoted words are whole words"
    );
    // Session names still match anywhere in the name.
    assert_eq!(
        sessions(&hits(&project, &["troubleshoot", "--limit", "1"])),
        ["eks-troubleshooting#null"]
    );
}

#[test]
fn json_gives_plain_snippets_and_the_byte_offsets_of_matches() {
    let project = project();
    project.write(
        "intl.json",
        serde_json::json!({
            "version": "1.0",
            "session": {
                "name": "intl",
                "provider": "openai",
                "model": "gpt-4o",
                "created_at": "2025-10-29T11:20:00Z",
                "updated_at": "2025-10-29T11:20:00Z"
            },
            "messages": [{
                "role": "user",
                "content": "Le déploiement **important** a échoué: 漢字テスト déploiements"
            }]
        })
        .to_string(),
    );
    project
        .confab()
        .args(["sessions", "import", "intl.json"])
        .assert()
        .success();
    let found = hits(&project, &["deploiement", "--provider", "openai"]);
    let intl = found
        .as_array()
        .expect("hits")
        .iter()
        .find(|hit| hit["session"] == "intl")
        .expect("the accented words are found");
    let snippet = intl["snippet"].as_str().expect("snippet");
    assert_eq!(
        snippet, "Le déploiement **important** a échoué: 漢字テスト déploiements",
        "the text as it is, its own ** included"
    );
    let matched: Vec<&str> = intl["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|range| {
            let start = range["start"].as_u64().expect("start") as usize;
            let end = range["end"].as_u64().expect("end") as usize;
            snippet.get(start..end).expect("on char boundaries")
        })
        .collect();
    assert_eq!(matched, ["déploiement", "déploiements"]);
    assert_eq!(
        intl["matches"][0],
        serde_json::json!({"start": 3, "end": 15})
    );
    // A name hit has its offsets too.
    let named = hits(&project, &["ntl"]);
    assert_eq!(named[0]["snippet"], "intl");
    assert_eq!(
        named[0]["matches"],
        serde_json::json!([{"start": 1, "end": 4}])
    );
}

/// The escape sequences in `text`, each up to its final `m`.
fn sequences(text: &str) -> Vec<String> {
    text.split('\u{1b}')
        .skip(1)
        .map(|rest| format!("\u{1b}{}", &rest[..rest.find('m').map_or(0, |at| at + 1)]))
        .collect()
}

#[test]
fn color_always_and_never_in_a_pipe() {
    let project = project();
    let search = |args: &[&str], no_color: Option<&str>| {
        let mut command = project.confab();
        command
            .args(["sessions", "search", "Insufficient"])
            .args(args);
        match no_color {
            Some(value) => command.env("NO_COLOR", value),
            None => command.env_remove("NO_COLOR"),
        };
        String::from_utf8(command.output().expect("runs").stdout).expect("UTF-8")
    };
    let plain = "eks-troubleshooting (message 3 · user · 2025-10-29 20:44:40 UTC)\n  \
                 Events say: 0/3 nodes are available: 3 **Insufficient** cpu.\n  \
                 resume: confab chat --session eks-troubleshooting\n";
    assert_eq!(search(&[], None), plain, "auto: a pipe gets no colour");
    assert_eq!(search(&["--color", "never"], None), plain);
    let coloured = "\u{1b}[1meks-troubleshooting\u{1b}[0m (message 3 · user · 2025-10-29 20:44:40 UTC)\n  \
                    Events say: 0/3 nodes are available: 3 \u{1b}[1;31mInsufficient\u{1b}[0m cpu.\n  \
                    resume: confab chat --session eks-troubleshooting\n";
    assert_eq!(search(&["--color", "always"], None), coloured);
    assert_eq!(
        search(&["--color", "always"], Some("1")),
        coloured,
        "a flag typed for this command wins over NO_COLOR"
    );
    project
        .confab()
        .args(["sessions", "search", "x", "--color", "sometimes"])
        .assert()
        .code(2);
}

#[test]
fn colour_lets_no_sequence_from_data_through() {
    let project = Project::new();
    let fixture = crate::util::fixture_path("atmos/eks-troubleshooting.json");
    let mut checkpoint: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture")).expect("JSON");
    checkpoint["messages"][0]["content"] =
        "findme \u{1b}[2J\u{1b}]0;owned\u{7} findme\u{9b}31m \u{202E}txt".into();
    project.write("hostile.json", checkpoint.to_string());
    project
        .confab()
        .args(["sessions", "import", "hostile.json"])
        .assert()
        .success();
    let output = project
        .confab()
        .args(["sessions", "search", "findme", "--color", "always"])
        .output()
        .expect("runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    for sequence in sequences(&text) {
        assert!(
            ["\u{1b}[1m", "\u{1b}[1;31m", "\u{1b}[0m"].contains(&sequence.as_str()),
            "{sequence:?} in {text:?}"
        );
    }
    assert!(!text.contains(['\u{9b}', '\u{7}', '\u{202E}']), "{text:?}");
    assert!(text.contains("\\u{1b}[2J"), "{text:?}");
}

/// `confab sessions search ARGS` on a terminal, with `env` set (a `None` value removes the
/// variable): what the terminal showed and the exit code.
fn on_a_terminal(project: &Project, args: &[&str], env: &[(&str, Option<&str>)]) -> (String, i32) {
    let mut command = project.command();
    command.args(["sessions", "search"]).args(args);
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let mut terminal =
        rexpect::session::spawn_command(command, Some(20_000)).expect("runs on a pty");
    let shown = terminal.exp_eof().expect("the search ends");
    let code = match terminal.process().wait().expect("exits") {
        rexpect::process::WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    };
    (shown, code)
}

#[test]
fn auto_colours_a_terminal_unless_no_color_or_a_dumb_terminal() {
    let project = project();
    let coloured = "\u{1b}[1;31mInsufficient\u{1b}[0m";
    let marked = "**Insufficient**";
    for (env, colour) in [
        (vec![("TERM", Some("xterm")), ("NO_COLOR", None)], true),
        (vec![("TERM", Some("xterm")), ("NO_COLOR", Some(""))], true),
        (
            vec![("TERM", Some("xterm")), ("NO_COLOR", Some("1"))],
            false,
        ),
        (vec![("TERM", Some("dumb")), ("NO_COLOR", None)], false),
    ] {
        let (shown, code) = on_a_terminal(&project, &["Insufficient"], &env);
        assert_eq!(code, 0);
        assert_eq!(shown.contains(coloured), colour, "{env:?}: {shown:?}");
        assert_eq!(shown.contains(marked), !colour, "{env:?}: {shown:?}");
    }
    let (shown, _) = on_a_terminal(
        &project,
        &["Insufficient", "--color", "never"],
        &[("TERM", Some("xterm")), ("NO_COLOR", None)],
    );
    assert!(
        shown.contains(marked) && !shown.contains('\u{1b}'),
        "{shown:?}"
    );
    // A person is told when nothing matched; exit 1 all the same.
    let (shown, code) = on_a_terminal(&project, &["nowhere"], &[("TERM", Some("xterm"))]);
    assert_eq!(code, 1);
    assert!(shown.contains("No matches for \"nowhere\"."), "{shown:?}");
}

#[test]
fn help_tells_how_words_match_and_what_the_exit_status_means() {
    Project::new()
        .confab()
        .args(["sessions", "search", "--help"])
        .assert()
        .success()
        .stdout(contains("stack finds"))
        .stdout(contains("kube finds kubectl"))
        .stdout(contains("--color <WHEN>"))
        .stdout(contains("NO_COLOR"))
        .stdout(contains("byte offsets"))
        .stdout(contains(
            "Exit status, as grep's: 0 when something matched, 1 when nothing did",
        ));
}
