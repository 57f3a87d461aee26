//! What the week's messages cost: the cost ledger (one line per billed message, from the
//! `pricing` of the status webhooks) priced with `[costs]` of `config/alerta.toml`. The
//! summary page, the XLSX and the Monday digest all show this same value.

use serde::Serialize;

use crate::config::CostRates;

/// Messages billed in a period, by pricing category and type, and their estimated cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MessageCosts {
    pub messages: u64,
    /// Category order (`utility`, `service`, …), then type.
    pub lines: Vec<CostLine>,
    pub cost_mxn: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostLine {
    pub category: String,
    pub category_es: String,
    pub kind: String,
    pub kind_es: String,
    pub messages: u64,
    pub rate_mxn: f64,
    pub cost_mxn: f64,
}

impl MessageCosts {
    /// Prices the ledger's (category, type, messages) lines.
    pub fn price(ledger: &[(String, String, i64)], rates: &CostRates) -> MessageCosts {
        let mut lines: Vec<CostLine> = ledger
            .iter()
            .map(|(category, kind, n)| {
                let messages = u64::try_from(*n).unwrap_or(0);
                let rate = rates.rate(category, kind);
                CostLine {
                    category: category.clone(),
                    category_es: category_es(category),
                    kind: kind.clone(),
                    kind_es: kind_es(kind).to_owned(),
                    messages,
                    rate_mxn: rate,
                    cost_mxn: cents(rate * messages as f64),
                }
            })
            .collect();
        lines.sort_by(|a, b| (&a.category, &a.kind).cmp(&(&b.category, &b.kind)));
        MessageCosts {
            messages: lines.iter().map(|l| l.messages).sum(),
            cost_mxn: cents(lines.iter().map(|l| l.cost_mxn).sum()),
            lines,
        }
    }

    /// Messages per category, in Spanish: "12 (utilidad 9, servicio 3)".
    pub fn messages_es(&self) -> String {
        let mut by_category: Vec<(String, u64)> = Vec::new();
        for l in &self.lines {
            match by_category.iter_mut().find(|(c, _)| *c == l.category_es) {
                Some((_, n)) => *n += l.messages,
                None => by_category.push((l.category_es.clone(), l.messages)),
            }
        }
        if by_category.is_empty() {
            return "0".to_owned();
        }
        let parts: Vec<String> = by_category
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        format!("{} ({})", self.messages, parts.join(", "))
    }

    /// "$1,234.50 MXN (estimado)".
    pub fn cost_es(&self) -> String {
        format!("{} MXN (estimado)", pesos(self.cost_mxn))
    }
}

/// Rounded to the centavo, so sums read as the figures they are (0.45, not 0.4499…).
fn cents(amount: f64) -> f64 {
    (amount * 100.0).round() / 100.0
}

/// "$1,234.50".
pub fn pesos(amount: f64) -> String {
    let cents = (amount * 100.0).round() as i64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// Meta's pricing categories as coordinators read them.
pub fn category_es(category: &str) -> String {
    let (base, group) = match category.strip_prefix("group_") {
        Some(base) => (base, true),
        None => (category, false),
    };
    let word = match base {
        "utility" => "utilidad",
        "service" => "servicio",
        "marketing" => "marketing",
        "authentication" => "autenticación",
        "authentication_international" => "autenticación internacional",
        "marketing_lite" => "marketing lite",
        "referral_conversion" => "conversión por referencia",
        other => other,
    };
    if group {
        format!("{word} (grupo)")
    } else {
        word.to_owned()
    }
}

fn kind_es(kind: &str) -> &str {
    match kind {
        "regular" => "cobrado",
        "free_customer_service" => "gratis (atención al cliente)",
        "free_entry_point" => "gratis (punto de entrada)",
        "free_group_customer_service" => "gratis (atención en grupo)",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates() -> CostRates {
        CostRates(
            [("utility", 0.15), ("marketing", 0.55), ("other", 0.2)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    #[test]
    fn prices_each_line_and_free_types_cost_nothing() {
        let ledger = vec![
            ("utility".to_owned(), "regular".to_owned(), 10),
            ("service".to_owned(), "free_customer_service".to_owned(), 3),
            ("group_utility".to_owned(), "regular".to_owned(), 4),
            ("novel".to_owned(), "regular".to_owned(), 1),
        ];
        let c = MessageCosts::price(&ledger, &rates());
        assert_eq!(c.messages, 18);
        // 10 × 0.15 + 4 × 0.15 (group at its base rate) + 1 × 0.2 (other)
        assert!((c.cost_mxn - 2.3).abs() < 1e-9, "{}", c.cost_mxn);
        assert_eq!(
            c.messages_es(),
            "18 (utilidad (grupo) 4, novel 1, servicio 3, utilidad 10)"
        );
        assert_eq!(c.cost_es(), "$2.30 MXN (estimado)");
        assert_eq!(MessageCosts::default().messages_es(), "0");
    }

    #[test]
    fn pesos_are_grouped() {
        assert_eq!(pesos(1234567.891), "$1,234,567.89");
        assert_eq!(pesos(0.0), "$0.00");
        assert_eq!(pesos(999.995), "$1,000.00");
    }
}
