//! `PROPERTY_UPDATE`: a client writes one updatable field.

use super::instance::Actor;
use crate::component::LiveComponent;
use crate::protocol::js::is_reserved_key;
use crate::protocol::kinds::ServerKind;
use crate::protocol::outbound::Reply;
use crate::protocol::refusal::Refusal;
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
                    let detail = error.to_string();
                    Refusal::PropertyInvalid {
                        property,
                        detail: &detail,
                    }
                    .text()
                })
        });
        let reply = match &result {
            Ok(()) => {
                self.publish_changes();
                Reply::success(ServerKind::MessageResponse, Some(&self.id), request_id).encode()
            }
            Err(error) => Reply::failure(
                ServerKind::MessageResponse,
                Some(&self.id),
                error,
                request_id,
            )
            .encode(),
        };
        outbox.push_text(reply);
    }

    /// The reference's `PROPERTY_UPDATE` rules (§7), with the allowlist from the macro.
    fn check_property(&self, property: &str) -> Result<(), String> {
        if is_reserved_key(property) {
            return Err(Refusal::PropertyReserved { property }.text());
        }
        if property.starts_with('$') {
            return Err(Refusal::PropertyServerOnly { property }.text());
        }
        if !C::UPDATABLE_FIELDS.contains(&property) {
            return Err(Refusal::PropertyNotUpdatable {
                property,
                component: C::NAME,
                allowed: C::UPDATABLE_FIELDS,
            }
            .text());
        }
        Ok(())
    }
}
