"""Verification inside the target environment: every check the wizard and `doctor` run.

Runs in the *target* interpreter (Python 3.9+), stdlib only; never imports the wizard. Each result
is one line `@@wizard-check {json}` on stdout, which the runner turns into a Check event.

    python -I verify_probe.py SPEC                  run every group that applies, one process each
    python -I verify_probe.py --group NAME SPEC     run one group (what the first form starts)

SPEC `-` reads it from stdin (how the wizard and the groups pass it: argv has a size limit).

Each group (probe_<name>.py) runs in its own process, so a crash in CUDA or a hung driver call
costs that group's checks, not the whole verification, and TensorFlow and PyTorch never share a
process. SPEC is JSON; wizard/verify.py builds it and documents its fields.

Groups run concurrently where memory allows (each group's peak is estimated in GROUP_MB; together
they stay within half of the memory available now), so torch, imported by three groups, is imported
three times at once rather than one after another, and the Jupyter kernel starts while the imports
group works (the classic stack's verification: 16.6 s one after another, 11.8 s together, 2 cores).
On a machine with a GPU the groups that use it run one at a time, as TensorFlow takes most of a
GPU's memory for itself.
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
    ("kernel", ("jupyter-client",)),
    ("pytorch", ("torch",)),
    ("tensorflow", ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tf-nightly")),
    ("jax", ("jax",)),
    ("finetune", ("transformers", "datasets", "accelerate", "bitsandbytes")),
)
GROUP_MB = {"environment": 50, "imports": 1500, "kernel": 2500, "pytorch": 1500, "tensorflow": 2500, "jax": 1500,
            "finetune": 2500}
GPU_GROUPS = ("pytorch", "tensorflow", "jax", "finetune")
OUT = threading.Lock()   # check lines from concurrent groups are written whole
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
        with OUT:
            sys.stdout.write(line)
            sys.stdout.flush()
    code = proc.wait()
    timer.cancel()
    if code != 0:
        seconds = time.monotonic() - started
        why = "stopped after %d s (the group's time limit)" % limit_s if seconds >= limit_s else death(code)
        where = "while running %r" % current if current else "between checks"
        with OUT:
            probe_lib.report(group + ": check process", False, "the %s checks' process %s %s" % (group, why, where),
                             seconds, {"group": group, "exit_code": code, "check": current})


def available_mb():
    """Memory available now (Linux), or None where it is not known: then groups run one at a time."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def has_gpu(spec):
    m = spec.get("machine") or {}
    return bool(m.get("nvidia") or m.get("rocm") or m.get("mps"))


def run_groups(groups, spec_text, spec):
    """Start each group as soon as memory (and, with a GPU, the GPU) allows; wait for all."""
    limit_s = spec.get("group_timeout_s", 1800)
    budget = available_mb()
    if budget is None or (os.cpu_count() or 1) < 2:
        for group in groups:
            run_group(group, spec_text, limit_s)
        return
    budget //= 2
    gpu = has_gpu(spec)
    state = {"mb": 0, "gpu": False, "running": 0}
    cond = threading.Condition()

    def fits(group):
        if state["running"] == 0:
            return True
        if gpu and group in GPU_GROUPS and state["gpu"]:
            return False
        return state["mb"] + GROUP_MB.get(group, 1000) <= budget

    def worker(group):
        try:
            run_group(group, spec_text, limit_s)
        finally:
            with cond:
                state["mb"] -= GROUP_MB.get(group, 1000)
                state["running"] -= 1
                if gpu and group in GPU_GROUPS:
                    state["gpu"] = False
                cond.notify_all()

    threads = []
    for group in groups:
        with cond:
            cond.wait_for(lambda: fits(group))
            state["mb"] += GROUP_MB.get(group, 1000)
            state["running"] += 1
            if gpu and group in GPU_GROUPS:
                state["gpu"] = True
        t = threading.Thread(target=worker, args=(group,))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


def applies(group, wants, installed, spec):
    """A group runs when one of its distributions is installed; the kernel group only when the spec
    names a kernel (the wizard registered one)."""
    return (not wants or bool(installed.intersection(wants))) and (group != "kernel" or bool(spec.get("kernel")))


def supervise(spec_text):
    spec = json.loads(spec_text)
    os.environ.update(OFFLINE)
    installed = probe_lib.installed_names()
    run_groups([g for g, wants in GROUPS if applies(g, wants, installed, spec)], spec_text, spec)
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
