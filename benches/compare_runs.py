#!/usr/bin/env python3
"""Before/after comparison of the bundled scenarios from two output folders per scenario.
usage: compare_runs.py BEFORE_ROOT AFTER_ROOT  (each holds NAME/trials.csv, NAME/summary.csv)"""
import csv, math, os, sys
from collections import defaultdict

def load(path):
    by = defaultdict(list)
    with open(path) as f:
        for r in csv.DictReader(f):
            by[int(r['variant'])].append((r['outcome'], int(r['time'])))
    return by

def wilson(k, n, z=1.96):
    p = k / n
    d = 1 + z*z/n
    c = (p + z*z/(2*n)) / d
    h = z*math.sqrt(p*(1-p)/n + z*z/(4*n*n)) / d
    return p, c-h, c+h

def median_ci(times):
    t = sorted(times); n = len(t)
    if n == 0: return (float('nan'),)*3
    lo = max(0, int(math.floor(n/2 - 1.96*math.sqrt(n)/2)))
    hi = min(n-1, int(math.ceil(n/2 + 1.96*math.sqrt(n)/2)))
    return t[(n-1)//2] if n % 2 else (t[n//2-1]+t[n//2])/2, t[lo], t[hi]

def ztest(k1, n1, k2, n2):
    p = (k1+k2)/(n1+n2)
    se = math.sqrt(p*(1-p)*(1/n1+1/n2))
    return 0.0 if se == 0 else (k2/n2 - k1/n1)/se

def mann_whitney_z(a, b):
    # normal approximation with ties
    allv = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = {}
    i = 0; n = len(allv); r1 = 0.0; tie = 0.0
    while i < n:
        j = i
        while j < n and allv[j][0] == allv[i][0]: j += 1
        avg = (i + j + 1) / 2
        cnt = j - i; tie += cnt**3 - cnt
        for k in range(i, j):
            if allv[k][1] == 0: r1 += avg
        i = j
    n1, n2 = len(a), len(b)
    u = r1 - n1*(n1+1)/2
    mu = n1*n2/2
    var = n1*n2/12*((n1+n2+1) - tie/((n1+n2)*(n1+n2-1)))
    return 0.0 if var <= 0 else (u-mu)/math.sqrt(var)

before, after = sys.argv[1], sys.argv[2]
rows = []
zs = []
for name in sorted(os.listdir(before)):
    a = load(os.path.join(before, name, 'trials.csv'))
    b = load(os.path.join(after, name, 'trials.csv'))
    for v in sorted(a):
        x, y = a[v], b[v]
        n1, n2 = len(x), len(y)
        g1 = sum(o == 'graduated' for o, _ in x); g2 = sum(o == 'graduated' for o, _ in y)
        f1 = sum(o == 'fizzled' for o, _ in x); f2 = sum(o == 'fizzled' for o, _ in y)
        t1 = [t for _, t in x]; t2 = [t for _, t in y]
        pg1, pg2 = wilson(g1, n1), wilson(g2, n2)
        pf1, pf2 = wilson(f1, n1), wilson(f2, n2)
        m1, m2 = median_ci(t1), median_ci(t2)
        zg, zf, zt = ztest(g1, n1, g2, n2), ztest(f1, n1, f2, n2), mann_whitney_z(t1, t2)
        zs += [zg, zf, zt]
        fmt = lambda p: f"{p[0]:.4f} ({p[1]:.4f}–{p[2]:.4f})"
        fm = lambda m: f"{m[0]:g} ({m[1]:g}–{m[2]:g})"
        rows.append(f"| {name} | {v} | {n1:,} | {fmt(pg1)} | {fmt(pg2)} | {zg:+.2f} | {fmt(pf1)} | {fmt(pf2)} | {zf:+.2f} | {fm(m1)} | {fm(m2)} | {zt:+.2f} |")
print("| scenario | variant | trials (each) | P(graduate) before (95%) | after | z | P(fizzle) before | after | z | median weeks before (95%) | after | z (Mann-Whitney) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
k = len(zs)
print(f"\n{k} tests; |z| > 1.96: {sum(abs(z) > 1.96 for z in zs)} (expected about {0.05*k:.1f} by chance); |z| > 3: {sum(abs(z) > 3 for z in zs)}; largest |z| {max(abs(z) for z in zs):.2f}")
print(f"chi-square of all z: {sum(z*z for z in zs):.1f} on {k} degrees of freedom (not independent: same trials)")
