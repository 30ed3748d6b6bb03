"""What a run leaves in `<env>/.wizard/`: the effective answers, report.json and report.md."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec

from wizard import __version__
from wizard.answers import Answers, effective_answers
from wizard.events import Check
from wizard.machine import Machine
from wizard.plan import Plan
from wizard.redact import redact_text


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
    exit_code: int = 0
    outcome: str = "ok"


def machine_summary(m: Machine) -> dict[str, Any]:
    data = msgspec.to_builtins(m)
    data["pythons"] = [f"{p['version']} {p['path']}" for p in data["pythons"]]
    return data


def report_dict(answers: Answers, machine: Machine, plan: Plan, run: RunRecord, log_path: Path) -> dict[str, Any]:
    return {
        "wizard_version": __version__,
        "started": run.started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "host": {"platform": platform.platform(), "wizard_python": platform.python_version()},
        "outcome": run.outcome,
        "exit_code": run.exit_code,
        "machine": machine_summary(machine),
        "answers": effective_answers(answers),
        "plan": plan.to_dict(),
        "steps": [{**s.__dict__, "tail": [redact_text(t) for t in s.tail]} for s in run.steps],
        "checks": [{k: v for k, v in c.to_dict().items() if k != "event"} for c in run.checks],
        "log": str(log_path),
    }


def render_markdown(r: dict[str, Any]) -> str:
    env = r["plan"]["environment"]
    m = r["machine"]
    gpus = (m.get("nvidia") or {}).get("gpus") or []
    lines = [
        f"# Environment report: {env['path']}",
        "",
        f"- Outcome: **{r['outcome']}** (exit code {r['exit_code']})",
        f"- Started {r['started']}, finished {r['finished']}; wizard {r['wizard_version']}",
        f"- Environment: {env['kind']} with Python {env['python_version']} (`{env['env_python']}`)",
        f"- Machine: {m['os']} {m['arch']}{' (WSL)' if m.get('wsl') else ''}, {m['cpu']['model'] or 'CPU'} "
        f"({m['cpu']['cores']} cores), {m['memory_bytes'] / 2**30:.1f} GiB RAM",
        f"- GPUs: {', '.join(g['name'] for g in gpus) if gpus else 'none detected'}",
        f"- Log: `{r['log']}`",
        "",
        "## Decisions",
        "",
        *(f"- **{d['framework']}** → `{d['variant']}`: {d['why']}" for d in r["plan"]["decisions"]),
        "",
        "## Steps",
        "",
        "| step | status | exit | seconds |",
        "|---|---|---|---|",
        *(f"| {s['title']} | {s['status']} | {s['exit_code'] if s['exit_code'] is not None else '–'} | {s['seconds']:.1f} |"
          for s in r["steps"]),
        "",
        "## Checks",
        "",
        *(f"- {'✓' if c['ok'] else '✗'} {c['check']}: {c['detail']}" for c in r["checks"]),
    ]
    if not r["checks"]:
        lines.append("- (no checks ran)")
    failed = [s for s in r["steps"] if s["status"] == "failed"]
    for s in failed:
        lines += ["", f"## Output of the failed step: {s['title']}", "", "```", *s["tail"][-20:], "```"]
    return "\n".join(lines) + "\n"


def write_env_files(meta: Path, answers: Answers, report: dict[str, Any]) -> dict[str, str]:
    """Write answers.json, report.json and report.md into `<env>/.wizard/`; returns their paths."""
    meta.mkdir(parents=True, exist_ok=True)
    files = {"answers": meta / "answers.json", "report_json": meta / "report.json", "report_md": meta / "report.md"}
    files["answers"].write_text(json.dumps(effective_answers(answers), indent=2) + "\n", "utf-8")
    files["report_json"].write_text(json.dumps(report, indent=2, default=str) + "\n", "utf-8")
    files["report_md"].write_text(render_markdown(report), "utf-8")
    return {k: str(v) for k, v in files.items()}
