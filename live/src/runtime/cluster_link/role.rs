//! How a singleton instance runs in a cluster.

use crate::cluster::{MirroredState, SingletonOwner};

/// How a singleton instance starts in a cluster.
#[derive(Debug)]
pub(crate) enum StartRole {
    /// This server owns it; `recovered` is a previous owner's mirrored state.
    Owner {
        /// The mirror left by a previous owner.
        recovered: Option<MirroredState>,
    },
    /// Another server owns it.
    Proxy {
        /// The owner, if known.
        owner: Option<SingletonOwner>,
        /// The mirrored state to start from.
        mirror: Option<MirroredState>,
    },
}

/// The role of a singleton instance.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Role {
    /// This instance serves the singleton.
    Owner {
        /// Changes published since the claim.
        seq: u64,
    },
    /// Another instance serves it; this one relays.
    Proxy {
        /// The owner, if known.
        owner: Option<SingletonOwner>,
        /// The last change applied from that owner (`None`: no state from it yet).
        seq: Option<u64>,
    },
}
