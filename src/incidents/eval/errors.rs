//! The replay's mistakes, to read which gate or evidence decided them: reports joined to a
//! report of another event (with the signals that added up), and reports that did not
//! join the incident their event's first report is in (with what kept them out of it).
//! Printed by `alerta incidents eval --errores`; a file's texts are shown, so only for
//! development files.

use std::collections::HashMap;

use super::{replay_with, Decision, Labelled, Policy, Vectors};

/// One block of lines per mistake, in arrival order.
pub fn errors(reports: &[Labelled], policy: &Policy, vectors: Vectors) -> Vec<String> {
    // Each event's first report; before a later report of it is added, what would keep
    // it out of the incident that first report is in.
    let mut first: HashMap<String, i64> = HashMap::new();
    let run = replay_with(reports, policy, vectors, |grouper, facts, r| {
        let event = r.event.as_deref()?;
        let Some(&id) = first.get(event) else {
            first.insert(event.to_owned(), facts.report_id);
            return None;
        };
        Some(match grouper.incident_of(id) {
            Some(incident) => grouper.blocked(facts, incident),
            None => Some("el incidente ya cerró"),
        })
    });
    let mut first_incident: HashMap<&str, (i64, usize)> = HashMap::new();
    for (i, (r, incident, ..)) in run.iter().enumerate() {
        if let Some(e) = r.event.as_deref() {
            first_incident.entry(e).or_insert((*incident, i));
        }
    }
    let mut out = Vec::new();
    // Incidents holding more than one event, with the wrong pairs each costs.
    let mut by_incident: std::collections::BTreeMap<i64, Vec<&Labelled>> = Default::default();
    for (r, incident, ..) in &run {
        by_incident.entry(*incident).or_default().push(r);
    }
    for (incident, members) in &by_incident {
        let mut events: std::collections::BTreeMap<&str, u64> = Default::default();
        for r in members {
            *events
                .entry(r.event.as_deref().unwrap_or(r.id.as_str()))
                .or_default() += 1;
        }
        if events.len() > 1 {
            let n = members.len() as u64;
            let right: u64 = events.values().map(|&k| k * k.saturating_sub(1) / 2).sum();
            let parts: Vec<String> = events.iter().map(|(e, k)| format!("{e}×{k}")).collect();
            out.push(format!(
                "INCIDENTE MEZCLADO {incident}: {} pares equivocados: {}",
                n * (n - 1) / 2 - right,
                parts.join(", ")
            ));
        }
    }
    for (r, _, d, _) in &run {
        let Some(m) = d.matched_report else { continue };
        let (matched, ..) = &run[m as usize];
        if r.event.is_none() || r.event != matched.event {
            out.push(format!(
                "UNIÓN EQUIVOCADA {} ({}) -> {} ({})\n  {}\n  {}\n  {}",
                r.id,
                r.event.as_deref().unwrap_or("-"),
                matched.id,
                matched.event.as_deref().unwrap_or("-"),
                r.text,
                matched.text,
                signals(d)
            ));
        }
    }
    for (r, incident, d, why) in &run {
        let Some(e) = r.event.as_deref() else {
            continue;
        };
        let Some(&(inc, at)) = first_incident.get(e) else {
            continue;
        };
        let o = run[at].0;
        if inc != *incident && o.id != r.id {
            let why = why.flatten().unwrap_or("ganó otro incidente");
            out.push(format!(
                "NO UNIDO {} -> {} ({e}; {} min después, {} / {}): {why}\n  {}\n  {}\n  {}",
                r.id,
                o.id,
                r.minute - o.minute,
                o.category,
                r.category,
                r.text,
                o.text,
                signals(d)
            ));
        }
    }
    out
}

fn signals(d: &Decision) -> String {
    if d.signals.is_empty() {
        return "(abrió un incidente nuevo)".to_owned();
    }
    d.signals
        .iter()
        .map(|s| match &s.detail {
            Some(detail) => format!("{} {:.2} ({detail})", s.name, s.score),
            None => format!("{} {:.2}", s.name, s.score),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
