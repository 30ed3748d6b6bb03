"""One interactive setup's state, owned by the app and shared by its screens: the answers being
filled, the machine, the plan, and what the run reported. Screens read and fill it; none keeps its
own copy, so Back and Next can never show a stale plan or lose a choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.answers import Answers
from wizard.catalog import Catalog
from wizard.events import Check, Diagnosis, Done, StepFinished, StepStarted
from wizard.machine import Machine

if TYPE_CHECKING:  # the engine is imported after the first frame (screens/app.py's warm-up)
    from wizard.engine import Prepared


@dataclass
class RunResults:
    """What the install reported, in order; filled by the install screen from the engine's events."""

    started: list[StepStarted] = field(default_factory=list)
    finished: dict[str, StepFinished] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    done: Done | None = None


@dataclass
class Session:
    answers: Answers
    catalog: Catalog
    machine: Machine | None = None  # None until detection finishes
    prefill_source: Path | None = None
    machine_source: Path | None = None  # a machine file: nothing is measured here
    prepared: Prepared | None = None  # the plan the review screen showed; what Install runs
    run: RunResults = field(default_factory=RunResults)

    @property
    def detected(self) -> bool:
        return self.machine_source is None

    def new_run(self) -> RunResults:
        self.run = RunResults()
        return self.run
