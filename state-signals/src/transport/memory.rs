//! MemoryBus: pub/sub in this process, behind the same [`Transport`]
//! interface as a Redis server.
//!
//! [`Transport`]: super::Transport

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::ConnectOptions;
use super::incoming::{Decoder, Incoming};
use crate::{Error, Result};

/// Numbers buses for their names (`memory://bus-3`).
static BUSES: AtomicU64 = AtomicU64::new(0);

/// An in-memory pub/sub bus: exporters, responders and monitors connect to
/// it instead of a Redis server, with
/// [`ConnectOptions::in_memory`](crate::ConnectOptions::in_memory), through
/// the same builders. Cheap to clone (clones are the same bus); make one per
/// test.
///
/// It keeps the protocol's semantics: messages are the same JSON payloads
/// (decoded, size-capped and validated as from Redis), a publish returns how
/// many connections received it, each connection receives a publisher's
/// messages in order, subscriptions are confirmed, namespaces isolate, and
/// everything above the transport (reserved events, locks, periodic
/// republish, timeouts, reports) is the same code as on Redis. With the
/// `test-util` feature (as tokio's: for your tests' dev-dependency) it also
/// injects faults: `drop_connections`, `disconnect`/`reconnect`,
/// `pause`/`resume` and `set_delay`.
///
/// It does not model a Redis restart's timing, the health check of a
/// half-open path, TLS, ACLs, cluster broadcast, or memory limits (each
/// connection's queue is unbounded).
///
/// ```
/// use state_signals::{ConnectOptions, Handler, MemoryBus, Reply, ResultCode, Signal, SignalExporter, SignalResponder};
///
/// struct Collector;
/// impl Handler for Collector {
///     async fn on_signal(&mut self, _signal: &Signal) -> Reply {
///         Reply::success()
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let bus = MemoryBus::new();
/// let responder = SignalResponder::builder()
///     .options(ConnectOptions::in_memory(&bus))
///     .responder_id("collector")
///     .connect()
///     .await?;
/// let serving = tokio::spawn(responder.serve(Collector));
/// let exporter = SignalExporter::builder("bench")
///     .options(ConnectOptions::in_memory(&bus))
///     .connect()
///     .await?;
/// exporter.initialize_and_wait(1, ["start"]).await?;
/// let report = exporter.publish_signal("start").await?;
/// assert_eq!(report.code, ResultCode::AllSucceeded);
/// exporter.shutdown().await?;
/// serving.await.unwrap()?;
/// # Ok::<(), state_signals::Error>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemoryBus {
    inner: Arc<Bus>,
}

struct Bus {
    name: String,
    state: Mutex<State>,
    /// `false` while [`MemoryBus::disconnect`]ed.
    up: watch::Sender<bool>,
    /// `true` while [`MemoryBus::pause`]d.
    paused: watch::Sender<bool>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    connections: HashMap<u64, Entry>,
    /// Channel → the connections subscribed to it: a publish costs its
    /// receivers, not every connection on the bus.
    subscribed: HashMap<String, HashSet<u64>>,
    delay: Duration,
}

/// One connection, as the bus sees it.
struct Entry {
    channels: HashSet<String>,
    deliveries: mpsc::UnboundedSender<Delivery>,
}

/// What a connection's delivery task hands on, in order.
enum Delivery {
    Message {
        channel: Arc<str>,
        payload: Arc<[u8]>,
        at: Instant,
    },
    Event(Incoming),
    /// Answered when everything before it was delivered.
    Marker(oneshot::Sender<()>),
}

impl Default for MemoryBus {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MemoryBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBus")
            .field("name", &self.inner.name)
            .field("connections", &self.state().connections.len())
            .finish()
    }
}

