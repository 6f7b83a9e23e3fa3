//! Link: the current connection of a transport, and the supervisor that
//! checks its health and replaces it when it dies.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, PushInfo, PushKind};
use tokio::sync::{Notify, watch};

use super::ConnectOptions;
use super::incoming::{Decoder, Incoming};
use crate::Result;
use crate::throttle::Throttle;

type Sink = dyn Fn(Incoming) + Send + Sync;

/// Where each (re)connection goes.
enum Source {
    /// One server.
    Fixed(redis::Client),
    /// The master the sentinels name at the time of each connection.
    Sentinel {
        sentinels: Vec<String>,
        master: String,
        credentials: super::target::Credentials,
        tls: super::options::Tls,
    },
}

/// The state shared by a transport's clones, its connections' push
/// handlers (weakly) and its supervisor.
pub(super) struct Link {
    source: Source,
    target: String,
    command_timeout: Duration,
    health_check_interval: Duration,
    sink: Arc<Sink>,
    decoder: Arc<Decoder>,
    /// The live connection and its generation; `None` while reconnecting.
    current: watch::Sender<Option<(MultiplexedConnection, u64)>>,
    generations: AtomicU64,
    /// The channels to (re)subscribe.
    channels: Mutex<Vec<String>>,
    /// Wakes the supervisor when the connection was found dead.
    dead: Notify,
    /// Reconnection failures, logged once per interval with the count.
    failures: Throttle,
    /// Counts pushes received: a connection that delivers is alive, however
    /// long its answers queue behind a backlog of messages.
    activity: Arc<AtomicU64>,
}

impl Link {
    pub(super) fn new(
        options: &ConnectOptions,
        sink: impl Fn(Incoming) + Send + Sync + 'static,
    ) -> Result<Arc<Self>> {
        Ok(Arc::new(Self {
            source: {
                match &options.target {
                    super::Target::Sentinel {
                        sentinels,
                        master,
                        credentials,
                    } => Source::Sentinel {
                        sentinels: sentinels.clone(),
                        master: master.clone(),
                        credentials: credentials.clone(),
                        tls: options.tls.clone(),
                    },
                    target => Source::Fixed(target.resp3_client(&options.tls)?),
                }
            },
            target: options.target.redacted(),
            command_timeout: options.command_timeout,
            health_check_interval: options.health_check_interval,
            sink: Arc::new(sink),
            decoder: Arc::new(Decoder::new(options.channels.clone(), options.max_payload)),
            current: watch::Sender::new(None),
            generations: AtomicU64::new(0),
            channels: Mutex::default(),
            dead: Notify::new(),
            failures: Throttle::default(),
            activity: Arc::default(),
        }))
    }

    pub(super) fn target(&self) -> &str {
        &self.target
    }

    pub(super) fn command_timeout(&self) -> Duration {
        self.command_timeout
    }

