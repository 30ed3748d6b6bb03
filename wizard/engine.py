"""The engine: validate → plan → run → verify → report. The TUI and the headless mode both drive this.

`prepare` does everything that can refuse (exit 2) without touching the disk; `execute` runs the
plan, streaming Events, and writes the answers, report and log.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from wizard import envs, jupyter, proc, registry, rerun, vscode
from wizard.answers import Answers, load_answers
from wizard.atomic import write_text
from wizard.catalog import Catalog, load_catalog
from wizard.events import Check, Diagnosis, Done, Emit, Error, Event, PlanReady, StepFinished, StepStarted
from wizard.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from wizard.lock import EnvLock
from wizard.machine import Machine, load_machine
from wizard.paths import env_meta_dir, state_dir, user_path
from wizard.plan import Plan, Step
from wizard.planner import make_plan
from wizard.preflight import check_find_links
from wizard.problems import RequestError
from wizard.report import RunRecord, StepRecord, report_dict, write_env_files
from wizard.runner import RunLog, Runner
from wizard.uv import pip_config, with_pip_config
from wizard.verify import no_checks, pip_check

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
    target = user_path(answers.environment.path) if answers.environment.path else None
    return prepare(answers, detect_or_load(machine_file, target), catalog)


def preflight(prepared: Prepared) -> Plan:
    """The plan with pip's resolution of every install step a rerun will not skip (wizard.resolve):
    exact versions, for the review and the report. RequestError when a requirement does not resolve,
    or a CPU request would get a GPU build of torch. Source builds become plan notes."""
    from wizard.resolve import cuda_in_cpu_request, resolve_plan, source_builds  # a real run's: not --dry-run's

    plan = prepared.plan
    check_find_links(prepared.answers)
    state = envs.read_state(Path(plan.target.path)) or {}
    settled = rerun.unchanged_since_success(plan, state)
    done = frozenset(s.id for s in plan.steps if s.kind == "pip" and _skip_reason(s, plan, state, settled=settled))
    newer = None
    if "pytorch" in plan.frameworks and any(
        s.kind == "pip" and s.id not in done for s in plan.steps
    ):  # a rerun may install nothing
        from wizard.catalog_check import newer_torch_soon  # httpx: only when torch is installed

        newer = newer_torch_soon(prepared.catalog, _torch_index(prepared))
    resolution = resolve_plan(plan, skip=done)
    if any(d.variant == "cpu" for d in plan.decisions):
        gpu = cuda_in_cpu_request(resolution, [d.framework for d in plan.decisions if d.variant == "cpu"], prepared.machine.os)
        if gpu:
            raise RequestError(
                gpu,
                "serve PyTorch's CPU build: set index.torch_mirror to a mirror of PyTorch's indexes, "
                "or put the +cpu wheel in find_links",
            )
    notes = source_builds(resolution, plan.target.python_version)
    if newer is not None and (note := newer()):
        notes.append(note)
    return replace(plan, notes=(*plan.notes, *notes), resolution=resolution)


def _torch_index(prepared: Prepared) -> str:
    """Where the run gets torch: its build's own index, else the answers' index, else PyPI ("" offline)."""
    index = prepared.answers.index
    own = next((d.index_url for d in prepared.plan.decisions if d.framework == "pytorch" and d.index_url), None)
    return "" if index.offline else own or index.url or "https://pypi.org/simple/"


def _check_env_refs(answers: Answers) -> None:
    urls = [answers.index.url or "", answers.index.torch_mirror or "", *answers.index.extra_urls, *answers.index.find_links]
    for name in sorted({m for u in urls for m in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", u)}):
        if name not in os.environ:
            raise RequestError(
                f"the index URL names ${{{name}}}, but that environment variable is not set",
                f"export {name}=... before running the wizard",
            )


def _fingerprint(step: Step) -> str:
    shown = step.display_argv() + [f"{k}={v}" for k, v in step.display_env().items()]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


def _satisfied(python: str, requirements: tuple[str, ...]) -> bool:
    """Requirements travel on stdin: a long list would overflow argv."""
    done = proc.run([python, "-I", str(SATISFIED_PROBE), "-"], 60, stdin="\n".join(requirements).encode())
    return done is not None and done.returncode == 0


_ARCH_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64"}


def _arch(name: str) -> str:
    return _ARCH_ALIASES.get(name.lower(), name.lower())


def check_host(machine: Machine) -> None:
    """A machine file is for planning; a real run refuses one that contradicts this host."""
    host_os, host_arch = platform.system().lower(), platform.machine().lower()
    if machine.os != host_os or _arch(machine.arch) != _arch(host_arch):
        raise RequestError(
            f"the machine file describes {machine.os} {machine.arch}, but this is {host_os} {host_arch}; "
            "a real run needs this machine's facts",
            "use the machine file with --dry-run only, or leave --machine out",
        )


def _skip_reason(step: Step, plan: Plan, state: dict, verified_at: str | None = None, settled: bool = False) -> str | None:
    """Why a rerun can skip this step, or None to run it. `verified_at`: when verification last passed
    on this very environment (wizard.rerun); `settled`: the environment is as the last successful run
    left it. Either way nothing installed since can have broken a requirement, so none is probed."""
    if step.kind == "create" and plan.target.reuse:
        return "the environment exists; the wizard made it"
    if (
        step.kind == "pip"
        and _fingerprint(step) in state.get("steps", {})
        and (verified_at or settled or _satisfied(plan.target.env_python, step.requirements))
    ):
        return "already done, and every requirement is still satisfied"
    if step.kind in ("verify", "check") and verified_at:
        return f"nothing changed since verification passed on {verified_at}; --verify checks again"
    return None


def _unclaim(env: Path, made_folder: bool) -> None:
    """A creation that failed before making anything leaves nothing behind: the intent record goes,
    and the folder too when this run made it. Anything more (a half-made venv) keeps the record."""
    meta = env_meta_dir(env)
    try:
        if {p.name for p in env.iterdir()} <= {meta.name} and {p.name for p in meta.iterdir()} <= {envs.STATE_FILE}:
            (meta / envs.STATE_FILE).unlink(missing_ok=True)
            meta.rmdir()
            if made_folder:
                env.rmdir()
    except OSError:
        pass


@dataclass
class Execution:
    """One run of a plan; `cancel()` may be called from a signal handler or the UI thread."""

    prepared: Prepared
    emit: Emit
    check_indexes: bool = True  # the network preflight; tests of the steps alone turn it off
    force_verify: bool = False  # verify even when nothing changed since it last passed (--verify)
    record: RunRecord = field(default_factory=lambda: RunRecord(datetime.now(timezone.utc)))
    runner: Runner | None = None
    files: dict[str, str] = field(default_factory=dict)
    lock_text: str | None = None  # --locked: the lock it installed, saved as the environment's lock
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.record.outcome = "cancelled"
        self._cancelled.set()
        if self.runner is not None:
            self.runner.cancel()
        proc.cancel_all()  # a probe or a preflight child running outside a step

    def _refuse(self, exc: RequestError, what: str = "refused before anything changed") -> int:
        self.emit(Error(exc.message, exc.hint))
        self.emit(Done(EXIT_INVALID, f"{what}: {exc.message}", None, {}))
        return EXIT_INVALID

    def _interruptible(self, work: Callable[[], Plan]) -> Plan | None:
        """Run `work` (the network preflight) so that a cancel acts at once: None when cancelled."""
        box: dict[str, object] = {}
        finished = threading.Event()

        def target() -> None:
            try:
                box["value"] = work()
            except BaseException as exc:
                box["error"] = exc
            finished.set()

        threading.Thread(target=target, name="preflight", daemon=True).start()
        while not finished.wait(0.1):
            if self._cancelled.is_set():
                return None
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]

    def _emit(self, event: Event) -> None:
        if isinstance(event, Check):
            self.record.checks.append(event)
        elif isinstance(event, Diagnosis):
            self.record.diagnoses.append(event)
        self.emit(event)

    def run(self) -> int:
        """Take the environment's lock, preflight, then every step; the exit code (2: refused by the
        host check, the lock or the preflight, nothing changed)."""
        try:
            check_host(self.prepared.machine)
            lock = EnvLock.acquire(Path(self.prepared.plan.target.path))
        except RequestError as exc:
            return self._refuse(exc)
        try:
            return self._run_locked()
        finally:
            lock.release()

    def _run_locked(self) -> int:
        plan = self.prepared.plan
        if any(s.installer == "uv" for s in plan.steps):  # uv does not read pip.conf: give it what pip would use
            config = pip_config()
            plan = replace(plan, steps=tuple(with_pip_config(s, config) if s.installer == "uv" else s for s in plan.steps))
            self.prepared = replace(self.prepared, plan=plan)
        if self.check_indexes:
            try:
                checked = self._interruptible(lambda: preflight(self.prepared))
            except RequestError as exc:
                return self._refuse(exc)
            if checked is None:
                self.emit(Done(EXIT_INTERRUPTED, "interrupted before anything changed", None, {}))
                return EXIT_INTERRUPTED
            self.prepared = replace(self.prepared, plan=checked)
        plan = self.prepared.plan
        env = Path(plan.target.path)
        stamp = self.record.started.strftime("%Y%m%d-%H%M%S")
        try:
            log = RunLog((env_meta_dir(env) if plan.target.reuse else state_dir()) / "logs" / f"{stamp}-{os.getpid()}.log")
        except OSError as exc:
            self.emit(Error(f"cannot write the run's log: {exc.strerror or exc}"))
            self.emit(Done(EXIT_FAILED, "a step or check failed", None, {}))
            return EXIT_FAILED
        self.runner = runner = Runner(log, self._emit)
        if self.record.outcome == "cancelled":
            runner.cancel()
        self.emit(PlanReady(plan.to_dict()))
        try:
            return self._steps(plan, env, log, runner)
        finally:
            log.close()

    def _steps(self, plan: Plan, env: Path, log: RunLog, runner: Runner) -> int:
        state = envs.read_state(env) or {"created": False, "steps": {}}
        verified_at = None if self.force_verify else rerun.last_passed(plan, state)
        settled = rerun.unchanged_since_success(plan, state)
        failed = changed = verified = False
        try:
            for i, step in enumerate(plan.steps, 1):
                if failed or runner.cancelled:
                    break
                reason = _skip_reason(step, plan, state, None if changed else verified_at, settled and not changed)
                if reason:
                    self._skipped(step, i, len(plan.steps), reason)
                    continue
                if step.kind == "create":
                    try:
                        made_folder = self._claim_folder(env)
                    except RequestError as exc:
                        return self._refuse(exc, "refused: nothing was created")
                checks_before = len(self.record.checks)
                result = runner.run(step, i, len(plan.steps))
                self.record.steps.append(
                    StepRecord(
                        step.id,
                        step.title,
                        result.status,
                        result.exit_code,
                        result.seconds,
                        tail=result.tail if result.status != "ok" else [],
                    )
                )
                if step.kind == "check" and result.status != "cancelled":
                    self._emit(pip_check(result.status == "ok", result.tail))
                    continue
                if step.kind == "verify" and result.status == "ok" and len(self.record.checks) == checks_before:
                    self._emit(no_checks())
                if result.status != "ok":
                    failed = True
                    if step.kind == "create":
                        _unclaim(env, made_folder)
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
                elif step.kind == "kernel":
                    state["jupyter_kernel"] = jupyter.kernel_record(step)
                    envs.write_state(env, state)
            if (
                not failed
                and not runner.cancelled
                and all(c.ok for c in self.record.checks)
                and (state.get("created") or plan.target.kind == "existing")
            ):
                after = rerun.record_success(plan, state, verified)
                if after != state:  # an unchanged rerun writes nothing
                    envs.write_state(env, after)
        except OSError as exc:  # disk full, a folder turned read-only: a failed run, with the reason
            failed = True
            self._emit(Error(f"cannot write {exc.filename or 'a file'}: {exc.strerror or exc}"))
        return self._finish(log, env, failed)

    def _claim_folder(self, env: Path) -> bool:
        """Just before the environment is made: the folder must still be what the plan saw (missing,
        empty, or the wizard's own half-made venv), since the preflight ran in between. For a venv
        the intent is recorded first, so a rerun after an interruption recognises the half-made
        environment as its own and finishes it. True when the folder was made here."""
        target = self.prepared.plan.target
        folder = envs.classify(env)
        state = envs.read_state(env)
        ours = bool(state and state.get("creating") and not state.get("created"))
        if folder == "missing" and target.kind == "venv":
            try:
                env.mkdir(parents=True)  # exclusive: fails when someone made it in the meantime
            except FileExistsError:
                raise RequestError(
                    f"{env} appeared while the wizard was checking the indexes; nothing was touched",
                    "choose a new or empty folder",
                ) from None
        elif folder not in ("missing", "empty") and not ours:
            raise RequestError(
                f"{env} changed since the plan was made (now: {folder}); nothing in it was touched",
                "choose a new or empty folder",
            )
        if target.kind == "venv":
            envs.write_state(env, {"created": False, "creating": True, "python_version": target.python_version, "steps": {}})
        return folder == "missing"

    def _skipped(self, step: Step, index: int, total: int, reason: str) -> None:
        self.emit(StepStarted(step.id, step.title, index, total, step.display_argv(), None))
        self.emit(StepFinished(step.id, "skipped", None, 0.0, reason))
        self.record.steps.append(StepRecord(step.id, step.title, "skipped", None, 0.0, reason))

    def _diagnose(self) -> None:
        """Explain what failed (or looks wrong) from the checks, the machine and the failed steps' output."""
        from wizard.diagnose import diagnose, observe  # after a run: not --dry-run's

        p, rec = self.prepared, self.record
        output = [line for s in rec.steps if s.status == "failed" for line in s.tail]
        obs = observe(rec.checks, p.machine, p.catalog, p.plan.target.env_python, p.plan.target.python_version, output)
        for d in diagnose(obs):
            self._emit(d)

    def _write_lock(self, env: Path) -> None:
        """`<env>/.wizard/pylock.toml`, the exact environment (wizard.pylock); a warning when pip can't say."""
        from wizard.pylock import LockError, lock_path, take_lock, to_toml

        kinds = {s.id: s.kind for s in self.prepared.plan.steps}
        if (
            lock_path(env).is_file()
            and self.lock_text is None
            and not any(kinds.get(s.id) == "pip" and s.status == "ok" for s in self.record.steps)
        ):
            self.files["lock"] = str(lock_path(env))  # nothing was installed: the lock still holds, no index asked
            return
        try:
            text = self.lock_text or to_toml(take_lock(self.prepared.plan, self.prepared.answers.index))
        except LockError as exc:
            self._emit(
                Diagnosis(
                    "no-lock",
                    "warning",
                    "the environment works, but no lock file was written",
                    [str(exc)],
                    "rerun when the index serves the installed versions again; answers.json still replays the intent",
                )
            )
            return
        write_text(lock_path(env), text)
        self.files["lock"] = str(lock_path(env))

    def _point_vscode(self, env: Path) -> None:
        """options.vscode_folder: the interpreter setting, or (a file with comments) the line to add."""
        folder = self.prepared.answers.options.vscode_folder
        if not folder:
            return
        python = self.prepared.plan.target.env_python
        path, written = vscode.set_interpreter(Path(folder), python)
        if written:
            state = envs.read_state(env)
            if state is not None and state.get("created"):
                envs.write_state(env, {**state, "vscode_settings": str(path)})
            self.files["vscode_settings"] = str(path)
        else:
            self._emit(
                Diagnosis(
                    "vscode-settings-kept",
                    "warning",
                    f"{path} has comments, is not plain JSON or cannot be written; the wizard left it as it is",
                    [str(path)],
                    "add this line to it yourself",
                    vscode.setting_line(python),
                )
            )

    def _register(self, env: Path) -> None:
        """This run in the list of environments the wizard made (wizard.registry)."""
        state = envs.read_state(env)
        if state is None or not state.get("created"):
            return
        t, rec = self.prepared.plan.target, self.record
        registry.update(
            str(env),
            registry.run_fields(
                t.kind,
                t.python_version,
                {d.framework: d.variant for d in self.prepared.plan.decisions},
                rec.outcome,
                rec.outcome == "ok" and bool(rec.checks),
                {
                    "kernel": (state.get("jupyter_kernel") or {}).get("name"),
                    "kernel_dir": (state.get("jupyter_kernel") or {}).get("dir"),
                },
            ),
        )

    def _finish(self, log: RunLog, env: Path, failed: bool) -> int:
        rec = self.record
        log.flush()
        if log.error is not None:
            failed = True
            self._emit(Error(log.error))
        if self.runner is not None and self.runner.cancelled:
            rec.outcome, rec.exit_code = "cancelled", EXIT_INTERRUPTED
        elif failed or any(not c.ok for c in rec.checks):
            rec.outcome, rec.exit_code = "failed", EXIT_FAILED
        else:
            rec.outcome, rec.exit_code = "ok", EXIT_OK
        touched = envs.read_state(env) is not None or self.prepared.plan.target.kind == "existing"
        if rec.outcome == "ok" and touched:
            try:
                self._write_lock(env)
            except OSError as exc:  # disk full, a folder turned read-only: the previous lock stays
                self._emit(Error(f"cannot write the lock: {exc.strerror or exc}"))
                rec.outcome, rec.exit_code = "failed", EXIT_FAILED
            self._point_vscode(env)
        try:
            self._register(env)
        except OSError as exc:
            self._emit(
                Diagnosis(
                    "not-registered",
                    "warning",
                    "this run is missing from `wizard list`",
                    [f"{exc.strerror or exc}"],
                    "make the state directory writable and rerun",
                )
            )
        if rec.outcome != "cancelled":
            self._diagnose()
        if touched:
            p = self.prepared
            try:
                self.files = {
                    **write_env_files(env_meta_dir(env), p.answers, report_dict(p.answers, p.machine, p.plan, rec, log.path)),
                    **self.files,
                }
            except OSError as exc:
                self._emit(Error(f"cannot write the report: {exc.strerror or exc}; the previous files were kept"))
                if rec.outcome == "ok":
                    rec.outcome, rec.exit_code = "failed", EXIT_FAILED
        self.files["log"] = str(log.path)
        summary = {"ok": "environment ready", "failed": "a step or check failed", "cancelled": "interrupted"}[rec.outcome]
        self.emit(Done(rec.exit_code, summary, str(env) if touched else None, dict(self.files)))
        return rec.exit_code