impl MemoryBus {
    /// A new, empty bus.
    pub fn new() -> Self {
        let id = BUSES.fetch_add(1, Ordering::Relaxed) + 1;
        Self {
            inner: Arc::new(Bus {
                name: format!("memory://bus-{id}"),
                state: Mutex::default(),
                up: watch::Sender::new(true),
                paused: watch::Sender::new(false),
            }),
        }
    }

    pub(crate) fn name(&self) -> String {
        self.inner.name.clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind: go on.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How many connections are subscribed to `channel` (Redis' `PUBSUB NUMSUB`).
    pub fn subscribers(&self, channel: &str) -> usize {
        self.state().subscribed.get(channel).map_or(0, HashSet::len)
    }

    /// Every connection drops and comes back at once, as after a short
    /// network cut: each is told it was disconnected, then resubscribed.
    ///
    /// Fault injection, behind the `test-util` feature (for tests).
    #[cfg(feature = "test-util")]
    pub fn drop_connections(&self) {
        self.disconnect();
        self.reconnect();
    }

    /// Every connection goes down until [`reconnect`](Self::reconnect):
    /// messages published meanwhile are lost for them, and their commands
    /// wait (and time out after their command timeout), as during a Redis
    /// restart.
    ///
    /// Fault injection, behind the `test-util` feature (for tests).
    #[cfg(feature = "test-util")]
    pub fn disconnect(&self) {
        let mut state = self.state();
        self.inner.up.send_replace(false);
        for entry in state.connections.values_mut() {
            let _ = entry
                .deliveries
                .send(Delivery::Event(Incoming::Disconnected));
        }
    }

    /// Ends a [`disconnect`](Self::disconnect): every connection is back,
    /// its subscriptions renewed and confirmed.
    ///
    /// Fault injection, behind the `test-util` feature (for tests).
    #[cfg(feature = "test-util")]
    pub fn reconnect(&self) {
        let state = self.state();
        self.inner.up.send_replace(true);
        for entry in state.connections.values() {
            for _ in &entry.channels {
                let _ = entry.deliveries.send(Delivery::Event(Incoming::Subscribed));
            }
        }
    }

    /// Holds every publish until [`resume`](Self::resume) (Redis'
    /// `CLIENT PAUSE WRITE`): a publisher waits, and gets a command timeout
    /// if the pause outlasts it.
    ///
    /// Fault injection, behind the `test-util` feature (for tests).
    #[cfg(feature = "test-util")]
    pub fn pause(&self) {
        self.inner.paused.send_replace(true);
    }

    /// Ends a [`pause`](Self::pause).
    ///
    /// Fault injection, behind the `test-util` feature (for tests).
    #[cfg(feature = "test-util")]
    pub fn resume(&self) {
        self.inner.paused.send_replace(false);
    }

    /// Delivers every message published from now on `delay` late (a slow
    /// network); order is kept.
    ///
    /// Fault injection, behind the `test-util` feature (for tests).
    #[cfg(feature = "test-util")]
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// A connection for a transport: its delivery task decodes and hands
    /// messages to `sink`.
    pub(super) fn connect(
        &self,
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> MemoryTransport {
        let decoder = Decoder::new(options.channels.clone(), options.max_payload);
        let (deliveries, mut queue) = mpsc::unbounded_channel::<Delivery>();
        let task = tokio::spawn(async move {
            while let Some(delivery) = queue.recv().await {
                match delivery {
                    Delivery::Message {
                        channel,
                        payload,
                        at,
                    } => {
                        // A timer even for a past instant costs a timer tick (~1 ms).
                        if at > Instant::now() {
                            tokio::time::sleep_until(at).await;
                        }
                        if let Some(incoming) = decoder.message(channel.as_bytes(), &payload) {
                            sink(incoming);
                        }
                    }
                    Delivery::Event(incoming) => sink(incoming),
                    Delivery::Marker(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        let id = {
            let mut state = self.state();
            state.next_id += 1;
            let id = state.next_id;
            state.connections.insert(
                id,
                Entry {
                    channels: HashSet::new(),
                    deliveries,
                },
            );
            id
        };
        MemoryTransport {
            connection: Arc::new(Connection {
                bus: self.clone(),
                id,
                command_timeout: options.command_timeout,
                task,
            }),
        }
    }
}

/// A transport on a [`MemoryBus`]. Clones share the connection; the last
/// one dropped leaves the bus.
#[derive(Clone)]
pub(crate) struct MemoryTransport {
    connection: Arc<Connection>,
}

struct Connection {
    bus: MemoryBus,
    id: u64,
    command_timeout: Duration,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let mut state = self.bus.state();
        if let Some(entry) = state.connections.remove(&self.id) {
            for channel in entry.channels {
                if let Some(ids) = state.subscribed.get_mut(&channel) {
                    ids.remove(&self.id);
                    if ids.is_empty() {
                        state.subscribed.remove(&channel);
                    }
                }
            }
        }
        self.task.abort();
    }
}

impl MemoryTransport {
    fn bus(&self) -> &MemoryBus {
        &self.connection.bus
    }

    pub(super) fn is_connected(&self) -> bool {
        *self.bus().inner.up.borrow()
    }

    pub(super) fn target(&self) -> &str {
        &self.bus().inner.name
    }

    /// Waits, within the command timeout, until the bus is up (and not
    /// paused, for a publish).
    async fn ready(&self, command: &'static str, publish: bool) -> Result<()> {
        let after = self.connection.command_timeout;
        let bus = &self.bus().inner;
        let (mut up, mut paused) = (bus.up.subscribe(), bus.paused.subscribe());
        let wait = async {
            loop {
                if *up.borrow_and_update() && !(publish && *paused.borrow_and_update()) {
                    return;
                }
                tokio::select! {
                    _ = up.changed() => {}
                    _ = paused.changed() => {}
                }
            }
        };
        tokio::time::timeout(after, wait)
            .await
            .map_err(|_| Error::CommandTimeout { command, after })
    }

    pub(super) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        self.ready("PUBLISH", true).await?;
        let bus = self.bus();
        let state = bus.state();
        if !*bus.inner.up.borrow() {
            return Err(Error::CommandTimeout {
                command: "PUBLISH",
                after: self.connection.command_timeout,
            });
        }
        let (channel, payload): (Arc<str>, Arc<[u8]>) =
            (channel.into(), payload.into_bytes().into());
        let at = crate::deadline::deadline(Instant::now(), state.delay);
        let mut receivers = 0;
        let ids = state.subscribed.get(&*channel).into_iter().flatten();
        for entry in ids.filter_map(|id| state.connections.get(id)) {
            let delivery = Delivery::Message {
                channel: channel.clone(),
                payload: payload.clone(),
                at,
            };
            receivers += usize::from(entry.deliveries.send(delivery).is_ok());
        }
        Ok(receivers)
    }

    pub(super) async fn subscribe(&self, channel: &str) -> Result<()> {
        self.ready("SUBSCRIBE", false).await?;
        let id = self.connection.id;
        let mut state = self.bus().state();
        if let Some(entry) = state.connections.get_mut(&id)
            && entry.channels.insert(channel.to_owned())
        {
            let _ = entry.deliveries.send(Delivery::Event(Incoming::Subscribed));
            state
                .subscribed
                .entry(channel.to_owned())
                .or_default()
                .insert(id);
        }
        Ok(())
    }

    pub(super) async fn round_trip(&self) -> Result<()> {
        self.ready("PING", false).await?;
        let (done, delivered) = oneshot::channel();
        if let Some(entry) = self.bus().state().connections.get(&self.connection.id) {
            let _ = entry.deliveries.send(Delivery::Marker(done));
        }
        let after = self.connection.command_timeout;
        match tokio::time::timeout(after, delivered).await {
            Ok(_) => Ok(()),
            Err(_) => Err(Error::CommandTimeout {
                command: "PING",
                after,
            }),
        }
    }
}
