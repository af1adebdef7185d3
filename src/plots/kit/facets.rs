//! Deciding which curves go into which panel, in which colour, under which label.
//!
//! Up to `max` items share one panel. Beyond that the items are spread over small multiples:
//! if some swept parameter has at most `max` values and, within every combination of the
//! other parameters, each of its values at most once, each panel holds one combination of the
//! other parameters (named in the panel title) and the colours stand for that parameter's
//! values, the same in every panel (one shared legend). Otherwise the items are cut into
//! consecutive panels of at most `max`, each with its own legend.

use super::names::{display_name, value_text};

/// An item (a variant, or a series of variants) shown in a panel.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// Index into the item list given to [`arrange`].
    pub(crate) item: usize,
    /// Palette index.
    pub(crate) colour: usize,
    /// Legend label.
    pub(crate) label: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Panel {
    /// Names what the panel's items have in common, if anything.
    pub(crate) title: Option<String>,
    pub(crate) members: Vec<Member>,
}

#[derive(Debug, Clone)]
pub(crate) struct Arrangement {
    pub(crate) panels: Vec<Panel>,
    /// One legend for all panels (colour, label); `None` when each panel has its own.
    pub(crate) shared_legend: Option<Vec<(usize, String)>>,
    /// Panels left out to keep the picture's size bounded (see [`MAX_PANELS`]).
    pub(crate) omitted: usize,
}

/// At most this many panels are drawn; the rest are left out, with a note, so that a sweep
/// of thousands of variants still gives a picture of bounded size.
pub(crate) const MAX_PANELS: usize = 24;

impl Arrangement {
    /// Keeps the first [`MAX_PANELS`] panels and counts the rest.
    fn bounded(mut self) -> Arrangement {
        if self.panels.len() > MAX_PANELS {
            self.omitted = self.panels.len() - MAX_PANELS;
            self.panels.truncate(MAX_PANELS);
        }
        self
    }

    /// "showing 24 of 40 panels; every variant is in summary.csv", when panels were left out.
    pub(crate) fn note(&self) -> Option<String> {
        (self.omitted > 0).then(|| {
            format!(
                "showing the first {} of {} panels; every variant is in summary.csv",
                self.panels.len(),
                self.panels.len() + self.omitted
            )
        })
    }
}

