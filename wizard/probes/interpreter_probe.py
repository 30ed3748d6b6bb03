"""Describe this interpreter as one JSON line. Runs in any Python >= 3.6 (and prints a version for 2.x)."""
import json
import os
import sys
import sysconfig

info = {"version": "%d.%d.%d" % sys.version_info[:3],
        "implementation": sys.implementation.name if hasattr(sys, "implementation") else "cpython",
        "executable": sys.executable,
        "is_venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
        "prefix": sys.prefix}
info["free_threaded"] = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
try:
    stdlib = sysconfig.get_paths()["stdlib"]
    info["externally_managed"] = os.path.isfile(os.path.join(stdlib, "EXTERNALLY-MANAGED")) and not info["is_venv"]
except Exception:
    info["externally_managed"] = False
try:
    import ensurepip
    info["bundled_pip"] = ensurepip.version()
    info["venv_ok"] = True
except Exception:
    info["bundled_pip"] = None
    info["venv_ok"] = False
try:
    import venv  # noqa: F401
except Exception:
    info["venv_ok"] = False
print(json.dumps(info))
