"""Answers + Machine + Catalog → Plan. Pure decisions; nothing here changes the disk.

Everything that can refuse a request refuses here, before any step runs (exit 2, nothing created).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from packaging.version import Version

from wizard import builds, conda, envs, jupyter, preflight, uv
from wizard.answers import Answers, Index
from wizard.catalog import Catalog, IndexTable, expand
from wizard.machine import Machine, PythonInfo
from wizard.plan import Decision, Plan, Step, Target
from wizard.problems import RequestError
from wizard.pythons import MIN_TARGET, is_supported_target, parse_python_request, probe_interpreter
from wizard.redact import is_private_url
from wizard.verify import expectations, verification_steps, verify_spec

RAW_PROGRESS_PIP = Version("24.1")
PIP_COMMON = ("--no-input", "--disable-pip-version-check", "--no-color")
UV_COMMON = ("--index-strategy", "unsafe-best-match")  # choose among indexes as pip does (wizard.uv)


def _minor(v: str) -> str:
    return ".".join(v.rstrip("t").split(".")[:2]) + ("t" if v.endswith("t") else "")


def _key(p: PythonInfo) -> str:
    """An interpreter as the build choice reads it: '3.14.0t' for a free-threaded one."""
    return p.version + ("t" if p.free_threaded else "")


def _works_with(options: builds.BuildOptions) -> str:
    return ", ".join(options.works_with()) or "no Python the catalog knows"


def _preferred(options: builds.BuildOptions, version: str) -> tuple[int, Version, bool]:
    """Rank of a Python: first the one whose builds use the GPU for most frameworks, then the newest, then
    the ordinary build over a free-threaded one of the same version."""
    return options.gpu_count(version), Version(version.rstrip("t")), not version.endswith("t")


def _cannot_run(options: builds.BuildOptions, versions: list[str]) -> RequestError:
    """Which frameworks no offered Python can serve, and the Pythons that would work."""
    names = [t for t in options.titles.values() if all(t in options.unsupported(v) for v in versions)]
    shown = ", ".join(sorted({_minor(v) for v in versions}, key=lambda v: Version(v.rstrip("t"))))
    return RequestError(
        f"{', '.join(names) or 'this selection'} cannot run on Python {shown}",
        f"Pythons that work for this selection: {_works_with(options)}",
    )


def _choose_python(answers: Answers, machine: Machine, options: builds.BuildOptions) -> PythonInfo:
    """The requested interpreter, or the detected one that every chosen framework and build supports:
    the one whose builds use the GPU most, then the newest (TensorFlow with 3.14 and 3.12 → 3.12)."""
    request = parse_python_request(answers.environment.python) if answers.environment.python else None
    pool = [p for p in machine.pythons if is_supported_target(p)]
    if request and request.path:
        found = next((p for p in pool if request.accepts(p)), None)
        if found is None:
            path = os.path.expanduser(request.path)
            probed = probe_interpreter(path, "answers") if os.path.exists(path) else None
            if probed is None:
                raise RequestError(
                    f"no working Python interpreter at {request.path}", "give an existing interpreter or a version such as '3.11'"
                )
            if not is_supported_target(probed):
                raise RequestError(f"{request.path} is Python {probed.version}; the wizard targets 3.9 and newer")
            found = probed
        candidates = [found]
    else:
        candidates = [p for p in pool if request is None or request.accepts(p)]
        if not candidates:
            have = ", ".join(sorted({_minor(p.version) for p in pool}, key=Version, reverse=True)) or "none"
            if request is None:
                older = ", ".join(sorted({_minor(p.version) for p in machine.pythons}, key=Version)) or "none"
                raise RequestError(
                    f"no usable Python found: the wizard needs Python {MIN_TARGET} or newer (found: {older})",
                    "install a newer Python (e.g. with pyenv or your package manager)",
                )
            raise RequestError(
                f"no detected Python matches {request.text!r} (found: {have})",
                "install that Python (e.g. with pyenv or your package manager) or change environment.python",
            )
    fitting = [p for p in candidates if options.fits(_key(p))]
    if not fitting:
        raise _cannot_run(options, [_key(p) for p in candidates])
    # An interpreter that cannot make a venv is never preferred over one that can.
    return max(fitting, key=lambda p: (p.venv_ok, _preferred(options, _key(p))))


def python_version_for(answers: Answers, machine: Machine, options: builds.BuildOptions) -> str:
    """The Python version a new venv or conda environment gets for these builds (RequestError when none fits)."""
    if answers.environment.kind == "conda":
        return _conda_python(answers, options)
    return _choose_python(answers, machine, options).version


def _conda_python(answers: Answers, options: builds.BuildOptions) -> str:
    """conda installs any Python, so choose among the catalog's known versions, as for detected ones."""
    text = answers.environment.python
    request = parse_python_request(text) if text else None
    if request and request.path:
        raise RequestError(
            "a conda environment gets its Python from conda, not from an interpreter path",
            "give a version such as '3.12' in environment.python",
        )
    wanted = [
        v
        for v in options.pythons
        if request is None or request.spec is None or request.spec.contains(Version(v), prereleases=True)
    ]
    if not wanted:
        raise RequestError(f"no Python version the catalog knows matches {text!r}", f"give one of {', '.join(options.pythons)}")
    fitting = [v for v in wanted if options.fits(v)]
    if not fitting:
        raise _cannot_run(options, wanted)
    return max(fitting, key=lambda v: _preferred(options, v))


