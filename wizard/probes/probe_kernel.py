"""The Jupyter kernel the wizard registered: started by name through jupyter_client, the chosen
frameworks imported in it, and its sys.prefix compared with this environment's, so a kernel name
that leads to another Python is a failure, not a pass.

A group of its own, so it runs alongside the imports group: starting a kernel costs seconds that
the other core would otherwise spend idle. spec["kernel"] is {name, imports}.
"""
import json
import os
import sys


def start_and_import(name, modules):
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ)
    if sys.dont_write_bytecode:  # doctor: the kernel writes no bytecode into the environment either
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    km, kc = start_new_kernel(kernel_name=name, startup_timeout=120, env=env)
    try:
        out = []
        code = "".join("import %s\n" % m for m in modules) + "import json, sys\nprint(json.dumps([sys.prefix, sys.executable]))\n"
        reply = kc.execute_interactive(code, timeout=300, output_hook=lambda msg: out.append(msg["content"].get("text", "")))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    content = reply["content"]
    data = {"kernel": name, "imports": modules}
    if content["status"] != "ok":
        return False, "%s: %s" % (content.get("ename"), content.get("evalue")), data
    prefix, python = json.loads("".join(out).strip().splitlines()[-1])
    data.update(python=python, prefix=prefix)
    imported = "imported %s, " % ", ".join(modules) if modules else ""
    if os.path.realpath(prefix) != os.path.realpath(sys.prefix):
        return False, "started, but it runs %s, not this environment (%s)" % (python, sys.prefix), data
    return True, "started, %sruns %s" % (imported, python), data


def run(spec, h):
    kernel = spec["kernel"]
    h.check("jupyter kernel " + kernel["name"], lambda: start_and_import(kernel["name"], kernel.get("imports", [])))
