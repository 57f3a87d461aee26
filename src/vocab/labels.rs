//! The one set of Spanish labels for the machine names stored in the database: what an
//! operator reads in the queue is what a coordinator reads in an export or a chart.
//!
//! Unknown names pass through unchanged so a value added elsewhere still shows up instead of
//! vanishing (the database's CHECK constraints keep statuses and priorities known).

/// Where a report stands. The database stores [`Status::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Open,
    Acknowledged,
    Resolved,
    Dismissed,
    Duplicate,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Open,
        Status::Acknowledged,
        Status::Resolved,
        Status::Dismissed,
        Status::Duplicate,
    ];

    /// Stable machine name, e.g. `"acknowledged"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
            Status::Dismissed => "dismissed",
            Status::Duplicate => "duplicate",
        }
    }

    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The wording operators see in the queue; exports and charts use the same.
    pub fn label_es(self) -> &'static str {
        match self {
            Status::Open => "Abierto",
            Status::Acknowledged => "En atención",
            Status::Resolved => "Resuelto",
            Status::Dismissed => "Descartado",
            Status::Duplicate => "Duplicado",
        }
    }
}

/// Category machine names in the order reports list them.
pub const CATEGORY_ORDER: [&str; 6] = [
    "emergency_911",
    "tip_089",
    "patrol",
    "workshop",
    "follow_up",
    "other",
];

/// The label of a triage category (`triage::Category::label_es` reads it from here).
pub fn category_es(name: &str) -> &str {
    match name {
        "emergency_911" => "Emergencia (911)",
        "tip_089" => "Denuncia anónima (089)",
        "patrol" => "Solicitud de patrullaje",
        "workshop" => "Solicitud de plática / taller",
        "follow_up" => "Seguimiento",
        "other" => "Otro",
        _ => name,
    }
}

/// Capitalised, as in a table cell; a sentence lower-cases it (`prioridad crítica`).
pub fn priority_es(name: &str) -> &str {
    match name {
        "critical" => "Crítica",
        "high" => "Alta",
        "normal" => "Normal",
        "low" => "Baja",
        "none" => "Sin prioridad",
        _ => name,
    }
}

pub fn status_es(name: &str) -> &str {
    match Status::parse(name) {
        Some(s) => s.label_es(),
        None => name,
    }
}

/// Sort key that puts known categories in [`CATEGORY_ORDER`] and unknown
/// ones after them alphabetically, so tables and charts agree.
pub fn category_rank(name: &str) -> (usize, &str) {
    let pos = CATEGORY_ORDER.iter().position(|c| *c == name);
    (pos.unwrap_or(CATEGORY_ORDER.len()), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_passthrough() {
        assert_eq!(category_es("tip_089"), "Denuncia anónima (089)");
        assert_eq!(category_es("patrol"), "Solicitud de patrullaje");
        assert_eq!(category_es("nuevo_tipo"), "nuevo_tipo");
        assert_eq!(priority_es("critical"), "Crítica");
        assert_eq!(priority_es("none"), "Sin prioridad");
        assert_eq!(priority_es("urgentísimo"), "urgentísimo");
        assert_eq!(status_es("acknowledged"), "En atención");
        assert_eq!(status_es("duplicate"), "Duplicado");
        assert_eq!(status_es("weird"), "weird");
    }

    #[test]
    fn statuses_round_trip_their_machine_names() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("closed"), None);
    }

    #[test]
    fn known_categories_sort_first() {
        let mut v = vec!["zzz", "other", "aaa", "emergency_911"];
        v.sort_by_key(|c| category_rank(c));
        assert_eq!(v, vec!["emergency_911", "other", "aaa", "zzz"]);
    }
}
