"""Diagnoses: rules that turn failed or suspicious observations into a cause, the evidence and a fix.

A failed check says what is wrong ("cuda.is_available() is False"); a diagnosis says why and what
to run ("the driver is 550, this CUDA 13.0 build needs 580: upgrade it, or install cu126 with
…"). Every rule reads the same Observations: the checks by name, the machine, the catalog and,
after a setup run, the output of the steps that failed. docs/verification.md lists the rules.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from wizard import builds
from wizard.catalog import Catalog
from wizard.events import Check, Diagnosis
from wizard.machine import Machine
from wizard.plan import Decision
from wizard.problems import RequestError
from wizard.verify import ENV_CHECK, PACKAGES_CHECK, PIP_CHECK

_NO_MATCH = re.compile(
    r"(?:No matching distribution found for|Could not find a version that satisfies the requirement) ([A-Za-z0-9._-]+)"
)
_PIP_MISSING = re.compile(r"^\S+ \S+ requires (.+), which is not installed\.?$")
_PIP_CONFLICT = re.compile(r"^\S+ \S+ has requirement (.+), but you have \S+ \S+?\.?$")


@dataclass(frozen=True)
class Observations:
    """Everything the rules may look at."""

    checks: dict[str, Check]
    machine: Machine
    catalog: Catalog
    env_python: str
    python_version: str | None = None
    output: tuple[str, ...] = ()  # last lines of every step that failed (setup runs only)
    packages: dict[str, str] = field(default_factory=dict)  # normalised name -> version

    def data(self, name: str) -> dict[str, Any]:
        c = self.checks.get(name)
        return c.data if c else {}

    def failed(self, name: str) -> bool:
        c = self.checks.get(name)
        return c is not None and not c.ok

    def pip(self, *args: str) -> str:
        return shlex.join([self.env_python, "-m", "pip", *args])


def observe(
    checks: Iterable[Check],
    machine: Machine,
    catalog: Catalog,
    env_python: str,
    python_version: str | None = None,
    output: Iterable[str] = (),
) -> Observations:
    by_name = {c.check: c for c in checks}
    env = by_name.get(ENV_CHECK)
    listed = by_name.get(PACKAGES_CHECK)
    packages = {str(canonicalize_name(p["name"])): p["version"] for p in (listed.data.get("packages", []) if listed else [])}
    return Observations(
        by_name,
        machine,
        catalog,
        env_python,
        (env.data.get("python") if env else None) or python_version,
        tuple(output),
        packages,
    )


def _gpus(machine: Machine) -> str:
    nv = machine.nvidia
    return ", ".join(g.name for g in nv.gpus) if nv and nv.gpus else "no NVIDIA GPU"


def _older(version: str, than: str) -> bool:
    try:
        return Version(version) < Version(than)
    except InvalidVersion:
        return False


def _torch_build(obs: Observations) -> Decision | str:
    """The PyTorch build the wizard would choose for this machine and Python, or why there is none."""
    try:
        return builds.decide(["pytorch"], obs.machine, "auto", obs.catalog, False, obs.python_version)[0]
    except RequestError as exc:
        return exc.message


def _torch_install(obs: Observations, d: Decision, *extra: str) -> str:
    family = [n for n in ("torchvision", "torchaudio") if n in obs.packages]
    return obs.pip("install", *extra, *(("--index-url", d.index_url) if d.index_url else ()), *d.packages, *family)


def _gpu_torch_fix(obs: Observations) -> tuple[str, str | None]:
    """How to get the GPU build of PyTorch this machine should have: (what to do, the command)."""
    d = _torch_build(obs)
    if isinstance(d, str) or d.variant in ("cpu", "mps"):
        return f"No GPU build of PyTorch fits this machine: {d if isinstance(d, str) else d.why}", None
    return (
        f"Reinstall PyTorch's {d.variant} build ({d.why.rstrip('.')}). Naming another index is not enough: pip keeps an "
        "installed torch ('Requirement already satisfied'), so the reinstall must be forced.",
        _torch_install(obs, d, "--force-reinstall"),
    )


# ---- the rules ---------------------------------------------------------------------------------


def no_driver(obs: Observations) -> Iterator[Diagnosis]:
    nv = obs.machine.nvidia
    if not (nv and nv.gpus and not nv.driver):
        return
    distro = (obs.machine.distro or "").lower()
    command = (
        "sudo ubuntu-drivers install" if "ubuntu" in distro else "sudo apt install nvidia-driver" if "debian" in distro else None
    )
    yield Diagnosis(
        "nvidia-driver-missing",
        "warning",
        "This machine has an NVIDIA GPU, but no NVIDIA driver is loaded, so no framework can use it.",
        [
            f"NVIDIA GPU on the PCI bus: {_gpus(obs.machine)}",
            f"detection: {obs.machine.sources.get('nvidia', 'no driver version')}",
        ],
        "Install the NVIDIA driver (your distribution's package, or NVIDIA's installer), reboot, and run "
        "`python -m wizard doctor` again; then install a GPU build.",
        command,
    )


def cpu_torch(obs: Observations) -> Iterator[Diagnosis]:
    build, kept = obs.data("pytorch: build"), obs.data("pytorch: CUDA build not replaced")
    replaced = obs.failed("pytorch: CUDA build not replaced")
    if not (replaced or (obs.failed("pytorch: build") and build.get("build") == "cpu")):
        return
    nv = obs.machine.nvidia
    evidence = [
        f"torch {build.get('version') or kept.get('torch')}: torch.version.cuda is None (a CPU build)",
        f"this machine: {_gpus(obs.machine)}" + (f", driver {nv.driver}" if nv and nv.driver else ""),
    ]
    cause = "PyTorch is a CPU build, so it cannot use the GPU."
    if replaced:
        left = kept.get("leftover_cuda_packages", [])
        evidence.append("left behind by a CUDA build: " + ", ".join(f"{p['name']} {p['version']}" for p in left))
        cause += (
            " It replaced a CUDA build: a later install pulled torch again from an index that serves the CPU "
            "build (PyPI on Windows and macOS, PyTorch's CPU index, a mirror)."
        )
    fix, command = _gpu_torch_fix(obs)
    yield Diagnosis("cpu-torch-on-gpu", "error", cause, evidence, fix, command)


def driver_too_old(obs: Observations) -> Iterator[Diagnosis]:
    nv = obs.machine.nvidia
    if not (nv and nv.driver):
        return
    for title, build_check, gpu_check in (
        ("PyTorch", "pytorch: build", "pytorch: GPU available"),
        ("TensorFlow", "tensorflow: build", "tensorflow: GPUs"),
    ):
        data = obs.data(build_check)
        cuda = data.get("cuda")
        if not cuda or not obs.failed(gpu_check):
            continue
        needed = builds.min_driver(obs.machine, obs.catalog, int(str(cuda).split(".")[0]))
        if not needed or not _older(nv.driver, needed):
            continue
        hints = [w for w in obs.data(gpu_check).get("warnings", []) if "driver" in w.lower()]
        evidence = [
            f"{title} {data.get('version')} is a CUDA {cuda} build;"
            f" CUDA {str(cuda).split('.')[0]}.x needs driver {needed} or newer",
            f"the driver is {nv.driver}" + (f" (it runs CUDA up to {nv.cuda})" if nv.cuda else ""),
            *hints[:2],
        ]
        fix, command = f"Upgrade the NVIDIA driver to {needed} or newer.", None
        if title == "PyTorch":
            other, command = _gpu_torch_fix(obs)
            fix = f"Upgrade the NVIDIA driver to {needed} or newer, or keep this driver: {other[0].lower()}{other[1:]}"
        yield Diagnosis(
            "driver-too-old", "error", f"The NVIDIA driver {nv.driver} is too old for this {title} build.", evidence, fix, command
        )


def arch_missing(obs: Observations) -> Iterator[Diagnosis]:
    build = obs.data("pytorch: build")
    missing = {
        c.data.get("capability"): c
        for name, c in obs.checks.items()
        if name.startswith("pytorch: architecture of GPU") and not c.ok
    }
    kernels = [c.detail for name, c in obs.checks.items() if name.startswith("pytorch: matmul on cuda") and not c.ok]
    for capability, c in missing.items():
        fix, command = _gpu_torch_fix(obs)
        yield Diagnosis(
            "gpu-arch-missing",
            "error",
            f"{c.data.get('gpu')} (compute capability {capability}) has no kernels in torch {build.get('version')}: "
            "its CUDA build does not include that architecture, so every GPU operation fails.",
            [c.detail, *kernels[:2]],
            fix,
            command,
        )


def tensorflow_windows(obs: Observations) -> Iterator[Diagnosis]:
    m = obs.machine
    if m.os != "windows" or "tensorflow: build" not in obs.checks or not (m.nvidia and m.nvidia.gpus):
        return
    yield Diagnosis(
        "tensorflow-windows-gpu",
        "error" if obs.failed("tensorflow: GPUs") else "warning",
        "TensorFlow has no GPU support on native Windows since 2.10, so it runs on the CPU here.",
        [f"Windows without WSL, GPUs: {_gpus(m)}", obs.checks.get("tensorflow: GPUs", obs.checks["tensorflow: build"]).detail],
        "Run TensorFlow inside WSL2 (Ubuntu): the Windows NVIDIA driver serves the GPU to WSL2. Install "
        "WSL2, then run the wizard inside it.",
        "wsl --install -d Ubuntu",
    )


def python_version(obs: Observations) -> Iterator[Diagnosis]:
    pv = obs.python_version
    if not pv:
        return
    unavailable = {canonicalize_name(n) for line in obs.output for n in _NO_MATCH.findall(line)}
    for fid, fw in obs.catalog.frameworks.items():
        names = {canonicalize_name(re.split(r"[\[<>=!~;\s]", p, maxsplit=1)[0]) for p in fw.packages}
        if not (names & unavailable or obs.failed(f"import {fid}")):
            continue
        try:
            options = builds.candidates([fid], obs.machine, "auto", obs.catalog, False)
        except RequestError:
            continue  # no build for this platform at all: not a question of the Python
        if options.fits(pv):
            continue
        works = options.works_with()
        evidence = [line for line in obs.output if any(canonicalize_name(n) in names for n in _NO_MATCH.findall(line))]
        here = sorted((p for p in obs.machine.pythons if p.version.rsplit(".", 1)[0] in works), key=lambda p: Version(p.version))
        fix = f"Make the environment with a Python that {fw.title} supports ({', '.join(works) or 'none the catalog knows'})"
        fix += (
            f', e.g. set environment.python to "{here[-1].version.rsplit(".", 1)[0]}" ({here[-1].path} is on this machine).'
            if here
            else "."
        )
        yield Diagnosis(
            "python-version",
            "error",
            f"{fw.title} has no build for Python {pv} on this machine.",
            evidence[:3] or [obs.checks[f"import {fid}"].detail],
            fix,
        )


def venv_missing(obs: Observations) -> Iterator[Diagnosis]:
    line = next((t for t in obs.output if "ensurepip is not available" in t), None)
    if line is None:
        return
    minor = ".".join((obs.python_version or "3").split(".")[:2])
    yield Diagnosis(
        "python-venv-missing",
        "error",
        f"Python {minor} cannot create virtual environments: Debian and Ubuntu "
        "ship venv's pip bootstrap (ensurepip) in a separate package.",
        [line],
        f"Install python{minor}-venv, then run the wizard again.",
        f"sudo apt install python{minor}-venv",
    )


def ld_library_path(obs: Observations) -> Iterator[Diagnosis]:
    dirs = obs.data(ENV_CHECK).get("ld_library_path_cuda_dirs") or []
    if not dirs or not any(n.startswith("nvidia-") for n in obs.packages):
        return
    for title, name in (("TensorFlow", "tensorflow: GPUs"), ("JAX", "jax: devices")):
        c = obs.checks.get(name)
        if c is None:
            continue
        shadowed = [lib for lib in c.data.get("cuda_libraries", []) if any(lib.startswith(d.rstrip("/") + "/") for d in dirs)]
        if c.ok and not shadowed:
            continue
        yield Diagnosis(
            "ld-library-path",
            "warning" if c.ok else "error",
            f"LD_LIBRARY_PATH puts other CUDA libraries ahead of the nvidia-* wheels {title} installed, so it "
            "loads versions it was not built with.",
            [
                f"LD_LIBRARY_PATH folders with CUDA libraries: {', '.join(dirs)}",
                *(f"{title} loaded {lib}" for lib in shadowed[:4]),
                *([] if c.ok else [c.detail]),
            ],
            "Remove those folders from LD_LIBRARY_PATH (look in ~/.bashrc, module loads, job scripts) for this "
            "environment, or unset it before starting Python.",
            "unset LD_LIBRARY_PATH",
        )


def pip_conflicts(obs: Observations) -> Iterator[Diagnosis]:
    c = obs.checks.get(PIP_CHECK)
    if c is None or c.ok:
        return
    problems = c.data.get("problems") or [c.detail]
    wanted = [m.group(1) for line in problems for m in [_PIP_MISSING.match(line) or _PIP_CONFLICT.match(line)] if m]
    yield Diagnosis(
        "pip-check",
        "error",
        f"{len(problems)} requirement(s) of installed packages are not met, so those packages may fail at import or at run time.",
        problems,
        "Install what is missing or the versions they need (or uninstall the package that needs them).",
        obs.pip("install", *dict.fromkeys(wanted)) if wanted else None,
    )


def torch_duplicates(obs: Observations) -> Iterator[Diagnosis]:
    name = "pytorch: one build installed"
    if not obs.failed(name):
        return
    dists = obs.data(name).get("distributions", [])
    d = _torch_build(obs)
    steps = [obs.pip("uninstall", "-y", x["name"]) for x in dists]
    if not isinstance(d, str):
        steps.append(_torch_install(obs, d))
    yield Diagnosis(
        "torch-duplicates",
        "error",
        f"{len(dists)} installed distributions provide the torch module; which "
        "one Python imports depends on their order, and pip can upgrade or remove only one at a time.",
        [f"{x['name']} {x['version']} in {x['location']}" for x in dists],
        "Uninstall every one of them (once per distribution), then install the one build this machine needs.",
        " && ".join(steps),
    )


Rule = Callable[[Observations], Iterator[Diagnosis]]
RULES: tuple[Rule, ...] = (
    no_driver,
    cpu_torch,
    driver_too_old,
    arch_missing,
    torch_duplicates,
    tensorflow_windows,
    python_version,
    venv_missing,
    ld_library_path,
    pip_conflicts,
)


def diagnose(obs: Observations) -> list[Diagnosis]:
    return [d for rule in RULES for d in rule(obs)]
