"""Start a Jupyter kernel by name through jupyter_client, import modules in it, shut it down; print
one `@@wizard-check` line. Runs in the target environment (plain Python 3.9+).

argv: KERNEL_NAME JSON_LIST_OF_MODULES
"""
import json
import sys
import time

name, modules = sys.argv[1], json.loads(sys.argv[2])
start = time.monotonic()
result = {"name": f"jupyter kernel {name}", "ok": False, "detail": "", "data": {"kernel": name}}
try:
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name=name, startup_timeout=120)
    try:
        out = []
        code = "".join(f"import {m}\n" for m in modules) + "import sys\nprint(sys.executable)\n"
        reply = kc.execute_interactive(code, timeout=300, output_hook=lambda msg: out.append(msg["content"].get("text", "")))
        content = reply["content"]
        python = "".join(out).strip()
        result["data"].update(python=python, imports=modules)
        if content["status"] == "ok":
            result.update(ok=True, detail=f"started, imported {', '.join(modules) or 'nothing'}, runs {python}")
        else:
            result["detail"] = f"{content.get('ename')}: {content.get('evalue')}"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
except Exception as exc:  # every failure is the check's detail
    result["detail"] = f"{type(exc).__name__}: {exc}"
result["seconds"] = round(time.monotonic() - start, 2)
print("@@wizard-check " + json.dumps(result), flush=True)
sys.exit(0 if result["ok"] else 1)
