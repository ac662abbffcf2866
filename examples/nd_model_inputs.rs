//! Prints the N-D cost model's inputs and predictions for every point of the `auto_nd` and
//! `auto_3d` groups of `benches/nd.rs`, one JSON object per line, to set against their
//! medians (`scripts/bench_table.py --nd`).
//!
//!     cargo run --release --features ndarray --example nd_model_inputs > nd_inputs.jsonl

fn main() -> std::io::Result<()> {
    let stdout = std::io::stdout();
    convolve::bench::nd_model_inputs(&mut stdout.lock())
}
