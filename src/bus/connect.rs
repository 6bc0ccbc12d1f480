//! Reading a `nats://HOST:PORT` address and opening a client that keeps reconnecting by itself.
//! It must NOT fail a command because NATS is down at start: the engine trades on and whatever
//! publishes catches up once the server is back.

use std::time::Duration;

/// A `nats://HOST:PORT` address checked for what the client accepts, or what to change.
pub fn parse_url(url: &str) -> anyhow::Result<String> {
    let rest = url.strip_prefix("nats://").ok_or_else(|| {
        anyhow::anyhow!("{url:?} is not a NATS address: write it as nats://HOST:PORT (e.g. nats://127.0.0.1:4222)")
    })?;
    let (host, port) = rest
        .rsplit_once(':')
        .ok_or_else(|| anyhow::anyhow!("{url:?} has no port: write it as nats://HOST:PORT (4222 is NATS's default)"))?;
    if host.is_empty() || port.parse::<u16>().is_err() {
        anyhow::bail!("{url:?}: the host is empty or the port is not a number; write nats://HOST:PORT");
    }
    Ok(url.to_owned())
}

/// Opens a client named `name` (it shows in the server's connection list). It returns at once
/// even when the server is down, and the client retries in the background for as long as the
/// process lives; requests made meanwhile wait or fail, and callers retry them.
pub async fn connect(url: &str, name: &str) -> anyhow::Result<async_nats::Client> {
    let url = parse_url(url)?;
    let opts = async_nats::ConnectOptions::new()
        .name(name)
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(2))
        .event_callback(|ev| async move {
            match ev {
                async_nats::Event::Connected => tracing::info!("nats: connected"),
                async_nats::Event::Disconnected => tracing::warn!("nats: disconnected; reconnecting"),
                other => tracing::debug!(event = %other, "nats"),
            }
        });
    opts.connect(url.as_str()).await.map_err(|e| anyhow::anyhow!("connecting to {url}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn addresses_other_than_nats_host_port_are_refused_with_what_to_write() {
        assert!(parse_url("nats://127.0.0.1:4222").is_ok());
        assert!(parse_url("http://127.0.0.1:4222").unwrap_err().to_string().contains("nats://HOST:PORT"));
        assert!(parse_url("nats://127.0.0.1").unwrap_err().to_string().contains("no port"));
        assert!(parse_url("nats://:x").unwrap_err().to_string().contains("not a number"));
    }
}
