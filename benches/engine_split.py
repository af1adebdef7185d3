#!/usr/bin/env python3
"""Where one core's time goes (docs/PERFORMANCE.md): engine_split.py ROUNDS BIN [SCENARIO].

Runs the scenario (default: scenarios/default.toml) with its community scaled by 1, 3 and 10
(initial participants, population and critical mass multiplied alike), on one thread, ROUNDS
alternating rounds, and fits the median wall time of a community-week as a line in the mean
number of participants n:

    ns per community-week = a * n + b

a is the cost of one participant's week (the participants' loop, their newcomers' draws), b the
fixed cost of a community-week (its terms, recruitment, assets, economics, life cycle and the
weekly statistics). Community-weeks are counted from trials.csv (the `time` of each trial)."""
import csv, json, os, re, statistics, subprocess, sys, tempfile

rounds, binary = int(sys.argv[1]), sys.argv[2]
scenario = sys.argv[3] if len(sys.argv) > 3 else "scenarios/default.toml"
# About 1.5 s a run at each scale on this machine.
scales = [(1, 200_000), (3, 200_000), (10, 50_000)]
base = open(scenario).read()
work = tempfile.mkdtemp(prefix="engine-split-")


def scaled(text, s):
    for key in ("initial_participants", "population", "critical_mass"):
        text, found = re.subn(rf"(?m)^{key}\s*=\s*(\d+)", lambda m: f"{key} = {int(m.group(1)) * s}", text)
        if found != 1:
            sys.exit(f"{scenario}: expected one line `{key} = N` in [community]")
    return text


def run(path, trials, out, keep_trials):
    cmd = [binary, "run", path, "--trials", str(trials), "--threads", "1", "--no-plots",
           "--out", out, "--force", "--quiet"] + ([] if keep_trials else ["--no-trials"])
    subprocess.run(cmd, check=True)
    return json.load(open(os.path.join(out, "manifest.json")))


sizes = {}
for s, trials in scales:
    path = os.path.join(work, f"x{s}.toml")
    open(path, "w").write(scaled(base, s))
    out = os.path.join(work, f"count{s}")
    steps = run(path, trials, out, True)["agent_steps"]
    weeks = sum(int(r["time"]) for r in csv.DictReader(open(os.path.join(out, "trials.csv"))))
    sizes[s] = (path, trials, steps, weeks, [])
for _ in range(rounds):
    for s, (path, trials, _, _, walls) in sizes.items():
        walls.append(run(path, trials, os.path.join(work, "timed"), False)["wall_seconds"])
points = []
for s, (_, _, steps, weeks, walls) in sizes.items():
    n, per_week = steps / weeks, statistics.median(walls) / weeks * 1e9
    points.append((n, per_week))
    print(f"scale {s:2}: mean participants {n:6.1f}, {weeks:,} community-weeks, median wall "
          f"{statistics.median(walls):.3f} s: {per_week:7.1f} ns a community-week, "
          f"{statistics.median(walls) / steps * 1e9:5.2f} ns a participant-step")
mx = statistics.mean(p[0] for p in points)
my = statistics.mean(p[1] for p in points)
a = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
b = my - a * mx
n1 = points[0][0]
print(f"fit: {a:.2f} ns a participant-week + {b:.1f} ns a community-week; at the scenario's "
      f"{n1:.1f} participants the participants take {a * n1 / (a * n1 + b):.0%} of the time")
