//! Resolution (environment, password file, defaults, TLS settings), `display_url`, and
//! connections to real servers with and without TLS.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;
use crate::testing;

/// A home directory of its own and the user `alice`; nothing else set.
fn home() -> (tempfile::TempDir, Environment) {
    let home = tempfile::tempdir().expect("temp dir");
    let environment = Environment::empty().home(home.path()).os_user("alice");
    (home, environment)
}

fn resolve(location: &str, environment: &Environment) -> ConnectionSettings {
    ConnectionSettings::resolve(location, environment).expect("resolves")
}

fn password(settings: &ConnectionSettings) -> Option<String> {
    settings
        .config()
        .get_password()
        .map(|bytes| String::from_utf8(bytes.to_vec()).expect("UTF-8"))
}

/// A password file in `dir` holding `text`, readable by its owner only.
fn pgpass(dir: &Path, text: &str) -> PathBuf {
    let file = dir.join(".pgpass");
    std::fs::write(&file, text).expect("written");
    set_mode(&file, 0o600);
    file
}

fn set_mode(file: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

#[test]
fn defaults_are_libpqs_and_confabs() {
    let (_home, environment) = home();
    let settings = resolve("", &environment);
    assert_eq!(settings.host, Host::Tcp("localhost".into()));
    assert_eq!(settings.port, 5432);
    assert_eq!(settings.user, "alice", "the operating system's user");
    assert_eq!(
        settings.dbname, "alice",
        "the database is named after the user"
    );
    assert_eq!(settings.sslmode, SslMode::Prefer);
    assert_eq!(settings.check, CertificateCheck::None);
    assert_eq!(settings.roots, RootCertificates::Mozilla);
    assert_eq!(settings.application_name, "confab");
    assert_eq!(settings.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert!(settings.keepalives);
    assert!(!settings.has_password());
    assert!(settings.warnings().is_empty());
}

#[test]
fn without_an_os_user_the_user_must_be_given() {
    let error = ConnectionSettings::resolve("postgres://h/db", &Environment::empty())
        .expect_err("no user anywhere");
    assert!(matches!(error, ConnectError::NoUser), "{error}");
    assert!(error.to_string().contains("PGUSER"), "{error}");
    let settings = resolve(
        "postgres://h/db",
        &Environment::empty().var("PGUSER", "bob"),
    );
    assert_eq!(settings.user, "bob");
}

#[test]
fn the_host_defaults_to_a_unix_socket_that_exists() {
    let (home, environment) = home();
    let sockets = home.path().join("run");
    std::fs::create_dir(&sockets).expect("dir");
    let environment = environment.socket_dirs(vec![home.path().join("missing"), sockets.clone()]);
    assert_eq!(
        resolve("", &environment).host,
        Host::Tcp("localhost".into()),
        "no socket for the port"
    );
    std::fs::write(sockets.join(".s.PGSQL.6543"), "").expect("a stand-in socket");
    assert_eq!(
        resolve("port=6543", &environment).host,
        Host::Socket(sockets)
    );
    assert_eq!(
        resolve("", &environment).host,
        Host::Tcp("localhost".into()),
        "the socket is for another port"
    );
}

#[test]
fn the_environment_fills_what_the_location_leaves_out() {
    let (_home, environment) = home();
    let environment = environment
        .var("PGHOST", "db.example")
        .var("PGPORT", "6000")
        .var("PGUSER", "carol")
        .var("PGDATABASE", "sessions")
        .var("PGSSLMODE", "require")
        .var("PGCONNECT_TIMEOUT", "30")
        .var("PGAPPNAME", "team")
        .var("PGOPTIONS", "-c search_path=confab");
    let settings = resolve("postgres://", &environment);
    assert_eq!(settings.host, Host::Tcp("db.example".into()));
    assert_eq!(settings.port, 6000);
    assert_eq!(settings.user, "carol");
    assert_eq!(settings.dbname, "sessions");
    assert_eq!(settings.sslmode, SslMode::Require);
    assert_eq!(settings.connect_timeout, Duration::from_secs(30));
    assert_eq!(settings.application_name, "team");
    assert_eq!(settings.options.as_deref(), Some("-c search_path=confab"));

    let settings = resolve(
        "postgresql://dave@other:7000/mine?sslmode=disable&application_name=x",
        &environment,
    );
    assert_eq!(settings.host, Host::Tcp("other".into()));
    assert_eq!(settings.port, 7000);
    assert_eq!(settings.user, "dave");
    assert_eq!(settings.dbname, "mine");
    assert_eq!(settings.sslmode, SslMode::Disable);
    assert_eq!(settings.application_name, "x");

    let settings = resolve("host=other dbname=mine", &environment);
    assert_eq!(settings.host, Host::Tcp("other".into()));
    assert_eq!((settings.port, settings.user.as_str()), (6000, "carol"));
    // An empty variable counts as none.
    let settings = resolve("", &Environment::empty().os_user("alice").var("PGUSER", ""));
    assert_eq!(settings.user, "alice");
}

#[test]
fn urls_decode_and_key_value_words_quote_as_in_libpq() {
    let (_home, environment) = home();
    let settings = resolve(
        "postgres://us%40er:p%40ss%3Aw@[::1]:6000/my%20db?sslmode=require",
        &environment,
    );
    assert_eq!(settings.user, "us@er");
    assert_eq!(password(&settings).as_deref(), Some("p@ss:w"));
    assert_eq!(settings.host, Host::Tcp("::1".into()));
    assert_eq!(settings.server(), "[::1]:6000");
    assert_eq!(settings.dbname, "my db");
    let settings = resolve("POSTGRESQL://%2Fvar%2Frun%2Fpg/db", &environment);
    assert_eq!(settings.host, Host::Socket("/var/run/pg".into()));
    assert_eq!(settings.server(), "/var/run/pg/.s.PGSQL.5432");

    let settings = resolve(
        r"host = h   dbname='my \'db\'' password=a\ b user='x y'",
        &environment,
    );
    assert_eq!(settings.dbname, "my 'db'");
    assert_eq!(password(&settings).as_deref(), Some("a b"));
    assert_eq!(settings.user, "x y");
}

#[test]
fn bad_locations_are_clear_errors_that_show_no_password() {
    let (_home, environment) = home();
    for (location, expected) in [
        ("mysql://h/db", "postgres:// or postgresql:// URL"),
        (
            "host=h sslcert=c.pem",
            "\"sslcert\", which confab does not support",
        ),
        ("postgres://h/db?hostaddr=1.2.3.4", "\"hostaddr\""),
        ("host=a,b", "several hosts"),
        ("postgres://a,b/db", "several hosts"),
        ("port=seventy", "port is invalid"),
        ("sslmode=verify", "none of disable, allow"),
        ("connect_timeout=soon", "connect_timeout is invalid"),
        ("keepalives=2", "keepalives is invalid"),
        ("postgres://[::1/db", "not closed"),
        ("postgres://h/db?sslmode", "no \"=\""),
        (
            "postgres://u:secret%zz@h/db",
            "% not followed by two hex digits",
        ),
        ("postgres://u:se@cret@h/db", "%40"),
        ("postgres://u:se/cret@h/db", "%40"),
        ("postgres://u:cret@h:54x/db", "port is invalid"),
        ("host=h password='secret", "not closed"),
        ("host=h secret", "not key=value"),
        ("sslrootcert=/no/such/root.crt", "no such file"),
    ] {
        let error = ConnectionSettings::resolve(location, &environment)
            .expect_err(location)
            .to_string();
        assert!(error.contains(expected), "{location}: {error}");
        assert!(
            !error.contains("secret") && !error.contains("cret"),
            "{error}"
        );
    }
}

#[test]
fn pgpassword_is_the_password_when_none_is_given() {
    let (_home, environment) = home();
    let environment = environment.var("PGPASSWORD", "from-env");
    assert_eq!(
        password(&resolve("host=h", &environment)).as_deref(),
        Some("from-env")
    );
    assert_eq!(
        password(&resolve("postgres://alice:in%20url@h/db", &environment)).as_deref(),
        Some("in url"),
        "the location's password wins"
    );
    assert_eq!(
        password(&resolve("host=h password=given", &environment)).as_deref(),
        Some("given")
    );
}

#[test]
fn the_password_file_matches_lines_as_libpq_does() {
    let (home, environment) = home();
    pgpass(
        home.path(),
        "# comment: h:5432:db:alice:commented\n\
         \n\
         other:5432:db:alice:wrong-host\n\
         h:5432:db:alice:first\\:match\\\\\n\
         h:5432:db:alice:second\n\
         h:6000:my\\:db:alice:escaped-colon\n\
         h:*:\\*:alice:literal-star\n\
         localhost:5432:*:alice:socket\r\n\
         *:*:*:bob:any-for-bob\n\
         *:*:*:carol:ends:here\n\
         *:*:*:dave:trailing\\\n\
         short:line\n",
    );
    let found = |location: &str| password(&resolve(location, &environment));
    assert_eq!(found("host=h dbname=db").as_deref(), Some("first:match\\"));
    assert_eq!(
        found("host=h port=6000 dbname='my:db'").as_deref(),
        Some("escaped-colon")
    );
    assert_eq!(
        found("host=h port=7 dbname=*").as_deref(),
        Some("literal-star")
    );
    assert_eq!(
        found("host=h port=7 dbname=other"),
        None,
        "\\* is no wildcard"
    );
    assert_eq!(found("host=/run/pg dbname=x").as_deref(), Some("socket"));
    assert_eq!(
        found("host=anywhere user=bob").as_deref(),
        Some("any-for-bob")
    );
    assert_eq!(found("host=h dbname=none"), None);
    assert_eq!(
        found("host=h user=carol").as_deref(),
        Some("ends"),
        "an unescaped : ends it"
    );
    assert_eq!(found("host=h user=dave").as_deref(), Some("trailing\\"));
    assert_eq!(
        found("postgres://alice:mine@h/db").as_deref(),
        Some("mine"),
        "a given password wins"
    );
    assert_eq!(
        password(&resolve(
            "host=h dbname=db",
            &environment.clone().var("PGPASSWORD", "env")
        ))
        .as_deref(),
        Some("env"),
        "PGPASSWORD wins over the file"
    );
}

#[test]
fn the_password_file_can_be_elsewhere() {
    let (home, environment) = home();
    let elsewhere = home.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("dir");
    let file = pgpass(&elsewhere, "*:*:*:*:from-pgpassfile\n");
    let environment = environment.var("PGPASSFILE", &file.to_string_lossy());
    assert_eq!(
        password(&resolve("host=h", &environment)).as_deref(),
        Some("from-pgpassfile")
    );
    let other = home.path().join("other");
    std::fs::create_dir(&other).expect("dir");
    let other = pgpass(&other, "*:*:*:*:from-passfile\n");
    let location = format!("postgres://h/db?passfile={}", other.display());
    assert_eq!(
        password(&resolve(&location, &environment)).as_deref(),
        Some("from-passfile")
    );
}

#[test]
fn a_password_file_others_can_read_is_ignored_with_a_warning() {
    let (home, environment) = home();
    let file = pgpass(home.path(), "*:*:*:*:exposed\n");
    set_mode(&file, 0o644);
    let settings = resolve("host=h", &environment);
    assert!(!settings.has_password());
    let [warning] = settings.warnings() else {
        panic!("one warning: {:?}", settings.warnings());
    };
    assert!(warning.contains("group or world access"), "{warning}");
    assert!(warning.contains(&file.display().to_string()), "{warning}");
    set_mode(&file, 0o600);
    let settings = resolve("host=h", &environment);
    assert_eq!(password(&settings).as_deref(), Some("exposed"));
    assert!(settings.warnings().is_empty());
}

#[test]
fn passwords_stay_out_of_debug_output() {
    let (_home, environment) = home();
    let environment = environment.var("PGPASSWORD", "hunter2");
    let settings = resolve("postgres://u:swordfish@h/db", &environment);
    let shown = format!("{settings:?} {environment:?}");
    assert!(
        !shown.contains("swordfish") && !shown.contains("hunter2"),
        "{shown}"
    );
    assert!(shown.contains("PGPASSWORD"), "{shown}");
}

#[test]
fn sslmode_and_the_roots_decide_what_is_checked() {
    let (home, environment) = home();
    let root = home.path().join("mine.crt");
    std::fs::write(&root, "not read until connecting").expect("written");
    let check = |location: &str, environment: &Environment| {
        let settings = resolve(location, environment);
        (settings.sslmode, settings.check, settings.roots)
    };
    let mozilla = RootCertificates::Mozilla;
    let file = RootCertificates::File(root.clone());
    use CertificateCheck::{Chain, ChainAndName, None as Unchecked};
    assert_eq!(
        check("sslmode=require", &environment),
        (SslMode::Require, Unchecked, mozilla.clone())
    );
    assert_eq!(
        check("sslmode=allow", &environment),
        (SslMode::Allow, Unchecked, mozilla.clone())
    );
    assert_eq!(
        check("sslmode=verify-ca", &environment),
        (SslMode::VerifyCa, Chain, mozilla.clone())
    );
    assert_eq!(
        check("sslmode=verify-full", &environment),
        (SslMode::VerifyFull, ChainAndName, mozilla.clone())
    );
    let with_root = format!("sslrootcert={}", root.display());
    assert_eq!(
        check(&format!("sslmode=require {with_root}"), &environment),
        (SslMode::Require, Chain, file.clone()),
        "require with a root file checks as verify-ca"
    );
    assert_eq!(
        check(
            "",
            &environment
                .clone()
                .var("PGSSLROOTCERT", &root.to_string_lossy())
        ),
        (SslMode::Prefer, Chain, file.clone())
    );
    assert_eq!(
        check("sslrootcert=system", &environment),
        (SslMode::VerifyFull, ChainAndName, mozilla.clone()),
        "system makes verify-full the default"
    );
    let error = ConnectionSettings::resolve("sslrootcert=system sslmode=require", &environment)
        .expect_err("too weak");
    assert!(
        error
            .to_string()
            .contains("too weak for sslrootcert=system"),
        "{error}"
    );

    let default_root = home.path().join(".postgresql").join("root.crt");
    std::fs::create_dir(home.path().join(".postgresql")).expect("dir");
    std::fs::write(&default_root, "").expect("written");
    assert_eq!(
        check("sslmode=require", &environment),
        (
            SslMode::Require,
            Chain,
            RootCertificates::File(default_root)
        ),
        "~/.postgresql/root.crt counts as given"
    );
    assert_eq!(
        check(&format!("sslmode=verify-full {with_root}"), &environment),
        (SslMode::VerifyFull, ChainAndName, file),
        "sslrootcert wins over root.crt"
    );
}

#[test]
fn connect_timeout_is_bounded_as_in_libpq_but_never_forever() {
    let (_home, environment) = home();
    let timeout = |location: &str| resolve(location, &environment).connect_timeout;
    assert_eq!(timeout("connect_timeout=0"), DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(timeout("connect_timeout=-5"), DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(timeout("connect_timeout=1"), Duration::from_secs(2));
    assert_eq!(timeout("connect_timeout=45"), Duration::from_secs(45));
}

#[test]
fn a_url_for_the_settings_resolves_to_them() {
    let (_home, environment) = home();
    let settings = resolve(
        "host=h port=6000 user='a b' password='p@ss/w:rd?' dbname=d%b sslmode=require",
        &environment,
    );
    let again = resolve(&settings.to_url_with_password(), &environment);
    assert_eq!(format!("{settings:?}"), format!("{again:?}"));
    assert_eq!(password(&again).as_deref(), Some("p@ss/w:rd?"));
}

#[test]
fn display_url_drops_user_information_and_passwords() {
    for (location, shown) in [
        (
            "postgres://alice:secret@db.example:5432/sessions",
            "postgres://db.example:5432/sessions",
        ),
        (
            "postgresql://alice@db.example/sessions",
            "postgresql://db.example/sessions",
        ),
        (
            "postgres://db.example/sessions",
            "postgres://db.example/sessions",
        ),
        (
            "postgres://u:secret@h/db?password=secret&sslmode=require",
            "postgres://h/db?sslmode=require",
        ),
        (
            "postgres://h/db?sslmode=require&PASSWORD=secret",
            "postgres://h/db?sslmode=require",
        ),
        ("postgres://h/db?pass%77ord=secret", "postgres://h/db"),
        (
            "  postgres://u:secret@[::1]:5/db  ",
            "postgres://[::1]:5/db",
        ),
        ("host=h password=secret dbname=d", "host=h dbname=d"),
        ("host=h password = 'sec ret' user=u", "host=h user=u"),
        ("host = 'a b' port=5", "host = 'a b' port=5"),
        // Malformed: cut rather than risk the password.
        ("postgres://u:sec@ret@h/db", "postgres://h/db"),
        ("postgres://u:sec/ret@h/db", "postgres://h/db"),
        ("postgres://u:sec?ret@h/db", "postgres://h/db"),
        ("postgres://u:secret@h/db?password", "postgres://h/db"),
        ("host=h password='secret", "host=h …"),
        ("host=h secret", "host=h …"),
        ("secret", "…"),
        ("", ""),
        ("postgres://", "postgres://"),
        ("postgres://@", "postgres://"),
    ] {
        assert_eq!(display_url(location), shown, "{location}");
        assert!(!display_url(location).contains("secret"), "{location}");
    }
}

// Against real servers.

fn tls_location(server: &testing::TlsServer, rest: &str) -> String {
    format!("port={} user=confab dbname=postgres {rest}", server.port)
}

/// Whether the connection is encrypted, as the server sees it.
fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .expect("reads pg_stat_ssl")
        .get(0)
}

fn connect(location: &str, environment: &Environment) -> Result<postgres::Client, String> {
    open(&resolve(location, environment)).map_err(|error| error.to_string())
}

/// The error of a connection that must fail.
fn refused(location: &str, environment: &Environment) -> String {
    match connect(location, environment) {
        Ok(_) => panic!("connected: {}", display_url(location)),
        Err(error) => error,
    }
}

#[test]
fn require_encrypts_without_checking_the_certificate() {
    let Some(server) = testing::tls_server() else {
        return;
    };
    let (_home, environment) = home();
    let mut client = connect(
        &tls_location(server, "host=localhost sslmode=require"),
        &environment,
    )
    .expect("a self-signed certificate is accepted");
    assert!(encrypted(&mut client));
    let mut client = connect(&tls_location(server, "host=127.0.0.1"), &environment)
        .expect("prefer takes TLS when offered");
    assert!(encrypted(&mut client));
    let mut client = connect(
        &tls_location(server, "host=127.0.0.1 sslmode=disable"),
        &environment,
    )
    .expect("disable");
    assert!(!encrypted(&mut client), "disable talks plain text");
}

#[test]
fn verify_full_checks_the_root_and_the_host_name() {
    let Some(server) = testing::tls_server() else {
        return;
    };
    let (home, environment) = home();
    let root = format!("sslrootcert={}", server.certificate.display());
    let mut client = connect(
        &tls_location(
            server,
            &format!("host=localhost sslmode=verify-full {root}"),
        ),
        &environment,
    )
    .expect("the server's own root and its name");
    assert!(encrypted(&mut client));

    let error = refused(
        &tls_location(
            server,
            &format!("host=127.0.0.1 sslmode=verify-full {root}"),
        ),
        &environment,
    );
    assert!(
        error.contains("not made out to the host 127.0.0.1 (sslmode=verify-full)"),
        "{error}"
    );

    let (other, _key) =
        testing::self_signed_certificate(home.path(), "other").expect("another root");
    let error = refused(
        &tls_location(
            server,
            &format!(
                "host=localhost sslmode=verify-full sslrootcert={}",
                other.display()
            ),
        ),
        &environment,
    );
    assert!(
        error.contains(&format!(
            "the server's certificate is not signed by a root in {}",
            other.display()
        )),
        "{error}"
    );
    let error = refused(
        &tls_location(server, "host=localhost sslmode=verify-full"),
        &environment,
    );
    assert!(
        error.contains("not signed by a root in the Mozilla root"),
        "{error}"
    );
}

#[test]
fn verify_ca_checks_the_root_but_not_the_host_name() {
    let Some(server) = testing::tls_server() else {
        return;
    };
    let (home, environment) = home();
    let mut client = connect(
        &tls_location(
            server,
            &format!(
                "host=127.0.0.1 sslmode=verify-ca sslrootcert={}",
                server.certificate.display()
            ),
        ),
        &environment,
    )
    .expect("the name does not matter");
    assert!(encrypted(&mut client));
    // ~/.postgresql/root.crt makes `require` check the root too.
    let (other, _key) =
        testing::self_signed_certificate(home.path(), "other").expect("another root");
    std::fs::create_dir(home.path().join(".postgresql")).expect("dir");
    std::fs::rename(&other, home.path().join(".postgresql").join("root.crt")).expect("moved");
    let error = refused(
        &tls_location(server, "host=127.0.0.1 sslmode=require"),
        &environment,
    );
    assert!(error.contains("not signed by a root in"), "{error}");
    assert!(error.contains("root.crt"), "{error}");
}

#[test]
fn a_unix_socket_is_plain_text_whatever_the_sslmode() {
    let Some(server) = testing::tls_server() else {
        return;
    };
    let (_home, environment) = home();
    let location = format!(
        "host={} port={} user=confab dbname=postgres sslmode=require",
        server.socket_dir.display(),
        server.port
    );
    let settings = resolve(&location, &environment);
    assert_eq!(settings.host, Host::Socket(server.socket_dir.clone()));
    let mut client = open(&settings).expect("connects over the socket");
    assert!(!encrypted(&mut client));
    // With no host, the socket is found in the directories searched.
    let environment = environment.socket_dirs(vec![server.socket_dir.clone()]);
    let settings = resolve(
        &format!("port={} user=confab dbname=postgres", server.port),
        &environment,
    );
    assert_eq!(settings.host, Host::Socket(server.socket_dir.clone()));
    open(&settings).expect("connects over the socket found");
}

#[test]
fn allow_tries_plain_text_then_tls() {
    let Some(server) = testing::tls_server() else {
        return;
    };
    let (_home, environment) = home();
    let mut admin = connect(&tls_location(server, "host=127.0.0.1"), &environment).expect("admin");
    let _ = admin.batch_execute(&format!("CREATE ROLE {} LOGIN", testing::TLS_ONLY_USER));
    let location = |mode: &str| {
        format!(
            "host=127.0.0.1 port={} user={} dbname=postgres sslmode={mode}",
            server.port,
            testing::TLS_ONLY_USER
        )
    };
    let error = refused(&location("disable"), &environment);
    assert!(error.contains("no encryption"), "{error}");
    let mut client = connect(&location("allow"), &environment).expect("allow retries with TLS");
    assert!(encrypted(&mut client));
    let mut client = connect(
        &tls_location(server, "host=127.0.0.1 sslmode=allow"),
        &environment,
    )
    .expect("allow");
    assert!(
        !encrypted(&mut client),
        "allow takes plain text when it is accepted"
    );
}

#[test]
fn prefer_falls_back_to_plain_text_on_a_server_without_tls() {
    let Some(url) = testing::server() else { return };
    if std::env::var("CONFAB_TEST_POSTGRES").is_ok() {
        return; // that server may well have TLS
    }
    let (_home, environment) = home();
    let mut client = connect(url, &environment).expect("prefer falls back");
    assert!(!encrypted(&mut client));
    let error = refused(&format!("{url} sslmode=require"), &environment);
    assert!(
        error.contains("server does not support TLS (sslmode=require)"),
        "{error}"
    );
}

#[test]
fn a_server_that_never_answers_is_given_up_on_in_time() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listens");
    let port = listener.local_addr().expect("address").port();
    let (_home, environment) = home();
    let started = Instant::now();
    let error = refused(
        &format!("host=127.0.0.1 port={port} connect_timeout=2 sslmode=disable"),
        &environment,
    );
    let waited = started.elapsed();
    assert!(
        error.contains(&format!(
            "cannot connect to 127.0.0.1:{port}: no answer within 2 s"
        )),
        "{error}"
    );
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    drop(listener);
}

#[test]
fn the_password_file_answers_a_server_that_asks() {
    let Some(server) = testing::tls_server() else {
        return;
    };
    let (home, environment) = home();
    let mut admin = connect(&tls_location(server, "host=127.0.0.1"), &environment).expect("admin");
    let _ = admin.batch_execute(&format!(
        "CREATE ROLE {} LOGIN PASSWORD 'pa:ss\\word'",
        testing::PASSWORD_USER
    ));
    let location = format!(
        "host=127.0.0.1 port={} user={} dbname=postgres",
        server.port,
        testing::PASSWORD_USER
    );
    let error = refused(&location, &environment);
    assert!(
        error.contains("the server asks for a password, and none was given"),
        "{error}"
    );
    let file = pgpass(
        home.path(),
        &format!(
            "127.0.0.1:{}:*:{}:wrong\n",
            server.port,
            testing::PASSWORD_USER
        ),
    );
    let error = refused(&location, &environment);
    assert!(
        error.contains(&format!(
            "password authentication failed for user \"{}\" (the password is from {})",
            testing::PASSWORD_USER,
            file.display()
        )),
        "{error}"
    );
    assert!(!error.contains("wrong"), "{error}");
    pgpass(
        home.path(),
        &format!("127.0.0.1:*:*:{}:pa\\:ss\\\\word\n", testing::PASSWORD_USER),
    );
    let mut client = connect(&location, &environment).expect("the file's password");
    assert!(encrypted(&mut client));
    set_mode(&file, 0o640);
    let error = refused(&location, &environment);
    assert!(
        error.contains("none was given") && error.contains("group or world access"),
        "the error says why the file was not read: {error}"
    );
}

#[test]
fn fresh_databases_are_new_and_empty() {
    let Some(first) = testing::fresh_database() else {
        return;
    };
    let second = testing::fresh_database().expect("a second one");
    assert_ne!(first, second);
    let mut store = crate::PostgresStore::connect(&first).expect("connects to the new database");
    confab_core::SessionStore::create(&mut store, &confab_core::conformance::session("s1"))
        .expect("created");
    let other = crate::PostgresStore::connect(&second).expect("connects");
    assert!(
        confab_core::SessionStore::list(&other)
            .expect("lists")
            .is_empty(),
        "databases are separate"
    );
}
