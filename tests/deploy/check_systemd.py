#!/usr/bin/env python3
"""Checks deploy/systemd/ (docs/deployment.md, "systemd").

Usage: check_systemd.py MODE SOURCE_DIR BINARY_DIR, MODE one of

  lint      (unit) what the units must say: ccmond.service is Type=notify with a watchdog,
            restarts on failure, runs as a dynamic unprivileged user with a state directory and
            the hardening options of docs/deployment.md; the bridge template reads
            /etc/ccmon/bridges/<instance>.toml through ccmon-bridge-instance; the paths agree
            with the Dockerfile's.
  instance  (unit) ccmon-bridge-instance picks the subcommand from the file's one [section],
            adds --caller-key-file for a loaded caller.key credential when the subcommand has
            that option, and refuses files with
            no or several sections (exit 2), run against a stand-in bridge that prints its argv.
  verify    (e2e) `systemd-analyze verify` accepts both units, with no warning, in copies whose
            ExecStart paths point at this build's binaries.
  security  (e2e) `systemd-analyze security --offline` rates both units at most 2.0 ("OK").
  syscalls  (e2e) runs the real ccmond (under a notification socket with a watchdog, fed by the
            real ccmon-bridge simulate, scraped, stopped with SIGTERM) and the bridge under
            strace, and checks that every system call they make is allowed by the units'
            SystemCallFilter=, every socket family by RestrictAddressFamilies=, and that no
            mapping is both writable and executable (MemoryDenyWriteExecute=).

The e2e modes skip (exit 77) when systemd-analyze or strace is not installed.
"""

import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib  # noqa: E402

CCMOND_BIN = "/usr/local/bin/ccmond"
INSTANCE_BIN = "/usr/local/libexec/ccmon/ccmon-bridge-instance"

HARDENING = {
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes",
    "RestrictSUIDSGID": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "DynamicUser": "yes",
    "UMask": "0077",
}


def units(source_dir):
    d = os.path.join(source_dir, "deploy/systemd")
    return os.path.join(d, "ccmond.service"), os.path.join(d, "ccmon-bridge@.service")


