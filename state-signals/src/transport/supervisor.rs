//! The supervisor: one reconnect state machine for every Redis target.
//!
//! A [`Supervisor`] owns the live connection and its generation, the
//! subscribed channels, loss detection, reconnection until every channel is
//! subscribed again, the health loop and the command timeout rule. What
//! differs between targets — how to open a connection, subscribe on it and
//! probe it, and whether it heals by itself — is a [`Connector`]: one
//! server or the master the Sentinels name ([`super::server`]), or a
//! cluster ([`super::cluster`]).
//!
//! A connection is lost when its server closes it (a disconnection push),
//! when a command gets no answer within the command timeout while nothing
//! else arrives either, or when the health probe, run every interval, finds
//! it dead. Each connection is tagged with a generation, so that news of an
//! old connection is never taken for news of the current one — and a
//! connection that drops while it is being opened or resubscribed is known
//! dead before it is installed: the supervisor opens another at once
//! instead of installing a deaf one.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use redis::{PushInfo, PushKind, RedisResult};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use super::ConnectOptions;
use super::incoming::{Decoder, Incoming};
use super::retry::{self, AbortOnDrop, Reconnect, is_transient, within};
use crate::throttle::Throttle;
use crate::{Error, Result};

type Sink = dyn Fn(Incoming) + Send + Sync;

/// Where a connection hands every push it receives.
pub(crate) type Pushes = Arc<dyn Fn(PushInfo) + Send + Sync>;

/// What the supervisor needs from a kind of target.
pub(crate) trait Connector: Send + Sync + 'static {
    /// A connection handle; clones share the connection.
    type Conn: redis::aio::ConnectionLike + Clone + Send + Sync + 'static;
    /// What the health probe remembers from one check to the next (reset
    /// with every new connection).
    type Memory: Default + Send;
    /// Whether the connection reconnects by itself after a disconnection
    /// push (a cluster's node connections), rather than being dead.
    const HEALS: bool;

    /// Checks that the target accepts connections at all, so that a
    /// refusal that retrying cannot cure ends the first connection at once.
    fn preflight(&self) -> impl Future<Output = RedisResult<()>> + Send {
        async { Ok(()) }
    }

    /// Asked once when the first connection attempt failed in a way that
    /// retrying might cure: whether the target speaks the other protocol
    /// than it says (TLS or not), which retrying cannot cure.
    fn mismatch(&self) -> impl Future<Output = Option<&'static str>> + Send {
        async { None }
    }

    /// Opens a connection whose pushes go to `pushes`.
    fn open(
        &self,
        pushes: Pushes,
        timeout: Duration,
    ) -> impl Future<Output = RedisResult<Self::Conn>> + Send;

    /// `SUBSCRIBE channel`, confirmed.
    fn subscribe(conn: Self::Conn, channel: String)
    -> impl Future<Output = RedisResult<()>> + Send;

    /// A `PING` sharing a connection with the pushes of `channel` (any
    /// channel when `None`): when it returns, earlier pushes were handed on.
    fn ping(
        conn: Self::Conn,
        channel: Option<String>,
    ) -> impl Future<Output = RedisResult<()>> + Send;

    /// One health check of `conn`: why it is dead, or `None` when alive.
    /// A probe that goes unanswered while messages keep arriving (see
    /// `activity`) finds the connection alive: its answers only queue
    /// behind a backlog.
    fn probe(
        &self,
        conn: Self::Conn,
        channels: &[String],
        activity: &Activity,
        memory: &mut Self::Memory,
        timeout: Duration,
    ) -> impl Future<Output = Option<&'static str>> + Send;
}

/// How much a connection received so far: a path that delivers is alive,
/// however long its answers wait.
#[derive(Debug)]
pub(crate) struct Activity {
    /// Every push, of any kind.
    pushes: AtomicU64,
    /// Messages on the signal channel, then on the response channel.
    messages: [AtomicU64; 2],
    signals: String,
}

impl Activity {
    /// Every push received so far.
    pub(super) fn total(&self) -> u64 {
        self.pushes.load(SeqCst)
    }

