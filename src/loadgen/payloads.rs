//! Realistic webhook bodies for load tests: a mix of senders, types and categories, batches,
//! statuses in shuffled order. Deterministic for a given seed, so a run can be repeated.

use serde_json::{json, Value};

/// Registered members (anchors of the default registry) and made-up unregistered numbers.
const SENDERS: [(&str, Option<&str>); 6] = [
    ("5216621000101", Some("MX.4810000000000000101")),
    ("5216621000102", None),
    ("5216621000301", None),
    ("5216311000401", None),
    ("5216441000202", None),
    ("5216629999999", None),
];

const TEXTS: [&str; 16] = [
    "pueden mandar rondines en la noche por la calle 5 de mayo xfa",
    "se estan metiendo a robar a la casa de enfrente ahorita auxilio",
    "en la esquina del parque venden cristal todos los dias, es un punto de venta",
    "buenos dias vecinos, bendiciones",
    "solicitamos una platica de prevencion de adicciones para los alumnos de 2o",
    "que paso con el folio SON-2026-000123?",
    "anoche hubo balazos por la colonia pero ya todo tranquilo",
    "hay unos plebes tomando y drogandose en el parque todas las noches",
    "gracias ya paso la patrulla",
    "nos llamaron para cobrarnos cuota al negocio, que hacemos",
    "esta un señor tirado en la banqueta y no se mueve, manden ambulancia",
    "se fue la luz en toda la cuadra",
    "queremos un taller de seguridad para los comerciantes del centro",
    "hay un carro sin placas rondando la escuela desde hace rato",
    "reenvien: dicen que van a robar niños en las escuelas",
    "los cuetes de la fiesta no dejan dormir",
];

/// A small deterministic generator (no RNG dependency).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() % 1_000_000) as f64 / 1_000_000.0 < p
    }
}

/// One message of the load: its wamid and JSON.
pub fn message(rng: &mut Rng, wamid: &str, timestamp: i64) -> Value {
    let (from, bsuid) = SENDERS[rng.below(SENDERS.len())];
    let mut m = json!({ "from": from, "id": wamid, "timestamp": timestamp.to_string() });
    if let Some(b) = bsuid {
        m["from_user_id"] = b.into();
    }
    let text = TEXTS[rng.below(TEXTS.len())];
    match rng.below(20) {
        0 | 1 => {
            m["type"] = "image".into();
            m["image"] = json!({"id": format!("media.{wamid}"), "mime_type": "image/jpeg",
                                "sha256": "SfInY0gGKTsJlUWbwxC1k+FAD0=", "caption": text});
        }
        2 => {
            m["type"] = "audio".into();
            m["audio"] = json!({"id": format!("media.{wamid}"), "mime_type": "audio/ogg; codecs=opus",
                                "sha256": "0b8ZH7fvHkxYo5oI8R3y5Q==", "voice": true});
        }
        3 => {
            m["type"] = "location".into();
            m["location"] = json!({"latitude": 29.07 + rng.below(100) as f64 / 1000.0,
                                   "longitude": -110.95 - rng.below(100) as f64 / 1000.0});
        }
        _ => {
            m["type"] = "text".into();
            m["text"] = json!({ "body": text });
        }
    }
    m
}

/// Statuses for an outbound message, in a shuffled order (Meta does not keep order).
pub fn statuses(rng: &mut Rng, wamid: &str, timestamp: i64) -> Vec<Value> {
    let mut list = vec!["sent", "delivered", "read"];
    for i in (1..list.len()).rev() {
        list.swap(i, rng.below(i + 1));
    }
    list.into_iter()
        .map(|s| json!({"id": wamid, "status": s, "timestamp": timestamp.to_string(), "recipient_id": "5216621000101"}))
        .collect()
}

/// The envelope Meta posts.
pub fn envelope(messages: Vec<Value>, statuses: Vec<Value>) -> Vec<u8> {
    let mut value = json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
    });
    if !messages.is_empty() {
        value["messages"] = Value::Array(messages);
    }
    if !statuses.is_empty() {
        value["statuses"] = Value::Array(statuses);
    }
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]
    }))
    .expect("JSON values serialise")
}