def lint(source_dir, problems):
    daemon_path, bridge_path = units(source_dir)
    daemon = deploylib.parse_unit(daemon_path)
    bridge = deploylib.parse_unit(bridge_path)
    S = "Service"

    def expect(unit, name, key, value):
        got = deploylib.unit_value(unit, S, key)
        problems.check(got == value, f"{name}: {key}={got!r}, expected {value!r}")

    expect(daemon, "ccmond.service", "Type", "notify")
    expect(daemon, "ccmond.service", "NotifyAccess", "main")
    expect(daemon, "ccmond.service", "Restart", "on-failure")
    expect(daemon, "ccmond.service", "StateDirectory", "ccmon")
    watchdog = deploylib.unit_value(daemon, S, "WatchdogSec")
    problems.check(watchdog is not None and watchdog not in ("0", "infinity"),
                   "ccmond.service: WatchdogSec= must be set (ccmond pings from its event loop)")
    exec_start = deploylib.unit_value(daemon, S, "ExecStart") or ""
    problems.check(exec_start.split()[:1] == [CCMOND_BIN],
                   f"ccmond.service: ExecStart must run {CCMOND_BIN}: {exec_start!r}")
    problems.check("--config.file=/etc/ccmon/ccmond.yaml" in exec_start.split(),
                   "ccmond.service: ExecStart must read /etc/ccmon/ccmond.yaml")
    # ccmond reloads on SIGHUP (daemon/app/reload.h); the unit must send exactly that.
    problems.check(deploylib.unit_value(daemon, S, "ExecReload") == "/bin/kill -HUP $MAINPID",
                   "ccmond.service: ExecReload= must send SIGHUP to the main process")

    expect(bridge, "ccmon-bridge@.service", "Type", "exec")
    expect(bridge, "ccmon-bridge@.service", "Restart", "on-failure")
    expect(bridge, "ccmon-bridge@.service", "RestartPreventExitStatus", "2")
    expect(bridge, "ccmon-bridge@.service", "StateDirectory", "ccmon-bridge/%i")
    problems.check(
        "bridge.toml:/etc/ccmon/bridges/%i.toml" in
        deploylib.unit_values(bridge, S, "LoadCredential"),
        "ccmon-bridge@.service: the instance must load /etc/ccmon/bridges/%i.toml")
    bridge_exec = deploylib.unit_value(bridge, S, "ExecStart") or ""
    problems.check(bridge_exec == f"{INSTANCE_BIN} %d/bridge.toml",
                   f"ccmon-bridge@.service: ExecStart={bridge_exec!r}")

    for name, unit in (("ccmond.service", daemon), ("ccmon-bridge@.service", bridge)):
        for key, value in HARDENING.items():
            expect(unit, name, key, value)
        filters = deploylib.unit_values(unit, S, "SystemCallFilter")
        problems.check(filters[:1] == ["@system-service"],
                       f"{name}: SystemCallFilter= must start from @system-service: {filters}")
        problems.check(deploylib.unit_value(unit, "Install", "WantedBy") == "multi-user.target",
                       f"{name}: WantedBy=multi-user.target")

    # The Dockerfile installs the wrapper where the unit runs it, and the binaries where the
    # units expect them.
    dockerfile = os.path.join(source_dir, "deploy/docker/Dockerfile")
    runtime = deploylib.parse_dockerfile(dockerfile)[-1]
    destinations = {}
    for copy in runtime.of("COPY"):
        sources, dest, _ = deploylib.copy_sources(copy)
        for s in sources:
            destinations[os.path.basename(s.rstrip("/"))] = dest
    problems.check(destinations.get("ccmon-bridge-instance") == INSTANCE_BIN,
                   f"Dockerfile must install ccmon-bridge-instance at {INSTANCE_BIN}")
    problems.check(destinations.get("ccmond") == os.path.dirname(CCMOND_BIN) + "/",
                   f"Dockerfile must install ccmond in {os.path.dirname(CCMOND_BIN)}/")
    wrapper = os.path.join(source_dir, "deploy/systemd/ccmon-bridge-instance")
    problems.check(os.stat(wrapper).st_mode & stat.S_IXUSR,
                   "deploy/systemd/ccmon-bridge-instance must be executable")


