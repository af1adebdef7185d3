//! Fuzz target: no scenario text makes `Scenario::parse` (or the variants of what it accepts)
//! panic, hang or overflow the stack.
//!
//! Run from the repository root, with a nightly toolchain and cargo-fuzz
//! (`cargo install cargo-fuzz`):
//!
//! ```text
//! cargo +nightly fuzz run scenario
//! cargo +nightly fuzz run scenario -- -max_total_time=600 -dict=fuzz/scenario.dict
//! ```
//!
//! Seeding the corpus with the example scenarios and the bad fixtures helps it get going:
//! `mkdir -p fuzz/corpus/scenario && cp scenarios/*.toml tests/fixtures/bad/*.toml fuzz/corpus/scenario/`.
//! The quick, always-run version of this check is `tests/scenario_fuzz.rs` (proptest).

#![no_main]

use hothouse::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Scenario::parse("fuzz.toml", text) {
        Ok(scenario) => {
            let variants = scenario.variants();
            assert_eq!(variants.len(), scenario.variant_count());
            for v in &variants {
                assert!(hothouse::scenario::cross_check(&v.params).is_empty());
                let _ = v.label(&scenario);
            }
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            let _ = e.lines();
        }
    }
});
