"""`python -m wizard --answers … --dry-run` vs `python -c "import textual.app"` (goal: faster).

The headless path never imports textual, so planning a whole setup should cost less than merely
importing the TUI framework. Median wall time of N runs each, same interpreter, same machine file.

    python benchmarks/bench_dry_run.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def median_time(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, cwd=REPO, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    machine = REPO / "assets" / "machines" / "rtx4090-driver550.json"
    answers = REPO / "assets" / "examples" / "llm-finetune.json"
    dry = median_time(
        [sys.executable, "-m", "wizard", "--answers", str(answers), "--machine", str(machine), "--dry-run"], args.runs
    )
    textual = median_time([sys.executable, "-c", "import textual.app"], args.runs)
    print(
        f"dry run (llm-finetune on {machine.name}): {dry * 1000:.0f} ms; import textual.app: {textual * 1000:.0f} ms; "
        f"ratio {dry / textual:.2f} (goal < 1)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
