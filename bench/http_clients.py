"""`python -m bench.http_clients URL ASKERS EACH QUESTIONS.json`: concurrent askers of a running UI over
its Gradio HTTP API, in a process of their own (clients inside the server's process would take its GIL
and be counted as its cost). Prints one JSON line: per-request milliseconds, errors, wall seconds, and
this process's own CPU per request.

Each asker is one browser session: it loads the app's config once before the clock starts, keeps one
keep-alive connection, and asks its questions one after another the way the page does (join the queue
with the session's hash, then read the session's event stream until the answer arrives). `gradio_client`
is not used for the load: it opens a new HTTP client, and with it a TLS context, for every call, and on
a 2-core machine its ~200 ms of CPU per question was charged to the server it shares the cores with.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx


class Session:
    """One browser tab of the UI: a session hash, a connection, and the endpoint's input layout."""

    def __init__(self, url: str, api_name: str = "ask"):
        self.http = httpx.Client(base_url=url, timeout=httpx.Timeout(600.0))
        config = self.http.get("config").raise_for_status().json()
        self.prefix = config.get("api_prefix", "/gradio_api").strip("/") + "/"
        kinds = {c["id"]: c["type"] for c in config["components"]}
        for i, dep in enumerate(config["dependencies"]):
            if dep.get("api_name") == api_name:
                self.fn_index = dep.get("id", i)
                self.state_inputs = [kinds.get(x) == "state" for x in dep["inputs"]]
                break
        else:
            raise LookupError(f"the app at {url} has no endpoint named {api_name!r}")
        self.hash = uuid.uuid4().hex[:11]

    def ask(self, *values) -> list:
        """The endpoint's outputs for these (non-state) inputs; state inputs go as null, as the page sends them."""
        it = iter(values)
        data = [None if is_state else next(it) for is_state in self.state_inputs]
        joined = self.http.post(self.prefix + "queue/join", json={
            "data": data, "fn_index": self.fn_index, "session_hash": self.hash,
            "event_data": None, "trigger_id": None}).raise_for_status().json()
        output = None
        with self.http.stream("GET", self.prefix + "queue/data", params={"session_hash": self.hash}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed" and msg.get("event_id") == joined["event_id"]:
                    if not msg.get("success"):
                        raise RuntimeError(str(msg.get("output"))[:500])
                    output = msg["output"]["data"]
                if msg.get("msg") == "close_stream":  # sent once the session has nothing pending
                    break
        if output is None:
            raise RuntimeError("the event stream closed without the answer")
        return output

    def close(self) -> None:
        self.http.close()


def main(url: str, askers: int, each: int, questions: list[str]) -> dict:
    with ThreadPoolExecutor(askers) as pool:
        sessions = list(pool.map(lambda _: Session(url), range(askers)))
    start = threading.Barrier(askers + 1)

    def asker(k: int) -> tuple[list[float], int]:
        times, errors = [], 0
        start.wait()
        for i in range(each):
            q = questions[(k * 7 + i) % len(questions)]
            t = time.perf_counter()
            try:
                errors += "answer-box" not in str(sessions[k].ask(q, "default")[0])
            except Exception:  # noqa: BLE001 - counted, not raised
                errors += 1
            times.append((time.perf_counter() - t) * 1000)
        return times, errors

    with ThreadPoolExecutor(askers) as pool:
        futures = [pool.submit(asker, k) for k in range(askers)]
        start.wait()
        cpu, t = os.times(), time.perf_counter()
        res = [f.result() for f in futures]
        wall, used = time.perf_counter() - t, os.times()
    for s in sessions:
        s.close()
    client_cpu = (used.user - cpu.user) + (used.system - cpu.system)
    return {"times_ms": [x for r in res for x in r[0]], "errors": sum(r[1] for r in res), "wall_s": wall,
            "client_cpu_ms_per_request": round(client_cpu * 1000 / (askers * each), 1)}


if __name__ == "__main__":
    url, askers, each, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(path) as fh:
        qs = json.load(fh)
    print(json.dumps(main(url, askers, each, qs)))
