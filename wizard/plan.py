"""The Plan: what will run (Steps) and which build of each framework was chosen (Decisions), each with a why."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from wizard.redact import redact_text

StepKind = Literal["create", "pip", "verify", "check", "kernel"]


@dataclass(frozen=True)
class Decision:
    """Which build of a framework this machine gets, and one readable sentence of why."""

    framework: str
    variant: str
    why: str
    packages: tuple[str, ...]
    index_url: str | None = None
    python: str = ""  # PEP 440 specifier of the Pythons this build has wheels for ("" = any)
    size_mb: int = 0  # installed size estimate, for the disk check

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["packages"] = list(self.packages)
        d["index_url"] = redact_text(self.index_url) if self.index_url else None
        return d


@dataclass(frozen=True)
class Step:
    """One subprocess: an argv list (never a shell string), a title and why it runs."""

    id: str
    kind: StepKind
    title: str
    why: str
    argv: tuple[str, ...]
    requirements: tuple[str, ...] = ()  # pip steps: what must be satisfied for a rerun to skip it;
    #                                      a uv venv step: the packages `--seed` puts in it
    index_args: tuple[str, ...] = ()  # install steps: pip's index options, which the resolution reuses
    env: tuple[tuple[str, str], ...] = ()  # added to the child's environment: index URLs that carry credentials
    #                                        (private to the user, unlike argv; the only place ${VAR} is expanded),
    #                                        uv's certificate settings
    stdin: str | None = None  # data for the child (the verify spec): argv has a size limit
    installer: str = ""  # "uv" for steps uv runs

    @property
    def options_end(self) -> int:
        """Where an install's options end in argv: its requirements follow (a venv step: its path)."""
        return len(self.argv) - (1 if self.kind == "create" else len(self.requirements))

    def display_argv(self) -> list[str]:
        return [redact_text(a) for a in self.argv]

    def display_env(self) -> dict[str, str]:
        return {k: redact_text(v) for k, v in self.env}

    def command_line(self) -> str:
        import shlex

        return shlex.join([*(f"{k}={v}" for k, v in self.display_env().items()), *self.display_argv()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "why": self.why,
            "argv": self.display_argv(),
            **({"env": self.display_env()} if self.env else {}),
            **({"stdin": redact_text(self.stdin)} if self.stdin is not None else {}),
        }


@dataclass(frozen=True)
class ResolvedPackage:
    """One package an install step will get, as pip's resolution says (wizard.resolve)."""

    name: str
    version: str
    url: str  # the file the installer chose, literal credentials removed
    size: int | None  # bytes, where known (local files, uv's resolution); pip's report gives no size
    requested: bool  # named in the plan (else a dependency)
    step: str  # the step that gets it
    sha256: str = ""  # the file's hash, where the resolver reports it: the lock is written from it (wizard.pylock)


@dataclass(frozen=True)
class Target:
    """The environment the plan works on."""

    kind: Literal["venv", "existing", "conda"]
    path: str  # absolute
    python: str  # interpreter that creates it (venv) or the env's own (existing)
    python_version: str
    env_python: str  # the interpreter inside the environment
    reuse: bool = False  # a wizard-made environment already exists there
    free_threaded: bool = False  # a free-threaded interpreter (3.14t): builds are chosen for its wheels

    @property
    def python_key(self) -> str:
        """The Python as the build choice reads it: '3.14.0', or '3.14.0t' when free-threaded."""
        return self.python_version + ("t" if self.free_threaded else "")


@dataclass(frozen=True)
class Plan:
    target: Target
    frameworks: tuple[str, ...]
    decisions: tuple[Decision, ...]
    steps: tuple[Step, ...]
    disk_needed_bytes: int
    notes: tuple[str, ...] = field(default=())
    resolution: tuple[ResolvedPackage, ...] | None = None  # None until resolved at the start of a real run

    def to_dict(self) -> dict[str, Any]:
        t = self.target
        return {
            "environment": {
                "kind": t.kind,
                "path": t.path,
                "python": t.python,
                "python_version": t.python_version,
                "env_python": t.env_python,
                "reuse": t.reuse,
            },
            "frameworks": list(self.frameworks),
            "decisions": [d.to_dict() for d in self.decisions],
            "steps": [s.to_dict() for s in self.steps],
            "disk_needed_bytes": self.disk_needed_bytes,
            "notes": [redact_text(n) for n in self.notes],
            "resolution": None if self.resolution is None else [asdict(p) for p in self.resolution],
        }
