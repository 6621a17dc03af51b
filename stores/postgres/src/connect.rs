//! Where a store location leads: the connection settings, resolved the way `psql` (libpq)
//! resolves them, so a location that works in `psql` works in confab and the same environment
//! variables and password file apply.
//!
//! # Why not hand the text to the `postgres` crate
//! The `postgres` crate parses URLs and `key=value` strings, but it reads no environment
//! variable and no password file, rejects the parameters it does not know (`sslrootcert`,
//! `passfile`), and knows three TLS modes where libpq has six. So the text is parsed here, every
//! value resolved here (the text, else the `PG…` variable, else the default), and a
//! [`postgres::Config`] built from the result; the certificate checks are `tls.rs`'s.
//!
//! # Order, as libpq's
//! For each setting: the location (a `postgres://` or `postgresql://` URL, or `key=value`
//! words), else its environment variable (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
//! `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`, `PGAPPNAME`, `PGPASSFILE`,
//! `PGOPTIONS`), else the default. An empty value counts as none. Defaults: the user is the
//! operating system's user (`USER`, `LOGNAME`, else the `/etc/passwd` entry of the effective
//! uid: libpq asks the same database, and no crate is needed for it); the database is named
//! after the user; the host is the first Unix socket directory (`/var/run/postgresql`, where
//! Debian's libpq looks, then `/tmp`, upstream's default) holding the server's socket for the
//! port, else `localhost`; the port 5432; `sslmode=prefer`; `application_name=confab`.
//!
//! The password, when none is given, comes from the password file (`passfile`, `PGPASSFILE`,
//! else `~/.pgpass`): lines `hostname:port:database:username:password`, `*` matching anything,
//! `\:` and `\\` escaping, `#` starting a comment line, the first matching line winning, and
//! `localhost` standing for a Unix socket. As in libpq, a file that others than its owner can
//! read is not read at all; [`ConnectionSettings::warnings`] says so, and so does the error when
//! the server then asks for a password.
//!
//! # Bounded waits
//! `connect_timeout` (default 10 s; libpq's `0`, "forever", is taken as the default, since confab
//! never waits without bound, and values below 2 s are 2 s, as in libpq) bounds the whole
//! connection: the TCP connect, the TLS handshake and the authentication, not only the TCP
//! connect as in the `postgres` crate. TCP keepalives are on (first probe after 30 s idle, then
//! every 10 s, three misses end the connection), so a server that vanishes during a query is
//! noticed within about a minute.
//!
//! # Not supported (an error names them)
//! Several hosts (`host=a,b`), `hostaddr`, client certificates (`sslcert`, `sslkey`), and every
//! other libpq parameter not listed in [`PARAMETERS`].
//!
//! # Secrets
//! A password never appears in an error or in `Debug` output; [`display_url`] shows a location
//! without its user information or password, for messages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use confab_core::StoreError;

/// The parameters a location may set, as libpq names them.
pub const PARAMETERS: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "connect_timeout",
    "application_name",
    "passfile",
    "options",
    "keepalives",
    "keepalives_idle",
];

/// Each parameter's environment variable, as libpq's.
const VARIABLES: &[(&str, &str)] = &[
    ("host", "PGHOST"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("dbname", "PGDATABASE"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("application_name", "PGAPPNAME"),
    ("passfile", "PGPASSFILE"),
    ("options", "PGOPTIONS"),
];

/// The default `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a location cannot be used. No variant holds a password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The text is neither a URL nor `key=value` words, or breaks their syntax.
    #[error("the PostgreSQL location is malformed: {0}")]
    Syntax(String),
    /// A parameter confab does not know or support.
    #[error(
        "the PostgreSQL location has the parameter \"{0}\", which confab does not support (it knows {known})",
        known = PARAMETERS.join(", ")
    )]
    UnknownParameter(String),
    /// A parameter's value is not one it can take.
    #[error("the PostgreSQL location's {key} is invalid: {reason}")]
    InvalidValue {
        /// The parameter (`port`, `sslmode`, ...).
        key: &'static str,
        /// What is wrong with it (never the value of a password).
        reason: String,
    },
    /// No user name was given and the operating system's is unknown.
    #[error(
        "no PostgreSQL user name: give one in the location (postgres://user@host/db) or in PGUSER"
    )]
    NoUser,
    /// The root certificate file cannot be used.
    #[error("cannot use the root certificates in {}: {reason}", .path.display())]
    RootCertificates {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

fn invalid(key: &'static str, reason: impl Into<String>) -> ConnectError {
    ConnectError::InvalidValue {
        key,
        reason: reason.into(),
    }
}

/// The process environment that resolution reads, as a value: the `PG…` variables, the home
/// directory, the operating system's user name and where Unix sockets may be. Tests build one;
/// [`Environment::current`] reads the real one.
#[derive(Clone, Default)]
pub struct Environment {
    variables: BTreeMap<String, String>,
    home: Option<PathBuf>,
    os_user: Option<String>,
    socket_dirs: Vec<PathBuf>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let variables: BTreeMap<&str, &str> = self
            .variables
            .iter()
            .map(|(name, value)| {
                let shown = if name == "PGPASSWORD" { "…" } else { value };
                (name.as_str(), shown)
            })
            .collect();
        f.debug_struct("Environment")
            .field("variables", &variables)
            .field("home", &self.home)
            .field("os_user", &self.os_user)
            .field("socket_dirs", &self.socket_dirs)
            .finish()
    }
}

