//! Counting what a runner sends: statements and round trips.
//!
//! - PostgreSQL and MariaDB: a TCP proxy in front of the server reads the client→server byte
//!   stream and counts protocol messages (TLS is off on the counted URLs).
//! - SQLite (in process, no round trips): sqlx's query log events (target `sqlx::query`, one per
//!   execute/fetch call) on a global subscriber, since sqlx's SQLite worker thread logs them;
//!   refinery's rusqlite connection through `sqlite3_trace_v2` (one per statement started).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::BoxError;

/// Statements and round trips seen while counting was on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub statements: u64,
    /// `None` where there is no wire (SQLite).
    pub round_trips: Option<u64>,
}

#[derive(Default)]
pub struct Counters {
    statements: AtomicU64,
    round_trips: AtomicU64,
}

impl Counters {
    pub fn reset(&self) {
        self.statements.store(0, Ordering::SeqCst);
        self.round_trips.store(0, Ordering::SeqCst);
    }

    pub fn wire_tally(&self) -> Tally {
        Tally {
            statements: self.statements.load(Ordering::SeqCst),
            round_trips: Some(self.round_trips.load(Ordering::SeqCst)),
        }
    }
}

// ---- SQLite ----

static SQLITE_COUNTING: AtomicBool = AtomicBool::new(false);
static SQLITE_STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// Counts `sqlx::query` events while [`sqlite_counting`] is on; otherwise disabled, so the
/// timed runs pay for nothing but one atomic load per statement.
struct QueryEvents;

impl<S: tracing::Subscriber> Layer<S> for QueryEvents {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == "sqlx::query" {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target() == "sqlx::query" && SQLITE_COUNTING.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            SQLITE_STATEMENTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Installs the global subscriber that counts sqlx's query events. Call once, first thing.
pub fn install_query_counter() -> Result<(), BoxError> {
    let subscriber = tracing_subscriber::registry().with(QueryEvents);
    tracing::subscriber::set_global_default(subscriber)?;
    Ok(())
}

/// rusqlite's `trace_v2` callback for refinery's connection: one call per statement started.
pub fn count_rusqlite_statement(event: rusqlite::trace::TraceEvent<'_>) {
    if matches!(event, rusqlite::trace::TraceEvent::Stmt(..))
        && SQLITE_COUNTING.load(Ordering::Relaxed)
    {
        SQLITE_STATEMENTS.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn sqlite_counting(on: bool) {
    if on {
        SQLITE_STATEMENTS.store(0, Ordering::SeqCst);
    }
    SQLITE_COUNTING.store(on, Ordering::SeqCst);
}

pub fn sqlite_tally() -> Tally {
    Tally {
        statements: SQLITE_STATEMENTS.load(Ordering::SeqCst),
        round_trips: None,
    }
}

// ---- the wire ----

#[derive(Clone, Copy, Debug)]
pub enum Wire {
    Postgres,
    MySql,
}

/// A counting proxy listening on `addr`, forwarding every connection to the server.
pub struct Proxy {
    pub addr: SocketAddr,
    pub counters: Arc<Counters>,
}

pub async fn start_proxy(wire: Wire, server: SocketAddr) -> Result<Proxy, BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let counters = Arc::new(Counters::default());
    let shared = counters.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counters = shared.clone();
            tokio::spawn(async move {
                if let Ok(upstream) = TcpStream::connect(server).await {
                    let _ = relay(wire, client, upstream, counters).await;
                }
            });
        }
    });
    Ok(Proxy { addr, counters })
}

async fn relay(
    wire: Wire,
    client: TcpStream,
    upstream: TcpStream,
    counters: Arc<Counters>,
) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let replies = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    });
    let mut parser = Parser::new(wire);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = client_read.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        // Counted before the server sees it, so a tally read after the client's last reply
        // is complete.
        parser.feed(&chunk[..read], &counters);
        upstream_write.write_all(&chunk[..read]).await?;
    }
    let _ = upstream_write.shutdown().await;
    let _ = replies.await;
    Ok(())
}

/// Splits the client→server stream into protocol messages.
struct Parser {
    wire: Wire,
    buffer: Vec<u8>,
    /// PostgreSQL: before the startup message, messages carry no type byte.
    startup: bool,
}

impl Parser {
    fn new(wire: Wire) -> Parser {
        Parser {
            wire,
            buffer: Vec::new(),
            startup: true,
        }
    }

    fn feed(&mut self, bytes: &[u8], counters: &Counters) {
        self.buffer.extend_from_slice(bytes);
        let mut at = 0;
        while let Some(len) = message(self.wire, &mut self.startup, &self.buffer[at..], counters) {
            at += len;
        }
        self.buffer.drain(..at);
    }
}

/// Counts the complete message at the start of `bytes` and returns its length.
fn message(wire: Wire, startup: &mut bool, bytes: &[u8], counters: &Counters) -> Option<usize> {
    let count = |statement: bool, round_trip: bool| {
        if statement {
            counters.statements.fetch_add(1, Ordering::SeqCst);
        }
        if round_trip {
            counters.round_trips.fetch_add(1, Ordering::SeqCst);
        }
    };
    match wire {
        Wire::Postgres if *startup => {
            let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
            let code = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?);
            // SSLRequest and GSSENCRequest are followed by the real startup message.
            if code != 80_877_103 && code != 80_877_104 {
                *startup = false;
            }
            (bytes.len() >= len).then_some(len)
        }
        Wire::Postgres => {
            let kind = *bytes.first()?;
            let len = 1 + u32::from_be_bytes(bytes.get(1..5)?.try_into().ok()?) as usize;
            if bytes.len() < len {
                return None;
            }
            match kind {
                // Simple query: one statement string, answered with ReadyForQuery.
                b'Q' => count(true, true),
                // Extended protocol: Execute runs a statement; Sync waits for ReadyForQuery.
                b'E' => count(true, false),
                b'S' => count(false, true),
                _ => {}
            }
            Some(len)
        }
        Wire::MySql => {
            let header = bytes.get(..4)?;
            let len = 4 + (u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize);
            if bytes.len() < len {
                return None;
            }
            // A command starts a new sequence (sequence id 0); the handshake's packets don't.
            if header[3] == 0 && len > 4 {
                match bytes[4] {
                    // COM_QUERY, COM_STMT_EXECUTE
                    0x03 | 0x17 => count(true, true),
                    // COM_QUIT, COM_STMT_CLOSE: no reply
                    0x01 | 0x19 => {}
                    // COM_PING, COM_STMT_PREPARE, COM_STMT_RESET, ...
                    _ => count(false, true),
                }
            }
            Some(len)
        }
    }
}
