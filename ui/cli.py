"""`tipkg`: the command line. Reads the settings once and passes them down."""

from __future__ import annotations

import json
import logging
import sys
import typing
from pathlib import Path

from stores.offline import ensure_offline

ensure_offline()

import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console
from rich.table import Table

from evals.suites import SUITES
from kg.settings import Settings

# The driver logs each retry as a warning, which Python prints to stderr when nothing configures logging:
# a failure would get those lines around the one line that says what is wrong.
logging.getLogger("neo4j").setLevel(logging.ERROR)

app = typer.Typer(help="Knowledge graph and cited answers over the 2024 TIP Report.", no_args_is_help=True)
neo4j_app = typer.Typer(help="Run the project's own Neo4j server.", no_args_is_help=True)
eval_app = typer.Typer(help="Evaluate answers on a question set and compare runs.", invoke_without_command=True)
app.add_typer(neo4j_app, name="neo4j")
app.add_typer(eval_app, name="eval")
llm_app = typer.Typer(help="Run the local model's server (llama.cpp, out of process) for LLM mode.",
                      no_args_is_help=True)
app.add_typer(llm_app, name="llm")

console = Console()
err = Console(stderr=True, soft_wrap=True)
SHIPPED_SETS = [name for suite in SUITES for name in suite.sets]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        _fail("bad setting: " + "; ".join(_setting_problem(e) for e in exc.errors()), code=2)


def _setting_problem(error: dict) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    env = name if name.isupper() else f"TIPKG_{name.upper()}"  # fields read under another name carry it
    return f"{env}{'' if name in _secret_names() else '=' + repr(error['input'])}: {error['msg']}"


def _secret_names() -> set[str]:
    """Every name a SecretStr setting is read under: its value is never echoed."""
    names = set()
    for field, info in Settings.model_fields.items():
        if SecretStr in typing.get_args(info.annotation) or info.annotation is SecretStr:
            names.add(field)
            names.update(getattr(info.validation_alias, "choices", []))
    return names


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _check_external(s: Settings, what: str) -> None:
    """Say whether the configured external Neo4j answers (exit 3 when it does not)."""
    from kg.driver import Graph, Neo4jUnavailable

    try:
        with Graph(s) as g:
            g.ping()
    except Neo4jUnavailable as exc:
        err.print(f"External Neo4j {s.neo4j_uri} ({what}): {exc}")
        raise typer.Exit(3) from None
    console.print(f"External Neo4j {s.neo4j_uri} answers (user {s.neo4j_user}, database {s.neo4j_database}; {what}).")


@neo4j_app.command("install")
def neo4j_install() -> None:
    """Fetch the Neo4j jars into the shared cache (once)."""
    from kg import server

    s = _settings()
    if not s.managed_neo4j:
        console.print(f"NEO4J_URI is set ({s.neo4j_uri}): no local Neo4j is needed, nothing installed.")
        return
    try:
        lib = server.install(s)
    except server.Neo4jServerError as exc:
        _fail(str(exc))
    console.print(f"Neo4j {s.neo4j_version} installed in {lib}")


@neo4j_app.command("start")
def neo4j_start() -> None:
    """Install (once) and start Neo4j; waits until Bolt answers."""
    from kg import server

    s = _settings()
    if not s.managed_neo4j:
        # `make up` runs this step: with a cluster or Aura configured it checks that server answers
        # instead of failing, and never starts, stops or configures it.
        _check_external(s, "not started: tipkg does not manage that server")
        return
    try:
        st = server.start(s)
    except server.Neo4jServerError as exc:
        _fail(str(exc))
    console.print(f"Neo4j running (pid {st.pid}) at {st.bolt_uri}; Browser: {st.browser_url}")
    console.print(f"User: {s.neo4j_user}; password in {s.password_file}")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the project's Neo4j gracefully."""
    from kg import server

    s = _settings()
    if not s.managed_neo4j:
        console.print(f"NEO4J_URI is set ({s.neo4j_uri}): tipkg does not manage that server; nothing stopped.")
        return
    was = server.stop(s)
    console.print("Neo4j stopped." if was else "Neo4j was not running.")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the project's Neo4j runs, and where."""
    from kg import server

    s = _settings()
    if not s.managed_neo4j:
        _check_external(s, "external, not managed by tipkg")
        return
    st = server.status(s)
    console.print(f"Neo4j {st.detail}" + (f" (pid {st.pid})" if st.pid else "") + f"; Bolt {st.bolt_uri}; "
                  f"Browser {st.browser_url}; log {st.log_file}")
    if not st.running:
        raise typer.Exit(3)


