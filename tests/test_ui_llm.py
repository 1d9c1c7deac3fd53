"""LLM mode in the app streams the model's words into the answer box, then puts the checked answer in their
place. The chat model is LangChain's scripted fake, slowed down so a browser can see it write; the stores
are real."""

from __future__ import annotations

import time

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from tests.conftest import free_port
from tests.test_ui import ARGS, ARTIFACTS, CHROMIUM, _need_chromium

QUESTION = "What does Project Arachnid do?"
REPLY = ("Project Arachnid is a tool that detects images of child sexual abuse online and asks for their "
         "removal [1].")


class SlowFakeChat(GenericFakeChatModel):
    """Writes one word every `delay` seconds, as a small local model does."""

    delay: float = 0.0

    def _stream(self, *args, **kwargs):
        for chunk in super()._stream(*args, **kwargs):
            time.sleep(self.delay)
            yield chunk


def _llm_agent(settings, embedder, delay: float = 0.0):
    from retrieval.agent import Agent

    return Agent(settings, mode="llm", embedder=embedder,
                 chat_model=SlowFakeChat(messages=iter([AIMessage(content=REPLY)] * 10), delay=delay))


def _llm_settings(built_corpus):
    settings, _ = built_corpus
    return settings.model_copy(update={"llm_provider": "openai", "ui_port": free_port()})


def test_ask_llm_yields_the_words_so_far_then_the_checked_answer(built_corpus, embedder):
    from retrieval.agent import Agent
    from ui.app import build_app

    settings = _llm_settings(built_corpus)
    agent, llm = Agent(settings, embedder=embedder), _llm_agent(settings, embedder)
    try:
        app = build_app(settings, agent, llm_agent=llm)
        ask_llm = next(f for f in app.fns.values() if f.api_name == "ask_llm").fn
        outputs = list(ask_llm(QUESTION, []))
    finally:
        agent.close()
        llm.close()
    live, final = outputs[:-1], outputs[-1]
    assert len(live) >= 5  # one update per word, not one at the end
    texts = [out[0] for out in live]
    assert all("streaming" in t and "not yet checked" in t for t in texts)
    assert all(len(a) < len(b) for a, b in zip(texts, texts[1:]))  # the text grows as the model writes
    assert "Project" in texts[0] and "removal" in texts[-1]
    html, *_, session = final
    assert 'id="answer-box"' in html and "streaming" not in html  # the checked answer replaced the live text
    assert len(session) == 1 and session[0]["question"] == QUESTION and session[0]["llm"] is not None


@pytest.mark.browser
def test_llm_mode_streams_in_the_browser_when_enter_is_pressed(built_corpus, embedder):
    _need_chromium()
    from playwright.sync_api import sync_playwright

    from retrieval.agent import Agent
    from ui.app import build_app, launch

    settings = _llm_settings(built_corpus)
    agent, llm = Agent(settings, embedder=embedder), _llm_agent(settings, embedder, delay=0.15)
    app = build_app(settings, agent, llm_agent=llm)
    launch(app, settings)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{settings.ui_port}/", wait_until="domcontentloaded")
            box = page.locator("#question textarea, #question input").first
            box.wait_for(timeout=60_000)
            page.get_by_label("llm").check()
            page.locator("#ask-llm-btn").wait_for(state="visible", timeout=30_000)
            assert not page.locator("#ask-btn").is_visible()
            box.fill(QUESTION)
            box.press("Enter")  # the mode's own button: LLM mode's streams
            page.locator("#answer-box.streaming").wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "llm-streaming.png"), full_page=True)
            page.wait_for_function("document.querySelector('#answer-box') && "
                                   "!document.querySelector('#answer-box').classList.contains('streaming')",
                                   timeout=60_000)
            assert page.locator("#history label").count() == 1
            page.get_by_label("default").check()
            page.locator("#ask-btn").wait_for(state="visible", timeout=30_000)
            box.fill("What tier is Serbia in?")
            box.press("Enter")  # default mode again: a plain answer, no live text
            page.wait_for_function("document.querySelectorAll('#history label').length == 2", timeout=60_000)
            assert "Tier 2 Watch List" in page.locator("#answer-box").inner_text()
            browser.close()
    finally:
        app.close()
        agent.close()
        llm.close()
