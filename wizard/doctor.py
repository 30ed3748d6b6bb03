"""`python -m wizard doctor --env PATH`: the checks and diagnoses of a setup run, on any existing
environment, changing nothing in it.

Which frameworks to check is read from the environment (every catalog framework whose packages are
installed), and what they should use from the machine (its GPUs), since there is no plan. No
environment is written to, not even one the wizard made: the report is printed (Markdown, or a
`report` event with --json) and the log goes to the user's state directory.

Doctor runs programs from the folder it is pointed at (its interpreter, and what that imports):
that is its job, so it first refuses a folder that is not an environment, before running anything.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from wizard import envs
from wizard.catalog import load_catalog
from wizard.diagnose import diagnose, observe
from wizard.events import Check, Diagnosis, Done, Emit, Event, Report
from wizard.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from wizard.machine import Machine, PythonInfo
from wizard.paths import path_problem, state_dir, user_path
from wizard.problems import RequestError
from wizard.report import doctor_report
from wizard.runner import RunLog, Runner
from wizard.verify import no_checks, pip_check, verification_steps, verify_spec

TIME_LIMIT_S = 3600.0  # the whole run; each check and each check process has its own, shorter limit
OUTCOMES = {
    EXIT_OK: ("ok", "every check passed"),
    EXIT_FAILED: ("failed", "a check failed"),
    EXIT_INTERRUPTED: ("cancelled", "interrupted"),
}


def open_environment(path: Path) -> tuple[Path, PythonInfo]:
    """The environment's folder and interpreter; RequestError (exit 2) when PATH is not an environment."""
    problem = path_problem(str(path))
    if problem:
        raise RequestError(f"--env {path}: {problem}")
    env = user_path(str(path))
    return env, envs.existing_interpreter(env, "give the folder that holds pyvenv.cfg or conda-meta/")


def _registered_kernel(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Jupyter kernel the wizard registered for this environment, while its spec is still there:
    the verification starts it (and imports nothing more, as doctor does not know what was chosen)."""
    kernel = (state or {}).get("jupyter_kernel") or {}
    name, folder = kernel.get("name"), kernel.get("dir")
    if isinstance(name, str) and isinstance(folder, str) and (Path(folder) / "kernel.json").is_file():
        return {"name": name, "imports": []}
    return None


@dataclass
class Doctor:
    """One doctor run; `cancel()` may be called from a signal handler."""

    env: Path
    python: PythonInfo
    machine: Machine
    emit: Emit
    checks: list[Check] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    runner: Runner | None = None
    cancelled: bool = False
    time_limit_s: float = TIME_LIMIT_S
    timed_out: bool = False

    def cancel(self) -> None:
        self.cancelled = True
        if self.runner is not None:
            self.runner.cancel()

    def _time_up(self) -> None:
        self.timed_out = True
        self.cancel()

    def _emit(self, event: Event) -> None:
        if isinstance(event, Check):
            self.checks.append(event)
        elif isinstance(event, Diagnosis):
            self.diagnoses.append(event)
        self.emit(event)

    def run(self) -> int:
        started = datetime.now(timezone.utc)
        catalog = load_catalog()
        state = envs.read_state(self.env)
        made_by_wizard = state is not None
        logs = state_dir() / "logs"
        log = RunLog(logs / f"doctor-{started.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log")
        spec = verify_spec(catalog, catalog.frameworks, [], self.machine, {}, True, _registered_kernel(state))
        steps = verification_steps(self.python.path, spec, read_only=True)
        self.runner = runner = Runner(log, self._emit)
        if self.cancelled:
            runner.cancel()
        probe_failed = False
        timer = threading.Timer(self.time_limit_s, self._time_up)
        timer.daemon = True
        timer.start()
        try:
            for i, step in enumerate(steps, 1):
                before = len(self.checks)
                result = runner.run(step, i, len(steps))
                if runner.cancelled:
                    break
                if step.kind == "check":
                    self._emit(pip_check(result.status == "ok", result.tail))
                elif result.status != "ok":
                    probe_failed = True
                elif len(self.checks) == before:
                    self._emit(no_checks())
        finally:
            timer.cancel()
            log.close()
        if self.timed_out:
            self._emit(Check("doctor: time limit", False, f"stopped after {self.time_limit_s:.0f} s, the whole run's limit"))
        if runner.cancelled and not self.timed_out:
            code = EXIT_INTERRUPTED
        else:
            for d in diagnose(observe(self.checks, self.machine, catalog, self.python.path, self.python.version)):
                self._emit(d)
            code = EXIT_FAILED if self.timed_out or probe_failed or any(not c.ok for c in self.checks) else EXIT_OK
        environment = {
            "path": str(self.env),
            "kind": envs.classify(self.env),
            "python_version": self.python.version,
            "env_python": self.python.path,
            "made_by_wizard": made_by_wizard,
        }
        outcome, summary = OUTCOMES[code]
        report = doctor_report(self.machine, environment, self.checks, self.diagnoses, started, outcome, code, log.path)
        self.emit(Report(report))
        self.emit(Done(code, summary, str(self.env), {"log": str(log.path)}))
        return code
