//! A TCP proxy the fault tests put between the app and a real peer
//! (PostgreSQL, the SMTP sink), to break the line on demand without
//! touching the peer itself: the shared PostgreSQL server is never stopped.
//!
//! [`Mode::Forward`] passes bytes both ways; [`Mode::Down`] cuts every open
//! connection and closes new ones at once (a server that is gone);
//! [`Mode::Silent`] cuts the open ones and holds new ones open without a
//! byte (a peer that accepts and never answers).

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Forward,
    Down,
    Silent,
}

pub struct Proxy {
    pub port: u16,
    mode: Arc<watch::Sender<Mode>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Listens on a port the system picks and forwards to `127.0.0.1:target`.
    pub async fn start(target: u16, mode: Mode) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let (tx, _) = watch::channel(mode);
        let tx = Arc::new(tx);
        let modes = tx.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let now = *modes.borrow();
                let changes = modes.subscribe();
                tokio::spawn(async move {
                    match now {
                        Mode::Down => drop(client),
                        Mode::Silent => hold(client, changes).await,
                        Mode::Forward => forward(client, target, changes).await,
                    }
                });
            }
        });
        Proxy { port, mode: tx, task }
    }

    /// Switches mode; open connections end unless the new mode is `Forward`
    /// and they were forwarding.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    pub fn stop(self) {
        self.task.abort();
        self.mode.send_replace(Mode::Down);
    }
}

/// Keeps the socket open, silent, until the mode changes.
async fn hold(client: TcpStream, mut changes: watch::Receiver<Mode>) {
    let _ = changes.changed().await;
    drop(client);
}

/// Copies both ways until either side closes or the mode leaves `Forward`.
async fn forward(mut client: TcpStream, target: u16, mut changes: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = async {
            while changes.changed().await.is_ok() {
                if *changes.borrow() != Mode::Forward {
                    return;
                }
            }
        } => {}
    }
}