def instance(source_dir, problems):
    wrapper = os.path.join(source_dir, "deploy/systemd/ccmon-bridge-instance")
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "fake-bridge")
        with open(fake, "w", encoding="utf-8") as f:
            # Prints its argv, one per line; its --help mentions --caller-key-file for jsonl
            # only (as ccmon-bridge's: simulate has no such option).
            f.write('#!/bin/sh\n'
                    'if [ "$2" = --help ]; then\n'
                    '  [ "$1" = jsonl ] && echo "  --caller-key-file TEXT"; exit 0\n'
                    'fi\n'
                    'for a in "$@"; do printf "%s\\n" "$a"; done\n')
        os.chmod(fake, 0o755)

        def run(text, extra=(), credentials=None):
            path = os.path.join(tmp, "instance.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            env = dict(os.environ, CCMON_BRIDGE=fake)
            env.pop("CREDENTIALS_DIRECTORY", None)
            if credentials:
                env["CREDENTIALS_DIRECTORY"] = credentials
            r = subprocess.run([wrapper, path, *extra], env=env, capture_output=True,
                               text=True, check=False)
            return r.returncode, r.stdout.splitlines(), r.stderr, path

        code, argv, err, path = run('[simulate]\nspeed = 60\n', ["--log.level", "debug"])
        problems.check(code == 0 and argv == ["--config", path, "simulate", "--log.level",
                                              "debug"],
                       f"one section: exit {code}, argv {argv}, {err}")
        code, argv, err, path = run('# header\n  [ asterisk-queue-log ]  # the source\n'
                                    'input = "/var/log/asterisk/queue_log"\n'
                                    '[asterisk-queue-log.mapping]\n[[extra]]\n')
        problems.check(code == 0 and argv == ["--config", path, "asterisk-queue-log"],
                       f"indented section with comment, sub-tables ignored: exit {code}, "
                       f"argv {argv}, {err}")
        code, argv, err, _ = run('speed = 60\n')
        problems.check(code == 2 and "exactly one [section]" in err,
                       f"no section: exit {code} ({err.strip()})")
        code, argv, err, _ = run('[simulate]\n[jsonl]\n')
        problems.check(code == 2 and "found 2" in err, f"two sections: exit {code} ({err})")

        creds = os.path.join(tmp, "credentials")
        os.mkdir(creds)
        code, argv, err, path = run('[jsonl]\n', credentials=creds)
        problems.check(argv == ["--config", path, "jsonl"],
                       f"credentials directory without caller.key: argv {argv}")
        with open(os.path.join(creds, "caller.key"), "w", encoding="utf-8") as f:
            f.write("00" * 32 + "\n")
        code, argv, err, path = run('[jsonl]\n', credentials=creds)
        problems.check(
            code == 0 and argv == ["--config", path, "jsonl", "--caller-key-file",
                                   os.path.join(creds, "caller.key")],
            f"caller.key credential: exit {code}, argv {argv}, {err}")
        code, argv, err, path = run('[simulate]\n', credentials=creds)
        problems.check(code == 0 and argv == ["--config", path, "simulate"],
                       f"caller.key credential, source without the option: argv {argv}")

        r = subprocess.run([wrapper, os.path.join(tmp, "missing.toml")], capture_output=True,
                           text=True, check=False, env=dict(os.environ, CCMON_BRIDGE=fake))
        problems.check(r.returncode == 2 and "cannot read" in r.stderr,
                       f"missing file: exit {r.returncode} ({r.stderr.strip()})")


def substituted_units(source_dir, binary_dir, tmp):
    """Copies of the units whose ExecStart paths exist here; returns (daemon, bridge instance)."""
    daemon_path, bridge_path = units(source_dir)
    wrapper = os.path.join(source_dir, "deploy/systemd/ccmon-bridge-instance")
    with open(daemon_path, encoding="utf-8") as f:
        daemon = f.read().replace(CCMOND_BIN, os.path.join(binary_dir, "bin/ccmond"))
    with open(bridge_path, encoding="utf-8") as f:
        bridge = f.read().replace(INSTANCE_BIN, wrapper)
    out_daemon = os.path.join(tmp, "ccmond.service")
    out_template = os.path.join(tmp, "ccmon-bridge@.service")
    out_instance = os.path.join(tmp, "ccmon-bridge@sim1.service")
    for path, text in ((out_daemon, daemon), (out_template, bridge), (out_instance, bridge)):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return out_daemon, out_instance


def verify(source_dir, binary_dir, problems):
    tool = shutil.which("systemd-analyze")
    if not tool:
        deploylib.skip("systemd-analyze not found: run scripts/install-deps.sh (package systemd)")
    with tempfile.TemporaryDirectory() as tmp:
        for unit in substituted_units(source_dir, binary_dir, tmp):
            r = subprocess.run([tool, "verify", unit], capture_output=True, text=True,
                               check=False, cwd=tmp)
            output = (r.stdout + r.stderr).strip()
            problems.check(r.returncode == 0 and not output,
                           f"systemd-analyze verify {os.path.basename(unit)}: exit "
                           f"{r.returncode}: {output}")
            print(f"systemd-analyze verify {os.path.basename(unit)}: exit {r.returncode}")


def security(source_dir, binary_dir, problems):
    tool = shutil.which("systemd-analyze")
    if not tool:
        deploylib.skip("systemd-analyze not found: run scripts/install-deps.sh (package systemd)")
    with tempfile.TemporaryDirectory() as tmp:
        for unit in substituted_units(source_dir, binary_dir, tmp):
            r = subprocess.run([tool, "security", "--offline=yes", "--no-pager", unit],
                               capture_output=True, text=True, check=False, cwd=tmp)
            m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\S+)", r.stdout)
            if not problems.check(m is not None,
                                  f"systemd-analyze security {unit}: no score: {r.stderr}"):
                continue
            score = float(m.group(1))
            print(f"systemd-analyze security {os.path.basename(unit)}: {score} {m.group(2)}")
            problems.check(score <= 2.0,
                           f"{os.path.basename(unit)}: exposure {score} above 2.0:\n{r.stdout}")


