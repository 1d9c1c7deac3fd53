"""Why tipkg sets OMP_WAIT_POLICY=PASSIVE: the model's throughput and CPU with the OpenMP default
(threads spin at each barrier before sleeping) and with PASSIVE, alone and with one core kept busy by
another process (as ingest's own work, Neo4j and Chroma keep it busy during an ingest).

`python -m bench.wait_policy_probe [PASSAGES] [REPEATS]` prints one JSON object. Each policy runs in its
own child process, because OpenMP reads the variable once, when torch loads.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICIES = ("default", "PASSIVE")


def child(policy: str, n: int) -> dict:
    if policy == "default":
        os.environ.pop("OMP_WAIT_POLICY", None)
    else:
        os.environ["OMP_WAIT_POLICY"] = policy
    import torch  # noqa: F401 - loads OpenMP now, before anything else can set the variable

    from bench.generate import generate
    from bench.run import cpu_seconds
    from ingest.chunk import chunk
    from ingest.clean import clean
    from ingest.load import load
    from retrieval.embeddings import Embedder

    with tempfile.TemporaryDirectory() as tmp:
        texts = []
        for f in generate(n + 100, Path(tmp) / "c"):
            doc = load(f, 10**8)
            texts += [p.text for p in chunk(doc, clean(doc.text).blocks)]
    texts = texts[:n]
    e = Embedder()
    e.embed(texts[:64])
    out = {}
    for mode in ("alone", "one_core_busy"):
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if mode == "one_core_busy" else None
        try:
            cpu, t = cpu_seconds(), time.perf_counter()
            e.embed(texts)
            dt = time.perf_counter() - t
            out[mode] = {"passages_per_s": round(len(texts) / dt, 2), "model_cpu_s": round(cpu_seconds() - cpu, 1)}
        finally:
            if burner:
                burner.kill()
    return out


def main(n: int = 1500, repeats: int = 2) -> dict:
    runs: dict[str, list[dict]] = {p: [] for p in POLICIES}
    for _ in range(repeats):
        for policy in POLICIES:  # interleaved, so drift on a shared machine hits both alike
            proc = subprocess.run([sys.executable, "-m", "bench.wait_policy_probe", "--child", policy, str(n)],
                                  capture_output=True, text=True, check=True)
            runs[policy].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return {"passages": n, "cores": os.cpu_count(), "runs": runs}


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], int(sys.argv[3]))))
    else:
        args = [int(a) for a in sys.argv[1:3]]
        print(json.dumps(main(*args), indent=1))
