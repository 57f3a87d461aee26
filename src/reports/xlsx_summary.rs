//! The "Resumen" sheet: the figures a coordinator reads first.

use std::collections::BTreeSet;

use chrono_tz::Tz;
use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::colonia::UNKNOWN_COLONIA;
use super::csv::local_time_text;
use super::stats::{format_duration_es, DurationStats, ACK_BUCKET_LABELS};
use super::summary::{WeeklySummary, PREVIOUS_WEEKS};
use super::xlsx::{excel_time, fit};
use crate::vocab::labels::{category_es, category_rank, priority_es, status_es};

/// Rows are written top to bottom through this cursor so sections can grow
/// (more municipalities, more groups) without hand-kept row numbers.
struct Sheet<'a> {
    ws: &'a mut Worksheet,
    row: u32,
    bold: Format,
    section: Format,
}

impl Sheet<'_> {
    fn text(&mut self, col: u16, s: &str) -> Result<(), XlsxError> {
        self.ws.write_string(self.row, col, fit(s))?;
        Ok(())
    }

    fn number(&mut self, col: u16, n: f64, fmt: Option<&Format>) -> Result<(), XlsxError> {
        match fmt {
            Some(f) => self.ws.write_number_with_format(self.row, col, n, f)?,
            None => self.ws.write_number(self.row, col, n)?,
        };
        Ok(())
    }

    fn header(&mut self, cells: &[&str]) -> Result<(), XlsxError> {
        for (col, s) in cells.iter().enumerate() {
            self.ws
                .write_string_with_format(self.row, col as u16, fit(s), &self.bold)?;
        }
        self.row += 1;
        Ok(())
    }

    fn section(&mut self, title: &str) -> Result<(), XlsxError> {
        self.row += 1;
        self.ws
            .write_string_with_format(self.row, 0, title, &self.section)?;
        self.row += 1;
        Ok(())
    }

    fn label_value(&mut self, label: &str, value: f64) -> Result<(), XlsxError> {
        self.text(0, label)?;
        self.number(1, value, None)?;
        self.row += 1;
        Ok(())
    }

    /// Minutes as numbers (Excel sums and charts them), the readable form beside them.
    fn durations(&mut self, what: &str, d: &DurationStats) -> Result<(), XlsxError> {
        for (which, value) in [("mediana", d.median()), ("percentil 90", d.p90())] {
            self.text(0, &format!("{what}, min ({which})"))?;
            match value {
                Some(v) => {
                    self.number(1, v.num_seconds().div_euclid(60) as f64, None)?;
                    self.text(2, &format_duration_es(v))?;
                }
                None => self.text(1, "sin datos")?,
            }
            self.row += 1;
        }
        Ok(())
    }
}

