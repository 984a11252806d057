"""Process helpers shared by the load scripts (grpc-unary.py, soak.py): start a tool in its own process group, pinned
to a CPU, with its output in a log; stop the whole group; wait for a port to listen."""
import os
import signal
import socket
import subprocess
import time


def default_signals():
    """In the child: SIGHUP back to its default. Started under nohup (or from a background shell) the proxy would
    inherit SIGHUP as ignored, and the runtime then never delivers it: reloads would silently not happen."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def start(name, argv, logdir, env=None, cpu=None):
    """Starts argv in its own process group (so the whole tree is stopped and its CPU counted), pinned to cpu."""
    if cpu is not None:
        argv = ["taskset", "-c", cpu] + argv
    log = open(os.path.join(logdir, f"{name}.log"), "w")
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
                            preexec_fn=default_signals)


def stop(proc, timeout=15):
    """SIGTERM to the process group, SIGKILL when it has not ended within timeout seconds."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=timeout)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_port(port, timeout=60.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False
