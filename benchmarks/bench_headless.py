"""Headless install of the classic-ml wheels from a local wheelhouse vs plain `pip install` of the same wheels.

Both make a fresh venv with the same interpreter and install the same requirements with
`--no-index --find-links WHEELHOUSE`; the wizard's figure includes planning and its reports.
Goal: wizard / pip <= 1.05. The wheelhouse is downloaded once from PyPI into .bench/wheelhouse.

    python benchmarks/bench_headless.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from wizard.catalog import expand, load_catalog  # noqa: E402


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1", PYTHONPATH=str(REPO))
    return env


def requirements() -> list[str]:
    c = load_catalog()
    return [p for f in expand(c, "classic-ml", []) for p in c.frameworks[f].packages]


def wheelhouse(python: str) -> Path:
    house = REPO / ".bench" / "wheelhouse"
    if not house.is_dir() or not any(house.glob("*.whl")):
        house.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [python, "-m", "pip", "download", "-q", "--only-binary=:all:", "-d", str(house), *requirements()],
            check=True,
            env={**clean_env(), "PIP_NO_CACHE_DIR": "0"},
        )
    return house


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument(
        "--python",
        default=getattr(sys, "_base_executable", sys.executable),
        help="interpreter for both venvs (default: the one running this script, outside its venv)",
    )
    args = ap.parse_args()
    py = os.path.realpath(args.python)
    house = wheelhouse(py)
    env = clean_env()
    pip_t, wiz_t = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            base = Path(tmp) / f"pip{r}"
            pip_t.append(
                timed([py, "-m", "venv", str(base)], env)
                + timed(
                    [
                        str(base / "bin" / "python"),
                        "-m",
                        "pip",
                        "install",
                        "--no-index",
                        "--find-links",
                        str(house),
                        *requirements(),
                    ],
                    env,
                )
            )
            target = Path(tmp) / f"wiz{r}"
            answers = Path(tmp) / f"a{r}.json"
            answers.write_text(
                json.dumps(
                    {
                        "version": 1,
                        "environment": {"kind": "venv", "path": str(target), "python": py},
                        "profile": "classic-ml",
                        "index": {"find_links": [str(house)], "offline": True},
                        "options": {"upgrade_pip": False, "verify": False},
                    }
                )
            )
            wiz_t.append(
                timed(
                    [sys.executable, "-m", "wizard", "--answers", str(answers), "--json"],
                    {**env, "WIZARD_STATE_DIR": str(Path(tmp) / "state")},
                )
            )
            print(f"round {r + 1}: pip {pip_t[-1]:.1f}s, wizard {wiz_t[-1]:.1f}s", flush=True)
    p, w = statistics.median(pip_t), statistics.median(wiz_t)
    print(
        f"classic-ml from a local wheelhouse ({len(list(house.glob('*.whl')))} wheels), median of {args.rounds}: "
        f"plain pip {p:.1f}s, wizard {w:.1f}s, ratio {w / p:.3f} (goal <= 1.05)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