# --- syscalls ---------------------------------------------------------------------------------

def syscall_groups(tool):
    """{"@group": [members...]} from `systemd-analyze syscall-filter`."""
    out = subprocess.run([tool, "syscall-filter", "--no-pager"], capture_output=True, text=True,
                         check=True).stdout
    groups = {}
    current = None
    for line in out.splitlines():
        if line.startswith("@"):
            current = line.strip()
            groups[current] = []
        elif current and line.startswith("    ") and not line.strip().startswith("#"):
            groups[current].append(line.strip())
    return groups


def expand(names, groups, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if n.startswith("@"):
            if n in seen:
                continue
            seen.add(n)
            out |= expand(groups.get(n, []), groups, seen)
        else:
            out.add(n)
    return out


def allowed_syscalls(unit, groups):
    allowed = None
    for value in deploylib.unit_values(unit, "Service", "SystemCallFilter"):
        deny = value.startswith("~")
        names = set(expand(value.lstrip("~").split(), groups))
        if deny:
            allowed = (allowed if allowed is not None else expand(["@known"], groups)) - names
        else:
            allowed = names if allowed is None else allowed | names
    return allowed


SYSCALL_LINE = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)")


def traced(path):
    """(syscall names, socket families, write+exec mappings) from an strace -f log."""
    names, families, wx = set(), set(), []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = SYSCALL_LINE.match(line)
            if not m:
                continue
            name = m.group(1)
            names.add(name)
            if name in ("socket", "socketpair"):
                fam = re.search(r"\((AF_[A-Z0-9]+|\d+)", line)
                if fam:
                    families.add(fam.group(1))
            if name in ("mmap", "mprotect", "pkey_mprotect"):
                prot = re.search(r"PROT_[A-Z|_]+", line)
                flags = prot.group(0) if prot else ""
                if "PROT_EXEC" in flags and ("PROT_WRITE" in flags or name != "mmap"):
                    wx.append(line.strip())
    return names, families, wx