impl Environment {
    /// No variables, no home, no user name, no socket directory.
    pub fn empty() -> Environment {
        Environment::default()
    }

    /// This process's: the `PG…` variables resolution reads, `HOME`, the user name and the
    /// socket directories libpq looks in.
    pub fn current() -> Environment {
        let mut environment = Environment {
            home: std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(PathBuf::from),
            os_user: os_user(),
            socket_dirs: vec!["/var/run/postgresql".into(), "/tmp".into()],
            ..Environment::default()
        };
        for (_, name) in VARIABLES {
            if let Ok(value) = std::env::var(name) {
                environment.variables.insert((*name).to_owned(), value);
            }
        }
        environment
    }

    /// With the variable `name` (`PGUSER`, ...) set to `value`.
    #[must_use]
    pub fn var(mut self, name: &str, value: &str) -> Environment {
        self.variables.insert(name.to_owned(), value.to_owned());
        self
    }

    /// With `home` as the home directory (for `~/.pgpass` and `~/.postgresql/root.crt`).
    #[must_use]
    pub fn home(mut self, home: impl Into<PathBuf>) -> Environment {
        self.home = Some(home.into());
        self
    }

    /// With `name` as the operating system's user name.
    #[must_use]
    pub fn os_user(mut self, name: &str) -> Environment {
        self.os_user = Some(name.to_owned());
        self
    }

    /// With these directories searched for the server's Unix socket when no host is given.
    #[must_use]
    pub fn socket_dirs(mut self, dirs: Vec<PathBuf>) -> Environment {
        self.socket_dirs = dirs;
        self
    }

    fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }
}

/// The operating system's name for this user: `USER`, `LOGNAME`, else the `/etc/passwd` entry of
/// the effective uid (containers often set neither variable).
fn os_user() -> Option<String> {
    for name in ["USER", "LOGNAME"] {
        if let Ok(value) = std::env::var(name)
            && !value.is_empty()
        {
            return Some(value);
        }
    }
    #[cfg(unix)]
    {
        let uid = rustix::process::geteuid().as_raw().to_string();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let _password = fields.next()?;
            (fields.next()? == uid).then(|| name.to_owned())
        })
    }
    #[cfg(not(unix))]
    None
}

/// How much TLS a connection asks for, libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain text only.
    Disable,
    /// Plain text first; TLS when the server refuses plain text.
    Allow,
    /// TLS when the server offers it, else plain text (the default).
    Prefer,
    /// TLS or nothing; the certificate is checked only against a root certificate file.
    Require,
    /// TLS, the certificate signed by a trusted root; the host name is not checked.
    VerifyCa,
    /// TLS, the certificate signed by a trusted root and made out to the host.
    VerifyFull,
}

impl SslMode {
    /// libpq's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(text: &str) -> Result<SslMode, ConnectError> {
        [
            SslMode::Disable,
            SslMode::Allow,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ]
        .into_iter()
        .find(|mode| mode.as_str() == text)
        .ok_or_else(|| {
            invalid(
                "sslmode",
                format!(
                    "\"{}\" is none of disable, allow, prefer, require, verify-ca, verify-full",
                    text.escape_debug()
                ),
            )
        })
    }
}

