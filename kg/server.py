"""Install, configure, start and stop the project's own Neo4j Community server.

The jars come from Maven (`kg/server/pom.xml`) into a cache shared by every checkout; each
instance (the user's, a test session's) has its own conf/data/logs folder under `Settings.home`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from kg.browser_style import post_connect_cmd
from kg.process import pid_alive, read_pid, stop_group
from kg.readonly import READER_PROCEDURES
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


# dbms.security.procedures.allowlist: Neo4j 5.26 applies it to plugin procedures and functions only
# (built-ins such as dbms.listConfig stay callable; checked against the server), so it is what keeps
# an apoc or gds jar dropped into plugins/ from loading anything but these. Extend it when the
# project's own Cypher calls a new procedure.
PROJECT_PROCEDURES = ("db.awaitIndexes", "db.index.fulltext.queryNodes")
BROWSER_PROCEDURES = ("dbms.components", "dbms.clientConfig", "dbms.showCurrentUser")  # its connect handshake
PROCEDURE_ALLOWLIST = tuple(dict.fromkeys(PROJECT_PROCEDURES + READER_PROCEDURES + BROWSER_PROCEDURES))

_SIZE = re.compile(r"(\d+)([kmg]?)", re.IGNORECASE)
_UNIT = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


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


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _transaction_memory_limit(heap: str) -> str | None:
    """Half the heap: one runaway query is stopped while the others (the UI's askers) still have room.
    The largest transactions the project writes (500-row batches, delete_everything's 20,000-entity
    chunks) need far less. None when the heap size is in a form this does not read."""
    match = _SIZE.fullmatch(heap.strip())
    if not match:
        return None
    return f"{int(match.group(1)) * _UNIT[match.group(2).lower()] // 2 // (1 << 20)}m"


def write_conf(settings: Settings) -> Path:
    p = _paths(settings)
    _private_dir(settings.neo4j_home)  # holds the password file, the auth store and the graph
    for key in ("conf", "data", "logs", "run"):
        _private_dir(p[key])
    memory = _transaction_memory_limit(settings.neo4j_heap)
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
            # LOAD CSV can read neither files nor any address (this setting also covers https and ftp).
            "dbms.security.allow_csv_import_from_file_urls=false",
            "internal.dbms.cypher_ip_blocklist=0.0.0.0/0,::/0",
            f"dbms.security.procedures.allowlist={','.join(PROCEDURE_ALLOWLIST)}",
            # No server-wide db.transaction.timeout: ingest writes may run long. The read path sets
            # its own per-transaction timeout (kg.driver); checking every 500 ms stops it close to that.
            "db.transaction.monitor.check.interval=500ms",
            *([f"db.memory.transaction.max={memory}"] if memory else []),
            "db.tx_log.rotation.retention_policy=2 files",
            # Browser applies the shipped style (kg/browser/tipkg.grass) itself each time it connects.
            f"browser.post_connect_cmd={post_connect_cmd()}",
            "",
        ]
    )
    path = p["conf"] / "neo4j.conf"
    _write_private(path, conf + "\n")
    return path


def ensure_password(settings: Settings) -> str:
    """Generate the initial password on first install; keep it 0600 in the state folder."""
    pw_file = settings.password_file
    if pw_file.exists():
        return pw_file.read_text().strip()
    _private_dir(pw_file.parent)
    password = secrets.token_urlsafe(18)
    while password.startswith("-"):  # neo4j-admin would read it as an option and refuse to start
        password = secrets.token_urlsafe(18)
    _write_private(pw_file, password + "\n")
    return password


def _java_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(settings.neo4j_home)
    env["NEO4J_CONF"] = str(_paths(settings)["conf"])
    return env


def _set_initial_password(settings: Settings, password: str) -> None:
    """Write the auth store before the first start. The password never goes on a command line (any
    local user can read /proc/PID/cmdline): the admin tool's argument parser reads `@FILE` as the
    arguments written in that file, and the 0600 password file holds exactly the password."""
    auth_ini = _paths(settings)["data"] / "dbms" / "auth.ini"
    system_db = _paths(settings)["data"] / "databases" / "system"
    if auth_ini.exists():
        os.chmod(auth_ini, 0o600)  # an install from before it was written private
    if auth_ini.exists() or system_db.exists():
        return
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]*", password):
        # The @FILE reader splits at spaces and takes quotes and '#' as syntax; a generated password
        # never has them.
        raise Neo4jServerError(f"The password in {settings.password_file} may hold only letters, digits, '_' "
                               f"and '-' (not first); delete the file to have one generated.")
    cmd = ["java", "-cp", f"{lib_dir(settings)}/*", "org.neo4j.cli.AdminTool", "dbms", "set-initial-password",
           f"@{settings.password_file}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_java_env(settings), umask=0o077)
    if proc.returncode != 0:
        raise Neo4jServerError("Setting the initial Neo4j password failed: "
                               + failure_cause((proc.stderr or proc.stdout).splitlines()))
    if auth_ini.exists():
        os.chmod(auth_ini, 0o600)


def _read_pid(settings: Settings) -> int | None:
    return read_pid(_paths(settings)["pid"])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _listener(port: int) -> str | None:
    """Which process listens on the port ('pid 123, java'), when this user may see it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as fh:
                rows = fh.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if len(f) > 9 and f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{f[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return f"pid {proc.name}, {(proc / 'comm').read_text().strip()}"
        except OSError:
            continue
    return None


def _check_ports_free(settings: Settings) -> None:
    if settings.bolt_port == settings.http_port:
        raise Neo4jServerError(f"TIPKG_BOLT_PORT and TIPKG_HTTP_PORT are both {settings.bolt_port}; give them "
                               f"different ports.")
    # A connect, not a bind: a bind also fails for the closing connections of a server stopped a moment
    # ago, which a starting Neo4j binds past.
    for name, port, variable in (("Bolt", settings.bolt_port, "TIPKG_BOLT_PORT"),
                                 ("HTTP", settings.http_port, "TIPKG_HTTP_PORT")):
        if port_open(port):
            holder = _listener(port)
            raise Neo4jServerError(f"Neo4j cannot start: its {name} port {port} is taken by another process"
                                   f"{f' ({holder})' if holder else ''}; stop it or set {variable}.")


def _bolt_answers(settings: Settings) -> bool:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError, Neo4jError, ServiceUnavailable

    from kg.driver import RATE_LIMITED

    try:
        with GraphDatabase.driver(
            settings.bolt_uri, auth=(settings.neo4j_user, settings.password()), connection_timeout=2
        ) as drv:
            drv.verify_connectivity()
        return True
    except AuthError as exc:
        raise Neo4jServerError(f"Neo4j answers but rejects the password in {settings.password_file}: {exc}") from exc
    except Neo4jError as exc:
        if exc.code == RATE_LIMITED:
            raise Neo4jServerError(f"Neo4j answers but refuses logins for a while after too many wrong passwords "
                                   f"({RATE_LIMITED}); try again in a few seconds.") from exc
        return False
    except (ServiceUnavailable, OSError):
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
    if current.pid is None:
        _check_ports_free(settings)
    lib = install(settings)
    write_conf(settings)
    password = ensure_password(settings)
    _set_initial_password(settings, password)
    p = _paths(settings)
    log_start = p["console"].stat().st_size if p["console"].exists() else 0
    if current.pid is None:
        cmd = [
            "java", f"-Xmx{settings.neo4j_heap}", *JAVA_OPTS, "-cp", f"{lib}/*",
            "org.neo4j.server.CommunityEntryPoint",
            f"--home-dir={settings.neo4j_home}", f"--config-dir={p['conf']}", "--console-mode",
        ]
        with os.fdopen(os.open(p["console"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
            proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=_java_env(settings), start_new_session=True,  # outlives the CLI that started it
                umask=0o077,  # the store, the logs and the auth data it writes are the owner's alone
            )
        _write_private(p["pid"], str(proc.pid))
        pid = proc.pid
    else:
        pid = current.pid
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            p["pid"].unlink(missing_ok=True)
            raise Neo4jServerError(f"Neo4j exited during start-up: {startup_cause(p['console'], log_start)} "
                                   f"(full log: {p['console']})")
        cause = startup_cause(p["console"], log_start, fatal_only=True)
        if cause:
            # It logs why and then takes ~10 s more to shut itself down; no need to wait for that.
            stop(settings, timeout=20)
            raise Neo4jServerError(f"Neo4j failed to start: {cause} (full log: {p['console']})")
        if port_open(settings.bolt_port) and port_open(settings.http_port) and _bolt_answers(settings):
            return status(settings)
        time.sleep(0.5)
    raise Neo4jServerError(f"Neo4j did not answer on Bolt within {timeout:.0f}s; see {p['console']}")


def stop(settings: Settings, timeout: float = 60.0) -> bool:
    """Graceful stop (SIGTERM, then SIGKILL after `timeout`). Returns whether it was running."""
    if not settings.managed_neo4j:
        # NEO4J_URI names a server someone else runs; a pid file under this home is not its pid
        raise Neo4jServerError(f"NEO4J_URI is set ({settings.neo4j_uri}): tipkg does not manage that server.")
    pid = _read_pid(settings)
    if pid is None:
        return False
    stop_group(pid, _paths(settings)["pid"], timeout, settle=0.5)
    return True


_LOG_PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+[+-]\d{4}\s+[A-Z]+\s+")
_STARTUP_FAILED = re.compile(r"^\S+ \S+\s+ERROR\s+Failed to start Neo4j")


def startup_cause(console_log: Path, offset: int = 0, fatal_only: bool = False) -> str | None:
    """The one line of this start's console output that says why Neo4j did not come up, without the
    Java frames around it. With fatal_only, only a 'Failed to start' error counts (None until then)."""
    try:
        with open(console_log, "rb") as fh:
            fh.seek(offset)
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return None if fatal_only else "it wrote no log"
    if fatal_only:
        failed = [ln for ln in lines if _STARTUP_FAILED.match(ln)]
        return _LOG_PREFIX.sub("", failed[0]).strip() if failed else None
    return failure_cause(lines)


def failure_cause(lines: list[str]) -> str:
    """The line of a Neo4j or Java failure that says why: its first logged ERROR, else the innermost
    'Caused by:', else what is left once the stack frames are dropped."""
    errors = [ln for ln in lines if re.match(r"^\S+ \S+\s+ERROR\s", ln)]
    if errors:
        return _LOG_PREFIX.sub("", errors[0]).strip()
    causes = [ln for ln in lines if ln.startswith("Caused by:")]
    if causes:
        return causes[-1].removeprefix("Caused by:").strip()
    # A JVM that never started Neo4j (bad heap size, missing class) prints its reason on its own lines.
    text = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith(("at ", "... "))]
    return " ".join(text[-3:]) if text else "it printed nothing"
