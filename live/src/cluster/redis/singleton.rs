//! Singletons on Redis: the claim key (`<prefix>singleton:<name>`, `<instanceId>:<componentId>`
//! with a TTL), its renewal and release, the mirrored state, and the owner-checked publish
//! on `<prefix>delta:<name>`.

use super::inner::{Inner, backend, millis, to_json};
use super::scripts::{MIRROR, PUBLISH, RELEASE, RENEW};
use crate::cluster::{
    Claim, ClusterError, MirroredState, Renewal, SingletonMessage, SingletonOwner,
};
use serde_json::json;

impl Inner {
    pub(super) async fn claim_singleton(
        &self,
        name: &str,
        component_id: &str,
    ) -> Result<Claim, ClusterError> {
        let key = self.key("singleton", name);
        let mut conn = self.conn();
        let set: Option<String> = redis::cmd("SET")
            .arg(&key)
            .arg(self.token(component_id))
            .arg("NX")
            .arg("PX")
            .arg(millis(self.config.singleton_ttl))
            .query_async(&mut conn)
            .await
            .map_err(backend)?;
        if set.is_some() {
            return Ok(Claim::Claimed);
        }
        let holder = self.get("singleton", name).await?;
        Ok(Claim::Taken(
            holder.as_deref().and_then(SingletonOwner::parse),
        ))
    }

    pub(super) async fn singleton_owner(
        &self,
        name: &str,
    ) -> Result<Option<SingletonOwner>, ClusterError> {
        let holder = self.get("singleton", name).await?;
        Ok(holder.as_deref().and_then(SingletonOwner::parse))
    }

    pub(super) async fn renew_singleton(
        &self,
        name: &str,
        component_id: &str,
    ) -> Result<Renewal, ClusterError> {
        let (code, holder): (i64, String) = RENEW
            .key(self.key("singleton", name))
            .arg(self.token(component_id))
            .arg(millis(self.config.singleton_ttl))
            .invoke_async(&mut self.conn())
            .await
            .map_err(backend)?;
        Ok(match code {
            1 => Renewal::Renewed,
            2 => Renewal::Reclaimed,
            _ => Renewal::Lost(SingletonOwner::parse(&holder)),
        })
    }

    pub(super) async fn verify_singleton(
        &self,
        name: &str,
        component_id: &str,
    ) -> Result<bool, ClusterError> {
        let holder = self.get("singleton", name).await?;
        Ok(holder.as_deref() == Some(self.token(component_id).as_str()))
    }

    pub(super) async fn release_singleton(
        &self,
        name: &str,
        component_id: &str,
    ) -> Result<(), ClusterError> {
        let token = self.token(component_id);
        let gone = self.envelope(&SingletonMessage::Gone {
            owner: token.clone(),
        })?;
        let _: i64 = RELEASE
            .key(self.key("singleton", name))
            .key(self.key("singleton-state", name))
            .key(self.key("state", component_id))
            .arg(token)
            .arg(millis(self.config.singleton_ttl))
            .arg(self.key("delta", name))
            .arg(gone)
            .invoke_async(&mut self.conn())
            .await
            .map_err(backend)?;
        Ok(())
    }

    pub(super) async fn save_singleton_state(
        &self,
        name: &str,
        state: &MirroredState,
    ) -> Result<bool, ClusterError> {
        let mirror = to_json(state)?;
        // The per-component record (`<prefix>state:<componentId>`), as the reference
        // writes it.
        let record = json!({
            "componentName": name,
            "state": &state.state,
            "instanceId": &self.instance_id,
            "updatedAt": state.updated_at,
        })
        .to_string();
        let ttl = if self.config.state_ttl.is_zero() {
            0
        } else {
            millis(self.config.state_ttl)
        };
        let written: i64 = MIRROR
            .key(self.key("singleton", name))
            .key(self.key("singleton-state", name))
            .key(self.key("state", &state.component_id))
            .arg(&state.owner)
            .arg(mirror)
            .arg(ttl)
            .arg(record)
            .invoke_async(&mut self.conn())
            .await
            .map_err(backend)?;
        Ok(written == 1)
    }

    pub(super) async fn load_singleton_state(
        &self,
        name: &str,
    ) -> Result<Option<MirroredState>, ClusterError> {
        let text = self.get("singleton-state", name).await?;
        Ok(text.and_then(|text| match serde_json::from_str(&text) {
            Ok(state) => Some(state),
            Err(error) => {
                tracing::warn!(singleton = name, %error, "corrupt mirrored state ignored");
                None
            }
        }))
    }

    pub(super) async fn publish_singleton(
        &self,
        name: &str,
        component_id: &str,
        message: &SingletonMessage,
    ) -> Result<bool, ClusterError> {
        let text = self.envelope(message)?;
        let sent: i64 = PUBLISH
            .key(self.key("singleton", name))
            .arg(self.token(component_id))
            .arg(self.key("delta", name))
            .arg(text)
            .invoke_async(&mut self.conn())
            .await
            .map_err(backend)?;
        Ok(sent == 1)
    }
}
