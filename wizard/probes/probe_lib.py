"""What the verification probe's check groups share: the harness that times and reports each check,
facts about installed distributions, and what the spec says this machine should give.

Runs in the target interpreter (Python 3.9+, stdlib only) and never imports the wizard: the
environment under test may have a Python the wizard itself cannot run on.
"""
import importlib.metadata as md
import json
import os
import re
import sys
import threading
import time
import traceback
import warnings

CHECK_PREFIX = "@@wizard-check "     # the runner turns these lines into Check events
RUNNING_PREFIX = "@@wizard-running "  # for the supervisor only: which check a crashed group was in
GPU_ACCELERATORS = ("cuda", "rocm", "xpu")


def emit(prefix, payload):
    sys.stdout.write(prefix + json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def report(name, ok, detail, seconds, data=None):
    emit(CHECK_PREFIX, {"name": name, "ok": bool(ok), "detail": detail[:2000], "seconds": round(seconds, 3),
                        "data": data or {}})


def short_error(exc):
    return ("%s: %s" % (type(exc).__name__, exc))[:600]


class Result:
    def __init__(self, ok, data):
        self.ok = ok
        self.data = data


class Stop(Exception):
    """A check timed out: its thread may hold locks (CUDA, the import lock), so the group ends."""


class Harness:
    """Runs a group's checks one at a time, each in a thread with a time limit.

    A check is a function returning (ok, detail, data). Exceptions become failed checks; warnings
    raised while it runs are kept in its data, because torch and TensorFlow explain GPU trouble
    (an old driver, a missing architecture) only through warnings.
    """

    def __init__(self, timeout_s):
        self.timeout_s = timeout_s

    def check(self, name, fn, timeout_s=None):
        """Run and report one check; its Result, or None when it raised or timed out."""
        limit = timeout_s or self.timeout_s
        emit(RUNNING_PREFIX, {"name": name})
        box = {}

        def target():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    box["value"] = fn()
                except BaseException as exc:  # an import or a GPU call can raise anything, SystemExit included
                    box["error"] = exc
                    box["trace"] = traceback.format_exc(limit=-3).strip().splitlines()[-6:]
                box["warnings"] = sorted(set(str(w.message).strip()[:500] for w in caught))

        started = time.monotonic()
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        thread.join(limit)
        seconds = time.monotonic() - started
        if thread.is_alive():
            report(name, False, "did not finish within %d s" % limit, seconds, {"error": "timeout", "timeout_s": limit})
            raise Stop(name)
        extra = {"warnings": box["warnings"]} if box.get("warnings") else {}
        if "error" in box:
            exc = box["error"]
            report(name, False, short_error(exc), seconds, dict(extra, error=type(exc).__name__, traceback=box["trace"]))
            return None
        ok, detail, data = box["value"]
        data = dict(data or {}, **extra)
        report(name, ok, detail, seconds, data)
        return Result(ok, data)


# ---- installed distributions ------------------------------------------------------------------

def norm(name):
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions():
    """Every distribution on sys.path, in path order (duplicates kept: they are a finding)."""
    return [d for d in md.distributions() if d.metadata["Name"]]


def installed_names():
    return set(norm(d.metadata["Name"]) for d in distributions())


def top_modules(dist):
    """Top-level importable names of a distribution: top_level.txt, else its RECORD."""
    names = (dist.read_text("top_level.txt") or "").split()
    if not names:
        for f in dist.files or []:
            parts = f.parts
            if len(parts) == 1 and parts[0].endswith(".py"):
                names.append(parts[0][:-3])
            elif len(parts) > 1 and not parts[0].endswith((".dist-info", ".data")) and ".." not in parts:
                names.append(parts[0])
    return sorted(set(n for n in names if n.isidentifier() and not n.startswith("_")))


def primary_module(dist):
    """The module a person imports for this distribution: the one named like it, else the only one."""
    mods = [m for m in top_modules(dist) if m not in ("test", "tests", "docs", "examples", "benchmarks")]
    wanted = norm(dist.metadata["Name"]).replace("-", "_")
    for m in mods:
        if m.lower() == wanted:
            return m
    return mods[0] if len(mods) == 1 else None


def location(dist):
    return str(dist.locate_file(""))


def requirement_name(text):
    return norm(re.match(r"\s*([A-Za-z0-9._-]+)", text).group(1))


# ---- what this machine should give ------------------------------------------------------------

def machine(spec):
    return spec.get("machine") or {}


def nvidia_gpus(spec):
    """The machine's NVIDIA GPUs when a driver is loaded (a GPU without a driver is unusable)."""
    nv = machine(spec).get("nvidia") or {}
    return (nv.get("gpus") or []) if nv.get("driver") else []


def expected(spec, framework):
    """The accelerator a framework should use here: the plan's choice, else the best the machine has."""
    want = (spec.get("expect") or {}).get(framework)
    if want:
        return want
    m = machine(spec)
    if nvidia_gpus(spec):
        return "cuda"
    if (m.get("rocm") or {}).get("gpus"):
        return "rocm"
    if m.get("mps") and framework == "pytorch":
        return "mps"
    if (m.get("intel") or {}).get("gpus") and framework == "pytorch":
        return "xpu"
    return "cpu"


def gpu_names(spec):
    gpus = (nvidia_gpus(spec) + ((machine(spec).get("rocm") or {}).get("gpus") or [])
            + ((machine(spec).get("intel") or {}).get("gpus") or []))
    return ", ".join(g.get("name") or "GPU" for g in gpus) or "a GPU"


CUDA_LIBRARY = re.compile(r"lib(cudart|cublas|cublasLt|cudnn\w*|cufft|curand|cusparse|cusolver|nccl|nvrtc|nvJitLink)\.so[.\d]*$")


def loaded_cuda_libraries():
    """CUDA libraries this process has loaded and where from (Linux): the evidence of shadowing."""
    try:
        with open("/proc/self/maps") as fh:
            paths = set(line.split(None, 5)[-1].strip() for line in fh if ".so" in line)
    except OSError:
        return []
    return sorted(p for p in paths if CUDA_LIBRARY.search(os.path.basename(p)))
