"""The Answers model: the one shape a person's choices take, from the TUI or an answers file.

One definition gives validation (wizard.validation), defaults, the published JSON Schema and the
effective answers written back after a run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from wizard.catalog import Catalog
from wizard.jsonfile import read_json
from wizard.paths import path_problem
from wizard.problems import InputError, Problem, did_you_mean, index_path
from wizard.redact import has_credentials, redact_url
from wizard.validation import convert, problems_for

SCHEMA_ID = "https://github.com/llm-setup-wizard/llm-setup-wizard/assets/answers.schema.json"
SUPPORTED_VERSION = 1

EnvKind = Literal["venv", "existing", "conda"]
ACCELERATOR_PATTERN = r"^(auto|cpu|cuda|rocm|mps|xpu|cu\d{2,3}|rocm\d+\.\d+(\.\d+)?)$"
Accelerator = Annotated[
    str,
    msgspec.Meta(
        pattern=ACCELERATOR_PATTERN,
        description=(
            "One of auto (the best this machine runs), cpu, cuda, rocm, mps, xpu, or an index variant such as cu126, cu130, "
            "rocm7.2 (like uv's --torch-backend), e.g. for a machine other than this one"
        ),
    ),
]
NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class Environment(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where to install: a new venv, an existing venv or conda env, or a new conda env."""

    kind: Annotated[
        EnvKind, msgspec.Meta(description="venv: create one; existing: install into it; conda: create a conda env")
    ] = "venv"
    path: Annotated[
        NonEmpty | None, msgspec.Meta(description="Folder of the environment; ~ is expanded. Required for venv and existing.")
    ] = None
    name: Annotated[NonEmpty | None, msgspec.Meta(description="conda only: the environment's name (or give path).")] = None
    python: Annotated[
        NonEmpty | None,
        msgspec.Meta(
            description="A version ('3.11'), a specifier ('>=3.10,<3.13') or an interpreter path."
            " Absent: the newest interpreter every chosen framework supports."
        ),
    ] = None


class Index(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Where packages come from. URLs may name ${ENV_VARS} for credentials, which are never saved."""

    url: Annotated[NonEmpty | None, msgspec.Meta(description="Replaces PyPI (pip --index-url).")] = None
    extra_urls: list[NonEmpty] = msgspec.field(default_factory=list)
    find_links: Annotated[
        list[NonEmpty], msgspec.Meta(description="Folders (file://) or pages of wheels (pip --find-links).")
    ] = msgspec.field(default_factory=list)
    offline: Annotated[bool, msgspec.Meta(description="Use only find_links; no index is contacted.")] = False
    torch_mirror: Annotated[
        NonEmpty | None,
        msgspec.Meta(
            description="Base URL of a mirror of PyTorch's per-variant indexes (https://download.pytorch.org/whl/ by default);"
            " the variant (cpu, cu130, rocm7.1) is appended."
        ),
    ] = None


class Options(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    upgrade_pip: Annotated[bool, msgspec.Meta(description="Upgrade pip in the new environment first, as the seeds do.")] = True
    verify: Annotated[bool, msgspec.Meta(description="Run the verification checks after installing.")] = True
    jupyter_kernel: Annotated[
        bool | None,
        msgspec.Meta(
            description="Register the environment as a Jupyter kernel for the user and start it once to prove it."
            " Absent: yes when Jupyter or ipykernel is chosen."
        ),
    ] = None
    vscode_folder: Annotated[
        NonEmpty | None,
        msgspec.Meta(
            description="A project folder whose .vscode/settings.json gets python.defaultInterpreterPath for this environment."
        ),
    ] = None
    installer: Annotated[
        Literal["pip", "uv"],
        msgspec.Meta(description="pip, or uv (fast install: uv makes the venv, with pip seeded, and installs)."),
    ] = "pip"


class Answers(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A complete, replayable setup: `python -m wizard --answers FILE`."""

    version: Annotated[Literal[1], msgspec.Meta(description="Format version of this file.")]
    environment: Environment
    profile: Annotated[
        NonEmpty | None,
        msgspec.Meta(description="A profile from the catalog (classic-ml, llm-finetune, ...), expanded into frameworks."),
    ] = None
    frameworks: Annotated[list[NonEmpty], msgspec.Meta(description="Framework ids from the catalog.")] = msgspec.field(
        default_factory=list
    )
    packages: Annotated[
        list[NonEmpty],
        msgspec.Meta(description="Extra PEP 508 requirements: names, extras, specifiers, markers. No pip options."),
    ] = msgspec.field(default_factory=list)
    accelerator: Accelerator = "auto"
    index: Index = msgspec.field(default_factory=Index)
    options: Options = msgspec.field(default_factory=Options)


def schema() -> dict[str, Any]:
    """The JSON Schema generated from the model (assets/answers.schema.json is this output)."""
    body = msgspec.json.schema(Answers)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "LLM setup wizard answers",
        **body,
    }


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True) + "\n"


