"""Time to the first painted frame: the wizard against a one-widget Textual app (goal ≤ 1.3×).

Both run as a person starts them, in a pseudo-terminal of 80×24 with TERM=xterm-256color; the
clock runs from spawning the interpreter until the frame's text (the welcome screen's title, or
the one widget's text) has arrived on the terminal. Imports count: they are what a person waits for.
Median of N runs each, alternating, same interpreter.

    python benchmarks/bench_tui_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
ONE_WIDGET = """\
from textual.app import App
from textual.widgets import Static

class One(App):
    def compose(self):
        yield Static("hello from one widget")

One().run()
"""


def first_frame(argv: list[str], marker: bytes, timeout: float = 20.0) -> float:
    """Seconds from spawn until `marker` is on the terminal; the process is then ended."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(REPO)}
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
                if marker in ANSI.sub(b"", seen):
                    return time.perf_counter() - start
        raise RuntimeError(f"no frame with {marker!r} within {timeout}s: {ANSI.sub(b'', seen)[-400:]!r}")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    machine = REPO / "tests" / "data" / "tui-machine.json"
    wizard = [sys.executable, "-m", "wizard", "--machine", str(machine)]
    one = [sys.executable, "-c", ONE_WIDGET]
    first_frame(wizard, b"Step 1 of 9"), first_frame(one, b"hello from one widget")  # warm the file cache
    w, o = [], []
    for _ in range(args.runs):
        w.append(first_frame(wizard, b"Step 1 of 9"))
        o.append(first_frame(one, b"hello from one widget"))
    wm, om = statistics.median(w), statistics.median(o)
    print(
        f"first frame, median of {args.runs}: wizard {wm * 1000:.0f} ms, one-widget Textual app {om * 1000:.0f} ms; "
        f"ratio {wm / om:.2f} (goal ≤ 1.3)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
