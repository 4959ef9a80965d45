"""Find what *Set Up PyTorch Export* needs in a training script, with Python's own `ast` (no import of the
script, nothing executed): the model, the optimizer, the training loop (the innermost loop around a
`.backward()` call, or a Lightning-style `training_step`), the batch's inputs and targets and the loss in it,
the top-of-file import position, and any `torch.save(....state_dict(), ...)` the script already makes.

    python3 find_training.py train.py   ->  one JSON object on stdout (lines are 1-based, end lines inclusive)

Run by src/extension/pytorchSetup.ts, which turns the JSON into edits. Standard library only.
"""
import ast
import json
import sys

MODEL_NAMES = {"model", "net", "network", "module", "classifier", "cnn", "mlp"}
MODEL_PREFIXES = ("nn.", "torch.nn.", "models.", "torchvision.models.", "timm.")
MODULE_BASES = {"Module", "LightningModule", "Sequential"}
WRAPPERS = {"to", "cuda", "cpu", "double", "float", "half", "train", "eval"}


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted(node.value)
        return inner + "." + node.attr if inner else None
    return None


def loss_name(expr):
    """The loss variable behind `.backward()`: `loss`, `scaler.scale(loss)`, `(loss / accum)`."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Call) and expr.args:
        return loss_name(expr.args[0])
    if isinstance(expr, ast.BinOp):
        return loss_name(expr.left)
    return None


def unwrap(call):
    """`Net(...).to(device).double()` -> the `Net(...)` call."""
    while isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in WRAPPERS and isinstance(call.func.value, ast.Call):
        call = call.func.value
    return call


class Finder:
    def __init__(self, source):
        self.source = source
        self.tree = ast.parse(source)
        self.parents = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.module_classes = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ClassDef) and any((dotted(b) or "").split(".")[-1] in MODULE_BASES for b in node.bases):
                self.module_classes.add(node.name)
        self.optim_names = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("torch.optim",):
                self.optim_names.update(a.asname or a.name for a in node.names)

    def text(self, node):
        return ast.get_source_segment(self.source, node)

    def scope(self, node):
        """The innermost function around `node` (None: module level)."""
        p = self.parents.get(node)
        while p is not None and not isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef)):
            p = self.parents.get(p)
        return p

    def statement(self, node):
        """The statement holding `node` that sits directly in a body list."""
        while not (isinstance(node, ast.stmt) and any(node in getattr(self.parents.get(node), f, []) for f in ("body", "orelse", "finalbody"))):
            node = self.parents[node]
        return node

    def is_model_call(self, value):
        call = unwrap(value)
        if not isinstance(call, ast.Call):
            return False
        name = dotted(call.func) or ""
        last = name.split(".")[-1]
        if last.endswith("Loss") or ".functional." in name:
            return False
        return last in self.module_classes or name.startswith(MODEL_PREFIXES)

    def is_optimizer_call(self, value):
        call = unwrap(value)
        if not isinstance(call, ast.Call):
            return False
        name = dotted(call.func) or ""
        return name.startswith(("torch.optim.", "optim.")) and name.count(".") <= 2 and "lr_scheduler" not in name or name in self.optim_names

    def assignments(self, test):
        out = []
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if names and test(node.value):
                    out.append((names[0], node))
        return sorted(out, key=lambda t: t[1].lineno)

    def visible(self, name, scope):
        """`name` can be read inside `scope`: assigned or a parameter there, or assigned at module level."""
        for fn in (scope, None):
            if fn is not None and name in [a.arg for a in fn.args.args + fn.args.kwonlyargs]:
                return True
            for node in ast.walk(fn if fn is not None else self.tree):
                if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store) and self.scope(node) is fn:
                    return True
        return False

    def find(self):
        out = {"saves": [], "alreadySetUp": False, "model": None, "optimizer": None, "loop": None}
        # where the import goes: after the docstring, __future__ imports and the leading block of imports
        body = self.tree.body
        import_after = 0
        for i, st in enumerate(body):
            if i == 0 and isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) and isinstance(st.value.value, str):
                import_after = st.end_lineno
            elif isinstance(st, (ast.Import, ast.ImportFrom)):
                import_after = st.end_lineno
            else:
                break
        out["importAfter"] = import_after
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                if "landscape_lens" in mods:
                    out["alreadySetUp"] = True
            if isinstance(node, ast.Call) and (dotted(node.func) or "") == "torch.save" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "state_dict":
                    out["saves"].append({"line": node.lineno, "text": self.text(node)})

        models = self.assignments(self.is_model_call)
        if not models:
            models = [(n, a) for n, a in self.assignments(lambda v: isinstance(unwrap(v), ast.Call)) if n in MODEL_NAMES]
        optimizers = self.assignments(self.is_optimizer_call)

        loop = self.find_loop(models, optimizers)
        out["loop"] = loop
        # the model and optimizer in the loop's scope, when the loop has one
        loop_scope = loop.pop("_scope", None) if loop else None
        model = next(((n, a) for n, a in models if loop is None or loop.get("model") in (None, n)), models[0] if models else None)
        if model:
            n, a = model
            out["model"] = {
                "name": n,
                "line": a.lineno,
                "endLine": a.end_lineno,
                "col": a.col_offset,
                "sameScope": loop is None or (self.scope(a) is loop_scope or self.scope(a) is None and self.visible(n, loop_scope)),
            }
        if optimizers:
            n, a = optimizers[0]
            out["optimizer"] = {"name": n, "line": a.lineno, "visibleInLoop": loop is None or loop.get("kind") == "loop" and self.visible(n, loop_scope)}
        return out

    def find_loop(self, models, optimizers):
        # models: assigned ones, the usual names, and whatever has `.parameters()` or `.train()` called on it
        model_names = {n for n, _ in models} | MODEL_NAMES
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("parameters", "train", "named_parameters"):
                if isinstance(node.func.value, ast.Name) and not node.args:
                    model_names.add(node.func.value.id)
        # Lightning style: a training_step method returning the loss
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef) and node.name == "training_step" and isinstance(self.parents.get(node), ast.ClassDef):
                rets = [st for st in node.body if isinstance(st, ast.Return)]
                if not rets:
                    continue
                ret = rets[-1]
                loss = ret.value.id if isinstance(ret.value, ast.Name) else None
                x = y = None
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call) and x is None and sub.args:
                        fn = dotted(sub.func) or ""
                        if fn in ("self", "self.forward") or fn.startswith("self.") and fn.split(".")[1] in model_names:
                            x = self.text(sub.args[0])
                y = self.targets(node, loss)
                return {
                    "kind": "training_step",
                    "insertBefore": ret.lineno,
                    "col": ret.col_offset,
                    "loss": loss,
                    "x": x,
                    "y": y,
                    "modelExpr": "self",
                    "totalSteps": None,
                    "_scope": node,
                }
        # a plain loop: the innermost for/while around the first `.backward()` call
        for node in sorted(ast.walk(self.tree), key=lambda n: getattr(n, "lineno", 0)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward"):
                continue
            loop = self.parents.get(node)
            while loop is not None and not isinstance(loop, (ast.For, ast.While, ast.AsyncFor)):
                loop = self.parents.get(loop)
            if loop is None:
                continue
            scope = self.scope(loop)
            loss = loss_name(node.func.value)
            # insert after `<optimizer>.step(...)` in the loop, else after the backward statement
            after = self.statement(node)
            opt_names = {n for n, _ in optimizers}
            for sub in ast.walk(loop):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "step":
                    obj = dotted(sub.func.value) or ""
                    if obj in opt_names or "opt" in obj.lower() and "sched" not in obj.lower() or obj.endswith("scaler"):
                        st = self.statement(sub)
                        if st.lineno > after.lineno or after is st:
                            after = st
                        break
            model_expr, x = None, None
            for sub in ast.walk(loop):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in model_names and sub.args and self.visible(sub.func.id, scope):
                    model_expr, x = sub.func.id, self.text(sub.args[0])
                    break
            # the optimizer as the loop names it (`optimizer.step()` on a parameter), else one the loop can see
            optimizer = None
            for sub in ast.walk(loop):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "step" and isinstance(sub.func.value, ast.Name):
                    name = sub.func.value.id
                    if (name in opt_names or "opt" in name.lower() and "sched" not in name.lower()) and self.visible(name, scope):
                        optimizer = name
                        break
            if optimizer is None:
                optimizer = next((n for n, _ in optimizers if self.visible(n, scope)), None)
            return {
                "kind": "loop",
                "insertAfter": after.end_lineno,
                "col": after.col_offset,
                "loss": loss,
                "x": x,
                "y": self.targets(loop, loss),
                "model": model_expr,
                "modelExpr": model_expr,
                "optimizer": optimizer,
                "totalSteps": self.total_steps(loop),
                "line": loop.lineno,
                "_scope": scope,
            }
        return None

    def targets(self, within, loss):
        """The targets: the second argument of the call assigned to the loss (`loss = criterion(out, yb)`)."""
        if loss is None:
            return None
        for node in ast.walk(within):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == loss for t in node.targets):
                call = node.value
                if isinstance(call, ast.Call):
                    if len(call.args) >= 2:
                        return self.text(call.args[1])
                    for kw in call.keywords:
                        if kw.arg in ("target", "targets", "labels", "y"):
                            return self.text(kw.value)
        return None

    def total_steps(self, loop):
        """Steps of the loop nest when every level is `for ... in range(<int>)` (else None)."""
        total, node = 1, loop
        while node is not None:
            if isinstance(node, (ast.For, ast.AsyncFor)):
                it = node.iter
                args = it.args if isinstance(it, ast.Call) and dotted(it.func) == "range" else None
                if not args or len(args) > 3 or not all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in args):
                    return None
                r = range(*[a.value for a in args])
                total *= len(r)
            elif isinstance(node, ast.While):
                return None
            node = self.parents.get(node)
        return total


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        source = f.read()
    try:
        result = Finder(source).find()
    except SyntaxError as e:
        result = {"syntaxError": f"line {e.lineno}: {e.msg}"}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
