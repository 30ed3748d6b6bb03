# -*- coding: utf-8 -*-
# Copyright: llm-setup-wizard contributors
# MIT License (see LICENSE in the repository)
"""llm_wizard as an action: the wizard is the only process started on the host.

A Python module would cost every host an interpreter that unpacks and compiles Ansible's module
code before it starts the wizard (about as long as an unchanged rerun of the wizard itself), and the
controller a module payload per run. Here the controller sends the answers and a short sh script
into the task's temporary folder and runs that script; the wizard's JSON events come back as its
stdout and are summarized here. Secrets travel inside the script file (mode 0600 in a 0700 folder,
as a module's arguments would), never on a command line.
"""

from __future__ import annotations

import json
import re
import shlex

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible_collections.llmwizard.fleet.plugins.module_utils.wizard_cli import credentials, parse_events, without_key

# The wizard's exit codes (its README, "Exit codes"); 126 and 127 are the shell's "cannot run" and "not found".
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130
EXIT_NOT_RUNNABLE = (126, 127)
READ_ONLY_KINDS = ("verify", "check")  # steps that inspect the environment and change nothing
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ARGUMENT_SPEC = dict(
    answers=dict(type="dict"),
    answers_file=dict(type="str"),
    machine_file=dict(type="str"),
    wizard=dict(type="str", default="llm-wizard"),
    secrets=dict(type="dict", default={}, no_log=True),
)


def render_plan(plan):
    """The plan as short text, for diff mode."""
    env = plan["environment"]
    reused = ", reused" if env["reuse"] else ""
    lines = ["environment: %s at %s (Python %s%s)" % (env["kind"], env["path"], env["python_version"], reused)]
    for d in plan["decisions"]:
        where = " from %s" % d["index_url"] if d["index_url"] else ""
        lines.append("decision: %s -> %s%s: %s" % (d["framework"], d["variant"], where, d["why"]))
    for i, s in enumerate(plan["steps"], 1):
        lines.append("step %d: %s\n    $ %s" % (i, s["title"], " ".join(s["argv"])))
    lines.extend("note: %s" % n for n in plan["notes"])
    return "\n".join(lines) + "\n"


def summarize(events, check_mode):
    """The task's result from the event stream."""
    by_kind = {}
    for e in events:
        by_kind.setdefault(e["event"], []).append(e)
    plan = by_kind["plan"][-1]["plan"] if "plan" in by_kind else None
    planned = plan["steps"] if plan else []
    if check_mode:
        steps = [dict(id=s["id"], kind=s["kind"], title=s["title"], status="planned") for s in planned]
        changed = bool(plan) and not plan["environment"]["reuse"]
    else:
        meta = dict((s["id"], s) for s in planned)
        steps = []
        for e in by_kind.get("step_finished", []):
            s = meta.get(e["step"], {})
            steps.append(dict(id=e["step"], kind=s.get("kind"), title=s.get("title"), status=e["status"],
                              exit_code=e["exit_code"], seconds=e["seconds"], reason=e["reason"]))
        changed = any(s["status"] != "skipped" and s["kind"] not in READ_ONLY_KINDS for s in steps)
    done = by_kind["done"][-1] if "done" in by_kind else {}
    result = dict(changed=changed, plan=plan, steps=steps,
                  checks=[without_key(e) for e in by_kind.get("check", [])],
                  diagnoses=[without_key(e) for e in by_kind.get("diagnosis", [])],
                  files=done.get("files", {}), environment=done.get("environment"), summary=done.get("summary"))
    return result, by_kind.get("error", [])


def invalid_message(errors, source):
    """Invalid answers or a request no build can satisfy: every problem, where it is."""
    if not errors:
        return "the wizard refused the answers (exit code 2) without saying why"
    error = errors[-1]
    if error.get("problems"):
        parts = ["%s: %s%s" % (p["path"], p["message"], " (%s)" % p["hint"] if p.get("hint") else "")
                 for p in error["problems"]]
        return "invalid answers in %s: %s" % (source, "; ".join(parts))
    return error["message"] + (" (hint: %s)" % error["hint"] if error.get("hint") else "")


