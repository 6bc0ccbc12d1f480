//! `cdc-engine sign`: shows what our signing produces for a request, so a user can compare it
//! with their own implementation, and warns on stderr about what the exchange would refuse (a
//! v2 method name, floats, booleans). Prints the key inside the payload (it is part of what is
//! signed) but never the secret.

use anyhow::{bail, Context};
use cdc_cli::doctor;
use cdc_engine::protocol::{Credentials, Request};
use clap::Args;
use serde_json::{Map, Value};

/// Arguments of `cdc-engine sign`.
#[derive(Args, Debug)]
pub struct SignArgs {
    /// Method name, e.g. private/create-order.
    #[arg(long)]
    method: String,
    /// Request id.
    #[arg(long, default_value_t = 1)]
    id: u64,
    /// Nonce in UTC milliseconds (default: now).
    #[arg(long)]
    nonce: Option<u64>,
    /// The params object as JSON, e.g. '{"order_id":"53287421324"}'.
    #[arg(long, default_value = "{}")]
    params: String,
    /// Print one JSON line {"payload": ..., "sig": ...}.
    #[arg(long)]
    json: bool,
}

/// Runs the command.
pub fn run(args: SignArgs) -> anyhow::Result<()> {
    let key = std::env::var("CDC_API_KEY").context("CDC_API_KEY is not set: export your API key")?;
    let secret = std::env::var("CDC_API_SECRET").context("CDC_API_SECRET is not set: export your API secret")?;
    if key.trim() != key || secret.trim() != secret {
        eprintln!(
            "warning: CDC_API_KEY or CDC_API_SECRET has leading or trailing whitespace; the exchange will answer 40101"
        );
    }
    let creds = Credentials::new(key, &secret)?;
    let params: Value = serde_json::from_str(&args.params).context("--params is not valid JSON")?;
    let Value::Object(params) = params else {
        bail!("--params must be a JSON object (send {{}} when there are none, never [])");
    };
    warn_risky_values(&params, "params");
    if doctor::is_v2_method(&args.method) {
        eprintln!("warning: {}; the exchange answers 40002 or 40101 to it", doctor::v2_advice(&args.method));
    }
    let nonce = args.nonce.unwrap_or_else(cdc_engine::clock::system_now_ms);
    let mut request = Request::new(args.id, args.method, params, nonce);
    let signed = request.sign(&creds);
    if args.json {
        println!("{}", serde_json::json!({"payload": signed.payload, "sig": signed.sig}));
    } else {
        println!("key:     {}", creds.key_hint());
        println!("payload: {}", signed.payload);
        println!("sig:     {}", signed.sig);
        println!("body:    {}", request.to_json());
    }
    Ok(())
}

/// Floats, booleans and nulls are signed as their text, which a server may render differently
/// (§3.4); say so rather than let the user discover it as a 40101.
fn warn_risky_values(map: &Map<String, Value>, path: &str) {
    for (k, v) in map {
        let at = format!("{path}.{k}");
        match v {
            Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                eprintln!("warning: {at} is a JSON float; send decimals as strings and sign the same text")
            }
            Value::Bool(_) | Value::Null => eprintln!("warning: {at} is a boolean or null; omit it or send a string"),
            Value::Object(inner) => warn_risky_values(inner, &at),
            Value::Array(items) => items.iter().for_each(|i| {
                if let Value::Object(inner) = i {
                    warn_risky_values(inner, &at)
                }
            }),
            _ => {}
        }
    }
}
