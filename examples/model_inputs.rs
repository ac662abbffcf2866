//! Prints the 1-D cost model's inputs for every point of the `methods` bench grid, one JSON
//! object per line: the input of `scripts/fit_costs.py`, which fits the model's constants to
//! the bench's measured times.
//!
//!     cargo run --release --example model_inputs > model_inputs.jsonl

fn main() -> std::io::Result<()> {
    let stdout = std::io::stdout();
    convolve::bench::model_inputs(&mut stdout.lock())
}
