//! A TCP proxy between the tablets and the server that plays the network's tricks on demand: [`cut`]
//! (every connection dropped at once and new ones refused, as when the Wi-Fi goes), [`heal`], a delay on
//! every chunk forwarded, and truncation (a connection closed after N bytes, as when a link dies in the
//! middle of a transfer).
//!
//! It listens on 127.0.0.1 port 0 and forwards to one upstream address; REST and WebSocket traffic alike
//! go through it, so a cut tablet can neither log in nor sync. After [`cut`] returns no further byte is
//! forwarded in either direction (each chunk checks the switch before it is written), so "offline" is
//! exact, not eventual.
//!
//! [`cut`]: FaultProxy::cut
//! [`heal`]: FaultProxy::heal

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Connections forwarded to the server.
    pub forwarded: usize,
    /// Connections dropped on arrival because the network was cut.
    pub refused: usize,
    /// Connections closed by the truncation rule.
    pub truncated: usize,
    /// Live connections dropped by a cut.
    pub dropped: usize,
}

#[derive(Debug)]
struct Inner {
    upstream: SocketAddr,
    cut: AtomicBool,
    /// Bumped by every cut: live connections watch it and end.
    cuts: watch::Sender<u64>,
    delay: Mutex<Duration>,
    truncate_after: Mutex<Option<usize>>,
    forwarded: AtomicUsize,
    refused: AtomicUsize,
    truncated: AtomicUsize,
    dropped: AtomicUsize,
}

