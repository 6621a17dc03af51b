//! The PostgreSQL store's tests: the conformance suite every store passes, and what only this
//! store has (migrations, the query text it builds).
//!
//! # Where the server comes from
//! `CONFAB_TEST_POSTGRES=postgres://…` names one to use (the user needs `CREATE` on the
//! database: each check works in a schema of its own and drops it). Otherwise, when `initdb` is
//! found (on the `PATH`, or Debian's `/usr/lib/postgresql/<version>/bin`), a throw-away server
//! is started once per test process: a new cluster in a temp dir (ICU English collation where
//! the server has ICU, so byte-order sorting is really tested), on a free port of 127.0.0.1,
//! as `nobody` when the tests run as root (the server refuses root). A shell beside it waits on
//! a pipe from this process; when the process ends, however it ends, the pipe closes and the
//! shell stops the server and removes the cluster. Without either, the tests say in one line how
//! to run them and pass, unless `CONFAB_REQUIRE_POSTGRES=1`, which makes a missing server a
//! failure (for CI).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use confab_core::{SessionStore, StoreError};
use postgres::{Client, NoTls};

use super::{PostgresStore, migrations, search_query};

/// The server's connection string, or why there is none.
pub(crate) fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    static PIPE: OnceLock<Mutex<Option<ChildStdin>>> = OnceLock::new();
    let found = SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("CONFAB_TEST_POSTGRES") {
            return Ok(url);
        }
        let (url, pipe) = start_throwaway_server()?;
        // Kept open for the life of the process: its end stops the server.
        PIPE.get_or_init(|| Mutex::new(Some(pipe)));
        Ok(url)
    });
    match found {
        Ok(url) => Some(url),
        Err(why) => {
            let required = std::env::var("CONFAB_REQUIRE_POSTGRES").is_ok_and(|value| value == "1");
            assert!(
                !required,
                "CONFAB_REQUIRE_POSTGRES=1 but no PostgreSQL: {why}"
            );
            static SAID: OnceLock<()> = OnceLock::new();
            SAID.get_or_init(|| {
                // Written to the process's stderr itself: the test harness captures `eprintln!`
                // of passing tests, and this line is for the person running them.
                let _ = writeln!(
                    std::io::stderr(),
                    "skipping the PostgreSQL store tests ({why}): install PostgreSQL \
                     (Debian: apt-get install postgresql) or set \
                     CONFAB_TEST_POSTGRES=postgres://user@host/db"
                );
            });
            None
        }
    }
}

