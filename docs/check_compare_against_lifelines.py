"""Make the fixtures that check `hothouse compare`'s record curves against lifelines.

Usage (lifelines is not a dependency of hothouse; install it in a virtual environment):
    python -m venv /tmp/ll && /tmp/ll/bin/pip install lifelines pandas
    /tmp/ll/bin/python docs/check_compare_against_lifelines.py

Writes, into tests/fixtures/compare/:
- `small_record.csv`: a made-up record of 40 communities (seeded), with censoring at different
  times, ties within an outcome, and censorings in the same week as outcomes, but no week in
  which both outcomes happen (lifelines' AalenJohansenFitter breaks such ties by random jitter,
  which changes the variance), and `small_lifelines.csv`, lifelines' answer;
- `apache_lifelines.csv`: lifelines' answer for data/apache_incubator.csv. On the weekly grid
  both outcomes happen in some weeks, so lifelines' jitter is switched off
  (`_check_for_duplicates` answers False); lifelines then applies its formulas to the tied
  counts, which is what hothouse computes.

Record times are put on the weekly grid as hothouse does: week = max(1, ceil(time_weeks)).
Each answer has one row per week 0..longest follow-up: for both outcomes (`graduated`,
`fizzled`) the Aalen-Johansen estimate, its variance, and the 95% band. lifelines names the
two ends of the band `*_upper_0.95` and `*_lower_0.95` the wrong way round (its "upper" column
holds exp(-exp(log(-log F) + z se)), the smaller value), so the band here is (min, max) of the
two. Where lifelines gives NaN (F = 0, where its log(-log) band is undefined) the field is
empty; hothouse gives [0, 0] there. tests/compare.rs compares every number to 1e-9.
"""

import math
import os

import numpy as np
import pandas as pd
from lifelines import AalenJohansenFitter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "tests", "fixtures", "compare")
CODES = {"graduated": 1, "fizzled": 2, "censored": 0}


def week(x):
    return max(1, math.ceil(x))


def answer(record):
    weeks = record.time_weeks.map(week).astype(int)
    events = record.outcome.map(CODES).astype(int)
    horizon = int(weeks.max())
    grid = range(horizon + 1)
    out = pd.DataFrame({"week": list(grid)})
    for name, code in [("graduated", 1), ("fizzled", 2)]:
        aj = AalenJohansenFitter(calculate_variance=True)
        aj.fit(weeks, events, event_of_interest=code)
        est = aj.cumulative_density_.iloc[:, 0].reindex(grid, method="ffill")
        var = aj.variance_.reindex(grid, method="ffill")
        ci = aj.confidence_interval_.reindex(grid, method="ffill")
        out[name] = est.values
        out[f"{name}_variance"] = var.values
        out[f"{name}_lower"] = ci.min(axis=1, skipna=False).values
        out[f"{name}_upper"] = ci.max(axis=1, skipna=False).values
    return out


def small_record():
    rng = np.random.RandomState(2026)
    rows = []
    for i in range(40):
        kind = ["graduated", "fizzled", "censored"][i % 3]
        if kind == "graduated":
            w = 2 * rng.randint(1, 15)  # even weeks
        elif kind == "fizzled":
            w = 2 * rng.randint(0, 15) + 1  # odd weeks
        else:
            w = rng.randint(1, 31)
        # real-valued times inside the week; some censorings exactly on a whole week
        t = float(w) if (kind == "censored" and i % 2 == 0) else w - rng.uniform(0.0, 0.999)
        rows.append((f"c{i:02d}", "", "", kind, round(t, 3)))
    # the longest follow-up is a censoring, so the risk set never empties on an outcome
    rows.append(("last", "", "", "censored", 31.5))
    return pd.DataFrame(rows, columns=["name", "start", "end", "outcome", "time_weeks"])


def main():
    os.makedirs(OUT, exist_ok=True)
    small = small_record()
    small.to_csv(os.path.join(OUT, "small_record.csv"), index=False)
    answer(small).to_csv(os.path.join(OUT, "small_lifelines.csv"), index=False, float_format="%.17g")

    AalenJohansenFitter._check_for_duplicates = staticmethod(lambda durations, events: False)
    apache = pd.read_csv(os.path.join(ROOT, "data", "apache_incubator.csv"))
    answer(apache).to_csv(os.path.join(OUT, "apache_lifelines.csv"), index=False, float_format="%.17g")
    print(f"wrote {OUT}/small_record.csv, small_lifelines.csv, apache_lifelines.csv")


if __name__ == "__main__":
    main()
