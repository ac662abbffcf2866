//! N inputs x M outputs of convolution for `convolve live`, as one `StreamConvolver` per
//! routed (input, output) pair whose outputs are summed.
//!
//! This is the interface a shared-transform matrix in the engine can take over (one forward
//! transform per input, one inverse per output, the spectra summed in between): `new`,
//! `process`, `prepare`, `set_prepared` and `latency` say everything the host needs.

use std::ops::Range;

use convolve::{ConvError, Latency, PreparedKernel, StreamBuilder, StreamConvolver};

use super::irs::IrSet;

/// How the convolvers are built.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The partition (block) length the engine is laid out for: the JACK period by default.
    pub block: usize,
    /// `Latency::Zero` or `Latency::Block`.
    pub latency: Latency,
    /// The cross-fade of `set_prepared`, in samples.
    pub crossfade: usize,
    /// The longest IR a reload may bring, in taps.
    pub capacity: usize,
    /// Background threads per route for the long partitions (`StreamBuilder::worker_threads`).
    pub workers: usize,
}

/// An IR set transformed for [`Matrix::set_prepared`], one kernel per route; after installing,
/// the buffers to drop off the audio thread.
pub type Prepared = Vec<PreparedKernel<f32>>;

/// The routed convolvers, with the scratch output each one writes before it is summed.
pub struct Matrix {
    inputs: usize,
    outputs: usize,
    routes: Vec<(usize, usize, StreamConvolver<f32>)>,
    scratch: Vec<f32>,
}

impl Matrix {
    /// Builds every route's convolver for `irs`. Allocates: call it off the audio thread.
    pub fn new(irs: &IrSet, options: &Options) -> Result<Matrix, ConvError> {
        let capacity = options.capacity.max(irs.longest());
        let mut routes = Vec::with_capacity(irs.routes.len());
        for r in &irs.routes {
            let conv = StreamBuilder::new(options.block)
                .latency(options.latency)
                .crossfade(options.crossfade)
                .capacity(capacity)
                .worker_threads(options.workers)
                .build(&r.taps)?;
            routes.push((r.input, r.output, conv));
        }
        Ok(Matrix {
            inputs: irs.inputs,
            outputs: irs.outputs,
            routes,
            scratch: vec![0.0; options.block.max(1)],
        })
    }

    /// The output's delay behind the input, in samples (0 with `Latency::Zero`).
    pub fn latency(&self) -> usize {
        self.routes.first().map_or(0, |r| r.2.latency())
    }

    /// Output `o` = sum over the routes into `o` of the route's input convolved with its IR;
    /// outputs without a route are silent. Any length, the same for every slice; never
    /// allocates (periods longer than the scratch go through in pieces).
    ///
    /// # Panics
    /// When there is not one slice per input and per output.
    pub fn process(
        &mut self,
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
    ) -> Result<(), ConvError> {
        let len = outputs.first().map_or(0, |o| o.len());
        assert!(
            inputs.len() == self.inputs && outputs.len() == self.outputs,
            "one slice per input and per output"
        );
        if let Some(bad) = inputs
            .iter()
            .map(|s| s.len())
            .chain(outputs.iter().map(|s| s.len()))
            .find(|&l| l != len)
        {
            return Err(ConvError::OutputLength {
                expected: len,
                got: bad,
            });
        }
        for out in outputs.iter_mut() {
            out.fill(0.0);
        }
        let step = self.scratch.len();
        for (input, output, conv) in &mut self.routes {
            for start in (0..len).step_by(step) {
                let end = (start + step).min(len);
                let scratch = &mut self.scratch[..end - start];
                conv.process(&inputs[*input][start..end], scratch)?;
                for (o, s) in outputs[*output][start..end].iter_mut().zip(scratch.iter()) {
                    *o += *s;
                }
            }
        }
        Ok(())
    }

