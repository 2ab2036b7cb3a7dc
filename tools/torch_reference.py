"""Writes random straight-line programs with shared intermediate nodes, and PyTorch float64's value
and gradients for each, as the reference that engine-java's TorchReferenceTest replays.

Usage: /usr/bin/python3 tools/torch_reference.py [count] [seed] > engine-java/src/test/resources/dev/adjoint/torch-programs.txt
(PyTorch 1.13: apt-get install python3-torch.)

One program per line: `inputs x0 x1 ... | op a [b|p] ; op a b ; ... | last k | value v | grads g0 g1 ...
| dir v0 v1 ... | jvp j | hvp h0 h1 ... | hessian row0 ; row1 ; ...` (second order by double backward).
Operands are indices into the node list (inputs first). Numbers are hex floats (exact).
Ops: add sub mul div neg powc powv exp log sqrt tanh sigmoid relu sin cos abs log1p expm1 tan atan
asin acos sinh cosh erf softplus detach clamp (two constants: lo hi) max min atan2 sum dot.
The output is the sum of the last few nodes, so gradients flow through shared nodes.
"""
import math, random, sys
import torch

UNARY = ["neg", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos", "abs", "powc",
         "log1p", "expm1", "tan", "atan", "asin", "acos", "sinh", "cosh", "erf", "softplus", "detach", "clamp"]
BINARY = ["add", "sub", "mul", "div", "powv", "max", "min", "atan2"]
NARY = ["sum", "dot"]

def apply(op, args, p=None):
    if op == "add": return args[0] + args[1]
    if op == "sub": return args[0] - args[1]
    if op == "mul": return args[0] * args[1]
    if op == "div": return args[0] / args[1]
    if op == "powv": return torch.pow(args[0], args[1])
    if op == "neg": return -args[0]
    if op == "powc": return torch.pow(args[0], p)
    if op == "exp": return torch.exp(args[0])
    if op == "log": return torch.log(args[0])
    if op == "sqrt": return torch.sqrt(args[0])
    if op == "tanh": return torch.tanh(args[0])
    if op == "sigmoid": return torch.sigmoid(args[0])
    if op == "relu": return torch.relu(args[0])
    if op == "sin": return torch.sin(args[0])
    if op == "cos": return torch.cos(args[0])
    if op == "abs": return torch.abs(args[0])
    if op == "log1p": return torch.log1p(args[0])
    if op == "expm1": return torch.expm1(args[0])
    if op == "tan": return torch.tan(args[0])
    if op == "atan": return torch.atan(args[0])
    if op == "asin": return torch.asin(args[0])
    if op == "acos": return torch.acos(args[0])
    if op == "sinh": return torch.sinh(args[0])
    if op == "cosh": return torch.cosh(args[0])
    if op == "erf": return torch.erf(args[0])
    if op == "softplus": return torch.nn.functional.softplus(args[0])
    if op == "detach": return args[0].detach()
    if op == "clamp": return torch.clamp(args[0], p[0], p[1])
    if op == "max": return torch.maximum(args[0], args[1])
    if op == "min": return torch.minimum(args[0], args[1])
    if op == "atan2": return torch.atan2(args[0], args[1])
    if op == "sum":
        s = args[0]
        for a in args[1:]: s = s + a
        return s
    if op == "dot":
        n = len(args) // 2
        s = args[0] * args[n]
        for i in range(1, n): s = s + args[i] * args[n + i]
        return s
    raise ValueError(op)

