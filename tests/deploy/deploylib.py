"""Shared helpers of the deploy/ checks (check_systemd.py, check_dockerfile.py,
check_kubernetes.py, check_compose.py): reading YAML, systemd units, Dockerfiles and
.dockerignore, the paths ccmond serves, and running ccmond as a child process whose log lines
are awaited with a deadline (never a sleep).

Every check prints one line per problem and exits 0 (all hold), 1 (a problem) or SKIP (77, a
tool it needs is not installed; CTest reports the test as skipped and the message says what to
install).
"""

import os
import re
import selectors
import shlex
import signal
import subprocess
import sys
import time

SKIP = 77


class Problems:
    """Collects problems; exit() prints them and ends the check."""

    def __init__(self, what):
        self.what = what
        self.items = []
        self.notes = []

    def add(self, message):
        self.items.append(message)

    def check(self, condition, message):
        if not condition:
            self.add(message)
        return condition

    def note(self, message):
        self.notes.append(message)

    def exit(self):
        for n in self.notes:
            print(f"note: {n}")
        for p in self.items:
            print(f"FAIL: {p}")
        if self.items:
            print(f"{self.what}: {len(self.items)} problem(s)")
            sys.exit(1)
        print(f"{self.what}: OK")
        sys.exit(0)


def skip(message):
    print(f"SKIPPED: {message}")
    sys.exit(SKIP)


def yaml_module():
    try:
        import yaml  # noqa: PLC0415 (optional until here)
    except ImportError:
        print(f"FAIL: PyYAML is missing for {sys.executable}: run scripts/install-deps.sh "
              "(Debian package python3-yaml)")
        sys.exit(1)
    return yaml


def load_yaml_documents(path):
    """All documents of a YAML file (empty ones dropped). Raises on a parse error."""
    yaml = yaml_module()
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def load_yaml(path):
    yaml = yaml_module()
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def yaml_text(text):
    return yaml_module().safe_load(text)


# --- systemd units ----------------------------------------------------------------------------

def parse_unit(path):
    """A unit file as {section: [(key, value), ...]} (keys repeat; continuation lines joined)."""
    sections = {}
    current = None
    pending = ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if pending:
                line = pending + line.lstrip()
                pending = ""
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            if stripped.startswith("[") and stripped.endswith("]"):
                current = stripped[1:-1]
                sections.setdefault(current, [])
                continue
            key, _, value = stripped.partition("=")
            sections.setdefault(current, []).append((key.strip(), value.strip()))
    return sections


def unit_values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


def unit_value(unit, section, key):
    values = unit_values(unit, section, key)
    return values[-1] if values else None


# --- Dockerfile -------------------------------------------------------------------------------

class Instruction:
    def __init__(self, keyword, args, line):
        self.keyword = keyword
        self.args = args
        self.line = line

    def __repr__(self):
        return f"{self.keyword} {self.args} (line {self.line})"


class Stage:
    def __init__(self, base, name, line):
        self.base = base
        self.name = name
        self.line = line
        self.instructions = []

    def of(self, keyword):
        return [i for i in self.instructions if i.keyword == keyword]


def parse_dockerfile(path):
    """The stages of a Dockerfile, each with its instructions (continuations joined, comments
    dropped)."""
    stages = []
    logical = ""
    start = 0
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not logical):
            continue
        if not logical:
            start = number
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        keyword, _, args = logical.partition(" ")
        keyword = keyword.upper()
        args = args.strip()
        logical = ""
        if keyword == "FROM":
            words = args.split()
            base = [w for w in words if not w.startswith("--")][0]
            name = words[words.index("AS") + 1] if "AS" in words else (
                words[words.index("as") + 1] if "as" in words else None)
            stages.append(Stage(base, name, start))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, args, start))
    return stages


def apt_packages(run_args):
    """Packages named by `apt-get install` commands in a RUN instruction's shell text."""
    packages = []
    for command in re.split(r"&&|;|\|\|", run_args):
        words = shlex.split(command)
        for i, w in enumerate(words):
            if w.endswith("apt-get") and "install" in words[i + 1:]:
                after = words[words.index("install", i) + 1:]
                packages += [p for p in after if not p.startswith("-")]
    return packages