/// The directory of `initdb`, `postgres` and `pg_ctl`.
fn server_binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("initdb"))
            .find(|initdb| initdb.is_file())
    });
    if let Some(initdb) = on_path {
        let real = std::fs::canonicalize(&initdb).unwrap_or(initdb);
        return real.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort_by_key(|bin| {
        bin.parent()
            .and_then(|version| version.file_name())
            .and_then(|name| name.to_str())
            .and_then(|name| name.parse::<u32>().ok())
    });
    versions.pop()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// `command` run as the server's user: `nobody` under root, else this user.
fn as_server_user(program: &Path, root: bool) -> Command {
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn start_throwaway_server() -> Result<(String, ChildStdin), String> {
    let bin = server_binaries().ok_or("no initdb on the PATH or in /usr/lib/postgresql")?;
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("confab-pg-")
        .tempdir()
        .map_err(|error| format!("no temp dir: {error}"))?
        .keep();
    if root {
        let chowned = Command::new("chown")
            .arg("nobody")
            .arg(&dir)
            .status()
            .is_ok_and(|status| status.success());
        if !chowned {
            return Err(format!("cannot give {} to nobody", dir.display()));
        }
    }
    let data = dir.join("data");
    // An ICU English collation where the server has one (PostgreSQL 15+), so the tests see
    // names sort as bytes even where the database's own order would differ; else plain `C`.
    let mut initdb = Err("initdb did not run".to_owned());
    for provider in [
        &["--locale-provider=icu", "--icu-locale=en-US"][..],
        &[][..],
    ] {
        let _ = std::fs::remove_dir_all(&data);
        let output = as_server_user(&bin.join("initdb"), root)
            .args([
                "-A",
                "trust",
                "-U",
                "confab",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .args(provider)
            .arg("-D")
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|error| format!("cannot run initdb: {error}"))?;
        initdb = if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        };
        if initdb.is_ok() {
            break;
        }
    }
    initdb?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port: {error}"))?
        .port();
    // The shell keeps the server until its stdin (this process's pipe) closes.
    let script = r#"
        "$1/postgres" -D "$2" -p "$3" -k "$4" -c listen_addresses=127.0.0.1 -c fsync=off \
            -c full_page_writes=off >"$4/log" 2>&1 &
        server=$!
        read _ignored
        kill -INT "$server"
        wait "$server"
        rm -rf "$4"
    "#;
    let mut shell = as_server_user(Path::new("/bin/sh"), root);
    shell
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(&bin)
        .arg(&data)
        .arg(port.to_string())
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = shell
        .spawn()
        .map_err(|error| format!("cannot start postgres: {error}"))?;
    let pipe = child.stdin.take().ok_or("no pipe to the server's shell")?;
    let url = format!("host=127.0.0.1 port={port} user=confab dbname=postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match Client::connect(&url, NoTls) {
            Ok(_) => return Ok((url, pipe)),
            Err(error) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                return Err(format!("the server did not start: {error}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// A schema of its own for one check, dropped with the guard.
pub(crate) struct Schema {
    url: &'static str,
    name: String,
}

impl Schema {
    pub(crate) fn new(url: &'static str) -> Schema {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "confab_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = Client::connect(url, NoTls).expect("connects");
        admin
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("schema created");
        Schema { url, name }
    }

    fn client(&self) -> Client {
        let mut client = Client::connect(self.url, NoTls).expect("connects");
        client
            .batch_execute(&format!("SET search_path TO {}", self.name))
            .expect("search path set");
        client
    }

    pub(crate) fn store(&self) -> PostgresStore {
        PostgresStore::open(self.client()).expect("opens")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(self.url, NoTls) {
            let _ = admin.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
        }
    }
}

#[test]
fn the_store_passes_the_conformance_suite() {
    let Some(url) = server() else { return };
    confab_core::conformance::run_all(|| {
        let schema = Schema::new(url);
        let store = schema.store();
        (schema, store)
    });
}

#[test]
fn migrations_run_once_even_when_processes_open_a_new_database_together() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let clients: Vec<Client> = (0..4).map(|_| schema.client()).collect();
    let opened: Vec<Result<PostgresStore, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = clients
            .into_iter()
            .map(|client| scope.spawn(move || PostgresStore::open(client)))
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("no panic"))
            .collect()
    });
    assert!(opened.iter().all(Result::is_ok), "{opened:?}");
    let versions: Vec<i64> = schema
        .client()
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .expect("reads")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let expected: Vec<i64> = (1..=migrations::CURRENT).collect();
    assert_eq!(versions, expected);
    let mut store = schema.store();
    store
        .create(&confab_core::conformance::session("kept"))
        .expect("created");
    drop(store);
    assert!(
        schema.store().exists("kept").expect("reads"),
        "reopening keeps the data"
    );
}

#[test]
fn a_database_from_a_newer_confab_is_refused() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    drop(schema.store());
    schema
        .client()
        .execute(
            "INSERT INTO schema_migrations (version) VALUES ($1)",
            &[&(migrations::CURRENT + 1)],
        )
        .expect("inserted");
    assert!(matches!(
        PostgresStore::open(schema.client()),
        Err(StoreError::NewerSchema { found, .. }) if found == migrations::CURRENT + 1
    ));
}

#[test]
fn list_reads_no_message_bodies() {
    // `list` must not read `messages`: revoke it, and list still works.
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    store
        .create(&confab_core::conformance::session("s1"))
        .expect("created");
    store
        .client
        .get_mut()
        .batch_execute("ALTER TABLE messages RENAME TO messages_hidden")
        .expect("hidden");
    assert_eq!(store.list().expect("lists")[0].message_count, 3);
    assert!(store.get("s1").is_err(), "get does read messages");
}

#[test]
fn concurrent_appends_on_fresh_counts_lose_nothing() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let writers = [schema.store(), schema.store()];
    confab_core::conformance::concurrent_appends_on_fresh_counts_lose_nothing(writers);
    let positions: Vec<i64> = schema
        .client()
        .query("SELECT position FROM messages ORDER BY position", &[])
        .expect("reads")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(
        positions,
        (0..100).collect::<Vec<i64>>(),
        "contiguous, each once"
    );
}

