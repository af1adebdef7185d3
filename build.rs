//! Records the versions of the random-number crates in the binary, for the run manifest:
//! their samplers may change output between minor versions.

use std::fs;

/// The requirement written in Cargo.toml as `name = "x.y"`.
fn requirement(manifest: &str, name: &str) -> String {
    let prefix = format!("{name} = \"");
    manifest
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// The locked version of `name` that matches the requirement (the lock may hold several).
fn locked_version(lock: &str, name: &str, req: &str) -> String {
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &lock[i + needle.len()..];
            rest.find('"').map(|j| rest[..j].to_string())
        })
        .find(|v| v == req || v.starts_with(&format!("{req}.")))
        .unwrap_or_else(|| "unknown".to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let lock = fs::read_to_string("Cargo.lock").unwrap_or_default();
    let manifest = fs::read_to_string("Cargo.toml").unwrap_or_default();
    for (name, var) in [
        ("rand", "HOTHOUSE_RAND_VERSION"),
        ("rand_distr", "HOTHOUSE_RAND_DISTR_VERSION"),
    ] {
        let req = requirement(&manifest, name);
        println!(
            "cargo:rustc-env={var}={}",
            locked_version(&lock, name, &req)
        );
    }
}
