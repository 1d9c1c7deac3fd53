"""LLM mode's token streaming: `stream_ask` hands out the model's tokens while it is still writing, then
the checked Answer; `tipkg ask --mode llm` writes those tokens to stderr as they come and the checked
answer after them. The chat models are LangChain's fake streaming one and a scripted one."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from typer.testing import CliRunner

from retrieval.decompose import decompose
from retrieval.llm import llm_answer, stream_ask
from retrieval.models import Answer
from tests.conftest import cli_env
from tests.scripted_llm import ScriptedChatModel, copy_line
from tests.test_llm_reader import CUBA_ROW, Ctx, default_answer, units

TEXT = "Cuba collects $6 billion to $8 billion annually from its export of services [1]."
Q = "How much does Cuba earn?"


class ReaderAgent:
    """An Agent's `ask` in LLM mode, reduced to the reader over fixed evidence."""

    def __init__(self, llm, tmp):
        self.ctx = Ctx(llm, tmp)

    def ask(self, question: str) -> Answer:
        return llm_answer(self.ctx, question, decompose(question), [units(CUBA_ROW)], [], default_answer(question))


def test_stream_ask_yields_the_tokens_while_the_model_writes_then_the_answer(tmp_path):
    got_first = threading.Event()

    class Gated(GenericFakeChatModel):
        """Writes its first token, then waits until the consumer has it before writing the rest."""

        def _stream(self, *args, **kwargs):
            for k, chunk in enumerate(super()._stream(*args, **kwargs)):
                yield chunk
                if k == 0 and not got_first.wait(5):
                    raise TimeoutError("the first token did not reach the consumer while the model wrote")

    items = []
    for item in stream_ask(ReaderAgent(Gated(messages=iter([AIMessage(content=TEXT)])), tmp_path), Q):
        items.append(item)
        if isinstance(item, str):
            got_first.set()
    *tokens, answer = items
    assert len(tokens) > 3 and all(isinstance(t, str) for t in tokens) and "".join(tokens) == TEXT
    assert isinstance(answer, Answer) and answer.llm.error is None, answer.llm
    assert answer.answer == TEXT and answer.llm.outcome == "answered"


def test_stream_ask_hands_on_a_failure_of_ask(tmp_path):
    class Failing(ReaderAgent):
        def ask(self, question):
            raise RuntimeError("graph went away")

    with pytest.raises(RuntimeError, match="graph went away"):
        list(stream_ask(Failing(None, tmp_path), Q))


def test_cli_ask_llm_writes_tokens_as_they_come_then_the_checked_answer(built_corpus, monkeypatch):
    from retrieval import llm
    from ui.cli import app

    settings, _ = built_corpus

    def written_so_far(k: int, sent: list[str]) -> None:
        """Before each token: the ones before it are on stderr already (the CLI does not wait for the end)."""
        deadline = time.monotonic() + 5
        while "".join(sent) not in sys.stderr.buffer.getvalue().decode("utf-8", "replace"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"token {k - 1} was not written before token {k} was made")
            time.sleep(0.01)

    # the model copies the evidence line that answers, cited, and adds a sentence no evidence supports
    model = ScriptedChatModel(script=copy_line({"Cuban workers": "22,000"}, extra="They were all [b]taken to Mars "
                                                                                  "[{n}]."),
                              before_token=written_so_far)
    monkeypatch.setattr(llm, "make_chat_model", lambda s: model)
    q = "How many government-affiliated Cuban workers were abroad by the end of 2023?"
    result = CliRunner().invoke(app, ["ask", "--mode", "llm", q], env=cli_env(settings, TIPKG_LLM_PROVIDER="openai"))
    assert result.exit_code == 0, result.output
    assert model.prompts, "the model was not asked"
    raw = model.script(model.prompts[-1])
    assert "22,000" in raw and "Mars" in raw
    assert raw in result.stderr  # every token, verbatim (not read as markup), before the answer
    assert "Mars" not in result.stdout and "22,000" in result.stdout and "[1]" in result.stdout  # checked
    assert result.output.index(raw) < result.output.index("Answer")
