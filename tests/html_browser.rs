//! The HTML page in a real browser: headless Chromium loads a page rendered from a session
//! holding hostile text and 10,000 more messages, and the DOM it dumps shows that no injected
//! script ran, that every hostile string is there as text, and that nothing was fetched: a
//! local HTTP listener, the target of every URL in the session, receives no request.
//!
//! A control page (markup pointing at the same listener, no policy) is loaded first: it must
//! reach the listener, so that "no request" means the page forbade it, not that the listener
//! or the browser's network was deaf.
//!
//! Runs when `chromium` (or `chromium-browser`, `google-chrome`) is on PATH, and is skipped
//! otherwise, unless `CONFAB_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs Chromium)
//! makes its absence a failure.

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::html_page::{HOSTILE, fetching, hostile_project};

/// The browser to use, if there is one.
fn chromium() -> Option<String> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| {
            Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|output| output.status.success())
        });
    if found.is_none() {
        assert!(
            std::env::var_os("CONFAB_REQUIRE_CHROMIUM").is_none_or(|value| value != "1"),
            "CONFAB_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install chromium)"
        );
    }
    found.map(str::to_owned)
}

/// The DOM of `page` (opened at `#fragment` when not empty) after it loaded, as headless
/// Chromium serializes it.
fn dump_dom(browser: &str, page: &Path, fragment: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Time for anything the page would do after load (timers, image errors).
            "--virtual-time-budget=500",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(output.status.success(), "chromium failed: {output:?}");
    String::from_utf8(output.stdout).expect("UTF-8 DOM")
}

/// A listener on a free local port that records the path of every request it gets.
fn listener() -> (String, Arc<Mutex<Vec<String>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("listen");
    let base = format!(
        "http://127.0.0.1:{}",
        server.server_addr().to_ip().expect("IP address").port()
    );
    let hits = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&hits);
    std::thread::spawn(move || {
        for request in server.incoming_requests() {
            record.lock().expect("lock").push(request.url().to_owned());
            let _ = request.respond(tiny_http::Response::from_string("hit"));
        }
    });
    (base, hits)
}

/// `text` as a DOM serializer writes a text node.
fn as_text_node(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\u{a0}', "&nbsp;")
}

#[test]
fn hostile_sessions_run_nothing_and_fetch_nothing_in_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let (base, hits) = listener();

    // The control: plain markup fetching from the listener does reach it.
    let control = tempfile::Builder::new()
        .suffix(".html")
        .tempfile()
        .expect("control page");
    std::fs::write(
        control.path(),
        format!("<!DOCTYPE html><img src=\"{base}/control\"><p>control</p>"),
    )
    .expect("write control");
    dump_dom(&browser, control.path(), "");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        *hits.lock().expect("lock"),
        ["/control"],
        "the control page must reach the listener, or silence proves nothing"
    );
    hits.lock().expect("lock").clear();

    let project = hostile_project(&base, 10_000);
    project
        .confab()
        .args(["sessions", "export", "hostile", "-o", "hostile.html"])
        .assert()
        .success();
    // Opened at the archived message #5, which the page's script unfolds.
    let dom = dump_dom(&browser, &project.path().join("hostile.html"), "#m5");
    std::thread::sleep(Duration::from_millis(200));

    assert_eq!(
        *hits.lock().expect("lock"),
        Vec::<String>::new(),
        "the page made requests"
    );
    // The page's own script ran and its stylesheet applied: the policy allows them by hash.
    assert!(
        dom.contains("data-script=\"ran\""),
        "the page's script did not run"
    );
    assert!(
        dom.contains("data-style=\"applied\""),
        "the page's style did not apply"
    );
    // No injected script ran: each would change the title or add a marker.
    assert!(
        dom.contains("<title>hostile · confab</title>"),
        "title changed"
    );
    assert!(!dom.contains("data-pwned=\"1\""), "marker set");
    assert!(!dom.contains("<h1 id=\"fake\""), "injected element");
    for element in ["<img", "<iframe", "<link", "<svg onload", "<textarea"] {
        assert!(!dom.contains(element), "{element} element in the DOM");
    }
    assert_eq!(dom.matches("<script").count(), 1, "only the page's script");
    assert_eq!(
        dom.matches("<style").count(),
        1,
        "only the page's stylesheet"
    );
    // Every hostile string is on the page, as text.
    let mut strings: Vec<String> = HOSTILE.iter().map(|text| (*text).to_owned()).collect();
    strings.extend(fetching(&base));
    for hostile in &strings {
        assert!(
            dom.contains(&as_text_node(hostile)),
            "{hostile} is not on the page as text"
        );
    }
    assert!(dom.contains("javascript:document.title='pwned-link'"));
    assert!(!dom.contains("href=\"javascript"));
    assert!(dom.contains("file⟨U+202E⟩gpj.exe nul␀ esc␛[31m"));
    assert!(dom.contains(&"x".repeat(200_000)), "the huge line is there");
    assert_eq!(
        dom.matches("<details class=\"archived-body\" open=\"\">")
            .count(),
        1,
        "the linked archived message is unfolded"
    );
    // And all 10,005 messages, numbered.
    assert!(dom.contains("id=\"m10005\""));
    assert!(!dom.contains("id=\"m10006\""));
}
