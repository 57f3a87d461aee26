//! The member lists coordinators keep in a spreadsheet: one row per member with the group's
//! id, the person's name, phone (and/or BSUID) and role, under a header row. Read from CSV
//! or the first sheet of an XLSX workbook; every problem names the file and the row (row 1
//! is the header, as the spreadsheet shows it).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::error::{RegistryError, RegistryErrors};
use super::model::{Group, Member, MemberRole};
use super::phone::Phone;
use super::Registry;

/// One member row as written; `row` is the spreadsheet's 1-based row number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetRow {
    pub row: usize,
    pub group: String,
    pub name: String,
    pub phone: String,
    pub bsuid: String,
    pub role: String,
}

/// The columns, by header (Spanish or English, any case, accents optional).
const COLUMNS: [(&str, &[&str]); 5] = [
    ("group", &["grupo", "group", "id_grupo"]),
    ("name", &["nombre", "name", "integrante"]),
    ("phone", &["telefono", "teléfono", "phone", "celular"]),
    ("bsuid", &["bsuid"]),
    ("role", &["rol", "role"]),
];

/// The header row the export writes and the import reads.
pub const HEADER: [&str; 5] = ["grupo", "nombre", "telefono", "bsuid", "rol"];

fn error(file: &str, row: usize, message: String) -> RegistryError {
    RegistryError {
        file: file.to_owned(),
        line: row,
        message,
    }
}

/// Rows from cells: the first row is the header, numbered `first_row` (1 for CSV); blank
/// rows are skipped.
pub fn rows_from_cells(
    file: &str,
    cells: Vec<Vec<String>>,
    first_row: usize,
) -> Result<Vec<SheetRow>, RegistryErrors> {
    let mut lines = cells.into_iter().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(RegistryErrors(vec![error(
            file,
            0,
            "la hoja está vacía".into(),
        )]));
    };
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().to_lowercase();
        if let Some((key, _)) = COLUMNS
            .iter()
            .find(|(_, names)| names.contains(&h.as_str()))
        {
            at.entry(key).or_insert(i);
        }
    }
    let missing: Vec<&str> = ["group", "name", "role"]
        .into_iter()
        .filter(|k| !at.contains_key(k))
        .collect();
    if missing.is_empty() && !(at.contains_key("phone") || at.contains_key("bsuid")) {
        return Err(RegistryErrors(vec![error(
            file,
            first_row,
            "falta la columna «telefono» (o «bsuid»)".into(),
        )]));
    }
    if !missing.is_empty() {
        let spanish: Vec<&str> = missing
            .iter()
            .map(|k| match *k {
                "group" => "grupo",
                "name" => "nombre",
                _ => "rol",
            })
            .collect();
        return Err(RegistryErrors(vec![error(
            file,
            first_row,
            format!(
                "faltan columnas en el encabezado: {} (se esperan {})",
                spanish.join(", "),
                HEADER.join(", ")
            ),
        )]));
    }
    let cell = |line: &[String], key: &str| {
        at.get(key)
            .and_then(|&i| line.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    Ok(lines
        .filter(|(_, line)| line.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, line)| SheetRow {
            row: i + first_row,
            group: cell(&line, "group"),
            name: cell(&line, "name"),
            phone: cell(&line, "phone"),
            bsuid: cell(&line, "bsuid"),
            role: cell(&line, "role"),
        })
        .collect())
}

