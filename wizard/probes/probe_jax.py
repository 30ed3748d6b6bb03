"""JAX: its devices and default backend, and a jax.numpy op on the default device."""
from probe_lib import GPU_ACCELERATORS, expected, gpu_names, loaded_cuda_libraries

GPU_BACKENDS = ("gpu", "cuda", "rocm")


def devices(spec):
    import jax
    try:
        import jaxlib
        jaxlib_version = jaxlib.__version__
    except (ImportError, AttributeError):
        jaxlib_version = None
    backend = jax.default_backend()
    devs = [str(d) for d in jax.devices()]
    data = {"version": jax.__version__, "jaxlib": jaxlib_version, "backend": backend, "devices": devs,
            "cuda_libraries": loaded_cuda_libraries()}
    detail = "jax %s, default backend %s; devices: %s" % (jax.__version__, backend, ", ".join(devs))
    if expected(spec, "jax") in GPU_ACCELERATORS and backend not in GPU_BACKENDS:
        return False, detail + " (this machine has %s)" % gpu_names(spec), data
    return True, detail, data


def jnp_op():
    import jax.numpy as jnp
    a = jnp.arange(6.0).reshape(2, 3)
    total = float((a @ a.T).sum())
    return total == 83.0, "sum of a @ a.T for a = [[0, 1, 2], [3, 4, 5]]: %s (expected 83.0)" % total, {"value": total}


def run(spec, h):
    if h.check("jax: devices", lambda: devices(spec)):
        h.check("jax: jnp op", jnp_op)