    /// The messages received so far on `channel`.
    pub(super) fn on(&self, channel: &str) -> u64 {
        self.messages[usize::from(channel != self.signals)].load(SeqCst)
    }
}

/// The state shared by a transport's clones, its connections' push
/// handlers (weakly) and its health loop.
pub(super) struct Supervisor<C: Connector> {
    connector: C,
    target: String,
    command_timeout: Duration,
    health_check_interval: Duration,
    sink: Box<Sink>,
    decoder: Decoder,
    /// The live connection and its generation; `None` while reconnecting.
    current: watch::Sender<Option<(C::Conn, u64)>>,
    /// The newest generation opened.
    generations: AtomicU64,
    /// Every generation up to this one is known dead (its server closed it).
    dead: AtomicU64,
    /// False from a healing connection's disconnection until a
    /// subscription is confirmed again.
    subscribed: AtomicBool,
    /// The channels to (re)subscribe.
    channels: Mutex<Vec<String>>,
    /// Wakes the health loop when a connection was found dead.
    wake: Notify,
    /// Reconnection failures, logged once per interval with the count.
    failures: Throttle,
    activity: Activity,
}

/// A supervised connection; clones share it, and the last one dropped ends
/// its health loop and closes it.
pub(crate) struct Supervised<C: Connector> {
    supervisor: Arc<Supervisor<C>>,
    _health: Arc<AbortOnDrop>,
}

impl<C: Connector> Clone for Supervised<C> {
    fn clone(&self) -> Self {
        Self {
            supervisor: self.supervisor.clone(),
            _health: self._health.clone(),
        }
    }
}