impl std::fmt::Display for SslMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The roots a server's certificate is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCertificates {
    /// The Mozilla roots (`webpki-roots`): `sslrootcert=system`, or the fallback when no root
    /// file is given or found.
    Mozilla,
    /// The certificates of a PEM file: `sslrootcert`, or `~/.postgresql/root.crt`.
    File(PathBuf),
}

impl std::fmt::Display for RootCertificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootCertificates::Mozilla => f.write_str("the Mozilla root certificates"),
            RootCertificates::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// What is checked of a server's certificate when TLS is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateCheck {
    /// Nothing (the handshake's signatures still are): `prefer` and `require` without a root
    /// file, as in libpq. Encrypts, but does not tell the server from an impostor.
    None,
    /// Signed by one of the roots: `verify-ca`, and `prefer`/`require` with a root file.
    Chain,
    /// Signed by one of the roots and made out to the host: `verify-full`.
    ChainAndName,
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or IP address, over TCP.
    Tcp(String),
    /// A directory holding the server's Unix socket (a host starting with `/`).
    Socket(PathBuf),
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Tcp(name) => f.write_str(name),
            Host::Socket(dir) => write!(f, "{}", dir.display()),
        }
    }
}

/// Everything needed to connect, resolved from a location and the environment.
#[derive(Clone)]
#[non_exhaustive]
pub struct ConnectionSettings {
    /// Where the server is.
    pub host: Host,
    /// Its port (for a Unix socket, the number in the socket's name).
    pub port: u16,
    /// The user name.
    pub user: String,
    password: Option<String>,
    /// The database.
    pub dbname: String,
    /// How much TLS to ask for.
    pub sslmode: SslMode,
    /// What the server's certificate is checked against.
    pub roots: RootCertificates,
    /// What is checked of it.
    pub check: CertificateCheck,
    /// The bound on connecting (TCP, TLS and authentication).
    pub connect_timeout: Duration,
    /// The name the server shows for the connection (`pg_stat_activity`).
    pub application_name: String,
    /// Server options sent at startup (`-c name=value ...`).
    pub options: Option<String>,
    /// Whether TCP keepalives are on.
    pub keepalives: bool,
    /// The idle time before the first keepalive probe.
    pub keepalives_idle: Duration,
    /// The password file the password came from, if it did.
    password_file: Option<PathBuf>,
    warnings: Vec<String>,
}

