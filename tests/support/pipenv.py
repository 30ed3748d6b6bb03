"""An environment for pip subprocesses that ignores this machine's pip configuration.

This machine has a user pip.conf and PIP_* variables pointing at local mirrors and find-links
folders; leaking them into tests would let pip find packages the test's index does not serve.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

_LOOPBACK = ("127.0.0.1", "localhost")


def clean_pip_env(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """os.environ without any PIP_* variable, with config files off, prompts off, and no cache.

    PIP_NO_CACHE_DIR keeps tests hermetic (nothing read from or written to the user's cache, and a
    re-download really downloads, so progress shows). Loopback is added to NO_PROXY so a proxy in
    the environment never sees the test index. extra is applied last; a None value removes a key
    (e.g. {"PIP_NO_CACHE_DIR": None} to let pip cache; pip treats any value of it as "no cache").
    """
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PIP_")}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PIP_NO_CACHE_DIR="1",
    )
    for key in ("NO_PROXY", "no_proxy"):
        present = [h for h in env.get(key, "").split(",") if h.strip()]
        env[key] = ",".join(present + [h for h in _LOOPBACK if h not in present])
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env
