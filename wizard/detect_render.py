"""A short plain-text summary of a Machine, for `python -m wizard detect` and the wizard's first screen.

Plain text (no rich markup) so the same string works in a terminal, a log and a Textual widget.
"""

from __future__ import annotations

from wizard.machine import Machine, PythonInfo
from wizard.pythons import is_supported_target

_LABEL = 9


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n < 2**40 else f"{n / 2**40:.1f} TiB"


def _line(label: str, text: str) -> str:
    return f"{label:<{_LABEL}}{text}"


def not_a_target_because(p: PythonInfo) -> str | None:
    """Why the wizard would not build an environment on this interpreter; None when it would."""
    if not is_supported_target(p):
        return "older than 3.9"
    if not p.venv_ok:
        return "cannot create a venv" + (f" ({p.venv_hint})" if p.venv_hint else "")
    return None


def render_machine(m: Machine, extra_warnings: list[str] | None = None) -> str:
    """OS, CPU, memory, disk, GPUs with driver/CUDA/compute capability, warnings, interpreters."""
    os_text = {"linux": "Linux", "darwin": "macOS", "windows": "Windows"}[m.os] + f" {m.arch}"
    if m.distro:
        os_text += f", {m.distro}"
    if m.wsl:
        os_text += " (WSL)"
    lines = [
        _line("OS", os_text),
        _line("CPU", f"{m.cpu.model or 'unknown model'}, {m.cpu.cores} cores"),
        _line("Memory", _size(m.memory_bytes) if m.memory_bytes else "unknown"),
    ]
    if m.disk_free_bytes is not None:
        lines.append(_line("Disk", f"{_size(m.disk_free_bytes)} free at the target"))
    warnings = []
    if m.nvidia:
        driver = f"driver {m.nvidia.driver}" if m.nvidia.driver else "no driver loaded"
        cuda = f", runs CUDA up to {m.nvidia.cuda}" if m.nvidia.cuda else ""
        lines.append(_line("NVIDIA", driver + cuda))
        for i, g in enumerate(m.nvidia.gpus):
            details = [_size(g.memory_bytes)] if g.memory_bytes else []
            details += [f"compute capability {g.compute_capability}"] if g.compute_capability else []
            lines.append(_line(f"GPU {i}", g.name + (f" ({', '.join(details)})" if details else "")))
        if m.nvidia.jetson:
            warnings.append(
                f"NVIDIA Jetson (L4T {m.nvidia.jetson}): PyTorch's and JAX's ordinary CUDA wheels do not serve it; "
                "its wheels come from NVIDIA's Jetson AI Lab index (JetPack)"
            )
        elif not m.nvidia.driver:
            warnings.append("NVIDIA GPU found but no driver loaded: install the NVIDIA driver, or only CPU builds can be used")
    if m.rocm:
        lines.append(_line("ROCm", m.rocm.version or "version unknown"))
        for i, r in enumerate(m.rocm.gpus):
            mem = f", {_size(r.memory_bytes)}" if r.memory_bytes else ""
            lines.append(_line(f"GPU {i}", f"{r.name} ({r.arch}{mem})"))
    if m.intel:
        lines.append(_line("Intel", f"driver {m.intel.driver}" if m.intel.driver else "PyTorch xpu builds"))
        for i, ig in enumerate(m.intel.gpus):
            details = [f"PCI {ig.pci_device}"] if ig.pci_device else []
            details += [f"kernel driver {ig.kernel_driver or 'none'}"] if ig.kernel_driver is not None else []
            lines.append(_line(f"GPU {i}", ig.name + (f" ({', '.join(details)})" if details else "")))
        unbound = [g.name for g in m.intel.gpus if g.kernel_driver == ""]
        if unbound:
            warnings.append(
                f"Intel GPU found but no kernel driver bound ({', '.join(unbound)}): "
                "PyTorch's xpu build cannot use it until one is"
            )
    if m.mps:
        lines.append(_line("GPU", "Apple silicon (MPS)"))
    if not (m.nvidia or m.rocm or m.intel or m.mps):
        lines.append(_line("GPU", "none found (CPU builds only)"))
    for i, p in enumerate(m.pythons):
        why_not = not_a_target_because(p)
        flags = (
            [p.source]
            + (["free-threaded"] if p.free_threaded else [])
            + (["venv"] if p.is_venv else [])
            + (["externally managed"] if p.externally_managed else [])
        )
        text = f"{p.version:<8} {p.path}  ({', '.join(flags)})" + (f"  not usable: {why_not}" if why_not else "")
        lines.append(_line("Python" if i == 0 else "", text))
    if m.pythons and all(not_a_target_because(p) for p in m.pythons):
        warnings.append("no usable Python found (3.9 or newer, able to create a venv)")
    lines += [_line("Warning", w) for w in warnings + (extra_warnings or [])]
    return "\n".join(lines)
