"""Facts about the environment itself, from metadata only (nothing heavy is imported): the Python
and platform, every installed distribution, and the two ways a torch install goes wrong
underneath pip: two builds at once, and a CPU build that replaced a CUDA one.
"""
import os
import platform
import re
import subprocess
import sys

from probe_lib import CUDA_LIBRARY, GPU_ACCELERATORS, distributions, expected, location, norm, requirement_name, top_modules

ENV_VARS = ("CUDA_VISIBLE_DEVICES", "CUDA_HOME", "CUDA_PATH", "CUDA_MODULE_LOADING", "HIP_VISIBLE_DEVICES")
# CUDA runtime wheels that a CUDA build of torch (or tensorflow[and-cuda], jax[cuda]) brings.
NVIDIA_WHEEL = re.compile(r"^nvidia-(cu|nccl|nvjitlink|nvtx|nvshmem)")


def first_line(argv):
    try:
        out = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[0] if out.returncode == 0 and lines else None


def cuda_library_dirs(paths):
    """Entries of a library path that hold CUDA libraries (which then load before any wheel's own)."""
    found = []
    for d in paths:
        try:
            if any(CUDA_LIBRARY.search(f) for f in os.listdir(d)):
                found.append(d)
        except OSError:
            pass
    return found


def python_and_platform():
    ld_path = [p for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]
    data = {
        "python": platform.python_version(), "implementation": sys.implementation.name,
        "executable": sys.executable, "prefix": sys.prefix, "platform": platform.platform(),
        "machine": platform.machine(), "libc": " ".join(platform.libc_ver()).strip() or None,
        "python_compiler": platform.python_compiler(), "gcc": first_line(["gcc", "--version"]),
        "ld_library_path": ld_path, "ld_library_path_cuda_dirs": cuda_library_dirs(ld_path),
        "variables": dict((k, os.environ[k]) for k in ENV_VARS if k in os.environ),
    }
    return True, "Python %s (%s) on %s" % (data["python"], sys.executable, data["platform"]), data


def installer(dist):
    return (dist.read_text("INSTALLER") or "").strip() or None


def installed_distributions():
    rows = [{"name": d.metadata["Name"], "version": d.version, "installer": installer(d), "location": location(d)}
            for d in distributions()]
    rows.sort(key=lambda r: norm(r["name"]))
    return True, "%d distributions installed" % len(rows), {"packages": rows}


def describe(dist):
    return {"name": dist.metadata["Name"], "version": dist.version, "location": location(dist), "installer": installer(dist)}


def one_torch(providers):
    rows = [describe(d) for d in providers]
    if len(rows) == 1:
        return True, "one build: torch %s" % rows[0]["version"], {"distributions": rows}
    return False, "%d installed distributions provide the torch module: %s" % (
        len(rows), ", ".join("%s %s" % (r["name"], r["version"]) for r in rows)), {"distributions": rows}


def torch_build(dist):
    """(cuda, hip) of an installed torch, read from torch/version.py without importing torch."""
    try:
        with open(str(dist.locate_file("torch/version.py")), encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return (None, None) if "+cpu" in dist.version else ("?", None)
    found = {}
    for key in ("cuda", "hip"):
        m = re.search(r"^%s(?:\s*:[^=\n]*)?=\s*(.+)$" % key, text, re.M)
        value = m.group(1).strip().strip("'\"") if m else "None"
        found[key] = None if value == "None" else value
    return found["cuda"], found["hip"]


def installed_at(dist):
    """When pip (or another installer) wrote this distribution: its RECORD's modification time."""
    for f in dist.files or []:
        if f.name == "RECORD":
            try:
                return os.path.getmtime(str(dist.locate_file(f)))
            except OSError:
                return None
    return None


def cuda_build_kept(spec, torch_dist, dists):
    cuda, hip = torch_build(torch_dist)
    data = {"torch": torch_dist.version, "cuda": cuda, "hip": hip, "installer": installer(torch_dist)}
    if cuda or hip:
        return True, "torch %s is a %s build" % (torch_dist.version, "CUDA " + cuda if cuda else "ROCm " + hip), data
    wanted = set(requirement_name(r) for d in dists for r in (d.requires or []) if norm(d.metadata["Name"]) != "torch")
    torch_time = installed_at(torch_dist)
    left = []
    for d in dists:
        name = norm(d.metadata["Name"])
        if NVIDIA_WHEEL.match(name) and name not in wanted:
            when = installed_at(d)
            left.append({"name": d.metadata["Name"], "version": d.version,
                         "installed_before_torch_s": round(torch_time - when) if torch_time and when else None})
    data["leftover_cuda_packages"] = left
    if not left:
        return True, "torch %s is a CPU build; no CUDA packages are left from another build" % torch_dist.version, data
    names = ", ".join(sorted(r["name"] for r in left))
    before = [r["installed_before_torch_s"] for r in left if r["installed_before_torch_s"] is not None]
    when = " (installed %d s before torch)" % max(before) if before and max(before) > 0 else ""
    intended = expected(spec, "pytorch") not in GPU_ACCELERATORS
    return intended, "torch %s is a CPU build, but %s%s are left from a CUDA build it replaced%s" % (
        torch_dist.version, names, when, "" if not intended else "; the CPU build is what this environment asks for"), data


def run(spec, h):
    h.check("environment: Python and platform", python_and_platform)
    h.check("environment: installed distributions", installed_distributions)
    dists = distributions()
    providers = [d for d in dists if norm(d.metadata["Name"]) == "torch" or "torch" in top_modules(d)]
    if providers:
        h.check("pytorch: one build installed", lambda: one_torch(providers))
        real = [d for d in providers if norm(d.metadata["Name"]) == "torch"]
        if real:
            h.check("pytorch: CUDA build not replaced", lambda: cuda_build_kept(spec, real[0], dists))