#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    inner: Arc<Inner>,
    accept: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Starts forwarding 127.0.0.1:<free port> to `upstream`.
    pub async fn start(upstream: SocketAddr) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            upstream,
            cut: AtomicBool::new(false),
            cuts: watch::channel(0).0,
            delay: Mutex::new(Duration::ZERO),
            truncate_after: Mutex::new(None),
            forwarded: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            truncated: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
        });
        let accepting = Arc::clone(&inner);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(handle(Arc::clone(&accepting), client));
            }
        });
        Ok(FaultProxy {
            addr,
            inner,
            accept,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`, the base URL to give clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The network goes down: live connections are dropped and new ones closed on arrival.
    pub fn cut(&self) {
        self.inner.cut.store(true, Ordering::SeqCst);
        self.inner.cuts.send_modify(|n| *n += 1);
    }

    /// The network comes back.
    pub fn heal(&self) {
        self.inner.cut.store(false, Ordering::SeqCst);
    }

    /// Holds every forwarded chunk, in both directions, for `delay` (zero: none).
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.inner.delay) = delay;
    }

    /// Connections opened from now on are closed after forwarding `bytes` (both directions counted
    /// together); `None` lifts the rule.
    pub fn truncate_after(&self, bytes: Option<usize>) {
        *lock(&self.inner.truncate_after) = bytes;
    }

    pub fn stats(&self) -> ProxyStats {
        ProxyStats {
            forwarded: self.inner.forwarded.load(Ordering::SeqCst),
            refused: self.inner.refused.load(Ordering::SeqCst),
            truncated: self.inner.truncated.load(Ordering::SeqCst),
            dropped: self.inner.dropped.load(Ordering::SeqCst),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// How one direction of a connection ended.
#[derive(Debug, PartialEq, Eq)]
enum Pumped {
    /// The sender closed its side cleanly.
    Eof,
    /// A cut, a truncation or an I/O error: the whole connection ends.
    Broken,
}

async fn handle(inner: Arc<Inner>, client: TcpStream) {
    let mut cuts = inner.cuts.subscribe();
    if inner.cut.load(Ordering::SeqCst) {
        inner.refused.fetch_add(1, Ordering::SeqCst);
        return;
    }
    let Ok(upstream) = TcpStream::connect(inner.upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    inner.forwarded.fetch_add(1, Ordering::SeqCst);
    let budget = lock(&inner.truncate_after).map(|bytes| Arc::new(AtomicUsize::new(bytes)));
    let (client_read, client_write) = client.into_split();
    let (upstream_read, upstream_write) = upstream.into_split();
    let up = pump(&inner, client_read, upstream_write, budget.clone());
    let down = pump(&inner, upstream_read, client_write, budget);
    tokio::pin!(up, down);
    let (mut up_done, mut down_done) = (false, false);
    while !(up_done && down_done) {
        tokio::select! {
            _ = cuts.changed() => {
                inner.dropped.fetch_add(1, Ordering::SeqCst);
                return;
            }
            pumped = &mut up, if !up_done => {
                if pumped == Pumped::Broken {
                    return;
                }
                up_done = true;
            }
            pumped = &mut down, if !down_done => {
                if pumped == Pumped::Broken {
                    return;
                }
                down_done = true;
            }
        }
    }
}

async fn pump(
    inner: &Inner,
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    budget: Option<Arc<AtomicUsize>>,
) -> Pumped {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) => {
                let _ = to.shutdown().await;
                return Pumped::Eof;
            }
            Ok(read) => read,
            Err(_) => return Pumped::Broken,
        };
        let delay = *lock(&inner.delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if inner.cut.load(Ordering::SeqCst) {
            return Pumped::Broken;
        }
        let mut chunk = &buffer[..read];
        let mut truncated = false;
        if let Some(budget) = &budget {
            let left = budget
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    Some(left.saturating_sub(read))
                })
                .unwrap_or(0);
            if left <= read {
                chunk = &chunk[..left];
                truncated = true;
            }
        }
        if to.write_all(chunk).await.is_err() {
            return Pumped::Broken;
        }
        if truncated {
            inner.truncated.fetch_add(1, Ordering::SeqCst);
            return Pumped::Broken;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// An echo server: what comes in goes back out.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = socket.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn round_trip(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        stream.write_all(bytes).await?;
        let mut back = vec![0; bytes.len()];
        tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut back))
            .await
            .map_err(|_| std::io::Error::other("timed out"))??;
        Ok(back)
    }

    /// Reads until the proxy closes the connection; returns what arrived.
    async fn drain(stream: &mut TcpStream) -> Vec<u8> {
        let mut all = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut all)).await;
        all
    }

    #[tokio::test]
    async fn bytes_flow_until_a_cut_and_again_after_healing() {
        let proxy = FaultProxy::start(echo().await).await.unwrap();
        let mut live = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(round_trip(&mut live, b"ciao").await.unwrap(), b"ciao");

        proxy.cut();
        assert!(
            drain(&mut live).await.is_empty(),
            "the live connection is dropped"
        );
        let mut refused = TcpStream::connect(proxy.addr()).await.unwrap();
        assert!(round_trip(&mut refused, b"x").await.is_err());
        assert_eq!(proxy.stats().refused, 1);
        assert_eq!(proxy.stats().dropped, 1);

        proxy.heal();
        let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(
            round_trip(&mut again, b"di nuovo").await.unwrap(),
            b"di nuovo"
        );
    }

    #[tokio::test]
    async fn truncation_closes_a_connection_after_the_byte_budget() {
        let proxy = FaultProxy::start(echo().await).await.unwrap();
        proxy.truncate_after(Some(10));
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        // 6 bytes up, 4 of them back down, then the connection ends.
        stream.write_all(b"abcdef").await.unwrap();
        let back = drain(&mut stream).await;
        assert_eq!(back, b"abcd");
        assert_eq!(proxy.stats().truncated, 1);

        proxy.truncate_after(None);
        let mut whole = TcpStream::connect(proxy.addr()).await.unwrap();
        let long = vec![7u8; 100_000];
        assert_eq!(round_trip(&mut whole, &long).await.unwrap(), long);
    }

    #[tokio::test]
    async fn a_delay_holds_bytes_back() {
        let proxy = FaultProxy::start(echo().await).await.unwrap();
        proxy.set_delay(Duration::from_millis(50));
        let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(round_trip(&mut stream, b"lento").await.unwrap(), b"lento");
        assert!(
            started.elapsed() >= Duration::from_millis(100),
            "two hops, 50 ms each"
        );
    }
}
