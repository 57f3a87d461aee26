//! The weekly summary as the web page shows it: every figure already in Spanish words and
//! formats, the tables in the same order as the XLSX "Resumen" sheet, and the two charts.
//! Pure on purpose: the web handler fetches the rows, this only arranges them, so the page
//! and the workbook cannot count differently.

use chrono_tz::Tz;

use super::charts::{ack_times_svg, category_weeks_svg, CHART_WEEKS};
use super::colonia::UNKNOWN_COLONIA;
use super::costs::pesos;
use super::csv::local_time_text;
use super::pending::PendingItem;
use super::stats::{format_duration_es, DurationStats};
use super::summary::{series, RequestRow, WeeklySummary, PREVIOUS_WEEKS};
use super::trends::{mean_es, Trend};
use crate::vocab::labels::{category_es, category_rank, priority_es, status_es};

/// What the summary page shows, ready for the template.
pub struct SummaryPage {
    pub total: u64,
    pub merged: u64,
    /// "75 % (3 de 4 plazos cumplidos)", or "sin plazos cumplidos" when no deadline was
    /// reached yet.
    pub within_deadline: String,
    pub deadlines_within: u64,
    pub deadlines_late: u64,
    pub deadlines_not_yet_due: u64,
    /// What the deadlines are and how they are counted, from the configuration.
    pub deadline_legend: Vec<String>,
    /// Requests still open or acknowledged, oldest first.
    pub pending: Vec<PendingRow>,
    pub pending_total: u64,
    /// Pending requests beyond the list (the queue link shows them).
    pub pending_hidden: u64,
    /// The week's requests by the colonia where each happened.
    pub colonias: Vec<ColoniaRow>,
    pub ack_median: String,
    pub ack_p90: String,
    pub resolve_median: String,
    pub resolve_p90: String,
    pub open_at_week_end: u64,
    /// Column heads of the category × municipality table.
    pub municipalities: Vec<String>,
    pub categories: Vec<CategoryRow>,
    /// The table's last row, one per municipality.
    pub municipality_totals: Vec<u64>,
    pub groups: Vec<GroupRow>,
    pub changes: Vec<ChangeRow>,
    pub previous_weeks: usize,
    /// SVG markup built by `charts`, which escapes every label it writes.
    pub category_chart: String,
    pub ack_chart: String,
    /// Messages sent in the week, by pricing category and type (the cost ledger).
    pub messages: Vec<MessageRow>,
    /// "12 (utilidad 9, servicio 3)".
    pub messages_total: String,
    /// "$1.35 MXN (estimado)".
    pub messages_cost: String,
    /// Colonias and categories far above their own previous weeks, strongest first.
    pub trends: Vec<TrendRow>,
}

pub struct TrendRow {
    pub category: String,
    pub colonia: String,
    pub municipality: String,
    pub count: u64,
    /// "3", "2.4".
    pub mean: String,
    /// The previous weeks' counts, oldest first: "3 · 2 · 4 · 3 · 3 · 2 · 4 · 3".
    pub weeks: String,
}

pub struct PendingRow {
    pub folio: String,
    /// `/reportes/{folio}`, escaped for a path.
    pub href: String,
    /// "2026-02-10 08:00".
    pub received: String,
    /// "3 d 4 h".
    pub age: String,
    pub category: String,
    pub priority: String,
    /// `data-prioridad`, the machine name (styling).
    pub priority_key: String,
    pub status: String,
    pub overdue: bool,
    pub group: String,
    pub colonia: String,
    /// "sin asignar" when nobody took it yet.
    pub handler: String,
}

pub struct ColoniaRow {
    pub colonia: String,
    pub municipality: String,
    pub count: u64,
    pub pending: u64,
    pub known: bool,
}

pub struct MessageRow {
    pub category: String,
    pub kind: String,
    pub count: u64,
    /// "$0.15".
    pub rate: String,
    pub cost: String,
}

pub struct CategoryRow {
    /// The machine name, for `data-categoria` (tests and styling).
    pub key: String,
    pub label: String,
    /// In the order of `SummaryPage::municipalities`.
    pub cells: Vec<u64>,
    pub total: u64,
}

pub struct GroupRow {
    pub name: String,
    pub kind: String,
    pub count: u64,
}

pub struct ChangeRow {
    pub label: String,
    pub this_week: u64,
    /// "1.5": the mean of the previous weeks, one decimal.
    pub previous_avg: String,
    /// "+50 %", "−25 %", "sin base previa".
    pub change: String,
}

/// The legend's heading, on the page and in the "Resumen" sheet.
pub const DEADLINE_LEGEND_TITLE: &str = "Plazos de acuse";

