"""Detect this machine: OS, CPU, memory, disk, GPUs and Python interpreters, as a Machine.

One module per kind of accelerator (nvidia.py with Jetson, rocm.py, intel.py), kept apart from the
build choice (wizard.builds), which only reads the Machine they fill; interpreters: wizard.pythons.

Detection runs before anything else and on every kind of box, so it never raises and never hangs:
each probe is guarded, every subprocess has a timeout, and a probe that fails leaves its default
value and says why in `machine.sources`. Interpreter probing is the slow part (one subprocess per
interpreter) and the GPU probes can take a second on a real GPU box, so those run in threads while
the rest is read.
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout  # not the builtin before Python 3.11
from pathlib import Path
from typing import Literal, TypeVar

from wizard.detect.intel import probe_intel
from wizard.detect.nvidia import probe_nvidia
from wizard.detect.rocm import probe_rocm
from wizard.machine import Cpu, Machine
from wizard.paths import nearest_existing
from wizard.pythons import find_pythons, run_probe

SYSCTL_TIMEOUT_S = 2.0
T = TypeVar("T")
OsName = Literal["linux", "darwin", "windows"]


def detect_machine(target: Path | None = None, probe_pythons: bool = True, *, root: Path = Path("/")) -> Machine:
    """Describe this machine. `target` is where the environment will go (free disk space is read
    there; the current directory when None). `root` relocates /proc, /sys, /etc and /opt for tests."""
    sources: dict[str, str] = {}

    def fact(name: str, probe: Callable[[], tuple[T, str]], default: T) -> T:
        """One probe's value, its source recorded; a failure keeps the default and says why."""
        try:
            value, sources[name] = probe()
            return value
        except Exception as e:
            sources[name] = f"failed: {type(e).__name__}: {e}"
            return default

    with ThreadPoolExecutor(max_workers=4) as pool:
        pythons = pool.submit(find_pythons) if probe_pythons else None
        nvidia = pool.submit(probe_nvidia, root)
        rocm = pool.submit(probe_rocm, root)
        intel = pool.submit(probe_intel, root)
        os_name: OsName = fact("os", _os, "linux")
        arch = fact("arch", _arch, "")
        m = Machine(os=os_name, arch=arch)
        m.wsl = fact("wsl", lambda: _wsl(root), False) if os_name == "linux" else False
        m.distro = fact("distro", lambda: _distro(os_name, root), None)
        m.cpu = Cpu(model=fact("cpu.model", lambda: _cpu_model(os_name, root), ""), cores=fact("cpu.cores", _cores, 1))
        m.memory_bytes = fact("memory_bytes", _memory, 0)
        m.disk_free_bytes = fact("disk_free_bytes", lambda: _disk_free(target or Path.cwd()), None)
        m.mps = fact("mps", lambda: (os_name == "darwin" and arch == "arm64", "platform"), False)
        m.nvidia = fact("nvidia", lambda: _awaited(nvidia), None)
        m.rocm = fact("rocm", lambda: _awaited(rocm), None)
        m.intel = fact("intel", lambda: _awaited(intel), None)
        if pythons is not None:
            m.pythons = fact(
                "pythons", lambda: (_awaited(pythons), "interpreter probes: PATH, pyenv, conda, uv, usual install folders"), []
            )
    m.sources = sources
    return m


def _awaited(future: Future[T]) -> T:
    """A probe's result, waited for in short slices. The kernel may hand Ctrl-C's signal to a probe
    thread; Python then runs the handler only when the main thread next runs bytecode, so the main
    thread must not sleep on one lock until the slowest probe ends (a hung interpreter: its timeout)."""
    while True:
        try:
            return future.result(timeout=0.05)
        except FutureTimeout:
            continue


def _os() -> tuple[OsName, str]:
    system = platform.system().lower()
    if system in ("linux", "darwin", "windows"):
        return system, "platform"  # type: ignore[return-value]  # narrowed by the test above
    return "linux", f"platform: {system} treated as linux"


def _arch() -> tuple[str, str]:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "x64": "x86_64"}.get(machine, machine), "platform"


def _wsl(root: Path) -> tuple[bool, str]:
    """WSL kernels name themselves: "...-microsoft-standard-WSL2" (WSL1: "...-Microsoft")."""
    for f in ("proc/sys/kernel/osrelease", "proc/version"):
        try:
            text = (root / f).read_text(errors="replace").lower()
        except OSError:
            continue
        return "microsoft" in text or "wsl" in text, f"/{f}"
    return False, "no /proc/version"


def _distro(os_name: OsName, root: Path) -> tuple[str | None, str]:
    if os_name == "darwin":
        return f"macOS {platform.mac_ver()[0]}", "platform.mac_ver"
    if os_name == "windows":
        return f"Windows {platform.release()}", "platform.release"
    try:
        lines = (root / "etc/os-release").read_text(errors="replace").splitlines()
    except OSError:
        return None, "no /etc/os-release"
    for line in lines:
        key, _, value = line.partition("=")
        if key == "PRETTY_NAME":
            return value.strip().strip("\"'") or None, "/etc/os-release"
    return None, "/etc/os-release (no PRETTY_NAME)"


def _cpu_model(os_name: OsName, root: Path) -> tuple[str, str]:
    """Cheap sources only: py-cpuinfo takes over a second and platform.processor() is empty on Linux."""
    if os_name == "linux":
        with open(root / "proc/cpuinfo", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    return value.strip(), "/proc/cpuinfo"
        return "", "/proc/cpuinfo (no model name)"
    if os_name == "darwin":
        out = run_probe(["sysctl", "-n", "machdep.cpu.brand_string"], SYSCTL_TIMEOUT_S)
        return (out.stdout.strip() if out else ""), "sysctl machdep.cpu.brand_string"
    if sys.platform == "win32":  # platform.processor() there is "Intel64 Family 6 Model 183 ..."
        import winreg

        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"HARDWARE\DESCRIPTION\System\CentralProcessor\0") as key:
            return str(winreg.QueryValueEx(key, "ProcessorNameString")[0]).strip(), "registry ProcessorNameString"
    return platform.processor(), "platform.processor"


def _cores() -> tuple[int, str]:
    """Physical cores; psutil gives None for them on some VMs and containers, so fall back to logical."""
    import psutil

    physical = psutil.cpu_count(logical=False)
    if physical:
        return physical, "psutil (physical)"
    return psutil.cpu_count() or os.cpu_count() or 1, "psutil (logical: physical count unknown)"


def _memory() -> tuple[int, str]:
    import psutil

    return int(psutil.virtual_memory().total), "psutil"


def _disk_free(target: Path) -> tuple[int, str]:
    import psutil

    where = nearest_existing(target.expanduser().absolute())
    return int(psutil.disk_usage(str(where)).free), f"psutil.disk_usage({where})"
