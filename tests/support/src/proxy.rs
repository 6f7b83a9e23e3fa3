//! A TCP proxy in front of a `redis-server` that can turn its live
//! connections half-open: the upstream side closed, the client side left
//! open and silent — what a NAT or load-balancer idle timeout looks like.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A proxy on a free local port; its task ends with the test's runtime.
pub struct Proxy {
    port: u16,
    blackholes: watch::Sender<u64>,
    refusing: Arc<AtomicBool>,
}

impl Proxy {
    /// Forwards every connection to `127.0.0.1:upstream`.
    pub async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a proxy port");
        let port = listener.local_addr().expect("proxy address").port();
        let (blackholes, _) = watch::channel(0u64);
        let kill = blackholes.clone();
        // Client sides of blackholed connections: open, never read or written.
        let silent: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let refusing = Arc::new(AtomicBool::new(false));
        let refuse = refusing.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if refuse.load(Ordering::SeqCst) {
                    drop(client); // accepted and closed at once: a refused connection
                    continue;
                }
                let mut killed = kill.subscribe();
                let silent = silent.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    let blackholed = tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => false,
                        _ = killed.changed() => true,
                    };
                    if blackholed {
                        drop(server);
                        silent.lock().unwrap().push(client);
                    }
                });
            }
        });
        Self {
            port,
            blackholes,
            refusing,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<proxy port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Turns every live connection half-open; new ones are still forwarded.
    pub fn blackhole(&self) {
        self.blackholes.send_modify(|n| *n += 1);
    }

    /// Closes every new connection at once (live ones are left alone).
    pub fn refuse(&self) {
        self.refusing.store(true, Ordering::SeqCst);
    }

    /// Forwards new connections again.
    pub fn resume(&self) {
        self.refusing.store(false, Ordering::SeqCst);
    }
}
