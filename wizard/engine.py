"""The engine: validate → plan → run → verify → report. The TUI and the headless mode both drive this.

`prepare` does everything that can refuse (exit 2) without touching the disk; `execute` runs the
plan, streaming Events, and writes the answers, report and log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from wizard import envs, rerun
from wizard.answers import Answers, load_answers
from wizard.catalog import Catalog, load_catalog
from wizard.diagnose import diagnose, observe
from wizard.events import Check, Diagnosis, Done, Emit, Error, Event, PlanReady, StepFinished, StepStarted
from wizard.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK  # noqa: F401 - part of the engine API
from wizard.machine import Machine, load_machine
from wizard.paths import env_meta_dir, state_dir
from wizard.plan import Plan, Step
from wizard.planner import make_plan
from wizard.preflight import check_find_links
from wizard.problems import RequestError
from wizard.report import RunRecord, StepRecord, report_dict, write_env_files
from wizard.resolve import cuda_in_cpu_request, resolve_plan, source_builds
from wizard.runner import RunLog, Runner
from wizard.uv import pip_config, with_pip_config
from wizard.verify import pip_check

SATISFIED_PROBE = Path(__file__).parent / "probes" / "satisfied_probe.py"


@dataclass
class Prepared:
    answers: Answers
    machine: Machine
    catalog: Catalog
    plan: Plan


def detect_or_load(machine_file: Path | None, target: Path | None) -> Machine:
    """The machine file when given (trusted, nothing probed), else detection at `target`."""
    if machine_file is not None:
        return load_machine(machine_file)
    from wizard.detect import detect_machine

    return detect_machine(target)


def prepare(answers: Answers, machine: Machine, catalog: Catalog | None = None) -> Prepared:
    """Plan, refusing (RequestError) what this machine cannot serve; nothing is created and no
    network is used (the index preflight runs at the start of `Execution.run`)."""
    catalog = catalog or load_catalog()
    _check_env_refs(answers)
    return Prepared(answers, machine, catalog, make_plan(answers, machine, catalog))


def prepare_files(answers_file: Path, machine_file: Path | None) -> Prepared:
    catalog = load_catalog()
    answers = load_answers(answers_file, catalog)
    target = Path(answers.environment.path).expanduser() if answers.environment.path else None
    return prepare(answers, detect_or_load(machine_file, target), catalog)


def preflight(prepared: Prepared) -> Plan:
    """The plan with pip's resolution of every install step a rerun will not skip (wizard.resolve):
    exact versions, for the review and the report. RequestError when a requirement does not resolve,
    or a CPU request would get a GPU build of torch. Source builds become plan notes."""
    plan = prepared.plan
    check_find_links(prepared.answers)
    state = envs.read_state(Path(plan.target.path)) or {}
    verified_at = rerun.last_passed(plan, state)
    done = frozenset(s.id for s in plan.steps if s.kind == "pip" and _skip_reason(s, plan, state, verified_at))
    resolution = resolve_plan(plan, skip=done)
    if any(d.variant == "cpu" for d in plan.decisions):
        gpu = cuda_in_cpu_request(resolution, [d.framework for d in plan.decisions if d.variant == "cpu"], prepared.machine.os)
        if gpu:
            raise RequestError(gpu, "serve PyTorch's CPU build: set index.torch_mirror to a mirror of PyTorch's indexes, "
                                    "or put the +cpu wheel in find_links")
    notes = source_builds(resolution, plan.target.python_version)
    return replace(plan, notes=(*plan.notes, *notes), resolution=resolution)


def _check_env_refs(answers: Answers) -> None:
    urls = [answers.index.url or "", answers.index.torch_mirror or "", *answers.index.extra_urls, *answers.index.find_links]
    for name in sorted({m for u in urls for m in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", u)}):
        if name not in os.environ:
            raise RequestError(f"the index URL names ${{{name}}}, but that environment variable is not set",
                               f"export {name}=... before running the wizard")


def _fingerprint(step: Step) -> str:
    return hashlib.sha256(json.dumps(step.display_argv()).encode()).hexdigest()[:16]


def _satisfied(python: str, requirements: tuple[str, ...]) -> bool:
    try:
        return subprocess.run([python, "-I", str(SATISFIED_PROBE), *requirements], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _skip_reason(step: Step, plan: Plan, state: dict, verified_at: str | None = None) -> str | None:
    """Why a rerun can skip this step, or None to run it. `verified_at`: when verification last passed
    on this very environment (wizard.rerun), so nothing installed since can have broken a requirement."""
    if step.kind == "create" and plan.target.reuse:
        return "the environment exists; the wizard made it"
    if step.kind == "pip" and _fingerprint(step) in state.get("steps", {}) and (
            verified_at or _satisfied(plan.target.env_python, step.requirements)):
        return "already done, and every requirement is still satisfied"
    if step.kind in ("verify", "check") and verified_at:
        return f"nothing changed since verification passed on {verified_at}; --verify checks again"
    return None


@dataclass
class Execution:
    """One run of a plan; `cancel()` may be called from a signal handler or the UI thread."""

    prepared: Prepared
    emit: Emit
    check_indexes: bool = True          # the network preflight; tests of the steps alone turn it off
    force_verify: bool = False          # verify even when nothing changed since it last passed (--verify)
    record: RunRecord = field(default_factory=lambda: RunRecord(datetime.now(timezone.utc)))
    runner: Runner | None = None
    files: dict[str, str] = field(default_factory=dict)

    def cancel(self) -> None:
        self.record.outcome = "cancelled"
        if self.runner is not None:
            self.runner.cancel()

    def _emit(self, event: Event) -> None:
        if isinstance(event, Check):
            self.record.checks.append(event)
        elif isinstance(event, Diagnosis):
            self.record.diagnoses.append(event)
        self.emit(event)

    def run(self) -> int:
        """Preflight, then every step; the exit code (2: refused by the preflight, nothing changed)."""
        plan = self.prepared.plan
        if any(s.installer == "uv" for s in plan.steps):   # uv does not read pip.conf: give it what pip would use
            config = pip_config()
            plan = replace(plan, steps=tuple(with_pip_config(s, config) if s.installer == "uv" else s for s in plan.steps))
            self.prepared = replace(self.prepared, plan=plan)
        if self.check_indexes:
            try:
                self.prepared = replace(self.prepared, plan=preflight(self.prepared))
            except RequestError as exc:
                self.emit(Error(exc.message, exc.hint))
                self.emit(Done(EXIT_INVALID, f"refused before anything changed: {exc.message}", None, {}))
                return EXIT_INVALID
        plan = self.prepared.plan
        env = Path(plan.target.path)
        stamp = self.record.started.strftime("%Y%m%d-%H%M%S")
        log = RunLog((env_meta_dir(env) if plan.target.reuse else state_dir()) / "logs" / f"{stamp}.log")
        self.runner = runner = Runner(log, self._emit)
        if self.record.outcome == "cancelled":
            runner.cancel()
        self.emit(PlanReady(plan.to_dict()))
        state = envs.read_state(env) or {"created": False, "steps": {}}
        verified_at = None if self.force_verify else rerun.last_passed(plan, state)
        failed = changed = verified = False
        try:
            for i, step in enumerate(plan.steps, 1):
                if failed or runner.cancelled:
                    break
                reason = _skip_reason(step, plan, state, None if changed else verified_at)
                if reason:
                    self._skipped(step, i, len(plan.steps), reason)
                    continue
                result = runner.run(step, i, len(plan.steps))
                self.record.steps.append(StepRecord(step.id, step.title, result.status, result.exit_code, result.seconds,
                                                    tail=result.tail if result.status != "ok" else []))
                if step.kind == "check" and result.status != "cancelled":
                    self._emit(pip_check(result.status == "ok", result.tail))
                    continue
                if result.status != "ok":
                    failed = True
                    continue
                changed = changed or step.kind in ("create", "pip")
                verified = verified or step.kind == "verify"
                if step.kind == "create":
                    state = {"created": True, "python_version": plan.target.python_version, "steps": {}}
                    envs.write_state(env, state)
                    log.move_to(env_meta_dir(env) / "logs" / log.path.name)
                elif step.kind == "pip":
                    state.setdefault("steps", {})[_fingerprint(step)] = step.id
                    if state.get("created") or plan.target.kind == "existing":
                        envs.write_state(env, state)
            if verified and not failed and not runner.cancelled and all(c.ok for c in self.record.checks) and (
                    state.get("created") or plan.target.kind == "existing"):
                envs.write_state(env, rerun.record_pass(plan, state))
            return self._finish(log, env, failed)
        finally:
            log.close()

    def _skipped(self, step: Step, index: int, total: int, reason: str) -> None:
        self.emit(StepStarted(step.id, step.title, index, total, step.display_argv(), None))
        self.emit(StepFinished(step.id, "skipped", None, 0.0, reason))
        self.record.steps.append(StepRecord(step.id, step.title, "skipped", None, 0.0, reason))

    def _diagnose(self) -> None:
        """Explain what failed (or looks wrong) from the checks, the machine and the failed steps' output."""
        p, rec = self.prepared, self.record
        output = [line for s in rec.steps if s.status == "failed" for line in s.tail]
        obs = observe(rec.checks, p.machine, p.catalog, p.plan.target.env_python, p.plan.target.python_version, output)
        for d in diagnose(obs):
            self._emit(d)

    def _finish(self, log: RunLog, env: Path, failed: bool) -> int:
        rec = self.record
        if self.runner is not None and self.runner.cancelled:
            rec.outcome, rec.exit_code = "cancelled", EXIT_INTERRUPTED
        elif failed or any(not c.ok for c in rec.checks):
            rec.outcome, rec.exit_code = "failed", EXIT_FAILED
        else:
            rec.outcome, rec.exit_code = "ok", EXIT_OK
        if rec.outcome != "cancelled":
            self._diagnose()
        touched = envs.read_state(env) is not None or self.prepared.plan.target.kind == "existing"
        if touched:
            p = self.prepared
            self.files = write_env_files(env_meta_dir(env), p.answers, report_dict(p.answers, p.machine, p.plan, rec, log.path))
        self.files["log"] = str(log.path)
        summary = {"ok": "environment ready", "failed": "a step or check failed",
                   "cancelled": "interrupted"}[rec.outcome]
        self.emit(Done(rec.exit_code, summary, str(env) if touched else None, dict(self.files)))
        return rec.exit_code
