//! CPython is the oracle: each program's Rust trace must equal what `python3` prints
//! for the repository's Python version (`python/ID.py`), byte for byte.

use pycoro::programs::cpython::{run_python, run_rust};
use pycoro::programs::{Compare, PROGRAMS};

#[test]
fn rust_traces_equal_cpython_output_byte_for_byte() {
    let mut compared = 0;
    for program in PROGRAMS.iter().filter(|p| p.compare == Compare::Exact) {
        let Some(python) = run_python(program).expect("python3 could not be run") else {
            eprintln!("SKIPPED: python3 is not installed, so the CPython comparison cannot run");
            return;
        };
        assert!(
            python.success,
            "{}: python3 failed:\n{}",
            program.id,
            String::from_utf8_lossy(&python.stderr)
        );
        let rust = run_rust(program).unwrap_or_else(|e| panic!("{} raised {e:#}", program.id));
        assert_eq!(
            String::from_utf8_lossy(&rust),
            String::from_utf8_lossy(&python.stdout),
            "{}: the Rust trace (left) differs from CPython's output (right)",
            program.id
        );
        compared += 1;
    }
    assert!(compared >= 6, "only {compared} programs compared");
}
