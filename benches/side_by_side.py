#!/usr/bin/env python3
"""Side by side (docs/PERFORMANCE.md): side_by_side.py ROUNDS THREADS SCENARIO TRIALS BIN... -> min/median user CPU and wall per binary."""
import json, os, resource, subprocess, sys, time, statistics
rounds, threads, scen, trials = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
bins = sys.argv[5:]
res = {b: [] for b in bins}
for r in range(rounds):
    for b in bins:
        out = f"/tmp/sbs-{os.path.basename(b)}-{threads}"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([b, "run", scen, "--trials", trials, "--threads", threads, "--no-plots", "--no-trials",
                        "--out", out, "--force", "--quiet"], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        m = json.load(open(out + "/manifest.json"))
        res[b].append((after.ru_utime - before.ru_utime, m["wall_seconds"], m["agent_steps"]))
for b in bins:
    u = [x[0] for x in res[b]]; w = [x[1] for x in res[b]]; steps = res[b][0][2]
    print(f"{os.path.basename(b)}: steps {steps:,}; user min {min(u):.3f} median {statistics.median(u):.3f} s "
          f"({steps/min(u)/1e6:.1f} M/s per CPU-second); wall min {min(w):.3f} median {statistics.median(w):.3f} s "
          f"({steps/min(w)/1e6:.1f} M/s); all user {[round(x,2) for x in u]} wall {[round(x,2) for x in w]}")