impl<C: Connector> Supervised<C> {
    /// Connects through `connector`, retrying once a second until the
    /// options' connect timeout; every push received is decoded and handed
    /// to `sink` on the task that reads the socket.
    pub(super) async fn connect(
        connector: C,
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Self> {
        let supervisor = Arc::new(Supervisor {
            connector,
            target: options.target.redacted(),
            command_timeout: options.command_timeout,
            health_check_interval: options.health_check_interval,
            sink: Box::new(sink),
            decoder: Decoder::new(options.channels.clone(), options.max_payload),
            current: watch::Sender::new(None),
            generations: AtomicU64::new(0),
            dead: AtomicU64::new(0),
            subscribed: AtomicBool::new(true),
            channels: Mutex::default(),
            wake: Notify::new(),
            failures: Throttle::default(),
            activity: Activity {
                pushes: AtomicU64::new(0),
                messages: Default::default(),
                signals: options.channels.signals().to_owned(),
            },
        });
        let asked = AtomicBool::new(false);
        let first = retry::connect(options, || async {
            supervisor.connector.preflight().await?;
            match supervisor.open().await {
                Err(e) if is_transient(&e) && !asked.swap(true, SeqCst) => {
                    match supervisor.connector.mismatch().await {
                        Some(mismatch) => Err(redis::RedisError::from(std::io::Error::other(
                            crate::error::TlsMismatch(mismatch),
                        ))),
                        None => Err(e),
                    }
                }
                opened => opened,
            }
        })
        .await?;
        if !supervisor.install(first) {
            supervisor.wake.notify_one();
        }
        let health = tokio::spawn(health_loop(supervisor.clone()));
        Ok(Self {
            supervisor,
            _health: Arc::new(AbortOnDrop(health)),
        })
    }

    /// The connector this connection was made with.
    pub(super) fn connector(&self) -> &C {
        &self.supervisor.connector
    }

    /// Whether a live connection is installed with every subscription
    /// confirmed by the server (false while reconnecting or resubscribing).
    pub(super) fn is_connected(&self) -> bool {
        self.supervisor.current.borrow().is_some() && self.supervisor.subscribed.load(SeqCst)
    }

    /// Where this transport is connected, without password.
    pub(super) fn target(&self) -> &str {
        &self.supervisor.target
    }

    /// Publishes `payload` on `channel`; returns how many clients received
    /// it (on a cluster: the receivers attached to the node that took it).
    pub(super) async fn publish(&self, channel: &str, payload: String) -> Result<usize> {
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(channel).arg(payload);
        self.run("PUBLISH", move |mut conn: C::Conn| async move {
            cmd.query_async::<usize>(&mut conn).await
        })
        .await
    }

    /// Subscribes to `channel` and returns once the server confirmed it.
    /// The subscription is renewed, and checked, after every reconnection.
    pub(super) async fn subscribe(&self, channel: &str) -> Result<()> {
        self.supervisor.add_channel(channel);
        let name = channel.to_owned();
        let result = self
            .run("SUBSCRIBE", move |conn| C::subscribe(conn, name))
            .await;
        if result.is_err() {
            self.supervisor.remove_channel(channel);
        }
        result
    }

    /// A `PING` on the connection of the first subscription: when it
    /// returns, every push received before it has been handed to the sink.
    pub(super) async fn round_trip(&self) -> Result<()> {
        let first = self.supervisor.channels().first().cloned();
        self.run("PING", move |conn| C::ping(conn, first)).await
    }

    /// Runs one command on the live connection (waiting for one while it is
    /// being replaced), all within the command timeout. A command that runs
    /// out of time while nothing else arrived either marks the connection
    /// dead, as does a connection error where the connection cannot heal.
    pub(super) async fn run<T, F>(
        &self,
        command: &'static str,
        query: impl FnOnce(C::Conn) -> F,
    ) -> Result<T>
    where
        F: Future<Output = RedisResult<T>>,
    {
        let supervisor = &self.supervisor;
        let after = supervisor.command_timeout;
        let timeout = || Error::CommandTimeout { command, after };
        let deadline = Some(crate::deadline::deadline(Instant::now(), after));
        let activity = supervisor.activity.total();
        let Some((conn, generation)) = within(deadline, supervisor.connection()).await.flatten()
        else {
            return Err(timeout());
        };
        match within(deadline, query(conn)).await {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) => {
                let silent = e.is_timeout() && supervisor.activity.total() == activity;
                if silent || (!C::HEALS && is_transient(&e)) {
                    supervisor.lost(generation, &e.to_string());
                }
                if e.is_timeout() {
                    // The client's own response timeout: the same failure as ours.
                    return Err(timeout());
                }
                Err(Error::redis(command)(e))
            }
            None => {
                // No answer and nothing else received either: a dead path.
                if supervisor.activity.total() == activity {
                    supervisor.lost(generation, "a command got no answer in time");
                }
                Err(timeout())
            }
        }
    }
}

impl<C: Connector> Supervisor<C> {
    fn channels(&self) -> MutexGuard<'_, Vec<String>> {
        self.channels
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add_channel(&self, channel: &str) {
        let mut channels = self.channels();
        if !channels.iter().any(|c| c == channel) {
            channels.push(channel.to_owned());
        }
    }

    fn remove_channel(&self, channel: &str) {
        self.channels().retain(|c| c != channel);
    }

    /// Opens a new connection whose pushes are handled as a new generation.
    async fn open(self: &Arc<Self>) -> RedisResult<(C::Conn, u64)> {
        let generation = self.generations.fetch_add(1, SeqCst) + 1;
        let supervisor: Weak<Self> = Arc::downgrade(self);
        let pushes: Pushes = Arc::new(move |push| {
            if let Some(supervisor) = supervisor.upgrade() {
                supervisor.received(generation, push);
            }
        });
        let conn = self.connector.open(pushes, self.command_timeout).await?;
        Ok((conn, generation))
    }

