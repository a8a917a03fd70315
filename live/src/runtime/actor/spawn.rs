//! Starting a component actor: the component from props, a signed state or a cluster
//! mirror, its mailboxes, and (for cluster singletons) its link.

use super::env::ComponentEnv;
use super::instance::Actor;
use crate::cluster::{MirroredState, SingletonOwner};
use crate::component::LiveComponent;
use crate::component::push::{BoxJob, Pusher};
use crate::protocol::refusal::Refusal;
use crate::runtime::cluster_link::{ClusterNode, Role, SingletonLink, StartRole};
use crate::runtime::mailbox::{self, ComponentHandle, MountReply, Viewer};
use crate::runtime::outbox::Audience;
use crate::runtime::rooms::{Member, Memberships, TypedRoomOps};
use crate::runtime::singleton_table::SingletonTable;
use crate::runtime::stats::Counted;
use crate::security::ActionWindows;
use crate::support::{IdTable, queue};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// How many pushed jobs (ticks, task results, messages) may wait for one component.
const JOB_QUEUE: usize = 64;

/// What a descriptor needs to start a component.
#[derive(Debug)]
pub(crate) struct SpawnRequest {
    /// The new component's id.
    pub(crate) id: Arc<str>,
    /// Client-supplied initial values (only updatable fields are accepted).
    pub(crate) props: Option<Map<String, Value>>,
    /// The mounting connection.
    pub(crate) viewer: Viewer,
    /// What the mount reply echoes.
    pub(crate) reply: MountReply,
    /// For singletons: the table to leave when the last viewer goes.
    pub(crate) singleton: Option<Arc<SingletonTable>>,
    /// What every component of the server shares.
    pub(crate) env: Arc<ComponentEnv>,
    /// `payload.room` at mount: an untyped room joined silently, target of `BROADCAST`.
    pub(crate) default_room: Option<String>,
    /// Rehydration: the verified state to start from (instead of default + props).
    pub(crate) restore: Option<Restore>,
    /// Cluster singletons: the node and how this instance starts (owner or proxy).
    pub(crate) cluster: Option<(Arc<ClusterNode>, StartRole)>,
}

/// A verified signed state to recreate a component from (`COMPONENT_REHYDRATE`).
#[derive(Debug)]
pub(crate) struct Restore {
    /// The decoded state, without `__componentName`.
    pub(crate) state: Map<String, Value>,
    /// The signed state's version; the new signature is `version + 1`.
    pub(crate) version: u64,
}

/// A component's actor, not yet running: a singleton's is spawned as a task of its own; a
/// private component's runs in its connection's task (see `connection::LocalActors`).
pub(crate) type ActorTask = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Creates component `C` from its props and returns its handle and its actor, which sends
/// the mount frames once it runs.
pub(crate) fn start_component<C: LiveComponent>(
    mut request: SpawnRequest,
) -> Result<(ComponentHandle, ActorTask), String> {
    let cluster = request.cluster.take();
    let Start {
        component,
        version,
        synced,
        role,
    } = starting_point::<C>(&mut request, cluster.as_ref().map(|(_, role)| role))?;
    let (handle, mail) = mailbox::open(Arc::clone(&request.id));
    let (jobs, jobs_rx) = queue::bounded::<BoxJob<C>>(JOB_QUEUE);
    let handle = handle
        .with_jobs(Arc::new(jobs.clone()))
        .with_uploads(C::NAME, C::UPLOADS);
    let link = cluster.map(|(node, _)| Box::new(SingletonLink::new(node, C::NAME, role, &handle)));
    let audience = Audience::default();
    let rooms = Arc::new(TypedRoomOps {
        rooms: Arc::clone(&request.env.rooms),
        member: Member {
            component_id: Arc::clone(&request.id),
            mailbox: handle.member_mailbox(),
            audience: audience.clone(),
            identity: request.viewer.identity.clone(),
            connection_id: Arc::clone(&request.viewer.connection_id),
        },
        memberships: Memberships::default(),
    });
    let mut pusher = Pusher::new(
        jobs,
        request.env.stats.push_task_counter(),
        request.env.clone(),
    );
    if request.singleton.is_none()
        && let Some(session) = request.viewer.identity.session()
    {
        pusher.list_in_session(&session.id, Arc::clone(&request.id));
    }
    let actor = Actor {
        id: request.id,
        component,
        synced,
        viewers: IdTable::default(),
        audience,
        owner: Arc::clone(&request.viewer.connection_id),
        singleton: request.singleton,
        mail,
        jobs: jobs_rx,
        pusher: Arc::new(pusher),
        rooms,
        handlers: HashMap::new(),
        default_room: None,
        version,
        signature_due: false,
        last_signature: None,
        membership_publish_at: None,
        timer: None,
        timer_armed: None,
        windows: ActionWindows::default(),
        _counted: request.env.stats.track(Counted::Component),
        metrics: request
            .env
            .metrics
            .component(C::NAME, C::ACTIONS)
            .instance(),
        env: request.env,
        cluster: link,
    };
    let task = Box::new(actor).run(request.viewer, request.reply, request.default_room);
    Ok((handle, Box::pin(task)))
}

