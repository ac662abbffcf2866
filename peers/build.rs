//! Builds the zita-convolver shim (`src/zita_shim.cpp`) and sets `cfg(zita)` when the library's
//! header is installed (Debian: libzita-convolver-dev); without it the peers build as before.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(zita)");
    println!("cargo::rerun-if-changed=src/zita_shim.cpp");
    let dirs = ["/usr/include", "/usr/local/include"];
    for dir in &dirs {
        println!("cargo::rerun-if-changed={dir}/zita-convolver.h");
    }
    if !dirs
        .iter()
        .any(|d| Path::new(d).join("zita-convolver.h").is_file())
    {
        return;
    }
    cc::Build::new()
        .cpp(true)
        .file("src/zita_shim.cpp")
        .flag_if_supported("-O2")
        .warnings(false)
        .compile("zita_shim");
    for lib in ["zita-convolver", "fftw3f", "stdc++", "pthread"] {
        println!("cargo::rustc-link-lib={lib}");
    }
    println!("cargo::rustc-cfg=zita");
}