def syscalls(source_dir, binary_dir, problems):
    tool = shutil.which("systemd-analyze")
    strace = shutil.which("strace")
    if not tool or not strace:
        deploylib.skip("systemd-analyze or strace not found: run scripts/install-deps.sh "
                       "(packages systemd, strace)")
    groups = syscall_groups(tool)
    daemon_unit_path, bridge_unit_path = units(source_dir)
    ccmond = os.path.join(binary_dir, "bin/ccmond")
    bridge = os.path.join(binary_dir, "bin/ccmon-bridge")
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "ccmond.yaml")
        with open(config, "w", encoding="utf-8") as f:
            f.write('web:\n  listen_address: "127.0.0.1:0"\nsubscriptions:\n'
                    '  - endpoint: "tcp://127.0.0.1:*"\n    bind: true\n'
                    'windows:\n  time_zone: Europe/Berlin\n')
        notify_path = os.path.join(tmp, "notify")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        notify.bind(notify_path)
        notify.settimeout(20)
        ccmond_pid = None
        env = dict(os.environ, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="200000")
        env.pop("WATCHDOG_PID", None)
        daemon_log = os.path.join(tmp, "ccmond.strace")
        daemon = deploylib.Child([strace, "-f", "-qq", "-o", daemon_log, ccmond,
                                  "--config.file", config], env=env)
        try:
            port = daemon.wait_for(deploylib.LISTENING)
            endpoint = daemon.wait_for(r"subscribed to (tcp://127\.0\.0\.1:\d+)")
            if not problems.check(port and endpoint, f"ccmond did not start:\n{daemon.output}"):
                return
            # The messages' credentials give ccmond's PID: the process started is strace, and
            # SIGTERM must reach ccmond itself.
            seen = []
            try:
                while "WATCHDOG=1" not in seen:
                    data, ancillary, _, _ = notify.recvmsg(4096, socket.CMSG_SPACE(12))
                    seen.append(data.decode())
                    for level, kind, cred in ancillary:
                        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                            ccmond_pid = struct.unpack("3i", cred[:12])[0]
            except socket.timeout:
                problems.add(f"no WATCHDOG=1 within 20 s; received {seen}")
            problems.check(any("READY=1" in s for s in seen), f"no READY=1: {seen}")

            bridge_log = os.path.join(tmp, "bridge.strace")
            run = deploylib.Child([strace, "-f", "-qq", "-o", bridge_log, bridge, "simulate",
                                   "--profile",
                                   os.path.join(source_dir, "config/simulator/demo.yaml"),
                                   # 30 simulated minutes over 3 s: the connection to
                                   # ccmond is up long before the last event.
                                   "--speed", "600", "--duration", "30m", "--publish",
                                   f"connect:{endpoint}", "--publish",
                                   # Both layouts: a bind endpoint as bridges use it in
                                   # containers (ZeroMQ resolves it through netlink).
                                   "bind:tcp://127.0.0.1:*", "--source", "sim1"])
            code = run.wait(120)
            problems.check(code == 0, f"ccmon-bridge simulate exited {code}:\n{run.output}")

            # Events reach the engine a moment after the bridge is done; each try is one scrape.
            received = False
            for _ in range(2000):
                status, body = deploylib.http_get(int(port), "/metrics")
                if status == 200 and re.search(r"^ccmond_events_applied_total\{[^}]*\} [1-9]",
                                               body, re.M):
                    received = True
                    break
            problems.check(received, "ccmond applied no event from the bridge")
            if problems.check(ccmond_pid, "no credentials on the notification messages"):
                try:
                    os.kill(ccmond_pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass  # Already gone: the exit status below says how.
                code = daemon.wait(20)  # strace exits with its tracee's status.
                problems.check(code == 0, f"ccmond exited {code} on SIGTERM:\n{daemon.output}")
        finally:
            if ccmond_pid and daemon.proc.poll() is None:
                try:
                    os.kill(ccmond_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            daemon.kill()
            notify.close()

        for name, log, unit_path in (("ccmond", daemon_log, daemon_unit_path),
                                     ("ccmon-bridge", bridge_log, bridge_unit_path)):
            unit = deploylib.parse_unit(unit_path)
            allowed = allowed_syscalls(unit, groups)
            used, families, wx = traced(log)
            # strace starts tracing at the execve it made; systemd runs its own execve before
            # the filter applies to the new program, and that call is allowed in any case.
            used.discard("execve")
            problems.check(len(used) > 20, f"{name}: strace saw only {sorted(used)}")
            blocked = sorted(used - allowed)
            problems.check(not blocked,
                           f"{name}: system calls outside SystemCallFilter= of "
                           f"{os.path.basename(unit_path)}: {blocked}")
            permitted = set(
                (deploylib.unit_value(unit, "Service", "RestrictAddressFamilies") or "").split())
            problems.check(families <= permitted,
                           f"{name}: socket families {sorted(families - permitted)} outside "
                           f"RestrictAddressFamilies={' '.join(sorted(permitted))}")
            problems.check(not wx, f"{name}: writable+executable mappings (MemoryDenyWrite"
                                   f"Execute=yes would refuse them): {wx[:3]}")
            print(f"{name}: {len(used)} distinct system calls, all allowed; socket families "
                  f"{sorted(families)}")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    mode = sys.argv[1]
    source_dir, binary_dir = (os.path.abspath(p) for p in sys.argv[2:])
    problems = deploylib.Problems(f"check_systemd {mode}")
    if mode == "lint":
        lint(source_dir, problems)
    elif mode == "instance":
        instance(source_dir, problems)
    elif mode == "verify":
        verify(source_dir, binary_dir, problems)
    elif mode == "security":
        security(source_dir, binary_dir, problems)
    elif mode == "syscalls":
        syscalls(source_dir, binary_dir, problems)
    else:
        print(__doc__)
        sys.exit(2)
    problems.exit()


if __name__ == "__main__":
    main()