    fn channels(&self) -> MutexGuard<'_, Vec<String>> {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn add_channel(&self, channel: &str) {
        let mut channels = self.channels();
        if !channels.iter().any(|c| c == channel) {
            channels.push(channel.to_owned());
        }
    }

    pub(super) fn remove_channel(&self, channel: &str) {
        self.channels().retain(|c| c != channel);
    }

    /// Opens a new connection whose pushes go to the sink, tagged with a
    /// new generation (so that a late disconnection of an old connection is
    /// not taken for one of the current).
    pub(super) async fn open(self: &Arc<Self>) -> redis::RedisResult<(MultiplexedConnection, u64)> {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let link: Weak<Self> = Arc::downgrade(self);
        let decoder = self.decoder.clone();
        let sink = self.sink.clone();
        let activity = self.activity.clone();
        let push_sender = move |push: PushInfo| -> std::result::Result<(), ()> {
            activity.fetch_add(1, Ordering::Relaxed);
            if push.kind == PushKind::Disconnection {
                if let Some(link) = link.upgrade() {
                    link.lost(generation, "the server closed the connection");
                }
            } else if let Some(incoming) = decoder.decode(push) {
                sink(incoming);
            }
            Ok(())
        };
        let config = AsyncConnectionConfig::new()
            .set_push_sender(push_sender)
            .set_connection_timeout(Some(self.command_timeout))
            .set_response_timeout(Some(self.command_timeout));
        let (client, sentinel) = match &self.source {
            Source::Fixed(client) => (client.clone(), false),
            Source::Sentinel {
                sentinels,
                master,
                credentials,
                tls,
            } => {
                let (host, port) =
                    super::sentinel::master_address(sentinels, master, self.command_timeout)
                        .await?;
                tracing::debug!(%master, %host, port, "the sentinels name the master");
                let url = super::sentinel::master_url(sentinels, tls, &host, port);
                let client = super::Target::Url(url)
                    .resp3_client_as(tls, credentials)
                    .map_err(|e| super::sentinel::unreachable(e.to_string()))?;
                (client, true)
            }
        };
        let mut conn = client
            .get_multiplexed_async_connection_with_config(&config)
            .await?;
        if sentinel {
            // Mid-failover the Sentinels may still name a demoted master.
            super::sentinel::check_master(&mut conn).await?;
        }
        Ok((conn, generation))
    }

    pub(super) fn is_connected(&self) -> bool {
        self.current.borrow().is_some()
    }

    /// Makes `conn` the live connection.
    pub(super) fn install(&self, conn: (MultiplexedConnection, u64)) {
        self.current.send_replace(Some(conn));
    }

    /// The live connection, waiting while the link is down; `None` if the
    /// link is gone.
    pub(super) async fn connection(&self) -> Option<(MultiplexedConnection, u64)> {
        let mut current = self.current.subscribe();
        let live = current.wait_for(Option::is_some).await.ok()?;
        live.clone()
    }

    /// The connection of `generation` is dead: forget it and wake the
    /// supervisor (once, whoever noticed first).
    pub(super) fn lost(&self, generation: u64, why: &str) {
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
            (self.sink)(Incoming::Disconnected);
            self.dead.notify_one();
        }
    }

    /// How many pushes were received so far.
    pub(super) fn activity(&self) -> u64 {
        self.activity.load(Ordering::Relaxed)
    }

    /// A health check of the live connection: `PING` within the command
    /// timeout, unless messages kept arriving (a connection that delivers
    /// is alive even when its answers wait behind a backlog). Returns the
    /// generation that failed it.
    async fn check(&self) -> Option<u64> {
        let (mut conn, generation) = self.current.borrow().clone()?;
        let before = self.activity();
        let ping = redis::cmd("PING");
        match tokio::time::timeout(self.command_timeout, ping.query_async::<()>(&mut conn)).await {
            Ok(Ok(())) => None,
            _ if self.activity() != before => None,
            Ok(Err(e)) if !(e.is_io_error() || e.is_timeout() || e.is_connection_dropped()) => {
                // The server answered (with an error): the path is alive.
                tracing::debug!(error = %e, "health check answered with an error");
                None
            }
            _ => Some(generation),
        }
    }

    /// Opens connections until one is up with every channel subscribed
    /// again (each confirmation awaited and checked), then installs it.
    async fn reconnect(self: &Arc<Self>) {
        let reconnect = super::retry::Reconnect {
            target: &self.target,
            timeout: self.command_timeout,
            failures: &self.failures,
        };
        let conn = reconnect
            .until_resubscribed(
                || self.channels().clone(),
                || self.open(),
                |(mut conn, _), channel| async move { conn.subscribe(channel).await },
            )
            .await;
        self.install(conn);
    }
}

/// Watches the link for as long as the transport lives: a health check
/// every interval, and a reconnection whenever the connection is dead.
pub(super) async fn supervise(link: Arc<Link>) {
    let mut seen = link.activity();
    loop {
        tokio::select! {
            () = link.dead.notified() => {}
            () = tokio::time::sleep(link.health_check_interval) => {
                let now = link.activity();
                if std::mem::replace(&mut seen, now) != now {
                    continue; // messages arrived: the path is alive
                }
                match link.check().await {
                    Some(generation) => link.lost(generation, "no answer to the health check"),
                    None => continue,
                }
            }
        }
        if link.current.borrow().is_none() {
            link.reconnect().await;
        }
    }
}