@llm_app.command("start")
def llm_start() -> None:
    """Join the model's parts (once) and start llama.cpp's server on loopback; waits until it answers."""
    from retrieval import llm_server

    try:
        st = llm_server.start(_settings())
    except llm_server.LLMUnavailable as exc:
        _fail(str(exc))
    console.print(f"Local model server running (pid {st.pid}) at {st.url}; log {st.log_file}")


@llm_app.command("stop")
def llm_stop() -> None:
    """Stop the local model's server."""
    from retrieval import llm_server

    console.print("Local model server stopped." if llm_server.stop(_settings()) else "It was not running.")


@llm_app.command("status")
def llm_status() -> None:
    from retrieval import llm_server

    st = llm_server.status(_settings())
    console.print(f"Local model server {'running' if st.running else 'stopped'} at {st.url}; log {st.log_file}")
    if not st.running:
        raise typer.Exit(3)


@app.command()
def cypher(
    query: str = typer.Argument(..., help="A read-only Cypher query."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array, one object per row."),
    limit: int = typer.Option(1000, help="At most this many rows."),
) -> None:
    """Run a read-only Cypher query (writes are refused)."""
    from kg.driver import Graph, Neo4jUnavailable, QueryRefused, QueryTimeout

    try:
        with Graph(_settings()) as g:
            rows = g.run_untrusted(query, limit=limit)
    except QueryTimeout as exc:
        _fail(str(exc))
    except QueryRefused as exc:
        _fail(f"query refused: {exc}", code=2)
    except Neo4jUnavailable as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(rows, default=str, ensure_ascii=False))
        return
    table = Table(*(rows[0].keys() if rows else ["(no rows)"]))
    for row in rows:
        table.add_row(*(json.dumps(v, default=str, ensure_ascii=False) if not isinstance(v, str) else v
                        for v in row.values()))
    console.print(table)


@app.command()
def ingest(
    paths: list[Path] | None = typer.Argument(None, help="Files or folders (default: the shipped corpus)."),
    tiers: Path | None = typer.Option(None, help="Tier table CSV (default: the shipped one)."),
    prune: bool = typer.Option(False, "--prune", help="Remove documents no longer present in PATHS."),
) -> None:
    """Build the graph and the vector index from documents (idempotent)."""
    from ingest.build import IngestError, run_ingest
    from kg.driver import Neo4jUnavailable
    from stores.embeddings import ModelMissing
    from stores.vectorstore import ChromaUnavailable

    s = _settings()
    try:
        summary = run_ingest(s, paths or [s.corpus_dir], tiers_csv=tiers or s.tiers_csv, prune=prune,
                             console=console)
    except (IngestError, Neo4jUnavailable, ModelMissing, ChromaUnavailable) as exc:
        _fail(str(exc))
    summary.print(console)
    if summary.errors and not summary.documents:
        raise typer.Exit(1)