    /// Every route's IR of `irs`, transformed for [`set_prepared`](Self::set_prepared): it
    /// allocates and transforms, so call it off the audio thread, on the running matrix or on
    /// a twin built with the same options (the number of workers may differ). A `KernelLength`
    /// error when an IR of the set is over the capacity.
    ///
    /// # Panics
    /// When `irs` does not route the same inputs to the same outputs (`IrSet::same_routing`).
    pub fn prepare(&self, irs: &IrSet) -> Result<Prepared, ConvError> {
        assert!(
            irs.routes.len() == self.routes.len()
                && irs
                    .routes
                    .iter()
                    .zip(&self.routes)
                    .all(|(r, (i, o, _))| (r.input, r.output) == (*i, *o)),
            "a new IR set routes the same inputs to the same outputs"
        );
        irs.routes
            .iter()
            .zip(&self.routes)
            .map(|(r, (_, _, conv))| conv.prepare_kernel(&r.taps))
            .collect()
    }

    /// Installs the IRs of the routes numbered `routes` (all of them: `0..set.len()`) from
    /// `set`, made by [`prepare`](Self::prepare), with the convolvers' cross-fade. No
    /// transform, allocation or free: with a cross-fade each route's spectra are copied
    /// (a memcpy of about 8 bytes per tap), without one swapped, the old ones left in `set`.
    /// A `PreparedKernel` error, and no change to that route, when `set` was prepared for
    /// another layout or installed already.
    ///
    /// # Panics
    /// When `routes` reaches past the routes.
    pub fn set_prepared(
        &mut self,
        set: &mut Prepared,
        routes: Range<usize>,
    ) -> Result<(), ConvError> {
        assert_eq!(set.len(), self.routes.len(), "one prepared IR per route");
        for (p, (_, _, conv)) in set[routes.clone()].iter_mut().zip(&mut self.routes[routes]) {
            conv.set_prepared(p)?;
        }
        Ok(())
    }

    /// The longest IR `prepare` takes, in taps.
    pub fn capacity(&self) -> usize {
        self.routes
            .iter()
            .map(|r| r.2.capacity())
            .min()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::irs::Route;
    use convolve::{Mode, convolve};

    fn ramp(len: usize, seed: usize) -> Vec<f32> {
        // integers up to 8: every product and sum below 2^24 is exact in f32 and f64
        (0..len)
            .map(|i| ((i * 7 + seed * 3) % 9) as f32 - 4.0)
            .collect()
    }

    fn true_stereo() -> IrSet {
        let mut routes = Vec::new();
        for (k, (input, output)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
            routes.push(Route {
                input,
                output,
                taps: ramp(300 + 50 * k, k),
            });
        }
        IrSet {
            inputs: 2,
            outputs: 3,
            rate: None,
            routes,
        }
    }

    fn expected(irs: &IrSet, x: &[Vec<f32>]) -> Vec<Vec<f64>> {
        let mut out = vec![vec![0.0f64; x[0].len()]; irs.outputs];
        for r in &irs.routes {
            let xd: Vec<f64> = x[r.input].iter().map(|&v| f64::from(v)).collect();
            let hd: Vec<f64> = r.taps.iter().map(|&v| f64::from(v)).collect();
            let full = convolve(&xd, &hd, Mode::Full).unwrap();
            for (o, v) in out[r.output].iter_mut().zip(full) {
                *o += v;
            }
        }
        out
    }

    fn run(m: &mut Matrix, x: &[Vec<f32>], sizes: &[usize]) -> Vec<Vec<f32>> {
        let n = x[0].len();
        let mut y = vec![vec![0.0f32; n]; 3];
        let mut start = 0;
        for &size in sizes.iter().cycle() {
            if start == n {
                break;
            }
            let end = (start + size).min(n);
            let ins: Vec<&[f32]> = x.iter().map(|c| &c[start..end]).collect();
            let mut outs: Vec<&mut [f32]> = y.iter_mut().map(|c| &mut c[start..end]).collect();
            m.process(&ins, &mut outs).unwrap();
            start = end;
        }
        y
    }

    #[test]
    fn sums_the_routes_into_each_output() {
        let irs = true_stereo();
        let x = vec![ramp(3000, 5), ramp(3000, 8)];
        let options = Options {
            block: 64,
            latency: Latency::Zero,
            crossfade: 0,
            capacity: 0,
            workers: 0,
        };
        let mut m = Matrix::new(&irs, &options).unwrap();
        // periods longer than the scratch (64), shorter, and uneven
        let y = run(&mut m, &x, &[64, 200, 1, 37]);
        let want = expected(&irs, &x);
        // integer data: the f32 stream must round to the exact sums
        for (o, (got, want)) in y.iter().zip(&want).enumerate() {
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                assert_eq!(f64::from(g.round()), w.round(), "output {o} sample {i}");
                assert!((f64::from(*g) - w).abs() < 0.05, "output {o} sample {i}");
            }
        }
        assert!(
            y[2].iter().all(|&v| v == 0.0),
            "an output without a route is silent"
        );
    }

