"""The build choice: which build of each framework a machine gets, and the Python that goes with it.

One table of machines × framework sets, each row with the expected variant and a word of the
reason, planned through the real planner (no subprocess, no network, no torch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import msgspec
import pytest
from packaging.specifiers import SpecifierSet

from wizard import builds
from wizard.answers import Accelerator, Answers, Environment, Index
from wizard.catalog import Catalog, FollowTable, IndexTable, KernelsTable, TorchRelease, load_catalog
from wizard.machine import Intel, IntelGpu, Machine, Nvidia, NvidiaGpu, PythonInfo, Rocm, RocmGpu
from wizard.plan import Plan
from wizard.planner import make_plan
from wizard.problems import RequestError

CATALOG = load_catalog()
TORCH = "https://download.pytorch.org/whl/"

# GPUs by what people call them: (name, compute capability)
K40 = ("Tesla K40m", "3.5")
GTX1080TI = ("NVIDIA GeForce GTX 1080 Ti", "6.1")
V100 = ("Tesla V100-SXM2-16GB", "7.0")
RTX3090 = ("NVIDIA GeForce RTX 3090", "8.6")
RTX4090 = ("NVIDIA GeForce RTX 4090", "8.9")
RTX4070 = ("NVIDIA GeForce RTX 4070", "8.9")
H100 = ("NVIDIA H100 80GB HBM3", "9.0")
RTX5090 = ("NVIDIA GeForce RTX 5090", "12.0")
K80 = ("Tesla K80", "3.7")
GTX980 = ("NVIDIA GeForce GTX 980", "5.2")
P100 = ("Tesla P100-PCIE-16GB", "6.0")
T4 = ("Tesla T4", "7.5")
L40S = ("NVIDIA L40S", "8.9")
H200 = ("NVIDIA H200", "9.0")
GH200 = ("NVIDIA GH200 480GB", "9.0")
B200 = ("NVIDIA B200", "10.0")
GB200 = ("NVIDIA GB200", "10.0")
RTXPRO6000 = ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "12.0")
GB10 = ("NVIDIA GB10", "12.1")

# driver → the CUDA it reports (what NVML says)
DRIVERS = {
    "418.87.01": "10.1",
    "470.256.02": "11.4",
    "527.41": "12.0",
    "535.183.01": "12.2",
    "550.54.14": "12.4",
    "560.94": "12.6",
    "566.36": "12.7",
    "570.124.04": "12.8",
    "580.65.06": "13.0",
    "595.10": "13.2",
    "590.44.01": "13.1",
    "580.97": "13.0",
}


def machine(
    *gpus: tuple[str, str | None],
    driver: str | None = None,
    os: Literal["linux", "darwin", "windows"] = "linux",
    arch: str = "x86_64",
    wsl: bool = False,
    pythons: tuple[str, ...] = ("3.12.3",),
    rocm: str | None = None,
    mps: bool = False,
    disk_gb: float = 10_000,
    gfx: tuple[str, str] = ("AMD Instinct MI250X", "gfx90a"),
    intel: str | None = None,
    intel_driver: str | None = None,
    jetson: str | None = None,
    macos: str | None = None,
) -> Machine:
    """A described machine; a Python written '3.14.0t' is a free-threaded interpreter. `intel_driver` is the
    Intel GPU's bound kernel driver ("": none bound; None: not known)."""
    nvidia = None
    if gpus:
        nvidia = Nvidia(
            driver=driver,
            cuda=DRIVERS.get(driver or ""),
            jetson=jetson,
            gpus=[NvidiaGpu(name=n, compute_capability=cc if driver else None) for n, cc in gpus],
        )
    amd = Rocm(version=rocm, gpus=[RocmGpu(name=gfx[0], arch=gfx[1])]) if rocm else None
    xe = Intel(gpus=[IntelGpu(name=intel, kernel_driver=intel_driver)]) if intel else None
    return Machine(
        os=os,
        arch=arch,
        wsl=wsl,
        nvidia=nvidia,
        rocm=amd,
        intel=xe,
        mps=mps,
        disk_free_bytes=int(disk_gb * 1e9),
        distro=f"macOS {macos}" if macos else None,
        pythons=[
            PythonInfo(path=f"/opt/python{v}/bin/python3", version=v.rstrip("t"), free_threaded=v.endswith("t")) for v in pythons
        ],
    )


def answers(
    tmp: Path,
    frameworks: list[str],
    accelerator: Accelerator = "auto",
    index_url: str | None = None,
    python: str | None = None,
    profile: str | None = None,
) -> Answers:
    return Answers(
        version=1,
        environment=Environment(kind="venv", path=str(tmp / "env"), python=python),
        profile=profile,
        frameworks=frameworks,
        accelerator=accelerator,
        index=Index(url=index_url),
    )


@dataclass(frozen=True)
class Case:
    id: str
    machine: Machine
    frameworks: list[str]
    expect: dict[str, tuple[str, str]] = field(default_factory=dict)  # framework → (variant, a word of the why)
    accelerator: Accelerator = "auto"
    refuse: str | None = None  # words of the refusal instead
    packages: dict[str, str | tuple[str, ...]] = field(default_factory=dict)  # framework → its requirement(s)
    extra: tuple[str, ...] = ()  # the answers' `packages`
    index: dict[str, str | None] = field(default_factory=dict)  # framework → index URL (None: PyPI / theirs)
    index_url: str | None = None  # the user's own index
    python: str | None = None  # the Python minor the plan must use


