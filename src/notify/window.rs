//! The 24-hour customer-service window: who the recipient is as a sender, so we can look up
//! when they last wrote.

use crate::store::WindowKey;
use crate::whatsapp::outbound::Recipient;

/// The ways a recipient may appear as a sender: BSUID, and the Mexican `52`/`521` forms.
pub(super) enum Seen {
    Bsuid(String),
    Phone(String),
    Group(String),
}

impl Seen {
    pub(super) fn as_key(&self) -> WindowKey<'_> {
        match self {
            Seen::Bsuid(b) => WindowKey::Bsuid(b),
            Seen::Phone(p) => WindowKey::Phone(p),
            Seen::Group(g) => WindowKey::Group(g),
        }
    }
}

pub(super) fn window_keys(to: &Recipient) -> Vec<Seen> {
    match to {
        Recipient::Group { group_id } => vec![Seen::Group(group_id.clone())],
        Recipient::Individual { wa_id, bsuid } => {
            let mut keys: Vec<Seen> = bsuid.iter().cloned().map(Seen::Bsuid).collect();
            if let Some(w) = wa_id {
                let digits: String = w.chars().filter(char::is_ascii_digit).collect();
                keys.push(Seen::Phone(digits.clone()));
                if let Some(rest) = digits.strip_prefix("521").filter(|r| r.len() == 10) {
                    keys.push(Seen::Phone(format!("52{rest}")));
                } else if let Some(rest) = digits.strip_prefix("52").filter(|r| r.len() == 10) {
                    keys.push(Seen::Phone(format!("521{rest}")));
                }
            }
            keys
        }
    }
}