# where a URL that must stay out of argv goes, per installer: (variable, separator between values)
_PRIVATE_VARS = {
    "pip": {
        "--index-url": ("PIP_INDEX_URL", " "),
        "--extra-index-url": ("PIP_EXTRA_INDEX_URL", " "),
        "--find-links": ("PIP_FIND_LINKS", " "),
    },
    "uv": {
        "--index-url": ("UV_INDEX_URL", " "),
        "--extra-index-url": ("UV_EXTRA_INDEX_URL", " "),
        "--find-links": ("UV_FIND_LINKS", ","),
    },
}


def _index_options(index: Index, url: str | None = None, installer: str = "pip") -> tuple[list[str], tuple[tuple[str, str], ...]]:
    """The installer's index options (argv, environment); a decision's own index URL (e.g. PyTorch's)
    replaces the default index. URLs that carry a secret or a ${VAR} go to the installer through its
    environment (PIP_INDEX_URL, UV_INDEX_URL, ...): a child's argv is readable by every local user
    (`ps`), its environment only by its owner."""
    private_vars = _PRIVATE_VARS["uv" if installer == "uv" else "pip"]
    links = [f if "://" in f else os.path.abspath(os.path.expanduser(f)) for f in index.find_links]
    args: list[str] = []
    env: list[tuple[str, str]] = []

    def option(flag: str, values: list[str]) -> None:
        if any(is_private_url(v) for v in values):
            var, sep = private_vars[flag]
            env.append((var, sep.join(values)))
        else:
            args.extend(a for v in values for a in (flag, v))

    main = url or index.url
    if index.offline:
        args.append("--no-index")
    else:
        option("--index-url", [main] if main else [])
        option("--extra-index-url", list(index.extra_urls))
    option("--find-links", links)
    return args, tuple(env)


def _offline_has(index: Index, *projects: str) -> bool:
    """Whether the find_links folders hold a wheel of each project (what an offline venv seeds)."""
    folders = [f for link in index.find_links if (f := preflight.local_folder(link)) and f.is_dir()]
    return all(any(any(f.glob(f"{p}-*.whl")) for f in folders) for p in projects)


def _uv_seeds(python_version: str) -> tuple[str, ...]:
    """What `uv venv --seed` installs: pip, and setuptools and wheel before Python 3.12."""
    return ("pip",) if Version(python_version) >= Version("3.12") else ("pip", "setuptools", "wheel")


