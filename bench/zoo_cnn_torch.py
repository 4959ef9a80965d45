"""PyTorch side of `npm run bench -- zooCnn`: full-size torchvision CNNs (random weights, no downloads).

  zoo_cnn_torch.py make <dir> <name> <size> <n>   -> <dir>/<name>/model.onnx exported as the README's helper
                                                     does (media/pytorch/landscape_lens.py), data.npz, model.pt
  zoo_cnn_torch.py time <dir> <name> <threads>    -> JSON: hvp_ms (median of 3 after a warm-up; float32, eval(),
                                                     mean cross-entropy, double backward), grad_ms, params
Run with OMP_WAIT_POLICY=PASSIVE. Names: resnet18, mobilenet_v2, efficientnet_b0.
"""
import json, os, sys, time
import numpy as np
import torch, torch.nn.functional as F
import torchvision

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', 'media', 'pytorch'))
MODELS = {'resnet18': torchvision.models.resnet18, 'mobilenet_v2': torchvision.models.mobilenet_v2,
          'efficientnet_b0': torchvision.models.efficientnet_b0}


def build(name):
    torch.manual_seed(0)
    return MODELS[name](num_classes=10).eval()


def main():
    cmd, d, name = sys.argv[1:4]
    out = os.path.join(d, name)
    if cmd == 'make':
        from landscape_lens import LandscapeRun
        size, n = int(sys.argv[4]), int(sys.argv[5])
        m = build(name)
        g = torch.Generator().manual_seed(1)
        x = torch.randn(n, 3, size, size, generator=g)
        y = torch.randint(0, 10, (n,), generator=g)
        LandscapeRun(out, m, x[:1])
        np.savez(os.path.join(out, 'data.npz'), x=x.numpy(), y=y.numpy())
        torch.save(m.state_dict(), os.path.join(out, 'model.pt'))
        return
    threads = int(sys.argv[4])
    torch.set_num_threads(threads)
    m = build(name)
    m.load_state_dict(torch.load(os.path.join(out, 'model.pt')))
    z = np.load(os.path.join(out, 'data.npz'))
    x, y = torch.tensor(z['x']), torch.tensor(z['y']).long()
    ps = [p for p in m.parameters()]
    v = [torch.randn_like(p) for p in ps]

    def grad():
        return torch.autograd.grad(F.cross_entropy(m(x), y), ps)

    def hvp():
        g = torch.autograd.grad(F.cross_entropy(m(x), y), ps, create_graph=True)
        return torch.autograd.grad(g, ps, grad_outputs=v)

    def median(f):
        f()
        ts = []
        for _ in range(3):
            t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
        return 1000 * sorted(ts)[1]
    print(json.dumps({'grad_ms': median(grad), 'hvp_ms': median(hvp), 'threads': threads, 'params': sum(p.numel() for p in ps)}))


if __name__ == '__main__':
    main()
