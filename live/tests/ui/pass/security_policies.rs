//! `auth(...)` and `rate_limit(...)` on the struct and on actions, and `on_rehydrate`.
use live::prelude::*;
use live::security::{ActionRateLimit, Denied};
use serde::{Deserialize, Serialize};

mod checks {
    use live::Identity;
    use live::security::Denied;

    pub fn signed_in(identity: &Identity) -> Result<(), Denied> {
        if identity.is_authenticated() {
            Ok(())
        } else {
            Err(Denied::because("sign in first"))
        }
    }
}

#[live_component(
    name = "Admin",
    singleton,
    auth(required, roles = ["admin", "owner"], permissions = ["board.write"], check = crate::checks::signed_in),
    rate_limit(max = 10, per_ms = 1000, per_action = false)
)]
#[derive(Default, Serialize, Deserialize)]
pub struct AdminPanel {
    pub resets: u32,
    pub rehydrated: bool,
}

#[live_component]
impl AdminPanel {
    #[action(name = "reset", auth(roles = ["owner"], check = Self::never), rate_limit(max = 5, per_ms = 60_000))]
    fn reset(&mut self) {
        self.resets += 1;
    }

    #[action(rate_limit(max = 1, per_ms = 500, per_action = true))]
    fn ping(&self) {}

    #[action(auth(permissions = ["board.read", "board.audit"]))]
    fn audit(&self) -> u32 {
        self.resets
    }

    #[action]
    fn open(&self) {}

    async fn on_rehydrate(&mut self, ctx: &mut Ctx<Self>) -> Result<(), ActionError> {
        let _ = ctx;
        self.rehydrated = true;
        Ok(())
    }

    fn never(_identity: &Identity) -> Result<(), Denied> {
        Err(Denied::new())
    }
}

#[live_component]
#[derive(Default, Serialize, Deserialize)]
pub struct Plain {
    pub rehydrated: bool,
}

#[live_component]
impl Plain {
    #[action]
    fn touch(&mut self) {}

    fn on_rehydrate(&self) -> Result<(), std::fmt::Error> {
        Ok(())
    }
}

fn main() {
    let auth = <AdminPanel as LiveComponent>::AUTH;
    assert_eq!(<AdminPanel as LiveComponent>::NAME, "Admin");
    assert!(<AdminPanel as LiveComponent>::SINGLETON);
    assert!(auth.required);
    assert_eq!(auth.roles, ["admin", "owner"]);
    assert_eq!(auth.permissions, ["board.write"]);
    let check = auth.check.unwrap();
    assert_eq!(
        check(&Identity::anonymous()),
        Err(Denied::because("sign in first"))
    );
    assert_eq!(
        <AdminPanel as LiveComponent>::RATE_LIMIT,
        Some(ActionRateLimit {
            max_calls: 10,
            window_ms: 1000,
            per_action: false,
        })
    );

    let policies = <AdminPanel as LiveComponent>::ACTION_POLICIES;
    assert_eq!(policies.len(), 3);
    let actions: Vec<&str> = policies.iter().map(|policy| policy.action).collect();
    assert_eq!(actions, ["reset", "ping", "audit"]);

    let [reset, ping, audit] = policies else {
        panic!("three policies");
    };
    assert!(!reset.auth.required);
    assert_eq!(reset.auth.roles, ["owner"]);
    assert!(reset.auth.permissions.is_empty());
    assert_eq!(
        reset.auth.check.unwrap()(&Identity::anonymous()),
        Err(Denied::new())
    );
    assert_eq!(
        reset.rate_limit,
        Some(ActionRateLimit {
            max_calls: 5,
            window_ms: 60_000,
            per_action: true,
        })
    );
    assert!(ping.auth.is_open());
    assert_eq!(ping.rate_limit.map(|limit| limit.max_calls), Some(1));
    assert_eq!(audit.auth.permissions, ["board.read", "board.audit"]);
    assert!(audit.auth.check.is_none());
    assert_eq!(audit.rate_limit, None);

    assert!(<Plain as LiveComponent>::AUTH.is_open());
    assert_eq!(<Plain as LiveComponent>::RATE_LIMIT, None);
    assert!(<Plain as LiveComponent>::ACTION_POLICIES.is_empty());
}
