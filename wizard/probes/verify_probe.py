"""Verification inside the target environment: every check the wizard and `doctor` run.

Runs in the *target* interpreter (Python 3.9+), stdlib only; never imports the wizard. Each result
is one line `@@wizard-check {json}` on stdout, which the runner turns into a Check event.

    python -I verify_probe.py SPEC                  run every group that applies, one process each
    python -I verify_probe.py --group NAME SPEC     run one group (what the first form starts)

SPEC `-` reads it from stdin (how the wizard and the groups pass it: argv has a size limit).

Each group (probe_<name>.py) runs in its own process, so a crash in CUDA or a hung driver call
costs that group's checks, not the whole verification, and TensorFlow and PyTorch never share a
process. SPEC is JSON; wizard/verify.py builds it and documents its fields.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(HERE)  # appended, so the environment's own modules always win over the group modules
import probe_lib  # noqa: E402

# (group, distributions of which one must be installed for the group to run; empty: always)
GROUPS = (
    ("environment", ()),
    ("imports", ()),
    ("pytorch", ("torch",)),
    ("tensorflow", ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")),
    ("jax", ("jax",)),
    ("finetune", ("transformers", "datasets", "accelerate", "bitsandbytes")),
)
# No check may download anything: the fine-tuning checks build their model from a config.
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TQDM_DISABLE": "1"}


def death(code):
    if code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit code %d" % code


def run_group(group, spec_text, limit_s):
    """Run one group's process, pass its check lines on, and report it if it dies or hangs."""
    started = time.monotonic()
    flags = ["-I", "-B"] if sys.dont_write_bytecode else ["-I"]
    with tempfile.TemporaryFile() as spec_file:
        spec_file.write(spec_text.encode("utf-8"))
        spec_file.seek(0)
        proc = subprocess.Popen([sys.executable] + flags + [os.path.abspath(__file__), "--group", group, "-"],
                                stdin=spec_file, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    timer = threading.Timer(limit_s, proc.kill)
    timer.daemon = True
    timer.start()
    current = None
    for raw in iter(proc.stdout.readline, b""):
        line = raw.decode("utf-8", "replace")
        if line.startswith(probe_lib.RUNNING_PREFIX):
            current = json.loads(line[len(probe_lib.RUNNING_PREFIX):])["name"]
            continue
        if line.startswith(probe_lib.CHECK_PREFIX):
            current = None
        sys.stdout.write(line)
        sys.stdout.flush()
    code = proc.wait()
    timer.cancel()
    if code != 0:
        seconds = time.monotonic() - started
        why = "stopped after %d s (the group's time limit)" % limit_s if seconds >= limit_s else death(code)
        where = "while running %r" % current if current else "between checks"
        probe_lib.report(group + ": check process", False, "the %s checks' process %s %s" % (group, why, where), seconds,
                         {"group": group, "exit_code": code, "check": current})


def supervise(spec_text):
    spec = json.loads(spec_text)
    os.environ.update(OFFLINE)
    installed = probe_lib.installed_names()
    for group, wants in GROUPS:
        if not wants or installed.intersection(wants):
            run_group(group, spec_text, spec.get("group_timeout_s", 1800))
    return 0


def run_one(group, spec_text):
    spec = json.loads(spec_text)
    module = __import__("probe_" + group)
    try:
        module.run(spec, probe_lib.Harness(spec.get("timeout_s", 300)))
    except probe_lib.Stop:
        pass
    sys.stdout.flush()
    os._exit(0)  # a timed-out check's thread may never end; nothing else is left to do


def spec_arg(text):
    return sys.stdin.read() if text == "-" else text


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--group":
        run_one(sys.argv[2], spec_arg(sys.argv[3]))
    sys.exit(supervise(spec_arg(sys.argv[1])))