# ---- semantic checks (the model gives shape; these give meaning) -------------------------------

_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CONDA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_SHELLISH = re.compile(r"[|&`$\\\n\r]")


def _check_requirement(text: str, path: str, out: list[Problem]) -> None:
    from packaging.requirements import InvalidRequirement, Requirement

    stripped = text.strip()
    if stripped.startswith("-"):
        out.append(
            Problem(
                path,
                f"{text!r} is a pip option, not a requirement",
                "put index settings under $.index; editable installs are not supported",
            )
        )
        return
    if _SHELLISH.search(stripped):
        out.append(
            Problem(path, f"{text!r} contains characters a shell would read", "give a name, extras, specifiers and markers only")
        )
        return
    try:
        req = Requirement(stripped)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "unparsable"
        out.append(
            Problem(path, f"{text!r} is not a valid PEP 508 requirement: {reason}", "e.g. 'rich>=13' or 'uvicorn[standard]'")
        )
        return
    if req.url:
        out.append(
            Problem(
                path,
                f"direct URL requirements are not supported ({redact_url(req.url)})",
                "serve the file from an index or $.index.find_links",
            )
        )


def _check_url(text: str, path: str, out: list[Problem], allow_path: bool = False) -> None:
    """Messages name the place, never the URL: a malformed one cannot be masked reliably."""
    from urllib.parse import urlsplit

    if allow_path and "://" not in text:
        return  # a plain folder for --find-links; checked for existence at preflight
    try:
        parts = urlsplit(_ENV_VAR.sub("x", text))
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        out.append(
            Problem(
                path,
                "not a valid URL (a bad port, or a password holding '/', '?' or '#')",
                "percent-encode the password, or put it in an environment variable: https://user:${TOKEN}@host/simple/",
            )
        )
        return
    if "://" not in text or not parts.scheme.isalpha():
        out.append(Problem(path, "URL has no scheme://", "use http://, https:// or file://"))
    elif parts.scheme not in ("http", "https", "file"):
        out.append(Problem(path, f"unsupported URL scheme {parts.scheme}:", "use http://, https:// or file://"))
    elif parts.scheme != "file" and not parts.hostname:
        out.append(Problem(path, "URL has no host"))
    if any(c.isspace() for c in text):
        out.append(Problem(path, "URL contains whitespace"))


def _check_python(text: str, path: str, out: list[Problem]) -> None:
    from wizard.pythons import parse_python_request

    try:
        parse_python_request(text)
    except ValueError as exc:
        out.append(Problem(path, str(exc), "e.g. '3.11', '>=3.10,<3.13' or /usr/bin/python3.12"))


