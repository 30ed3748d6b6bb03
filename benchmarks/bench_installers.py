"""The wizard against the raw commands it runs, same wheels, fresh venvs, alternating rounds, medians.

    python benchmarks/bench_installers.py [--rounds 2] [--only uv,pip,setup,rerun,dryrun] [--stack classic|llm]
                                          [--uv-cache cold|warm]

- uv:     wizard with installer uv (no verification, no Jupyter kernel) vs `uv venv --seed` +
          `uv pip install`                                                                 goal <= 1.2
- pip:    wizard with installer pip (no verification, no Jupyter kernel) vs `python -m venv` +
          `pip install`                                                                    goal <= 1.05
- setup:  the whole setup with uv, verification included, vs the source documents' recipe
          (`python -m venv` + `pip install`, no verification)                              goal <= 0.5
- rerun:  rerun of a finished setup vs a no-op `pip install` of the same requirements       goal < 1
- dryrun: a real `--dry-run` (detection, no --machine) vs `python -c "import textual.app"`   goal < 1

Everything installs from a local wheelhouse (`--no-index --find-links`), downloaded once into
.bench/ (classic: the classic-ml profile; llm: torch CPU from /opt/wheels + the fine-tuning stack).
uv's cache, for both sides alike: `cold` (default) gives every timed run an empty cache, as on a
machine being set up; `warm` shares .bench/uv-cache, filled once before timing, as is the wizard's
interpreter probe cache (a machine that has installed these wheels before). The wizard's own work
(start-up, resolution before anything is created, lock, report) weighs far more against uv's 0.5 s
with a warm cache than against its cold install.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wizard.catalog import expand, load_catalog  # noqa: E402
from wizard.uv import uv_bin  # noqa: E402

BENCH = REPO / ".bench"
TORCH_WHEELS = Path("/opt/wheels")
DRY_ANSWERS = REPO / "assets" / "examples" / "llm-finetune.json"
STACKS = {"classic": ("classic-ml", []), "llm": (None, ["pytorch", "transformers", "datasets", "accelerate", "peft", "trl"])}


def clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_CACHE_DIR="1",
        PYTHONPATH=str(REPO),
        UV_CACHE_DIR=str(BENCH / "uv-cache"),
        WIZARD_STATE_DIR=str(tmp / "state"),
        JUPYTER_DATA_DIR=str(tmp / "jupyter"),  # the kernels the runs register go with the temporary folder
        UV_NO_CONFIG="1",
    )
    return env


def requirements(stack: str) -> list[str]:
    c = load_catalog()
    profile, frameworks = STACKS[stack]
    reqs = [p for f in expand(c, profile, frameworks) for p in c.frameworks[f].packages]
    return ["torch==2.13.0+cpu" if r == "torch" else r for r in reqs]


def wheelhouse(python: str, stack: str, env: dict[str, str]) -> Path:
    house = BENCH / f"wheelhouse-{stack}"
    if not (house / ".complete").exists():
        house.mkdir(parents=True, exist_ok=True)
        links = ["--find-links", str(TORCH_WHEELS)] if stack == "llm" else []
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "download",
                "-q",
                "--only-binary=:all:",
                "-d",
                str(house),
                *links,
                "pip",
                "setuptools",
                "wheel",
                *requirements(stack),
            ],
            check=True,
            env={**env, "PIP_NO_CACHE_DIR": "0"},
        )
        (house / ".complete").touch()
    return house


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, check=True, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def alternate(rounds: int, a: Callable[[int], float], b: Callable[[int], float]) -> tuple[float, float]:
    """Medians of a and b, run in alternating order (ab, ba, ab, …) so drifting load hits both alike."""
    ta: list[float] = []
    tb: list[float] = []
    for r in range(rounds):
        for f, out in ((a, ta), (b, tb)) if r % 2 == 0 else ((b, tb), (a, ta)):
            out.append(f(r))
    return statistics.median(ta), statistics.median(tb)


class Bench:
    def __init__(self, py: str, stack: str, tmp: Path, uv_cache: str = "warm"):
        self.py, self.stack, self.tmp, self.cold = py, stack, tmp, uv_cache == "cold"
        self.env = clean_env(tmp)
        self.house = wheelhouse(py, stack, self.env)
        self.reqs = requirements(stack)
        self.offline = ["--no-index", "--find-links", str(self.house)]
        self.uv = uv_bin()
        self.n = 0

    def path(self, name: str) -> Path:
        self.n += 1
        return self.tmp / f"{name}{self.n}"

    def run_env(self) -> dict[str, str]:
        """The environment of one timed run: with `cold`, an empty uv cache of its own."""
        return {**self.env, "UV_CACHE_DIR": str(self.path("uv-cache-"))} if self.cold else self.env

    def wizard(self, installer: str, verify: bool, target: Path | None = None, extra: tuple[str, ...] = ()) -> float:
        target = target or self.path(f"wiz-{installer}")
        answers = self.tmp / f"{target.name}.json"
        profile, frameworks = STACKS[self.stack]
        answers.write_text(
            json.dumps(
                {
                    "version": 1,
                    "environment": {"kind": "venv", "path": str(target), "python": self.py},
                    **({"profile": profile} if profile else {"frameworks": frameworks}),
                    "accelerator": "cpu",
                    "index": {"find_links": [str(self.house)], "offline": True},
                    # the raw commands register no kernel; the whole setup (verify) does, as by default
                    "options": {
                        "upgrade_pip": False,
                        "verify": verify,
                        "installer": installer,
                        **({} if verify else {"jupyter_kernel": False}),
                    },
                }
            )
        )
        try:
            return timed([sys.executable, "-m", "wizard", "--answers", str(answers), "--json", *extra], self.run_env())
        except subprocess.CalledProcessError as exc:
            ended = [e for e in (exc.stdout or b"").decode().splitlines() if '"event": "done"' in e or '"ok": false' in e]
            raise SystemExit(f"the wizard failed (exit {exc.returncode}): {' '.join(ended)[-2000:]}") from None

    def raw_uv(self, _: int) -> float:
        target, env = self.path("uv"), self.run_env()
        return timed([self.uv, "venv", "--seed", "--python", self.py, *self.offline, str(target)], env) + timed(
            [self.uv, "pip", "install", "--python", str(target / "bin" / "python"), *self.offline, *self.reqs], env
        )

    def raw_pip(self, _: int) -> float:
        target = self.path("pip")
        return timed([self.py, "-m", "venv", str(target)], self.env) + timed(
            [str(target / "bin" / "python"), "-m", "pip", "install", *self.offline, *self.reqs], self.env
        )

    def warm_up(self) -> None:
        """Fill the shared uv cache; with `warm`, the wizard's interpreter probe cache too (a machine
        that has installed these wheels before has run the wizard before)."""
        self.raw_uv(0)
        if not self.cold:
            timed([sys.executable, "-m", "wizard", "--answers", str(DRY_ANSWERS), "--dry-run"], self.env)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", default="uv,pip,setup,rerun,dryrun")
    ap.add_argument("--stack", choices=sorted(STACKS), default="classic")
    ap.add_argument("--uv-cache", choices=["cold", "warm"], default="cold")
    ap.add_argument("--python", default=os.path.realpath(getattr(sys, "_base_executable", sys.executable)))
    args = ap.parse_args()
    only = set(args.only.split(","))
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-installers-") as tmp_name:
        tmp = Path(tmp_name)
        b = Bench(args.python, args.stack, tmp, args.uv_cache)
        b.warm_up()
        label = (
            f"{args.stack} stack ({len(list(b.house.glob('*.whl')))} wheels), Python {args.python}, "
            f"uv cache {args.uv_cache}, median of {args.rounds}"
        )
        if "uv" in only:
            w, r = alternate(args.rounds, lambda _: b.wizard("uv", False), b.raw_uv)
            lines.append(f"wizard+uv {w:.2f}s vs uv venv+uv pip install {r:.2f}s: ratio {w / r:.2f} (goal <= 1.2)")
        if "pip" in only:
            w, r = alternate(args.rounds, lambda _: b.wizard("pip", False), b.raw_pip)
            lines.append(f"wizard+pip {w:.2f}s vs venv+pip install {r:.2f}s: ratio {w / r:.3f} (goal <= 1.05)")
        if "setup" in only:
            w, r = alternate(args.rounds, lambda _: b.wizard("uv", True), b.raw_pip)
            lines.append(
                f"whole setup with uv incl. verification {w:.2f}s vs blog recipe venv+pip {r:.2f}s: "
                f"ratio {w / r:.2f} (goal <= 0.5)"
            )
        if "rerun" in only:
            done = tmp / "finished"
            b.wizard("pip", True, done)
            noop = [str(done / "bin" / "python"), "-m", "pip", "install", *b.offline, *b.reqs]
            w, r = alternate(max(args.rounds, 3), lambda _: b.wizard("pip", True, done), lambda _: timed(noop, b.env))
            lines.append(f"rerun of a finished setup {w:.2f}s vs no-op pip install {r:.2f}s: ratio {w / r:.2f} (goal < 1)")
        if "dryrun" in only:
            dry = [sys.executable, "-m", "wizard", "--answers", str(DRY_ANSWERS), "--dry-run"]
            timed(dry, b.env)  # fills the interpreter probe cache, as any earlier run on this machine has
            w, r = alternate(
                max(args.rounds, 5),
                lambda _: timed(dry, b.env),
                lambda _: timed([sys.executable, "-c", "import textual.app"], b.env),
            )
            lines.append(
                f"real --dry-run with detection {w * 1000:.0f}ms vs import textual.app {r * 1000:.0f}ms: "
                f"ratio {w / r:.2f} (goal < 1)"
            )
        shutil.rmtree(tmp / "state", ignore_errors=True)
    print(label)
    for line in lines:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
