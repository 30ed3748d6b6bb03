"""100,000 lines of pip-like output through the install screen against the headless path.

Goals: the wizard takes ≤ 1.2× the headless time, keys are answered within 100 ms during the
flood, and memory stays bounded (the screen keeps a bounded log; the file keeps everything).

Both sides run the same real `wizard.engine.Execution` of a one-step plan whose child prints the
lines (`Collecting`, `Downloading`, raw `Progress`, `Requirement already satisfied`, a few with
colour codes). Headless: the plain printer writing to /dev/null, as `--answers` does without a
terminal, timed around `Execution.run()`. Wizard: the app in Textual's headless mode at 80×24; the
time runs from the install screen starting the run (as it does once it has painted, about 0.1 s
after opening) until it shows the result. One more wizard run measures the keyboard:
a thread sends a key every 50 ms the way the terminal driver does, and the screen records when
its binding ran (answering keys costs frames, so that run is not in the timing).

    python benchmarks/bench_tui_flood.py [--lines 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from textual import events  # noqa: E402
from textual.binding import Binding, BindingType  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Log  # noqa: E402

from screens.app import create_app  # noqa: E402
from screens.install import InstallScreen  # noqa: E402
from wizard.answers import Answers, Environment  # noqa: E402
from wizard.catalog import load_catalog  # noqa: E402
from wizard.engine import Execution, Prepared  # noqa: E402
from wizard.machine import load_machine  # noqa: E402
from wizard.output import PlainPrinter  # noqa: E402
from wizard.plan import Plan, Step, Target  # noqa: E402

CHILD = r"""
import sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(n):
    k = i % 10
    if k == 0:
        out.write(f"Collecting wizlab-pkg{i}\n")
    elif k == 1:
        out.write(f"  Downloading wizlab_pkg{i}-1.0-py3-none-any.whl (1.2 MB)\n")
    elif k == 2:
        out.write(f"Progress {i * 100} of {n * 100}\n")
    elif k == 3:
        out.write(f"\x1b[32mRequirement already satisfied: wizlab-dep{i} in ./lib/python3.12/site-packages\x1b[0m\n")
    else:
        out.write(f"  Using cached wizlab_dep{i}-2.0-py3-none-any.whl.metadata (3.1 kB)\n")
out.flush()
"""


def prepared_flood(lines: int, env: Path) -> Prepared:
    answers = Answers(version=1, environment=Environment(kind="venv", path=str(env)))
    machine = load_machine(REPO / "tests" / "data" / "tui-machine.json")
    target = Target("venv", str(env), sys.executable, "3", sys.executable)
    step = Step("flood", "pip", f"Print {lines:,} pip-like lines", "benchmark", (sys.executable, "-c", CHILD, str(lines)))
    return Prepared(answers, machine, load_catalog(), Plan(target, (), (), (step,), 0))


def headless(prepared: Prepared) -> float:
    with open(os.devnull, "w") as sink:
        start = time.perf_counter()
        code = Execution(prepared, PlainPrinter(sink)).run()
        took = time.perf_counter() - start
    assert code == 0
    return took


class ProbedInstall(InstallScreen):
    """The install screen plus one key whose handling time is recorded."""

    CSS_PATH = str(REPO / "screens" / "install.tcss")  # a relative path would be read beside this file
    BINDINGS: ClassVar[list[BindingType]] = [Binding("f9", "probe", "probe", show=False)]

    shown_done: asyncio.Event

    def start(self) -> None:
        self.started_at = time.perf_counter()
        super().start()

    def action_probe(self) -> None:
        self.app.answered.append(time.perf_counter())  # type: ignore[attr-defined]

    def finish(self, message: str) -> None:
        super().finish(message)
        self.shown_done.set()


def wizard(prepared: Prepared, key_every: float | None) -> tuple[float, list[float], int]:
    """(seconds until the screen shows Done, key latencies, lines the screen's Log holds); a key
    is sent every `key_every` seconds during the flood, or none."""
    app = create_app(None, REPO / "tests" / "data" / "tui-machine.json")
    app.answered = []  # type: ignore[attr-defined]
    sent: list[float] = []
    result: dict[str, object] = {}

    async def drive(pilot: Pilot[object]) -> None:
        loop = asyncio.get_running_loop()
        app.session.prepared = prepared
        screen = ProbedInstall()
        screen.shown_done = asyncio.Event()
        await app.push_screen(screen)
        stop = threading.Event()

        def keys() -> None:
            while key_every is not None and not stop.wait(key_every):
                sent.append(time.perf_counter())
                loop.call_soon_threadsafe(app.post_message, events.Key("f9", None))

        sender = threading.Thread(target=keys, daemon=True)
        sender.start()
        await screen.shown_done.wait()
        result["seconds"] = time.perf_counter() - screen.started_at
        stop.set()
        sender.join()
        await asyncio.sleep(0.2)  # the last keys in flight
        result["log_lines"] = screen.query_one("#log", Log).line_count
        app.exit(0)

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    answered: list[float] = app.answered  # type: ignore[attr-defined]
    latencies = [a - s for s, a in zip(sent, answered, strict=False)]
    return result["seconds"], latencies, result["log_lines"]  # type: ignore[return-value]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["WIZARD_STATE_DIR"] = str(Path(tmp) / "state")
        prepared = prepared_flood(args.lines, Path(tmp) / "env")
        h, w = [], []
        for _ in range(args.runs):
            h.append(headless(prepared))
            w.append(wizard(prepared, None)[0])
        typing_seconds, lat, log_lines = wizard(prepared, 0.05)
    hm, wm = statistics.median(h), statistics.median(w)
    lat.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.lines:,} lines, median of {args.runs}: headless {hm:.2f} s, wizard {wm:.2f} s; ratio {wm / hm:.2f} (goal ≤ 1.2)"
    )
    print(
        f"a key every 50 ms during the flood ({typing_seconds:.2f} s): {len(lat)} answered, median "
        f"{1000 * statistics.median(lat):.1f} ms, worst {1000 * lat[-1]:.1f} ms (goal < 100 ms)"
    )
    print(f"the screen's log holds {log_lines} lines (bounded); peak RSS of this process {rss:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
