"""A scripted LangChain chat model for LLM-mode tests: it answers by a Python function of the prompt it
is sent (no weights, no network), streams its reply word by word, and keeps every prompt it got."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

_LINE = re.compile(r"^\[(\d+)\] \((.*?)\) (.*)$")


class ScriptedChatModel(BaseChatModel):
    script: Callable[[str], str]  # the user message (evidence and question) -> the reply
    first_token_delay_s: float = 0.0  # "prompt evaluation": the wait before the first token
    before_token: Callable[[int, list[str]], None] | None = None  # called with (k, tokens so far) before token k
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _reply(self, messages: list[BaseMessage]) -> str:
        prompt = str(messages[-1].content)
        self.prompts.append(prompt)
        return self.script(prompt)

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self._reply(messages)))])

    def _stream(self, messages, stop=None, run_manager=None, **kwargs) -> Iterator[ChatGenerationChunk]:
        text = self._reply(messages)
        time.sleep(self.first_token_delay_s)
        sent: list[str] = []
        for k, token in enumerate(re.findall(r"\s*\S+", text)):
            if self.before_token:
                self.before_token(k, sent)
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            sent.append(token)
            yield chunk


def evidence(prompt: str) -> dict[int, tuple[str, str]]:
    """The numbered evidence lines of an LLM-mode prompt: {n: (label, text)}."""
    out = {}
    for line in prompt.split("<<<\n", 1)[-1].split("\n>>>", 1)[0].splitlines():
        m = _LINE.match(line)
        if m:
            out[int(m.group(1))] = (m.group(2), m.group(3))
    return out


def question(prompt: str) -> str:
    return next((line[len("Question: "):] for line in prompt.splitlines() if line.startswith("Question: ")), "")


def line_with(prompt: str, needle: str) -> tuple[int, str] | None:
    """The first evidence line whose text contains `needle`: (n, text)."""
    return next(((n, text) for n, (_, text) in evidence(prompt).items() if needle in text), None)


def copy_line(needles: dict[str, str], extra: str = "") -> Callable[[str], str]:
    """A script that answers a question by copying the evidence line holding its needle, cited
    ({question fragment: needle}), then `extra` (with '{n}' for that line's number); NOT IN SOURCES
    for any other question or when no line holds the needle."""

    def script(prompt: str) -> str:
        q = question(prompt)
        needle = next((v for k, v in needles.items() if k.lower() in q.lower()), None)
        found = line_with(prompt, needle) if needle else None
        if found is None:
            return "NOT IN SOURCES"
        n, text = found
        return f"{text.rstrip('.')} [{n}]." + (" " + extra.format(n=n) if extra else "")

    return script
