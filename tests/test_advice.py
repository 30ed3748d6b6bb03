"""The screens' verdicts (wizard.advice) against the planner's, on every machine file we ship:
what a screen approves the plan must accept, and what it refuses the plan must refuse."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from wizard.advice import (
    accelerator_values,
    disk_need,
    framework_availability,
    location,
    machine_warnings,
    pip_phase,
    python_choice,
    run_state,
)
from wizard.answers import Answers, Environment
from wizard.catalog import load_catalog
from wizard.events import Done, StepFinished, StepStarted
from wizard.machine import Machine, load_machine
from wizard.planner import make_plan
from wizard.problems import RequestError

MACHINES = sorted((Path(__file__).resolve().parents[1] / "assets" / "machines").glob("*.json"))
CATALOG = load_catalog()


def _answers(env: Path, **over: object) -> Answers:
    return msgspec.structs.replace(Answers(version=1, environment=Environment(kind="venv", path=str(env))), **over)


def _plans(answers: Answers, machine: Machine) -> str | None:
    """None when the planner plans, else its refusal."""
    try:
        make_plan(answers, machine, CATALOG)
    except RequestError as exc:
        return exc.message
    return None


@pytest.mark.parametrize("machine_file", MACHINES, ids=lambda p: p.stem)
def test_framework_and_accelerator_verdicts_agree_with_the_planner(machine_file: Path, tmp_path: Path) -> None:
    machine = msgspec.structs.replace(load_machine(machine_file), disk_free_bytes=None)
    for acc in accelerator_values(CATALOG):
        for fid in CATALOG.frameworks:
            answers = _answers(tmp_path / "env", frameworks=[fid], accelerator=acc)
            avail = framework_availability(fid, answers, machine, CATALOG)
            refusal = _plans(answers, machine)
            assert (avail.problem is None) == (refusal is None), (acc, fid, avail.problem, refusal)
            if avail.decision is not None:
                plan = make_plan(answers, machine, CATALOG)
                assert avail.decision in plan.decisions, (acc, fid)


@pytest.mark.parametrize("machine_file", MACHINES, ids=lambda p: p.stem)
def test_location_verdict_agrees_with_the_planners_disk_check(machine_file: Path, tmp_path: Path) -> None:
    machine = load_machine(machine_file)
    for profile in CATALOG.profiles:
        answers = _answers(tmp_path / "env", profile=profile)
        if _plans(answers, msgspec.structs.replace(machine, disk_free_bytes=None)) is not None:
            continue  # refused for another reason: the frameworks screen says so
        need = disk_need(answers, machine, CATALOG)
        assert need is not None
        for free in (need - 1, need, machine.disk_free_bytes):
            here = msgspec.structs.replace(machine, disk_free_bytes=free)
            verdict = location(answers, here, CATALOG)
            refusal = _plans(answers, here)
            assert verdict.ok == (refusal is None), (profile, free, verdict, refusal)
            assert verdict.ok or "not enough disk space" in verdict.message


def test_a_picked_interpreter_is_saved_as_its_version() -> None:
    machine = load_machine(MACHINES[0])
    assert python_choice(machine.pythons[0]) == ".".join(machine.pythons[0].version.split(".")[:2])


def test_pips_silent_phases_are_named_from_its_own_lines() -> None:
    assert pip_phase("Installing collected packages: a, b, c") == "installing 3 packages"
    assert pip_phase("Collecting torch==2.13.0") == "resolving torch==2.13.0"
    assert pip_phase("  Building wheel for foo (pyproject.toml) ... done") == "building foo"
    assert pip_phase("Requirement already satisfied: numpy") is None


def test_a_cancel_says_what_is_left(tmp_path: Path) -> None:
    from wizard.plan import Target

    target = Target("venv", str(tmp_path / "e"), "/usr/bin/python3", "3.12.7", str(tmp_path / "e/bin/python"))
    started = [StepStarted("create-venv", "Create", 1, 3, [], 1), StepStarted("install", "Install", 2, 3, [], 2)]
    finished = {
        "create-venv": StepFinished("create-venv", "ok", 0, 1.0),
        "install": StepFinished("install", "cancelled", -15, 1.0),
    }
    text = run_state(Done(130, "interrupted", str(tmp_path / "e"), {}), target, started, finished)
    assert "Cancelled during step 2 (Install)" in text and "exists but is not complete" in text
    assert run_state(Done(130, "interrupted", None, {}), target, started[:1], {}).endswith("Nothing was created.")


def test_warnings_name_an_old_driver_and_too_little_disk_by_the_planners_estimate() -> None:
    old = load_machine(next(p for p in MACHINES if p.stem == "old-driver-470"))
    assert any("driver 470" in w and "CUDA 12" in w for w in machine_warnings(old, CATALOG))
    small = msgspec.structs.replace(old, disk_free_bytes=1_000_000_000)
    [disk] = [w for w in machine_warnings(small, CATALOG) if "GB free" in w]
    largest = max(disk_need(_answers(Path("."), profile=p), small, CATALOG) or 0 for p in CATALOG.profiles)
    assert f"needs about {largest / 1e9:.1f} GB" in disk