def ok(op, vals, p):
    a = vals[0]
    if op in ("log", "sqrt") and a <= 0.05: return False
    if op == "powc" and a <= 0.05 and p != int(p): return False
    if op == "powc" and abs(a) < 0.05 and p < 0: return False
    if op == "div" and abs(vals[1]) < 0.2: return False
    if op == "powv" and (a <= 0.05 or abs(vals[1]) > 4): return False
    if op in ("relu", "abs") and abs(a) < 1e-3: return False
    if op == "log1p" and a <= -0.95: return False
    if op == "tan" and abs(math.cos(a)) < 0.2: return False
    if op in ("asin", "acos") and abs(a) > 0.95: return False
    if op in ("expm1", "sinh", "cosh") and abs(a) > 5: return False
    if op == "clamp" and min(abs(a - p[0]), abs(a - p[1])) < 1e-3: return False
    if op in ("max", "min") and 0 < abs(a - vals[1]) < 1e-3: return False
    if op == "atan2" and (a * a + vals[1] * vals[1] < 0.01 or abs(a) < 1e-3 and vals[1] < 0): return False  # origin, branch cut
    return True

def program(rng, drng):
    n_in = rng.randint(1, 5)
    xs = [rng.uniform(-2, 2) for _ in range(n_in)]
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    nodes = list(leaves)
    ops = []
    target = rng.randint(5, 40)
    tries = 0
    while len(nodes) - n_in < target and tries < 2000:
        tries += 1
        kind = rng.random()
        pick = lambda: rng.randrange(len(nodes))
        if kind < 0.45:
            op = rng.choice(UNARY); idx = [pick()]
            p = rng.choice([2.0, 3.0, -1.0, 0.5, 1.5, -2.0, 0.0, 1.0]) if op == "powc" else None
            if op == "clamp":
                lo = rng.uniform(-2, 1)
                p = (lo, lo + rng.uniform(0.5, 2))
        elif kind < 0.9:
            op = rng.choice(BINARY); idx = [pick(), pick()]; p = None
        else:
            op = rng.choice(NARY); k = rng.randint(1, 4)
            idx = [pick() for _ in range(k * (2 if op == "dot" else 1))]; p = None
        vals = [nodes[i].item() for i in idx]
        if not ok(op, vals, p): continue
        y = apply(op, [nodes[i] for i in idx], p)
        if not torch.isfinite(y) or abs(y.item()) > 1e4: continue
        nodes.append(y)
        ops.append((op, idx, p))
    k = min(3, len(ops))
    out = apply("sum", nodes[-k:]) if k > 0 else nodes[0] * 1.0
    if out.requires_grad:
        gs = torch.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
    else:  # every path to the output was detached
        gs = [None] * len(leaves)
    gs = [torch.zeros((), dtype=torch.float64) if g is None else g for g in gs]
    grads = [g.item() for g in gs]
    v = [drng.uniform(-1, 1) for _ in leaves]
    jvp = sum(g.item() * vi for g, vi in zip(gs, v))
    def hess_times(vec):
        gv = sum(g * vi for g, vi in zip(gs, vec))
        if not (isinstance(gv, torch.Tensor) and gv.requires_grad): return [0.0] * len(leaves)
        hv = torch.autograd.grad(gv, leaves, retain_graph=True, allow_unused=True)
        return [0.0 if t is None else t.item() for t in hv]
    hvp = hess_times(v)
    hessian = [hess_times([1.0 if j == i else 0.0 for j in range(n_in)]) for i in range(n_in)]
    h = float.hex
    consts = lambda p: "" if p is None else " " + (" ".join(map(h, p)) if isinstance(p, tuple) else h(p))
    opstr = " ; ".join(op + " " + " ".join(map(str, idx)) + consts(p) for op, idx, p in ops)
    return ("inputs " + " ".join(h(x) for x in xs) + " | " + opstr + " | last " + str(k)
            + " | value " + h(out.item()) + " | grads " + " ".join(h(g) for g in grads)
            + " | dir " + " ".join(h(x) for x in v) + " | jvp " + h(jvp) + " | hvp " + " ".join(h(x) for x in hvp)
            + " | hessian " + " ; ".join(" ".join(h(x) for x in row) for row in hessian))

if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 2026)
    drng = random.Random(7)  # directions, drawn apart so that the programs stay those of the seed
    print("# PyTorch", torch.__version__, "float64;", count, "programs; generated by tools/torch_reference.py")
    for _ in range(count): print(program(rng, drng))
