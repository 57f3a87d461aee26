//! Secrets from the environment or, Docker/systemd style, from a file named by `NAME_FILE`
//! (`/run/secrets/…`, `LoadCredential=`), so they never sit in an environment file or in
//! `docker inspect`.

use std::path::Path;

use super::{err, ConfigError};

/// Every variable that may carry a secret; each also accepts `NAME_FILE`.
pub const SECRET_VARS: &[&str] = &[
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_ACCESS_TOKEN",
    "ALERTA_PSEUDONYM_KEY",
    "DATABASE_URL",
];

/// The value of `name`, from the variable itself or from the file named by `name_FILE`
/// (its content with the trailing newline trimmed). Both at once is ambiguous: an error
/// naming both, rather than a silent choice an operator would not expect.
pub fn read(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<String>, ConfigError> {
    let file_var = format!("{name}_FILE");
    match (env(name), env(&file_var)) {
        (Some(_), Some(_)) => Err(err(
            &format!("{name} / {file_var}"),
            "están definidas las dos; defina solo una",
        )),
        (Some(value), None) => Ok(Some(value)),
        (None, Some(path)) => read_file(&file_var, Path::new(&path)).map(Some),
        (None, None) => Ok(None),
    }
}

/// The same, from the process environment, for commands that need one secret without a
/// whole configuration (`alerta simulate`, `alerta loadgen`).
pub fn from_process_env(name: &str) -> Result<Option<String>, ConfigError> {
    read(&|k| std::env::var(k).ok().filter(|v| !v.is_empty()), name)
}

fn read_file(file_var: &str, path: &Path) -> Result<String, ConfigError> {
    let source = format!("{file_var} ({})", path.display());
    let text = std::fs::read_to_string(path).map_err(|e| err(&source, e))?;
    // Editors and `echo` end files with a newline that is not part of the secret; any
    // other whitespace is kept, since it could be.
    let value = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if value.is_empty() {
        return Err(err(&source, "el archivo está vacío"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::super::Config;
    use super::*;

    fn load(vars: &[(&str, String)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        Config::load_with(move |k| map.get(k).cloned())
    }

    fn secret_file(dir: &Path, name: &str, content: &str) -> String {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }

    #[test]
    fn every_secret_is_read_from_its_file_without_the_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let c = load(&[
            (
                "WHATSAPP_APP_SECRET_FILE",
                secret_file(d, "a", "app-secret\n"),
            ),
            (
                "WHATSAPP_VERIFY_TOKEN_FILE",
                secret_file(d, "v", "verify\r\n"),
            ),
            (
                "WHATSAPP_ACCESS_TOKEN_FILE",
                secret_file(d, "t", "EAAG token"),
            ),
            (
                "ALERTA_PSEUDONYM_KEY_FILE",
                secret_file(d, "p", "pseudo key \n"),
            ),
            (
                "DATABASE_URL_FILE",
                secret_file(d, "db", "postgres://alerta:p%40ss@db/alerta\n"),
            ),
        ])
        .unwrap();
        let w = &c.whatsapp;
        assert_eq!(w.app_secret.as_ref().unwrap().expose(), "app-secret");
        assert_eq!(w.verify_token.as_ref().unwrap().expose(), "verify");
        assert_eq!(w.access_token.as_ref().unwrap().expose(), "EAAG token");
        assert_eq!(c.pseudonym_key.unwrap().expose(), "pseudo key ");
        assert_eq!(c.database_url, "postgres://alerta:p%40ss@db/alerta");
    }

    #[test]
    fn the_plain_variable_still_works_and_wins_over_nothing() {
        let c = load(&[("WHATSAPP_ACCESS_TOKEN", "plain".into())]).unwrap();
        assert_eq!(c.whatsapp.access_token.unwrap().expose(), "plain");
        assert!(c.whatsapp.app_secret.is_none());
    }

    #[test]
    fn both_forms_at_once_is_an_error_naming_both() {
        let dir = tempfile::tempdir().unwrap();
        for name in SECRET_VARS {
            let file_var = format!("{name}_FILE");
            let value = if *name == "DATABASE_URL" {
                "sqlite://x.db".to_owned()
            } else {
                "x".to_owned()
            };
            let e = load(&[
                (name, value.clone()),
                (&file_var, secret_file(dir.path(), name, &value)),
            ])
            .unwrap_err()
            .to_string();
            assert!(
                e.contains(&format!("{name} /")) && e.contains(&file_var),
                "{e}"
            );
        }
    }

    #[test]
    fn a_missing_or_empty_file_is_named() {
        let e = load(&[(
            "WHATSAPP_APP_SECRET_FILE",
            "/nonexistent/alerta-secret".into(),
        )])
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("WHATSAPP_APP_SECRET_FILE") && e.contains("/nonexistent/alerta-secret"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let empty = secret_file(dir.path(), "empty", "\n");
        let e = load(&[("WHATSAPP_VERIFY_TOKEN_FILE", empty)])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("WHATSAPP_VERIFY_TOKEN_FILE") && e.contains("vacío"),
            "{e}"
        );
    }
}
