"""TensorFlow: the build, the GPUs it sees and an op placed on the first of them, and which CUDA
libraries it loaded from where (LD_LIBRARY_PATH can shadow those tensorflow[and-cuda] brought).
"""
from probe_lib import GPU_ACCELERATORS, expected, gpu_names, loaded_cuda_libraries


def build():
    import tensorflow as tf
    info = dict(tf.sysconfig.get_build_info())
    data = {"version": tf.__version__, "built_with_cuda": bool(tf.test.is_built_with_cuda()),
            "cuda": info.get("cuda_version"), "cudnn": info.get("cudnn_version")}
    what = "built with CUDA %s" % data["cuda"] if data["built_with_cuda"] else "a build without CUDA"
    return True, "tensorflow %s, %s" % (tf.__version__, what), data


def gpus(spec):
    import tensorflow as tf
    devices = [d.name for d in tf.config.list_physical_devices("GPU")]
    data = {"devices": devices, "cuda_libraries": loaded_cuda_libraries()}
    if devices:
        return True, "list_physical_devices('GPU'): %s" % ", ".join(devices), data
    if expected(spec, "tensorflow") in GPU_ACCELERATORS:
        return False, "list_physical_devices('GPU') is empty on a machine with %s" % gpu_names(spec), data
    return True, "no GPU, and none expected here", data


def gpu_op():
    import tensorflow as tf
    with tf.device("/GPU:0"):
        a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        c = tf.matmul(a, a)
    value = c.numpy().tolist()
    ok = value == [[7.0, 10.0], [15.0, 22.0]] and "GPU" in c.device
    return ok, "[[1, 2], [3, 4]] squared on %s: %s" % (c.device, value), {"value": value, "device": c.device}


def run(spec, h):
    if h.check("tensorflow: build", build) is None:
        return
    seen = h.check("tensorflow: GPUs", lambda: gpus(spec))
    if seen and seen.data["devices"]:
        h.check("tensorflow: op on GPU", gpu_op)
