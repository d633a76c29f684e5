#!/usr/bin/env bash
# Active-learning learning curves of docs/science.md: `al-sim --strategy all` on the synthetic
# 3-class problem of the README, one run per seed (al-sim --seed s, pool draw 100+s, test draw
# 200+s; same problem and checkpoint), then per strategy the mean ± std over seeds of the test
# accuracy at each label count, labels-to-accuracy, and an averaged plot (XChart from the jar, via
# jshell: bench/al_curves_plot.jsh).
# Usage: bench/al_curves.sh [WORKDIR (default /tmp/al-curves)] [SEEDS (default "0 1 2 3 4")]
#   (the 20-seed check of docs/science.md: bench/al_curves.sh /tmp/al-curves-20 "$(seq -s ' ' 0 19)")
# Writes WORKDIR/curve-<s>.csv|.png (al-sim), WORKDIR/full-<s>.csv (all 300 pool labels),
# WORKDIR/curves.csv (every run, with a seed column), WORKDIR/mean.csv, WORKDIR/al-curves.png;
# prints the markdown tables on stdout. AL_REUSE=1 keeps the runs already in WORKDIR (e.g. after an
# interrupted run) and only runs the missing ones.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="$repo/bin/ntkstream"
work="${1:-/tmp/al-curves}"
seeds="${2:-0 1 2 3 4}"
mkdir -p "$work"
cd "$work"

echo '{"input_dim":2,"parametrization":"ntk","sigma_w":1.4,"sigma_b":0.1,"layers":[{"type":"dense","out":256},{"type":"relu"},{"type":"dense","out":256},{"type":"relu"},{"type":"dense","out":3}]}' > cls.arch.json
"$bin" init --arch cls.arch.json --seed 0 --dtype float64 --out cls.safetensors >&2

for s in $seeds; do
  "$bin" synthetic-classes --n 300 --seed $((100 + s)) --out pool-$s >&2   # problem seed 0 (default)
  "$bin" synthetic-classes --n 500 --seed $((200 + s)) --out test-$s >&2
  [ "${AL_REUSE:-0}" = 1 ] && [ -s curve-$s.csv ] ||
  "$bin" al-sim --arch cls.arch.json --params cls.safetensors --pool-x pool-${s}_x.npy --pool-y pool-${s}_y.npy \
      --test-x test-${s}_x.npy --test-y test-${s}_y.npy --classes 3 --strategy all --dtype float64 \
      --initial 10 --budget 100 --batch 10 --ridge 0.1 --seed $s --out curve-$s.csv >&2
  # Reference: the same classifier on all 300 pool labels.
  [ "${AL_REUSE:-0}" = 1 ] && [ -s full-$s.csv ] ||
  "$bin" al-sim --arch cls.arch.json --params cls.safetensors --pool-x pool-${s}_x.npy --pool-y pool-${s}_y.npy \
      --test-x test-${s}_x.npy --test-y test-${s}_y.npy --classes 3 --strategy random --dtype float64 \
      --initial 300 --budget 0 --ridge 0.1 --seed $s --out full-$s.csv >&2
done

{
  echo "seed,strategy,labeled,accuracy,mse,seconds"
  for s in $seeds; do tail -n +2 curve-$s.csv | sed "s/^/$s,/"; done
} > curves.csv
full=$(for s in $seeds; do tail -n +2 full-$s.csv; done | awk -F, '
  { a[NR] = $3; m += $3 } END { m /= NR; for (i in a) v += (a[i] - m)^2; printf "%.3f ± %.3f", m, sqrt(v / (NR - 1)) }')

# mean.csv: strategy,labeled,mean,std,n (sample std over seeds), strategies in al-sim order.
awk -F, 'NR > 1 {
    k = $2 SUBSEP $3; if (!(k in n)) { key[++nk] = k }
    n[k]++; s[k] += $4; q[k] += $4 * $4 }
  END { print "strategy,labeled,mean,std,n"
    for (i = 1; i <= nk; i++) { k = key[i]; split(k, p, SUBSEP); m = s[k] / n[k]
      v = n[k] > 1 ? (q[k] - n[k] * m * m) / (n[k] - 1) : 0; if (v < 0) v = 0
      printf "%s,%d,%.6f,%.6f,%d\n", p[1], p[2], m, sqrt(v), n[k] } }' curves.csv > mean.csv

