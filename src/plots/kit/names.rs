//! What a parameter is called on a picture: its display name and unit ("Host investment
//! (staff-days/week)"), and the words for values that are not amounts ("open-ended").
//!
//! Every picture takes parameter names from here and nowhere else, so that switching to the
//! registry's display names (`ParamSpec::display`) is one line in [`display_name`].

/// A parameter's display name, without the unit: "Host investment" for `host.investment`.
pub(crate) fn display_name(path: &str) -> String {
    // until the registry has display names: the path in words
    let words = path.replace(['.', '_'], " ");
    let mut c = words.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A parameter as an axis or legend title: its path with the unit from the parameter
/// registry, such as "host.investment (staff-days/week)".
pub(crate) fn with_unit(path: &str) -> String {
    match crate::parameters::spec(path) {
        Some(spec) if !spec.unit.is_empty() => format!("{path} ({})", spec.unit),
        _ => path.to_string(),
    }
}
