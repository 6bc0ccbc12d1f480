//! How `run` runs the engine: by default the low-latency set-up the bench measures,
//! one current-thread runtime for the engine's sessions, state and strategies, its thread on a
//! core of its own and every other thread on the others (`cdc_cli::ops::placement`);
//! `--runtime threads` gives tokio's multi-threaded runtime instead. It builds runtimes; it must
//! NOT hold any command's logic.

use cdc_cli::ops::placement::{allowed_cores, Placement};
use clap::{Args, ValueEnum};

/// The runtime choice of a trading command.
#[derive(Args, Debug, Clone)]
pub struct RuntimeArgs {
    /// `pinned`: the engine on one thread with a core of its own, helpers on the other cores
    /// (the set-up `cdc-engine bench` measures); `threads`: tokio's multi-threaded runtime.
    #[arg(long, value_enum, default_value_t = RuntimeKind::Pinned)]
    pub runtime: RuntimeKind,
    /// The core the engine's thread takes with `--runtime pinned` (default: the last one).
    #[arg(long, value_name = "CORE")]
    pub engine_core: Option<usize>,
}

/// See [`RuntimeArgs::runtime`].
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    /// One pinned current-thread runtime for the engine.
    Pinned,
    /// Tokio's multi-threaded runtime.
    Threads,
}

/// What [`RuntimeArgs::block_on`] set up, for the command to finish after its engine started.
pub struct Runtime {
    placement: Option<Placement>,
}

impl Runtime {
    /// Pins the calling thread (the engine's, once its journal and sessions exist) and moves
    /// every other thread off its core; says where things went. Without a placement it says why.
    pub fn place(&self) -> String {
        match &self.placement {
            None => "runtime: one engine thread (no core of its own: one core, or --runtime threads)".into(),
            Some(p) => match p.apply() {
                Ok(moved) => format!(
                    "runtime: engine thread pinned to core {}, {moved} other threads on cores {:?}",
                    p.engine, p.helpers
                ),
                Err(e) => format!("runtime: the engine thread is not pinned ({e})"),
            },
        }
    }
}

impl RuntimeArgs {
    /// Runs `f` on the chosen runtime; `f` gets the [`Runtime`] to call `place` on.
    pub fn block_on<F, Fut>(&self, f: F) -> anyhow::Result<()>
    where
        F: FnOnce(Runtime) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>>,
    {
        if self.runtime == RuntimeKind::Threads {
            anyhow::ensure!(self.engine_core.is_none(), "--engine-core needs --runtime pinned");
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            return rt.block_on(f(Runtime { placement: None }));
        }
        let placement = Placement::split(&allowed_cores()?, self.engine_core)?;
        let mut builder = tokio::runtime::Builder::new_current_thread();
        if let Some(p) = placement.clone() {
            // Blocking-pool threads (DNS lookups, file work) start from the pinned thread and
            // would inherit its core.
            builder.on_thread_start(move || p.place_helper());
        }
        builder.enable_all().build()?.block_on(f(Runtime { placement }))
    }
}