def _reusable(path: Path, folder: envs.FolderKind, python_version: str) -> bool:
    """Whether the target folder is an environment the wizard made with this Python (rerun), refusing
    anything else that is not new or empty."""
    if folder == "file":
        raise RequestError(f"{path} exists and is not a folder", "choose another environment path")
    state = envs.read_state(path)
    damage = envs.state_damage(path) if state is None and folder != "missing" else None
    if damage:
        raise RequestError(
            f"the wizard's record of {path} (.wizard/{envs.STATE_FILE}) is damaged: {damage}; "
            "what is in the folder is unknown, so nothing was touched",
            "remove the folder to start again, or use kind 'existing' to install into it",
        )
    if state is not None and state.get("creating") and not state.get("created"):
        if _minor(state.get("python_version", "")) != _minor(python_version):
            raise RequestError(
                f"{path} is an environment the wizard began with Python {state.get('python_version')} and did "
                f"not finish; this plan uses Python {python_version}",
                "remove the folder, or ask for that Python",
            )
        return False  # the wizard's own half-made environment (an interrupted creation): made again over it
    if folder == "other":
        raise RequestError(
            f"{path} exists, is not empty and is not an environment; nothing in it was touched", "choose a new or empty folder"
        )
    if folder not in ("venv", "conda"):
        return False
    if state is None or not state.get("created"):
        raise RequestError(
            f"{path} is an environment the wizard did not create; it will not install into it",
            "use kind 'existing' to install into it, or choose a new path",
        )
    made_with = envs.venv_version(path) or state.get("python_version", "")
    if _minor(made_with) != _minor(python_version):
        raise RequestError(
            f"{path} was made with Python {made_with}, but this plan uses Python {python_version}",
            "choose another path, or ask for that Python in environment.python",
        )
    return True


def _conda_target(answers: Answers, machine: Machine, options: builds.BuildOptions) -> Target:
    """A conda environment at environment.path, or named: in the tool's first envs directory."""
    env = answers.environment
    tool = conda.require_tool()
    prefix = Path(os.path.abspath(os.path.expanduser(env.path))) if env.path else conda.envs_dir(tool) / (env.name or "")
    version = _conda_python(answers, options)
    reuse = _reusable(prefix, envs.classify(prefix), version)
    return Target("conda", str(prefix), tool.path, version, str(envs.env_python(prefix, machine.os)), reuse=reuse)


def _resolve_target(answers: Answers, machine: Machine, options: builds.BuildOptions) -> Target:
    env = answers.environment
    if env.kind == "conda":
        return _conda_target(answers, machine, options)
    path = Path(os.path.abspath(os.path.expanduser(env.path or "")))
    folder = envs.classify(path)
    if env.kind == "existing":
        info = envs.existing_interpreter(
            path, "give the folder that holds pyvenv.cfg or conda-meta/, or use kind 'venv' to create one"
        )
        if info.externally_managed:
            raise RequestError(
                f"{path} is an externally managed (PEP 668) Python; the wizard will not install into it",
                "create a venv instead (kind 'venv')",
            )
        if env.python and not parse_python_request(env.python).accepts(info) and "/" not in env.python:
            raise RequestError(f"the environment at {path} has Python {info.version}, not {env.python}")
        if not options.fits(_key(info)):
            raise RequestError(
                f"the environment at {path} has Python {info.version}, which this selection does not support",
                f"Pythons that work: {_works_with(options)}",
            )
        return Target("existing", str(path), info.path, info.version, info.path, reuse=True, free_threaded=info.free_threaded)
    py = _choose_python(answers, machine, options)
    reuse = _reusable(path, folder, py.version)
    if not py.venv_ok:
        raise RequestError(
            f"Python {py.version} at {py.path} cannot create virtual environments (venv/ensurepip missing)",
            py.venv_hint or "install your distribution's venv package for that Python",
        )
    return Target(
        "venv",
        str(path),
        py.path,
        py.version,
        str(envs.env_python(path, machine.os)),
        reuse=reuse,
        free_threaded=py.free_threaded,
    )


def _pip(python: str, *args: str) -> tuple[str, ...]:
    return (python, "-m", "pip", *args)


def _installer_argv(answers: Answers, env_python: str, idx: list[str], reqs: list[str], progress: bool) -> tuple[str, ...]:
    """One install call: pip in the environment, or uv choosing among indexes as pip does (wizard.uv)."""
    if answers.options.installer == "uv":
        return (uv.uv_bin(), "pip", "install", "--python", env_python, *UV_COMMON, *idx, *reqs)
    return _pip(env_python, "install", *PIP_COMMON, *(("--progress-bar", "raw") if progress else ()), *idx, *reqs)


