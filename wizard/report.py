"""What a run leaves in `<env>/.wizard/`: the effective answers, report.json and report.md.

The report is what a person attaches to a bug report, so besides the run it carries the fields of
`python -m torch.utils.collect_env` and `transformers env`, taken from the checks (which ran in the
environment itself), never from the wizard's own interpreter. Every string passes the credential
redaction on the way out.
"""

from __future__ import annotations

import json
import platform
import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import msgspec
from packaging.utils import canonicalize_name

from wizard import __version__, atomic
from wizard.answers import Answers, effective_answers
from wizard.events import Check, Diagnosis, Event
from wizard.machine import Machine
from wizard.plan import Plan
from wizard.redact import redact_text
from wizard.verify import ENV_CHECK, PACKAGES_CHECK

# The libraries `python -m torch.utils.collect_env` lists under "Versions of relevant libraries".
RELEVANT_LIBRARIES = re.compile(r"^(torch|numpy|triton|optree|onnx|mypy|flake8|nvidia-|pytorch-)")
NOT_INSTALLED = "not installed"


@dataclass
class StepRecord:
    id: str
    title: str
    status: str
    exit_code: int | None
    seconds: float
    reason: str | None = None
    tail: list[str] = field(default_factory=list)


@dataclass
class RunRecord:
    """Everything the report says about one run; filled in as the run goes."""

    started: datetime
    steps: list[StepRecord] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    exit_code: int = 0
    outcome: str = "ok"


def machine_summary(m: Machine) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(m)
    data["pythons"] = [f"{p['version']} {p['path']}" for p in data["pythons"]]
    return data


