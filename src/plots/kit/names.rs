//! What a parameter is called on a picture: its display name and unit ("Host investment
//! (staff-days/week)"), and the words for values that are not amounts ("open-ended").
//!
//! Every picture takes parameter names from here and nowhere else, so that switching to the
//! registry's display names (`ParamSpec::display`) is one line in [`display_name`].

/// A parameter's display name, without the unit: "Host investment" for `host.investment`.
pub(crate) fn display_name(path: &str) -> String {
    if let Some(spec) = crate::parameters::spec(path) {
        return spec.display.to_string();
    }
    // Not a registry parameter (a distribution's own parameter, or a test's made-up path):
    // the path in words.
    let words = path.replace(['.', '_'], " ");
    let mut c = words.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A parameter's display name inside a sentence: "host investment".
pub(crate) fn lower_name(path: &str) -> String {
    let name = display_name(path);
    let mut c = name.chars();
    match c.next() {
        Some(first) => first.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A parameter as an axis title: its display name with the unit from the parameter
/// registry, such as "Host investment (staff-days/week)".
pub(crate) fn with_unit(path: &str) -> String {
    match crate::parameters::spec(path) {
        Some(spec) if !spec.unit.is_empty() => format!("{} ({})", display_name(path), spec.unit),
        _ => display_name(path),
    }
}

/// The words for `value` of `path` when it is not an amount: "open-ended" for a host
/// commitment of 0 weeks, "no host" for a host investment of 0. The words come from the
/// parameter registry by the rule the summary text uses ([`crate::output::special_meaning`]:
/// "0 means open-ended", "0 disables"), so every parameter whose 0 means something is named
/// alike in the text and the pictures.
pub(crate) fn special(path: &str, value: &str) -> Option<String> {
    let v: f64 = value.trim().parse().ok()?;
    crate::output::special_meaning(path, &crate::parameters::ParamValue::Float(v))
}

/// Where a special value of `path` sits on an axis: after the amounts when it stands for an
/// unbounded span of time (a commitment, half-life or review of 0 weeks means "never ends",
/// so it belongs beyond the longest), before them otherwise ("no host" before the smallest
/// investment, "disabled" before the smallest threshold or rate).
pub(crate) fn special_goes_last(path: &str) -> bool {
    crate::parameters::spec(path).is_some_and(|s| s.unit == "weeks" || s.unit == "week")
}

/// A value as a picture writes it: its words when it is special, otherwise as written.
pub(crate) fn value_text(path: &str, value: &str) -> String {
    special(path, value).unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_units_and_special_values() {
        assert_eq!(display_name("host.investment"), "Host investment");
        assert_eq!(
            display_name("core_idea.half_life"),
            "Half-life of the core idea"
        );
        assert_eq!(display_name("a.made_up"), "A made up");
        assert_eq!(
            with_unit("host.investment"),
            "Host investment (staff-days/week)"
        );
        assert_eq!(value_text("host.commitment", "0"), "open-ended");
        assert_eq!(value_text("host.commitment", "26"), "26");
        assert_eq!(value_text("core_idea.half_life", "0.0"), "never fades");
        assert_eq!(value_text("host.investment", "0"), "no host");
        assert_eq!(value_text("host.investment", "0.5"), "0.5");
        // every parameter whose 0 means something, as the summary text names it
        assert_eq!(value_text("host.review_week", "0"), "no review");
        assert_eq!(value_text("host.review_every", "0"), "no periodic review");
        assert_eq!(value_text("community.critical_mass", "0"), "disabled");
        assert_eq!(value_text("a.made_up", "0"), "0");
        assert!(special_goes_last("host.commitment") && special_goes_last("core_idea.half_life"));
        assert!(!special_goes_last("host.investment"));
    }
}
