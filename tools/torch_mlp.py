"""PyTorch (CPU, float64) on the MLP workload of `adjoint bench moons`, for any data set and init.

Usage: python3 torch_mlp.py DATA.csv INIT.json [STEPS] [THREADS]

DATA.csv: a header row; every column but `label` is a feature, `label` is in {-1, +1}.
INIT.json: {"layers": [{"w": [[...], ...], "b": [...], "activation": "relu"}, ...]} (the format
of MLP.save; activation optional: relu on hidden layers, linear output by default).
The workload: loss = mean of relu(1 - y * score) + 1e-4 * sum of p*p over all parameters; step k:
forward, zero grads, backward, p -= (1.0 - 0.9 * k / 100) * grad. THREADS (default 1) goes to
torch.set_num_threads. Prints one JSON line as `adjoint bench moons` does, plus the process's CPU
time over the steps (`cpu_seconds`: on a busy machine, a measure the other processes disturb less), the BLAS library
the process loaded (from /proc/self/maps), OpenBLAS's kernel set, and the thread count.
"""
import csv
import json
import sys
import time

import torch

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda x: x}


def blas_loaded():
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
        return sorted(libs)
    except OSError:
        return []


def openblas_core(libs):
    """OpenBLAS's own name for the kernel set it picked on this CPU, when OpenBLAS is loaded."""
    import ctypes
    for lib in libs:
        if "openblas" in lib:
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                return f().decode()
            except (OSError, AttributeError):
                pass
    return None


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    data, init = argv[1], argv[2]
    steps = int(argv[3]) if len(argv) > 3 else 100
    threads = int(argv[4]) if len(argv) > 4 else 1
    torch.set_num_threads(threads)
    with open(data) as f:
        rows = list(csv.DictReader(f))
    features = [c for c in rows[0].keys() if c != "label"]
    X = torch.tensor([[float(r[c]) for c in features] for r in rows], dtype=torch.float64)
    Y = torch.tensor([float(r["label"]) for r in rows], dtype=torch.float64)
    with open(init) as f:
        spec = json.load(f)["layers"]
    Ws = [torch.tensor(L["w"], dtype=torch.float64, requires_grad=True) for L in spec]
    Bs = [torch.tensor(L["b"], dtype=torch.float64, requires_grad=True) for L in spec]
    acts = [ACTIVATIONS[L.get("activation", "relu" if i < len(spec) - 1 else "linear")] for i, L in enumerate(spec)]
    params = Ws + Bs

    def model(x):
        for W, B, act in zip(Ws, Bs, acts):
            x = act(x @ W.T + B)
        return x[:, 0]

    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(steps):
        scores = model(X)
        loss = torch.relu(1 - Y * scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
        acc = ((Y > 0) == (scores > 0)).double().mean().item()
        for p in params:
            p.grad = None
        loss.backward()
        lr = 1.0 - 0.9 * k / 100
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        if k == 0:
            first = loss.item()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    libs = blas_loaded()
    print(json.dumps({"system": "pytorch-" + torch.__version__, "steps": steps, "loss0": first, "loss_last": loss.item(),
                      "acc_last": acc, "seconds": elapsed, "cpu_seconds": cpu, "threads": threads, "blas": libs, "openblas_core": openblas_core(libs)}))


if __name__ == "__main__":
    main(sys.argv)
