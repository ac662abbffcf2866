//! The convolver's delay, as JACK's port latencies: with `--latency block` the output is a
//! partition late, and a host that aligns tracks (Ardour's latency compensation, a recorder)
//! must know by how much.
//!
//! JACK asks each client, whenever the graph changes, to carry latencies through it: in
//! capture mode from its inputs to its outputs (how long ago what leaves an output entered
//! the system), in playback mode from its outputs to its inputs (how long until what enters
//! an input is heard). Without a callback JACK copies them across unchanged, which is right
//! at zero latency and `delay` samples short otherwise. The `jack` crate (0.13) has no latency
//! callback, so this one is registered through the `jack-sys` functions it re-exports.

use std::ffi::c_void;

use anyhow::{Result, bail};
use jack::jack_sys as j;
use jack::{AudioIn, AudioOut, Client, Port};

/// What the callback reads: the ports' handles and the delay, in frames. Every output depends
/// on every input (a matrix), so each direction takes the widest range over the other side.
struct Ports {
    inputs: Vec<*mut j::jack_port_t>,
    outputs: Vec<*mut j::jack_port_t>,
    delay: u32,
}

/// The registration's data, which JACK's notification thread reads until the client is
/// deactivated: drop it after the active client (declare it before).
pub struct Reported {
    _ports: Box<Ports>,
}

/// Registers the callback that reports `delay` samples between `inputs` and `outputs`. Call
/// it before the client is activated, as JACK requires.
pub fn report(
    client: &Client,
    inputs: &[Port<AudioIn>],
    outputs: &[Port<AudioOut>],
    delay: usize,
) -> Result<Reported> {
    let Ok(delay) = u32::try_from(delay) else {
        bail!("a latency of {delay} samples does not fit JACK's frame count");
    };
    let mut ports = Box::new(Ports {
        inputs: inputs.iter().map(Port::raw).collect(),
        outputs: outputs.iter().map(Port::raw).collect(),
        delay,
    });
    let arg = std::ptr::from_mut::<Ports>(&mut ports).cast::<c_void>();
    // SAFETY: the client is open and not yet active; `arg` points into the box `Reported`
    // keeps alive until after the client is deactivated, and the callback only reads it.
    let status = unsafe { j::jack_set_latency_callback(client.raw(), Some(carry), arg) };
    if status != 0 {
        bail!("the JACK server refused the latency callback (status {status})");
    }
    Ok(Reported { _ports: ports })
}

/// JACK's latency callback: for `mode` capture, each output's range is the inputs' widest
/// plus the delay; for playback, each input's is the outputs' widest plus the delay.
unsafe extern "C" fn carry(mode: j::jack_latency_callback_mode_t, arg: *mut c_void) {
    // SAFETY: `arg` is the `Ports` that `report` registered, alive while the client is.
    let ports = unsafe { &*arg.cast::<Ports>() };
    let (from, to) = if mode == j::JackCaptureLatency {
        (&ports.inputs, &ports.outputs)
    } else {
        (&ports.outputs, &ports.inputs)
    };
    let mut range = j::jack_latency_range_t {
        min: u32::MAX,
        max: 0,
    };
    for &port in from {
        let mut r = j::jack_latency_range_t::default();
        // SAFETY: the port is registered on the open client.
        unsafe { j::jack_port_get_latency_range(port, mode, &mut r) };
        range.min = range.min.min(r.min);
        range.max = range.max.max(r.max);
    }
    if range.min > range.max {
        range.min = 0; // no ports on that side
    }
    range.min = range.min.saturating_add(ports.delay);
    range.max = range.max.saturating_add(ports.delay);
    for &port in to {
        // SAFETY: as above.
        unsafe { j::jack_port_set_latency_range(port, mode, &mut range) };
    }
}
