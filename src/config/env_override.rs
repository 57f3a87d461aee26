//! The generic `ALERTA_<SECTION>__<KEY>` override: every key of `config/alerta.toml` can be
//! set from the environment (containers and systemd units configure that way), without a
//! variable per option. The key's type in the embedded defaults decides how the value is
//! read, so `ALERTA_SERVER__CONNECTION_LIMIT=abc` is an error naming the variable instead of
//! a string where a number belongs.

use super::{err, ConfigError};

/// The variable that overrides `section.key`.
pub fn var_name(section: &str, key: &str) -> String {
    format!(
        "ALERTA_{}__{}",
        section.to_ascii_uppercase(),
        key.to_ascii_uppercase()
    )
}

/// Applies every `ALERTA_<SECTION>__<KEY>` that `env` has onto `merged`, for the keys the
/// defaults define (which are all of them: the defaults file lists every key).
pub fn apply(
    defaults: &toml::Table,
    merged: &mut toml::Table,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    for (section, keys) in defaults {
        let toml::Value::Table(keys) = keys else {
            continue;
        };
        for (key, default) in keys {
            let var = var_name(section, key);
            let Some(text) = env(&var) else { continue };
            let value = parse_like(default, &text).map_err(|why| err(&var, why))?;
            if let Some(toml::Value::Table(t)) = merged.get_mut(section) {
                t.insert(key.clone(), value);
            }
        }
    }
    Ok(())
}

/// `text` read as a value of the same type as `default`.
fn parse_like(default: &toml::Value, text: &str) -> Result<toml::Value, String> {
    use toml::Value;
    Ok(match default {
        Value::String(_) => Value::String(text.to_owned()),
        Value::Integer(_) => Value::Integer(
            text.trim()
                .parse()
                .map_err(|_| format!("{text:?}: se esperaba un número entero"))?,
        ),
        Value::Float(_) => Value::Float(
            text.trim()
                .parse()
                .map_err(|_| format!("{text:?}: se esperaba un número"))?,
        ),
        Value::Boolean(_) => match text.trim() {
            "true" | "1" => Value::Boolean(true),
            "false" | "0" => Value::Boolean(false),
            _ => return Err(format!("{text:?}: use true o false")),
        },
        // Lists as TOML (`["10.0.0.2", "10.0.0.0/8"]`); an empty value is an empty list.
        Value::Array(_) => {
            if text.trim().is_empty() {
                Value::Array(Vec::new())
            } else {
                let doc: toml::Table = format!("v = {text}").parse().map_err(|_| {
                    format!("{text:?}: se esperaba una lista TOML, p. ej. [\"a\", \"b\"]")
                })?;
                match doc.get("v") {
                    Some(v @ Value::Array(_)) => v.clone(),
                    _ => return Err(format!("{text:?}: se esperaba una lista TOML")),
                }
            }
        }
        other => {
            return Err(format!(
                "no se puede fijar un valor {} desde el entorno",
                other.type_str()
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> toml::Table {
        "[server]\nconnection_limit = 0\nbind = \"x\"\n[web]\ntrusted_proxies = []\nsecure = true\n[costs]\nutility = 0.15\n"
            .parse()
            .unwrap()
    }

    #[test]
    fn values_take_the_defaults_type_and_bad_ones_name_the_variable() {
        let d = defaults();
        let mut merged = d.clone();
        let env = |k: &str| match k {
            "ALERTA_SERVER__CONNECTION_LIMIT" => Some("500".to_owned()),
            "ALERTA_WEB__TRUSTED_PROXIES" => Some("[\"10.0.0.2\"]".to_owned()),
            "ALERTA_WEB__SECURE" => Some("false".to_owned()),
            "ALERTA_COSTS__UTILITY" => Some("0.2".to_owned()),
            _ => None,
        };
        apply(&d, &mut merged, &env).unwrap();
        assert_eq!(merged["server"]["connection_limit"].as_integer(), Some(500));
        assert_eq!(merged["server"]["bind"].as_str(), Some("x"));
        assert_eq!(
            merged["web"]["trusted_proxies"][0].as_str(),
            Some("10.0.0.2")
        );
        assert_eq!(merged["web"]["secure"].as_bool(), Some(false));
        assert_eq!(merged["costs"]["utility"].as_float(), Some(0.2));

        let mut merged = d.clone();
        let bad = |k: &str| (k == "ALERTA_SERVER__CONNECTION_LIMIT").then(|| "muchas".to_owned());
        let e = apply(&d, &mut merged, &bad).unwrap_err();
        assert!(
            e.to_string().contains("ALERTA_SERVER__CONNECTION_LIMIT"),
            "{e}"
        );
        assert!(e.to_string().contains("entero"), "{e}");
    }
}