CASES = [
    # Pascal: only cu126 has 6.x code, even on a driver that runs CUDA 13
    Case(
        "pascal-1080ti-580",
        machine(GTX1080TI, driver="580.65.06"),
        ["pytorch"],
        {"pytorch": ("cu126", "6.1")},
        packages={"pytorch": "torch==2.14.*"},
        index={"pytorch": TORCH + "cu126"},
    ),
    # Volta: cu130 starts at 7.5, so torch 2.14's cu126 (the last with CUDA 12)
    Case("volta-v100-580", machine(V100, driver="580.65.06"), ["pytorch"], {"pytorch": ("cu126", "7.0")}),
    # Volta on Python 3.9: torch 2.8, whose cu128 has 7.0 code again
    Case(
        "volta-v100-570-py39",
        machine(V100, driver="570.124.04", pythons=("3.9.18",)),
        ["pytorch"],
        {"pytorch": ("cu128", "3.9")},
        packages={"pytorch": "torch==2.8.*"},
        python="3.9",
    ),
    # Blackwell on a 12.x driver: torch 2.11 is the newest with cu128, and the note says 580 allows the newest
    Case(
        "blackwell-5090-570",
        machine(RTX5090, driver="570.124.04"),
        ["pytorch"],
        {"pytorch": ("cu128", "driver ≥ 580 allows torch 2.15")},
        packages={"pytorch": "torch==2.11.*"},
        index={"pytorch": TORCH + "cu128"},
    ),
    Case(
        "blackwell-5090-580",
        machine(RTX5090, driver="580.65.06"),
        ["pytorch"],
        {"pytorch": ("cu130", "fully supports (CUDA 13.0)")},
        packages={"pytorch": "torch==2.15.*"},
    ),
    Case("blackwell-5090-595", machine(RTX5090, driver="595.10"), ["pytorch"], {"pytorch": ("cu132", "12.0")}),
    Case("ada-4090-550", machine(RTX4090, driver="550.54.14"), ["pytorch"], {"pytorch": ("cu126", "8.9")}),
    Case(
        "hopper-8xh100-535",
        machine(*[H100] * 8, driver="535.183.01"),
        ["pytorch", "tensorflow", "jax"],
        {
            "pytorch": ("cu126", "8× NVIDIA H100"),
            "tensorflow": ("cuda", "CUDA 12"),
            "jax": ("cuda12", "jax[cuda13] needs driver ≥ 580"),
        },
        packages={"tensorflow": "tensorflow[and-cuda]", "jax": "jax[cuda12]"},
        index={"tensorflow": None, "jax": None},
    ),
    # mixed GPUs: one build must cover both
    Case(
        "mixed-3090-4090-550",
        machine(RTX3090, RTX4090, driver="550.54.14"),
        ["pytorch"],
        {"pytorch": ("cu126", "RTX 3090 (8.6)")},
    ),
    Case(
        "mixed-5090-1080ti-580",
        machine(RTX5090, GTX1080TI, driver="580.65.06"),
        ["pytorch"],
        {"pytorch": ("cpu", "no single torch build")},
    ),
    Case(
        "mixed-5090-1080ti-cuda",
        machine(RTX5090, GTX1080TI, driver="580.65.06"),
        ["pytorch"],
        accelerator="cuda",
        refuse="no single torch build has code for every GPU",
    ),
    # old drivers: 470 still runs cu118 (torch 2.7); 418 runs nothing, so CPU with the fix, or a refusal when cuda is asked
    Case(
        "old-driver-470-v100",
        machine(V100, driver="470.256.02"),
        ["pytorch"],
        {"pytorch": ("cu118", "torch 2.15 has none (cu130, cu132 need driver ≥ 580)")},
        packages={"pytorch": "torch==2.7.*"},
    ),
    Case(
        "too-old-driver-418",
        machine(V100, driver="418.87.01"),
        ["pytorch", "tensorflow"],
        {"pytorch": ("cpu", "install NVIDIA driver ≥ 525.60.13"), "tensorflow": ("cpu", "needs driver ≥ 525.60.13")},
        index={"pytorch": TORCH + "cpu"},
    ),
    Case(
        "too-old-driver-418-cuda",
        machine(V100, driver="418.87.01"),
        ["pytorch"],
        accelerator="cuda",
        refuse="driver 418.87.01 runs none of the torch builds",
    ),
    Case(
        "kepler-k40-470",
        machine(K40, driver="470.256.02"),
        ["pytorch"],
        {"pytorch": ("cpu", "no torch build in the catalog has code for Tesla K40m (3.5)")},
    ),
    # a GPU without a driver: CPU builds that say to install one; refused when cuda is asked
    Case(
        "gpu-no-driver",
        machine(RTX4090),
        ["pytorch", "jax"],
        {"pytorch": ("cpu", "no driver loaded; install NVIDIA driver ≥ 580"), "jax": ("cpu", "no driver loaded")},
    ),
    Case("gpu-no-driver-cuda", machine(RTX4090), ["pytorch"], accelerator="cuda", refuse="has no driver loaded"),
    # no GPU at all: PyTorch's CPU index on Linux, never PyPI's CUDA build
    Case(
        "no-gpu-linux",
        machine(),
        ["pytorch", "tensorflow", "numpy"],
        {"pytorch": ("cpu", "CPU index"), "tensorflow": ("cpu", "No GPU"), "numpy": ("default", "no hardware-specific")},
        packages={"pytorch": "torch"},
        index={"pytorch": TORCH + "cpu", "numpy": None},
    ),
    Case("no-gpu-cuda", machine(), ["numpy"], accelerator="cuda", refuse="has no NVIDIA GPU"),
    # WSL2: like Linux, with the Windows driver's minimums
    Case(
        "wsl2-3080-560",
        machine(RTX3090, driver="560.94", wsl=True),
        ["pytorch", "tensorflow", "jax"],
        {"pytorch": ("cu126", "8.6"), "tensorflow": ("cuda", "driver 560.94"), "jax": ("cuda12", "experimental")},
    ),
    Case(
        "wsl2-driver-below-windows-minimum",
        machine(RTX3090, driver="527.41", wsl=True),
        ["pytorch"],
        {"pytorch": ("cu118", "cu130, cu132 need driver ≥ 580")},
    ),
    # Apple silicon: PyPI's torch with MPS; TensorFlow and JAX on the CPU
    Case(
        "macos-arm64",
        machine(os="darwin", arch="arm64", mps=True),
        ["pytorch", "tensorflow", "jax"],
        {"pytorch": ("mps", "MPS"), "tensorflow": ("cpu", "no MPS build of TensorFlow"), "jax": ("cpu", "no MPS build")},
        packages={"pytorch": "torch"},
        index={"pytorch": None},
    ),
    Case(
        "macos-arm64-mps-tensorflow",
        machine(os="darwin", arch="arm64", mps=True),
        ["tensorflow"],
        accelerator="mps",
        refuse="no MPS build of TensorFlow",
    ),
    Case(
        "linux-mps", machine(RTX4090, driver="550.54.14"), ["pytorch"], accelerator="mps", refuse="needs macOS on Apple silicon"
    ),
    Case(
        "macos-intel",
        machine(os="darwin", arch="x86_64"),
        ["pytorch"],
        {"pytorch": ("cpu", "from PyPI")},
        packages={"pytorch": "torch==2.2.*"},
        index={"pytorch": None},
    ),
    Case(
        "macos-intel-py313",
        machine(os="darwin", arch="x86_64", pythons=("3.13.1",)),
        ["pytorch"],
        refuse="PyTorch cannot run on Python 3.13",
    ),
    # Windows: CUDA builds from the index; TensorFlow and JAX have no GPU build there
    Case(
        "windows-4070-566",
        machine(RTX4070, driver="566.36", os="windows", arch="AMD64"),
        ["pytorch", "tensorflow", "jax"],
        {"pytorch": ("cu126", "8.9"), "tensorflow": ("cpu", "native Windows"), "jax": ("cpu", "Linux only")},
        index={"pytorch": TORCH + "cu126"},
    ),
    Case(
        "windows-no-gpu",
        machine(os="windows", arch="AMD64"),
        ["pytorch"],
        {"pytorch": ("cpu", "from PyPI")},
        index={"pytorch": None},
    ),
    Case(
        "windows-tensorflow-cuda",
        machine(RTX4070, driver="566.36", os="windows", arch="AMD64"),
        ["tensorflow"],
        accelerator="cuda",
        refuse="native Windows ended with 2.10",
    ),
    # ROCm: the newest build not newer than the ROCm installed
    Case(
        "rocm-6.4",
        machine(rocm="6.4.1"),
        ["pytorch"],
        {"pytorch": ("rocm6.4", "ROCm 6.4.1")},
        packages={"pytorch": "torch==2.9.*"},
        index={"pytorch": TORCH + "rocm6.4"},
    ),
    Case(
        "rocm-7.2",
        machine(rocm="7.2.0"),
        ["pytorch"],
        {"pytorch": ("rocm7.2", "gfx targets include gfx90a")},
        packages={"pytorch": "torch==2.14.*"},
    ),
    Case(
        "rocm-6.1-too-old",
        machine(rocm="6.1.2"),
        ["pytorch", "tensorflow"],
        {"pytorch": ("cpu", "upgrade ROCm to ≥ 7.2"), "tensorflow": ("cpu", "no ROCm build of TensorFlow")},
    ),
    Case("rocm-asked-on-nvidia", machine(RTX4090, driver="550.54.14"), ["pytorch"], accelerator="rocm", refuse="no AMD GPU"),
    # Python: TensorFlow has no wheel for 3.14; JAX 0.11+ needs 3.12, 0.7-0.10 serve 3.11; TF 2.20 serves 3.9
    Case("tensorflow-py314-only", machine(pythons=("3.14.0",)), ["tensorflow"], refuse="TensorFlow cannot run on Python 3.14"),
    Case(
        "tensorflow-py39",
        machine(RTX4090, driver="550.54.14", pythons=("3.9.18",)),
        ["tensorflow"],
        {"tensorflow": ("cuda", "TensorFlow 2.21 (cuda) has no wheels for Python 3.9")},
        packages={"tensorflow": "tensorflow[and-cuda]==2.20.*"},
    ),
    Case("jax-old-driver-535", machine(RTX4090, driver="535.183.01"), ["jax"], {"jax": ("cuda12", "needs driver ≥ 580")}),
    Case(
        "jax-new-driver-580",
        machine(RTX5090, driver="580.65.06"),
        ["jax"],
        {"jax": ("cuda13", "≥ 7.5")},
        packages={"jax": "jax[cuda13]"},
    ),
    Case("jax-580-volta", machine(V100, driver="580.65.06"), ["jax"], {"jax": ("cuda12", "needs compute capability ≥ 7.5")}),
    Case(
        "jax-py311",
        machine(RTX4090, driver="550.54.14", pythons=("3.11.7",)),
        ["jax"],
        {"jax": ("cuda12", "3.11")},
        packages={"jax": "jax[cuda12]==0.10.*"},
    ),
    Case(
        "jax-linux-arm64",
        machine(H100, driver="580.65.06", arch="aarch64"),
        ["jax", "pytorch"],
        {"jax": ("cuda13", "9.0"), "pytorch": ("cu130", "NVIDIA H100 80GB HBM3 (9.0)")},
    ),
    # disk, forced CPU, the user's own index
    Case(
        "too-little-disk",
        machine(RTX4090, driver="550.54.14", disk_gb=2),
        ["pytorch"],
        refuse="needs about 5.5 GB, 2.0 GB is free",
    ),
    Case(
        "forced-cpu",
        machine(RTX4090, driver="550.54.14"),
        ["pytorch", "jax"],
        accelerator="cpu",
        expect={"pytorch": ("cpu", "accelerator 'cpu'"), "jax": ("cpu", "accelerator 'cpu'")},
        index={"pytorch": TORCH + "cpu"},
    ),
    Case(
        "own-index-5090-570",
        machine(RTX5090, driver="570.124.04"),
        ["pytorch"],
        index_url="https://mirror.example/simple/",
        expect={"pytorch": ("cu128", "must serve the cu128 build from https://download.pytorch.org/whl/cu128")},
        index={"pytorch": None},
    ),
    Case(
        "own-index-5090-580",
        machine(RTX5090, driver="580.65.06"),
        ["pytorch"],
        index_url="https://mirror.example/simple/",
        expect={"pytorch": ("cu130", "must serve the cu130 build")},
    ),
    Case(
        "own-index-no-gpu",
        machine(),
        ["pytorch"],
        index_url="https://mirror.example/simple/",
        expect={"pytorch": ("cpu", "PyPI's own Linux torch is the CUDA cu132 build")},
        index={"pytorch": None},
    ),
    Case(
        "unknown-capability",
        machine(("Some NVIDIA GPU", None), driver="580.65.06"),
        ["pytorch"],
        {"pytorch": ("cu130", "unknown: not checked")},
    ),
    # ---- 2026-11 machines (../shared/REFERENCE-builds-2026-11.md) ----
    Case(
        "b200-580",
        machine(*[B200] * 8, driver="580.65.06"),
        ["pytorch"],
        {"pytorch": ("cu130", "8× NVIDIA B200 (10.0)")},
        packages={"pytorch": "torch==2.15.*"},
    ),
    Case("b200-590", machine(B200, driver="590.44.01"), ["pytorch"], {"pytorch": ("cu130", "fully supports (CUDA 13.1)")}),
    Case(
        "rtx-pro-6000-blackwell-595",
        machine(RTXPRO6000, driver="595.10"),
        ["pytorch", "jax"],
        {"pytorch": ("cu132", "12.0"), "jax": ("cuda13", "≥ 7.5")},
    ),
    Case(
        "h200-550",
        machine(*[H200] * 8, driver="550.54.14"),
        ["pytorch"],
        {"pytorch": ("cu126", "H200 (9.0)")},
        packages={"pytorch": "torch==2.14.*"},
    ),
    Case(
        "l40s-535",
        machine(L40S, driver="535.183.01"),
        ["pytorch", "tensorflow"],
        {"pytorch": ("cu126", "8.9"), "tensorflow": ("cuda", "CUDA 12")},
    ),
    Case(
        "t4-580",
        machine(T4, driver="580.65.06"),
        ["pytorch", "jax"],
        {"pytorch": ("cu130", "7.5"), "jax": ("cuda13", "7.5")},
        packages={"pytorch": "torch==2.15.*"},
    ),
    Case(
        "p100-580",
        machine(P100, driver="580.65.06"),
        ["pytorch", "tensorflow"],
        {"pytorch": ("cu126", "torch 2.15 has none (cu130, cu132 lack code for 6.0)"), "tensorflow": ("cuda", "≥ 6.0")},
        packages={"pytorch": "torch==2.14.*"},
    ),
    Case(
        "k80-470",
        machine(K80, driver="470.256.02"),
        ["pytorch"],
        {"pytorch": ("cu118", "Tesla K80 (3.7)")},
        packages={"pytorch": "torch==2.7.*"},
    ),
    Case(
        "gh200-aarch64-580",
        machine(GH200, driver="580.65.06", arch="aarch64"),
        ["pytorch", "tensorflow"],
        {"pytorch": ("cu130", "GH200 480GB (9.0)"), "tensorflow": ("cpu", "aarch64 wheels are CPU builds")},
        packages={"pytorch": "torch==2.15.*"},
        index={"pytorch": TORCH + "cu130"},
    ),
    Case(
        "gh200-aarch64-550",
        machine(GH200, driver="550.54.14", arch="aarch64"),
        ["pytorch"],
        {"pytorch": ("cu126", "9.0")},
        packages={"pytorch": "torch==2.14.*"},
    ),
    Case(
        "gb200-aarch64-580",
        machine(*[GB200] * 4, driver="580.65.06", arch="aarch64"),
        ["pytorch"],
        {"pytorch": ("cu130", "(10.0)")},
    ),
    Case(
        "gb200-aarch64-570",
        machine(GB200, driver="570.124.04", arch="aarch64"),
        ["pytorch"],
        {"pytorch": ("cu128", "driver ≥ 580 allows torch 2.15")},
        packages={"pytorch": "torch==2.11.*"},
    ),
    Case(
        "gb10-dgx-spark-580",
        machine(GB10, driver="580.65.06", arch="aarch64"),
        ["pytorch", "bitsandbytes"],
        {"pytorch": ("cu130", "GB10 (12.1)"), "bitsandbytes": ("cuda", "SBSA build")},
    ),
    Case(
        "jetson-orin",
        machine(("NVIDIA Jetson (R36.4.3)", None), arch="aarch64", jetson="R36.4.3"),
        ["pytorch", "jax"],
        {"pytorch": ("cpu", "Jetson AI Lab index"), "jax": ("cpu", "Jetson")},
    ),
    Case(
        "jetson-orin-cuda",
        machine(("NVIDIA Jetson (R36.4.3)", None), arch="aarch64", jetson="R36.4.3"),
        ["pytorch"],
        accelerator="cuda",
        refuse="ordinary CUDA wheels do not serve",
    ),
    Case("driver-470-t4", machine(T4, driver="470.256.02"), ["pytorch"], {"pytorch": ("cu118", "driver 470.256.02")}),
    Case(
        "driver-527-windows-below-528",
        machine(RTX3090, driver="527.41", os="windows", arch="AMD64"),
        ["pytorch"],
        {"pytorch": ("cu118", "driver 527.41")},
    ),
    Case(
        "driver-windows-form-580.97",
        machine(RTX4070, driver="580.97", os="windows", arch="AMD64"),
        ["pytorch"],
        {"pytorch": ("cu130", "driver 580.97")},
        index={"pytorch": TORCH + "cu130"},
    ),
    Case(
        "wsl2-old-driver-527",
        machine(RTX4090, driver="527.41", wsl=True),
        ["pytorch", "jax"],
        {"pytorch": ("cu118", "8.9"), "jax": ("cpu", "jax[cuda12] needs driver ≥ 528.33")},
    ),
    Case(
        "macos-13-arm64",
        machine(os="darwin", arch="arm64", mps=True, macos="13.6"),
        ["pytorch"],
        {"pytorch": ("mps", "torch 2.15 needs macOS ≥ 14.0")},
        packages={"pytorch": "torch==2.11.*"},
    ),
    Case(
        "macos-15-arm64",
        machine(os="darwin", arch="arm64", mps=True, macos="15.1"),
        ["pytorch", "bitsandbytes"],
        {"pytorch": ("mps", "MPS"), "bitsandbytes": ("default", "MPS support is partial")},
        packages={"pytorch": "torch"},
    ),
    Case(
        "macos-intel-bitsandbytes",
        machine(os="darwin", arch="x86_64", pythons=("3.11.9",)),
        ["bitsandbytes"],
        refuse="bitsandbytes publishes no wheels for darwin-x86_64",
    ),
    Case(
        "rocm-6.4-mi300x",
        machine(rocm="6.4.1", gfx=("AMD Instinct MI300X", "gfx942")),
        ["pytorch"],
        {"pytorch": ("rocm6.4", "gfx942")},
        packages={"pytorch": "torch==2.9.*"},
    ),
    Case(
        "rocm-7.2-mi300x",
        machine(rocm="7.2.0", gfx=("AMD Instinct MI300X", "gfx942")),
        ["pytorch"],
        {"pytorch": ("rocm7.2", "gfx942")},
        packages={"pytorch": "torch==2.14.*"},
        index={"pytorch": TORCH + "rocm7.2"},
    ),
    Case(
        "rocm-7.2-rx7900xtx",
        machine(rocm="7.2.1", gfx=("AMD Radeon RX 7900 XTX", "gfx1100")),
        ["pytorch"],
        {"pytorch": ("rocm7.2", "gfx1100")},
    ),
    Case(
        "rocm-7.2-strix-halo",
        machine(rocm="7.2.0", gfx=("AMD Radeon 8060S", "gfx1151")),
        ["pytorch"],
        {"pytorch": ("rocm7.2", "gfx1151")},
        packages={"pytorch": "torch==2.14.*"},
    ),
    Case(
        "rocm-7.1-strix-halo",
        machine(rocm="7.1.0", gfx=("AMD Radeon 8060S", "gfx1151")),
        ["pytorch"],
        {"pytorch": ("cpu", "upgrade ROCm to ≥ 7.2")},
    ),
    Case(
        "rocm-rx580-gfx803",
        machine(rocm="6.4.1", gfx=("Radeon RX 580", "gfx803")),
        ["pytorch"],
        {"pytorch": ("cpu", "no torch ROCm build in the catalog has code for Radeon RX 580 (gfx803)")},
    ),
    Case(
        "rocm-rx6700-gfx1031-asked",
        machine(rocm="7.2.0", gfx=("AMD Radeon RX 6700 XT", "gfx1031")),
        ["pytorch"],
        accelerator="rocm",
        refuse="community workaround, not supported by PyTorch: HSA_OVERRIDE_GFX_VERSION=10.3.0",
    ),
    Case(
        "intel-arc-b580",
        machine(intel="Intel Arc B580"),
        ["pytorch", "jax"],
        {"pytorch": ("xpu", "Intel Arc B580"), "jax": ("cpu", "no XPU build of JAX")},
        packages={"pytorch": "torch==2.15.*"},
        index={"pytorch": TORCH + "xpu"},
    ),
    Case(
        "intel-arc-b580-xe-bound",
        machine(intel="Intel Arc B580", intel_driver="xe"),
        ["pytorch"],
        {"pytorch": ("xpu", "Intel Arc B580 (kernel driver xe)")},
        index={"pytorch": TORCH + "xpu"},
    ),
    Case(
        "intel-arc-b580-no-kernel-driver",
        machine(intel="Intel Arc B580", intel_driver=""),
        ["pytorch"],
        {"pytorch": ("cpu", "the Intel GPU here (Intel Arc B580) has no kernel driver bound; load a kernel driver")},
        index={"pytorch": TORCH + "cpu"},
    ),
    Case(
        "intel-arc-b580-no-kernel-driver-xpu-asked",
        machine(intel="Intel Arc B580", intel_driver=""),
        ["pytorch"],
        accelerator="xpu",
        refuse="accelerator 'xpu' was asked for, but the Intel GPU here (Intel Arc B580) has no kernel driver bound",
    ),
    Case(
        "intel-max-1550-windows",
        machine(intel="Intel Data Center GPU Max 1550", os="windows", arch="AMD64"),
        ["pytorch"],
        {"pytorch": ("xpu", "Max 1550")},
    ),
    Case(
        "intel-arc-macos-none",
        machine(intel="Intel Arc A770", arch="aarch64"),
        ["pytorch"],
        {"pytorch": ("cpu", "no XPU build of torch for linux-arm64")},
    ),
    Case(
        "free-threaded-314t-only",
        machine(RTX4090, driver="580.65.06", pythons=("3.14.0t",)),
        ["pytorch", "numpy"],
        {"pytorch": ("cu130", "8.9")},
        packages={"pytorch": "torch==2.15.*"},
    ),
    Case(
        "free-threaded-313t-only",
        machine(RTX4090, driver="580.65.06", pythons=("3.13.1t",)),
        ["pytorch"],
        {"pytorch": ("cu130", "torch 2.15 with cu130 has no wheels for Python 3.13t")},
        packages={"pytorch": "torch==2.12.*"},
    ),
    Case(
        "free-threaded-313t-jax",
        machine(pythons=("3.13.1t",)),
        ["jax"],
        {"jax": ("cpu", "3.13t")},
        packages={"jax": "jax==0.10.*"},
    ),
    Case(
        "free-threaded-314t-jax-windows",
        machine(os="windows", arch="AMD64", pythons=("3.14.0t",)),
        ["jax"],
        refuse="JAX cannot run on Python 3.14t",
    ),
    Case(
        "free-threaded-314t-and-312",
        machine(os="windows", arch="AMD64", pythons=("3.14.0t", "3.12.3")),
        ["jax"],
        {"jax": ("cpu", "CPU build")},
        python="3.12",
    ),
    Case(
        "python-315-only",
        machine(RTX5090, driver="595.10", pythons=("3.15.0",)),
        ["pytorch", "jax"],
        {"pytorch": ("cu132", "12.0"), "jax": ("cuda13", "12.0")},
        packages={"pytorch": "torch==2.15.*"},
    ),
    Case("python-315-tensorflow", machine(pythons=("3.15.0",)), ["tensorflow"], refuse="TensorFlow cannot run on Python 3.15"),
    Case(
        "tensorflow-only-314",
        machine(RTX4090, driver="580.65.06", pythons=("3.14.0",)),
        ["tensorflow"],
        refuse="TensorFlow cannot run on Python 3.14",
    ),
    Case(
        "jax-old-driver-470",
        machine(RTX3090, driver="470.256.02"),
        ["jax"],
        {"jax": ("cpu", "install NVIDIA driver ≥ 525.60.13")},
    ),
    Case("jax-maxwell-580", machine(GTX980, driver="580.65.06"), ["jax"], {"jax": ("cuda12", "needs compute capability ≥ 7.5")}),
    Case(
        "bitsandbytes-maxwell",
        machine(GTX980, driver="580.65.06"),
        ["bitsandbytes"],
        {
            "bitsandbytes": ("cpu", "need compute capability ≥ 6.0, which NVIDIA GeForce GTX 980 (5.2) lacks"),
            "pytorch": ("cu126", "5.2"),
        },
    ),
    Case(
        "bitsandbytes-maxwell-cuda",
        machine(GTX980, driver="580.65.06"),
        ["bitsandbytes"],
        accelerator="cuda",
        refuse="compute capability ≥ 6.0",
    ),
    Case(
        "bitsandbytes-pascal",
        machine(GTX1080TI, driver="580.65.06"),
        ["bitsandbytes"],
        {"bitsandbytes": ("cuda", "≥ 6.0"), "pytorch": ("cu126", "6.1")},
    ),
    Case(
        "forced-cu130-on-570",
        machine(RTX4090, driver="570.124.04"),
        ["pytorch"],
        accelerator="cu130",
        refuse="driver 570.124.04 is older than the 580 that CUDA 13.0 builds need",
    ),
    Case(
        "forced-cu126-on-580",
        machine(RTX4090, driver="580.65.06"),
        ["pytorch"],
        accelerator="cu126",
        expect={"pytorch": ("cu126", "as accelerator 'cu126' asks")},
        packages={"pytorch": "torch==2.14.*"},
        index={"pytorch": TORCH + "cu126"},
    ),
    Case(
        "forced-cu130-docker-no-gpu",
        machine(),
        ["pytorch", "jax"],
        accelerator="cu130",
        expect={"pytorch": ("cu130", "no such GPU here to check it against"), "jax": ("cuda13", "driver ≥ 580")},
        packages={"pytorch": "torch==2.15.*", "jax": "jax[cuda13]"},
    ),
    Case(
        "forced-cu126-python-315",
        machine(pythons=("3.15.0",)),
        ["pytorch"],
        accelerator="cu126",
        refuse="PyTorch cannot run on Python 3.15",
    ),
    Case(
        "forced-cu126-on-5090",
        machine(RTX5090, driver="580.65.06"),
        ["pytorch"],
        accelerator="cu126",
        refuse="no torch cu126 build has code for NVIDIA GeForce RTX 5090 (12.0)",
    ),
    Case(
        "forced-rocm7.2-on-nvidia",
        machine(RTX4090, driver="580.65.06"),
        ["pytorch"],
        accelerator="rocm7.2",
        refuse="this machine has NVIDIA GeForce RTX 4090 and no ROCm GPU",
    ),
    Case(
        "forced-rocm7.2-gfx803",
        machine(rocm="7.2.0", gfx=("Radeon RX 580", "gfx803")),
        ["pytorch"],
        accelerator="rocm7.2",
        refuse="it has no code for gfx803",
    ),
    Case(
        "forced-xpu-on-windows-ci",
        machine(os="windows", arch="AMD64"),
        ["pytorch"],
        accelerator="xpu",
        expect={"pytorch": ("xpu", "as accelerator 'xpu' asks")},
        index={"pytorch": TORCH + "xpu"},
    ),
    Case(
        "forced-xpu-on-macos",
        machine(os="darwin", arch="arm64", mps=True),
        ["pytorch"],
        accelerator="xpu",
        refuse="PyTorch has no xpu build for darwin-arm64",
    ),
    Case(
        "forced-cu999-unknown",
        machine(),
        ["pytorch"],
        accelerator="cu999",
        refuse="no torch release in the catalog has a cu999 build",
    ),
    Case(
        "torchvision-from-packages",
        machine(RTX4090, driver="580.65.06"),
        ["pytorch"],
        extra=("torchvision", "einops"),
        expect={"pytorch": ("cu130", "8.9")},
        packages={"pytorch": "torch==2.15.*"},
    ),
    Case(
        "torchvision-framework",
        machine(RTX4090, driver="550.54.14"),
        ["torchvision", "torchaudio"],
        expect={"torchvision": ("cu126", "Follows PyTorch's build"), "torchaudio": ("cu126", "torchaudio 2.14 for torch 2.14")},
        packages={"torchvision": "torchvision==0.29.*", "torchaudio": "torchaudio==2.14.*"},
        index={"torchvision": TORCH + "cu126", "torchaudio": TORCH + "cu126"},
    ),
]