def failure_message(result):
    """A failed run: the diagnosis' cause and fix; else the failed steps and checks."""
    errors = [d for d in result["diagnoses"] if d["severity"] == "error"] or result["diagnoses"]
    if errors:
        return " ".join("%s Fix: %s%s" % (d["cause"], d["fix"], " ($ %s)" % d["command"] if d.get("command") else "")
                        for d in errors)
    failed = ["step %s failed%s" % (s["id"], ": %s" % s["reason"] if s["reason"] else "")
              for s in result["steps"] if s["status"] == "failed"]
    failed += ["check %s failed: %s" % (c["check"], c["detail"]) for c in result["checks"] if not c["ok"]]
    return "; ".join(failed) or "the wizard failed (exit code 1)"


def outcome(rc, stdout, stderr, check_mode, diff, source, exe):
    """The task's result for the wizard's exit code and output."""
    if rc in EXIT_NOT_RUNNABLE and not stdout.strip():
        return dict(failed=True, exit_code=rc, stderr=stderr,
                    msg="the wizard command %r is not installed on this host (or not executable); install "
                        "llm-setup-wizard there (role llmwizard.fleet.workstation) or set wizard to its path" % exe)
    try:
        events = parse_events(stdout)
    except ValueError as exc:
        return dict(failed=True, msg=str(exc), exit_code=rc, stderr=stderr)
    result, errors = summarize(events, check_mode)
    result["exit_code"] = rc
    if result["plan"] and diff:
        result["diff"] = dict(prepared=render_plan(result["plan"]))
    if rc == EXIT_OK:
        return result
    result["failed"] = True
    if rc == EXIT_INVALID:
        result["problems"] = errors[-1].get("problems", []) if errors else []
        result["msg"] = invalid_message(errors, source)
    elif rc == EXIT_FAILED:
        result["msg"] = failure_message(result)
    elif rc == EXIT_INTERRUPTED:
        result["msg"] = "the wizard was interrupted"
    else:
        result["msg"] = "the wizard exited with code %d: %s" % (rc, stderr.strip()[-2000:])
        result["stderr"] = stderr
    return result


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        super().run(tmp, task_vars)
        args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=[("answers", "answers_file")],
            required_one_of=[("answers", "answers_file")],
        )[1]
        secrets = dict((str(k), str(v)) for k, v in args["secrets"].items())
        hidden = credentials(args["answers"]) | set(v for v in secrets.values() if v)
        try:
            return remove_values(self._run_wizard(args, secrets), hidden)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)

    def _run_wizard(self, args, secrets):
        shell = self._connection._shell
        tmpdir = shell.tmpdir
        try:
            argv = shlex.split(args["wizard"])
        except ValueError as exc:
            raise AnsibleActionFail("wizard: cannot split %r into words: %s" % (args["wizard"], exc))
        if not argv:
            raise AnsibleActionFail("wizard: the command is empty")
        exe = argv[0]
        argv[0] = self._remote_expand_user(exe)
        if args["answers"] is not None:
            source = "the answers parameter"
            answers_file = self._transfer_data(shell.join_path(tmpdir, "answers.json"), json.dumps(args["answers"]))
        else:
            source = args["answers_file"]
            answers_file = self._remote_expand_user(source)
        argv += ["--answers", answers_file, "--json"]
        if args["machine_file"]:
            argv += ["--machine", self._remote_expand_user(args["machine_file"])]
        if self._task.check_mode:
            argv.append("--dry-run")
        environment = {}
        self._compute_environment_string(environment)
        environment.update(secrets)
        bad = [name for name in environment if not _ENV_NAME.match(str(name))]
        if bad:
            raise AnsibleActionFail("not a valid environment variable name: %s" % ", ".join(sorted(map(str, bad))))
        lines = ["export %s=%s" % (k, shell.quote(str(v))) for k, v in environment.items()]
        lines.append("exec " + " ".join(shell.quote(a) for a in argv))
        script = self._transfer_data(shell.join_path(tmpdir, "run.sh"), "\n".join(lines) + "\n")
        sent = [tmpdir, script] + ([answers_file] if args["answers"] is not None else [])
        self._fixup_perms2(sent, execute=False)
        done = self._low_level_execute_command(shell.join(["/bin/sh", script]))
        return outcome(done["rc"], done["stdout"], done["stderr"], self._task.check_mode, self._task.diff, source, exe)
