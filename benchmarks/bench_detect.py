"""How long hardware detection takes: detect_machine(probe_pythons=False), median of 20 runs.

Interpreter probing is left out: it runs in parallel with the rest and its time is one interpreter
start per Python found. The first run is reported apart because it pays the imports (psutil, pynvml).
Budget: 100 ms on a machine without a GPU.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wizard.detect import detect_machine

RUNS = 20


def main() -> None:
    times = []
    for _ in range(RUNS + 1):
        t = time.perf_counter()
        detect_machine(probe_pythons=False)
        times.append((time.perf_counter() - t) * 1000)
    print(
        f"detect_machine(probe_pythons=False): median {statistics.median(times[1:]):.1f} ms over {RUNS} runs "
        f"(first run, with imports: {times[0]:.1f} ms)"
    )


if __name__ == "__main__":
    main()
