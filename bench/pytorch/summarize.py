#!/usr/bin/env python3
"""Best time per (log, shape, n, mode, dtype, method) over all JSON lines in the given logs."""
import json
import sys

best = {}
for path in sys.argv[1:]:
    label = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for line in open(path):
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r.get("seconds") is None:
            continue
        k = (label, r["shape"], r["n"], r["mode"], r["dtype"], r["method"])
        runs = best.setdefault(k, [])
        runs.append(r)
print("| malloc | shape | N | mode | dtype | method | best s | GFLOP/s (nominal) | peak RSS MiB | blocks | runs |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for k in sorted(best):
    rs = best[k]
    b = min(rs, key=lambda r: r["seconds"])
    alls = sorted(t for r in rs for t in r["all_seconds"])
    print("| %s | %s | %d | %s | %s | %s | %.3f | %.1f | %.0f | %dx%d | %s |" % (
        k[0], k[1], k[2], k[3], k[4], k[5], b["seconds"], b["gflops"], b["peak_rss_mib"],
        b["block_rows"], b["block_cols"], ", ".join("%.2f" % t for t in alls)))
