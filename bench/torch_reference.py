"""PyTorch side of `npm run bench` (native suite): the same model, weights and data as the
benchmark wrote to an .npz, timed at PyTorch's best on this machine (run by the bench with
OMP_WAIT_POLICY=PASSIVE and OpenBLAS when present).

  torch_reference.py time <task.npz> <threads>      -> JSON: grad_ms, hvp_ms (medians), loss, hv checksum
  torch_reference.py pyhessian <task.npz> <threads> -> JSON: top-5 by PyHessian's method (power
                                                       iteration with deflation, tol 1e-3), its HVPs and time

The task .npz holds: kind ('mlp' | 'cnn'), x, y (int labels), and the parameters in order
p0, p1, ... with a JSON `spec` describing the layers.
"""
import json
import sys
import resource
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(path):
    z = np.load(path)
    spec = json.loads(bytes(z["spec"]).decode())
    params = [torch.tensor(z[f"p{i}"], requires_grad=True) for i in range(len(spec["params"]))]
    x = torch.tensor(z["x"])
    y = torch.tensor(z["y"]).long()
    return spec, params, x, y


def forward(spec, params, x):
    h = x
    for layer in spec["layers"]:
        p = [params[i] for i in layer.get("params", [])]
        t = layer["type"]
        if t == "dense":  # TF.js kernel [in, out]
            h = h.reshape(h.shape[0], -1) @ p[0] + p[1]
        elif t == "conv":  # OIHW
            h = F.conv2d(h, p[0], p[1], stride=layer.get("stride", 1), padding=layer.get("pad", 0))
        elif t == "relu":
            h = F.relu(h)
        elif t == "maxpool":
            h = F.max_pool2d(h, layer["k"])
        elif t == "flatten":
            h = h.reshape(h.shape[0], -1)
        elif t == "gemm":  # ONNX Gemm with transB: W [out, in]
            h = h @ p[0].t() + p[1]
    return h


def loss_fn(spec, params, x, y):
    return F.cross_entropy(forward(spec, params, x), y)


def median(f, n=5):
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return 1000 * ts[len(ts) // 2]


def hvp(spec, params, x, y, v):
    g = torch.autograd.grad(loss_fn(spec, params, x, y), params, create_graph=True)
    return torch.autograd.grad(g, params, grad_outputs=v)


def main():
    mode, path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    spec, params, x, y = load(path)
    n = sum(p.numel() for p in params)
    flat_v = torch.sin(torch.arange(n, dtype=torch.float64)).float()
    v, off = [], 0
    for p in params:
        v.append(flat_v[off:off + p.numel()].reshape(p.shape))
        off += p.numel()
    if mode == "time":
        grad_ms = median(lambda: torch.autograd.grad(loss_fn(spec, params, x, y), params))
        hvp_ms = median(lambda: hvp(spec, params, x, y, v))
        hv = hvp(spec, params, x, y, v)
        print(json.dumps({"grad_ms": grad_ms, "hvp_ms": hvp_ms, "params": n, "threads": threads,
                          "loss": float(loss_fn(spec, params, x, y)), "hv_norm": float(torch.sqrt(sum((h.double() ** 2).sum() for h in hv))),
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    elif mode == "pyhessian":
        # PyHessian's hessian.eigenvalues(maxIter=100, tol=1e-3, top_n=5): power iteration with deflation
        t0 = time.perf_counter()
        gen = torch.Generator().manual_seed(0)
        eigvals, eigvecs, hvps = [], [], 0
        for _ in range(5):
            w = [torch.randn(p.shape, generator=gen) for p in params]
            nrm = torch.sqrt(sum((a * a).sum() for a in w))
            w = [a / nrm for a in w]
            lam = None
            for _ in range(100):
                for e in eigvecs:  # orthonormalise against the found eigenvectors
                    c = sum((a * b).sum() for a, b in zip(w, e))
                    w = [a - c * b for a, b in zip(w, e)]
                nrm = torch.sqrt(sum((a * a).sum() for a in w))
                w = [a / nrm for a in w]
                hv = hvp(spec, params, x, y, w)
                hvps += 1
                tmp = float(sum((a * b).sum() for a, b in zip(hv, w)))
                nrm = torch.sqrt(sum((a * a).sum() for a in hv))
                w = [a / nrm for a in hv]
                if lam is not None and abs(lam - tmp) / (abs(lam) + 1e-6) < 1e-3:
                    lam = tmp
                    break
                lam = tmp
            eigvals.append(lam)
            eigvecs.append(w)
        print(json.dumps({"top": eigvals, "hvps": hvps, "ms": 1000 * (time.perf_counter() - t0)}))


if __name__ == "__main__":
    main()
