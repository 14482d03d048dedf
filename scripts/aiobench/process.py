"""process.py: starting a client and stopping it, bounded in time.

Each child gets a raised open-files limit and dies with the runner
(child_setup); a client starts through a small shell (CLIENT_LAUNCHER), so
that its peak memory is its own; its exit code becomes a status
(exit_status): the code, "signal N", "timeout" or "cannot run".
"""

import ctypes
import os
import resource
import signal
import subprocess
import time

from aiobench import ROOT

CLIENT_TIMEOUT_MIN_S = 60      # a client run is killed after max(this, 3 x estimate + 30)


def child_setup(nofile):
    """Runs in each child before exec: a raised open-files limit, and death
    with the runner (PR_SET_PDEATHSIG), so that even a SIGKILLed bench leaves
    no server behind."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(soft, nofile)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def stop_process(proc, first_signal, grace_s, group=False):
    """Sends first_signal (to proc's process group when group is set, which
    start_new_session made proc's own), then SIGKILL after grace_s; reaps."""
    send = (lambda sig: os.killpg(proc.pid, sig)) if group else proc.send_signal
    if proc.poll() is None:
        try:
            send(first_signal)
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            proc.wait()


def read_text(path):
    """A file's text, '' when it cannot be read."""
    try:
        with open(path, errors="replace") as text_file:
            return text_file.read()
    except OSError:
        return ""


def last_line(path_or_text, is_path=True):
    """The last non-empty line of a file or text, '' when there is none."""
    text = read_text(path_or_text) if is_path else path_or_text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# Clients start through a shell that forks them: Linux carries a process's
# peak RSS across fork and exec, so a client forked from this Python process
# would report Python's peak as its own max_rss_kb; one forked by a small
# shell reports its own. The shell and the client share a process group.
CLIENT_LAUNCHER = ["/bin/sh", "-c", '"$@"; exit $?', "sh"]


# The clients' own codes for a run that a signal stopped (SIGHUP, SIGINT,
# SIGTERM), cleaned up and reported: 128 + N, as the shell says of a death.
CLIENT_STOPPED = (129, 130, 143)


def exit_status(returncode):
    """The client's exit code through the shell; 128+N is death by signal N
    (but for the clients' own codes of a stopped run, CLIENT_STOPPED)."""
    if returncode < 0:
        return f"signal {-returncode}"
    if returncode > 128 and returncode not in CLIENT_STOPPED:
        return f"signal {returncode - 128}"
    return returncode


def launch(ctx, cmd, estimate_s, env=None):
    """Runs cmd, a client, through CLIENT_LAUNCHER, bounded in time by the
    estimate of its run, in env (default: the clients'); never raises but
    Interrupted. Returns (status,
    stdout, error, whole-process seconds): status is the exit code,
    "timeout", "signal N" or "cannot run"; error is "" for status 0, else
    stderr's last line, or how long it ran before it was killed."""
    timeout_s = max(CLIENT_TIMEOUT_MIN_S, 3 * estimate_s + 30)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(CLIENT_LAUNCHER + cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                env=env or ctx.client_env, start_new_session=True,
                                preexec_fn=lambda: child_setup(0))
    except OSError as err:
        return "cannot run", b"", f"{cmd[0]}: {err.strerror}", 0.0
    try:
        out, err = proc.communicate(timeout=timeout_s)
        seconds = time.monotonic() - started
        status = exit_status(proc.returncode)
    except subprocess.TimeoutExpired:
        stop_process(proc, signal.SIGINT, 5, group=True)
        out, err = proc.communicate()
        seconds = time.monotonic() - started
        status = "timeout"
    finally:
        stop_process(proc, signal.SIGINT, 5, group=True)   # only when interrupted
    if status == "timeout":
        return status, out, f"killed after {timeout_s:.0f} s", seconds
    error = "" if status == 0 else last_line(err.decode(errors="replace"), is_path=False)
    return status, out, error, seconds


def command_output(cmd):
    """The stripped stdout of cmd, '' when it cannot run or fails."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=10, cwd=ROOT)
        return done.stdout.strip() if done.returncode == 0 else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""
