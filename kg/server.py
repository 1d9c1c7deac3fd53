"""Install, configure, start and stop the project's own Neo4j Community server.

The jars come from Maven (`kg/server/pom.xml`) into a cache shared by every checkout; each
instance (the user's, a test session's) has its own conf/data/logs folder under `Settings.home`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kg.browser_style import post_connect_cmd
from kg.settings import Settings

POM = Path(__file__).resolve().parent / "server" / "pom.xml"

JAVA_OPTS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]


class Neo4jServerError(RuntimeError):
    pass


@dataclass
class ServerStatus:
    running: bool
    pid: int | None
    bolt_uri: str
    browser_url: str
    log_file: Path
    detail: str = ""


def lib_dir(settings: Settings) -> Path:
    return settings.cache_dir / f"neo4j-{settings.neo4j_version}" / "lib"


def _paths(settings: Settings) -> dict[str, Path]:
    h = settings.neo4j_home
    return {
        "conf": h / "conf",
        "data": h / "data",
        "logs": h / "logs",
        "run": h / "run",
        "pid": h / "run" / "neo4j.pid",
        "console": h / "logs" / "console.log",
    }


def install(settings: Settings, quiet: bool = True) -> Path:
    """Resolve the Neo4j jars once into the shared cache (a no-op when they are there)."""
    lib = lib_dir(settings)
    marker = lib / ".complete"
    if marker.exists():
        return lib
    if shutil.which("mvn") is None or shutil.which("java") is None:
        raise Neo4jServerError("Installing Neo4j needs Java 17+ and Maven (`mvn`) on PATH.")
    tmp = lib.with_name("lib.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        "mvn", "-B", "-f", str(POM),
        f"-Dneo4j.version={settings.neo4j_version}",
        f"-Dneo4j.browser.version={settings.neo4j_browser_version}",
        "dependency:copy-dependencies", "-DincludeScope=runtime", f"-DoutputDirectory={tmp}",
    ]
    if quiet:
        cmd.insert(1, "-q")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Neo4jServerError(f"Maven could not resolve Neo4j {settings.neo4j_version}:\n{proc.stdout[-3000:]}")
    shutil.rmtree(lib, ignore_errors=True)
    tmp.rename(lib)  # atomic: a killed install never leaves a half-filled lib/ that looks complete
    marker.write_text(settings.neo4j_version)
    return lib


def write_conf(settings: Settings) -> Path:
    p = _paths(settings)
    for key in ("conf", "data", "logs", "run"):
        p[key].mkdir(parents=True, exist_ok=True)
    conf = "\n".join(
        [
            "# Written by tipkg (kg/server.py); edits are overwritten on start.",
            "server.default_listen_address=127.0.0.1",
            "server.default_advertised_address=localhost",
            f"server.bolt.listen_address=127.0.0.1:{settings.bolt_port}",
            f"server.bolt.advertised_address=localhost:{settings.bolt_port}",
            f"server.http.listen_address=127.0.0.1:{settings.http_port}",
            f"server.http.advertised_address=localhost:{settings.http_port}",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            "dbms.usage_report.enabled=false",
            f"server.memory.heap.initial_size={settings.neo4j_heap}",
            f"server.memory.heap.max_size={settings.neo4j_heap}",
            f"server.memory.pagecache.size={settings.neo4j_pagecache}",
            f"server.directories.data={p['data']}",
            f"server.directories.logs={p['logs']}",
            f"server.directories.run={p['run']}",
            f"server.directories.import={settings.neo4j_home / 'import'}",
            "dbms.security.allow_csv_import_from_file_urls=false",
            "db.tx_log.rotation.retention_policy=2 files",
            # Browser applies the shipped style (kg/browser/tipkg.grass) itself each time it connects.
            f"browser.post_connect_cmd={post_connect_cmd()}",
            "",
        ]
    )
    path = p["conf"] / "neo4j.conf"
    path.write_text(conf + "\n")
    return path


def ensure_password(settings: Settings) -> str:
    """Generate the initial password on first install; keep it 0600 in the state folder."""
    pw_file = settings.password_file
    if pw_file.exists():
        return pw_file.read_text().strip()
    pw_file.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    while password.startswith("-"):  # neo4j-admin would read it as an option and refuse to start
        password = secrets.token_urlsafe(18)
    fd = os.open(pw_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password


def _java_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(settings.neo4j_home)
    env["NEO4J_CONF"] = str(_paths(settings)["conf"])
    return env


def _set_initial_password(settings: Settings, password: str) -> None:
    auth_ini = _paths(settings)["data"] / "dbms" / "auth.ini"
    system_db = _paths(settings)["data"] / "databases" / "system"
    if auth_ini.exists() or system_db.exists():
        return
    cmd = ["java", "-cp", f"{lib_dir(settings)}/*", "org.neo4j.cli.AdminTool", "dbms", "set-initial-password", password]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_java_env(settings))
    if proc.returncode != 0:
        raise Neo4jServerError(f"Setting the initial Neo4j password failed:\n{proc.stderr[-2000:]}")


def _read_pid(settings: Settings) -> int | None:
    pid_file = _paths(settings)["pid"]
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    if _pid_alive(pid):
        return pid
    pid_file.unlink(missing_ok=True)  # stale: the process is gone
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _bolt_answers(settings: Settings) -> bool:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

    try:
        with GraphDatabase.driver(
            settings.bolt_uri, auth=(settings.neo4j_user, settings.password()), connection_timeout=2
        ) as drv:
            drv.verify_connectivity()
        return True
    except AuthError as exc:
        raise Neo4jServerError(f"Neo4j answers but rejects the password in {settings.password_file}: {exc}") from exc
    except (ServiceUnavailable, Neo4jError, OSError):
        return False


def status(settings: Settings) -> ServerStatus:
    pid = _read_pid(settings)
    running = pid is not None and port_open(settings.bolt_port)
    return ServerStatus(
        running=running,
        pid=pid,
        bolt_uri=settings.bolt_uri,
        browser_url=settings.browser_url,
        log_file=_paths(settings)["console"],
        detail="running" if running else ("starting" if pid else "stopped"),
    )


def start(settings: Settings, timeout: float | None = None) -> ServerStatus:
    """Start the server and wait until Bolt answers; a no-op when it already runs."""
    if not settings.managed_neo4j:
        raise Neo4jServerError(f"NEO4J_URI is set ({settings.neo4j_uri}): tipkg does not manage that server.")
    timeout = timeout or settings.neo4j_start_timeout_s
    current = status(settings)
    if current.running:
        return current
    if current.pid is None and port_open(settings.bolt_port):
        raise Neo4jServerError(
            f"Port {settings.bolt_port} is taken by another process; stop it or set TIPKG_BOLT_PORT."
        )
    lib = install(settings)
    write_conf(settings)
    password = ensure_password(settings)
    _set_initial_password(settings, password)
    p = _paths(settings)
    if current.pid is None:
        cmd = [
            "java", f"-Xmx{settings.neo4j_heap}", *JAVA_OPTS, "-cp", f"{lib}/*",
            "org.neo4j.server.CommunityEntryPoint",
            f"--home-dir={settings.neo4j_home}", f"--config-dir={p['conf']}", "--console-mode",
        ]
        with open(p["console"], "ab") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=_java_env(settings), start_new_session=True,  # outlives the CLI that started it
            )
        p["pid"].write_text(str(proc.pid))
        pid = proc.pid
    else:
        pid = current.pid
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            p["pid"].unlink(missing_ok=True)
            raise Neo4jServerError(f"Neo4j exited during start-up; see {p['console']}:\n{_tail(p['console'])}")
        if port_open(settings.bolt_port) and port_open(settings.http_port) and _bolt_answers(settings):
            return status(settings)
        time.sleep(0.5)
    raise Neo4jServerError(f"Neo4j did not answer on Bolt within {timeout:.0f}s; see {p['console']}")


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Graceful stop (SIGTERM, then SIGKILL after `timeout`). Returns whether it was running."""
    pid = _read_pid(settings)
    if pid is None:
        return False
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.2)
    if _pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)
        time.sleep(0.5)
    _paths(settings)["pid"].unlink(missing_ok=True)
    return True


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except FileNotFoundError:
        return "(no log)"