/// Arranges `s` (computed in `tz`) and charts the twelve weeks of `rows` ending with it.
pub fn summary_page(s: &WeeklySummary, tz: Tz, rows: &[RequestRow]) -> SummaryPage {
    let municipalities: Vec<String> = s.by_municipality.keys().cloned().collect();
    let mut keys: Vec<&String> = s.by_category_municipality.keys().collect();
    keys.sort_by_key(|c| category_rank(c));
    let categories = keys
        .into_iter()
        .map(|cat| {
            let per_muni = &s.by_category_municipality[cat];
            CategoryRow {
                key: cat.clone(),
                label: category_es(cat).to_owned(),
                cells: municipalities
                    .iter()
                    .map(|m| per_muni.get(m).copied().unwrap_or(0))
                    .collect(),
                total: s.by_category.get(cat).copied().unwrap_or(0),
            }
        })
        .collect();
    let d = &s.ack_within_deadline;
    let (ack_median, ack_p90) = durations(&s.time_to_ack);
    let (resolve_median, resolve_p90) = durations(&s.time_to_resolve);
    let weeks = s.week.last_n(CHART_WEEKS);
    SummaryPage {
        total: s.total,
        merged: s.merged_reports,
        within_deadline: match d.share {
            Some(share) => format!(
                "{} ({} de {} plazos cumplidos)",
                percent(share),
                d.within,
                d.within + d.late
            ),
            None => "sin plazos cumplidos".to_owned(),
        },
        deadlines_within: d.within,
        deadlines_late: d.late,
        deadlines_not_yet_due: d.not_yet_due,
        deadline_legend: s.deadline_legend.clone(),
        pending: s.pending.iter().map(|p| pending_row(p, tz)).collect(),
        pending_total: s.pending_total,
        pending_hidden: s.pending_total.saturating_sub(s.pending.len() as u64),
        colonias: s
            .by_colonia
            .iter()
            .map(|c| ColoniaRow {
                known: c.colonia != UNKNOWN_COLONIA,
                colonia: c.colonia.clone(),
                municipality: c.municipality.clone(),
                count: c.count,
                pending: c.pending,
            })
            .collect(),
        ack_median,
        ack_p90,
        resolve_median,
        resolve_p90,
        open_at_week_end: s.open_at_week_end,
        municipality_totals: municipalities
            .iter()
            .map(|m| s.by_municipality[m])
            .collect(),
        municipalities,
        categories,
        groups: s
            .by_group
            .iter()
            .map(|g| GroupRow {
                name: g.name.clone(),
                kind: g.kind.clone(),
                count: g.count,
            })
            .collect(),
        changes: s
            .change_vs_previous
            .iter()
            .map(|c| ChangeRow {
                label: category_es(&c.category).to_owned(),
                this_week: c.this_week,
                previous_avg: format!("{:.1}", c.previous_avg),
                change: c
                    .change_pct
                    .map_or_else(|| "sin base previa".to_owned(), signed_percent),
            })
            .collect(),
        previous_weeks: PREVIOUS_WEEKS,
        category_chart: category_weeks_svg(&series(&weeks, tz, rows)),
        ack_chart: ack_times_svg(&s.ack_histogram),
        messages: s
            .messages
            .lines
            .iter()
            .map(|l| MessageRow {
                category: l.category_es.clone(),
                kind: l.kind_es.clone(),
                count: l.messages,
                rate: pesos(l.rate_mxn),
                cost: pesos(l.cost_mxn),
            })
            .collect(),
        messages_total: s.messages.messages_es(),
        messages_cost: s.messages.cost_es(),
        trends: s.trends.iter().map(trend_row).collect(),
    }
}

