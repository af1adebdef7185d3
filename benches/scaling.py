#!/usr/bin/env python3
"""2-thread speed-up (docs/PERFORMANCE.md): scaling.py ROUNDS SCENARIO TRIALS BIN... -> for each binary the median wall_seconds of 1- and 2-thread runs, alternated round by round, and their ratio."""
import json, subprocess, sys, statistics
rounds, scen, trials = int(sys.argv[1]), sys.argv[2], sys.argv[3]
bins = sys.argv[4:]
res = {(b,t): [] for b in bins for t in (1,2)}
for r in range(rounds):
    for b in bins:
        for t in (1,2):
            out = f"/tmp/scal-{t}"
            subprocess.run([b, "run", scen, "--trials", trials, "--threads", str(t), "--no-plots", "--no-trials", "--out", out, "--force", "--quiet"], check=True)
            res[(b,t)].append(json.load(open(out + "/manifest.json"))["wall_seconds"])
for b in bins:
    one, two = res[(b,1)], res[(b,2)]
    ratios = [x/y for x,y in zip(one,two)]
    print(f"{b}: 1 thread median {statistics.median(one):.3f} min {min(one):.3f}; 2 threads median {statistics.median(two):.3f} min {min(two):.3f}; speed-up of medians {statistics.median(one)/statistics.median(two):.2f}, median of paired ratios {statistics.median(ratios):.2f}; {[round(x,2) for x in ratios]}")
