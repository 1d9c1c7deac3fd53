"""The real local model, once per `make test`: the shipped GGUF (joined from its wheels and checked
once, then cached) in llama.cpp's own server, out of process, reached through ChatOpenAI. It loads,
answers, reads the evidence in LLM mode, and a crash of the model's process costs no answer."""

from __future__ import annotations

import importlib.util
import os
import signal
import time

import pytest

TEST_LLM_PORT = int(os.environ.get("TIPKG_TEST_LLM_PORT", "47652"))

pytestmark = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                                reason="the llm extra is not installed (`make llm`; make test installs it)")


@pytest.fixture(scope="module")
def llm_settings(built_corpus):
    from retrieval import llm_server

    # the server's pid file and log go under the test store's home (.tipkg/test/store/llm)
    settings = built_corpus[0].model_copy(update={"llm_provider": "llamacpp", "llm_port": TEST_LLM_PORT})
    assert llm_server.build_problem() is None  # built without AVX-512/AMX (the segfault)
    llm_server.start(settings, timeout=180)
    yield settings
    llm_server.stop(settings)


def test_the_server_is_another_process_and_answers(llm_settings):
    from retrieval import llm_server
    from retrieval.llm import make_chat_model

    st = llm_server.status(llm_settings)
    assert st.running and st.pid != os.getpid() and st.url.startswith("http://127.0.0.1:")
    reply = make_chat_model(llm_settings).invoke([("human", "Reply with one word: yes or no. Is 2 larger than 1?")])
    assert reply.content.strip()


def test_llm_mode_reads_the_evidence_and_survives_a_model_crash(llm_settings, embedder):
    from retrieval import llm_server
    from retrieval.agent import Agent

    agent = Agent(llm_settings, mode="llm", embedder=embedder)
    try:
        q = "What is forced criminality in online scam operations?"
        a = agent.ask(q)
        assert a.error is None and a.llm is not None and a.llm.error is None and a.llm.raw, a.llm
        assert 0 < a.timings_ms["llm_first_token"] <= a.timings_ms["llm_total"]
        assert a.abstained or (a.citations and all(c.verified for c in a.citations))
        # every sentence that reached the answer passed the check against what it cites
        assert all(s in a.answer or a.answer.startswith(s[:20]) for s in a.llm.kept) or a.llm.outcome.startswith(
            "default")

        os.killpg(llm_server.status(llm_settings).pid, signal.SIGKILL)  # the model's process dies
        time.sleep(0.5)
        b = agent.ask(q)  # this process lives on; the server is started again for the next question
        assert b.error is None and (b.abstained or b.citations)
        assert llm_server.status(llm_settings).running
    finally:
        agent.close()
