"""uv, the fast installer (options.installer "uv"): its binary, pip's settings given to it with the
same meaning, and its output lines read as Events.

uv comes from its PyPI package, a dependency of the wizard: nothing is downloaded at run time.
uv does not read pip's configuration, so what pip would use (`pip config list`: pip.conf files and
PIP_* variables, asked of pip itself) is passed on: index-url, extra-index-url, find-links, no-index,
constraint, trusted-host as options; cert, client-cert and proxy as the environment variables uv
reads. `--index-strategy unsafe-best-match` makes uv choose among indexes as pip does (the best
version on any of them); the PyTorch index is only ever named in the step that installs the PyTorch
build, as with pip.

Bytecode: uv does not compile by default, and the wizard leaves it so (measured on the classic
stack: 4.7 s + 8.5 s first verification, against 25.6 s + 3.5 s compiling all 7,100 modules);
UV_COMPILE_BYTECODE=1 in the environment compiles everything at install time.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from wizard import proc
from wizard.plan import Step
from wizard.problems import RequestError
from wizard.redact import has_credentials
from wizard.runner import child_env

# pip's option → uv's option with the same meaning (values are space-separated lists in pip.conf)
_AS_OPTION = {
    "index-url": "--index-url",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
    "constraint": "--constraint",
    "trusted-host": "--allow-insecure-host",
}
# a configured URL that carries a secret goes to uv through its environment, never its argv (`ps`)
_PRIVATE_VARS = {
    "index-url": ("UV_INDEX_URL", " "),
    "extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
    "find-links": ("UV_FIND_LINKS", ","),
}
_AS_ENV = {"cert": "SSL_CERT_FILE", "client-cert": "SSL_CLIENT_CERT", "proxy": "HTTPS_PROXY"}
_PRECEDENCE = {"global": 0, "user": 1, "site": 2, ":env:": 3}  # pip: files, then the environment wins
_CONFIG_LINE = re.compile(r"^(?P<where>[^.]+)\.(?P<key>[a-z-]+)=(?P<value>.*)$")


def uv_bin() -> str:
    """The uv binary the `uv` package installed next to the wizard; RequestError (exit 2) without it."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        raise RequestError(
            "options.installer is 'uv', but uv is not installed with the wizard",
            "pip install uv (a dependency of the wizard), or use installer 'pip'",
        ) from None


def parse_pip_config(text: str) -> dict[str, str]:
    """`pip config list` output → {option: value}, the environment overriding the files, as in pip."""
    ranked: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        m = _CONFIG_LINE.match(line.strip())
        if not m or m.group("where") not in _PRECEDENCE:
            continue
        value = m.group("value")
        value = value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value
        rank = _PRECEDENCE[m.group("where")]
        if m.group("key") not in ranked or rank >= ranked[m.group("key")][0]:
            ranked[m.group("key")] = (rank, value)
    return {k: v for k, (_, v) in ranked.items()}


def _pip_config_files() -> list[Path]:
    """Every file pip may read settings from (pip's `get_configuration_files`, with each platform's
    candidates: more than pip reads on any one system, never fewer)."""
    import platformdirs

    name = "pip.ini" if os.name == "nt" else "pip.conf"
    home = Path.home()
    dirs: list[str | Path] = [
        *platformdirs.site_config_dir("pip", multipath=True).split(os.pathsep),
        *(os.path.join(d, "pip") for d in os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)),
        "/etc",
        sys.prefix,
        platformdirs.user_config_dir("pip", roaming=True),
        os.path.join(os.environ.get("XDG_CONFIG_HOME") or home / ".config", "pip"),
        home / ("pip" if os.name == "nt" else ".pip"),
    ]
    return [Path(d, name) for d in dirs]


def pip_config() -> dict[str, str]:
    """What pip would use here, asked of pip (the wizard's own: same files, same variables). Asking
    costs pip's start-up (0.4 s), so when no file pip reads exists, the answer is known without
    asking: the PIP_* variables of the settings passed on to uv, as pip reads them."""
    config_file = os.environ.get("PIP_CONFIG_FILE")
    files = [Path(config_file)] if config_file and config_file != os.devnull else []
    if config_file != os.devnull:
        files += _pip_config_files()
    if not any(f.is_file() for f in files):
        keys = (*_AS_OPTION, *_AS_ENV, "no-index")
        return {k: os.environ[var] for k in keys if (var := "PIP_" + k.upper().replace("-", "_")) in os.environ}
    done = proc.run([sys.executable, "-m", "pip", "config", "list"], 60, env=child_env())
    return parse_pip_config(done.stdout) if done is not None else {}


def with_pip_config(step: Step, config: Mapping[str, str]) -> Step:
    """A uv step with pip's configured settings added where the plan does not set them itself."""
    args, env = [], dict(step.env)
    given = set(step.argv)
    for key, option in _AS_OPTION.items():
        var, sep = _PRIVATE_VARS.get(key, ("", ""))
        if key not in config or (key == "index-url" and ({"--index-url", "--no-index"} & given or var in env)):
            continue
        values = shlex.split(config[key])
        if var and any(has_credentials(v) for v in values):
            env.setdefault(var, sep.join(values))  # the plan's own private URLs win, as pip's environment does
        else:
            args += [a for v in values for a in (option, v)]
    if config.get("no-index", "").lower() in ("1", "true", "yes", "on") and "--no-index" not in given:
        args.append("--no-index")
    env.update({var: config[key] for key, var in _AS_ENV.items() if key in config})
    if "HTTPS_PROXY" in env:
        env["HTTP_PROXY"] = env["HTTPS_PROXY"]
    split = step.options_end
    return replace(step, argv=(*step.argv[:split], *args, *step.argv[split:]), env=tuple(sorted(env.items())))
