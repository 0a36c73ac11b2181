"""A background refresh: ``deskmetrics sync --all`` in a detached process, one at a time.

Staff start it from a dashboard while other people keep reading: the sync commits in short
transactions, so a reader waits at most one batch. The job outlives the kernel that started
it (its own session, its own log file), and its state lives in files under ``state_dir``:

- ``refresh.lock``: an exclusive ``flock`` taken by the starter and inherited by the job, so
  it is held exactly as long as the job runs, released by the kernel even if the job is killed,
  and shared by every dashboard kernel on the machine;
- ``status.json``: who started the job and when, written by the starter; the job adds its pid
  and, at the end, when it finished, whether it succeeded and the line that says what to fix;
- ``refresh.log``: the job's output (the sync's summary or its error), replaced by each job.

Neither file holds a secret: the sync reads secrets from the environment and never prints
them, the warehouse URL (which may carry a password) travels in the environment, not argv.
POSIX only (``fcntl``), like the servers the dashboards run on.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from deskmetrics.config import PROJECT_ROOT
from deskmetrics.warehouse.engine import ENV_VAR, resolve_url

DEFAULT_STATE_DIR = PROJECT_ROOT / "data" / "refresh"
LOCK_FILE, STATUS_FILE, LOG_FILE = "refresh.lock", "status.json", "refresh.log"
# a status probe holds the lock for microseconds; a starter retries past one before it
# concludes that a job is running
_LOCK_TRIES, _LOCK_PAUSE = 10, 0.02


@dataclass(frozen=True)
class RefreshStatus:
    """The latest refresh job; ``ok`` is None while it runs or when none ever ran."""

    running: bool
    job_id: str | None = None
    started_at: datetime | None = None
    started_by: str | None = None
    finished_at: datetime | None = None
    ok: bool | None = None
    message: str = ""
    pid: int | None = None
    log_file: Path | None = None


def start_refresh(
    *,
    actor: str,
    warehouse_url: str | None = None,
    config: str | Path | None = None,
    sources_file: str | Path | None = None,
    state_dir: str | Path | None = None,
) -> RefreshStatus:
    """Start a sync of every configured source unless one is running; either way return the
    status of the job that is now running (a second start never makes a second process)."""
    state = Path(state_dir or DEFAULT_STATE_DIR)
    state.mkdir(parents=True, exist_ok=True)
    fd = os.open(state / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _take(fd):
            return refresh_status(state)
        job = {
            "job_id": uuid.uuid4().hex[:12],
            "started_at": _now(),
            "started_by": actor.strip()[:100] or "unknown",
            "finished_at": None,
            "ok": None,
            "message": "",
            "pid": None,
            "log_file": str(state / LOG_FILE),
        }
        _write(state, job)
        command = [sys.executable, "-m", "deskmetrics.refresh", str(state), job["job_id"]]
        command += ["sync", "--all"]
        if sources_file:
            command += ["--sources", str(Path(sources_file).resolve())]
        if config:
            command += ["--config", str(Path(config).resolve())]
        try:
            with open(state / LOG_FILE, "wb") as log:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=_child_env(warehouse_url),
                    start_new_session=True,  # survives the kernel that started it
                    pass_fds=(fd,),  # the job holds the lock until it exits
                )
        except OSError as exc:
            _write(state, {**job, "finished_at": _now(), "ok": False, "message": str(exc)})
            raise
        # reap it when it ends, so a long-lived kernel keeps no zombies
        threading.Thread(target=process.wait, daemon=True).start()
        return _status(job, running=True)
    finally:
        os.close(fd)


def refresh_status(state_dir: str | Path | None = None) -> RefreshStatus:
    """The latest job as its files tell it; works from any process on the machine."""
    state = Path(state_dir or DEFAULT_STATE_DIR)
    job = _read(state)
    if job is None:
        return RefreshStatus(running=_locked(state))
    if job.get("finished_at"):
        return _status(job, running=False)
    if _locked(state):
        return _status(job, running=True)
    job = _read(state) or job  # it may have finished between the two looks
    if job.get("finished_at"):
        return _status(job, running=False)
    return _status(
        {
            **job,
            "ok": False,
            "message": "the refresh stopped without recording a result (was it killed?); "
            f"see {state / LOG_FILE} and start it again",
        },
        running=False,
    )


# -- the job ------------------------------------------------------------------------------------
def run_job(state: Path, job_id: str, cli_args: list[str]) -> int:
    """Run the CLI in this process and record how it ended in ``status.json``."""
    job = _read(state) or {"job_id": job_id, "started_at": _now(), "started_by": "unknown"}
    _write(state, {**job, "pid": os.getpid()})
    crash = ""
    try:
        from deskmetrics.cli import main

        code = main(cli_args)
    except SystemExit as exc:  # argparse refusing the arguments
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException as exc:  # whatever happens, the status must say so
        traceback.print_exc()
        code, crash = 1, f"{type(exc).__name__}: {exc}"
    sys.stdout.flush()
    sys.stderr.flush()
    lines = _log_lines(state / LOG_FILE)
    message = (crash or _error_line(lines) or f"the sync exited with code {code}") if code else ""
    summary = message or (lines[-1] if lines else "")
    job = {**(_read(state) or job), "pid": os.getpid()}
    _write(state, {**job, "finished_at": _now(), "ok": code == 0, "message": summary})
    return code


def _error_line(lines: list[str]) -> str:
    """The CLI's last ``error: ...`` line (it names what to fix), else the last line."""
    for line in reversed(lines):
        if line.startswith("error:"):
            return line.removeprefix("error:").strip()
    return lines[-1] if lines else ""


def _log_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


# -- files --------------------------------------------------------------------------------------
def _take(fd: int) -> bool:
    for attempt in range(_LOCK_TRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if attempt + 1 < _LOCK_TRIES:
                time.sleep(_LOCK_PAUSE)
    return False


def _locked(state: Path) -> bool:
    """Is a job holding the lock? (A shared probe: it never blocks a job, only a starter.)"""
    try:
        fd = os.open(state / LOCK_FILE, os.O_RDONLY)
    except OSError:  # no lock file (no job ever started) or no state directory at all
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a probe's lock
    return False


def _read(state: Path) -> dict | None:
    try:
        return json.loads((state / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write(state: Path, job: dict) -> None:
    """Atomically: a reader sees the old status or the new one, never half of one."""
    temporary = state / f".{STATUS_FILE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(job, indent=1), encoding="utf-8")
    os.replace(temporary, state / STATUS_FILE)


def _status(job: dict, *, running: bool) -> RefreshStatus:
    fields = {name for name in RefreshStatus.__dataclass_fields__} - {"running"}
    values = {k: v for k, v in job.items() if k in fields}
    for name in ("started_at", "finished_at"):
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    if values.get("log_file"):
        values["log_file"] = Path(values["log_file"])
    return RefreshStatus(running=running, **values)


def _child_env(warehouse_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env[ENV_VAR] = resolve_url(warehouse_url)  # in the environment: a URL may hold a password
    env["PYTHONUNBUFFERED"] = "1"  # the log shows progress as it happens
    # the job imports this very deskmetrics, whichever way this process found it
    lib = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (lib, env.get("PYTHONPATH")) if p)
    return env


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deskmetrics.refresh")
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("job_id")
    parser.add_argument("cli_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    return run_job(args.state_dir, args.job_id, args.cli_args)


if __name__ == "__main__":
    sys.exit(_main())