pub(crate) fn write_summary_sheet(
    ws: &mut Worksheet,
    region: &str,
    tz: Tz,
    s: &WeeklySummary,
) -> Result<(), XlsxError> {
    ws.set_column_width(0, 42)?;
    for col in 1..12u16 {
        ws.set_column_width(col, 16)?;
    }
    let title = Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(0, 0, fit(&format!("Resumen semanal — {region}")), &title)?;
    ws.write_string(1, 0, format!("{} · {}", s.label, s.week))?;
    let (from, to) = (
        local_time_text(s.starts_at, tz),
        local_time_text(s.ends_at, tz),
    );
    ws.write_string(
        2,
        0,
        format!("Horas locales ({}): del {from} al {to}", s.time_zone),
    )?;

    let mut sh = Sheet {
        ws,
        row: 3,
        bold: Format::new().set_bold().set_background_color("#DDEBF7"),
        section: Format::new().set_bold().set_font_size(12),
    };
    let percent = Format::new().set_num_format("0.0%");
    let signed_percent = Format::new().set_num_format("+0.0%;-0.0%;0.0%");
    let one_decimal = Format::new().set_num_format("0.0");

    sh.section("Indicadores")?;
    sh.label_value("Total de solicitudes", s.total as f64)?;
    sh.label_value("Reportes unidos como duplicados", s.merged_reports as f64)?;
    sh.label_value("Abiertas al cierre de la semana", s.open_at_week_end as f64)?;
    let d = &s.ack_within_deadline;
    sh.text(0, "Acuse en plazo (de los plazos ya cumplidos)")?;
    match d.share {
        Some(share) => sh.number(1, share, Some(&percent))?,
        None => sh.text(1, "sin plazos cumplidos")?,
    }
    sh.row += 1;
    sh.label_value("En plazo", d.within as f64)?;
    sh.label_value("Vencidas", d.late as f64)?;
    sh.label_value("Aún no vencen", d.not_yet_due as f64)?;
    sh.durations("Tiempo para acuse", &s.time_to_ack)?;
    sh.durations("Tiempo para resolver", &s.time_to_resolve)?;

    // Category × municipality, with totals on both axes.
    sh.section("Solicitudes por categoría y municipio")?;
    let municipalities: BTreeSet<&str> = s.by_municipality.keys().map(String::as_str).collect();
    let mut head = vec!["Categoría"];
    head.extend(municipalities.iter().copied());
    head.push("Total");
    sh.header(&head)?;
    let mut categories: Vec<&String> = s.by_category_municipality.keys().collect();
    categories.sort_by_key(|c| category_rank(c));
    let total_col = municipalities.len() as u16 + 1;
    for cat in categories {
        let per_muni = &s.by_category_municipality[cat];
        sh.text(0, category_es(cat))?;
        for (i, m) in municipalities.iter().enumerate() {
            let n = per_muni.get(*m).copied().unwrap_or(0);
            sh.number(i as u16 + 1, n as f64, None)?;
        }
        sh.number(total_col, s.by_category[cat] as f64, None)?;
        sh.row += 1;
    }
    sh.text(0, "Total")?;
    for (i, m) in municipalities.iter().enumerate() {
        sh.number(i as u16 + 1, s.by_municipality[*m] as f64, None)?;
    }
    sh.number(total_col, s.total as f64, None)?;
    sh.row += 1;

    sh.section("Solicitudes por colonia (donde ocurrió)")?;
    sh.header(&["Colonia", "Municipio", "Solicitudes", "Pendientes"])?;
    for c in &s.by_colonia {
        sh.text(0, &c.colonia)?;
        sh.text(1, &c.municipality)?;
        sh.number(2, c.count as f64, None)?;
        sh.number(3, c.pending as f64, None)?;
        sh.row += 1;
    }

    sh.section("Solicitudes por grupo")?;
    sh.header(&["Grupo", "Tipo de grupo", "Solicitudes"])?;
    for g in &s.by_group {
        sh.text(0, &g.name)?;
        sh.text(1, &g.kind)?;
        sh.number(2, g.count as f64, None)?;
        sh.row += 1;
    }

    sh.section(&format!(
        "Cambio contra el promedio de las {PREVIOUS_WEEKS} semanas previas"
    ))?;
    sh.header(&["Categoría", "Esta semana", "Promedio previo", "Cambio"])?;
    for c in &s.change_vs_previous {
        sh.text(0, category_es(&c.category))?;
        sh.number(1, c.this_week as f64, None)?;
        sh.number(2, c.previous_avg, Some(&one_decimal))?;
        match c.change_pct {
            Some(p) => sh.number(3, p / 100.0, Some(&signed_percent))?,
            None => sh.text(3, "sin base previa")?,
        }
        sh.row += 1;
    }

    // The cost ledger: what the status webhooks said each message was billed as.
    let pesos = Format::new().set_num_format("$#,##0.00");
    sh.section("Mensajes de WhatsApp enviados (costo estimado en MXN)")?;
    sh.header(&["Categoría", "Tipo", "Mensajes", "Tarifa", "Costo estimado"])?;
    for l in &s.messages.lines {
        sh.text(0, &l.category_es)?;
        sh.text(1, &l.kind_es)?;
        sh.number(2, l.messages as f64, None)?;
        sh.number(3, l.rate_mxn, Some(&pesos))?;
        sh.number(4, l.cost_mxn, Some(&pesos))?;
        sh.row += 1;
    }
    sh.text(0, "Total")?;
    sh.number(2, s.messages.messages as f64, None)?;
    sh.number(4, s.messages.cost_mxn, Some(&pesos))?;
    sh.row += 1;

    sh.section("Tiempo para acuse (distribución)")?;
    sh.header(&["Intervalo", "Solicitudes"])?;
    for (label, n) in ACK_BUCKET_LABELS.iter().zip(s.ack_histogram.counts) {
        sh.label_value(label, n as f64)?;
    }

    pending_section(&mut sh, tz, s)?;

    sh.section(super::page::DEADLINE_LEGEND_TITLE)?;
    for line in &s.deadline_legend {
        sh.text(0, line)?;
        sh.row += 1;
    }
    Ok(())
}

/// The requests still pending when the file was made, oldest first, with their age in
/// hours as a number.
fn pending_section(sh: &mut Sheet<'_>, tz: Tz, s: &WeeklySummary) -> Result<(), XlsxError> {
    let date = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let one_decimal = Format::new().set_num_format("0.0");
    sh.section(&format!(
        "Pendientes al {} ({} en total)",
        local_time_text(s.as_of, tz),
        s.pending_total
    ))?;
    sh.header(&[
        "Folio",
        "Recibido",
        "Antigüedad (h)",
        "Categoría",
        "Prioridad",
        "Estado",
        "Grupo",
        "Colonia",
        "Atiende",
    ])?;
    for p in &s.pending {
        sh.text(0, &p.folio)?;
        sh.ws
            .write_datetime_with_format(sh.row, 1, excel_time(p.received_at, tz)?, &date)?;
        sh.number(2, p.age_secs as f64 / 3600.0, Some(&one_decimal))?;
        sh.text(3, category_es(&p.category))?;
        sh.text(4, priority_es(&p.priority))?;
        let status = if p.overdue {
            format!("{} · vencida", status_es(&p.status))
        } else {
            status_es(&p.status).to_owned()
        };
        sh.text(5, &status)?;
        sh.text(6, &p.group_name)?;
        sh.text(7, p.colonia.as_deref().unwrap_or(UNKNOWN_COLONIA))?;
        if let Some(h) = &p.handler {
            sh.text(8, h)?;
        }
        sh.row += 1;
    }
    if s.pending_total > s.pending.len() as u64 {
        sh.text(
            0,
            &format!(
                "… y {} más: véalas en la cola",
                s.pending_total - s.pending.len() as u64
            ),
        )?;
        sh.row += 1;
    }
    Ok(())
}