def _plan(case: Case, tmp_path: Path) -> Plan:
    a = answers(tmp_path, case.frameworks, case.accelerator, case.index_url)
    a.packages = list(case.extra)
    return make_plan(a, case.machine, CATALOG)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_build_choice(case: Case, tmp_path: Path) -> None:
    if case.refuse:
        with pytest.raises(RequestError) as err:
            _plan(case, tmp_path)
        assert case.refuse in f"{err.value.message} {err.value.hint}"
        return
    plan = _plan(case, tmp_path)
    got = {d.framework: d for d in plan.decisions}
    for fid, (variant, word) in case.expect.items():
        assert (got[fid].variant, fid) == (variant, fid), got[fid].why
        assert word in got[fid].why, got[fid].why
        assert got[fid].why.endswith((".", ".)")) and "\n" not in got[fid].why
    for fid, requirement in case.packages.items():
        assert got[fid].packages == (requirement if isinstance(requirement, tuple) else (requirement,))
    for fid, url in case.index.items():
        assert got[fid].index_url == url
    if case.python:
        assert plan.target.python_version.startswith(case.python + ".")


def test_the_table_covers_what_the_issue_asks() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


def test_an_intel_gpu_without_a_kernel_driver_is_named_beside_one_that_has_it(tmp_path: Path) -> None:
    m = machine()
    m.intel = Intel(gpus=[IntelGpu(name="Intel Arc B580", kernel_driver="xe"), IntelGpu(name="Intel Arc A770", kernel_driver="")])
    (torch,) = make_plan(answers(tmp_path, ["pytorch"]), m, CATALOG).decisions
    assert torch.variant == "xpu"
    assert "(Intel Arc B580 (kernel driver xe))" in torch.why
    assert torch.why.endswith("torch.xpu will not see Intel Arc A770: no kernel driver is bound to it.")


