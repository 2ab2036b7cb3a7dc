#!/usr/bin/env bash
# Runs the verification suite against deliberately broken copies of the engine and prints, for
# each, whether the suite caught it and the size of the shrunk expression it reported.
# Usage: [ONLY=name,...] bash tools/broken-engines.sh [OUT_DIR]    (about a minute per engine)
set -uo pipefail
here="${ADJOINT_REPO:-$(cd "$(dirname "$0")/.." && pwd)}"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
R=engine-java/src/main/java/dev/adjoint/Rules.java
S=engine-java/src/main/java/dev/adjoint/Sweep.java
N=engine-java/src/main/java/dev/adjoint/NodeRules.java
T=engine-java/src/main/java/dev/adjoint/Tape.java
B=engine-java/src/main/java/dev/adjoint/BatchTape.java
L=engine-java/src/main/java/dev/adjoint/LaneRules.java
SL=engine-java/src/main/java/dev/adjoint/SlotRules.java
# name | file | sed expression
mutants=(
  "tanh-derivative-1-minus-y|$R|s/case TANH -> g \* Math.fma(-y, y, 1.0);/case TANH -> g * (1.0 - y);/"
  "assign-instead-of-accumulate|$N|s/adj\[o.slot(a)\] += Rules.adjointA(op, a.data, bd, v.data, g);/adj[o.slot(a)] = Rules.adjointA(op, a.data, bd, v.data, g);/"
  "assign-in-dot|$N|s/adj\[o.slot(w)\] += g \* x.data;/adj[o.slot(w)] = g * x.data;/"
  "shared-nodes-visited-twice|$S|s/if (o.place(in) == 0) {/if (o.place(in) == 0 || (in.op != Op.LEAF \&\& o.place(in) > 0)) {/; s/^      if (w == x) return d;/      if (w == x) return cap;/"
  "sigmoid-forward-sign|$R|s|return 1.0 / (1.0 + Math.exp(-a));|return 1.0 / (1.0 + Math.exp(a));|"
  "sqrt-derivative-missing-2|$R|s|case SQRT -> g / (2.0 \* y);|case SQRT -> g / y;|"
  "div-adjoint-sign|$R|s|case DIV -> -g \* (a / b / b);|case DIV -> g * (a / b / b);|"
  "pow-exponent-log10|$R|s/g \* (y \* Math.log(a))/g * (y * Math.log10(a))/"
  "sub-adjoint-sign|$R|s/case SUB -> -g;/case SUB -> g;/"
  "dot-uses-wrong-operand|$N|s/adj\[o.slot(x)\] += g \* w.data;/adj[o.slot(x)] += g * x.data;/"
  "cos-derivative-sign|$R|s/case COS -> g \* -Math.sin(a);/case COS -> g * Math.sin(a);/"
  "leaf-gradients-not-accumulated|$S|s/leaves\[j\].addGrad(adj\[ni + j\]);/leaves[j].grad = adj[ni + j];/; s/if (v.op == Op.LEAF) v.addGrad(adj\[d\]);/if (v.op == Op.LEAF) v.grad = adj[d];/; s/far\[j\].addGrad(adj\[base + j\]);/far[j].grad = adj[base + j];/"
  "relu-kink-wrong-side|$R|s/    return y <= 0.0 ? 0.0 : g;/    return y <= 0.0 ? g : 0.0;/"
  "tape-stale-adjoints|$T|/void reverse(int k)/,/adj\[outputs\[k\]\] = 1.0;/ s/Arrays.fill(adj, 0.0);//"
  "batch-dot-shared-weight-row-0|$L|s/val\[y + s\] += val\[x + s\] \* c;/val[y + s] += val[x] * c;/"
  "batch-dot-shared-x-adjoint-row-0|$L|s/adj\[x\] += g \* val\[w + s\];/adj[x] += g * val[w];/"
  "batch-sum-shared-assign|$L|s/adj\[x\] += adj\[y + active\[j\]\];/adj[x] = adj[y + active[j]];/"
  "batch-sum-reads-row-0|$L|s/for (int s = 0; s < lanes; s++) val\[y + s\] += val\[x + s\];/for (int s = 0; s < lanes; s++) val[y + s] += val[x];/"
  "batch-stale-adjoints|$B|s/      if (kernels != null) kernels.clearAdjoints(adj, yBase);/      if (kernels != null) { }/; s/      else Arrays.fill(adj, 0.0);/      else { }/"
  "tape-dot-adjoint-wrong-operand|$SL|0,/adj\[x\] += g \* val\[w\];/ s/adj\[x\] += g \* val\[w\];/adj[x] += g * val[x];/"
  "tape-hvp-stale-adjoint-tangents|$T|s/    Arrays.fill(adjT, 0.0);//"
  "powc-exponent-off-by-one|$R|s/case POWC -> b == 0.0 ? 0.0 : g \* (b \* pow(a, b - 1.0));/case POWC -> b == 0.0 ? 0.0 : g * (b * pow(a, b - 2.0));/"
)
printf "%-34s %-8s %s\n" engine caught "shrunk expression (nodes)"
for m in "${mutants[@]}"; do
  IFS='|' read -r name file expr <<<"$m"
  # ONLY=name1,name2 runs just those engines
  if [ -n "${ONLY:-}" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
  work="$out/$name"; rm -rf "$work"; git clone -q "$here" "$work"
  (cd "$work" && sed -i "$expr" "$file" && ! git diff --quiet) || { printf "%-34s %s\n" "$name" "PATCH DID NOT APPLY"; continue; }
  (cd "$work" && mvn -q -B -o test -pl verification-kotest -am -Dtest='ThreeWayPropertyTest,SecondOrderPropertyTest' -Dsurefire.failIfNoSpecifiedTests=false \
     -Dadjoint.verify.iterations=2000 > "$out/$name.log" 2>&1)
  if grep -q "Caused by: Gradient check FAILED" "$out/$name.log"; then
    # each shrunk report: "Caused by: Gradient check FAILED (seed S): N nodes, ...", its source up to "inputs:", and its first failure
    awk '/^Caused by: Gradient check FAILED/ { n = $0; sub(/.*\): /, "", n); sub(/ nodes.*/, "", n); src = ""; insrc = 1; next }
         insrc && /^inputs:/ { insrc = 0; want = 1; next }
         insrc { line = $0; gsub(/^ +/, "", line); src = src (src == "" ? "" : " ") line; next }
         want && /^  - / { f = $0; sub(/^  - /, "", f); sub(/ at$/, "", f); print n " nodes: " src "  [" f "]"; want = 0 }' \
      "$out/$name.log" | sort -u | while read -r shrunk; do printf "%-34s %-8s %s\n" "$name" yes "$shrunk"; done
  elif grep -q "BUILD FAILURE\|Non-parseable\|COMPILATION ERROR" "$out/$name.log"; then
    printf "%-34s %-8s %s\n" "$name" "BUILD" "failed to build (see $out/$name.log)"
  else
    printf "%-34s %-8s %s\n" "$name" NO "(see $out/$name.log)"
  fi
done