impl std::fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("roots", &self.roots)
            .field("check", &self.check)
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .field("options", &self.options)
            .field("keepalives", &self.keepalives)
            .field("keepalives_idle", &self.keepalives_idle)
            .field("password_file", &self.password_file)
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl ConnectionSettings {
    /// Resolves `location` (a `postgres://`/`postgresql://` URL or `key=value` words; empty
    /// means all from the environment) against `environment`, as libpq would. Reads the
    /// password file and looks for `~/.postgresql/root.crt` and the Unix socket; connects to
    /// nothing.
    pub fn resolve(
        location: &str,
        environment: &Environment,
    ) -> Result<ConnectionSettings, ConnectError> {
        let given = parse_location(location)?;
        let value = |key: &str| -> Option<String> {
            given
                .get(key)
                .filter(|value| !value.is_empty())
                .cloned()
                .or_else(|| {
                    VARIABLES
                        .iter()
                        .find(|(parameter, _)| *parameter == key)
                        .and_then(|(_, variable)| environment.variable(variable))
                        .map(str::to_owned)
                })
        };
        let mut warnings = Vec::new();

        let port = match value("port") {
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|port| *port != 0)
                // The value is not shown: in a URL with an unencoded `:` in the password, it
                // is part of the password.
                .ok_or_else(|| invalid("port", "it is not a port number (1 to 65535)"))?,
            None => 5432,
        };
        let host = match value("host") {
            Some(host) if host.contains(',') => {
                return Err(invalid("host", "several hosts are not supported; give one"));
            }
            Some(host) if host.starts_with('/') => Host::Socket(PathBuf::from(host)),
            Some(host) => Host::Tcp(host),
            None => environment
                .socket_dirs
                .iter()
                .find(|dir| dir.join(format!(".s.PGSQL.{port}")).exists())
                .map_or_else(
                    || Host::Tcp("localhost".to_owned()),
                    |dir| Host::Socket(dir.clone()),
                ),
        };
        let user = value("user")
            .or_else(|| environment.os_user.clone())
            .ok_or(ConnectError::NoUser)?;
        let dbname = value("dbname").unwrap_or_else(|| user.clone());
        let mut password_file = None;

        let password = match value("password") {
            Some(password) => Some(password),
            None => {
                let file = value("passfile")
                    .map(PathBuf::from)
                    .or_else(|| environment.home.as_ref().map(|home| home.join(".pgpass")));
                let host_name = match &host {
                    Host::Tcp(name) => name.as_str(),
                    Host::Socket(_) => "localhost",
                };
                match file {
                    Some(file) => match password_from_file(
                        &file,
                        &[host_name, &port.to_string(), &dbname, &user],
                    ) {
                        Ok(password) => {
                            if password.is_some() {
                                password_file = Some(file);
                            }
                            password
                        }
                        Err(warning) => {
                            warnings.push(warning);
                            None
                        }
                    },
                    None => None,
                }
            }
        };

        let sslmode_given = value("sslmode");
        let sslrootcert = value("sslrootcert");
        let system = sslrootcert.as_deref() == Some("system");
        let sslmode = match &sslmode_given {
            Some(mode) => SslMode::parse(mode)?,
            // libpq 16: `sslrootcert=system` makes verify-full the default.
            None if system => SslMode::VerifyFull,
            None => SslMode::Prefer,
        };
        if system && sslmode != SslMode::VerifyFull {
            return Err(invalid(
                "sslmode",
                format!(
                    "\"{sslmode}\" is too weak for sslrootcert=system (use verify-full), as in libpq"
                ),
            ));
        }
        let (roots, root_file_given) = match sslrootcert {
            Some(_) if system => (RootCertificates::Mozilla, false),
            Some(path) => (RootCertificates::File(PathBuf::from(path)), true),
            None => match environment
                .home
                .as_ref()
                .map(|home| home.join(".postgresql").join("root.crt"))
                .filter(|file| file.is_file())
            {
                Some(file) => (RootCertificates::File(file), true),
                None => (RootCertificates::Mozilla, false),
            },
        };
        let check = match sslmode {
            SslMode::VerifyFull => CertificateCheck::ChainAndName,
            SslMode::VerifyCa => CertificateCheck::Chain,
            _ if root_file_given => CertificateCheck::Chain,
            _ => CertificateCheck::None,
        };
        if let RootCertificates::File(path) = &roots
            && sslmode != SslMode::Disable
            && !path.is_file()
        {
            return Err(ConnectError::RootCertificates {
                path: path.clone(),
                reason: "no such file".to_owned(),
            });
        }

        let connect_timeout = match value("connect_timeout") {
            Some(text) => match text.trim().parse::<i64>() {
                Ok(seconds) if seconds <= 0 => DEFAULT_CONNECT_TIMEOUT,
                Ok(seconds) => Duration::from_secs(seconds.clamp(2, 24 * 3600) as u64),
                Err(_) => {
                    return Err(invalid(
                        "connect_timeout",
                        format!("\"{}\" is not a number of seconds", text.escape_debug()),
                    ));
                }
            },
            None => DEFAULT_CONNECT_TIMEOUT,
        };
        let keepalives = match value("keepalives").as_deref() {
            None | Some("1") => true,
            Some("0") => false,
            Some(other) => {
                return Err(invalid(
                    "keepalives",
                    format!("\"{}\" is neither 0 nor 1", other.escape_debug()),
                ));
            }
        };
        let keepalives_idle = match value("keepalives_idle") {
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|seconds| *seconds > 0)
                .map(Duration::from_secs)
                .ok_or_else(|| {
                    invalid(
                        "keepalives_idle",
                        format!("\"{}\" is not a number of seconds", text.escape_debug()),
                    )
                })?,
            None => Duration::from_secs(30),
        };

        Ok(ConnectionSettings {
            host,
            port,
            user,
            password,
            dbname,
            sslmode,
            roots,
            check,
            connect_timeout,
            application_name: value("application_name").unwrap_or_else(|| "confab".to_owned()),
            options: value("options"),
            keepalives,
            keepalives_idle,
            password_file,
            warnings,
        })
    }

    /// Whether a password was found (in the location, `PGPASSWORD` or the password file).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// What the user should know about the resolution, as sentences: a password file that was
    /// not read, and why.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The server's address for messages: `host:port`, or the socket's path.
    pub fn server(&self) -> String {
        match &self.host {
            Host::Tcp(name) if name.contains(':') => format!("[{name}]:{}", self.port),
            Host::Tcp(name) => format!("{name}:{}", self.port),
            Host::Socket(dir) => dir
                .join(format!(".s.PGSQL.{}", self.port))
                .display()
                .to_string(),
        }
    }

    /// A `postgres://` URL for these settings, password included (percent-encoded), for tools
    /// and tests that must hand the whole location on. Never show it.
    pub fn to_url_with_password(&self) -> String {
        let mut url = String::from("postgresql://");
        url.push_str(&percent_encode(&self.user));
        if let Some(password) = &self.password {
            url.push(':');
            url.push_str(&percent_encode(password));
        }
        url.push('@');
        match &self.host {
            Host::Tcp(name) if name.contains(':') => url.push_str(&format!("[{name}]")),
            Host::Tcp(name) => url.push_str(&percent_encode(name)),
            Host::Socket(dir) => url.push_str(&percent_encode(&dir.to_string_lossy())),
        }
        url.push_str(&format!(":{}/{}", self.port, percent_encode(&self.dbname)));
        url.push_str(&format!("?sslmode={}", self.sslmode));
        if let RootCertificates::File(path) = &self.roots {
            url.push_str("&sslrootcert=");
            url.push_str(&percent_encode(&path.to_string_lossy()));
        }
        url
    }

    /// The `postgres` crate's configuration, TLS mode aside (the caller sets it).
    pub(crate) fn config(&self) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .user(&self.user)
            .dbname(&self.dbname)
            .port(self.port)
            .application_name(&self.application_name)
            .connect_timeout(self.connect_timeout)
            .keepalives(self.keepalives)
            .keepalives_idle(self.keepalives_idle)
            .keepalives_interval(Duration::from_secs(10))
            .keepalives_retries(3);
        match &self.host {
            Host::Tcp(name) => config.host(name),
            #[cfg(unix)]
            Host::Socket(dir) => config.host_path(dir),
            #[cfg(not(unix))]
            Host::Socket(dir) => config.host(dir.to_string_lossy()),
        };
        if let Some(password) = &self.password {
            config.password(password);
        }
        if let Some(options) = &self.options {
            config.options(options);
        }
        config
    }
}

