"""Stand-in `torch` (and a minimal `tensorflow`) packages that report whatever build and GPUs a test
configures, written into an environment's site-packages as real distributions.

No GPU build can run here, so these play them for the verification probe: torch.version.cuda,
cuda.is_available() (with the warning torch gives for an old driver), device names and compute
capabilities, the compiled arch list, and matmuls that work, fail for a missing kernel, give
wrong numbers, hang or crash the process. Each package gets a .dist-info (METADATA, INSTALLER,
RECORD, top_level.txt) so the probe's metadata checks (two torch builds, CUDA wheels left behind)
see it exactly as pip would have left it. `run_probe` runs the real probe over them.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wizard.events import Check, Event
from wizard.runner import RunLog, Runner
from wizard.verify import verification_steps

_TORCH = r"""
import json, os, random, signal, time, types, warnings
from . import version
CONFIG = json.loads(%(config)r)
__version__ = CONFIG["version"]
_rng = random.Random(0)


def manual_seed(seed):
    _rng.seed(seed)


def _kernel(device):
    if device == "cpu":
        return
    if not CONFIG["available"]:
        raise RuntimeError("Found no NVIDIA driver on your system.")
    mode = CONFIG["matmul"]
    if mode == "no-kernel":
        raise RuntimeError("CUDA error: no kernel image is available for execution on the device")
    if mode == "hang":
        time.sleep(3600)
    if mode == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)


class Tensor:
    def __init__(self, rows, device="cpu"):
        self.rows = [[float(v) for v in r] for r in rows]
        self.device = device

    def _map(self, fn, other=None):
        if other is None:
            return Tensor([[fn(a) for a in r] for r in self.rows], self.device)
        return Tensor([[fn(a, b) for a, b in zip(r, s)] for r, s in zip(self.rows, other.rows)], self.device)

    @property
    def T(self):
        return Tensor(list(zip(*self.rows)), self.device)

    def __matmul__(self, other):
        _kernel(self.device)
        out = Tensor([[sum(a * b for a, b in zip(r, c)) for c in zip(*other.rows)] for r in self.rows], self.device)
        return out._map(lambda v: v + 1.0) if self.device != "cpu" and CONFIG["matmul"] == "wrong" else out

    def __sub__(self, other):
        return self._map(lambda a, b: a - b, other)

    def to(self, device):
        device = str(device)
        if device != "cpu" and not CONFIG["available"]:
            _kernel(device)
        return Tensor(self.rows, device)

    def abs(self):
        return self._map(abs)

    def max(self):
        return Tensor([[max(v for r in self.rows for v in r)]], self.device)

    def sum(self):
        return Tensor([[sum(v for r in self.rows for v in r)]], self.device)

    def __float__(self):
        return self.rows[0][0]


def tensor(rows):
    return Tensor(rows)


def rand(n, m):
    return Tensor([[_rng.random() for _ in range(m)] for _ in range(n)])


def _available():
    if CONFIG["warning"]:
        warnings.warn(CONFIG["warning"], UserWarning)
    return CONFIG["available"]


_gpus = CONFIG["gpus"]
cuda = types.SimpleNamespace(
    is_available=_available,
    device_count=lambda: len(_gpus) if CONFIG["available"] else 0,
    get_device_name=lambda i: _gpus[i]["name"],
    get_device_capability=lambda i: tuple(_gpus[i]["capability"]),
    get_arch_list=lambda: list(CONFIG["arch_list"]) if CONFIG["available"] else [],
)
xpu = types.SimpleNamespace(   # Intel GPUs: the same shape as torch.cuda, without capabilities
    is_available=_available,
    device_count=lambda: len(_gpus) if CONFIG["available"] else 0,
    get_device_name=lambda i: _gpus[i]["name"],
)
_C = types.SimpleNamespace(**({"_cuda_getArchFlags": lambda: " ".join(CONFIG["arch_list"])} if CONFIG["cuda"] else {}))
backends = types.SimpleNamespace(
    cudnn=types.SimpleNamespace(version=lambda: CONFIG["cudnn"]),
    mps=types.SimpleNamespace(is_available=lambda: CONFIG["mps"], is_built=lambda: CONFIG["mps"]),
)
"""

_TORCH_VERSION = """from typing import Optional
__version__ = {version!r}
debug = False
cuda: Optional[str] = {cuda!r}
hip: Optional[str] = {hip!r}
xpu: Optional[str] = {xpu!r}
"""

_TENSORFLOW = r"""
import ctypes, contextlib, json, os, types
CONFIG = json.loads(%(config)r)
__version__ = CONFIG["version"]
for _name in CONFIG["load"]:   # what the real one dlopens; the dynamic loader searches LD_LIBRARY_PATH first
    ctypes.CDLL(_name)


class _Tensor:
    def __init__(self, rows, device):
        self.rows, self.device = rows, device

    def numpy(self):
        return types.SimpleNamespace(tolist=lambda: self.rows)