@app.command()
def ask(
    question: str | None = typer.Argument(None, help="The question."),
    mode: str = typer.Option("default", help="default (no LLM) or llm."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    batch: Path | None = typer.Option(None, help="A JSONL file of {id, question}; writes JSONL to stdout."),
) -> None:
    """Answer a question with cited passages, or say the sources don't.

    Exit code 2 when the question is not one (empty, too long), 1 when it could not be answered (Neo4j or
    Chroma down); the answer is printed either way. With --batch, 1 when any question could not be
    answered (a bad question is reported in its own row)."""
    from retrieval.agent import Agent

    s = _settings()
    if batch is None and question is None:
        _fail("give a question, or --batch FILE.jsonl")
    agent = Agent(s, mode=mode)
    failed = False
    try:
        if batch is not None:
            for line_no, line in enumerate(batch.read_text().splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    _fail(f"{batch}:{line_no}: not JSON ({exc.msg})")
                result = agent.ask(str(item.get("question", "")))
                out = {"id": item.get("id"), **result.model_dump(mode="json")}
                print(json.dumps(out, ensure_ascii=False), flush=True)
                failed = failed or (result.error is not None and not _bad_question(result))
            if failed:
                raise typer.Exit(1)
            return
        if mode == "llm" and not as_json:
            # the model's words as they come (not yet checked), then the checked answer below them
            from retrieval.llm import stream_ask

            result = None
            for item in stream_ask(agent, question or ""):
                if isinstance(item, str):
                    err.print(item, end="", style="dim", highlight=False, markup=False)  # model text, verbatim
                else:
                    result = item
            err.print()
        else:
            result = agent.ask(question or "")
    finally:
        agent.close()
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        from ui.render import print_answer

        print_answer(console, result)
    if result.error is not None:
        raise typer.Exit(2 if _bad_question(result) else 1)


def _bad_question(result) -> bool:
    return result.shape == "invalid"


@eval_app.callback()
def eval_main(
    ctx: typer.Context,
    qa: Path | None = typer.Option(None, "--qa", help="Question set (JSONL)."),
    mode: str = typer.Option("default", help="default, llm, or both (each set through both modes on the same "
                             "store, side by side in one table)."),
    limit: int | None = typer.Option(None, help="Only the first N questions of each set."),
    out: Path | None = typer.Option(None, help="Run folder (default: .tipkg/eval-runs/<timestamp>; with --mode both, "
                                  "one sub-folder per mode; with --set/--all, one per set and mode, default: each "
                                  "scratch store's eval-runs)."),
    baseline: bool = typer.Option(True, help="Also run the naive vector-RAG baseline."),
    sets: list[str] = typer.Option([], "--set", help=f"A shipped set by name ({', '.join(SHIPPED_SETS)}), run on its "
                                   "own corpus in a scratch store. Repeatable."),
    all_sets: bool = typer.Option(False, "--all", help="Every shipped set, each on its corpus in a scratch store."),
    reingest: bool = typer.Option(True, help="With --set/--all: ingest the suite's corpus afresh (--no-reingest "
                                  "reuses the scratch store as the last run left it)."),
) -> None:
    """Run a question set: accuracy, citations, abstention, retrieval, latency."""
    if ctx.invoked_subcommand is not None:
        return
    from evals.runner import run_eval

    if sets or all_sets:
        from evals.suites import run_suites, summary_table

        try:
            results = run_suites(_settings(), sets=None if all_sets else sets, mode=mode, console=console,
                                 reingest=reingest, limit=limit, out_root=out, baseline=baseline)
        except ValueError as exc:
            _fail(str(exc))
        console.print(summary_table(results))
        for key, r in results.items():
            console.print(f"{key}: {Path(r['run_dir']) / 'report.md'}")
        return
    if qa is None:
        _fail("give --qa FILE.jsonl, --set NAME or --all")
    s = _settings()
    try:
        if mode == "both":  # this set through both modes on the configured store, side by side
            from evals.runner import run_modes
            from evals.suites import summary_table

            results = run_modes(s, qa, ("default", "llm"), out=out, with_baseline=baseline, console=console,
                                limit=limit)
            console.print(summary_table(results))
            for key, r in results.items():
                console.print(f"{key}: {Path(r['run_dir']) / 'report.md'}")
            return
        run_dir = run_eval(s, qa, mode=mode, out=out, with_baseline=baseline, console=console, limit=limit)
    except (ValueError, FileNotFoundError) as exc:
        _fail(str(exc))
    console.print(f"Report: {run_dir / 'report.md'}")


@eval_app.command("compare")
def eval_compare(run_a: Path, run_b: Path) -> None:
    """Per-metric deltas between two runs, and the questions that flipped."""
    from evals.compare import compare_runs

    try:
        text = compare_runs(run_a, run_b)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    console.print(text)


@app.command()
def doctor(repair: bool = typer.Option(False, "--repair", help="Fix what disagrees.")) -> None:
    """Check that the graph and the vector index agree."""
    from ingest.doctor import check_stores
    from kg.driver import Neo4jUnavailable
    from stores.vectorstore import ChromaUnavailable

    try:
        report = check_stores(_settings(), repair=repair, console=console)
    except (Neo4jUnavailable, ChromaUnavailable) as exc:
        _fail(str(exc))
    if report.problems and not repair:
        raise typer.Exit(1)


@app.command()
def ui(
    host: str | None = typer.Option(None, help="Bind address (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default 7860)."),
) -> None:
    """Serve the web app."""
    from ui.app import serve

    s = _settings()
    overrides = {k: v for k, v in {"ui_host": host, "ui_port": port}.items() if v is not None}
    if overrides:
        s = s.model_copy(update=overrides)
    try:
        s.ui_auth_pair()
    except ValueError as exc:
        _fail(str(exc), code=2)
    serve(s)


@app.command()
def urls() -> None:
    """Print where the UI and Neo4j Browser are."""
    s = _settings()
    console.print(f"UI:            {s.ui_url}")
    console.print(f"Neo4j Browser: {s.browser_url}  (user {s.neo4j_user}, password in {s.password_file})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
