"""Small questions the screens (and the headless mode) ask the engine, answered with the planner's
own rules so that what a screen approves the plan accepts: where can the environment go, which
frameworks and builds are available here, what this machine should be warned about, what state a
run left, and how to use or replay the result.

No Textual here: the screens render these answers and collect choices.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import msgspec
from packaging.version import InvalidVersion, Version

from wizard import builds, conda, envs, preflight, report
from wizard.answers import Answers, EnvKind, semantic_problems
from wizard.catalog import Catalog, IndexTable, expand
from wizard.events import Done, StepFinished, StepStarted
from wizard.exit_codes import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK
from wizard.machine import Machine, PythonInfo
from wizard.paths import nearest_existing
from wizard.plan import Decision, Target
from wizard.planner import python_version_for
from wizard.problems import RequestError

SEEDS = (
    "“The seeds” are the two beginner setup guides this wizard follows (docs/verification.md); checks "
    "named “seeds: …” rerun their example programs."
)


def explain_seeds(text: str) -> str:
    """The text, with what "the seeds" means appended when it mentions them."""
    return f"{text}\n\n{SEEDS}" if "seed" in text.lower() else text


@dataclass(frozen=True)
class Verdict:
    """Whether a choice can go ahead, and the sentence that says what happens or what is wrong."""

    ok: bool
    message: str


@dataclass(frozen=True)
class Availability:
    """What a framework gets here: its build decision, or why it cannot be installed."""

    decision: Decision | None
    problem: str | None


def _problem_text(exc: RequestError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def _env_path(answers: Answers) -> Path:
    return Path(os.path.abspath(os.path.expanduser(answers.environment.path or "")))


# ---- where the environment can go -------------------------------------------------------------------


def measured_at_target(machine: Machine, answers: Answers, detected: bool) -> Machine:
    """A detected machine measured free space where detection ran; headless detection measures it at
    the environment's folder, so the wizard measures there too (a machine file's figure is kept)."""
    if not detected or not answers.environment.path:
        return machine
    free = shutil.disk_usage(nearest_existing(_env_path(answers))).free
    return msgspec.structs.replace(machine, disk_free_bytes=free)


def environment_kinds() -> dict[EnvKind, str | None]:
    """Each kind of environment, with why it cannot be chosen here (None: it can)."""
    no_conda = None if conda.find_tool() else "needs conda, mamba or micromamba on PATH; none was found"
    return {"venv": None, "conda": no_conda, "existing": None}


def disk_need(answers: Answers, machine: Machine, catalog: Catalog) -> int | None:
    """The planner's disk estimate for these answers (bytes), or None when no Python fits them yet
    (the frameworks screen says why)."""
    frameworks = expand(catalog, answers.profile, answers.frameworks)
    custom_index = bool(answers.index.url or answers.index.offline)
    try:
        options = builds.candidates(frameworks, machine, answers.accelerator, catalog, custom_index)
        if answers.environment.kind == "existing":
            version = envs.venv_version(_env_path(answers))
        else:
            version = python_version_for(answers, machine, options)
        decisions = options.pick(version)
    except (RequestError, ValueError):
        return None
    return preflight.disk_needed(decisions, answers.environment.kind)


def _space(answers: Answers, machine: Machine, catalog: Catalog) -> str | None:
    need = disk_need(answers, machine, catalog)
    try:
        preflight.check_disk(need or 0, machine.disk_free_bytes, str(_env_path(answers)))
    except RequestError as exc:
        return _problem_text(exc)
    return None


def location(answers: Answers, machine: Machine, catalog: Catalog) -> Verdict:
    """Whether the answers' environment can go where they say, and what the wizard will do there.
    `machine` is measured where the planner measures (`measured_at_target`)."""
    env = answers.environment
    problems = [
        p for p in semantic_problems(answers, catalog) if p.path.startswith("$.environment") and p.path != "$.environment.python"
    ]
    if problems:
        return Verdict(False, problems[0].message + (f" ({problems[0].hint})" if problems[0].hint else ""))
    if env.kind == "conda":
        why_not = environment_kinds()["conda"]
        if why_not:
            return Verdict(False, f"A conda environment {why_not}.")
        if not env.path:
            return Verdict(True, f"A new conda environment named {env.name} will be created.")
    path = _env_path(answers)
    folder = envs.classify(path)
    if env.kind == "existing":
        if folder == "missing":
            return Verdict(False, "No such folder.")
        if folder not in ("venv", "conda"):
            return Verdict(False, "Not a virtual environment or conda environment (no pyvenv.cfg or conda-meta/ here).")
        if not os.access(path, os.W_OK):
            return Verdict(False, "No permission to write in this environment.")
        space = _space(answers, machine, catalog)
        kind = "conda" if folder == "conda" else "virtual"
        return Verdict(space is None, space or f"A {kind} environment: packages will be installed into it.")
    if folder == "file":
        return Verdict(False, "This is a file, not a folder.")
    if folder == "other":
        return Verdict(False, "This folder is not empty and is not an environment; choose a new or empty folder.")
    if folder in ("venv", "conda"):
        if envs.read_state(path) is None:
            return Verdict(False, "An environment the wizard did not create: choose Existing environment to install into it.")
        return Verdict(True, "The wizard made this environment: it is reused, and finished steps are skipped.")
    parent = nearest_existing(path)
    if not os.access(parent, os.W_OK):
        return Verdict(False, f"No permission to create folders in {parent}.")
    space = _space(answers, machine, catalog)
    if space:
        return Verdict(False, space)
    return Verdict(
        True, "The new environment will be created here." if folder == "empty" else "A new folder will be created here."
    )


# ---- frameworks and builds ----------------------------------------------------------------------------


def framework_availability(fid: str, answers: Answers, machine: Machine, catalog: Catalog) -> Availability:
    """The build this framework gets here with the answers' Python and accelerator, by the planner's
    own choice of Python, or why it cannot be installed."""
    alone = msgspec.structs.replace(answers, profile=None, frameworks=[fid], packages=[])
    custom_index = bool(answers.index.url or answers.index.offline)
    try:
        options = builds.candidates(expand(catalog, None, [fid]), machine, answers.accelerator, catalog, custom_index)
        version = None if answers.environment.kind == "existing" else python_version_for(alone, machine, options)
        decision = next(d for d in options.pick(version) if d.framework == fid)
    except RequestError as exc:
        return Availability(None, _problem_text(exc))
    except ValueError as exc:  # a Python request the answers model would reject anyway
        return Availability(None, str(exc))
    return Availability(decision, None)


def default_profile(machine: Machine, catalog: Catalog) -> str:
    """The profile a newcomer starts from: LLM fine-tuning where a GPU can run it, else classic ML
    (fine-tuning an LLM on CPUs alone is not a first setup anyone should be steered into)."""
    gpu = bool(machine.nvidia and machine.nvidia.gpus and machine.nvidia.driver) or bool(machine.rocm) or machine.os == "darwin"
    for pid in ("llm-finetune",) * gpu + ("classic-ml",):
        if pid in catalog.profiles:
            return pid
    return next(iter(catalog.profiles))


# ---- what this machine should be warned about --------------------------------------------------------


def machine_warnings(machine: Machine, catalog: Catalog) -> list[str]:
    """What this machine means for a setup, beyond detection's own warnings: a driver too old for
    current CUDA builds, and less disk than the largest profile needs (the planner's estimate)."""
    out = []
    driver = machine.nvidia.driver if machine.nvidia else None
    need = builds.min_driver(machine, catalog, 12)
    try:
        old = driver is not None and need is not None and Version(driver) < Version(need)
    except InvalidVersion:
        old = False
    if old:
        out.append(
            f"driver {driver} is older than {need}, the oldest that runs CUDA 12 builds: frameworks get "
            "older CUDA builds or CPU builds here; a newer driver gives current ones"
        )
    free = machine.disk_free_bytes
    if free is not None:
        from wizard.answers import Environment

        probe = Answers(version=1, environment=Environment(kind="venv", path="."))
        largest = max(
            (disk_need(msgspec.structs.replace(probe, profile=p), machine, catalog) or 0 for p in catalog.profiles), default=0
        )
        if free < largest:
            out.append(f"{free / 1e9:.1f} GB free: the largest profile needs about {largest / 1e9:.1f} GB")
    return out


# ---- what a run left ---------------------------------------------------------------------------------


def run_state(done: Done, target: Target, started: list[StepStarted], finished: dict[str, StepFinished]) -> str:
    """What a person needs to know after the run: is the environment usable, partly there, or absent."""
    ok_steps = [s.title for s in started if finished.get(s.step) and finished[s.step].status in ("ok", "skipped")]
    stopped = next((s for s in started if s.step not in finished or finished[s.step].status in ("failed", "cancelled")), None)
    if done.exit_code == EXIT_OK:
        return f"✓ The environment at {target.path} is ready."
    if done.exit_code == EXIT_INVALID:
        return f"✗ The preflight {done.summary}. Nothing was created or installed."
    if done.exit_code != EXIT_INTERRUPTED and stopped is None:
        return f"✗ Everything installed into {target.path}, but some checks failed: see the next screen."
    verb = "Cancelled" if done.exit_code == EXIT_INTERRUPTED else "Failed"
    where = f" during step {stopped.index} ({stopped.title})" if stopped else ""
    if done.environment:
        kept = f" Finished: {', '.join(ok_steps)}." if ok_steps else ""
        return (
            f"{verb}{where}. The environment at {target.path} exists but is not complete.{kept} "
            "Packages of the interrupted step may be partly installed. Run the wizard again with the same "
            "answers to finish: finished steps are skipped."
        )
    if target.kind != "existing" and not target.reuse and Path(target.path).exists():
        return (
            f"{verb}{where}, while the environment was being created: {target.path} is incomplete and not "
            "usable. Delete it before trying again."
        )
    return f"{verb}{where}. Nothing was created."


def environment_usable(done: Done | None) -> bool:
    """Whether to tell a person to activate the environment: only when every step finished."""
    return (
        done is not None
        and done.environment is not None
        and done.exit_code != EXIT_INTERRUPTED
        and not done.summary.startswith("refused")
    )


def pip_phase(line: str) -> str | None:
    """What pip is doing, from its own line, for the stretches where it prints no progress."""
    text = line.strip()
    if text.startswith("Installing collected packages:"):
        names = [n for n in text.split(":", 1)[1].split(",") if n.strip()]
        return f"installing {len(names)} package{'s' * (len(names) != 1)}"
    for prefix, verb in (
        ("Collecting ", "resolving"),
        ("Downloading ", "downloading"),
        ("Building wheel for ", "building"),
        ("Preparing metadata", "preparing metadata"),
        ("Uninstalling ", "uninstalling"),
    ):
        if text.startswith(prefix):
            rest = text[len(prefix) :].split(" ")[0] if verb != "preparing metadata" else ""
            return f"{verb} {rest}".strip()
    return None


# ---- using and replaying the result ------------------------------------------------------------------


def activate_command(target: Target, os_name: str) -> str:
    return report.activate_command(target.kind, target.path, os_name)


def wizard_command() -> list[str]:
    """How to start this wizard from any folder and shell: `llm-wizard` when that name on PATH is this
    installation's, else the entry point by its real path, else this interpreter with `-m wizard`."""
    here = Path(sys.executable).parent / ("llm-wizard.exe" if os.name == "nt" else "llm-wizard")
    on_path = shutil.which("llm-wizard")
    if here.exists():
        if on_path and Path(on_path).resolve() == here.resolve():
            return ["llm-wizard"]
        return [str(here)]
    return [sys.executable, "-m", "wizard"]


def replay_command(answers_file: str) -> str:
    return shlex.join([*wizard_command(), "--answers", answers_file])


def exit_summary(done: Done | None, target: Target | None, os_name: str) -> list[str]:
    """The lines left in the terminal when the wizard closes: how to activate, the report, the replay."""
    if done is None or target is None:
        return ["Nothing was installed."]
    lines = [f"{'✓' if done.exit_code == EXIT_OK else '✗'} {done.summary} (exit code {done.exit_code})"]
    if environment_usable(done):
        lines.append(f"Activate:  {activate_command(target, os_name)}")
    if done.files.get("report_md"):
        lines.append(f"Report:    {done.files['report_md']}")
    if done.files.get("answers"):
        lines.append(f"Replay:    {replay_command(done.files['answers'])}")
    if done.files.get("log"):
        lines.append(f"Log:       {done.files['log']}")
    return lines


def verify_summary(spec_json: str) -> str:
    """The verify step's spec in words, for a person reading the plan."""
    import json

    try:
        spec = json.loads(spec_json)
    except ValueError:
        return "checks the environment"
    imports = [i for f in spec.get("frameworks", []) for i in f.get("imports", [])] + list(spec.get("packages", []))
    expect = spec.get("expect") or {}
    out = f"imports {', '.join(imports)}" if imports else "checks the interpreter"
    if expect:
        out += "; expects " + ", ".join(f"{f} on {kind}" for f, kind in expect.items())
    return out


def python_choice(p: PythonInfo) -> str:
    """What the answers keep for an interpreter picked from the list: its version (`"3.11"`), so a
    replay on another machine finds its own; only a typed path stays a path."""
    return ".".join(p.version.split(".")[:2])


GENERIC_ACCELERATORS = ("auto", "cpu", "cuda", "rocm", "mps", "xpu")


def accelerator_values(catalog: Catalog) -> list[str]:
    """Every `accelerator` value worth offering: the generic kinds, then each PyTorch index variant the
    catalog knows (cu130, rocm7.2, ...), which the answers accept as explicit backends."""
    values = dict.fromkeys(GENERIC_ACCELERATORS)
    for table in catalog.builds.tables.values():
        if isinstance(table, IndexTable):
            for rel in table.releases:
                values.update(dict.fromkeys(rel.cuda))
                values.update(dict.fromkeys(f"rocm{v}" for v in rel.rocm))
    return list(values)