def _fields(e: Event) -> dict[str, Any]:
    return {k: v for k, v in e.to_dict().items() if k != "event"}


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [_redact(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact(v) for k, v in value.items()}
    return value


def _installed_builds(by: dict[str, Check]) -> dict[str, Any]:
    """What each framework turned out to be in the environment (ground truth, unlike the plan)."""

    def data(name: str) -> dict[str, Any]:
        return {k: v for k, v in by[name].data.items() if k != "warnings"} if name in by else {}

    out = {
        "pytorch": {**data("pytorch: build"), **data("pytorch: GPU available")},
        "tensorflow": {**data("tensorflow: build"), **data("tensorflow: GPUs")},
        "jax": data("jax: devices"),
    }
    return {k: v for k, v in out.items() if v}


def _collect_env(machine: Machine, env: dict[str, Any], torch: dict[str, Any], packages: dict[str, str]) -> dict[str, Any]:
    """The fields of `python -m torch.utils.collect_env`."""
    nv = machine.nvidia
    gpus = [f"GPU {d['index']}: {d['name']}" for d in torch.get("devices", [])] or ([g.name for g in nv.gpus] if nv else [])
    return {
        "PyTorch version": torch.get("version", NOT_INSTALLED),
        "Is debug build": torch.get("debug"),
        "CUDA used to build PyTorch": torch.get("cuda"),
        "ROCM used to build PyTorch": torch.get("hip"),
        "OS": env.get("platform") or f"{machine.os} {machine.distro or ''}".strip(),
        "GCC version": env.get("gcc"),
        "Libc version": env.get("libc"),
        "Python version": env.get("python"),
        "Python platform": env.get("platform"),
        "Is CUDA available": torch.get("available", False),
        "GPU models and configuration": gpus,
        "Nvidia driver version": nv.driver if nv else None,
        "cuDNN version": torch.get("cudnn"),
        "CPU": machine.cpu.model,
        "Versions of relevant libraries": [f"{n}=={v}" for n, v in sorted(packages.items()) if RELEVANT_LIBRARIES.match(n)],
    }


def _transformers_env(env: dict[str, Any], builds: dict[str, Any], packages: dict[str, str]) -> dict[str, Any]:
    """The fields of `transformers env`."""

    def v(name: str) -> str:
        return packages.get(name, NOT_INSTALLED)

    torch, tf, jax = builds.get("pytorch", {}), builds.get("tensorflow", {}), builds.get("jax", {})
    return {
        "transformers version": v("transformers"),
        "Platform": env.get("platform"),
        "Python version": env.get("python"),
        "Huggingface_hub version": v("huggingface-hub"),
        "Safetensors version": v("safetensors"),
        "Accelerate version": v("accelerate"),
        "DeepSpeed version": v("deepspeed"),
        "PyTorch version (accelerator?)": f"{v('torch')} ({'CUDA' if torch.get('available') else 'NA'})",
        "Tensorflow version (GPU?)": f"{v('tensorflow')} ({bool(tf.get('devices'))})",
        "Flax version (CPU?/GPU?/TPU?)": f"{v('flax')} ({jax.get('backend', 'NA')})",
        "Jax version": v("jax"),
        "JaxLib version": v("jaxlib"),
    }


def verification_sections(machine: Machine, checks: list[Check], diagnoses: list[Diagnosis]) -> dict[str, Any]:
    """The parts of a report that setup runs and `doctor` share."""
    by = {c.check: c for c in checks}
    env = by[ENV_CHECK].data if ENV_CHECK in by else {}
    rows = by[PACKAGES_CHECK].data.get("packages", []) if PACKAGES_CHECK in by else []
    packages = {str(canonicalize_name(r["name"])): r["version"] for r in rows}
    installed = _installed_builds(by)
    return {
        "packages": [{"name": r["name"], "version": r["version"]} for r in rows],
        "builds": {"installed": installed},
        "collect_env": _collect_env(machine, env, installed.get("pytorch", {}), packages),
        "transformers_env": _transformers_env(env, installed, packages),
        "checks": [_fields(c) for c in checks],
        "diagnoses": [_fields(d) for d in diagnoses],
    }


def _header(
    kind: str, started: datetime, outcome: str, exit_code: int, machine: Machine, environment: dict[str, Any]
) -> dict[str, Any]:
    return {
        "wizard_version": __version__,
        "kind": kind,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": {"platform": platform.platform(), "wizard_python": platform.python_version()},
        "outcome": outcome,
        "exit_code": exit_code,
        "machine": machine_summary(machine),
        "environment": environment,
    }


def report_dict(answers: Answers, machine: Machine, plan: Plan, run: RunRecord, log_path: Path) -> dict[str, Any]:
    """The report of a setup run."""
    t = plan.target
    report = _header(
        "setup",
        run.started,
        run.outcome,
        run.exit_code,
        machine,
        {"path": t.path, "kind": t.kind, "python_version": t.python_version, "env_python": t.env_python},
    )
    report.update(verification_sections(machine, run.checks, run.diagnoses))
    report["builds"]["planned"] = [d.to_dict() for d in plan.decisions]
    report.update(
        answers=effective_answers(answers), plan=plan.to_dict(), steps=[s.__dict__ for s in run.steps], log=str(log_path)
    )
    return cast("dict[str, Any]", _redact(report))


def doctor_report(
    machine: Machine,
    environment: dict[str, Any],
    checks: list[Check],
    diagnoses: list[Diagnosis],
    started: datetime,
    outcome: str,
    exit_code: int,
    log_path: Path,
) -> dict[str, Any]:
    """The report of `doctor` on an existing environment."""
    report = _header("doctor", started, outcome, exit_code, machine, environment)
    report.update(verification_sections(machine, checks, diagnoses))
    report["log"] = str(log_path)
    return cast("dict[str, Any]", _redact(report))


def _value(v: Any) -> str:
    if isinstance(v, list):
        return ", ".join(map(str, v)) or "–"
    return "–" if v is None else str(v)


def activate_command(kind: str, path: str, os_name: str) -> str:
    """The line that activates an environment in the shell a person is likely to use there."""
    if kind == "conda" or (Path(path) / "conda-meta").is_dir():
        return f"conda activate {shlex.quote(path)}"
    if os_name == "windows":
        return f"{path}\\Scripts\\activate"
    return f"source {shlex.quote(str(Path(path) / 'bin' / 'activate'))}"


# A section about a framework's environment only when that framework is installed.
_FRAMEWORK_SECTIONS = (
    ("PyTorch environment (collect_env)", "collect_env", "torch"),
    ("Transformers environment", "transformers_env", "transformers"),
)


def render_markdown(r: dict[str, Any]) -> str:
    env, m = r["environment"], r["machine"]
    gpus = (m.get("nvidia") or {}).get("gpus") or []
    lines = [
        f"# Environment report: {env['path']}",
        "",
        f"- Outcome: **{r['outcome']}** (exit code {r['exit_code']}); {r['kind']} run",
        f"- Started {r['started']}, finished {r['finished']}; wizard {r['wizard_version']}",
        f"- Environment: {env['kind']} with Python {env['python_version']} (`{env['env_python']}`)",
        f"- Activate: `{activate_command(env['kind'], env['path'], m['os'])}`",
        f"- Machine: {m['os']} {m['arch']}{' (WSL)' if m.get('wsl') else ''}, {m['cpu']['model'] or 'CPU'} "
        f"({m['cpu']['cores']} cores), {m['memory_bytes'] / 2**30:.1f} GiB RAM",
        f"- GPUs: {', '.join(g['name'] for g in gpus) if gpus else 'none detected'}",
        f"- Log: `{r['log']}`",
    ]
    if r["diagnoses"]:
        lines += ["", "## Diagnoses"]
        for d in r["diagnoses"]:
            lines += [
                "",
                f"### {'✗' if d['severity'] == 'error' else '⚠'} {d['cause']}",
                "",
                *(f"- {e}" for e in d["evidence"]),
                "",
                f"Fix: {d['fix']}",
            ]
            if d["command"]:
                lines += ["", "```", d["command"], "```"]
    lines += [
        "",
        "## Checks",
        "",
        *(f"- {'✓' if c['ok'] else '✗'} {c['check']}: {c['detail']} ({c['seconds']:.1f} s)" for c in r["checks"]),
    ]
    if not r["checks"]:
        lines.append("- (no checks ran)")
    if "plan" in r:
        lines += [
            "",
            "## Decisions",
            "",
            *(f"- **{d['framework']}** → `{d['variant']}`: {d['why']}" for d in r["plan"]["decisions"]),
            "",
            "## Steps",
            "",
            "| step | status | exit | seconds |",
            "|---|---|---|---|",
            *(
                f"| {s['title']} | {s['status']} | {s['exit_code'] if s['exit_code'] is not None else '–'} | {s['seconds']:.1f} |"
                for s in r["steps"]
            ),
        ]
    installed = {canonicalize_name(p["name"]) for p in r["packages"]}
    for title, key, package in _FRAMEWORK_SECTIONS:
        if package in installed:
            lines += ["", f"## {title}", "", *(f"- {k}: {_value(v)}" for k, v in r[key].items())]
    lines += [
        "",
        f"## Packages ({len(r['packages'])})",
        "",
        ", ".join(f"{p['name']} {p['version']}" for p in r["packages"]) or "(not listed)",
    ]
    for s in (s for s in r.get("steps", []) if s["status"] == "failed"):
        lines += ["", f"## Output of the failed step: {s['title']}", "", "```", *s["tail"][-20:], "```"]
    return "\n".join(lines) + "\n"


def write_report(meta: Path, report: dict[str, Any], stem: str = "report") -> dict[str, str]:
    """Write <stem>.json and <stem>.md into `<env>/.wizard/`; returns their paths. The previous
    run's report is kept as <stem>.prev.*, so a rerun never loses what the last run found."""
    files = {"report_json": meta / f"{stem}.json", "report_md": meta / f"{stem}.md"}
    for path in files.values():
        if path.exists():
            path.replace(path.with_suffix(f".prev{path.suffix}"))
    atomic.write_text(files["report_json"], json.dumps(report, indent=2, default=str) + "\n")
    atomic.write_text(files["report_md"], render_markdown(report))
    return {k: str(v) for k, v in files.items()}


def write_env_files(meta: Path, answers: Answers, report: dict[str, Any]) -> dict[str, str]:
    """Write answers.json and the report into `<env>/.wizard/`; returns their paths."""
    answers_file = meta / "answers.json"
    atomic.write_text(answers_file, json.dumps(effective_answers(answers), indent=2) + "\n")
    return {"answers": str(answers_file), **write_report(meta, report)}
