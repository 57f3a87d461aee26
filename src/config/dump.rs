//! `alerta config dump`: the effective configuration as TOML (defaults, `ALERTA_CONFIG`,
//! then the environment), loadable again as an `ALERTA_CONFIG` file. Secrets never appear:
//! a header comment says which are set, and a password in the database URL is masked.

use super::Config;

/// Writes what the environment-specific variables decided back into the merged table, so
/// the dump shows what the process would really use.
pub(super) fn effective(mut merged: toml::Table, c: &Config) -> toml::Table {
    let mut set = |section: &str, key: &str, value: toml::Value| {
        if let Some(toml::Value::Table(t)) = merged.get_mut(section) {
            t.insert(key.to_owned(), value);
        }
    };
    let s = |v: String| toml::Value::String(v);
    set("server", "bind", s(c.bind.to_string()));
    set("database", "url", s(redact_url(&c.database_url)));
    set("registry", "dir", s(c.registry_dir.display().to_string()));
    set("triage", "rules", s(c.triage_rules.display().to_string()));
    set("triage", "model", s(c.triage_model.display().to_string()));
    set(
        "triage",
        "vectors",
        s(c.triage_vectors.display().to_string()),
    );
    set("notify", "replies", s(c.replies.display().to_string()));
    set("notify", "workers", toml::Value::Boolean(c.workers));
    set("whatsapp", "api_base", s(c.whatsapp.api_base.clone()));
    set("media", "dir", s(c.media.dir.display().to_string()));
    set("log", "filter", s(c.log_filter.clone()));
    let format = match c.log_format {
        super::LogFormat::Text => "text",
        super::LogFormat::Json => "json",
    };
    set("log", "format", s(format.to_owned()));
    let listen = c.metrics_listen.map_or_else(String::new, |a| a.to_string());
    set("metrics", "listen", s(listen));
    merged
}

/// The dump's text.
pub fn render(c: &Config) -> String {
    let said = |set: bool| {
        if set {
            "definido (oculto)"
        } else {
            "no definido"
        }
    };
    let wa = &c.whatsapp;
    let mut out = String::from(
        "# Configuración efectiva de alerta (alerta config dump): valores por defecto,\n\
         # ALERTA_CONFIG y variables de entorno. Los secretos no se muestran.\n",
    );
    for (name, set) in [
        ("WHATSAPP_APP_SECRET", wa.app_secret.is_some()),
        ("WHATSAPP_VERIFY_TOKEN", wa.verify_token.is_some()),
        ("WHATSAPP_ACCESS_TOKEN", wa.access_token.is_some()),
        ("ALERTA_PSEUDONYM_KEY", c.pseudonym_key.is_some()),
    ] {
        out.push_str(&format!("# {name}: {}\n", said(set)));
    }
    out.push_str(&format!(
        "# WHATSAPP_PHONE_NUMBER_ID: {}\n\n",
        wa.phone_number_id.as_deref().unwrap_or("no definido")
    ));
    // A table of plain values always serialises; fall back to saying so rather than panic.
    out.push_str(
        &toml::to_string(&c.effective)
            .unwrap_or_else(|e| format!("# no se pudo escribir la configuración: {e}\n")),
    );
    out
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            redact_url("postgres://alerta:s3cr3t@db:5432/alerta?sslmode=require"),
            "postgres://alerta:***@db:5432/alerta?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://alerta@db/alerta"),
            "postgres://alerta@db/alerta"
        );
        assert_eq!(
            redact_url("sqlite://data/alerta.db"),
            "sqlite://data/alerta.db"
        );
    }

    #[test]
    fn the_dump_applies_the_environment_hides_secrets_and_loads_again() {
        let c = Config::load_with(|k| match k {
            "WHATSAPP_APP_SECRET" => Some("s3cret-app".into()),
            "DATABASE_URL" => Some("postgres://alerta:pw-123@db/alerta".into()),
            "ALERTA_SERVER__CONNECTION_LIMIT" => Some("321".into()),
            "ALERTA_BIND" => Some("0.0.0.0:9000".into()),
            _ => None,
        })
        .unwrap();
        let text = render(&c);
        assert!(!text.contains("s3cret-app"), "{text}");
        assert!(!text.contains("pw-123"), "{text}");
        assert!(
            text.contains("# WHATSAPP_APP_SECRET: definido (oculto)"),
            "{text}"
        );
        assert!(
            text.contains("# WHATSAPP_ACCESS_TOKEN: no definido"),
            "{text}"
        );
        assert!(text.contains("connection_limit = 321"), "{text}");
        assert!(text.contains("bind = \"0.0.0.0:9000\""), "{text}");
        assert!(
            text.contains("url = \"postgres://alerta:***@db/alerta\""),
            "{text}"
        );
        // The dump is a valid ALERTA_CONFIG file that gives the same settings.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dump.toml");
        std::fs::write(&path, &text).unwrap();
        let file = path.display().to_string();
        let again = Config::load_with(|k| (k == "ALERTA_CONFIG").then(|| file.clone())).unwrap();
        assert_eq!(again.connections.limit, Some(321));
        assert_eq!(again.bind.port(), 9000);
    }
}