fn trend_row(t: &Trend) -> TrendRow {
    TrendRow {
        category: category_es(&t.category).to_owned(),
        colonia: t.colonia.clone(),
        municipality: t.municipality.clone(),
        count: t.count,
        mean: mean_es(t.baseline_mean),
        weeks: t
            .baseline
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

fn pending_row(p: &PendingItem, tz: Tz) -> PendingRow {
    PendingRow {
        href: format!("/reportes/{}", urlencoding_path(&p.folio)),
        folio: p.folio.clone(),
        received: local_time_text(p.received_at, tz),
        age: format_duration_es(chrono::Duration::seconds(p.age_secs)),
        category: category_es(&p.category).to_owned(),
        priority: priority_es(&p.priority).to_owned(),
        priority_key: p.priority.clone(),
        status: status_es(&p.status).to_owned(),
        overdue: p.overdue,
        group: p.group_name.clone(),
        colonia: p
            .colonia
            .clone()
            .unwrap_or_else(|| UNKNOWN_COLONIA.to_owned()),
        handler: p
            .handler
            .clone()
            .unwrap_or_else(|| "sin asignar".to_owned()),
    }
}

/// Folios are letters, digits and dashes; anything else is percent-encoded so a link can
/// never leave the path.
fn urlencoding_path(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The deadline legend for `/resumen` and the "Resumen" sheet, from the configured
/// acknowledgement deadlines.
pub fn deadline_legend(d: &crate::routing::Deadlines) -> Vec<String> {
    let secs = |s: u64| format_duration_es(chrono::Duration::seconds(s as i64));
    vec![
        "Plazo de acuse: tiempo para que alguien confirme que atiende la solicitud, contado \
         desde que llegó. Si vence sin acuse, se avisa al suplente y después a supervisión."
            .to_owned(),
        format!(
            "Crítica: {} · Alta: {} · Normal: {} · Baja: {} días hábiles.",
            secs(d.critical_secs),
            secs(d.high_secs),
            secs(d.normal_secs),
            d.low_working_days
        ),
        "En plazo: acusada antes de vencer. Vencidas: acusada después, o sin acuse con el \
         plazo ya pasado. Aún no vencen: sin acuse y con plazo por delante; no cuentan en el \
         porcentaje."
            .to_owned(),
    ]
}

fn durations(d: &DurationStats) -> (String, String) {
    let shown = |v: Option<chrono::Duration>| v.map_or("sin datos".into(), format_duration_es);
    (shown(d.median()), shown(d.p90()))
}

/// A share in 0..=1 as "75 %" (the space is how the rest of the app writes percentages).
fn percent(share: f64) -> String {
    format!("{:.0} %", share * 100.0)
}

/// "+50 %", "−25 %" (a real minus sign, as in the XLSX), "0 %".
fn signed_percent(pct: f64) -> String {
    let rounded = pct.round();
    if rounded > 0.0 {
        format!("+{rounded:.0} %")
    } else if rounded < 0.0 {
        format!("−{:.0} %", -rounded)
    } else {
        "0 %".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::Hermosillo;

    use super::*;
    use crate::reports::test_support::{previous_weeks, this_week, week};

    fn page() -> SummaryPage {
        let s = WeeklySummary::compute(week(), Hermosillo, &this_week(), &previous_weeks());
        let mut rows = this_week();
        rows.extend(previous_weeks());
        summary_page(&s, Hermosillo, &rows)
    }

    #[test]
    fn figures_in_spanish() {
        let p = page();
        assert_eq!(p.total, 5);
        assert_eq!(p.within_deadline, "25 % (1 de 4 plazos cumplidos)");
        assert_eq!(
            (
                p.deadlines_within,
                p.deadlines_late,
                p.deadlines_not_yet_due
            ),
            (1, 3, 0)
        );
        assert_eq!(
            (p.ack_median.as_str(), p.ack_p90.as_str()),
            ("10 min", "2 h 00 min")
        );
        let cells: u64 = p.categories.iter().flat_map(|c| c.cells.iter()).sum();
        let totals: u64 = p.categories.iter().map(|c| c.total).sum();
        assert_eq!((cells, totals), (5, 5));
        assert_eq!(p.municipality_totals.iter().sum::<u64>(), 5);
        assert_eq!(p.categories[0].key, "emergency_911", "category order");
        assert_eq!(p.groups[0].name, "Comité Villa Bonita");
        assert_eq!(p.messages_total, "0", "no ledger in a bare computation");
    }

    #[test]
    fn messages_and_their_cost() {
        let mut s = WeeklySummary::compute(week(), Hermosillo, &this_week(), &previous_weeks());
        let rates = crate::config::CostRates([("utility".to_owned(), 0.15)].into_iter().collect());
        s.messages =
            crate::reports::MessageCosts::price(&[("utility".into(), "regular".into(), 7)], &rates);
        let p = summary_page(&s, Hermosillo, &this_week());
        assert_eq!(p.messages_total, "7 (utilidad 7)");
        assert_eq!(p.messages_cost, "$1.05 MXN (estimado)");
        assert_eq!(
            (p.messages[0].kind.as_str(), p.messages[0].rate.as_str()),
            ("cobrado", "$0.15")
        );
    }

    #[test]
    fn charts_are_whole_svg_documents_without_inline_styles() {
        let p = page();
        for svg in [&p.category_chart, &p.ack_chart] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(
                !svg.contains("style="),
                "the page's CSP has no 'unsafe-inline'"
            );
        }
        assert_eq!(p.category_chart.matches("<g class=\"semana\"").count(), 12);
    }

    #[test]
    fn trends_in_spanish() {
        let mut s = WeeklySummary::compute(week(), Hermosillo, &this_week(), &previous_weeks());
        s.trends = vec![Trend {
            region: "sonora".into(),
            municipality: "Hermosillo".into(),
            colonia: "Villa Bonita".into(),
            category: "patrol".into(),
            count: 9,
            baseline_mean: 2.375,
            baseline: vec![3, 2, 4, 3, 1, 2, 2, 2],
            p_value: 0.001,
        }];
        let p = summary_page(&s, Hermosillo, &this_week());
        let t = &p.trends[0];
        assert_eq!(
            (
                t.category.as_str(),
                t.colonia.as_str(),
                t.count,
                t.mean.as_str()
            ),
            ("Solicitud de patrullaje", "Villa Bonita", 9, "2.4")
        );
        assert_eq!(t.weeks, "3 · 2 · 4 · 3 · 1 · 2 · 2 · 2");
    }

    #[test]
    fn signed_percentages() {
        assert_eq!(signed_percent(50.0), "+50 %");
        assert_eq!(signed_percent(-25.4), "−25 %");
        assert_eq!(signed_percent(0.2), "0 %");
        assert_eq!(percent(0.755), "76 %");
    }
}
