"""Verification inside the target environment: imports, versions and the seeds' check programs.

Runs in the *target* interpreter (Python 3.9+), stdlib only; never imports the wizard. Each
result is one line `@@wizard-check {json}` on stdout, which the runner turns into a Check event.
Usage: python verify_probe.py '{"frameworks": [{"id": ..., "imports": [...]}], "packages": [...]}'
"""
import importlib
import json
import re
import sys
import time

PREFIX = "@@wizard-check "


def report(name, ok, detail, started, data=None):
    line = {"name": name, "ok": bool(ok), "detail": detail, "seconds": round(time.monotonic() - started, 3),
            "data": data or {}}
    sys.stdout.write(PREFIX + json.dumps(line) + "\n")
    sys.stdout.flush()


def dist_version(module_name):
    try:
        import importlib.metadata as md
        for dist in md.packages_distributions().get(module_name, []):
            return md.version(dist)
    except Exception:
        pass
    return None


def check_import(label, modules):
    started = time.monotonic()
    found = []
    for name in modules:
        try:
            mod = importlib.import_module(name)
        except BaseException as exc:  # an import can raise anything, SystemExit included
            report("import " + label, False, "import %s failed: %s: %s" % (name, type(exc).__name__, exc), started,
                   {"module": name, "error": type(exc).__name__})
            return False
        version = getattr(mod, "__version__", None) or dist_version(name) or "?"
        found.append({"module": name, "version": str(version), "location": str(getattr(mod, "__file__", "") or "")})
    detail = ", ".join("%s %s" % (f["module"], f["version"]) for f in found)
    report("import " + label, True, detail, started, {"modules": found})
    return True


def modules_of(requirement):
    """Top-level modules of an installed distribution (top_level.txt, else its files)."""
    name = re.match(r"[A-Za-z0-9._-]+", requirement.strip()).group(0)
    import importlib.metadata as md
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        return name, None
    top = (dist.read_text("top_level.txt") or "").split()
    if not top:
        for f in dist.files or []:
            parts = f.parts
            if len(parts) == 1 and parts[0].endswith(".py"):
                top.append(parts[0][:-3])
            elif len(parts) > 1 and parts[1] == "__init__.py":
                top.append(parts[0])
    return name, sorted(set(t for t in top if t.isidentifier() and not t.startswith("_"))) or [name.replace("-", "_")]


def seeds_numpy():
    started = time.monotonic()
    import numpy as np
    array = np.array([1, 2, 3, 4, 5])
    text = str(array)
    report("seeds: numpy array", text == "[1 2 3 4 5]", "print(np.array([1, 2, 3, 4, 5])) -> %s" % text, started)


def seeds_regression():
    """The seeds' house-price regression: areas 100-300, prices 150000-350000; 350 -> 400000."""
    started = time.monotonic()
    from sklearn.linear_model import LinearRegression
    X = [[100], [150], [200], [250], [300]]
    y = [150000, 200000, 250000, 300000, 350000]
    prediction = float(LinearRegression().fit(X, y).predict([[350]])[0])
    report("seeds: house-price regression", abs(prediction - 400000.0) < 1.0,
           "predicted price for 350: %.1f (expected 400000)" % prediction, started, {"prediction": prediction})


def torch_basics():
    started = time.monotonic()
    import torch
    cuda = torch.version.cuda
    available = torch.cuda.is_available()
    a = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    ok = float((a @ a.T).sum()) == 69.0
    report("pytorch: tensor op", ok, "torch %s, CUDA build %s, cuda.is_available() %s" % (torch.__version__, cuda, available),
           started, {"version": torch.__version__, "cuda": cuda, "cuda_available": available})


def main():
    spec = json.loads(sys.argv[1])
    imported = set()
    for fw in spec.get("frameworks", []):
        if check_import(fw["id"], fw["imports"]):
            imported.add(fw["id"])
    for req in spec.get("packages", []):
        name, modules = modules_of(req)
        if modules is None:
            report("import " + name, False, "%s is not installed" % name, time.monotonic())
        else:
            check_import(name, modules)
    for fid, program in (("numpy", seeds_numpy), ("scikit-learn", seeds_regression), ("pytorch", torch_basics)):
        if fid in imported:
            started = time.monotonic()
            try:
                program()
            except BaseException as exc:
                report(program.__name__, False, "%s: %s" % (type(exc).__name__, exc), started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
