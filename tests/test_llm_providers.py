"""The chat model each provider setting makes (retrieval/llm.py make_chat_model), with no network: the
LangChain class, where it points, which model, how long an answer may be; and a clear LLMUnavailable
when the provider's package (the llm extra) is missing."""

from __future__ import annotations

import socket
import sys

import pytest

from kg.settings import Settings
from retrieval.llm import LLMUnavailable, _talks_to_local_server, make_chat_model


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Making a chat model must not connect anywhere (it would hang or fail on these machines)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def settings(tmp_path, **kw) -> Settings:
    return Settings(home=tmp_path, **kw)


def test_ollama_provider(tmp_path):
    pytest.importorskip("langchain_ollama")
    from langchain_ollama import ChatOllama

    m = make_chat_model(settings(tmp_path, llm_provider="ollama", llm_model="llama3.2:1b",
                                 llm_base_url="http://10.9.8.7:11434", llm_max_tokens=77))
    assert isinstance(m, ChatOllama)
    assert (m.model, m.base_url, m.num_predict, m.temperature) == ("llama3.2:1b", "http://10.9.8.7:11434", 77, 0)
    d = make_chat_model(settings(tmp_path, llm_provider="ollama"))  # the defaults: local Ollama, Qwen 1.5B
    assert (d.model, d.base_url, d.num_predict) == ("qwen2.5:1.5b", "http://127.0.0.1:11434", 160)


def test_openai_compatible_provider(tmp_path):
    pytest.importorskip("langchain_openai")
    from langchain_openai import ChatOpenAI

    s = settings(tmp_path, llm_provider="openai", llm_model="mistral-small", llm_base_url="http://10.9.8.7:8000/v1",
                 llm_api_key="sk-test-123", llm_max_tokens=55, llm_timeout_s=9)
    m = make_chat_model(s)
    assert isinstance(m, ChatOpenAI)
    assert (m.model_name, m.openai_api_base, m.max_tokens, m.request_timeout) == (
        "mistral-small", "http://10.9.8.7:8000/v1", 55, 9)
    assert m.openai_api_key.get_secret_value() == "sk-test-123" and m.streaming and m.temperature == 0
    assert not _talks_to_local_server(m, s)  # LLM mode never starts the local server for it
    keyless = make_chat_model(settings(tmp_path, llm_provider="openai", llm_base_url="http://10.9.8.7:8000/v1"))
    assert keyless.openai_api_key.get_secret_value() == "not-needed" and keyless.model_name == "gpt-4o-mini"


def test_llamacpp_provider_is_chatopenai_on_the_local_server(tmp_path, monkeypatch):
    pytest.importorskip("langchain_openai")
    from langchain_openai import ChatOpenAI

    from retrieval import llm_server

    started = []
    monkeypatch.setattr(llm_server, "start", lambda s, **kw: started.append(s.llm_port))
    s = settings(tmp_path, llm_provider="llamacpp", llm_port=47999, llm_max_tokens=33)
    m = make_chat_model(s)
    assert started == [47999]  # the server is started (here: its start recorded) before the model is made
    assert isinstance(m, ChatOpenAI) and m.openai_api_base == "http://127.0.0.1:47999/v1"
    assert (m.model_name, m.max_tokens, m.max_retries) == (llm_server.LOCAL_MODEL_ALIAS, 33, 0)
    assert _talks_to_local_server(m, s)


@pytest.mark.parametrize("provider,package", [("openai", "langchain_openai"), ("llamacpp", "langchain_openai"),
                                              ("ollama", "langchain_ollama")])
def test_a_missing_extra_is_a_clear_llm_unavailable(tmp_path, monkeypatch, provider, package):
    monkeypatch.setitem(sys.modules, package, None)  # as if the llm extra were not installed
    with pytest.raises(LLMUnavailable) as exc:
        make_chat_model(settings(tmp_path, llm_provider=provider))
    assert f"LLM provider '{provider}' needs the llm extra (`make llm`)" in str(exc.value)
    assert package in str(exc.value)


def test_no_provider_is_llm_unavailable_and_says_what_to_set(tmp_path):
    for provider in ("none", "gpt"):
        with pytest.raises(LLMUnavailable, match="set TIPKG_LLM_PROVIDER to llamacpp, ollama or openai"):
            make_chat_model(settings(tmp_path, llm_provider=provider))


def test_llm_mode_without_the_extra_keeps_the_default_answer_and_says_why(tmp_path, monkeypatch):
    from retrieval.decompose import decompose
    from retrieval.llm import llm_answer
    from tests.test_llm_reader import CUBA_ROW, Ctx, default_answer, units

    monkeypatch.setitem(sys.modules, "langchain_openai", None)
    ctx = Ctx(None, tmp_path)  # provider openai, no model yet: LLM mode makes it on first use
    q = "How much does Cuba earn?"
    a = llm_answer(ctx, q, decompose(q), [units(CUBA_ROW)], [], default_answer(q))
    assert a.answer == "default [1]" and a.llm.outcome == "default (the model failed)"
    assert a.llm.error.startswith("LLMUnavailable: LLM provider 'openai' needs the llm extra")