    #[test]
    fn block_latency_delays_by_its_latency() {
        let irs = true_stereo();
        let x = vec![ramp(2000, 1), ramp(2000, 2)];
        let options = Options {
            block: 128,
            latency: Latency::Block,
            crossfade: 0,
            capacity: 0,
            workers: 0,
        };
        let mut m = Matrix::new(&irs, &options).unwrap();
        let d = m.latency();
        assert!(d > 0);
        let y = run(&mut m, &x, &[128]);
        let want = expected(&irs, &x);
        for i in d..2000 {
            assert_eq!(
                f64::from(y[0][i].round()),
                want[0][i - d].round(),
                "sample {i}"
            );
        }
    }

    #[test]
    fn prepared_irs_check_capacity_and_settle_on_the_new_irs() {
        let irs = true_stereo();
        let options = Options {
            block: 64,
            latency: Latency::Zero,
            crossfade: 256,
            capacity: 0, // the longest IR, 450 taps
            workers: 1,
        };
        let mut m = Matrix::new(&irs, &options).unwrap();
        // the control thread's twin: no workers, the same layout
        let twin = Matrix::new(
            &irs,
            &Options {
                workers: 0,
                ..options
            },
        )
        .unwrap();
        let mut long = irs.clone();
        long.routes[3].taps = ramp(451, 0);
        assert!(matches!(
            twin.prepare(&long),
            Err(ConvError::KernelLength { .. })
        ));
        let other = Matrix::new(
            &irs,
            &Options {
                block: 32,
                ..options
            },
        )
        .unwrap();
        let mut foreign = other.prepare(&irs).unwrap();
        assert!(matches!(
            m.set_prepared(&mut foreign, 0..4),
            Err(ConvError::PreparedKernel { what: "layout" })
        ));
        // a swap settles on the new IRs: after the fade, the output equals a matrix built
        // with them and fed the same signal
        let mut new = irs.clone();
        for r in &mut new.routes {
            r.taps.reverse();
        }
        let x = vec![ramp(6000, 3), ramp(6000, 4)];
        let mut fresh = Matrix::new(&new, &options).unwrap();
        let y_new = run(&mut fresh, &x, &[64]);
        let mut y = run(
            &mut m,
            &[x[0][..1000].to_vec(), x[1][..1000].to_vec()],
            &[64],
        );
        // one route per 64-sample call, as the host swaps them
        let mut set = twin.prepare(&new).unwrap();
        for k in 0..4 {
            m.set_prepared(&mut set, k..k + 1).unwrap();
            let part = run(
                &mut m,
                &[
                    x[0][1000 + 64 * k..1064 + 64 * k].to_vec(),
                    x[1][1000 + 64 * k..1064 + 64 * k].to_vec(),
                ],
                &[64],
            );
            for (a, b) in y.iter_mut().zip(part) {
                a.extend(b);
            }
        }
        let rest = run(
            &mut m,
            &[x[0][1256..].to_vec(), x[1][1256..].to_vec()],
            &[64],
        );
        for (a, b) in y.iter_mut().zip(rest) {
            a.extend(b);
        }
        for i in 3000..6000 {
            assert_eq!(y[1][i].round(), y_new[1][i].round(), "sample {i}");
        }
        let err = m.process(
            &[&[0.0; 3], &[0.0; 2]],
            &mut [&mut [0.0; 3], &mut [0.0; 3], &mut [0.0; 3]],
        );
        assert!(matches!(err, Err(ConvError::OutputLength { .. })));
    }
}
