//! The JACK side of `convolve live`: the process callback, which only reads and writes
//! preallocated memory, the IR hand-over rings, and the counters the control thread reports.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use jack::{AudioIn, AudioOut, Client, ClientStatus, Control, Port, ProcessScope};

use super::irs::MAX_PORTS;
use super::matrix::{Matrix, Prepared};

/// What the audio thread tells the control thread, written with relaxed atomics.
#[derive(Default)]
pub struct Stats {
    /// Process calls, frames and time spent in them since the start.
    pub calls: AtomicU64,
    pub frames: AtomicU64,
    pub busy_ns: AtomicU64,
    /// The longest call since the control thread last took it, in ns and in frames.
    pub max_ns: AtomicU64,
    pub max_frames: AtomicU64,
    pub xruns: AtomicU64,
    /// IR sets swapped in, and refused by the engine (prepared for another layout).
    pub swaps: AtomicU64,
    pub refused: AtomicU64,
    /// Set when the server stops the client.
    pub shutdown: AtomicBool,
}

/// The process callback's state: the matrix, the ports and the two IR rings (new sets in,
/// prepared by the control thread, used sets back out with the old spectra, so that the audio
/// thread never transforms, allocates or frees).
pub struct Audio {
    pub matrix: Matrix,
    pub inputs: Vec<Port<AudioIn>>,
    pub outputs: Vec<Port<AudioOut>>,
    pub incoming: rtrb::Consumer<Box<Prepared>>,
    pub used: rtrb::Producer<Box<Prepared>>,
    pub held: Option<Box<Prepared>>,
    pub stats: Arc<Stats>,
}

impl Audio {
    /// Installs a waiting prepared IR set (a swap of the spectra's buffers, cross-fade or
    /// not), then returns the set, which holds the old buffers, to the control thread to be
    /// freed there.
    fn swap_irs(&mut self) {
        if let Some(set) = self.held.take() {
            self.held = self.used.push(set).err().map(|rtrb::PushError::Full(s)| s);
            return; // one hand-over at a time: the control thread waits for this one
        }
        let Ok(mut set) = self.incoming.pop() else {
            return;
        };
        let counter = match self.matrix.set_prepared(&mut set) {
            Ok(()) => &self.stats.swaps,
            Err(_) => &self.stats.refused,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.held = self.used.push(set).err().map(|rtrb::PushError::Full(s)| s);
    }
}

impl jack::ProcessHandler for Audio {
    fn process(&mut self, _: &Client, ps: &ProcessScope) -> Control {
        let start = Instant::now();
        self.swap_irs();
        let (n_in, n_out) = (self.inputs.len(), self.outputs.len());
        let mut ins: [&[f32]; MAX_PORTS] = [&[]; MAX_PORTS];
        for (slot, port) in ins.iter_mut().zip(&self.inputs) {
            *slot = port.as_slice(ps);
        }
        let mut outs: [&mut [f32]; MAX_PORTS] = std::array::from_fn(|_| <&mut [f32]>::default());
        for (slot, port) in outs.iter_mut().zip(self.outputs.iter_mut()) {
            *slot = port.as_mut_slice(ps);
        }
        if self
            .matrix
            .process(&ins[..n_in], &mut outs[..n_out])
            .is_err()
        {
            // JACK gives every port the same length; silence rather than stale data if not
            for out in &mut outs[..n_out] {
                out.fill(0.0);
            }
        }
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let frames = u64::from(ps.n_frames());
        let s = &self.stats;
        s.calls.fetch_add(1, Ordering::Relaxed);
        s.frames.fetch_add(frames, Ordering::Relaxed);
        s.busy_ns.fetch_add(ns, Ordering::Relaxed);
        if s.max_ns.fetch_max(ns, Ordering::Relaxed) < ns {
            s.max_frames.store(frames, Ordering::Relaxed);
        }
        Control::Continue
    }
}

/// Counts xruns and notices the server going away.
pub struct Notifications {
    pub stats: Arc<Stats>,
}

impl jack::NotificationHandler for Notifications {
    unsafe fn shutdown(&mut self, _status: ClientStatus, _reason: &str) {
        self.stats.shutdown.store(true, Ordering::Relaxed);
    }

    fn xrun(&mut self, _: &Client) -> Control {
        self.stats.xruns.fetch_add(1, Ordering::Relaxed);
        Control::Continue
    }
}