def test_an_intel_kernel_driver_left_unsaid_changes_nothing(tmp_path: Path) -> None:
    """Machine files written before the field (or for another box) say nothing of it: the plan is as before."""
    (torch,) = make_plan(answers(tmp_path, ["pytorch"]), machine(intel="Intel Arc B580"), CATALOG).decisions
    assert torch.why == (
        "PyTorch's xpu build runs on the Intel GPU here (Intel Arc B580) through oneAPI's level-zero runtime, "
        "which it brings along."
    )


# ---- the Python choice ------------------------------------------------------------------------------


def test_tensorflow_with_314_and_312_takes_312(tmp_path: Path) -> None:
    plan = make_plan(answers(tmp_path, ["tensorflow"]), machine(pythons=("3.14.0", "3.12.3")), CATALOG)
    assert plan.target.python_version == "3.12.3"


def test_without_tensorflow_the_newest_python_wins(tmp_path: Path) -> None:
    plan = make_plan(answers(tmp_path, ["pytorch"]), machine(pythons=("3.12.3", "3.14.0")), CATALOG)
    assert plan.target.python_version == "3.14.0"


def test_an_older_python_is_taken_when_only_it_gets_the_gpu(tmp_path: Path) -> None:
    """Driver 470 runs only torch 2.7's cu118, which has no wheels for 3.14: 3.13 keeps the GPU."""
    m = machine(V100, driver="470.256.02", pythons=("3.14.0", "3.13.1"))
    plan = make_plan(answers(tmp_path, ["pytorch"]), m, CATALOG)
    assert plan.target.python_version == "3.13.1" and plan.decisions[0].variant == "cu118"


