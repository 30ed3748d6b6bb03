"""PyTorch: which build, whether it sees the GPUs, whether each GPU's architecture is compiled into
the build, and a real matmul on every device compared with the CPU's result.

`cuda.is_available()` can be True while every kernel fails for a missing architecture, so the
matmul is the ground truth; the architecture check says why it failed.
"""
import re

from probe_lib import GPU_ACCELERATORS, expected, gpu_names, nvidia_gpus

MATMUL_N = 64
ARCH = re.compile(r"^(sm|compute)_(\d+)(\d)([a-z]?)$")


def covering_arch(arch_list, capability):
    """The best entry of the build's arch list for a GPU of this compute capability, or None.

    sm_XY machine code runs on X.Z for Z >= Y of the same major only (sm_XYa: on X.Y alone);
    compute_XY is PTX, which the driver compiles for X.Y and anything newer (machine code wins).
    """
    major, minor = (int(p) for p in capability.split(".")[:2])
    fits = []
    for arch in arch_list:
        m = ARCH.match(arch)
        if not m:
            continue
        kind, a_major, a_minor, specific = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
        if kind == "sm" and a_major == major and (a_minor == minor if specific else a_minor <= minor):
            fits.append((1, a_major, a_minor, arch))
        elif kind == "compute" and (a_major, a_minor) <= (major, minor):
            fits.append((0, a_major, a_minor, arch))
    return max(fits)[3] if fits else None


def compiled_arches(torch):
    """The build's architectures. get_arch_list() answers [] whenever no GPU is usable (an old
    driver, say), which is exactly when the list matters, so ask the build directly where it can."""
    flags = getattr(torch._C, "_cuda_getArchFlags", None)
    text = flags() if flags else None
    return text.split() if text else list(torch.cuda.get_arch_list())


def mps_available(torch):
    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def build(spec):
    import torch
    v = torch.version
    cuda, hip, xpu = getattr(v, "cuda", None), getattr(v, "hip", None), getattr(v, "xpu", None)
    kind = "cuda" if cuda else "rocm" if hip else "xpu" if xpu else "cpu"
    try:
        cudnn = torch.backends.cudnn.version()
    except Exception:
        cudnn = None
    data = {"version": torch.__version__, "build": kind, "cuda": cuda, "hip": hip, "debug": bool(getattr(v, "debug", False)),
            "cudnn": cudnn, "arch_list": compiled_arches(torch) if cuda else [],
            "mps_built": bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_built())}
    what = ("CUDA %s build" % cuda if cuda else "ROCm %s build" % hip if hip else "XPU %s build" % xpu if xpu
            else "CPU build")
    if kind == "cpu" and expected(spec, "pytorch") in GPU_ACCELERATORS:
        return False, "torch %s is a CPU build, but this machine has %s" % (torch.__version__, gpu_names(spec)), data
    return True, "torch %s, %s" % (torch.__version__, what), data


def cpu_op():
    import torch
    a = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    total = float((a @ a.T).sum())
    return total == 83.0, "sum of a @ a.T for a = [[0, 1, 2], [3, 4, 5]]: %s (expected 83.0)" % total, {"value": total}


def gpu_available(kind):
    """Whether the build sees its GPUs: torch.cuda for CUDA and ROCm builds, torch.xpu for Intel's."""
    import torch
    api = torch.xpu if kind == "xpu" else torch.cuda
    name = "xpu" if kind == "xpu" else "cuda"
    ok = api.is_available()
    count = api.device_count() if ok else 0
    devices = [{"index": i, "name": api.get_device_name(i),
                "capability": None if kind == "xpu" else "%d.%d" % tuple(api.get_device_capability(i))} for i in range(count)]
    data = {"available": ok, "device_count": count, "devices": devices, "api": name}
    if ok and count:
        return True, "%s.is_available() True; %d device(s): %s" % (name, count, ", ".join(d["name"] for d in devices)), data
    return False, "%s.is_available() is %s for this %s build (%d devices)" % (name, ok, kind.upper(), count), data


def architecture(gpu, arches):
    hit = covering_arch(arches, gpu["capability"])
    data = {"gpu": gpu["name"], "capability": gpu["capability"], "arch_list": arches, "covered_by": hit}
    if hit:
        return True, "%s (compute capability %s) runs the build's %s code" % (gpu["name"], gpu["capability"], hit), data
    return False, "%s (compute capability %s) is not among the build's architectures: %s" % (
        gpu["name"], gpu["capability"], " ".join(arches)), data


def matmul(device):
    import torch
    torch.manual_seed(0)
    a, b = torch.rand(MATMUL_N, MATMUL_N), torch.rand(MATMUL_N, MATMUL_N)
    ref = a @ b
    got = (a.to(device) @ b.to(device)).to("cpu")
    err, scale = float((got - ref).abs().max()), float(ref.abs().max())
    return err <= 1e-2 * scale, "%dx%d matmul: largest difference from the CPU result %.3g (values up to %.3g)" % (
        MATMUL_N, MATMUL_N, err, scale), {"device": device, "max_abs_error": err, "scale": scale}


def mps_ready():
    import torch
    if mps_available(torch):
        return True, "torch.backends.mps.is_available() True", {}
    return False, "torch.backends.mps.is_available() False (MPS needs macOS 12.3+ on Apple silicon and an arm64 Python)", {}


def run(spec, h):
    b = h.check("pytorch: build", lambda: build(spec))
    if b is None:
        return
    h.check("pytorch: tensor op on cpu", cpu_op)
    kind = b.data["build"]
    if kind in GPU_ACCELERATORS:
        avail = h.check("pytorch: GPU available", lambda: gpu_available(kind))
        devices = avail.data["devices"] if avail else []
        gpus = devices or [{"index": i, "name": g.get("name"), "capability": g.get("compute_capability")}
                           for i, g in enumerate(nvidia_gpus(spec))]
        arches = b.data["arch_list"]
        for gpu in gpus if kind == "cuda" and arches else []:
            if gpu["capability"]:
                h.check("pytorch: architecture of GPU %d" % gpu["index"], lambda gpu=gpu: architecture(gpu, arches))
        api = "xpu" if kind == "xpu" else "cuda"
        for d in devices:
            h.check("pytorch: matmul on %s:%d" % (api, d["index"]), lambda d=d: matmul("%s:%d" % (api, d["index"])))
    import torch
    if expected(spec, "pytorch") == "mps" or mps_available(torch):
        ready = h.check("pytorch: MPS available", mps_ready)
        if ready and ready.ok:
            h.check("pytorch: matmul on mps", lambda: matmul("mps"))