/// The password of the first line of the password file that matches `wanted` (host, port,
/// database, user); `Err` with a sentence when the file is not to be read.
fn password_from_file(file: &Path, wanted: &[&str; 4]) -> Result<Option<String>, String> {
    let Ok(metadata) = std::fs::metadata(file) else {
        return Ok(None); // no file: nothing to say, as libpq
    };
    if !metadata.is_file() {
        return Err(format!(
            "the password file {} is not a plain file: it was not read",
            file.display()
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o077 != 0 {
            return Err(format!(
                "the password file {} has group or world access; permissions should be u=rw \
                 (0600) or less: it was not read",
                file.display()
            ));
        }
    }
    let text = std::fs::read_to_string(file).map_err(|error| {
        format!(
            "the password file {} cannot be read ({error}): it was not read",
            file.display()
        )
    })?;
    Ok(text.lines().find_map(|line| pgpass_match(line, wanted)))
}

/// The password of one password file line, when its four fields match `wanted`.
fn pgpass_match(line: &str, wanted: &[&str; 4]) -> Option<String> {
    let line = line.trim_end_matches('\r');
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let mut chars = line.chars();
    for wanted in wanted {
        // One field: `*` alone is a wildcard; `\` escapes the next character.
        let mut field = String::new();
        let mut wildcard_possible = true;
        let mut ended = false;
        while let Some(c) = chars.next() {
            match c {
                ':' => {
                    ended = true;
                    break;
                }
                '\\' => {
                    wildcard_possible = false;
                    field.push(chars.next()?);
                }
                c => field.push(c),
            }
        }
        if !ended {
            return None; // fewer than five fields
        }
        let wildcard = wildcard_possible && field == "*";
        if !wildcard && field != *wanted {
            return None;
        }
    }
    // The password ends at the line's end or an unescaped `:`, as in libpq; a `\` at the very
    // end stays.
    let mut password = String::new();
    while let Some(c) = chars.next() {
        match c {
            ':' => break,
            '\\' => password.push(chars.next().unwrap_or('\\')),
            c => password.push(c),
        }
    }
    Some(password)
}

/// The parameters a location gives, by name; later ones win, as in libpq.
fn parse_location(location: &str) -> Result<BTreeMap<String, String>, ConnectError> {
    let location = location.trim();
    let pairs = if let Some(rest) = strip_scheme(location) {
        parse_url(rest)?
    } else if location.is_empty() {
        Vec::new()
    } else if location.contains('=') {
        lex_words(location)
            .map(|word| word.map(|(key, value, _)| (key, value)))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        return Err(ConnectError::Syntax(
            "expected a postgres:// or postgresql:// URL, or key=value words (host=... dbname=...)"
                .to_owned(),
        ));
    };
    let mut given = BTreeMap::new();
    for (key, value) in pairs {
        if !PARAMETERS.contains(&key.as_str()) {
            return Err(ConnectError::UnknownParameter(
                key.escape_debug().to_string(),
            ));
        }
        given.insert(key, value);
    }
    Ok(given)
}

fn strip_scheme(location: &str) -> Option<&str> {
    ["postgresql://", "postgres://"].iter().find_map(|scheme| {
        location
            .get(..scheme.len())
            .filter(|start| start.eq_ignore_ascii_case(scheme))
            .map(|_| &location[scheme.len()..])
    })
}

/// A URL's parts, as written (not yet decoded).
struct UrlParts<'a> {
    userinfo: Option<&'a str>,
    hostport: &'a str,
    path: Option<&'a str>,
    query: Option<&'a str>,
}

/// Splits what follows the scheme; `None` when the user information cannot be told from the
/// rest (an `@` after the host, or more than one before it: an `@`, `/` or `?` in a password
/// must be percent-encoded), or a parameter has no `=`.
fn split_url(rest: &str) -> Option<UrlParts<'_>> {
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (before_query, None),
    };
    if path.is_some_and(|path| path.contains('@'))
        || query.is_some_and(|query| query.split('&').any(|pair| !pair.contains('=')))
    {
        return None;
    }
    let (userinfo, hostport) = match authority.split_once('@') {
        Some((_, hostport)) if hostport.contains('@') => return None,
        Some((userinfo, hostport)) => (Some(userinfo), hostport),
        None => (None, authority),
    };
    Some(UrlParts {
        userinfo,
        hostport,
        path,
        query,
    })
}

