"""The processes prod-local starts and stops: where things are, running a command, spawning and ending a
daemon by its pid file, waiting for a port or a page, and rendering a config from deploy/'s templates.

Nothing here knows the topology; deploy/local.py, deploy/postgres.py, deploy/services.py and
deploy/drills.py use these.
"""

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def which(tool: str) -> str | None:
    return shutil.which(tool) or (f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None)


def render(name: str, **values) -> str:
    text = (DEPLOY / name).read_text()

    def value(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"deploy/{name}: no value for {{{{{key}}}}}")
        return str(values[key])

    return re.sub(r"\{\{([A-Z_]+)\}\}", value, text)


def _as_user(user: str | None, args: list[str]) -> list[str]:
    if user and os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *args]
    return args


def run(args: list[str], *, env: dict[str, str] | None = None, user: str | None = None) -> None:
    args = _as_user(user, args)
    if args[0] in ("nginx", "pgbouncer"):
        args[0] = which(args[0]) or args[0]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(
            f"failed ({result.returncode}): {' '.join(args)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def user_can_reach(user: str, *folders: Path) -> bool:
    check = ["runuser", "-u", user, "--", "test", "-x"]
    return all(
        subprocess.run([*check, str(folder)], capture_output=True, check=False).returncode == 0  # noqa: S603
        for folder in folders
    )


def chown_to(user: str, *paths: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        record = pwd.getpwnam(user)
    except KeyError:
        return
    for path in paths:
        os.chown(path, record.pw_uid, record.pw_gid)


def spawn(args: list[str], env: dict[str, str], *, log_file: Path, pid_file: Path) -> None:
    output = open(log_file, "a")  # noqa: SIM115 - the child keeps it
    # A session of its own: the process outlives `make prod-local` and ignores its terminal's Ctrl-C.
    process = subprocess.Popen(  # noqa: S603 - our own fixed commands
        args, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    output.close()
    pid_file.write_text(f"{process.pid}\n")


def pid_in(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(path: Path) -> bool:
    pid = pid_in(path)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child not yet reaped) is gone for every purpose here.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            return False
    return True


def terminate(path: Path, name: str, timeout: float = 20.0) -> None:
    pid = pid_in(path)
    if pid is not None and alive(path):
        # nginx: QUIT finishes the requests in flight; the others stop gracefully on TERM.
        sig = signal.SIGQUIT if name == "nginx" else signal.SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while alive(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(path):
            log(f"{name} (pid {pid}) did not stop in {timeout:.0f} s: killed")
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if name.startswith(("app-", "celery-")):
                    os.killpg(pid, signal.SIGKILL)  # their own session: the workers go too
                else:
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.2)
    path.unlink(missing_ok=True)


def wait_port(port: int, what: str, log_dir: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s (logs in {log_dir})")


def wait_http(url: str, what: str, log_dir: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:  # noqa: S310 - 127.0.0.1 only
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not answer {url} within {timeout:.0f} s (logs in {log_dir})")


def free_port() -> int:
    """A port nobody listens on now (the smoke test's, so suites side by side never collide)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
