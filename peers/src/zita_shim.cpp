// A C interface over zita-convolver's Convproc, for benches/stream_vs_zita.rs: configure at
// zero latency (quantum = minimum partition = the period), one IR per (input, output) pair,
// FFTW_MEASURE and vector mode, then one process() per period.
#include <zita-convolver.h>

extern "C" {

Convproc *zita_new(unsigned ninp, unsigned nout, unsigned maxsize, unsigned period) {
    Convproc *c = new Convproc;
    c->set_options(Convproc::OPT_FFTW_MEASURE | Convproc::OPT_VECTOR_MODE);
    if (c->configure(ninp, nout, maxsize, period, period, Convproc::MAXPART, 0.0f) != 0) {
        delete c;
        return nullptr;
    }
    return c;
}

int zita_ir(Convproc *c, unsigned inp, unsigned out, float *data, int len) {
    return c->impdata_create(inp, out, 1, data, 0, len);
}

int zita_start(Convproc *c, int abspri, int policy) { return c->start_process(abspri, policy); }

float *zita_input(Convproc *c, unsigned inp) { return c->inpdata(inp); }

float *zita_output(Convproc *c, unsigned out) { return c->outdata(out); }

int zita_process(Convproc *c, int sync) { return c->process(sync != 0); }

void zita_free(Convproc *c) {
    c->stop_process();
    while (!c->check_stop()) {
    }
    c->cleanup();
    delete c;
}
}
