//! The shipped binary is lean (issue 14 item 10): the release profile keeps no debug info; the
//! `profiling` profile keeps the line tables that perf and callgrind need.

/// True when `binary` has a section named `name` (an ELF section-name string such as
/// `.debug_info`; the names are stored NUL-terminated in the section-name table).
#[cfg(all(target_os = "linux", not(debug_assertions)))]
fn has_section(binary: &[u8], name: &str) -> bool {
    let needle = [name.as_bytes(), b"\0"].concat();
    binary.windows(needle.len()).any(|w| w == needle.as_slice())
}

#[cfg(all(target_os = "linux", not(debug_assertions)))]
#[test]
fn the_release_binary_carries_no_debug_info() {
    let binary = std::fs::read(assert_cmd::cargo::cargo_bin("hothouse")).unwrap();
    assert!(
        !has_section(&binary, ".debug_info"),
        "debug info in the binary"
    );
    assert!(
        !has_section(&binary, ".debug_line"),
        "line tables in the binary"
    );
    // 36 MB with `debug = 1`; a few MB without.
    assert!(binary.len() < 20_000_000, "{} bytes", binary.len());
}

#[test]
fn the_profiling_profile_is_the_release_build_with_line_tables() {
    let manifest: toml::Table =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
    let profiles = manifest["profile"].as_table().unwrap();
    assert_eq!(profiles["release"].get("debug"), None);
    let profiling = profiles["profiling"].as_table().unwrap();
    assert_eq!(profiling["inherits"].as_str(), Some("release"));
    assert_eq!(profiling["debug"].as_integer(), Some(1));
}
