//! Spanish labels for the machine names stored in the database.
//!
//! Unknown names pass through unchanged so a new category added elsewhere
//! still shows up in reports instead of vanishing.

/// Category machine names in the order reports list them.
pub const CATEGORY_ORDER: [&str; 6] = [
    "emergency_911",
    "tip_089",
    "patrol",
    "workshop",
    "follow_up",
    "other",
];

pub fn category_es(name: &str) -> &str {
    match name {
        "emergency_911" => "Emergencia (9-1-1)",
        "tip_089" => "Denuncia anónima (089)",
        "patrol" => "Solicitud de patrullaje/rondín",
        "workshop" => "Solicitud de plática o taller",
        "follow_up" => "Seguimiento",
        "other" => "Otro",
        _ => name,
    }
}

pub fn priority_es(name: &str) -> &str {
    match name {
        "critical" => "Crítica",
        "high" => "Alta",
        "normal" => "Normal",
        "low" => "Baja",
        _ => name,
    }
}

pub fn status_es(name: &str) -> &str {
    match name {
        "open" => "Abierto",
        "acknowledged" => "Atendido/Acuse",
        "resolved" => "Resuelto",
        "dismissed" => "Descartado",
        "duplicate" => "Duplicado",
        _ => name,
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
        assert_eq!(category_es("patrol"), "Solicitud de patrullaje/rondín");
        assert_eq!(category_es("nuevo_tipo"), "nuevo_tipo");
        assert_eq!(priority_es("critical"), "Crítica");
        assert_eq!(priority_es("urgentísimo"), "urgentísimo");
        assert_eq!(status_es("acknowledged"), "Atendido/Acuse");
        assert_eq!(status_es("duplicate"), "Duplicado");
        assert_eq!(status_es("weird"), "weird");
    }

    #[test]
    fn known_categories_sort_first() {
        let mut v = vec!["zzz", "other", "aaa", "emergency_911"];
        v.sort_by_key(|c| category_rank(c));
        assert_eq!(v, vec!["emergency_911", "other", "aaa", "zzz"]);
    }
}
