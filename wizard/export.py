"""`python -m wizard export --env PATH --format FORMAT [-o FILE] [--force]`: share an environment.

Every format is made from what the environment's `.wizard/` folder holds: the lock (exact files) or
the answers (the intent). Nothing is asked of the network; credentials stay ${VAR} references.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from wizard import __version__, envs
from wizard.atomic import write_text
from wizard.paths import env_meta_dir
from wizard.problems import RequestError
from wizard.pylock import Lock, lock_path, read_lock, requirements_text

IMAGE_REQUIREMENTS = "/opt/wizard/requirements.txt"
IMAGE_LOCK = "/opt/wizard/pylock.toml"
IMAGE_VENV = "/opt/venv"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def open_env(path: Path) -> Path:
    """The environment's absolute folder; RequestError (exit 2) when PATH is not a venv or conda env."""
    env = Path(path).expanduser().absolute()
    kind = envs.classify(env)
    if kind not in ("venv", "conda"):
        raise RequestError(
            f"{env} is not a virtual environment or conda environment ({kind})",
            "give the folder that holds pyvenv.cfg or conda-meta/",
        )
    return env


def _lock(env: Path) -> Lock:
    path = lock_path(env)
    if not path.is_file():
        raise RequestError(
            f"{env} has no lock ({path})",
            "run the wizard on it once more (a successful run writes the lock), or export --format answers",
        )
    return read_lock(path)


def _header(env: Path, lock: Lock) -> str:
    return (
        f"Exported by llm-setup-wizard {__version__} from {env}\n"
        f"Python {lock.python} on {lock.sys_platform} {lock.platform_machine}; install with:\n"
        "  pip install --no-deps --require-hashes -r THIS_FILE"
    )


def _requirements(env: Path) -> str:
    lock = _lock(env)
    return requirements_text(lock, _header(env, lock))


def _answers(env: Path) -> str:
    path = env_meta_dir(env) / "answers.json"
    try:
        return json.dumps(json.loads(path.read_text("utf-8")), indent=2) + "\n"
    except (OSError, ValueError):
        raise RequestError(f"{env} has no readable answers file ({path})", "was it made by the wizard?") from None


def _environment_yml(env: Path) -> str:
    """conda's environment.yml: the Python from conda-forge, everything else pinned through pip."""
    lock = _lock(env)
    pip_lines = requirements_text(lock).replace(" \\\n    ", " ").splitlines()
    name = re.sub(r"[^A-Za-z0-9._-]", "-", env.name) or "env"
    out = [
        f"# Exported by llm-setup-wizard {__version__} from {env}",
        f"name: {name}",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={lock.python}",
        "  - pip",
        "  - pip:",
    ]
    return "\n".join([*out, *(f"    - {json.dumps(line)}" for line in pip_lines)]) + "\n"


def _heredoc(path: str, text: str) -> list[str]:
    return [f"COPY <<'WIZARD_EOF' {path}", *text.rstrip("\n").splitlines(), "WIZARD_EOF"]


def _dockerfile(env: Path) -> str:
    """A self-contained Dockerfile: the lock and its requirements inline, installed by hash, the
    wizard's doctor (in a venv of its own) as the last build step."""
    lock = _lock(env)
    if lock.sys_platform != "linux":
        raise RequestError(
            f"the lock of {env} is for {lock.sys_platform}; Docker images run Linux",
            "export --format requirements or pylock instead",
        )
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(lock.platform_machine, lock.platform_machine)
    reqs = requirements_text(lock)
    secrets = sorted(set(_ENV_REF.findall(reqs)))
    mounts = "".join(f"--mount=type=secret,id={s},env={s} " for s in secrets)
    cuda = lock.cuda_major()
    lines = [
        "# syntax=docker/dockerfile:1.10",
        f"# Rebuilds {env} (Python {lock.python}, {len(lock.packages)} locked packages); made by llm-setup-wizard {__version__}.",
        "# Build: docker build -t my-env -f Dockerfile ." + "".join(f" --secret id={s},env={s}" for s in secrets),
    ]
    if cuda is not None:
        lines += [
            f"# CUDA {cuda} build: the image carries CUDA's libraries in its wheels, not the driver. The host needs an",
            f"# NVIDIA driver that runs CUDA {cuda} and the NVIDIA Container Toolkit; run with `docker run --gpus all ...`.",
        ]
    lines += [
        f"FROM --platform=linux/{arch} python:{lock.python}-slim",
        "",
        *_heredoc(IMAGE_LOCK, lock_path(env).read_text("utf-8")),
        "",
        *_heredoc(IMAGE_REQUIREMENTS, reqs),
        "",
        f"RUN python -m venv {IMAGE_VENV}",
        f"RUN {mounts}{IMAGE_VENV}/bin/python -m pip install --no-deps --require-hashes -r {IMAGE_REQUIREMENTS}",
        f"ENV PATH={IMAGE_VENV}/bin:$PATH VIRTUAL_ENV={IMAGE_VENV}",
        "",
        "# The wizard's own checks, in a venv apart from the environment: the build fails when one fails.",
        "# (The wizard comes from the package index; to use a wheel of it instead, COPY it in and install that.)",
        f"RUN python -m venv /opt/wizard/tool && /opt/wizard/tool/bin/pip install llm-setup-wizard=={__version__} \\",
        f"    && /opt/wizard/tool/bin/python -m wizard doctor --env {IMAGE_VENV}",
    ]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Path], str]] = {
    "pylock": lambda env: (_lock(env), lock_path(env).read_text("utf-8"))[1],
    "requirements": _requirements,
    "answers": _answers,
    "environment-yml": _environment_yml,
    "dockerfile": _dockerfile,
}


def export(env_path: Path, fmt: str) -> str:
    return RENDERERS[fmt](open_env(env_path))


def write_export(text: str, out: Path, force: bool) -> None:
    """Write whole; an existing file is replaced only with `force` (RequestError otherwise)."""
    if out.is_dir():
        raise RequestError(f"{out} is a folder", "give a file name with -o")
    try:
        write_text(out, text, exclusive=not force)
    except FileExistsError:
        raise RequestError(f"{out} exists; nothing was written", "add --force to replace it") from None
    except OSError as exc:
        raise RequestError(f"cannot write {out}: {exc.strerror or exc}") from None