def copy_sources(instruction):
    """(sources, destination, from_stage) of a COPY/ADD instruction."""
    args = instruction.args
    from_stage = None
    words = []
    if args.startswith("["):
        import json  # noqa: PLC0415
        words = json.loads(args)
    else:
        words = shlex.split(args)
    flags = [w for w in words if w.startswith("--")]
    words = [w for w in words if not w.startswith("--")]
    for flag in flags:
        if flag.startswith("--from="):
            from_stage = flag[len("--from="):]
    return words[:-1], words[-1], from_stage


def exec_form(args):
    """The argv of an exec-form instruction (CMD ["a", "b"]), or None for the shell form."""
    import json  # noqa: PLC0415
    args = args.strip()
    if not args.startswith("["):
        return None
    return json.loads(args)


# --- .dockerignore ----------------------------------------------------------------------------

def dockerignore_patterns(path):
    patterns = []
    if not os.path.exists(path):
        return patterns
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            patterns.append((negate, line.strip("/")))
    return patterns


def _pattern_regex(pattern):
    # Docker's matching: Go filepath.Match per path element, plus "**" for any number of
    # elements; a pattern also excludes everything below a matching directory.
    out = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if i < len(pattern) and pattern[i] == "/":
                out = out[:-2] + "(?:.*/)?"
                i += 1
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        else:
            out += re.escape(c)
        i += 1
    return re.compile("^" + out + "(?:/.*)?$")


def dockerignored(relative_path, patterns):
    """True if .dockerignore's patterns exclude `relative_path` (relative to the context)."""
    ignored = False
    for negate, pattern in patterns:
        if _pattern_regex(pattern).match(relative_path):
            ignored = not negate
    return ignored


# --- What ccmond serves ---------------------------------------------------------------------

def daemon_http_paths(source_dir):
    """Paths ccmond registers on its HTTP server: the Route("...") literals of daemon/ plus the
    default path of MetricsEndpoint::Register (/metrics)."""
    paths = set()
    for root, _, files in os.walk(os.path.join(source_dir, "daemon")):
        for name in files:
            if not name.endswith((".cc", ".h")):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as f:
                text = f.read()
            paths.update(re.findall(r'\bRoute\(\s*"(/[^"]*)"', text))
            paths.update(re.findall(r'std::string path = "(/[^"]*)"', text))
    return paths


def alert_rule_job(source_dir):
    """The job label the alert rules expect of the ccmond scrape (up{job="..."})."""
    with open(os.path.join(source_dir, "deploy/prometheus/ccmon-alerts.yml"),
              encoding="utf-8") as f:
        jobs = set(re.findall(r'up\{job="([^"]+)"\}', f.read()))
    return jobs


# --- Running ccmond --------------------------------------------------------------------------

class Child:
    """A child process whose merged stdout/stderr is read line by line with deadlines."""

    def __init__(self, argv, env=None, cwd=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=env, cwd=cwd)
        self.output = ""
        self._pending = ""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    def wait_for(self, pattern, timeout=20.0):
        """The first match of `pattern` in a line of output (group 1 if any), or None after
        `timeout` seconds or when the output ends."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            while "\n" in self._pending:
                line, self._pending = self._pending.split("\n", 1)
                m = regex.search(line)
                if m:
                    return m.group(1) if m.groups() else line
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if not self._selector.select(left):
                continue
            data = os.read(self.proc.stdout.fileno(), 65536)
            if not data:
                return None
            text = data.decode("utf-8", "replace")
            self.output += text
            self._pending += text

    def stop(self, signo=signal.SIGTERM, timeout=20.0):
        """Sends `signo` and waits; returns the exit code (negative: killed by a signal), or
        None if it had to be killed after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(signo)
        return self.wait(timeout)

    def wait(self, timeout=60.0):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self._drain()
            return None
        self._drain()
        return self.proc.returncode

    def _drain(self, timeout=5.0):
        # What the child wrote before exiting. Bounded: a grandchild that outlived it (a process
        # strace left behind) may hold the pipe open.
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                return
            try:
                data = os.read(self.proc.stdout.fileno(), 65536)
            except (OSError, ValueError):
                return
            if not data:
                return
            self.output += data.decode("utf-8", "replace")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


LISTENING = r"listening on http://127\.0\.0\.1:(\d+)/metrics"


def http_get(port, path, timeout=10.0):
    """(status, body) of GET http://127.0.0.1:port/path; status 0 when the connection fails."""
    import http.client  # noqa: PLC0415
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, body
    except OSError:
        return 0, ""
