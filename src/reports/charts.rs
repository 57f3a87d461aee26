//! Server-rendered SVG charts for the weekly report page.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::stats::{AckHistogram, ACK_BUCKET_LABELS};
use super::svg::{esc, open, Plot, TEXT_COLOR};
use super::week::IsoWeek;
use crate::vocab::labels::{category_es, category_rank};

/// How many weeks the category chart shows (the most recent ones).
pub const CHART_WEEKS: usize = 12;

/// Fixed colour per category so the same colour means the same thing on
/// every page; all have enough contrast on white.
pub fn category_color(category: &str) -> &'static str {
    match category {
        "emergency_911" => "#c62828",
        "tip_089" => "#6a1b9a",
        "patrol" => "#1565c0",
        "workshop" => "#2e7d32",
        "follow_up" => "#ef6c00",
        "other" => "#616161",
        _ => "#8d6e63",
    }
}

/// Stacked bars of requests per category for the last 12 weeks of `series`.
pub fn category_weeks_svg(series: &[(IsoWeek, BTreeMap<String, u64>)]) -> String {
    let series = &series[series.len().saturating_sub(CHART_WEEKS)..];
    let mut categories: Vec<&str> = series
        .iter()
        .flat_map(|(_, c)| c.keys().map(String::as_str))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    categories.sort_by_key(|c| category_rank(c));
    let totals: Vec<u64> = series.iter().map(|(_, c)| c.values().sum()).collect();

    let (width, height) = (800u32, 330u32);
    let title = "Solicitudes por categoría y semana";
    let desc: Vec<String> = series
        .iter()
        .zip(&totals)
        .map(|((w, _), n)| format!("{w}: {n}"))
        .collect();
    let mut svg = String::new();
    open(&mut svg, width, height, title, &desc.join("; "));

    let max = totals.iter().copied().max().unwrap_or(0);
    let (plot, step) = Plot::new(50.0, 40.0, 480.0, 250.0, max);
    plot.y_axis(&mut svg, step);

    let slot = plot.width / series.len().max(1) as f64;
    let bar = slot * 0.6;
    for (i, ((week, counts), total)) in series.iter().zip(&totals).enumerate() {
        let x = plot.left + slot * i as f64 + (slot - bar) / 2.0;
        let _ = write!(
            svg,
            "<g class=\"semana\" data-semana=\"{week}\"><title>{label}: {total} solicitudes</title>",
            label = esc(&week.label_es()),
        );
        let mut y = plot.bottom();
        for cat in &categories {
            let n = counts.get(*cat).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let h = plot.scale(n);
            y -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{c}\">\
                 <title>{name}: {n}</title></rect>",
                c = category_color(cat),
                name = esc(category_es(cat)),
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" fill=\"{TEXT_COLOR}\">{w}</text></g>",
            cx = x + bar / 2.0,
            ly = plot.bottom() + 18.0,
            w = week.short_label(),
        );
    }

    // Legend to the right of the plot, in stacking order (bottom first).
    let legend_x = plot.left + plot.width + 24.0;
    if categories.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"{legend_x:.1}\" y=\"{y:.1}\" fill=\"{TEXT_COLOR}\">Sin solicitudes</text>",
            y = plot.top + 12.0,
        );
    }
    for (i, cat) in categories.iter().enumerate() {
        let y = plot.top + 22.0 * i as f64;
        let _ = write!(
            svg,
            "<g><title>{full}</title>\
             <rect x=\"{legend_x:.1}\" y=\"{y:.1}\" width=\"12\" height=\"12\" fill=\"{c}\"/>\
             <text x=\"{tx:.1}\" y=\"{ty:.1}\" fill=\"{TEXT_COLOR}\">{short}</text></g>",
            c = category_color(cat),
            tx = legend_x + 18.0,
            ty = y + 10.5,
            full = esc(category_es(cat)),
            short = esc(&shorten(category_es(cat), LEGEND_CHARS)),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Longest legend label that fits beside the plot; the full name stays in
/// the tooltip.
const LEGEND_CHARS: usize = 32;

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Histogram of time to acknowledge, including requests never acknowledged.
pub fn ack_times_svg(hist: &AckHistogram) -> String {
    let (width, height) = (560u32, 300u32);
    let title = "Tiempo para acuse";
    let desc: Vec<String> = ACK_BUCKET_LABELS
        .iter()
        .zip(hist.counts)
        .map(|(l, n)| format!("{l}: {n}"))
        .collect();
    let mut svg = String::new();
    open(&mut svg, width, height, title, &desc.join("; "));

    let max = hist.counts.iter().copied().max().unwrap_or(0);
    let (plot, step) = Plot::new(50.0, 40.0, 490.0, 220.0, max);
    plot.y_axis(&mut svg, step);

    let slot = plot.width / ACK_BUCKET_LABELS.len() as f64;
    let bar = slot * 0.7;
    for (i, (label, n)) in ACK_BUCKET_LABELS.iter().zip(hist.counts).enumerate() {
        let x = plot.left + slot * i as f64 + (slot - bar) / 2.0;
        let h = plot.scale(n);
        let y = plot.bottom() - h;
        // "Sin acuse" is not a time, so it is drawn in a neutral colour.
        let fill = if i == ACK_BUCKET_LABELS.len() - 1 {
            "#9e9e9e"
        } else {
            "#1565c0"
        };
        let _ = write!(
            svg,
            "<g class=\"intervalo\"><title>{l}: {n}</title>\
             <rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{fill}\"/>\
             <text x=\"{cx:.1}\" y=\"{vy:.1}\" text-anchor=\"middle\" fill=\"{TEXT_COLOR}\">{n}</text>\
             <text x=\"{cx:.1}\" y=\"{ly:.1}\" text-anchor=\"middle\" fill=\"{TEXT_COLOR}\">{l}</text></g>",
            l = esc(label),
            cx = x + bar / 2.0,
            vy = y - 4.0,
            ly = plot.bottom() + 18.0,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<(IsoWeek, BTreeMap<String, u64>)> {
        let last: IsoWeek = "2027-W02".parse().unwrap();
        last.last_n(n)
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let mut m = BTreeMap::new();
                m.insert("patrol".to_string(), i as u64 + 1);
                m.insert("emergency_911".to_string(), 2);
                (w, m)
            })
            .collect()
    }

    #[test]
    fn one_bar_group_per_week_last_twelve() {
        let svg = category_weeks_svg(&series(15));
        assert_eq!(svg.matches("<g class=\"semana\"").count(), 12);
        assert!(svg.contains("data-semana=\"2026-W53\""));
        assert!(svg.contains(">W53</text>") && svg.contains(">W02</text>"));
        // The three oldest weeks fall outside the window.
        assert!(!svg.contains("data-semana=\"2026-W41\""));
        assert!(svg.contains("Solicitud de patrullaje"));
        assert!(svg.contains("role=\"img\"") && svg.contains("aria-label=\""));
        assert!(svg.contains("viewBox=\"0 0 800 330\""));
        // Tallest bar is 15 + 2 = 17 → round axis top of 20 in steps of 5.
        assert!(svg.contains(">20</text>") && svg.contains(">15</text>"));
        assert!(!svg.contains(">17</text>"));
    }

    #[test]
    fn untrusted_labels_are_escaped() {
        let mut s = series(2);
        s[1].1.insert("<script>alert(1)</script>".to_string(), 3);
        let svg = category_weeks_svg(&s);
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_eq!(svg.matches("<svg").count(), 1);
        // Long names are cut in the legend but kept whole in the tooltip.
        s[1].1.insert("x".repeat(40), 1);
        let svg = category_weeks_svg(&s);
        assert!(svg.contains(&format!(">{}…</text>", "x".repeat(31))));
        assert!(svg.contains(&format!("<title>{}</title>", "x".repeat(40))));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn empty_series_still_renders() {
        let svg = category_weeks_svg(&[]);
        assert!(svg.contains("Sin solicitudes"));
        assert_eq!(svg.matches("<g class=\"semana\"").count(), 0);
    }

    #[test]
    fn ack_histogram_chart() {
        let hist = AckHistogram {
            counts: [4, 3, 0, 1, 0, 2],
        };
        let svg = ack_times_svg(&hist);
        assert_eq!(svg.matches("<g class=\"intervalo\"").count(), 6);
        assert!(svg.contains("<title>Sin acuse: 2</title>"));
        assert!(svg.contains("<title>&lt; 15 min: 4</title>"));
        assert!(svg.contains("<desc>&lt; 15 min: 4; 15–60 min: 3;"));
    }
}