fn parse_url(rest: &str) -> Result<Vec<(String, String)>, ConnectError> {
    let parts = split_url(rest).ok_or_else(|| {
        ConnectError::Syntax(
            "the URL's parts cannot be told apart (write @ / ? in a user name or password as \
             %40 %2F %3F), or a URL parameter has no \"=\""
                .to_owned(),
        )
    })?;
    let mut pairs = Vec::new();
    if let Some(userinfo) = parts.userinfo {
        let (user, password) = match userinfo.split_once(':') {
            Some((user, password)) => (user, Some(password)),
            None => (userinfo, None),
        };
        pairs.push(("user".to_owned(), decode(user, "user")?));
        if let Some(password) = password {
            pairs.push(("password".to_owned(), decode(password, "password")?));
        }
    }
    let (host, port) = if let Some(bracketed) = parts.hostport.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| invalid("host", "an IPv6 address opened with [ is not closed with ]"))?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':').ok_or_else(|| {
                invalid("host", "only :port may follow an IPv6 address in brackets")
            })?),
        };
        (host, port)
    } else {
        match parts.hostport.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (parts.hostport, None),
        }
    };
    if host.contains(',') {
        return Err(invalid("host", "several hosts are not supported; give one"));
    }
    if !host.is_empty() {
        pairs.push(("host".to_owned(), decode(host, "host")?));
    }
    if let Some(port) = port.filter(|port| !port.is_empty()) {
        pairs.push(("port".to_owned(), decode(port, "port")?));
    }
    if let Some(path) = parts.path.filter(|path| !path.is_empty()) {
        pairs.push(("dbname".to_owned(), decode(path, "dbname")?));
    }
    for pair in parts.query.unwrap_or("").split('&') {
        if pair.is_empty() {
            continue;
        }
        let (key, value) = pair.split_once('=').ok_or_else(|| {
            ConnectError::Syntax("a URL parameter has no \"=\" (expected key=value)".to_owned())
        })?;
        let key = decode(key, "URL parameter")?;
        let value = decode(value, "URL parameter")?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Percent-decodes a URL part; `what` names it in the error (never its text, which may be a
/// password).
fn decode(text: &str, what: &str) -> Result<String, ConnectError> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|hex| std::str::from_utf8(hex).ok())
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .ok_or_else(|| {
                    ConnectError::Syntax(format!(
                        "the URL's {what} has a % not followed by two hex digits"
                    ))
                })?;
            decoded.push(hex);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded)
        .map_err(|_| ConnectError::Syntax(format!("the URL's {what} is not UTF-8 once decoded")))
}

fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// libpq's `key=value` words: spaces around `=` allowed, a value in single quotes may hold
/// spaces, `\` escapes the next character. Each word with its span in `text`.
fn lex_words(
    text: &str,
) -> impl Iterator<Item = Result<(String, String, std::ops::Range<usize>), ConnectError>> + '_ {
    let mut chars = text.char_indices().peekable();
    let mut failed = false;
    let mut number = 0;
    std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let skip_spaces = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        };
        skip_spaces(&mut chars);
        let (start, _) = *chars.peek()?;
        number += 1;
        let mut fail = |why: String| {
            failed = true;
            Some(Err(ConnectError::Syntax(why)))
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        skip_spaces(&mut chars);
        if chars.next_if(|(_, c)| *c == '=').is_none() {
            return fail(format!(
                "word {number} is not key=value (expected host=... dbname=..., or a \
                 postgres:// URL)"
            ));
        }
        skip_spaces(&mut chars);
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '\'').is_some() {
            loop {
                match chars.next() {
                    Some((_, '\'')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c)) => value.push(c),
                        None => return fail(format!("the quoted value of {key} is not closed")),
                    },
                    Some((_, c)) => value.push(c),
                    None => return fail(format!("the quoted value of {key} is not closed")),
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        let end = chars.peek().map_or(text.len(), |(index, _)| *index);
        Some(Ok((key, value, start..end)))
    })
}

/// A store location to show a person: without the user name and password of a URL
/// (`postgres://user:secret@host/db` shows as `postgres://host/db`) and without a `password`
/// parameter (URL or `key=value`). Malformed text is cut rather than risk showing a password:
/// a URL loses everything up to its last `@`, `key=value` words end with `…` where they stop
/// making sense.
pub fn display_url(location: &str) -> String {
    let location = location.trim();
    if let Some(rest) = strip_scheme(location) {
        let scheme = &location[..location.len() - rest.len()];
        let (userless, query) = match split_url(rest) {
            Some(parts) => {
                let mut userless = parts.hostport.to_owned();
                if let Some(path) = parts.path {
                    userless.push('/');
                    userless.push_str(path);
                }
                (userless, parts.query)
            }
            // Malformed: everything up to the last `@` may be a password.
            None => {
                let after = rest.rsplit_once('@').map_or(rest, |(_, after)| after);
                match after.split_once('?') {
                    Some((before, query)) => (before.to_owned(), Some(query)),
                    None => (after.to_owned(), None),
                }
            }
        };
        let mut shown = format!("{scheme}{userless}");
        let kept: Vec<&str> = query
            .unwrap_or("")
            .split('&')
            .filter(|pair| {
                let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
                !key.is_empty()
                    && !decode(key, "").map_or(true, |key| key.eq_ignore_ascii_case("password"))
            })
            .collect();
        if !kept.is_empty() {
            shown.push('?');
            shown.push_str(&kept.join("&"));
        }
        shown
    } else {
        let mut kept = Vec::new();
        let mut cut = false;
        for word in lex_words(location) {
            match word {
                Ok((key, _, span)) if key != "password" => kept.push(&location[span]),
                Ok(_) => {}
                Err(_) => {
                    cut = true;
                    break;
                }
            }
        }
        if cut {
            kept.push("…");
        }
        kept.join(" ")
    }
}