/// Where a new instance starts.
struct Start<C> {
    component: C,
    /// The version of the signed state it was restored from (0: none).
    version: u64,
    /// The state its viewers get first.
    synced: Value,
    /// Its role in a cluster (`Owner` outside one).
    role: Role,
}

/// A proxy relays the owner's state (its component value is never used); an owner starts
/// from a previous owner's mirror when that fits, else from a signed state or the props.
fn starting_point<C: LiveComponent>(
    request: &mut SpawnRequest,
    start: Option<&StartRole>,
) -> Result<Start<C>, String> {
    let recovered = match start {
        Some(StartRole::Proxy { owner, mirror }) => {
            return Ok(proxy_start(owner.as_ref(), mirror.as_ref()));
        }
        Some(StartRole::Owner { recovered }) => recovered.as_ref(),
        None => None,
    };
    let (component, version) = match recovered.and_then(recovered_component::<C>) {
        Some(component) => (component, 0),
        None => seeded_component::<C>(request)?,
    };
    let synced = serde_json::to_value(&component).map_err(|error| {
        let detail = error.to_string();
        Refusal::StateNotSerializable {
            component: C::NAME,
            detail: &detail,
        }
        .text()
    })?;
    Ok(Start {
        component,
        version,
        synced,
        role: Role::Owner { seq: 0 },
    })
}

/// A proxy starts from the mirror; it is in step with `owner` only if `owner` wrote it.
fn proxy_start<C: LiveComponent>(
    owner: Option<&SingletonOwner>,
    mirror: Option<&MirroredState>,
) -> Start<C> {
    let synced = mirror.map_or_else(|| Value::Object(Map::new()), |mirror| mirror.state.clone());
    let seq = mirror
        .filter(|mirror| owner.is_some_and(|o| o.token() == mirror.owner))
        .map(|mirror| mirror.seq);
    Start {
        component: C::default(),
        version: 0,
        synced,
        role: Role::Proxy {
            owner: owner.cloned(),
            seq,
        },
    }
}

/// The component from the client's props, or from a verified signed state (rehydration).
fn seeded_component<C: LiveComponent>(request: &mut SpawnRequest) -> Result<(C, u64), String> {
    match request.restore.take() {
        Some(restore) => Ok((restored_component::<C>(restore.state)?, restore.version)),
        None => Ok((initial_component::<C>(request.props.take())?, 0)),
    }
}

/// The component a previous owner's mirrored state describes (cluster failover); `None`
/// (logged) when the state no longer fits the type.
fn recovered_component<C: LiveComponent>(mirror: &MirroredState) -> Option<C> {
    match serde_json::from_value(mirror.state.clone()) {
        Ok(component) => Some(component),
        Err(error) => {
            tracing::error!(component = C::NAME, %error, "mirrored state does not fit; starting fresh");
            None
        }
    }
}

/// The component a verified signed state describes. Every field comes from the state (it
/// was signed by this server), `#[serde(skip)]` fields start from their defaults.
fn restored_component<C: LiveComponent>(state: Map<String, Value>) -> Result<C, String> {
    serde_json::from_value(Value::Object(state)).map_err(|error| {
        let detail = error.to_string();
        Refusal::StateNotRestorable {
            component: C::NAME,
            detail: &detail,
        }
        .text()
    })
}

/// `C::default()` with the client's props written through [`LiveComponent::set_property`].
///
/// Deviation from the reference: props set only updatable fields. The TS server lets a client
/// seed any state key at mount; Live ignores (with a debug log) a prop that is not an
/// updatable field, so a client that sends its whole initial state (FluxStack's
/// `useLive(name, initialState)`) still mounts, and server-owned fields keep their defaults.
fn initial_component<C: LiveComponent>(props: Option<Map<String, Value>>) -> Result<C, String> {
    let mut component = C::default();
    for (key, value) in props.unwrap_or_default() {
        if !C::UPDATABLE_FIELDS.contains(&key.as_str()) {
            tracing::debug!(
                component = C::NAME,
                prop = %key,
                "mount prop ignored: not an updatable field"
            );
            continue;
        }
        component.set_property(&key, value).map_err(|error| {
            let detail = error.to_string();
            Refusal::MountPropInvalid {
                prop: &key,
                detail: &detail,
            }
            .text()
        })?;
    }
    Ok(component)
}
