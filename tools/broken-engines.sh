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
D=engine-java/src/main/java/dev/adjoint/DenseKernels.java
SH=engine-java/src/main/java/dev/adjoint/BatchShards.java
G=engine-java/src/main/java/dev/adjoint/Guards.java
C=engine-java/src/main/java/dev/adjoint/Compiler.java
# name | file | sed expression
mutants=(
  "tanh-derivative-1-minus-y|$R|s/case TANH -> g \* Math.fma(-y, y, 1.0);/case TANH -> g * (1.0 - y);/"
  "assign-instead-of-accumulate|$N|s/adj\[ia\] += Rules.adjointA(op, a.data, bd, v.data, g);/adj[ia] = Rules.adjointA(op, a.data, bd, v.data, g);/"
  "assign-in-dot|$N|s/adj\[o.slot(w)\] += g \* x.data;/adj[o.slot(w)] = g * x.data;/"
  "shared-nodes-visited-twice|$S|s/if (o.place(in) == 0) {/if (o.place(in) == 0 || (in.op != Op.LEAF \&\& o.place(in) > 0)) {/; s/^        if (w == x) return d;/        if (w == x) return cap;/; s/else if (ia <= d || ia >= cap || win\[ia\] != a) ia = slotElsewhere(a, ia);/else ia = cap;/"
  "sigmoid-forward-sign|$R|s|return 1.0 / (1.0 + Math.exp(-a));|return 1.0 / (1.0 + Math.exp(a));|"
  "sqrt-derivative-missing-2|$R|s|case SQRT -> g / (2.0 \* y);|case SQRT -> g / y;|"
  "div-adjoint-sign|$R|s|case DIV -> -g \* (a / b / b);|case DIV -> g * (a / b / b);|"
  "pow-exponent-log10|$R|s/g \* (y \* Math.log(a))/g * (y * Math.log10(a))/"
  "sub-adjoint-sign|$R|s/case SUB -> -g;/case SUB -> g;/"
  "dot-uses-wrong-operand|$N|s/adj\[o.slot(x)\] += g \* w.data;/adj[o.slot(x)] += g * x.data;/"
  "cos-derivative-sign|$R|s/case COS -> g \* -Math.sin(a);/case COS -> g * Math.sin(a);/"
  "leaf-gradients-not-accumulated|$S|s/leaves\[j\].addGrad(adj\[ni + j\]);/leaves[j].grad = adj[ni + j];/; s/if (v.op == Op.LEAF) v.addGrad(adj\[d\]);/if (v.op == Op.LEAF) v.grad = adj[d];/; s/far\[j\].addGrad(adj\[base + j\]);/far[j].grad = adj[base + j];/"
  "relu-kink-wrong-side|$R|s/    return y <= 0.0 ? 0.0 : g;/    return y <= 0.0 ? g : 0.0;/"
  "tape-stale-adjoints|$T|/private void seed(int k)/,/adj\[outputs\[k\]\] = 1.0;/ s/Arrays.fill(adj, 0.0);//"
  "batch-dot-shared-weight-row-0|$L|s/val\[y + s\] += val\[x + s\] \* c;/val[y + s] += val[x] * c;/"
  "batch-dot-shared-x-adjoint-row-0|$L|s/adj\[x\] += g \* val\[w + s\];/adj[x] += g * val[w];/"
  "batch-sum-shared-assign|$L|s/adj\[x\] += adj\[y + active\[j\]\];/adj[x] = adj[y + active[j]];/"
  "batch-sum-reads-row-0|$L|s/for (int s = 0; s < lanes; s++) val\[y + s\] += val\[x + s\];/for (int s = 0; s < lanes; s++) val[y + s] += val[x];/"
  "batch-stale-adjoints|$B|s/      if (kernels != null) kernels.clearAdjoints(adj, yBase);/      if (kernels != null) { }/; s/      else Arrays.fill(adj, 0.0);/      else { }/"
  "tape-dot-adjoint-wrong-operand|$SL|0,/adj\[x\] += g \* val\[w\];/ s/adj\[x\] += g \* val\[w\];/adj[x] += g * val[x];/"
  "tape-hvp-stale-adjoint-tangents|$T|s/    Arrays.fill(adjT, 0.0);//"
  "powc-exponent-off-by-one|$R|s/case POWC -> b == 0.0 ? 0.0 : g \* (b \* pow(a, b - 1.0));/case POWC -> b == 0.0 ? 0.0 : g * (b * pow(a, b - 2.0));/"
  "max-tie-all-to-first|$R|s/case MAX -> a < b ? 0.0 : a == b ? g \/ 2.0 : g;/case MAX -> a < b ? 0.0 : g;/"
  "min-tie-full-to-second|$R|s/case MIN -> a < b ? 0.0 : a == b ? g \/ 2.0 : g;/case MIN -> a < b ? 0.0 : g;/"
  "abs-gradient-one-at-zero|$R|s/case ABS -> g \* sign(a);/case ABS -> a >= 0.0 ? g : -g;/"
  "clamp-min-open-at-bound|$R|s/case CLAMP_MIN -> a >= b ? g : 0.0;/case CLAMP_MIN -> a > b ? g : 0.0;/"
  "atan2-adjoint-x-sign|$R|s|case ATAN2 -> g \* -a \* (1.0 / (a \* a + b \* b));|case ATAN2 -> g * a * (1.0 / (a * a + b * b));|"
  "softplus-adjoint-sigmoid-of-minus-x|$R|s|case SOFTPLUS -> a > SOFTPLUS_THRESHOLD ? g : g \* Math.exp(a) / (Math.exp(a) + 1.0);|case SOFTPLUS -> a > SOFTPLUS_THRESHOLD ? g : g / (Math.exp(a) + 1.0);|"
  "asin-derivative-plus|$R|s|case ASIN -> g \* (1.0 / Math.sqrt(1.0 - a \* a));|case ASIN -> g * (1.0 / Math.sqrt(1.0 + a * a));|"
  "log1p-tangent-drops-one|$R|s|case LOG1P -> ta == 0.0 ? 0.0 : ta / (a + 1.0);|case LOG1P -> ta == 0.0 ? 0.0 : ta / a;|"
  "erf-second-order-sign|$R|s/case ERF -> ta \* (-2.0 \* a \* TWO_OVER_SQRT_PI/case ERF -> ta * (2.0 * a * TWO_OVER_SQRT_PI/"
  "detach-leaks-gradient|$R|0,/case DETACH -> 0.0;/ s/case DETACH -> 0.0;/case DETACH -> g;/"
  "primitive-shared-gradient-dropped-on-batch-tape|$L|s/adj\[x < shared ? x : x + s\] += g \* d\[i\];/if (x >= shared) adj[x + s] += g * d[i];/"
  "primitive-partials-reversed-on-tape|$SL|0,/adj\[args\[start + i\]\] += g \* d\[i\];/ s/adj\[args\[start + i\]\] += g \* d\[i\];/adj[args[start + i]] += g * d[d.length - 1 - i];/"
  "dense-weight-adjoint-first-row|$D|s/for (int q = 0; q < r; q++) xt\[q\]\[k\] = val\[xk + q\];/for (int q = 0; q < r; q++) xt[q][k] = val[xk];/"
  "dense-bias-adjoint-dropped|$D|s/if (L.b != null) for (int q = 0; q < count; q++) xt\[q\]\[n\] = 1.0;/if (L.b != null) for (int q = 0; q < count; q++) xt[q][n] = 0.0;/"
  "shard-rows-start-one-late|$SH|s/System.arraycopy(mainVal, shared + slot \* total + l0, val\[q\], shared + slot \* n, n);/System.arraycopy(mainVal, shared + slot * total + l0 + (q > 0 ? 1 : 0), val[q], shared + slot * n, n);/"
  "compiled-tape-stale-adjoints|$T|s|        kernel.clear(adj); // only those the kernel reads|        // only those the kernel reads|"
  "compiled-sub-adjoint-sign|$C|s/if (side == 1) mv.visitInsn(DNEG);/if (side == 0) mv.visitInsn(DNEG);/"
  "guard-first-skipped|$G|s/for (int k = 0; k < slot.length; k++) {/for (int k = 1; k < slot.length; k++) {/"
  "guards-skipped-on-compiled-tapes|$T|s/if (guards != null) guards.check(val, \"Tape\");/if (guards != null \&\& kernel == null) guards.check(val, \"Tape\");/"
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
