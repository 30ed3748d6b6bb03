"""Imports: each chosen framework, each extra package, every installed distribution; then the
seeds' own check programs (the numpy array and the house-price regression).
"""
import importlib

from probe_lib import distributions, installed_names, location, norm, primary_module, requirement_name, short_error, top_modules


def module_versions():
    """Top-level module -> version of the distribution that ships it (for modules without __version__)."""
    out = {}
    for d in distributions():
        for m in top_modules(d):
            out.setdefault(m, d.version)
    return out


def import_modules(modules, versions):
    found = []
    for name in modules:
        mod = importlib.import_module(name)
        version = getattr(mod, "__version__", None) or versions.get(name.split(".")[0]) or "?"
        found.append({"module": name, "version": str(version), "location": str(getattr(mod, "__file__", "") or "")})
    return True, ", ".join("%s %s" % (f["module"], f["version"]) for f in found), {"modules": found}


def modules_of(requirement):
    """(distribution name, its top-level modules), or (name, None) when it is not installed."""
    name = requirement_name(requirement)
    for d in distributions():
        if norm(d.metadata["Name"]) == name:
            return name, top_modules(d) or [name.replace("-", "_")]
    return name, None


def applies_here(requirement):
    """False when the requirement's markers exclude this interpreter (`; sys_platform == 'win32'`
    on Linux, `; extra == 'x'`): pip did not install it, so it is not missing. Evaluated with pip's
    own `packaging` (the probe is stdlib only); without pip, every requirement applies."""
    if ";" not in requirement:
        return True
    try:
        from pip._vendor.packaging.requirements import Requirement
        marker = Requirement(requirement).marker
    except Exception:  # noqa: BLE001 - no pip, or a requirement pip would refuse anyway
        return True
    return marker is None or marker.evaluate({"extra": ""})


def not_installed(name):
    raise ModuleNotFoundError("%s is not installed" % name)


# Tools that are run, never imported: importing pip turns off setuptools' distutils shim for the rest
# of the process, after which `import setuptools` fails although nothing is wrong.
NOT_IMPORTED = ("pip",)


def optional_missing(dist, module, exc, provided):
    """The module an import stopped at when that is an optional package nobody installed: no
    installed distribution provides it and `dist` does not require it (matplotlib-inline imports
    matplotlib, which it leaves to the user). None for a real failure; a required distribution that
    is missing is pip check's finding."""
    missing = (getattr(exc, "name", None) or "").split(".")[0]
    if not isinstance(exc, ModuleNotFoundError) or not missing or missing == module.split(".")[0] or missing in provided:
        return None
    required = set(requirement_name(r) for r in dist.requires or [] if "extra" not in r.partition(";")[2])
    return None if norm(missing) in required else missing


def every_distribution():
    rows, failed, optional = [], [], []
    dists = distributions()
    provided = set(m for d in dists for m in top_modules(d))
    for d in dists:
        module = None if norm(d.metadata["Name"]) in NOT_IMPORTED else primary_module(d)
        row = {"name": d.metadata["Name"], "version": d.version, "module": module, "location": location(d)}
        if module:
            try:
                row["location"] = str(getattr(importlib.import_module(module), "__file__", "") or row["location"])
            except BaseException as exc:  # noqa: B036 - an import can raise anything
                row["error"] = short_error(exc)
                row["needs_optional"] = optional_missing(d, module, exc, provided)
                (optional if row["needs_optional"] else failed).append(row)
        rows.append(row)
    if failed:
        return False, "%d of %d do not import: %s" % (len(failed), len(rows), "; ".join(
            "%s (%s)" % (r["name"], r["error"]) for r in failed)), {"distributions": rows}
    bare = [r["name"] for r in rows if not r["module"]]
    detail = "all %d import" % (len(rows) - len(bare) - len(optional))
    if optional:
        detail += "; %s need%s an optional package that is not installed (%s)" % (
            ", ".join(r["name"] for r in optional), "s" if len(optional) == 1 else "",
            ", ".join(sorted(set(r["needs_optional"] for r in optional))))
    return True, detail + (" (not imported: %s)" % ", ".join(bare) if bare else ""), {"distributions": rows}


def seeds_numpy():
    import numpy as np
    text = str(np.array([1, 2, 3, 4, 5]))
    return text == "[1 2 3 4 5]", "print(np.array([1, 2, 3, 4, 5])) -> %s" % text, {}


def seeds_regression():
    """The seeds' house-price regression: areas 100-300, prices 150000-350000; 350 -> 400000."""
    from sklearn.linear_model import LinearRegression
    X = [[100], [150], [200], [250], [300]]
    y = [150000, 200000, 250000, 300000, 350000]
    prediction = float(LinearRegression().fit(X, y).predict([[350]])[0])
    return abs(prediction - 400000.0) < 1.0, "predicted price for 350: %.1f (expected 400000)" % prediction, {"prediction": prediction}


SEEDS = (("numpy", "seeds: numpy array", seeds_numpy), ("sklearn", "seeds: house-price regression", seeds_regression))


def run(spec, h):
    versions = module_versions()
    installed = installed_names()
    imported = set()
    for fw in spec.get("frameworks", []):
        if spec.get("only_installed") and not all(requirement_name(p) in installed for p in fw.get("packages", [])):
            continue
        if h.check("import " + fw["id"], lambda fw=fw: import_modules(fw["imports"], versions)):
            imported.update(fw["imports"])
    for req in spec.get("packages", []):
        if not applies_here(req):
            continue
        name, modules = modules_of(req)
        if modules is None:
            h.check("import " + name, lambda name=name: not_installed(name))
        elif h.check("import " + name, lambda modules=modules: import_modules(modules, versions)):
            imported.update(modules)
    h.check("import: every installed distribution", every_distribution, h.timeout_s * 3)
    for module, name, program in SEEDS:
        if module in imported:
            h.check(name, program)