/// A client connected as `settings` say, within their `connect_timeout`.
pub(crate) fn open(settings: &ConnectionSettings) -> Result<postgres::Client, StoreError> {
    use postgres::config::SslMode as Wire;
    // No TLS over a Unix socket, as in libpq: the server offers none there.
    let attempts: &[Wire] = match (&settings.host, settings.sslmode) {
        (Host::Socket(_), _) | (_, SslMode::Disable) => &[Wire::Disable],
        (_, SslMode::Allow) => &[Wire::Disable, Wire::Require],
        (_, SslMode::Prefer) => &[Wire::Prefer],
        (_, SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull) => &[Wire::Require],
    };
    let mut last = None;
    for mode in attempts {
        match attempt(settings, *mode) {
            Ok(client) => return Ok(client),
            // `allow`: plain text refused (no pg_hba.conf line for it), so TLS.
            Err(Failure::Postgres(error))
                if *mode == Wire::Disable
                    && error.code()
                        == Some(
                            &postgres::error::SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                        ) =>
            {
                last = Some(Failure::Postgres(error));
            }
            Err(failure) => return Err(failure.into_store_error(settings)),
        }
    }
    Err(last.unwrap_or(Failure::TimedOut).into_store_error(settings))
}

enum Failure {
    Setup(ConnectError),
    TimedOut,
    Refused(String, postgres::Error),
    Postgres(postgres::Error),
}

fn attempt(
    settings: &ConnectionSettings,
    mode: postgres::config::SslMode,
) -> Result<postgres::Client, Failure> {
    let mut config = settings.config();
    config.ssl_mode(mode);
    let (tls, refusal) =
        crate::tls::connector(settings.check, &settings.roots).map_err(Failure::Setup)?;
    let (sender, receiver) = std::sync::mpsc::channel();
    // The `postgres` crate bounds only the TCP connect; this bounds the TLS handshake and the
    // authentication too. On time out the thread is left to end on its own (its socket's
    // keepalives and the server's authentication_timeout end it).
    std::thread::spawn(move || {
        let _ = sender.send(config.connect(tls));
    });
    match receiver.recv_timeout(settings.connect_timeout) {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(error)) => {
            let refused = refusal.lock().ok().and_then(|mut slot| slot.take());
            Err(match refused {
                Some(why) => Failure::Refused(why, error),
                None => Failure::Postgres(error),
            })
        }
        Err(_) => Err(Failure::TimedOut),
    }
}

/// An error's text followed by its causes' (the `postgres` crate says "error performing TLS
/// handshake" and leaves the why to the cause).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

impl Failure {
    fn into_store_error(self, settings: &ConnectionSettings) -> StoreError {
        let server = settings.server();
        let (mut message, source): (String, Option<Box<dyn std::error::Error + Send + Sync>>) =
            match self {
                Failure::Setup(error) => (error.to_string(), Some(Box::new(error))),
                Failure::TimedOut => (
                    format!(
                        "cannot connect to {server}: no answer within {} s (connect_timeout)",
                        settings.connect_timeout.as_secs()
                    ),
                    None,
                ),
                Failure::Refused(why, error) => (
                    format!(
                        "cannot connect to {server}: {why} (sslmode={})",
                        settings.sslmode
                    ),
                    Some(Box::new(error)),
                ),
                Failure::Postgres(error) => {
                    let said = match error.as_db_error() {
                        Some(db) => match &settings.password_file {
                            Some(file)
                                if db.code() == &postgres::error::SqlState::INVALID_PASSWORD =>
                            {
                                format!(
                                    "{} (the password is from {})",
                                    db.message(),
                                    file.display()
                                )
                            }
                            _ => db.message().to_owned(),
                        },
                        None if !settings.has_password()
                            && with_causes(&error).contains("password missing") =>
                        {
                            "the server asks for a password, and none was given (in the \
                             location, PGPASSWORD or the password file)"
                                .to_owned()
                        }
                        None if error.to_string().contains("TLS") => {
                            format!("{} (sslmode={})", with_causes(&error), settings.sslmode)
                        }
                        None => with_causes(&error),
                    };
                    (
                        format!("cannot connect to {server}: {said}"),
                        Some(Box::new(error)),
                    )
                }
            };
        for warning in settings.warnings() {
            message.push_str("; ");
            message.push_str(warning);
        }
        StoreError::Backend { message, source }
    }
}

#[cfg(test)]
mod tests;
