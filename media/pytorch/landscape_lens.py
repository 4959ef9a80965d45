"""Landscape Lens export helper for PyTorch training scripts (no dependency beyond torch and numpy).

Writes one run folder that the Landscape Lens extension watches and the `landscape` CLI reads:

    <run_dir>/model.onnx           the architecture, exported once (BatchNorm kept as its own layer)
    <run_dir>/data.npz             a seeded sample of the training data (x, y) to diagnose on
    <run_dir>/model.step_<N>.pt    the state dict at step N (paired with model.onnx by its stem)
    <run_dir>/metrics.csv          step, loss and anything else you log (e.g. lr: the dashboard
                                   plots λ_max against 2/lr, the edge of stability)

Usage, as *Set Up PyTorch Export* inserts it (the architecture and the data sample come from the first
batch seen, the step count is the helper's own):

    from landscape_lens import LandscapeRun
    landscape_run = LandscapeRun("runs/train", model, every=500)   # after the model exists
    for xb, yb in loader:
        ...
        optimizer.step()
        landscape_run.step(xb, yb, loss=loss, lr=optimizer.param_groups[0]["lr"])

`step` logs every step to metrics.csv, writes model.step_<N>.pt every `every` steps and the last step at
exit; the first call exports the architecture (from `x[:1]`) and collects the data sample from the first
batches (distinct rows, at most 1024), written before the first checkpoint. A relative run folder is
relative to the script that creates the run; when it already holds checkpoints of an earlier run, the
next free `<folder>-2`, `-3`, ... is used. Inside a module's own method (Lightning's `training_step`):
`LandscapeRun.of(self, "runs/train").step(x, y, loss=loss)`.

The explicit form (you choose the steps and the data):

    run = LandscapeRun("runs/my-run", model, example_input=x_batch[:1])
    run.save_data(x_train, y_train)            # once: a seeded sample of at most 1024 rows
    if step % 500 == 0:
        run.checkpoint(step, loss=loss.item(), lr=optimizer.param_groups[0]["lr"])

Nothing here ever overwrites a file it did not write in this run folder.
"""
import atexit
import csv
import glob
import hashlib
import os
import sys

import numpy as np
import torch

__all__ = ["LandscapeRun"]


class LandscapeRun:
    def __init__(self, run_dir, model, example_input=None, opset=17, every=500, samples=1024):
        if example_input is None:
            # the form Set Up PyTorch Export inserts: relative to the calling script, a fresh folder per run
            if not os.path.isabs(run_dir):
                caller = sys._getframe(1).f_globals.get("__file__")
                if caller and sys._getframe(1).f_code.co_name == "of":
                    caller = sys._getframe(2).f_globals.get("__file__")
                if caller:
                    run_dir = os.path.join(os.path.dirname(os.path.abspath(caller)), run_dir)
            base, n = run_dir, 1
            while glob.glob(os.path.join(run_dir, "model.step_*.pt")) or os.path.exists(os.path.join(run_dir, "data.npz")):
                n += 1
                run_dir = f"{base}-{n}"
            if n > 1:
                print(f"Landscape Lens: {base} holds an earlier run; this run writes {run_dir}", file=sys.stderr)
        self.run_dir = run_dir
        self.model = model
        self.opset = opset
        self.every = max(1, int(every))
        self.samples = samples
        self._steps = 0
        self._saved_step = None
        self._rows = ([], [], set())
        self._data_written = False
        os.makedirs(run_dir, exist_ok=True)
        self._metrics_fields = None
        if example_input is not None:
            self._export(example_input)
        else:
            atexit.register(self._at_exit)

    @classmethod
    def of(cls, model, run_dir, **kwargs):
        """The run attached to `model` (created on first use): for code that only sees the model, e.g. a training_step."""
        run = model.__dict__.get("_landscape_run")
        if run is None:
            run = cls(run_dir, model, **kwargs)
            model.__dict__["_landscape_run"] = run
        return run

    @staticmethod
    def fill_in(what):
        """A placeholder Set Up PyTorch Export leaves where it could not find a name: stops the script, naming the line."""
        frame = sys._getframe(1)
        raise NotImplementedError(
            f"Landscape Lens: edit {os.path.basename(frame.f_code.co_filename)} line {frame.f_lineno}: "
            f"replace LandscapeRun.fill_in({what!r}) with {what}"
        )

    def step(self, x=None, y=None, **metrics):
        """One training step: logs `metrics` (tensors or numbers), collects the data sample, checkpoints every `every` steps."""
        self._steps += 1
        if x is not None and self._steps == 1 and not os.path.exists(os.path.join(self.run_dir, "model.onnx")):
            # exported now (an export error shows at the first step), named model.onnx with the first checkpoint
            # so the editor never sees the architecture alone and takes it for a checkpoint
            self._export(x[:1], "model.onnx.partial")
        if x is not None and y is not None and not self._data_written:
            self._collect(x, y)
        self._log(self._steps, metrics)
        if self._steps % self.every == 0:
            self._checkpoint_now()

    def _checkpoint_now(self):
        if not self._data_written and self._rows[0]:
            xs, ys, _ = self._rows
            self._write_data(torch.cat(xs), torch.cat(ys))
        self._data_written = True
        partial = os.path.join(self.run_dir, "model.onnx.partial")
        if os.path.exists(partial) and not os.path.exists(os.path.join(self.run_dir, "model.onnx")):
            os.replace(partial, os.path.join(self.run_dir, "model.onnx"))
        self.checkpoint(self._steps)
        self._saved_step = self._steps

    def _at_exit(self):
        if self._steps > 0 and self._saved_step != self._steps:
            self._checkpoint_now()

    def _collect(self, x, y):
        x = x.detach().cpu()
        y = y.detach().cpu()
        xs, ys, seen = self._rows
        if len(seen) >= self.samples:
            return
        keep = []
        for i in range(x.shape[0]):
            h = hashlib.sha1(x[i].numpy().tobytes()).digest()
            if h not in seen and len(seen) < self.samples:
                seen.add(h)
                keep.append(i)
        if keep:
            idx = torch.tensor(keep)
            xs.append(x[idx])
            ys.append(y[idx])

    def _export(self, example_input, name="model.onnx"):
        arch = os.path.join(self.run_dir, name)
        model, opset = self.model, self.opset
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
        self._data_written = True
        return self._write_data(x[idx], y[idx])

    def _write_data(self, x, y):
        path = os.path.join(self.run_dir, "data.npz")
        if os.path.exists(path):
            return path
        xs = x.float().numpy()
        ys = y
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

    def log(self, step, **metrics):
        """Log `metrics` (tensors or numbers) at `step` to metrics.csv, e.g. every step: run.log(step, loss=loss).
        The extension plots them at full resolution in the run's dashboard and compares the logged loss with
        each checkpoint's evaluated loss."""
        self._log(step, metrics)

    def _log(self, step, metrics):
        path = os.path.join(self.run_dir, "metrics.csv")
        if not metrics:
            return
        row = {"step": int(step), **{k: float(v.item() if hasattr(v, "item") else v) for k, v in metrics.items()}}
        if self._metrics_fields is None:
            self._metrics_fields = list(row)
            if not os.path.exists(path):
                with open(path, "w", newline="") as f:
                    csv.DictWriter(f, fieldnames=self._metrics_fields, lineterminator="\n").writeheader()
        with open(path, "a", newline="") as f:
            csv.DictWriter(f, fieldnames=self._metrics_fields, extrasaction="ignore", lineterminator="\n").writerow(row)
