//! zita-convolver (Fons Adriaensen's partitioned convolution engine, as in jconvolver),
//! through the C shim of `src/zita_shim.cpp`; present only when the build found its header.

use std::ptr::NonNull;

#[repr(C)]
struct Convproc {
    _opaque: [u8; 0],
}

unsafe extern "C" {
    fn zita_new(ninp: u32, nout: u32, maxsize: u32, period: u32) -> *mut Convproc;
    fn zita_ir(c: *mut Convproc, inp: u32, out: u32, data: *mut f32, len: i32) -> i32;
    fn zita_start(c: *mut Convproc, abspri: i32, policy: i32) -> i32;
    fn zita_input(c: *mut Convproc, inp: u32) -> *mut f32;
    fn zita_output(c: *mut Convproc, out: u32) -> *mut f32;
    fn zita_process(c: *mut Convproc, sync: i32) -> i32;
    fn zita_free(c: *mut Convproc);
}

/// One zita `Convproc` at zero latency (quantum = minimum partition = period), with
/// FFTW_MEASURE and vector mode, its background threads started at SCHED_OTHER.
pub struct Zita {
    conv: NonNull<Convproc>,
    inputs: usize,
    outputs: usize,
    period: usize,
}

// SAFETY: the Convproc is only reached through `&mut self`; its own threads synchronise with
// process() internally.
unsafe impl Send for Zita {}

impl Zita {
    /// `irs[k]` = (input, output, taps); `None` when zita refuses the configuration.
    pub fn new(
        inputs: usize,
        outputs: usize,
        period: usize,
        irs: &[(usize, usize, &[f32])],
    ) -> Option<Zita> {
        let maxsize = irs.iter().map(|r| r.2.len()).max()?;
        // SAFETY: plain values in; a null pointer is checked.
        let conv = NonNull::new(unsafe {
            zita_new(inputs as u32, outputs as u32, maxsize as u32, period as u32)
        })?;
        let zita = Zita {
            conv,
            inputs,
            outputs,
            period,
        };
        for &(i, o, taps) in irs {
            let mut copy = taps.to_vec(); // zita's signature takes a mutable pointer
            // SAFETY: `copy` holds `len` floats, read during the call only.
            let rc = unsafe {
                zita_ir(
                    zita.conv.as_ptr(),
                    i as u32,
                    o as u32,
                    copy.as_mut_ptr(),
                    copy.len() as i32,
                )
            };
            if rc != 0 {
                return None;
            }
        }
        // SAFETY: configured and loaded; SCHED_OTHER needs priority 0.
        if unsafe { zita_start(zita.conv.as_ptr(), 0, SCHED_OTHER) } != 0 {
            return None;
        }
        // A level whose thread is not yet running is computed inline, and the switch to the
        // thread mid-stream garbles about one IR length of output (seen offline: periods 1 to
        // 270 of a 2 s IR); real hosts start it well before the audio, so do we.
        std::thread::sleep(std::time::Duration::from_millis(100));
        Some(zita)
    }

    /// One period: copies `inputs` in, runs `process(sync)`, copies the outputs out. Returns
    /// zita's flags (non-zero: a background level was late and its share is missing).
    ///
    /// # Panics
    /// When a slice count or length differs from the configuration.
    pub fn process(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]], sync: bool) -> i32 {
        assert!(inputs.len() == self.inputs && outputs.len() == self.outputs);
        let p = self.conv.as_ptr();
        for (k, x) in inputs.iter().enumerate() {
            assert_eq!(x.len(), self.period);
            // SAFETY: inpdata(k) points at `period` writable floats for this period.
            unsafe { std::slice::from_raw_parts_mut(zita_input(p, k as u32), self.period) }
                .copy_from_slice(x);
        }
        // SAFETY: configured and started.
        let flags = unsafe { zita_process(p, i32::from(sync)) };
        for (k, y) in outputs.iter_mut().enumerate() {
            assert_eq!(y.len(), self.period);
            // SAFETY: outdata(k) holds this period's `period` output floats.
            y.copy_from_slice(unsafe {
                std::slice::from_raw_parts(zita_output(p, k as u32), self.period)
            });
        }
        flags
    }
}

impl Drop for Zita {
    fn drop(&mut self) {
        // SAFETY: made by zita_new, freed once.
        unsafe { zita_free(self.conv.as_ptr()) }
    }
}

/// POSIX's SCHED_OTHER on Linux.
const SCHED_OTHER: i32 = 0;
