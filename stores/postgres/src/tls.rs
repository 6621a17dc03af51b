//! TLS for the store's connections: rustls with the `ring` provider (the one confab's HTTP
//! client builds already), and a certificate check per libpq `sslmode`
//! ([`CertificateCheck`](crate::connect::CertificateCheck)).
//!
//! rustls' own verifier always checks the host name, and libpq's `require` and `verify-ca` do
//! not; so the verifier here is rustls' (webpki) for the chain, with the name's failure
//! forgiven for `verify-ca`, or no certificate check at all for `prefer`/`require` without a
//! root file. In every case the handshake's signatures are checked with the provider's
//! algorithms, so the server holds the key of the certificate it shows.
//!
//! A refused certificate is described in words ("not signed by a root in /path/root.crt")
//! through a slot the verifier fills, since the error that reaches the `postgres` crate has
//! only rustls' terse text.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use crate::connect::{CertificateCheck, ConnectError, RootCertificates};

/// Why the last certificate was refused, in words.
pub(crate) type Refusal = Arc<Mutex<Option<String>>>;

/// A TLS connector for the `postgres` crate checking what `check` says against `roots`, and the
/// slot where a refusal is described.
pub(crate) fn connector(
    check: CertificateCheck,
    roots: &RootCertificates,
) -> Result<(tokio_postgres_rustls::MakeRustlsConnect, Refusal), ConnectError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let refusal = Refusal::default();
    let verifier: Arc<dyn ServerCertVerifier> = match check {
        CertificateCheck::None => Arc::new(Unchecked {
            provider: provider.clone(),
        }),
        CertificateCheck::Chain | CertificateCheck::ChainAndName => {
            let store = root_store(roots)?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|error| ConnectError::RootCertificates {
                        path: match roots {
                            RootCertificates::File(path) => path.clone(),
                            RootCertificates::Mozilla => "webpki-roots".into(),
                        },
                        reason: error.to_string(),
                    })?;
            Arc::new(Checked {
                webpki,
                name_too: check == CertificateCheck::ChainAndName,
                roots: roots.to_string(),
                refusal: refusal.clone(),
            })
        }
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ConnectError::RootCertificates {
            path: "rustls".into(),
            reason: error.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((
        tokio_postgres_rustls::MakeRustlsConnect::new(config),
        refusal,
    ))
}

fn root_store(roots: &RootCertificates) -> Result<rustls::RootCertStore, ConnectError> {
    match roots {
        RootCertificates::Mozilla => Ok(rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        RootCertificates::File(path) => root_file(path),
    }
}

/// The certificates of a PEM file, every one a root.
fn root_file(path: &Path) -> Result<rustls::RootCertStore, ConnectError> {
    let fail = |reason: String| ConnectError::RootCertificates {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|error| fail(error.to_string()))?;
    let mut store = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        let certificate = certificate.map_err(|error| fail(format!("not PEM: {error}")))?;
        store
            .add(certificate)
            .map_err(|error| fail(format!("a certificate cannot be used: {error}")))?;
    }
    if store.is_empty() {
        return Err(fail("it holds no PEM certificate".to_owned()));
    }
    Ok(store)
}

/// `prefer`/`require` without a root file: any certificate, as libpq, but the handshake must be
/// signed by its key.
#[derive(Debug)]
struct Unchecked {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// `verify-ca` (the chain) and `verify-full` (the chain and the host name).
#[derive(Debug)]
struct Checked {
    webpki: Arc<WebPkiServerVerifier>,
    name_too: bool,
    roots: String,
    refusal: Refusal,
}

impl ServerCertVerifier for Checked {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let error = match verified {
            Ok(verified) => return Ok(verified),
            Err(error) => error,
        };
        // webpki checks the name last: failing on it means the chain is good.
        let name_only = matches!(
            error,
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
            )
        );
        if name_only && !self.name_too {
            return Ok(ServerCertVerified::assertion());
        }
        let why = match &error {
            // BadSignature: a root of the issuer's name that did not sign it.
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature,
            ) => format!(
                "the server's certificate is not signed by a root in {}",
                self.roots
            ),
            _ if name_only => format!(
                "the server's certificate is not made out to the host {}",
                server_name.to_str()
            ),
            rustls::Error::InvalidCertificate(
                CertificateError::Expired | CertificateError::ExpiredContext { .. },
            ) => "the server's certificate has expired".to_owned(),
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
            ) => "the server's certificate is not valid yet".to_owned(),
            other => format!("the server's certificate was refused: {other}"),
        };
        if let Ok(mut slot) = self.refusal.lock() {
            *slot = Some(why);
        }
        Err(error)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
