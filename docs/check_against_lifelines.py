"""Cross-check a hothouse run's statistics against lifelines.

Usage (lifelines is not a dependency of hothouse; install it in a virtual environment):
    python -m venv /tmp/ll && /tmp/ll/bin/pip install lifelines pandas
    hothouse run scenarios/brand-and-recruitment.toml --trials 500 --no-plots --out /tmp/br
    /tmp/ll/bin/python docs/check_against_lifelines.py /tmp/br

Recomputes from trials.csv, with lifelines, the Kaplan-Meier survival and its 95% log(-log)
interval for every variant and time, the log-rank test of variant 0 against each variant and the
k-sample test, and prints the largest differences from survival.csv and logrank.csv.
"""

import json
import sys

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test

out = sys.argv[1]
steps = json.load(open(f"{out}/manifest.json"))["steps"]
trials = pd.read_csv(f"{out}/trials.csv")
survival = pd.read_csv(f"{out}/survival.csv")
logrank = pd.read_csv(f"{out}/logrank.csv", dtype={"variant_b": str})

# Time to fizzle; graduates and censored trials are censored at the horizon.
trials["duration"] = np.where(trials.outcome == "fizzled", trials.time, steps)
trials["event"] = (trials.outcome == "fizzled").astype(int)

worst_km = 0.0
for variant, group in trials.groupby("variant"):
    km = KaplanMeierFitter().fit(group.duration, group.event, timeline=range(steps + 1))
    ours = survival[survival.variant == variant]
    ci = km.confidence_interval_survival_function_
    for theirs, mine in [
        (km.survival_function_.iloc[:, 0].values, ours.survival.values),
        (ci.iloc[:, 0].values, ours.survival_lower.values),
        (ci.iloc[:, 1].values, ours.survival_upper.values),
    ]:
        worst_km = max(worst_km, float(np.nanmax(np.abs(theirs - mine))))
print(f"largest difference in survival and its interval: {worst_km:.3g}")

worst_lr = 0.0
base = trials[trials.variant == 0]
for variant in sorted(trials.variant.unique())[1:]:
    other = trials[trials.variant == variant]
    test = logrank_test(base.duration, other.duration, base.event, other.event)
    chi2 = float(logrank.loc[logrank.variant_b == str(variant), "chi2"].iloc[0])
    worst_lr = max(worst_lr, abs(test.test_statistic - chi2) / max(1.0, chi2))
if trials.variant.nunique() > 1:
    test = multivariate_logrank_test(trials.duration, trials.variant, trials.event)
    chi2 = float(logrank.loc[logrank.variant_b == "all", "chi2"].iloc[0])
    worst_lr = max(worst_lr, abs(test.test_statistic - chi2) / max(1.0, chi2))
print(f"largest relative difference in log-rank chi2: {worst_lr:.3g}")