def test_a_python_without_gpu_wheels_gets_cpu_and_says_which_python_would(tmp_path: Path) -> None:
    plan = make_plan(answers(tmp_path, ["pytorch"]), machine(V100, driver="470.256.02", pythons=("3.14.0",)), CATALOG)
    d = plan.decisions[0]
    assert d.variant == "cpu" and d.index_url == TORCH + "cpu"
    assert "torch 2.7 with cu118 would use the GPU but has no wheels for Python 3.14; it supports 3.9–3.13" in d.why


def test_requested_python_that_no_build_supports_is_refused_with_the_versions_that_work(tmp_path: Path) -> None:
    m = machine(pythons=("3.14.0", "3.12.3"))
    with pytest.raises(RequestError) as err:
        make_plan(answers(tmp_path, ["tensorflow", "jax"], python="3.14"), m, CATALOG)
    assert err.value.message == "TensorFlow cannot run on Python 3.14"
    assert err.value.hint == "Pythons that work for this selection: 3.11, 3.12, 3.13"


def test_the_decision_carries_the_python_range_of_its_release(tmp_path: Path) -> None:
    plan = make_plan(answers(tmp_path, ["pytorch"]), machine(RTX5090, driver="570.124.04"), CATALOG)
    assert plan.decisions[0].python == ">=3.10,<3.15" and plan.to_dict()["decisions"][0]["python"] == ">=3.10,<3.15"