#[test]
fn a_version_1_database_gains_authors_and_keeps_its_sessions() {
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut client = schema.client();
    client
        .batch_execute(migrations::MIGRATIONS[0])
        .expect("version 1");
    client
        .batch_execute(
            r#"CREATE TABLE schema_migrations (version bigint PRIMARY KEY,
                   applied_at timestamptz NOT NULL DEFAULT now());
               INSERT INTO schema_migrations (version) VALUES (1);
               INSERT INTO sessions (name, provider, model, message_count, updated_ns, header)
               VALUES ('old', 'openai', 'gpt-4o', 0, 0,
                   '{"name":"old","provider":"openai","model":"gpt-4o","skill":null,"project_path":null,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","imported_at":null,"metadata":null,"context":null}');"#,
        )
        .expect("version 1 data");
    let mut store = PostgresStore::open(client).expect("upgrades");
    let old = store.get("old").expect("kept");
    assert_eq!((old.created_by, old.updated_by), (None, None));
    store
        .append_messages(
            "old",
            &[confab_core::Message::new(confab_core::Role::User, "hi")],
            &confab_core::SessionUpdate {
                by: Some("ana".into()),
                expected_messages: Some(0),
                ..confab_core::SessionUpdate::at(confab_core::conformance::at(
                    "2026-02-01T00:00:00Z",
                ))
            },
        )
        .expect("appended");
    let listed = &store.list().expect("lists")[0];
    assert_eq!(
        (listed.created_by.as_deref(), listed.updated_by.as_deref()),
        (None, Some("ana"))
    );
}

#[test]
fn authors_live_in_their_columns_alone() {
    // One copy: the header leaves them out, so an append that sets `updated_by` leaves no stale
    // copy behind.
    let Some(url) = server() else { return };
    let schema = Schema::new(url);
    let mut store = schema.store();
    store
        .create(&confab_core::conformance::session("s1"))
        .expect("created");
    let row = schema
        .client()
        .query_one(
            "SELECT header, created_by, updated_by FROM sessions WHERE name = 's1'",
            &[],
        )
        .expect("reads");
    let header: &str = row.get(0);
    assert!(
        !header.contains("created_by") && !header.contains("updated_by"),
        "{header}"
    );
    assert_eq!(
        (
            row.get::<_, Option<String>>(1),
            row.get::<_, Option<String>>(2)
        ),
        (Some("ana".to_owned()), Some("Björn Ström".to_owned()))
    );
}

#[test]
fn user_text_reaches_the_query_only_as_words() {
    assert_eq!(
        search_query("pods pending"),
        Some("pods:* & pending:*".into())
    );
    assert_eq!(
        search_query("a:* | !b & (c) <-> 'd' \\e"),
        Some("a & b & c & d & e".into())
    );
    assert_eq!(
        search_query("xs \"pods  pending\" ys"),
        Some("xs:* & (pods <-> pending) & ys:*".into())
    );
    assert_eq!(
        search_query("\"unclosed phrase"),
        Some("(unclosed <-> phrase)".into())
    );
    assert_eq!(
        search_query("héllo wörld"),
        Some("héllo:* & wörld:*".into())
    );
    assert_eq!(search_query(" -- \" ' "), None);
    assert_eq!(search_query("a pods Pods a"), Some("a & pods:*".into()));
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let error = PostgresStore::connect("host=127.0.0.1 port=1 user=nobody connect_timeout=2")
        .expect_err("nothing listens on port 1");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

#[test]
fn connect_falls_back_to_plain_text_only_when_tls_is_not_required() {
    // The throw-away server has no certificate: `prefer` (the default) connects in plain text,
    // `require` refuses, which shows TLS is asked for first.
    let Some(url) = server() else { return };
    if std::env::var("CONFAB_TEST_POSTGRES").is_ok() {
        return; // that server may well have TLS
    }
    let mut store = PostgresStore::connect(url).expect("prefer falls back");
    store
        .create(&confab_core::conformance::session("s1"))
        .expect("created");
    assert!(store.exists("s1").expect("reads"));
    store.delete(&["s1".into()]).expect("deleted");
    let error = PostgresStore::connect(&format!("{url} sslmode=require"))
        .expect_err("the server has no TLS");
    assert!(error.to_string().contains("TLS"), "{error}");
}
