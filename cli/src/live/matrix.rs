//! N inputs x M outputs of convolution for `convolve live`: the routes of an IR set as one
//! `StreamMatrix`, which transforms each input once and each output once per partition
//! whatever the number of routes (the pairs without a route have an empty kernel).

use convolve::{ConvError, Latency, PreparedKernel, StreamBuilder, StreamMatrix};

use super::irs::IrSet;

/// How the matrix is built.
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
    /// Background threads for the long partitions (`StreamBuilder::worker_threads`).
    pub workers: usize,
}

/// An IR set transformed for [`Matrix::set_prepared`]; after installing, the buffers to drop
/// off the audio thread.
pub type Prepared = PreparedKernel<f32>;

/// The routed convolution.
pub struct Matrix {
    engine: StreamMatrix<f32>,
}

/// One kernel per (input, output) pair, input-major: the sum of the routes' IRs for that pair
/// (routing one pair twice adds the IRs), empty where no route goes.
fn kernels(irs: &IrSet) -> Vec<Vec<f32>> {
    let mut kernels = vec![Vec::new(); irs.inputs * irs.outputs];
    for r in &irs.routes {
        let k: &mut Vec<f32> = &mut kernels[r.input * irs.outputs + r.output];
        if k.len() < r.taps.len() {
            k.resize(r.taps.len(), 0.0);
        }
        for (k, &t) in k.iter_mut().zip(&r.taps) {
            *k += t;
        }
    }
    kernels
}

impl Matrix {
    /// Builds the matrix for `irs`. Allocates: call it off the audio thread.
    pub fn new(irs: &IrSet, options: &Options) -> Result<Matrix, ConvError> {
        let engine = StreamBuilder::new(options.block)
            .latency(options.latency)
            .crossfade(options.crossfade)
            .capacity(options.capacity.max(irs.longest()))
            .worker_threads(options.workers)
            .build_matrix(irs.inputs, irs.outputs, &kernels(irs))?;
        Ok(Matrix { engine })
    }

    /// The output's delay behind the input, in samples (0 with `Latency::Zero`).
    pub fn latency(&self) -> usize {
        self.engine.latency()
    }

    /// Output `o` = sum over the routes into `o` of the route's input convolved with its IR;
    /// outputs without a route are silent. Any length, the same for every slice; never
    /// allocates. A `MatrixShape` error without one slice per input and per output, an
    /// `OutputLength` error when their lengths differ.
    pub fn process(
        &mut self,
        inputs: &[&[f32]],
        outputs: &mut [&mut [f32]],
    ) -> Result<(), ConvError> {
        self.engine.process(inputs, outputs)
    }

    /// The IRs of `irs`, transformed for [`set_prepared`](Self::set_prepared): it allocates
    /// and transforms, so call it off the audio thread, on the running matrix or on a twin
    /// built with the same options (the number of workers may differ). A `KernelLength` error
    /// when an IR of the set is over the capacity.
    ///
    /// # Panics
    /// When `irs` does not route the same inputs to the same outputs (`IrSet::same_routing`).
    pub fn prepare(&self, irs: &IrSet) -> Result<Prepared, ConvError> {
        assert!(
            irs.inputs == self.engine.inputs() && irs.outputs == self.engine.outputs(),
            "a new IR set has the same ports"
        );
        self.engine.prepare_kernels(&kernels(irs))
    }

    /// Installs IRs made by [`prepare`](Self::prepare), with the matrix's cross-fade: no
    /// transform, allocation or free (the spectra's buffers are swapped, the old ones left in
    /// `set`). A `PreparedKernel` error, and no change, when `set` was prepared for another
    /// layout or installed already.
    pub fn set_prepared(&mut self, set: &mut Prepared) -> Result<(), ConvError> {
        self.engine.set_prepared(set)
    }

    /// The worker threads running (fewer than `Options::workers` when some could not start).
    pub fn running_workers(&self) -> usize {
        self.engine.running_workers()
    }

    /// The longest IR `prepare` takes, in taps.
    pub fn capacity(&self) -> usize {
        self.engine.capacity()
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
            m.set_prepared(&mut foreign),
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
        let mut set = twin.prepare(&new).unwrap();
        m.set_prepared(&mut set).unwrap();
        for k in 0..4 {
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
        assert!(matches!(
            m.set_prepared(&mut set),
            Err(ConvError::PreparedKernel { what: "installed" })
        ));
    }
}