# ---- pip steps --------------------------------------------------------------------------------------


def test_pytorch_index_url_only_in_the_pytorch_pip_step(tmp_path: Path) -> None:
    plan = make_plan(answers(tmp_path, [], profile="llm-finetune"), machine(RTX4090, driver="550.54.14"), CATALOG)
    pips = [s for s in plan.steps if s.kind == "pip" and s.id != "upgrade-pip"]
    assert [s.id for s in pips] == ["install-pytorch", "install"]
    torch_step, rest = pips
    assert torch_step.argv[-3:] == ("--index-url", TORCH + "cu126", "torch==2.14.*")
    assert not any("download.pytorch.org" in a for a in rest.argv)
    assert "torch==2.14.*" in rest.argv and "transformers" in rest.argv  # pinned again so pip keeps the build


def test_torchvision_in_packages_comes_from_torchs_index_in_the_matching_release(tmp_path: Path) -> None:
    a = answers(tmp_path, ["pytorch"])
    a.packages = ["torchvision", "torchaudio>=2.14", "einops"]
    plan = make_plan(a, machine(RTX4090, driver="580.65.06"), CATALOG)
    torch_step, rest = [s for s in plan.steps if s.kind == "pip" and s.id != "upgrade-pip"]
    assert torch_step.argv[-5:] == ("--index-url", TORCH + "cu130", "torch==2.15.*", "torchvision==0.30.*", "torchaudio>=2.14")
    assert "einops" in rest.argv and not any(a.startswith("torchvision") and a != "torchvision==0.30.*" for a in rest.argv)


