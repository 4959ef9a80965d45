"""Landscape Lens export helper for PyTorch training scripts (no dependency beyond torch and numpy).

Writes one run folder that the Landscape Lens extension watches and the `landscape` CLI reads:

    <run_dir>/model.onnx           the architecture, exported once (BatchNorm kept as its own layer)
    <run_dir>/data.npz             a seeded sample of the training data (x, y) to diagnose on
    <run_dir>/model.step_<N>.pt    the state dict at step N (paired with model.onnx by its stem)
    <run_dir>/metrics.csv          step, loss and anything else you log (e.g. lr: the dashboard
                                   plots λ_max against 2/lr, the edge of stability)

Usage:

    from landscape_lens import LandscapeRun
    run = LandscapeRun("runs/my-run", model, example_input=x_batch[:1])
    run.save_data(x_train, y_train)            # once: a seeded sample of at most 1024 rows
    for step in range(steps):
        ...
        if step % 500 == 0:
            run.checkpoint(step, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])

Nothing here ever overwrites a file it did not write in this run folder.
"""
import csv
import os

import numpy as np
import torch

__all__ = ["LandscapeRun"]


class LandscapeRun:
    def __init__(self, run_dir, model, example_input, opset=17):
        self.run_dir = run_dir
        self.model = model
        os.makedirs(run_dir, exist_ok=True)
        self._metrics_fields = None
        arch = os.path.join(run_dir, "model.onnx")
        if not os.path.exists(arch):
            was_training = model.training
            model.eval()
            try:
                # No constant folding: parameters keep their PyTorch names and layouts, BatchNorm
                # stays a layer (its running statistics come from each checkpoint).
                torch.onnx.export(
                    model, (example_input,), arch, opset_version=opset, do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE,
                    input_names=["input"], output_names=["output"],
                    dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                )
            finally:
                model.train(was_training)

    def save_data(self, x, y, samples=1024, seed=0):
        """A seeded random sample of (x, y) as data.npz (labels as int64, targets as float32)."""
        path = os.path.join(self.run_dir, "data.npz")
        if os.path.exists(path):
            return path
        x = x.detach().cpu() if torch.is_tensor(x) else torch.as_tensor(np.asarray(x))
        y = y.detach().cpu() if torch.is_tensor(y) else torch.as_tensor(np.asarray(y))
        n = x.shape[0]
        idx = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[: min(samples, n)].sort().values
        xs = x[idx].float().numpy()
        ys = y[idx]
        ys = ys.long().numpy() if not torch.is_floating_point(ys) else ys.float().numpy()
        np.savez(path, x=xs, y=ys)
        return path

    def checkpoint(self, step, **metrics):
        """The state dict at `step` as model.step_<step>.pt, and a row of metrics.csv."""
        path = os.path.join(self.run_dir, f"model.step_{int(step)}.pt")
        if os.path.exists(path):
            raise FileExistsError(f"{path} exists: Landscape Lens never overwrites a checkpoint")
        torch.save(self.model.state_dict(), path)
        if metrics:
            self._log(step, metrics)
        return path

    def _log(self, step, metrics):
        path = os.path.join(self.run_dir, "metrics.csv")
        row = {"step": int(step), **{k: float(v) for k, v in metrics.items()}}
        if self._metrics_fields is None:
            self._metrics_fields = list(row)
            if not os.path.exists(path):
                with open(path, "w", newline="") as f:
                    csv.DictWriter(f, fieldnames=self._metrics_fields, lineterminator="\n").writeheader()
        with open(path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=self._metrics_fields, extrasaction="ignore", lineterminator="\n").writerow(row)
