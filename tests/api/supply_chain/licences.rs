//! `deny.toml`'s licence policy applied to every crate of the lock file. cargo-deny 0.20
//! leaves the workspace's dev-dependencies out of the graph it checks (they are missing
//! from `cargo deny list`), so the crates only the tests use are checked here.

use std::collections::BTreeSet;

/// What `deny.toml` allows: licences for every crate, and per-crate exceptions.
pub struct Policy {
    allow: BTreeSet<String>,
    exceptions: Vec<(String, BTreeSet<String>)>,
}

impl Policy {
    pub fn from_deny_toml(text: &str) -> Policy {
        let cfg: toml::Value = toml::from_str(text).expect("deny.toml is TOML");
        let strings = |v: &toml::Value| -> BTreeSet<String> {
            v.as_array()
                .expect("a list of licences")
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        };
        let licences = &cfg["licenses"];
        let exceptions = licences
            .get("exceptions")
            .and_then(toml::Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|e| {
                        (
                            e["crate"].as_str().unwrap().to_owned(),
                            strings(&e["allow"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Policy {
            allow: strings(&licences["allow"]),
            exceptions,
        }
    }

    /// Whether `krate` may be used under `expression`: some way of satisfying the
    /// expression (one branch of each OR, every term of each AND) uses allowed licences.
    pub fn permits(&self, krate: &str, expression: &str) -> bool {
        let extra = self
            .exceptions
            .iter()
            .filter(|(name, _)| name == krate)
            .flat_map(|(_, allow)| allow.iter());
        let allowed: BTreeSet<&str> = self.allow.iter().chain(extra).map(String::as_str).collect();
        let tokens = tokenize(expression);
        let mut pos = 0;
        let ok = or_expr(&tokens, &mut pos, &allowed);
        assert_eq!(
            pos,
            tokens.len(),
            "cannot parse licence {expression:?} of {krate}"
        );
        ok
    }
}

fn tokenize(expression: &str) -> Vec<String> {
    expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn or_expr(t: &[String], pos: &mut usize, allowed: &BTreeSet<&str>) -> bool {
    let mut ok = and_expr(t, pos, allowed);
    while t.get(*pos).is_some_and(|w| w == "OR") {
        *pos += 1;
        ok |= and_expr(t, pos, allowed);
    }
    ok
}

fn and_expr(t: &[String], pos: &mut usize, allowed: &BTreeSet<&str>) -> bool {
    let mut ok = term(t, pos, allowed);
    while t.get(*pos).is_some_and(|w| w == "AND") {
        *pos += 1;
        ok &= term(t, pos, allowed);
    }
    ok
}

/// A licence id (with `WITH exception`), or a parenthesised expression.
fn term(t: &[String], pos: &mut usize, allowed: &BTreeSet<&str>) -> bool {
    if t.get(*pos).is_some_and(|w| w == "(") {
        *pos += 1;
        let ok = or_expr(t, pos, allowed);
        assert_eq!(
            t.get(*pos).map(String::as_str),
            Some(")"),
            "unbalanced parentheses"
        );
        *pos += 1;
        return ok;
    }
    let mut id = t[*pos].clone();
    *pos += 1;
    if t.get(*pos).is_some_and(|w| w == "WITH") {
        id = format!("{id} WITH {}", t[*pos + 1]);
        *pos += 2;
    }
    allowed.contains(id.as_str())
}

#[cfg(test)]
mod tests {
    use super::Policy;

    #[test]
    fn expressions_are_read_as_spdx_means_them() {
        let p = Policy::from_deny_toml(
            "[licenses]\nallow = [\"MIT\", \"Unicode-3.0\"]\n\
             exceptions = [{ crate = \"webdriver\", allow = [\"MPL-2.0\"] }]\n",
        );
        assert!(p.permits("a", "MIT OR LGPL-2.1-or-later"));
        assert!(p.permits("a", "(MIT OR Apache-2.0) AND Unicode-3.0"));
        assert!(!p.permits("a", "MIT AND BSD-3-Clause"));
        assert!(!p.permits("a", "GPL-3.0-only"));
        assert!(!p.permits("a", "Apache-2.0 WITH LLVM-exception"));
        assert!(p.permits("webdriver", "MPL-2.0"));
        assert!(!p.permits("other", "MPL-2.0"));
    }
}
