"""What a setup run and `doctor` share about verification: the probe's spec, the two verification
steps, and turning `pip check`'s output into a Check.

The probe (probes/verify_probe.py) runs inside the target interpreter and cannot import the
wizard, so everything it must know about the machine and the plan travels in the spec:

- frameworks: [{id, imports, packages}]: imported one by one; with only_installed, a framework
  whose packages are not all installed is skipped (doctor checks whatever an environment holds).
- packages: extra requirement strings, each imported.
- machine: os, wsl, mps, nvidia {driver, cuda, gpus [{name, compute_capability}]}, rocm {gpus}, intel {gpus}:
  the GPUs as detection saw them, independent of any framework, so a CPU build is noticed.
- expect: {framework: cpu | cuda | rocm | mps | xpu}: the build the plan chose; absent, the best the
  machine has is expected.
- kernel: {name, imports}: the Jupyter kernel to start and the modules to import in it.
- timeout_s (per check, default 300), group_timeout_s (per group process, default 1800).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from wizard.catalog import Catalog
from wizard.events import Check
from wizard.machine import Machine
from wizard.plan import Decision, Step

VERIFY_PROBE = Path(__file__).parent / "probes" / "verify_probe.py"
PIP_CHECK = "pip check"
ENV_CHECK = "environment: Python and platform"  # names of probe checks that other modules read
PACKAGES_CHECK = "environment: installed distributions"
_PIP_PROBLEM = re.compile(
    r".+ (requires .+, which is not installed|has requirement .+, but you have .+|is not supported on this platform)\.?$"
)


def expectations(decisions: Iterable[Decision], accelerator: str) -> dict[str, str]:
    """framework → the accelerator its chosen build must use (a person's explicit 'cpu' wins)."""
    out: dict[str, str] = {}
    for d in decisions:
        v = d.variant.lower()
        kind = (
            "cpu"
            if accelerator == "cpu" or v == "cpu"
            else "mps"
            if v == "mps"
            else "xpu"
            if v == "xpu"
            else "rocm"
            if v.startswith("rocm")
            else "cuda"
            if v.startswith("cu")
            else None
        )
        if kind:
            out[d.framework] = kind
    return out


def machine_facts(machine: Machine) -> dict[str, Any]:
    nv, rocm = machine.nvidia, machine.rocm
    return {
        "os": machine.os,
        "wsl": machine.wsl,
        "mps": machine.mps,
        "nvidia": nv
        and {
            "driver": nv.driver,
            "cuda": nv.cuda,
            "gpus": [{"name": g.name, "compute_capability": g.compute_capability} for g in nv.gpus],
        },
        "rocm": rocm and {"gpus": [{"name": g.name, "arch": g.arch} for g in rocm.gpus]},
        "intel": machine.intel and {"gpus": [{"name": g.name} for g in machine.intel.gpus]},
    }


def verify_spec(
    catalog: Catalog,
    frameworks: Iterable[str],
    packages: Iterable[str],
    machine: Machine,
    expect: dict[str, str],
    only_installed: bool = False,
    kernel: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        **({"kernel": kernel} if kernel else {}),
        "frameworks": [
            {"id": f, "imports": catalog.frameworks[f].imports, "packages": catalog.frameworks[f].packages} for f in frameworks
        ],
        "packages": list(packages),
        "machine": machine_facts(machine),
        "expect": expect,
        "only_installed": only_installed,
    }


def verification_steps(env_python: str, spec: dict[str, Any], read_only: bool = False) -> list[Step]:
    """The probe, then `pip check`. read_only (doctor on someone's environment): Python writes no
    bytecode into it, so checking changes no file there."""
    flags = ("-I", "-B") if read_only else ("-I",)
    return [
        Step(
            "verify",
            "verify",
            "Verify the environment",
            "Imports every package, runs the seeds' programs, and proves each framework uses the hardware it should.",
            (env_python, *flags, str(VERIFY_PROBE), "-"),
            stdin=json.dumps(spec, separators=(",", ":")),
        ),
        Step(
            "pip-check",
            "check",
            "Check for dependency conflicts",
            "`pip check` finds installed packages whose requirements are not met.",
            (env_python, *flags[1:], "-m", "pip", "check"),
        ),
    ]


def no_checks() -> Check:
    """What a verification that reported nothing counts as: a failure, never "every check passed"."""
    return Check("verification", False, "the verification step ran but reported no checks")


def pip_check(ok: bool, output: list[str]) -> Check:
    """`pip check`'s result as a Check; data.problems keeps every broken requirement for the diagnosis."""
    problems = [line for line in output if _PIP_PROBLEM.match(line)] or output[-5:]
    return Check(
        PIP_CHECK, ok, "no broken requirements" if ok else "; ".join(problems[:5]), data={} if ok else {"problems": problems}
    )
