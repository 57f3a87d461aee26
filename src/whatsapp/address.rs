//! Where an answer goes: back to the group or chat a message came from.

use super::outbound::Recipient;

/// The recipient for an answer to a message, and its pacing key (one per WhatsApp user or
/// group). A message in a Cloud API group is answered in the group; otherwise the sender,
/// by the raw `wa_id` Meta gave us (Mexican numbers keep their `521` form) or, for username
/// users without a number, by BSUID.
pub fn reply_target(
    cloud_group_id: Option<&str>,
    wa_id: Option<&str>,
    bsuid: Option<&str>,
) -> Option<(String, String)> {
    let recipient = match (cloud_group_id, wa_id, bsuid) {
        (Some(group), _, _) => Recipient::Group {
            group_id: group.to_owned(),
        },
        (None, None, None) => return None,
        (None, wa_id, bsuid) => Recipient::Individual {
            wa_id: wa_id.map(str::to_owned),
            bsuid: bsuid.map(str::to_owned),
        },
    };
    let key = recipient_key(&recipient);
    let json = serde_json::to_string(&recipient).expect("a recipient always serialises");
    Some((key, json))
}

/// A stable key per destination; the BSUID is preferred because it survives the Mexican
/// `52`/`521` ambiguity of phone numbers.
pub fn recipient_key(recipient: &Recipient) -> String {
    match recipient {
        Recipient::Group { group_id } => format!("group:{group_id}"),
        Recipient::Individual {
            bsuid: Some(bsuid), ..
        } => format!("bsuid:{bsuid}"),
        Recipient::Individual {
            wa_id: Some(wa_id), ..
        } => format!("wa:{wa_id}"),
        Recipient::Individual { .. } => "nobody".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_wins_then_bsuid_keys_the_person() {
        let (key, json) = reply_target(Some("G1"), Some("5216621000101"), None).unwrap();
        assert_eq!(key, "group:G1");
        assert!(json.contains("group"));
        let (key, _) = reply_target(None, Some("5216621000101"), Some("MX.1")).unwrap();
        assert_eq!(key, "bsuid:MX.1");
        let (key, _) = reply_target(None, Some("5216621000101"), None).unwrap();
        assert_eq!(key, "wa:5216621000101");
        assert!(reply_target(None, None, None).is_none());
    }
}
