//! HTML pages from the command line: `export --format html` (and `.html`/`.htm`), hostile text
//! kept inert, `--redact`, page templates, and `sessions view` (`--print-path`, and opening
//! with a fake browser on PATH: a real one never starts in a test).

use predicates::str::contains;

use crate::util::Project;

/// Hostile strings a session may hold; each must reach the page as visible text.
pub(crate) const HOSTILE: &[&str] = &[
    "<script>document.title='pwned';document.body.setAttribute('data-pwned','1')</script>",
    "<img src=x onerror=\"document.title='pwned-img'\">",
    "</details></article></main><h1 id=\"fake\">fake heading</h1>",
    "<!-- everything after this is hidden",
    "</style><style>body{display:none}</style>",
    "</script><script>document.title='pwned-script-close'</script>",
    "</textarea></title><svg onload=\"document.title='pwned-svg'\">",
];

/// Hostile strings that would make the browser fetch from `base` (a URL with no trailing
/// slash) if they were markup.
pub(crate) fn fetching(base: &str) -> Vec<String> {
    vec![
        format!("<img src=\"{base}/img-html\">"),
        format!("<link rel=stylesheet href=\"{base}/css-link\">"),
        format!(
            "</style><style>@import url({base}/css-import);body{{background:url({base}/css-bg)}}</style>"
        ),
        format!("<iframe src=\"{base}/iframe\"></iframe>"),
        format!("<script src=\"{base}/script\"></script>"),
        format!("<meta http-equiv=\"refresh\" content=\"0;url={base}/refresh\">"),
    ]
}

/// A checkpoint whose messages hold every hostile string (and those of [`fetching`] for
/// `base`), in prose, in a code block, in a tool result and in tool arguments, plus a
/// `javascript:` link, a Markdown image from `base`, an RTL override, NUL and escape characters
/// and a huge line; `padding` more messages after.
pub(crate) fn hostile_checkpoint(base: &str, padding: usize) -> serde_json::Value {
    let mut strings: Vec<String> = HOSTILE.iter().map(|text| (*text).to_owned()).collect();
    strings.extend(fetching(base));
    let hostile = strings.join("\n\n");
    let mut messages = vec![
        serde_json::json!({"role": "user", "content": hostile, "created_at": "2026-11-01T08:00:00Z"}),
        serde_json::json!({"role": "assistant",
            "content": format!("[click me](javascript:document.title='pwned-link') and \
                ![tracker]({base}/img-md)\n\n```html\n{hostile}\n```\n"),
            "usage": {"input_tokens": 10, "output_tokens": 5},
            "tool_calls": [{"id": "call_<b>1</b>", "name": "shell</summary><script>x</script>",
                "arguments": {"command": hostile}}]}),
        serde_json::json!({"role": "tool", "tool_call_id": "call_<b>1</b>",
            "content": format!("{hostile}\n{}", "line\n".repeat(40))}),
        serde_json::json!({"role": "user",
            "content": format!("file\u{202E}gpj.exe nul\u{0} esc\u{1b}[31m {}", "x".repeat(200_000))}),
        serde_json::json!({"role": "assistant", "content": "archived <script>x</script>", "archived": true}),
    ];
    for index in 0..padding {
        let role = if index % 2 == 0 { "user" } else { "assistant" };
        messages.push(serde_json::json!({"role": role,
            "content": format!("message {index}: les pods redémarrent 🙂 `kubectl get pods`")}));
    }
    serde_json::json!({
        "version": "1.0",
        "session": {"name": "hostile", "provider": "openai</title><script>x</script>",
            "model": "gpt\u{202E}4o", "created_at": "2026-11-01T08:00:00Z",
            "metadata": {"model_changes": [{"at": "2026-11-01T08:01:00Z",
                "from": {"provider": "openai", "model": "<b>old</b>"},
                "to": {"provider": "anthropic", "model": "claude"}}]}},
        "messages": messages,
    })
}

pub(crate) fn hostile_project(image_url: &str, padding: usize) -> Project {
    let project = Project::new();
    project.write(
        "hostile.json",
        hostile_checkpoint(image_url, padding).to_string(),
    );
    project
        .confab()
        .args(["sessions", "import", "hostile.json"])
        .assert()
        .success();
    project
}

fn review_project() -> Project {
    let project = Project::new();
    project.import_fixture("../../examples/incident-review.json");
    project
}

