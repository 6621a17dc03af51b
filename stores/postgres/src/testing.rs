//! A PostgreSQL server for tests: this crate's, and (with the `testing` feature) the CLI's,
//! which run `confab --store postgres://…` against it.
//!
//! # Where the server comes from
//! `CONFAB_TEST_POSTGRES=postgres://…` names one to use (the user needs `CREATE` on the
//! database, for schemas, and `CREATEDB`, for [`fresh_database`]). Otherwise, when `initdb` is
//! found (on the `PATH`, or Debian's `/usr/lib/postgresql/<version>/bin`), a throw-away server
//! is started once per test process: a new cluster in a temp dir (ICU English collation where
//! the server has ICU, so byte-order sorting is really tested), on a free port of 127.0.0.1,
//! as `nobody` when the tests run as root (the server refuses root), trusting every local
//! connection. A shell beside it waits on a pipe from this process; when the process ends,
//! however it ends, the pipe closes and the shell stops the server and removes the cluster.
//! Without either, the tests say in one line how to run them and pass, unless
//! `CONFAB_REQUIRE_POSTGRES=1`, which makes a missing server a failure (for CI).
//!
//! [`tls_server`] is a second throw-away server with TLS on, its certificate self-signed for
//! `localhost` by the `openssl` command (Debian's `postgresql` pulls it in through `ssl-cert`);
//! the same rules apply when `openssl` or `initdb` is missing. It is always a throw-away one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::connect::{ConnectionSettings, Environment};

/// The shared test server's connection string (a database to administer from: it may create
/// schemas and databases), or `None` after the one-line skip message.
///
/// # Panics
/// When `CONFAB_REQUIRE_POSTGRES=1` and there is no server.
pub fn server() -> Option<&'static str> {
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    let found = SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("CONFAB_TEST_POSTGRES") {
            return Ok(url);
        }
        let server = start_throwaway_server(false)?;
        Ok(format!(
            "host=127.0.0.1 port={} user=confab dbname=postgres",
            server.port
        ))
    });
    available(found.as_ref().map(String::as_str))
}

/// A server with TLS on, its certificate self-signed for `localhost`.
#[derive(Debug)]
pub struct TlsServer {
    /// Its port on 127.0.0.1 (`localhost`); user `confab`, database `postgres`, local
    /// connections trusted but for [`TLS_ONLY_USER`] and [`PASSWORD_USER`].
    pub port: u16,
    /// Its certificate (PEM), which is also the root that signed it.
    pub certificate: PathBuf,
    /// The directory of its Unix socket.
    pub socket_dir: PathBuf,
}

/// On the [`tls_server`], the user (a role to create) whose plain-text connections are refused.
pub const TLS_ONLY_USER: &str = "confab_tls_only";

/// On the [`tls_server`], the user (a role to create, with a password) that must give a
/// password; every other user is trusted.
pub const PASSWORD_USER: &str = "confab_password";

/// The throw-away server with TLS on, or `None` after the one-line skip message.
///
/// # Panics
/// When `CONFAB_REQUIRE_POSTGRES=1` and it cannot be started.
pub fn tls_server() -> Option<&'static TlsServer> {
    static SERVER: OnceLock<Result<TlsServer, String>> = OnceLock::new();
    let found = SERVER.get_or_init(|| {
        let server = start_throwaway_server(true)?;
        let certificate = server.certificate.ok_or("the server has no certificate")?;
        Ok(TlsServer {
            port: server.port,
            certificate,
            socket_dir: server.dir,
        })
    });
    available(found.as_ref())
}