_placed = ["/job:localhost/replica:0/task:0/device:CPU:0"]


@contextlib.contextmanager
def device(name):
    _placed.append("/job:localhost/replica:0/task:0/device:" + name.strip("/"))
    yield
    _placed.pop()


def constant(rows):
    return _Tensor(rows, _placed[-1])


def matmul(a, b):
    rows = [[sum(x * y for x, y in zip(r, c)) for c in zip(*b.rows)] for r in a.rows]
    return _Tensor(rows, _placed[-1])


sysconfig = types.SimpleNamespace(get_build_info=lambda: {"cuda_version": CONFIG["cuda"], "cudnn_version": "9"})
test = types.SimpleNamespace(is_built_with_cuda=lambda: bool(CONFIG["cuda"]))
config = types.SimpleNamespace(list_physical_devices=lambda kind: [
    types.SimpleNamespace(name="/physical_device:GPU:%%d" %% i) for i in range(CONFIG["gpus"])])
"""


@dataclass
class FakeGpu:
    name: str
    capability: tuple[int, int]


@dataclass
class FakeTorch:
    """What the stand-in torch reports. matmul on a GPU: ok, wrong, no-kernel, hang or crash."""

    version: str = "2.13.0+cpu"
    cuda: str | None = None
    hip: str | None = None
    xpu: str | None = None  # an Intel GPU build: torch.version.xpu, torch.xpu
    available: bool = False
    gpus: list[FakeGpu] = field(default_factory=list)
    arch_list: list[str] = field(default_factory=list)
    matmul: str = "ok"
    warning: str | None = None  # warned by cuda.is_available(), as torch does for an old driver
    cudnn: int | None = None
    mps: bool = False


@dataclass
class FakeTensorflow:
    version: str = "2.21.0"
    cuda: str | None = "12.5.1"
    gpus: int = 0
    load: list[str] = field(default_factory=list)  # shared libraries to dlopen at import


CU130_ARCHES = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
RTX4090 = FakeGpu("NVIDIA GeForce RTX 4090", (8, 9))
V100 = FakeGpu("Tesla V100-SXM2-16GB", (7, 0))


def site_packages(env: Path) -> Path:
    """The site-packages folder of a venv made by any Python."""
    found = sorted(env.glob("lib/python3.*/site-packages")) or sorted(env.glob("Lib/site-packages"))
    return found[0]


def add_distribution(
    site: Path, name: str, version: str, files: dict[str, str], requires: tuple[str, ...] = (), installed_at: float | None = None
) -> Path:
    """Write files plus a pip-style .dist-info for them into site-packages; returns the dist-info."""
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, "utf-8")
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
    (info / "METADATA").write_text("\n".join(meta) + "\n", "utf-8")
    (info / "INSTALLER").write_text("pip\n", "utf-8")
    tops = sorted({rel.split("/")[0] for rel in files})
    (info / "top_level.txt").write_text("".join(t + "\n" for t in tops), "utf-8")
    record = [*files, f"{info.name}/METADATA", f"{info.name}/INSTALLER", f"{info.name}/top_level.txt", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{r},,\n" for r in record), "utf-8")
    if installed_at is not None:
        os.utime(info / "RECORD", (installed_at, installed_at))
    return info


def fake_torch_files(torch: FakeTorch) -> dict[str, str]:
    """The stand-in torch package's sources: for site-packages directly, or for a wheel pip installs."""
    config = {**asdict(torch), "gpus": [{"name": g.name, "capability": list(g.capability)} for g in torch.gpus]}
    return {
        "torch/__init__.py": _TORCH % {"config": json.dumps(config)},
        "torch/version.py": _TORCH_VERSION.format(version=torch.version, cuda=torch.cuda, hip=torch.hip, xpu=torch.xpu),
    }


def install_fake_torch(site: Path, torch: FakeTorch) -> Path:
    return add_distribution(site, "torch", torch.version, fake_torch_files(torch))


def install_fake_tensorflow(site: Path, tf: FakeTensorflow) -> Path:
    files = {"tensorflow/__init__.py": _TENSORFLOW % {"config": json.dumps(asdict(tf))}}
    return add_distribution(site, "tensorflow", tf.version, files)


def bare_venv(python: str, path: Path) -> Path:
    """A venv without pip (fast): enough for the probe, which needs nothing but the stdlib."""
    subprocess.run([python, "-m", "venv", "--without-pip", str(path)], check=True, stdin=subprocess.DEVNULL)
    return path


def run_probe(python: str, spec: dict[str, Any], log: Path) -> dict[str, Check]:
    """Run the real verification step in `python` the way the engine does; its checks by name."""
    checks: list[Event] = []
    runner = Runner(RunLog(log), checks.append)
    runner.run(verification_steps(python, spec)[0], 1, 1)
    return {c.check: c for c in checks if isinstance(c, Check)}