#[test]
fn export_writes_one_self_contained_page_by_format_or_extension() {
    let project = review_project();
    project
        .confab()
        .args(["sessions", "export", "incident-review", "-o", "page.html"])
        .assert()
        .success()
        .stderr("Exported session incident-review to page.html (html, 5 messages)\n");
    project
        .confab()
        .args(["sessions", "export", "incident-review", "-o", "page.HTM"])
        .assert()
        .success();
    let by_format = project
        .confab()
        .args(["sessions", "export", "incident-review", "--format", "html"])
        .output()
        .expect("runs");
    assert!(by_format.status.success());
    let page = project.read("page.html");
    assert_eq!(String::from_utf8_lossy(&by_format.stdout), page);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.contains("<title>incident-review · confab</title>"));
    assert!(page.contains("content=\"default-src &#39;none&#39;; style-src &#39;sha256-"));
    // Anchors numbered as `sessions show` numbers the messages.
    for number in 1..=5 {
        assert!(page.contains(&format!("id=\"m{number}\"")), "m{number}");
    }
    assert!(!page.contains("id=\"m6\""));
    // The table of contents links the user turn; usage is charted.
    assert!(page.contains("<a href=\"#m2\">p99 latency of the payments API"));
    assert!(page.contains("<svg class=\"chart\""));
    // Nothing outside the page is referenced.
    for remote in ["src=", "<link", "@import", "url("] {
        assert!(!page.contains(remote), "{remote}");
    }
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let project = hostile_project("http://127.0.0.1:9", 0);
    project
        .confab()
        .args(["sessions", "export", "hostile", "-o", "hostile.html"])
        .assert()
        .success();
    let page = project.read("hostile.html");
    assert_eq!(page.matches("<script").count(), 1, "one script: the page's");
    assert_eq!(
        page.matches("<style").count(),
        1,
        "one stylesheet: the page's"
    );
    for forbidden in [
        "<img",
        "<link",
        "<iframe",
        "<meta http-equiv=\"refresh",
        "<svg onload",
        "href=\"javascript",
        "<!--",
        "<h1 id=\"fake\"",
        "<b>",
    ] {
        assert!(!page.contains(forbidden), "{forbidden} in the page");
    }
    assert!(page.contains("&lt;script&gt;document.title="));
    assert!(page.contains("&lt;/details&gt;&lt;/article&gt;"));
    assert!(page.contains("file⟨U+202E⟩gpj.exe nul␀ esc␛[31m"));
    assert!(page.contains("gpt⟨U+202E⟩4o"));
    assert!(page.contains("openai/&lt;b&gt;old&lt;/b&gt; → anthropic/claude"));
    // The long tool result is folded; the archived message too.
    assert!(page.contains("<details class=\"long\"><summary>&lt;script&gt;"));
    assert!(page.contains("<details class=\"archived-body\"><summary>archived · "));
}

#[test]
fn redact_applies_to_the_page_and_keeps_its_policy() {
    let project = Project::new();
    let aws = "AKIAIOSFODNN7EXAMPLE";
    project.write(
        "leaky.json",
        serde_json::json!({"version": "1.0",
            "session": {"name": "leaky", "provider": "openai", "model": "gpt-4o"},
            "messages": [{"role": "user", "content": format!("my key is {aws}")}]})
        .to_string(),
    );
    project
        .confab()
        .args(["sessions", "import", "leaky.json"])
        .assert()
        .success();
    project
        .confab()
        .args(["sessions", "export", "leaky", "-o", "plain.html"])
        .assert()
        .success();
    project
        .confab()
        .args([
            "sessions",
            "export",
            "leaky",
            "-o",
            "redacted.html",
            "--redact",
        ])
        .assert()
        .success()
        .stderr(contains("redact: 1 secret redacted: 1 aws-access-key"));
    let plain = project.read("plain.html");
    let redacted = project.read("redacted.html");
    assert!(plain.contains(aws));
    assert!(!redacted.contains(aws), "{redacted}");
    assert!(redacted.contains("[REDACTED:aws-access-key]"));
    // The scan of the rendered page left the stylesheet, the script and their hashes alone.
    let head = |page: &str| page[..page.find("</head>").expect("head")].to_owned();
    let tail = |page: &str| page[page.find("<script>").expect("script")..].to_owned();
    assert_eq!(head(&plain), head(&redacted));
    assert_eq!(tail(&plain), tail(&redacted));
}

#[test]
fn pages_take_their_own_template_not_the_reports_default() {
    let project = review_project();
    project.write("report.md.hbs", "MARKDOWN {{session.name}}\n");
    project.write("confab.yaml", "templates:\n  default: report.md.hbs\n");
    project.write(
        "page.html.hbs",
        "<h1>{{session.name}}</h1>{{#each messages}}<p id=\"m{{number}}\">{{{html}}}</p>{{/each}}",
    );
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "default.html",
        ])
        .assert()
        .success();
    assert!(project.read("default.html").starts_with("<!DOCTYPE html>"));
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "custom.html",
            "--template",
            "page.html.hbs",
        ])
        .assert()
        .success();
    let custom = project.read("custom.html");
    assert!(custom.starts_with("<h1>incident-review</h1><p id=\"m1\"><p>You are a careful SRE."));
    project.write("broken.html.hbs", "{{session.nmae}}");
    project
        .confab()
        .args([
            "sessions",
            "export",
            "incident-review",
            "-o",
            "broken.html",
            "--template",
            "broken.html.hbs",
        ])
        .assert()
        .failure()
        .stderr(contains("broken.html.hbs:1:1"))
        .stderr(contains("session.nmae"));
    assert!(!project.path().join("broken.html").exists());
}

