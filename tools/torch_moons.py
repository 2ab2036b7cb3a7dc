# The moons workload in PyTorch, as every system runs it: torch_mlp.py with the moons defaults.
"""PyTorch (CPU, float64, tensors, one thread) on the moons workload.
Usage: python3 torch_moons.py [data.csv] [init.json] [steps]"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_mlp  # noqa: E402

defaults = ["../shared/data/moons-100.csv", "../shared/data/mlp-2-16-16-1.json", "100"]
given = sys.argv[1:4]
torch_mlp.main([sys.argv[0]] + given + defaults[len(given):] + ["1"])
