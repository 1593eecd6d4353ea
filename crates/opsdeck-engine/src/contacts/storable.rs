//! What the text of a stored contact may hold: its identity fields are refused with a NUL
//! (the facts' consumers and PostgreSQL cannot hold one), as a bad row naming the field.

use super::contact::Ids;
use crate::io::parse::storable_text;
use crate::io::FieldIssue;

/// Refuses a contact whose id, agent or site holds text that may not be stored.
pub fn check_ids(ids: Option<&Ids<'_>>) -> Result<(), FieldIssue> {
    let Some(i) = ids else {
        return Ok(());
    };
    storable_text("contact_id", &i.contact_id)?;
    if let Some(a) = &i.agent_id {
        storable_text("agent_id", a)?;
    }
    if let Some(s) = &i.site {
        storable_text("site", s)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    #[test]
    fn a_nul_in_an_identity_field_names_the_field() {
        let ids = |id: &'static str, agent: Option<&'static str>, site: Option<&'static str>| Ids {
            contact_id: Cow::Borrowed(id),
            channel: None,
            agent_id: agent.map(Cow::Borrowed),
            site: site.map(Cow::Borrowed),
        };
        assert_eq!(check_ids(None), Ok(()));
        assert_eq!(check_ids(Some(&ids("c1", Some("a1"), Some("mnl")))), Ok(()));
        for (i, field, at) in [
            (ids("c\0-1", None, None), "contact_id", 2),
            (ids("c1", Some("\0"), None), "agent_id", 1),
            (ids("c1", Some("a1"), Some("mn\0l")), "site", 3),
        ] {
            let e = check_ids(Some(&i)).unwrap_err();
            assert_eq!(e.field, field);
            assert_eq!(
                e.reason,
                format!(
                    "contains a NUL character (U+0000) at character {at}; text may not contain NUL"
                )
            );
        }
    }
}
