//! The documentation says the same as the code: every parameter is explained in docs/MODEL.md,
//! and README's commands name files that exist.

use hothouse::parameters::{Parameters, SPECS};
use std::fs;
use std::path::Path;

fn read(path: &str) -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn model_md_explains_every_parameter_with_its_default() {
    let doc = read("docs/MODEL.md");
    let defaults = Parameters::default();
    for spec in SPECS {
        let name = format!("`{}`", spec.path);
        assert!(doc.contains(&name), "docs/MODEL.md does not mention {name}");
        // The parameter table's row (or a row naming it among others) gives the default.
        let row = doc
            .lines()
            .find(|l| l.starts_with('|') && l.split('|').nth(1).is_some_and(|c| c.contains(&name)))
            .unwrap_or_else(|| panic!("docs/MODEL.md has no table row for {name}"));
        let default = defaults.get(spec.path).unwrap().to_string();
        assert!(
            row.contains(&default),
            "docs/MODEL.md row for {name} does not show its default {default}: {row}"
        );
    }
}

#[test]
fn readme_commands_use_bundled_files() {
    let readme = read("README.md");
    assert!(readme.contains("scenarios/default.toml"));
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/default.toml")
            .is_file()
    );
    let ci = read(".ci/run");
    let test_cmd = "cargo test --release";
    assert!(readme.contains(test_cmd) && ci.contains(test_cmd));
}