echo "Test accuracy (mean ± std over seeds: $seeds); all 300 pool labels: $full"
echo
awk -F, 'NR > 1 {
    if (!($1 in seen)) { seen[$1] = 1; st[++ns] = $1 }
    if (!($2 in seenl)) { seenl[$2] = 1; lab[++nl] = $2 }
    c[$1, $2] = sprintf("%.3f ± %.3f", $3, $4); m[$1, $2] = $3 }
  END {
    h = "| labels |"; d = "|---|"; for (j = 1; j <= ns; j++) { h = h " `" st[j] "` |"; d = d "---|" }
    print h; print d
    for (i = 1; i <= nl; i++) { best = -1
      for (j = 1; j <= ns; j++) if (m[st[j], lab[i]] > best) best = m[st[j], lab[i]]
      r = "| " lab[i] " |"
      for (j = 1; j <= ns; j++) { x = c[st[j], lab[i]]; if (m[st[j], lab[i]] == best && i > 1) x = "**" x "**"; r = r " " x " |" }
      print r } }' mean.csv

# Labels to reach a fraction of the best final mean accuracy: the first label count at which the
# strategy's mean curve reaches it, and (in parentheses) in how many seeds the run's own curve
# reaches it within the budget.
echo
awk -F, '
  FNR == 1 { f++; next }
  f == 1 { if (!($1 in seen)) { seen[$1] = 1; st[++ns] = $1 }
           mean[$1, $2] = $3; if ($2 > last) last = $2; lab[$1, ++nlab[$1]] = $2; next }
  f == 2 { run[$1, $2, $3] = $4; if (!($1 in seens)) { seens[$1] = 1; sd[++nsd] = $1 } }
  END {
    best = -1; for (j = 1; j <= ns; j++) if (mean[st[j], last] > best) best = mean[st[j], last]
    nf = split("0.8 0.9 0.95", fr, " ")
    printf "Best final mean accuracy (%d labels): %.3f. Labels at which the mean curve first reaches a fraction of it (seeds whose own curve reaches it by %d labels):\n\n", last, best, last
    h = "| strategy |"; d = "|---|"
    for (t = 1; t <= nf; t++) { h = h sprintf(" %d%% (%.3f) |", fr[t] * 100, fr[t] * best); d = d "---|" }
    h = h " mean accuracy over the curve |"; d = d "---|"
    print h; print d
    for (j = 1; j <= ns; j++) { s = st[j]; r = "| `" s "` |"
      for (t = 1; t <= nf; t++) { target = fr[t] * best; hit = "> " last
        for (i = 1; i <= nlab[s]; i++) if (mean[s, lab[s, i]] >= target) { hit = lab[s, i]; break }
        reach = 0
        for (k = 1; k <= nsd; k++) for (i = 1; i <= nlab[s]; i++) if (run[sd[k], s, lab[s, i]] >= target) { reach++; break }
        r = r " " hit " (" reach "/" nsd ") |" }
      area = 0; for (i = 1; i <= nlab[s]; i++) area += mean[s, lab[s, i]]
      r = r sprintf(" %.3f |", area / nlab[s]); print r } }' mean.csv curves.csv

# Paired against random (same seed, same initial labels): accuracy difference at every label
# count after the initial one; per seed the mean difference over the curve.
echo
awk -F, 'NR > 1 { a[$1, $2, $3] = $4; if (!($2 in seen)) { seen[$2] = 1; st[++ns] = $2 }
    if (!($3 in seenl)) { seenl[$3] = 1; lab[++nl] = $3 }; if (!($1 in seens)) { seens[$1] = 1; sd[++nsd] = $1 } }
  END { print "| strategy − random | mean difference | points better / worse / tied (of " nl - 1 " × " nsd ") | seeds better over the curve | per seed |"
    print "|---|---|---|---|---|"
    for (j = 1; j <= ns; j++) { s = st[j]; if (s == "random") continue; sum = 0; w = 0; l = 0; t = 0; n = 0; ps = ""; sw = 0
      for (k = 1; k <= nsd; k++) { ss = 0
        for (i = 2; i <= nl; i++) { x = a[sd[k], s, lab[i]] - a[sd[k], "random", lab[i]]
          sum += x; ss += x; n++; if (x > 1e-12) w++; else if (x < -1e-12) l++; else t++ }
        ps = ps (k > 1 ? " " : "") sprintf("%+.3f", ss / (nl - 1)); if (ss > 0) sw++ }
      printf "| `%s` | %+.3f | %d / %d / %d | %d/%d | %s |\n", s, sum / n, w, l, t, sw, nsd, ps } }' curves.csv

NTKSTREAM_JAR="$repo/flink-jobs/target/ntkstream.jar"
jshell --class-path "$NTKSTREAM_JAR" -R-Djava.awt.headless=true \
    -R-Dal.mean="$work/mean.csv" -R-Dal.out="$work/al-curves.png" -R-Dal.title="Active learning, 2-256-256-3 relu, 3 classes (mean ± std over seeds $seeds, batch 10)" \
    "$repo/bench/al_curves_plot.jsh" >&2
echo
echo "Plot: $work/al-curves.png"