def semantic_problems(a: Answers, catalog: Catalog) -> list[Problem]:
    """Problems of meaning: unknown ids, bad requirements and URLs, missing env locations."""
    out: list[Problem] = []
    env = a.environment
    if env.kind in ("venv", "existing") and not env.path:
        out.append(Problem("$.environment.path", f"required for kind '{env.kind}'", 'e.g. "~/envs/llm"'))
    if env.kind != "conda" and env.name:
        out.append(Problem("$.environment.name", "only used with kind 'conda'", "use path"))
    if env.kind == "conda":
        if not env.name and not env.path:
            out.append(Problem("$.environment", "kind 'conda' needs a name or a path"))
        if env.name and not _CONDA_NAME.match(env.name):
            out.append(
                Problem(
                    "$.environment.name",
                    f"{env.name!r} is not a valid conda environment name",
                    "letters, digits, '.', '_' and '-', starting with a letter or digit",
                )
            )
    path_error = path_problem(env.path) if env.path else None
    if path_error:
        out.append(Problem("$.environment.path", path_error))
    if env.python:
        _check_python(env.python, "$.environment.python", out)
    if a.profile is not None and a.profile not in catalog.profiles:
        out.append(
            Problem(
                "$.profile",
                f"unknown profile {a.profile!r}",
                did_you_mean(a.profile, catalog.profiles) or "one of " + ", ".join(sorted(catalog.profiles)),
            )
        )
    seen: set[str] = set()
    for i, fid in enumerate(a.frameworks):
        if fid not in catalog.frameworks:
            out.append(
                Problem(
                    index_path("$.frameworks", i),
                    f"unknown framework {fid!r}",
                    did_you_mean(fid, catalog.frameworks) or "see `python -m wizard frameworks`",
                )
            )
        elif fid in seen:
            out.append(Problem(index_path("$.frameworks", i), f"{fid!r} is listed twice"))
        seen.add(fid)
    for i, req in enumerate(a.packages):
        _check_requirement(req, index_path("$.packages", i), out)
    idx = a.index
    if idx.url:
        _check_url(idx.url, "$.index.url", out)
    for i, u in enumerate(idx.extra_urls):
        _check_url(u, index_path("$.index.extra_urls", i), out)
    for i, u in enumerate(idx.find_links):
        _check_url(u, index_path("$.index.find_links", i), out, allow_path=True)
    if idx.torch_mirror:
        _check_url(idx.torch_mirror, "$.index.torch_mirror", out)
    if idx.offline and (idx.url or idx.extra_urls or idx.torch_mirror):
        out.append(
            Problem(
                "$.index.offline",
                "offline installs contact no index, but index.url, extra_urls or torch_mirror is set",
                "remove the URLs or set offline to false",
            )
        )
    if idx.offline and not idx.find_links:
        out.append(Problem("$.index.find_links", "offline installs need at least one find_links folder"))
    return out


def _without(data: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """A copy of `data` without the keys that have structural problems, and with required keys
    filled, so the semantic checks can still report on everything else in the same pass."""
    import copy

    clean = copy.deepcopy(data)
    for prob in problems:
        keys = re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)", prob.path.split("[", 1)[0])
        node: Any = clean
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and keys:
            node.pop(keys[-1], None)
    clean["version"] = SUPPORTED_VERSION
    if not isinstance(clean.get("environment"), dict):
        clean["environment"] = {}
    return clean


def parse_answers(data: Any, catalog: Catalog, source: str) -> Answers:
    """Decoded JSON → Answers, or InputError listing every structural and semantic problem."""
    if isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] > SUPPORTED_VERSION:
        raise InputError(
            source,
            [
                Problem(
                    "$.version",
                    f"answers version {data['version']} is newer than this wizard understands ({SUPPORTED_VERSION})",
                    "upgrade the wizard",
                )
            ],
        )
    structural = problems_for(data, Answers)
    if structural and not isinstance(data, dict):
        raise InputError(source, structural)
    if structural:
        try:
            partial = msgspec.convert(_without(data, structural), Answers, strict=True)
        except msgspec.ValidationError:
            raise InputError(source, structural) from None
        reported = {p.path for p in structural}
        extra = [p for p in semantic_problems(partial, catalog) if p.path not in reported]
        raise InputError(source, sorted([*structural, *extra], key=lambda p: p.path))
    answers = convert(data, Answers, source)
    problems = semantic_problems(answers, catalog)
    if problems:
        raise InputError(source, problems)
    return answers


def load_answers(path: Path, catalog: Catalog) -> Answers:
    return parse_answers(read_json(path, "answers file"), catalog, str(path))


def effective_answers(a: Answers) -> dict[str, Any]:
    """The answers as saved for replay: every default filled in, literal credentials removed."""
    data: dict[str, Any] = msgspec.to_builtins(a)
    idx = data["index"]
    for key in ("url", "torch_mirror"):
        if idx[key]:
            idx[key] = redact_url(idx[key], drop=True)
    idx["extra_urls"] = [redact_url(u, drop=True) for u in idx["extra_urls"]]
    idx["find_links"] = [redact_url(u, drop=True) for u in idx["find_links"]]
    return data


def saved_with_secrets_dropped(a: Answers) -> bool:
    urls = [a.index.url or "", a.index.torch_mirror or "", *a.index.extra_urls, *a.index.find_links]
    return any(has_credentials(u, ignore_env_refs=True) for u in urls)
