//! Outbound TLS trusts the host's CA store, not a list compiled into the binary: a CA the
//! data centre installs (a TLS-inspecting proxy's, here given through `SSL_CERT_FILE`, which
//! the native store honours like `/etc/ssl/certs`) is trusted, and a server whose CA the host
//! does not know is refused. Driven through `alerta healthcheck`, whose client is built like
//! the Graph API's (reqwest's defaults with `rustls-tls-native-roots`).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A CA as an inspecting proxy has one: its certificate (PEM) and what it signs with.
fn certificate_authority(name: &str) -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

/// A TLS server on loopback, with a certificate from `issuer`, that answers every request
/// the way `/readyz` of a ready alerta does.
async fn ready_server(issuer: &Issuer<'static, KeyPair>) -> u16 {
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake is the client's verdict; nothing to answer then.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"status":"ready","database":"sqlite","sending":"activo"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

/// `alerta healthcheck` against `port` with `SSL_CERT_FILE` holding `ca_pem`.
async fn healthcheck_trusting(ca_pem: &str, port: u16) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_alerta"))
        .args(["healthcheck", "--timeout", "10", "--url"])
        .arg(format!("https://127.0.0.1:{port}"))
        .env("SSL_CERT_FILE", &ca_file)
        .env_remove("SSL_CERT_DIR")
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_ca_installed_on_the_host_is_trusted() {
    let (proxy_ca, proxy) = certificate_authority("Proxy de inspección TLS (prueba)");
    let port = ready_server(&proxy).await;
    let out = healthcheck_trusting(&proxy_ca, port).await;
    assert!(
        out.status.success(),
        "healthcheck over TLS failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("listo"));
}

#[tokio::test]
async fn a_server_whose_ca_the_host_does_not_know_is_refused() {
    let (_, proxy) = certificate_authority("Proxy de inspección TLS (prueba)");
    let (other_ca, _) = certificate_authority("Otra autoridad (prueba)");
    let port = ready_server(&proxy).await;
    let out = healthcheck_trusting(&other_ca, port).await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.to_lowercase().contains("certificate"),
        "the refusal names the certificate: {stderr}"
    );
}
