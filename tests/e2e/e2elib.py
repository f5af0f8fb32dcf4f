"""What the end-to-end tests share: logging, child processes that die with the test and are
waited for by their log lines (never by sleeping a fixed time), free ports.

Imported by the tests in this directory (ctest runs them with this directory as sys.path[0]).
"""
import ctypes
import re
import signal
import socket
import subprocess
import time
from pathlib import Path


def log(msg):
    print(msg, flush=True)


def die_with_parent():
    """A child that outlives a killed test (ctest timeout) would keep its port and its temp dir."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Process:
    def __init__(self, name, argv, logdir):
        self.name = name
        self.log_path = Path(logdir) / f"{name}.log"
        self._log = open(self.log_path, "wb")
        log(f"starting {name}: {' '.join(map(str, argv))}")
        self.proc = subprocess.Popen([str(a) for a in argv], stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     preexec_fn=die_with_parent)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern, timeout_s):
        """Polls the process' log for `pattern`; returns the match or raises."""
        deadline = time.monotonic() + timeout_s
        rx = re.compile(pattern)
        while time.monotonic() < deadline:
            m = rx.search(self.output())
            if m:
                return m
            if self.proc.poll() is not None:
                m = rx.search(self.output())
                if m:
                    return m
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n"
                                   f"{self.output()[-3000:]}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: no {pattern!r} within {timeout_s} s:\n"
                           f"{self.output()[-3000:]}")

    def wait_exit(self, timeout_s):
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{self.name} still running after {timeout_s} s:\n"
                               f"{self.output()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
