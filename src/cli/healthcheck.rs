//! `alerta healthcheck`: asks a running `alerta serve` whether it is ready, for a container's
//! `HEALTHCHECK` and a systemd unit, where neither curl nor wget is installed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;

#[derive(clap::Args)]
pub struct HealthcheckArgs {
    /// URL base del servicio, p. ej. http://127.0.0.1:8080 (por defecto, la dirección en la
    /// que escucha: ALERTA_BIND / server.bind).
    #[arg(long)]
    url: Option<String>,
    /// Segundos de espera de cada respuesta.
    #[arg(long, default_value_t = 5)]
    timeout: u64,
    /// Sigue preguntando hasta estos segundos a que el servicio esté listo (para el
    /// ExecStartPost= de una unidad); sin ella, pregunta una vez.
    #[arg(long, default_value_t = 0)]
    wait: u64,
}

/// Exit 0 when `/readyz` answers "ready"; otherwise 1 with one line saying why (Docker and
/// systemd show the last line of output of a failed check).
pub fn healthcheck(args: &HealthcheckArgs) -> anyhow::Result<ExitCode> {
    let base = match &args.url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => match Config::load() {
            Ok(config) => format!("http://{}", local_addr(config.bind)),
            Err(e) => return Ok(unhealthy(&format!("configuración inválida: {e}"))),
        },
    };
    let url = format!("{base}/readyz");
    let timeout = Duration::from_secs(args.timeout.max(1));
    let patience = Duration::from_secs(args.wait);
    let verdict = super::runtime()?.block_on(async {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let verdict = probe(&url, timeout).await;
            if verdict.is_ok() || tokio::time::Instant::now() >= deadline {
                return verdict;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    Ok(match verdict {
        Ok(summary) => {
            println!("listo: {summary}");
            ExitCode::SUCCESS
        }
        Err(reason) => unhealthy(&reason),
    })
}

fn unhealthy(reason: &str) -> ExitCode {
    eprintln!("no saludable: {reason}");
    ExitCode::FAILURE
}

/// A server bound to every interface is reached through loopback.
fn local_addr(bind: SocketAddr) -> SocketAddr {
    match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), bind.port())
        }
        _ => bind,
    }
}

async fn probe(url: &str, timeout: Duration) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport_reason(url, timeout, &e))?;
    let status = response.status();
    let body: serde_json::Value = match response.json().await {
        Ok(v) => v,
        Err(e) if e.is_timeout() => return Err(timed_out(url, timeout)),
        Err(_) => serde_json::Value::Null,
    };
    let database = body["database"].as_str().unwrap_or("desconocida");
    if status.is_success() && body["status"] == "ready" {
        let sending = body["sending"].as_str().unwrap_or("desconocido");
        return Ok(format!("base de datos {database}, envío {sending}"));
    }
    if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
        return Err(format!(
            "{url} responde HTTP 503: la base de datos ({database}) no responde"
        ));
    }
    Err(format!(
        "{url} responde HTTP {} sin \"ready\" (¿es un servicio alerta?)",
        status.as_u16()
    ))
}

fn transport_reason(url: &str, timeout: Duration, e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return timed_out(url, timeout);
    }
    let refused = std::iter::successors(Some(e as &dyn std::error::Error), |e| e.source())
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        return format!("conexión rechazada en {url} (¿está corriendo alerta serve?)");
    }
    if e.is_builder() {
        return format!("URL inválida: {url}");
    }
    format!("no se pudo consultar {url}: {}", innermost(e))
}

fn timed_out(url: &str, timeout: Duration) -> String {
    format!("{url} no respondió en {} s", timeout.as_secs())
}

/// reqwest's outer message ("error sending request") says nothing; the cause does.
fn innermost(e: &reqwest::Error) -> String {
    std::iter::successors(Some(e as &dyn std::error::Error), |e| e.source())
        .last()
        .map_or_else(|| e.to_string(), |e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_binds_are_probed_through_loopback() {
        let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(local_addr(v4).to_string(), "127.0.0.1:8080");
        let v6: SocketAddr = "[::]:9000".parse().unwrap();
        assert_eq!(local_addr(v6).to_string(), "[::1]:9000");
        let own: SocketAddr = "10.0.0.5:8080".parse().unwrap();
        assert_eq!(local_addr(own), own);
    }
}
