//! A validator for the subset of JSON Schema (OpenAPI 3 flavour) that Meta's send-message
//! schemas use, over the fixture `fixtures/meta/send-message-schema-v23.json` (where it came
//! from is in its `_source`).
//!
//! Assertions: `type`, `enum`, `required`, `properties`, `additionalProperties` (boolean),
//! `items`, `minItems`, `maxItems`, `maxLength`, `pattern`, `allOf`, `oneOf` and `$ref`.
//! `discriminator` picks the `oneOf` branch named by the property when its target exists.
//! Annotations (`description`, `default`, `format`) assert nothing. Any other keyword is a
//! panic, so a newer copy of the schema cannot be half-checked silently.
//!
//! One reading is deliberate: Meta writes `allOf: [BaseMessageProperties, {properties: {text,
//! type}, additionalProperties: false}]`. Read literally, that `additionalProperties` rejects
//! `messaging_product`, `to` and every other base property, so every text message Meta's own
//! examples show would be invalid. Inside an `allOf`, `additionalProperties` here allows the
//! properties declared by any branch of that `allOf` (what JSON Schema 2019-09 spells
//! `unevaluatedProperties`), which is what the document means.

use std::collections::BTreeSet;

use serde_json::Value;

pub struct Schemas {
    doc: Value,
}

const KNOWN: [&str; 17] = [
    "type",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "maxLength",
    "pattern",
    "allOf",
    "oneOf",
    "$ref",
    "discriminator",
    "description",
    "default",
    "format",
];

impl Schemas {
    pub fn load() -> Schemas {
        let path = crate::helpers::repo_path("fixtures/meta/send-message-schema-v23.json");
        let text = std::fs::read_to_string(&path).unwrap();
        Schemas {
            doc: serde_json::from_str(&text).unwrap(),
        }
    }

    /// Every violation of `value` against `components/schemas/<name>`, as JSON pointers.
    pub fn validate(&self, name: &str, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        let schema = self
            .named(name)
            .unwrap_or_else(|| panic!("no schema {name}"));
        self.check(schema, value, "", &BTreeSet::new(), &mut errors);
        errors
    }