fn available<'a, T: ?Sized>(found: Result<&'a T, &'a String>) -> Option<&'a T> {
    match found {
        Ok(server) => Some(server),
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

/// A client of the database `location` names, resolved as [`crate::PostgresStore::connect`]
/// resolves it.
///
/// # Panics
/// When it cannot connect: this is for tests.
pub fn client(location: &str) -> postgres::Client {
    let settings = ConnectionSettings::resolve(location, &Environment::current())
        .expect("the test server's location resolves");
    crate::connect::open(&settings).expect("connects to the test server")
}

/// A new, empty database on the test server (a unique name `confab_test_…`) and a full
/// `postgresql://` URL for it, or `None` after the one-line skip message. On a throw-away
/// server it goes with the server; on a `CONFAB_TEST_POSTGRES` one it stays (drop the
/// `confab_test_` databases now and then).
///
/// # Panics
/// When `CONFAB_REQUIRE_POSTGRES=1` and there is no server, or the database cannot be made.
pub fn fresh_database() -> Option<String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let admin = server()?;
    let mut settings = ConnectionSettings::resolve(admin, &Environment::current())
        .expect("the test server's location resolves");
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let name = format!(
        "confab_test_{}_{since_epoch}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    crate::connect::open(&settings)
        .expect("connects to the test server")
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("the test database is created");
    settings.dbname = name;
    Some(settings.to_url_with_password())
}

/// A self-signed certificate for `localhost` and its key, made by `openssl` in `dir`:
/// `<name>.crt` and `<name>.key`.
///
/// # Errors
/// When `openssl` is missing or fails.
pub fn self_signed_certificate(dir: &Path, name: &str) -> Result<(PathBuf, PathBuf), String> {
    let certificate = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let output = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&certificate)
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot run openssl: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "openssl failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok((certificate, key))
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

fn give_to_nobody(path: &Path) -> Result<(), String> {
    let chowned = Command::new("chown")
        .arg("nobody")
        .arg(path)
        .status()
        .is_ok_and(|status| status.success());
    if chowned {
        Ok(())
    } else {
        Err(format!("cannot give {} to nobody", path.display()))
    }
}

struct Started {
    port: u16,
    certificate: Option<PathBuf>,
    dir: PathBuf,
}

/// Starts a server that lives as long as this process (see the module doc).
fn start_throwaway_server(tls: bool) -> Result<Started, String> {
    // Kept open for the life of the process: their ends stop the servers.
    static PIPES: Mutex<Vec<ChildStdin>> = Mutex::new(Vec::new());
    let bin = server_binaries().ok_or("no initdb on the PATH or in /usr/lib/postgresql")?;
    let root = is_root();
    let dir = tempfile::Builder::new()
        .prefix("confab-pg-")
        .tempdir()
        .map_err(|error| format!("no temp dir: {error}"))?
        .keep();
    if root {
        give_to_nobody(&dir)?;
    }
    let mut settings: Vec<String> = Vec::new();
    let mut certificate = None;
    if tls {
        let (crt, key) = self_signed_certificate(&dir, "server")?;
        if root {
            give_to_nobody(&key)?;
        }
        settings.extend([
            "ssl=on".to_owned(),
            format!("ssl_cert_file={}", crt.display()),
            format!("ssl_key_file={}", key.display()),
        ]);
        certificate = Some(crt);
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
    if tls {
        // A user that may only come in over TLS, for `sslmode=allow`'s second try, and one
        // that must give a password.
        let hba = data.join("pg_hba.conf");
        let rules = std::fs::read_to_string(&hba)
            .map_err(|error| format!("cannot read {}: {error}", hba.display()))?;
        std::fs::write(
            &hba,
            format!(
                "hostnossl all {TLS_ONLY_USER} 127.0.0.1/32 reject\n\
                 host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n{rules}"
            ),
        )
        .map_err(|error| format!("cannot write {}: {error}", hba.display()))?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map_err(|error| format!("no free port: {error}"))?
        .port();
    // The shell keeps the server until its stdin (this process's pipe) closes.
    let script = r#"
        bin=$1 data=$2 port=$3 dir=$4
        shift 4
        for setting in "$@"; do set -- "$@" -c "$setting"; shift; done
        "$bin/postgres" -D "$data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 \
            -c fsync=off -c full_page_writes=off "$@" >"$dir/log" 2>&1 &
        server=$!
        read _ignored
        kill -INT "$server"
        wait "$server"
        rm -rf "$dir"
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
        .args(&settings)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = shell
        .spawn()
        .map_err(|error| format!("cannot start postgres: {error}"))?;
    let pipe = child.stdin.take().ok_or("no pipe to the server's shell")?;
    PIPES
        .lock()
        .map_err(|_| "a test panicked while starting a server")?
        .push(pipe);
    let url = format!("host=127.0.0.1 port={port} user=confab dbname=postgres");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match postgres::Client::connect(&url, postgres::NoTls) {
            Ok(_) => {
                return Ok(Started {
                    port,
                    certificate,
                    dir,
                });
            }
            Err(error) if Instant::now() > deadline => {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                return Err(format!("the server did not start: {error}\n{log}"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}