def _install_step(
    sid: str, title: str, why: str, answers: Answers, env_python: str, url: str | None, reqs: list[str], progress: bool
) -> Step:
    """An install step with its index options: in argv, or in the child's environment for URLs that carry secrets."""
    args, env = _index_options(answers.index, url, answers.options.installer)
    return Step(
        sid,
        "pip",
        title,
        why,
        _installer_argv(answers, env_python, args, reqs, progress),
        tuple(reqs),
        tuple(args),
        env,
        installer="uv" if answers.options.installer == "uv" else "",
    )


def _install_steps(target: Target, decisions: list[Decision], answers: Answers, progress: bool, catalog: Catalog) -> list[Step]:
    """One pip call per index: a build's own index (e.g. PyTorch's) serves only that build's packages."""
    extras = list(answers.packages)  # PyTorch's family among them goes to torch's own index, in its matching release
    torch = next((d for d in decisions if d.packages and d.packages[0].split("=")[0] == "torch"), None)
    if torch is not None and torch.index_url:
        family, extras = builds.family_pins(extras, torch, catalog)
        decisions = [replace(d, packages=(*d.packages, *family)) if d is torch else d for d in decisions]
    groups: dict[str | None, list[Decision]] = {}
    for d in decisions:
        groups.setdefault(d.index_url, []).append(d)
    tool = answers.options.installer
    steps: list[Step] = []
    pinned: list[str] = []  # packages from a special index, repeated later so pip never swaps their build
    for url, ds in groups.items():
        if url is None:
            continue
        reqs = [p for d in ds for p in d.packages]
        names = ", ".join(f"{d.framework} ({d.variant})" for d in ds)
        steps.append(
            _install_step(
                f"install-{ds[0].framework}", f"Install {names}", ds[0].why, answers, target.env_python, url, reqs, progress
            )
        )
        pinned += reqs
    rest = [p for d in groups.get(None, []) for p in d.packages] + extras
    if rest:
        titles = [d.framework for d in groups.get(None, [])] + (["extra packages"] if extras else [])
        reqs = pinned + rest
        steps.append(
            _install_step(
                "install",
                "Install " + ", ".join(titles),
                f"One {tool} call, so the resolver sees every requirement at once"
                + (" (and keeps the builds installed above)." if pinned else "."),
                answers,
                target.env_python,
                None,
                reqs,
                progress,
            )
        )
    return steps


def _mirrored(decisions: list[Decision], catalog: Catalog, mirror: str | None) -> list[Decision]:
    """Builds from PyTorch's per-variant indexes taken from the mirror instead: its base URL + the variant."""
    if not mirror:
        return decisions
    bases = [t.index_url.split("{tag}")[0] for t in catalog.builds.tables.values() if isinstance(t, IndexTable)]
    out = []
    for d in decisions:
        base = next((b for b in bases if d.index_url and d.index_url.startswith(b)), None)
        if base is not None and d.index_url:
            d = replace(
                d,
                index_url=mirror.rstrip("/") + "/" + d.index_url[len(base) :],
                why=d.why + " From your mirror of PyTorch's indexes (index.torch_mirror).",
            )
        out.append(d)
    return out