def test_disk_estimate_follows_the_chosen_variant(tmp_path: Path) -> None:
    sizes = CATALOG.builds.tables["pytorch"].sizes_mb  # type: ignore[union-attr]
    gpu = make_plan(answers(tmp_path, ["pytorch"]), machine(RTX4090, driver="550.54.14"), CATALOG)
    cpu = make_plan(answers(tmp_path, ["pytorch"]), machine(), CATALOG)
    assert gpu.disk_needed_bytes - cpu.disk_needed_bytes == (sizes["cuda"] - sizes["cpu"]) * 1_000_000


# ---- the catalog: data that stays consistent ----------------------------------------------------------


def test_every_build_figure_has_a_source_and_every_reference_resolves() -> None:
    b = CATALOG.builds
    assert b.pythons.source and all(r.source for r in b.cuda_drivers) and all(c.source for c in b.cuda_builds.values())
    for fid, fw in CATALOG.frameworks.items():
        if not fw.builds:
            continue
        table = b.tables[fw.builds]
        if isinstance(table, (FollowTable, KernelsTable)):
            assert table.source, fid
            if isinstance(table, FollowTable):
                leader = b.tables[table.follows]
                assert isinstance(leader, IndexTable) and {r.version for r in leader.releases} == set(table.versions), fid
            continue
        assert table.sizes_source and table.releases and all(r.source for r in table.releases), fid
        versions = [r.version for r in table.releases]
        assert versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))), reverse=True), fid
        # the framework's Python range is exactly what its releases together support
        for py in b.pythons.versions:
            assert SpecifierSet(fw.python).contains(py) == any(SpecifierSet(r.python).contains(py) for r in table.releases), (
                fid,
                py,
            )
        if isinstance(table, IndexTable):
            assert set(table.sizes_mb) == {"cpu", "cuda", "rocm", "mps", "xpu"}
            for r in table.releases:
                assert set(r.cuda) <= set(b.cuda_builds) and set(r.archs) <= set(r.cuda), r.version
                assert set(r.rocm) <= set(b.rocm_builds), r.version
                assert all(v in (*r.cuda, "cpu", "mps") for v in r.pypi.values()), r.version
                assert r.cuda == sorted(r.cuda, key=lambda t: int(t[2:])), r.version
        else:
            assert all(v.source for v in table.gpu) and set(table.sizes_mb) == {"cpu", *(v.variant for v in table.gpu)}
            assert {v.cuda for v in table.gpu} <= {r.cuda for r in b.cuda_drivers}


