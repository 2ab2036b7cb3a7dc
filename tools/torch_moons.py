# The moons workload in PyTorch, as every system runs it (a copy of the workplace's shared bench script).
"""PyTorch (CPU, float64, tensors, one thread) on the moons workload.
Usage: python3 torch_moons.py [data.csv] [init.json] [steps]"""
import csv, json, sys, time
import torch
torch.set_num_threads(1)
data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/moons-100.csv"
init = sys.argv[2] if len(sys.argv) > 2 else "../shared/data/mlp-2-16-16-1.json"
steps = int(sys.argv[3]) if len(sys.argv) > 3 else 100
rows = list(csv.DictReader(open(data)))
X = torch.tensor([[float(r["x1"]), float(r["x2"])] for r in rows], dtype=torch.float64)
Y = torch.tensor([float(r["label"]) for r in rows], dtype=torch.float64)
spec = json.load(open(init))
Ws = [torch.tensor(L["w"], dtype=torch.float64, requires_grad=True) for L in spec["layers"]]
Bs = [torch.tensor(L["b"], dtype=torch.float64, requires_grad=True) for L in spec["layers"]]
params = Ws + Bs

def model(x):
    for i, (W, B) in enumerate(zip(Ws, Bs)):
        x = x @ W.T + B
        if i < len(Ws) - 1: x = torch.relu(x)
    return x[:, 0]

t0 = time.perf_counter()
for k in range(steps):
    scores = model(X)
    loss = torch.relu(1 - Y * scores).mean() + 1e-4 * sum((p * p).sum() for p in params)
    acc = ((Y > 0) == (scores > 0)).double().mean().item()
    for p in params: p.grad = None
    loss.backward()
    lr = 1.0 - 0.9 * k / 100
    with torch.no_grad():
        for p in params: p -= lr * p.grad
    if k == 0: first = loss.item()
elapsed = time.perf_counter() - t0
print(json.dumps({"system": "pytorch-" + torch.__version__, "steps": steps, "loss0": first, "loss_last": loss.item(), "acc_last": acc, "seconds": elapsed}))