def _create_steps(target: Target, answers: Answers, upgrade: bool) -> list[Step]:
    """Make the environment. uv: `uv venv --seed` (pip seeded from the index). pip upgraded anyway:
    a venv without ensurepip's bundled pip (0.05 s instead of 2.6 s), then pip installed once from
    the same index by the wizard's own pip (`--python`). Else `python -m venv` with its bundled pip."""
    why = "An isolated environment keeps this setup's packages away from the system and other projects."
    title = f"Create a virtual environment with Python {target.python_version}"
    if target.kind == "conda":
        return [
            Step(
                "create-conda",
                "create",
                f"Create a conda environment with Python {target.python_version}",
                f"{Path(target.python).name} provides the Python; pip inside the environment installs the rest, "
                "so every build choice above holds as in a venv.",
                conda.create_argv(target.python, target.path, target.python_version),
            )
        ]
    if target.kind != "venv":
        return []
    seeds_at_hand = not answers.index.offline or _offline_has(answers.index, *_uv_seeds(target.python_version))
    if answers.options.installer == "uv" and seeds_at_hand:
        args, env = _index_options(answers.index, installer="uv")
        # --allow-existing: the wizard has just claimed the folder (made it, and recorded its intent in it)
        seed = (uv.uv_bin(), "venv", "--seed", "--allow-existing", "--python", target.python, *UV_COMMON, *args, target.path)
        return [
            Step(
                "create-venv",
                "create",
                title,
                why + " uv makes it, with pip in it for later use.",
                seed,
                _uv_seeds(target.python_version),
                tuple(args),
                env,
                installer="uv",
            )
        ]
    if not upgrade:
        return [Step("create-venv", "create", title, why, (target.python, "-m", "venv", target.path))]
    args, env = _index_options(answers.index)
    return [
        Step(
            "create-venv",
            "create",
            title,
            why + " Without ensurepip's bundled pip: the next step installs the newest once.",
            (target.python, "-m", "venv", "--without-pip", target.path),
        ),
        Step(
            "upgrade-pip",
            "pip",
            "Install pip",
            "The newest pip, from the same index as everything else (pip 24.1+ reports download progress); "
            "the wizard's own pip installs it, which is faster than upgrading ensurepip's.",
            (sys.executable, "-m", "pip", "--python", target.env_python, "install", *PIP_COMMON, *args, "pip"),
            ("pip",),
            tuple(args),
            env,
        ),
    ]


def make_plan(answers: Answers, machine: Machine, catalog: Catalog) -> Plan:
    """The whole plan, or RequestError/InputError when this machine cannot serve the request."""
    frameworks = expand(catalog, answers.profile, answers.frameworks)
    folder = answers.options.vscode_folder
    if folder and not Path(folder).expanduser().is_dir():
        raise RequestError(f"options.vscode_folder {folder} is not a folder", "give an existing project folder")
    custom_index = bool((answers.index.url and not answers.index.torch_mirror) or answers.index.offline)
    options = builds.candidates(frameworks, machine, answers.accelerator, catalog, custom_index)
    target = _resolve_target(answers, machine, options)
    decisions = _mirrored(options.pick(target.python_key), catalog, answers.index.torch_mirror)
    notes: list[str] = []
    steps: list[Step] = []
    upgrade = answers.options.upgrade_pip and target.kind == "venv" and answers.options.installer == "pip"
    if upgrade and answers.index.offline and not _offline_has(answers.index, "pip"):
        upgrade = False
        notes.append("pip is not upgraded: the offline wheelhouse holds no pip wheel.")
    steps += _create_steps(target, answers, upgrade)
    pip_now = None if upgrade else _current_pip(target, machine)
    progress = upgrade or (pip_now is not None and Version(pip_now) >= RAW_PROGRESS_PIP)
    steps += _install_steps(target, decisions, answers, progress, catalog)
    kernel = None
    if jupyter.wanted(answers.options.jupyter_kernel, frameworks, answers.packages):
        name = jupyter.kernel_name(Path(target.path), target.env_python)
        steps.append(jupyter.register_step(name, Path(target.path), target.env_python))
        kernel = {"name": name, "imports": [m for f in frameworks for m in catalog.frameworks[f].imports]}
    if answers.options.verify:
        expect = expectations(decisions, answers.accelerator)
        spec = verify_spec(catalog, frameworks, answers.packages, machine, expect, kernel=kernel)
        steps += verification_steps(target.env_python, spec)
    disk = preflight.disk_needed(decisions, "existing" if target.reuse else target.kind)  # a rerun's venv exists
    preflight.check_disk(disk, machine.disk_free_bytes, target.path)
    return Plan(target, tuple(frameworks), tuple(decisions), tuple(steps), disk, tuple(notes))


def _current_pip(target: Target, machine: Machine) -> str | None:
    """The pip that will run the installs: the env's own (reuse/existing) or the interpreter's bundled one."""
    if target.reuse and Path(target.env_python).exists():
        return envs.pip_version(Path(target.env_python))
    info = next((p for p in machine.pythons if p.path == target.python), None)
    return info.bundled_pip if info else None