#[test]
fn view_print_path_writes_a_private_page_named_after_the_session() {
    let project = review_project();
    let output = project
        .confab()
        .args(["sessions", "view", "incident-review", "--print-path"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let path = std::path::PathBuf::from(stdout.trim_end());
    assert_eq!(stdout, format!("{}\n", path.display()));
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("confab-incident-review-"), "{name}");
    assert!(name.ends_with(".html"), "{name}");
    assert!(path.starts_with(std::env::temp_dir()), "{}", path.display());
    let page = std::fs::read_to_string(&path).expect("the page exists");
    std::fs::remove_file(&path).expect("remove");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<title>incident-review · confab</title>"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Written before it was removed above: check the mode on a fresh one.
        let output = project
            .confab()
            .args(["sessions", "view", "incident-review", "--print-path"])
            .output()
            .expect("runs");
        let path = String::from_utf8(output.stdout).expect("UTF-8");
        let path = path.trim_end();
        let mode = std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode();
        std::fs::remove_file(path).expect("remove");
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// A fake browser: a script that records its arguments in `opened.txt`.
#[cfg(unix)]
fn fake_browser(project: &Project, name: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let record = project.path().join("opened.txt");
    let script = project.write(
        &format!("bin/{name}"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            record.display()
        ),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

#[cfg(unix)]
#[test]
fn view_opens_the_page_with_the_platform_opener() {
    let project = review_project();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    fake_browser(&project, opener);
    let path = format!(
        "{}:{}",
        project.path().join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = project
        .confab()
        .args(["sessions", "view", "incident-review"])
        .env("PATH", path)
        .env_remove("BROWSER")
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let opened = project.read("opened.txt");
    let page_path = opened.trim_end();
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!("Opened {page_path}\n")
    );
    assert!(output.stdout.is_empty());
    let page = std::fs::read_to_string(page_path).expect("the opened page exists");
    std::fs::remove_file(page_path).expect("remove");
    assert!(page.contains("<title>incident-review · confab</title>"));
}

#[cfg(unix)]
#[test]
fn view_honours_browser_and_reports_a_failing_opener() {
    let project = review_project();
    let browser = fake_browser(&project, "my-browser");
    project
        .confab()
        .args(["sessions", "view", "incident-review"])
        .env("BROWSER", format!("{} --new-tab %s", browser.display()))
        .assert()
        .success();
    let opened = project.read("opened.txt");
    let lines: Vec<&str> = opened.lines().collect();
    assert_eq!(lines.len(), 2, "{opened}");
    assert_eq!(lines[0], "--new-tab");
    assert!(std::path::Path::new(lines[1]).exists());
    std::fs::remove_file(lines[1]).expect("remove");

    project
        .confab()
        .args(["sessions", "view", "incident-review"])
        .env("BROWSER", "false")
        // The page stays when the browser fails (the hint says where): in the project.
        .env("TMPDIR", project.path())
        .assert()
        .failure()
        .stderr(contains("false could not open the page"))
        .stderr(contains("hint: the page is at"));
    project
        .confab()
        .args(["sessions", "view", "incident-review"])
        .env("BROWSER", "/nonexistent/browser")
        .env("TMPDIR", project.path())
        .assert()
        .failure()
        .stderr(contains(
            "could not run /nonexistent/browser to open the page",
        ));
}

#[test]
fn view_of_a_missing_session_suggests_names() {
    let project = review_project();
    project
        .confab()
        .args(["sessions", "view", "incident-reveiw", "--print-path"])
        .assert()
        .failure()
        .stderr(contains("no session named \"incident-reveiw\""))
        .stderr(contains("did you mean incident-review?"));
}

#[test]
fn view_renders_a_page_template_and_redacts() {
    let project = Project::new();
    let aws = "AKIAIOSFODNN7EXAMPLE";
    project.write(
        "leaky.json",
        serde_json::json!({"version": "1.0",
            "session": {"name": "leaky", "provider": "openai", "model": "gpt-4o"},
            "messages": [{"role": "user", "content": format!("my key is {aws}")}]})
        .to_string(),
    );
    project
        .confab()
        .args(["sessions", "import", "leaky.json"])
        .assert()
        .success();
    project.write(
        "mine.html.hbs",
        "<h1>{{session.name}}</h1>{{#each messages}}{{{html}}}{{/each}}",
    );
    let output = project
        .confab()
        .args([
            "sessions",
            "view",
            "leaky",
            "--print-path",
            "--template",
            "mine.html.hbs",
            "--redact",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "redact: 1 secret redacted: 1 aws-access-key\n"
    );
    let path = String::from_utf8(output.stdout).expect("UTF-8");
    let page = std::fs::read_to_string(path.trim_end()).expect("the page");
    std::fs::remove_file(path.trim_end()).expect("remove");
    assert_eq!(
        page,
        "<h1>leaky</h1><p>my key is [REDACTED:aws-access-key]</p>\n"
    );
}
