//! The yardstick for tick-to-order over loopback: a bare WebSocket echo between the same two
//! threads as the tick-to-order run (the far side's, and the caller's), with frames of a market
//! frame's size. Its round trip is what two socket hops cost with no engine in between. It
//! measures; it must NOT touch anything but 127.0.0.1.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use super::loopback::{fail, far_side, LoopbackError};
use super::stats::Percentiles;

/// Round trips of `samples` echoes of `frame`, one every `every` (as the market steps in the
/// tick-to-order run, so that both find the caches as cold), ns.
pub async fn echo_rtt(samples: usize, frame: &str, every: Duration) -> Result<Percentiles, LoopbackError> {
    let (addr, server) = far_side(|ready, stop| async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => return drop(ready.send(Err(fail("echo listen", e)))),
        };
        let _ = ready.send(listener.local_addr().map_err(|e| fail("echo listen", e)));
        let echo = async {
            let Ok((tcp, _)) = listener.accept().await else { return };
            // The best the socket can do: no Nagle delay on either side.
            let _ = tcp.set_nodelay(true);
            let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
            while let Some(Ok(m)) = ws.next().await {
                if m.is_text() && ws.send(m).await.is_err() {
                    return;
                }
            }
        };
        tokio::select! { _ = echo => {}, _ = stop => {} }
    })
    .await?;
    // As the engine's sessions connect: Nagle off.
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(format!("ws://{addr}/"), None, true)
        .await
        .map_err(|e| fail("echo connect", e))?;
    let mut rtt = Vec::with_capacity(samples);
    // A few round trips first, so that the timed ones find the connection warm.
    let mut tick = tokio::time::interval(every);
    for i in 0..samples + 20 {
        tick.tick().await;
        let sent = Instant::now();
        ws.send(Message::Text(frame.into())).await.map_err(|e| fail("echo send", e))?;
        match tokio::time::timeout(Duration::from_secs(2), ws.next()).await {
            Ok(Some(Ok(_))) => {}
            other => return Err(fail("echo", format!("no echo: {other:?}"))),
        }
        if i >= 20 {
            rtt.push(sent.elapsed().as_nanos() as u64);
        }
    }
    let _ = ws.close(None).await;
    drop(server);
    Ok(Percentiles::of(&mut rtt))
}
