#!/usr/bin/env python3
"""What the machine allows on 2 cores (docs/PERFORMANCE.md): pairs.py ROUNDS SCENARIO TRIALS BIN -> one 1-thread run alone, two 1-thread runs at once, and one 2-thread run, alternated round by round (process wall times)."""
import json, subprocess, sys, statistics, time
rounds, scen, trials, b = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def cmd(out): return [b, "run", scen, "--trials", trials, "--threads", "1", "--no-plots", "--no-trials", "--out", out, "--force", "--quiet"]
alone, together, two = [], [], []
for r in range(rounds):
    t = time.time(); subprocess.run(cmd("/tmp/pa"), check=True); alone.append(time.time() - t)
    t = time.time(); ps = [subprocess.Popen(cmd(f"/tmp/pb{i}")) for i in (0, 1)]; [p.wait() for p in ps]; together.append(time.time() - t)
    t = time.time(); subprocess.run(cmd("/tmp/pa")[:6] + ["2"] + cmd("/tmp/pa")[7:], check=True); two.append(time.time() - t)
print(f"one 1-thread run alone: median {statistics.median(alone):.3f} s; two 1-thread runs at once: median {statistics.median(together):.3f} s "
      f"(throughput x{2*statistics.median(alone)/statistics.median(together):.2f}); one 2-thread run: median {statistics.median(two):.3f} s (x{statistics.median(alone)/statistics.median(two):.2f})")
print("paired: independent", [round(2*a/t, 2) for a, t in zip(alone, together)], "threads", [round(a/t, 2) for a, t in zip(alone, two)])
