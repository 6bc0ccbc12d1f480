//! (being written) `cdc-engine gateway --publish nats://…`.

use clap::Args;

/// Arguments of `cdc-engine gateway`.
#[derive(Args, Debug)]
pub struct GatewayArgs {}

/// Runs the command.
pub async fn run(_args: GatewayArgs) -> anyhow::Result<()> {
    anyhow::bail!("gateway is not built yet")
}