/// Splits CSV text (comma or semicolon, as the header uses; `"…"` quoting with `""`).
pub fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    let sep = if first.matches(';').count() > first.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, c) if c == sep => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The first sheet of an XLSX workbook as text cells (numbers as written, without `.0`).
/// Returns the cells and the row number of the first (header) row.
pub fn xlsx_cells(path: &Path) -> Result<(Vec<Vec<String>>, usize), String> {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| format!("no se puede leer: {e}"))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or("el libro no tiene hojas")?
        .map_err(|e| format!("no se puede leer la hoja: {e}"))?;
    // The header is the used range's first row; keep row numbers as the spreadsheet shows.
    let first_row = range.start().map_or(0, |(r, _)| r as usize) + 1;
    let cells = range
        .rows()
        .map(|line| {
            line.iter()
                .map(|d| match d {
                    Data::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    Ok((cells, first_row))
}

/// The groups of `current` with the members of every group the rows name replaced by the
/// rows (groups not named keep theirs). Every row is checked: the group exists, a name, a
/// valid phone or BSUID, a known role, and no phone or BSUID twice in the file or already
/// used by someone outside the replaced groups.
pub fn replace_members(
    current: &Registry,
    file: &str,
    rows: &[SheetRow],
) -> Result<Vec<(String, Vec<Member>)>, RegistryErrors> {
    let mut errors = Vec::new();
    let named: HashSet<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    let mut by_group: Vec<(String, Vec<Member>)> = Vec::new();
    let mut phones: HashMap<Phone, usize> = HashMap::new();
    let mut bsuids: HashMap<String, usize> = HashMap::new();
    for r in rows {
        let mut bad = |m: String| errors.push(error(file, r.row, m));
        let group: Option<&Group> = current.group(&r.group);
        if r.group.is_empty() {
            bad("falta el grupo".into());
        } else if group.is_none() {
            bad(format!("el grupo «{}» no existe", r.group));
        }
        if r.name.is_empty() {
            bad("falta el nombre".into());
        }
        let role = match r.role.trim().to_lowercase().as_str() {
            "enlace" => Some(MemberRole::Enlace),
            "miembro" | "integrante" => Some(MemberRole::Miembro),
            other => {
                bad(format!("rol «{other}» desconocido: use enlace o miembro"));
                None
            }
        };
        let phone = if r.phone.is_empty() {
            None
        } else {
            match Phone::parse(&r.phone) {
                Ok(p) => Some(p),
                Err(e) => {
                    bad(format!("teléfono inválido: {e}"));
                    None
                }
            }
        };
        let bsuid = (!r.bsuid.is_empty()).then(|| r.bsuid.clone());
        if r.phone.is_empty() && bsuid.is_none() {
            bad("falta el teléfono (o el BSUID)".into());
        }
        if let Some(p) = &phone {
            if let Some(first) = phones.insert(p.clone(), r.row) {
                bad(format!("teléfono repetido (ya está en la fila {first})"));
            } else if let Some(owner) = elsewhere_phone(current, p, &named) {
                bad(format!("el teléfono ya pertenece a {owner}"));
            }
        }
        if let Some(b) = &bsuid {
            if let Some(first) = bsuids.insert(b.clone(), r.row) {
                bad(format!("BSUID repetido (ya está en la fila {first})"));
            } else if let Some(owner) = elsewhere_bsuid(current, b, &named) {
                bad(format!("el BSUID ya pertenece a {owner}"));
            }
        }
        if let (Some(g), Some(role)) = (group, role) {
            let member = Member {
                name: r.name.clone(),
                phone,
                bsuid,
                role,
            };
            match by_group.iter_mut().find(|(id, _)| *id == g.id) {
                Some((_, members)) => members.push(member),
                None => by_group.push((g.id.clone(), vec![member])),
            }
        }
    }
    if errors.is_empty() {
        Ok(by_group)
    } else {
        Err(RegistryErrors(errors))
    }
}

/// Who outside the replaced groups already has `phone`, as "un integrante de «grupo»".
fn elsewhere_phone(current: &Registry, phone: &Phone, replaced: &HashSet<&str>) -> Option<String> {
    if let Some((g, _)) = current.member_by_phone(phone.as_str()) {
        return (!replaced.contains(g.id.as_str())).then(|| format!("un integrante de «{}»", g.id));
    }
    current
        .coordinator_by_phone(phone.as_str())
        .map(|(_, c)| format!("el coordinador «{}»", c.id))
}

fn elsewhere_bsuid(current: &Registry, bsuid: &str, replaced: &HashSet<&str>) -> Option<String> {
    if let Some((g, _)) = current.member_by_bsuid(bsuid) {
        return (!replaced.contains(g.id.as_str())).then(|| format!("un integrante de «{}»", g.id));
    }
    current
        .coordinator_by_bsuid(bsuid)
        .map(|(_, c)| format!("el coordinador «{}»", c.id))
}