def test_a_new_torch_release_is_a_data_change(tmp_path: Path) -> None:
    """Add torch 2.16 with a cu128 build to a copy of the catalog: the RTX 5090 on driver 570 takes it."""
    table = CATALOG.builds.tables["pytorch"]
    assert isinstance(table, IndexTable)
    new = TorchRelease(
        version="2.16", python=">=3.11,<3.16", cuda=["cu128", "cu130"], pypi={"linux-x86_64": "cu130"}, source="test"
    )
    tables = {**CATALOG.builds.tables, "pytorch": msgspec.structs.replace(table, releases=[new, *table.releases])}
    catalog: Catalog = msgspec.structs.replace(CATALOG, builds=msgspec.structs.replace(CATALOG.builds, tables=tables))
    plan = make_plan(answers(tmp_path, ["pytorch"]), machine(RTX5090, driver="570.124.04"), catalog)
    assert plan.decisions[0].packages == ("torch==2.16.*",) and plan.decisions[0].variant == "cu128"


def test_torchvision_asked_about_alone_follows_the_torch_build() -> None:
    """The frameworks screen asks one framework at a time."""
    [d] = builds.decide(["torchvision"], machine(RTX5090, driver="570.124.04"), "auto", CATALOG, False)
    assert (d.framework, d.variant, d.packages, d.index_url) == (
        "torchvision",
        "cu128",
        ("torchvision==0.26.*",),
        TORCH + "cu128",
    )


def test_decide_without_a_python_gives_what_the_hardware_allows() -> None:
    """The TUI's frameworks screen asks before a Python is chosen."""
    [d] = builds.decide(["pytorch"], machine(RTX5090, driver="570.124.04"), "auto", CATALOG, False)
    assert d.variant == "cu128" and d.packages == ("torch==2.11.*",)


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "assets" / "machines").glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_machine_file_plans_the_fine_tuning_stack(path: Path, tmp_path: Path) -> None:
    from wizard.machine import load_machine

    try:
        plan = make_plan(answers(tmp_path, [], profile="llm-finetune"), load_machine(path), CATALOG)
    except RequestError as exc:  # a refusal is fine as long as it says why
        assert exc.message and exc.hint
        return
    assert all(d.why for d in plan.decisions)
