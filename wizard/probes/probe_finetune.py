"""The fine-tuning stack, with no download: one LoRA training step on a tiny causal LM built from a
config (transformers + peft), an in-memory dataset mapped (datasets), the device Accelerator()
picks (accelerate), and bitsandbytes' native library.

A stack that imports can still fail on its first backward pass (a kernel missing on the GPU, a
peft that does not fit the installed transformers), so the step really runs.
"""
import math
import sys

from probe_lib import GPU_ACCELERATORS, expected, installed_names


def torch_device():
    """The device this stack trains on: the GPU when torch can use one."""
    import torch
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps and mps.is_available() else "cpu"


def training_step(lora):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    device = torch_device()
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    model = LlamaForCausalLM(config)
    if lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, task_type="CAUSAL_LM",
                                                 target_modules=["q_proj", "v_proj"]))
    model.to(device)
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    frozen = [(n, p) for n, p in model.named_parameters() if not p.requires_grad][:3]
    before = dict((n, p.detach().clone()) for n, p in trained + frozen)
    optimizer = torch.optim.AdamW([p for _, p in trained], lr=1e-2)
    ids = torch.randint(0, config.vocab_size, (2, 16)).to(device)
    loss = model(input_ids=ids, labels=ids).loss
    loss.backward()
    optimizer.step()
    value = float(loss.detach())
    changed = sum(1 for n, p in trained if not torch.equal(before[n], p.detach()))
    base_kept = all(torch.equal(before[n], p.detach()) for n, p in frozen)
    ok = math.isfinite(value) and changed > 0 and base_kept
    what = "LoRA adapter tensors" if lora else "parameter tensors"
    detail = "one step on %s: loss %.4f, %d of %d %s changed%s" % (
        device, value, changed, len(trained), what, ", base weights unchanged" if lora and base_kept else "")
    return ok, detail, {"device": device, "loss": value, "changed": changed, "trainable": len(trained),
                        "base_unchanged": base_kept, "lora": lora}


def dataset_map():
    import datasets
    datasets.disable_progress_bars()
    ds = datasets.Dataset.from_dict({"text": ["a", "bb", "ccc"]}).map(lambda row: {"length": len(row["text"])})
    lengths = [row["length"] for row in ds]
    return lengths == [1, 2, 3], "Dataset.from_dict(3 rows).map(len) -> %s" % lengths, {"version": datasets.__version__}


def accelerator_device(spec):
    import accelerate
    device = accelerate.Accelerator().device.type
    want = expected(spec, "pytorch")
    want = "cuda" if want in GPU_ACCELERATORS else want  # ROCm builds of torch name their device "cuda" too
    return device == want, "Accelerator().device is %s (expected %s)" % (device, want), {
        "version": accelerate.__version__, "device": device, "expected": want}


def bitsandbytes_setup():
    import bitsandbytes
    import torch
    cext = sys.modules.get("bitsandbytes.cextension")
    library = type(getattr(cext, "lib", None)).__name__
    backend = getattr(cext, "BNB_BACKEND", None)
    try:
        from bitsandbytes.cuda_specs import get_cuda_specs
        specs = get_cuda_specs()
    except Exception:
        specs = None
    data = {"version": bitsandbytes.__version__, "backend": backend, "library": library,
            "cuda_specs": str(specs) if specs else None}
    detail = "bitsandbytes %s, backend %s, native library %s, CUDA %s" % (bitsandbytes.__version__, backend, library, data["cuda_specs"])
    broken = "Mock" in library  # bitsandbytes stands in a mock when its native library fails to load
    gpu_missing = torch.cuda.is_available() and backend not in ("CUDA", "ROCm", "HIP")
    return not (broken or gpu_missing), detail, data


def run(spec, h):
    have = installed_names()
    if "torch" in have and "transformers" in have:
        lora = "peft" in have
        h.check("fine-tuning: LoRA training step" if lora else "fine-tuning: training step", lambda: training_step(lora))
    if "datasets" in have:
        h.check("datasets: map", dataset_map)
    if "accelerate" in have:
        h.check("accelerate: device", lambda: accelerator_device(spec))
    if "bitsandbytes" in have:
        h.check("bitsandbytes: native library", bitsandbytes_setup)