    fn named(&self, name: &str) -> Option<&Value> {
        self.doc.get("schemas")?.get(name)
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r
                    .strip_prefix("#/components/schemas/")
                    .unwrap_or_else(|| panic!("unsupported $ref {r}"));
                self.resolve(self.named(name).unwrap_or_else(|| panic!("missing {name}")))
            }
            None => schema,
        }
    }

    /// `allowed`: property names an enclosing `allOf` declares (see the module comment).
    fn check(
        &self,
        schema: &Value,
        value: &Value,
        at: &str,
        allowed: &BTreeSet<String>,
        errors: &mut Vec<String>,
    ) {
        let schema = self.resolve(schema);
        let Some(obj) = schema.as_object() else {
            panic!("schema at {at} is not an object");
        };
        for key in obj.keys() {
            assert!(
                KNOWN.contains(&key.as_str()),
                "unsupported keyword {key} at {at}"
            );
        }
        if let Some(t) = obj.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => value.is_object(),
                "array" => value.is_array(),
                "string" => value.is_string(),
                "boolean" => value.is_boolean(),
                "integer" => value.is_i64() || value.is_u64(),
                "number" => value.is_number(),
                other => panic!("unsupported type {other}"),
            };
            if !ok {
                errors.push(format!("{at}: not a {t}: {value}"));
                return;
            }
        }
        if let Some(options) = obj.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                errors.push(format!("{at}: {value} not in {options:?}"));
            }
        }
        if let Some(s) = value.as_str() {
            if let Some(max) = obj.get("maxLength").and_then(Value::as_u64) {
                if s.chars().count() as u64 > max {
                    errors.push(format!("{at}: longer than {max}"));
                }
            }
            if let Some(p) = obj.get("pattern").and_then(Value::as_str) {
                if !regex::Regex::new(p).unwrap().is_match(s) {
                    errors.push(format!("{at}: {s:?} does not match {p}"));
                }
            }
        }
        if let Some(items) = value.as_array() {
            let n = items.len() as u64;
            if obj
                .get("minItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| n < m)
            {
                errors.push(format!("{at}: fewer than minItems"));
            }
            if obj
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|m| n > m)
            {
                errors.push(format!("{at}: more than maxItems"));
            }
            if let Some(item) = obj.get("items") {
                for (i, v) in items.iter().enumerate() {
                    self.check(item, v, &format!("{at}/{i}"), &BTreeSet::new(), errors);
                }
            }
        }
        if let Some(map) = value.as_object() {
            for r in obj
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let name = r.as_str().unwrap();
                if !map.contains_key(name) {
                    errors.push(format!("{at}: missing required {name}"));
                }
            }
            let props = obj.get("properties").and_then(Value::as_object);
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => self.check(sub, v, &format!("{at}/{k}"), &BTreeSet::new(), errors),
                    None if obj.get("additionalProperties") == Some(&Value::Bool(false))
                        && !allowed.contains(k) =>
                    {
                        errors.push(format!("{at}: unexpected property {k}"));
                    }
                    None => {}
                }
            }
        }
        if let Some(parts) = obj.get("allOf").and_then(Value::as_array) {
            let mut names = allowed.clone();
            for part in parts {
                let part = self.resolve(part);
                if let Some(p) = part.get("properties").and_then(Value::as_object) {
                    names.extend(p.keys().cloned());
                }
            }
            for part in parts {
                self.check(part, value, at, &names, errors);
            }
        }
        if let Some(branches) = obj.get("oneOf").and_then(Value::as_array) {
            if let Some(branch) = self.discriminated(obj, value) {
                self.check(branch, value, at, allowed, errors);
            } else {
                let matching = branches
                    .iter()
                    .filter(|b| {
                        let mut e = Vec::new();
                        self.check(b, value, at, allowed, &mut e);
                        e.is_empty()
                    })
                    .count();
                if matching != 1 {
                    errors.push(format!("{at}: matches {matching} oneOf branches, not 1"));
                }
            }
        }
    }

    /// The `oneOf` branch the discriminator names for `value`, when the schema has one and
    /// its target is in the document.
    fn discriminated<'a>(
        &'a self,
        obj: &'a serde_json::Map<String, Value>,
        value: &Value,
    ) -> Option<&'a Value> {
        let d = obj.get("discriminator")?;
        let property = d.get("propertyName")?.as_str()?;
        let tag = value.get(property)?.as_str()?;
        let target = d.get("mapping")?.get(tag)?;
        let name = target.as_str()?.strip_prefix("#/components/schemas/")?;
        self.named(name)
    }
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let s = Schemas::load();
    let good = serde_json::json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+5216621000101",
        "type": "text", "text": {"body": "hola", "preview_url": false}
    });
    assert_eq!(s.validate("Message", &good), Vec::<String>::new());
    let mut extra = good.clone();
    extra["recipient"] = "MX.1".into();
    assert!(
        !s.validate("Message", &extra).is_empty(),
        "unknown property"
    );
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("to");
    assert!(!s.validate("Message", &missing).is_empty(), "required");
    let template = serde_json::json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+52",
        "type": "template", "template": {"name": "x", "language": {"code": "es_MX"}}
    });
    let errors = s.validate("Message", &template);
    assert!(
        errors.iter().any(|e| e.contains("policy")),
        "language.policy is required: {errors:?}"
    );
    let four_buttons = serde_json::json!({
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+52",
        "type": "interactive", "interactive": {"type": "button", "body": {"text": "b"},
        "action": {"buttons": (0..4).map(|i| serde_json::json!({"type": "reply", "reply": {"id": i.to_string(), "title": "t"}})).collect::<Vec<_>>()}}
    });
    assert!(!s.validate("Message", &four_buttons).is_empty(), "maxItems");
}
