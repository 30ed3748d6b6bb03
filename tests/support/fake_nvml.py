"""A fake NVML C library under the real `pynvml` module.

pynvml loads libnvidia-ml once into its module-level `nvmlLib` and caches each function it looks up
in `_nvmlGetFunctionPointer_cache`. Putting an object with ctypes callbacks of the C signatures in
`nvmlLib` (and emptying the cache) means pynvml's own wrappers, argument conversions, return-code
checks and error classes all run, against C functions that write into the pointers they are given.
A function the fake library lacks raises NVMLError_FunctionNotFound, exactly as a real old library.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pynvml
import pytest

GiB = 2**30
MiB = 2**20


@dataclass(frozen=True)
class FakeGpu:
    name: str
    memory_bytes: int
    cc: tuple[int, int]
    bus_id: str


@dataclass(frozen=True)
class FakeDriver:
    """What the fake library reports. `init_error` makes nvmlInit fail with that NVML return code."""

    version: str = "550.54.14"
    cuda: int = 12040
    gpus: tuple[FakeGpu, ...] = ()
    init_error: int = pynvml.NVML_SUCCESS
    missing: frozenset[str] = frozenset()  # C functions this library lacks


def _bus(i: int) -> str:
    return f"00000000:{i:02X}:00.0"


RTX4090 = FakeGpu("NVIDIA GeForce RTX 4090", 24564 * MiB, (8, 9), _bus(1))
RTX3090 = FakeGpu("NVIDIA GeForce RTX 3090", 24576 * MiB, (8, 6), _bus(2))
H100 = FakeGpu("NVIDIA H100 80GB HBM3", 81559 * MiB, (9, 0), _bus(0x18))

# The scenarios the tests walk through; None stands for "no NVML library on this machine".
SCENARIOS: dict[str, FakeDriver | None] = {
    "library-missing": None,
    "driver-not-loaded": FakeDriver(init_error=pynvml.NVML_ERROR_DRIVER_NOT_LOADED),
    "rtx4090-driver550": FakeDriver("550.54.14", 12040, (RTX4090,)),
    "8xh100-driver535": FakeDriver(
        "535.183.01",
        12020,
        tuple(FakeGpu(H100.name, H100.memory_bytes, H100.cc, _bus(b)) for b in (0x18, 0x2A, 0x3A, 0x5D, 0x9A, 0xAB, 0xBA, 0xDB)),
    ),
    "gtx1080ti-driver580": FakeDriver("580.65.06", 13000, (FakeGpu("NVIDIA GeForce GTX 1080 Ti", 11264 * MiB, (6, 1), _bus(1)),)),
    "rtx5090-driver570": FakeDriver("570.124.04", 12080, (FakeGpu("NVIDIA GeForce RTX 5090", 32607 * MiB, (12, 0), _bus(1)),)),
    "mixed-3090-4090": FakeDriver("550.54.14", 12040, (RTX3090, RTX4090)),
    "cuda-v2-missing": FakeDriver("535.183.01", 12020, (RTX4090,), missing=frozenset({"nvmlSystemGetCudaDriverVersion_v2"})),
}


class FakeLibrary:
    """Stands in for the CDLL: one ctypes callback per C function, plus a record of what was called."""

    def __init__(self, driver: FakeDriver) -> None:
        self.driver = driver
        self.calls: list[str] = []
        self.errors: list[BaseException] = []  # exceptions inside callbacks (ctypes would swallow them)
        c_int, c_uint, c_void_p, P = ctypes.c_int, ctypes.c_uint, ctypes.c_void_p, ctypes.POINTER
        signatures: dict[str, tuple[Callable[..., int], tuple[Any, ...]]] = {
            "nvmlInitWithFlags": (self._init, (c_uint,)),
            "nvmlShutdown": (lambda: pynvml.NVML_SUCCESS, ()),
            "nvmlSystemGetDriverVersion": (self._driver_version, (c_void_p, c_uint)),
            "nvmlSystemGetCudaDriverVersion": (self._cuda, (P(c_int),)),
            "nvmlSystemGetCudaDriverVersion_v2": (self._cuda, (P(c_int),)),
            "nvmlDeviceGetCount_v2": (self._count, (P(c_uint),)),
            "nvmlDeviceGetHandleByIndex_v2": (self._handle, (c_uint, P(pynvml.c_nvmlDevice_t))),
            "nvmlDeviceGetName": (self._name, (c_void_p, c_void_p, c_uint)),
            "nvmlDeviceGetMemoryInfo": (self._memory, (c_void_p, P(pynvml.c_nvmlMemory_t))),
            "nvmlDeviceGetCudaComputeCapability": (self._cc, (c_void_p, P(c_int), P(c_int))),
            "nvmlDeviceGetPciInfo_v3": (self._pci, (c_void_p, P(pynvml.nvmlPciInfo_t))),
        }
        for name, (fn, argtypes) in signatures.items():
            if name not in driver.missing:
                setattr(self, name, ctypes.CFUNCTYPE(c_int, *argtypes)(self._recorded(name, fn)))

    def _recorded(self, name: str, fn: Callable[..., int]) -> Callable[..., int]:
        def call(*args: Any) -> int:
            self.calls.append(name)
            try:
                return fn(*args)
            except BaseException as e:
                self.errors.append(e)
                return pynvml.NVML_ERROR_UNKNOWN

        return call

    def _gpu(self, handle: int | None) -> FakeGpu | None:
        i = (handle or 0) - 1
        return self.driver.gpus[i] if 0 <= i < len(self.driver.gpus) else None

    @staticmethod
    def _write_str(buf: int, size: int, text: str) -> int:
        data = text.encode() + b"\0"
        if len(data) > size:
            return pynvml.NVML_ERROR_INSUFFICIENT_SIZE
        ctypes.memmove(buf, data, len(data))
        return pynvml.NVML_SUCCESS

    def _init(self, flags: int) -> int:
        return self.driver.init_error

    def _driver_version(self, buf: int, size: int) -> int:
        return self._write_str(buf, size, self.driver.version)

    def _cuda(self, out: Any) -> int:
        out[0] = self.driver.cuda
        return pynvml.NVML_SUCCESS

    def _count(self, out: Any) -> int:
        out[0] = len(self.driver.gpus)
        return pynvml.NVML_SUCCESS

    def _handle(self, index: int, out: Any) -> int:
        if index >= len(self.driver.gpus):
            return pynvml.NVML_ERROR_INVALID_ARGUMENT
        out[0] = ctypes.cast(ctypes.c_void_p(index + 1), pynvml.c_nvmlDevice_t)  # opaque, never dereferenced
        return pynvml.NVML_SUCCESS

    def _name(self, handle: int, buf: int, size: int) -> int:
        gpu = self._gpu(handle)
        return self._write_str(buf, size, gpu.name) if gpu else pynvml.NVML_ERROR_INVALID_ARGUMENT

    def _memory(self, handle: int, out: Any) -> int:
        gpu = self._gpu(handle)
        if gpu is None:
            return pynvml.NVML_ERROR_INVALID_ARGUMENT
        out.contents.total, out.contents.free, out.contents.used = gpu.memory_bytes, gpu.memory_bytes, 0
        return pynvml.NVML_SUCCESS

    def _cc(self, handle: int, major: Any, minor: Any) -> int:
        gpu = self._gpu(handle)
        if gpu is None:
            return pynvml.NVML_ERROR_INVALID_ARGUMENT
        major[0], minor[0] = gpu.cc
        return pynvml.NVML_SUCCESS

    def _pci(self, handle: int, out: Any) -> int:
        gpu = self._gpu(handle)
        if gpu is None:
            return pynvml.NVML_ERROR_INVALID_ARGUMENT
        out.contents.busId = gpu.bus_id.encode()
        out.contents.busIdLegacy = gpu.bus_id[4:].encode()
        return pynvml.NVML_SUCCESS


def _no_library(name: str, *args: Any, **kwargs: Any) -> Any:
    raise OSError(f"{name}: cannot open shared object file: No such file or directory")


@contextmanager
def installed(driver: FakeDriver | None) -> Iterator[FakeLibrary | None]:
    """Put the fake library under pynvml (None: loading libnvidia-ml fails); restore pynvml after."""
    saved = (pynvml.nvmlLib, dict(pynvml._nvmlGetFunctionPointer_cache), pynvml._nvmlLib_refcount, pynvml.CDLL)
    lib = FakeLibrary(driver) if driver is not None else None
    pynvml._nvmlGetFunctionPointer_cache.clear()
    pynvml.nvmlLib = lib
    if lib is None:
        pynvml.CDLL = _no_library
    try:
        yield lib
    finally:
        pynvml.nvmlLib, cache, pynvml._nvmlLib_refcount, pynvml.CDLL = saved
        pynvml._nvmlGetFunctionPointer_cache.clear()
        pynvml._nvmlGetFunctionPointer_cache.update(cache)


@pytest.fixture
def fake_nvml() -> Iterator[Callable[[FakeDriver | None], FakeLibrary | None]]:
    """`fake_nvml(SCENARIOS["rtx4090-driver550"])` installs a scenario for the rest of the test."""
    with ExitStack() as stack:
        yield lambda driver: stack.enter_context(installed(driver))