/// `name = value, name = value`; "all trials" when there are no parameters.
pub(crate) fn label(params: &[String], values: &[String]) -> String {
    if params.is_empty() {
        return "all trials".to_string();
    }
    params
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{} = {}", display_name(p), value_text(p, v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Distinct values in order of first appearance.
pub(crate) fn distinct<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// Arranges a run's `variants` (in this order) into panels of at most `per_panel`, each named
/// and grouped by its swept values (a variant the sweep does not know is "variant N").
pub(crate) fn arrange_variants(
    run: &crate::statistics::figures::RunData,
    variants: &[usize],
    per_panel: usize,
) -> Arrangement {
    let params = &run.sweep.params;
    let values = |v: usize| run.sweep.values_of(v);
    let items: Vec<Vec<String>> = variants
        .iter()
        .map(|&v| values(v).map(<[String]>::to_vec).unwrap_or_default())
        .collect();
    let labels: Vec<String> = variants
        .iter()
        .map(|&v| match values(v) {
            Some(vals) => label(params, vals),
            None => format!("variant {v}"),
        })
        .collect();
    arrange(
        params,
        &items,
        &labels,
        per_panel,
        super::style::PALETTE.len(),
    )
}

/// Arranges `items` (each given by its values of `params`) into panels of at most `max`.
/// `item_labels` overrides the label of items whose parameters are unknown.
pub(crate) fn arrange(
    params: &[String],
    items: &[Vec<String>],
    item_labels: &[String],
    max: usize,
    palette_len: usize,
) -> Arrangement {
    let n = items.len();
    let max = max.max(1);
    if n <= max {
        let members: Vec<Member> = (0..n)
            .map(|i| Member {
                item: i,
                colour: i,
                label: item_labels[i].clone(),
            })
            .collect();
        return Arrangement {
            omitted: 0,
            shared_legend: Some(
                members
                    .iter()
                    .map(|m| (m.colour, m.label.clone()))
                    .collect(),
            ),
            panels: vec![Panel {
                title: None,
                members,
            }],
        };
    }
    if let Some(a) = by_colour_parameter(params, items, max) {
        return a.bounded();
    }
    // consecutive chunks of (nearly) equal size
    let n_panels = n.div_ceil(max);
    let size = n.div_ceil(n_panels);
    let global_colours = n <= palette_len;
    let panels: Vec<Panel> = (0..n)
        .collect::<Vec<_>>()
        .chunks(size)
        .map(|chunk| Panel {
            title: chunk_title(params, items, item_labels, chunk),
            members: chunk
                .iter()
                .enumerate()
                .map(|(k, &i)| Member {
                    item: i,
                    colour: if global_colours { i } else { k },
                    label: item_labels[i].clone(),
                })
                .collect(),
        })
        .collect();
    Arrangement {
        shared_legend: global_colours
            .then(|| (0..n).map(|i| (i, item_labels[i].clone())).collect()),
        panels,
        omitted: 0,
    }
    .bounded()
}

/// The title of a panel holding consecutive items: the range of the swept parameter
/// ("host.investment = 0 to 0.5"), or of the items' labels.
fn chunk_title(
    params: &[String],
    items: &[Vec<String>],
    labels: &[String],
    chunk: &[usize],
) -> Option<String> {
    let (&first, &last) = (chunk.first()?, chunk.last()?);
    let one_param = params.len() == 1 && items[first].len() == 1 && items[last].len() == 1;
    Some(match (one_param, first == last) {
        (_, true) => labels[first].clone(),
        (true, false) => format!(
            "{} to {}",
            labels[first],
            value_text(&params[0], &items[last][0])
        ),
        (false, false) => format!("{} to {}", labels[first], labels[last]),
    })
}

fn by_colour_parameter(
    params: &[String],
    items: &[Vec<String>],
    max: usize,
) -> Option<Arrangement> {
    if params.len() < 2 || items.iter().any(|v| v.len() != params.len()) {
        return None;
    }
    for c in 0..params.len() {
        let values = distinct(items.iter().map(|v| v[c].as_str()));
        if values.len() < 2 || values.len() > max {
            continue;
        }
        // group by the other parameters, in order of first appearance
        let others: Vec<usize> = (0..params.len()).filter(|&k| k != c).collect();
        let key = |v: &Vec<String>| others.iter().map(|&k| v[k].clone()).collect::<Vec<_>>();
        let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
        for (i, v) in items.iter().enumerate() {
            let k = key(v);
            match groups.iter_mut().find(|(gk, _)| *gk == k) {
                Some((_, g)) => g.push(i),
                None => groups.push((k, vec![i])),
            }
        }
        let unique_within = groups
            .iter()
            .all(|(_, g)| distinct(g.iter().map(|&i| items[i][c].as_str())).len() == g.len());
        if !unique_within || groups.len() < 2 {
            continue;
        }
        let other_names: Vec<String> = others.iter().map(|&k| params[k].clone()).collect();
        let panels = groups
            .into_iter()
            .map(|(k, g)| Panel {
                title: Some(label(&other_names, &k)),
                members: g
                    .into_iter()
                    .map(|i| {
                        let colour = values.iter().position(|v| *v == items[i][c]).unwrap_or(0);
                        Member {
                            item: i,
                            colour,
                            label: format!(
                                "{} = {}",
                                display_name(&params[c]),
                                value_text(&params[c], &items[i][c])
                            ),
                        }
                    })
                    .collect(),
            })
            .collect();
        return Some(Arrangement {
            omitted: 0,
            panels,
            shared_legend: Some(
                values
                    .iter()
                    .enumerate()
                    .map(|(k, v)| {
                        let text = value_text(&params[c], v);
                        (k, format!("{} = {text}", display_name(&params[c])))
                    })
                    .collect(),
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn few_items_share_one_panel() {
        let params = s(&["a"]);
        let items: Vec<Vec<String>> = (0..3).map(|i| vec![i.to_string()]).collect();
        let labels: Vec<String> = items.iter().map(|v| label(&params, v)).collect();
        let a = arrange(&params, &items, &labels, 8, 8);
        assert_eq!(a.panels.len(), 1);
        assert_eq!(a.panels[0].members[2].label, "A = 2");
    }

    #[test]
    fn factorial_sweep_groups_by_other_parameter() {
        let params = s(&["a", "b"]);
        let mut items = Vec::new();
        for b in ["x", "y", "z"] {
            for a in 0..4 {
                items.push(vec![a.to_string(), b.to_string()]);
            }
        }
        let labels: Vec<String> = items.iter().map(|v| label(&params, v)).collect();
        let a = arrange(&params, &items, &labels, 8, 8);
        assert_eq!(a.panels.len(), 3);
        assert_eq!(a.panels[1].title.as_deref(), Some("B = y"));
        assert_eq!(a.panels[1].members[3].label, "A = 3");
        assert_eq!(a.panels[1].members[3].colour, 3);
        assert_eq!(a.shared_legend.unwrap().len(), 4);
    }

    #[test]
    fn long_single_sweep_is_chunked() {
        let params = s(&["a"]);
        let items: Vec<Vec<String>> = (0..20).map(|i| vec![i.to_string()]).collect();
        let labels: Vec<String> = items.iter().map(|v| label(&params, v)).collect();
        let a = arrange(&params, &items, &labels, 8, 8);
        assert_eq!(a.panels.len(), 3);
        assert!(a.panels.iter().all(|p| p.members.len() <= 8));
        assert!(a.shared_legend.is_none());
        let total: usize = a.panels.iter().map(|p| p.members.len()).sum();
        assert_eq!(total, 20);
        // each chunk is titled by the range of its values
        assert_eq!(a.panels[0].title.as_deref(), Some("A = 0 to 6"));
        assert_eq!(a.panels[2].title.as_deref(), Some("A = 14 to 19"));
    }

    #[test]
    fn at_most_max_panels_with_a_note() {
        let params = s(&["a"]);
        let items: Vec<Vec<String>> = (0..1000).map(|i| vec![i.to_string()]).collect();
        let labels: Vec<String> = items.iter().map(|v| label(&params, v)).collect();
        let a = arrange(&params, &items, &labels, 8, 8);
        assert_eq!(a.panels.len(), MAX_PANELS);
        assert_eq!(a.omitted, 125 - MAX_PANELS);
        assert_eq!(
            a.note().as_deref(),
            Some("showing the first 24 of 125 panels; every variant is in summary.csv")
        );
    }
}
