//! `PROPERTY_UPDATE`: a client writes one updatable field.

use super::instance::Actor;
use crate::component::LiveComponent;
use crate::protocol::js::is_reserved_key;
use crate::protocol::outbound::Reply;
use crate::runtime::mailbox::Caller;
use serde_json::Value;

impl<C: LiveComponent> Actor<C> {
    pub(super) fn set_property(
        &mut self,
        caller: &Caller,
        property: &str,
        value: Value,
        request_id: Option<&str>,
    ) {
        let Some(outbox) = self.viewers.get(&caller.connection_id).cloned() else {
            return;
        };
        let result = self.check_property(property).and_then(|()| {
            self.component
                .set_property(property, value)
                .map_err(|error| {
                    format!("PROPERTY_UPDATE rejected: invalid value for '{property}': {error}")
                })
        });
        let reply = match &result {
            Ok(()) => {
                self.publish_changes();
                Reply::success("MESSAGE_RESPONSE", Some(&self.id), request_id).encode()
            }
            Err(error) => {
                Reply::failure("MESSAGE_RESPONSE", Some(&self.id), error, request_id).encode()
            }
        };
        outbox.push_text(reply);
    }

    /// The reference's `PROPERTY_UPDATE` rules (§7), with the allowlist from the macro.
    fn check_property(&self, property: &str) -> Result<(), String> {
        if is_reserved_key(property) {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is a reserved key"
            ));
        }
        if property.starts_with('$') {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is server-only ($-prefixed fields cannot be written by the client). Use a server action to mutate it."
            ));
        }
        if !C::UPDATABLE_FIELDS.contains(&property) {
            return Err(format!(
                "PROPERTY_UPDATE rejected: '{property}' is not an updatable field of '{}'. Allowed: [{}]. Mark the field #[live(updatable)] to allow client writes.",
                C::NAME,
                C::UPDATABLE_FIELDS.join(", ")
            ));
        }
        Ok(())
    }
}