    /// A push of connection `generation`; pushes of connections replaced
    /// since are dropped.
    fn received(&self, generation: u64, push: PushInfo) {
        self.activity.pushes.fetch_add(1, SeqCst);
        if generation != self.generations.load(SeqCst) {
            return;
        }
        if push.kind == PushKind::Disconnection {
            if C::HEALS {
                self.subscribed.store(false, SeqCst);
                (self.sink)(Incoming::Disconnected);
            } else {
                // Known dead before `lost`, so that a connection still
                // being opened or resubscribed is never installed.
                self.dead.fetch_max(generation, SeqCst);
                self.lost(generation, "the server closed the connection");
            }
            return;
        }
        let Some(incoming) = self.decoder.decode(push) else {
            return;
        };
        match &incoming {
            Incoming::Signal(_) => _ = self.activity.messages[0].fetch_add(1, SeqCst),
            Incoming::Response(_) => _ = self.activity.messages[1].fetch_add(1, SeqCst),
            Incoming::Subscribed => self.subscribed.store(true, SeqCst),
            Incoming::Disconnected => {}
        }
        (self.sink)(incoming);
    }

    /// Makes `conn` the live connection, unless it is already known dead;
    /// returns whether it is live.
    fn install(&self, (conn, generation): (C::Conn, u64)) -> bool {
        if self.dead.load(SeqCst) >= generation {
            return false;
        }
        self.subscribed.store(true, SeqCst);
        self.current.send_replace(Some((conn, generation)));
        // A drop that arrived during the installation: the push handler's
        // `lost` ran before the connection was current, so act on it here.
        if self.dead.load(SeqCst) >= generation {
            self.lost(generation, "the server closed the connection");
            return false;
        }
        true
    }

    /// The live connection, waiting while it is being replaced.
    async fn connection(&self) -> Option<(C::Conn, u64)> {
        let mut current = self.current.subscribe();
        let live = current.wait_for(Option::is_some).await.ok()?;
        live.clone()
    }

    /// The connection of `generation` is dead: forget it, tell the sink
    /// and wake the health loop (once, whoever noticed first).
    fn lost(&self, generation: u64, why: &str) {
        let was_current = self.current.send_if_modified(|current| {
            if current.as_ref().is_some_and(|(_, g)| *g == generation) {
                *current = None;
                true
            } else {
                false
            }
        });
        if was_current {
            tracing::warn!(target = %self.target, reason = why, "lost the connection to Redis; reconnecting");
            self.subscribed.store(false, SeqCst);
            (self.sink)(Incoming::Disconnected);
            self.wake.notify_one();
        }
    }

    /// Opens connections until one is up with every channel subscribed
    /// again (each confirmation awaited and checked) and did not drop
    /// meanwhile, then installs it.
    async fn reconnect(self: &Arc<Self>) {
        let reconnect = Reconnect {
            target: &self.target,
            timeout: self.command_timeout,
            failures: &self.failures,
        };
        loop {
            let conn = reconnect
                .until_resubscribed(
                    || self.channels().clone(),
                    || self.open(),
                    |(conn, _), channel| C::subscribe(conn, channel),
                )
                .await;
            if self.install(conn) {
                crate::metrics::reconnected();
                return;
            }
            tracing::debug!(target = %self.target, "the new connection dropped while it was resubscribing; again");
        }
    }
}

/// Watches the connection for as long as the transport lives: a health
/// probe every interval (also while messages flow: the bound on detecting a
/// dead path is one interval plus one command timeout), and a reconnection
/// whenever the connection is dead.
async fn health_loop<C: Connector>(supervisor: Arc<Supervisor<C>>) {
    let mut memory = C::Memory::default();
    loop {
        tokio::select! {
            () = supervisor.wake.notified() => {}
            () = tokio::time::sleep(supervisor.health_check_interval) => {
                let current = supervisor.current.borrow().clone();
                if let Some((conn, generation)) = current {
                    let channels = supervisor.channels().clone();
                    let probe = supervisor.connector.probe(
                        conn,
                        &channels,
                        &supervisor.activity,
                        &mut memory,
                        supervisor.command_timeout,
                    );
                    if let Some(why) = probe.await {
                        supervisor.lost(generation, why);
                    }
                }
            }
        }
        if supervisor.current.borrow().is_none() {
            memory = C::Memory::default();
            supervisor.reconnect().await;
        }
    }
}
