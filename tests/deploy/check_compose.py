#!/usr/bin/env python3
"""Checks deploy/compose/ without Docker (no image can be pulled here).

Usage: check_compose.py MODE SOURCE_DIR, MODE one of

  files     (unit) compose.yaml and every YAML/TOML file it mounts parse; the stack has the
            bridge, ccmond, Prometheus, Alertmanager and Grafana; every bind-mounted file or
            directory exists in the repository (deploy/grafana, which another change fills, is
            only noted while missing: Docker would mount an empty directory); named volumes are
            declared; the ccmon services build deploy/docker/Dockerfile from the repository
            root; ccmond reads the mounted configuration, subscribes to the bridge service on the
            port its TOML binds, and the bridge runs its TOML's subcommand; Prometheus scrapes
            ccmond under job "ccmond" (what the alert rules expect) on its listen port, sends to
            the alertmanager service, and loads exactly deploy/prometheus's rule files through
            the mounts; Grafana, provisioned by deploy/grafana/provisioning, gets the
            prometheus service as data source and finds dashboards where its provider looks.
  promtool  (e2e) `promtool check config` on prometheus.yml inside a copy of the container's file
            layout built from the mounts, so the rule files are found and checked where
            Prometheus will look for them.
  amtool    (e2e) `amtool check-config` on alertmanager.yml.

The e2e modes skip (exit 77) when the tool is not installed (Debian packages prometheus and
prometheus-alertmanager; scripts/install-deps.sh installs both).
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib  # noqa: E402

# deploy/grafana is written by another change at the same time: while it is missing, its mounts
# are only noted (Docker would mount empty directories).
PENDING_PREFIX = "deploy/grafana"


def compose_dir(source_dir):
    return os.path.join(source_dir, "deploy/compose")


def load_compose(source_dir):
    return deploylib.load_yaml(os.path.join(compose_dir(source_dir), "compose.yaml"))


def mounts(service):
    """(source, target, is_bind) for each volume of a service (short syntax)."""
    out = []
    for v in service.get("volumes", []):
        parts = v.split(":")
        source, target = parts[0], parts[1]
        out.append((source, target, source.startswith((".", "/"))))
    return out


def host_path(source_dir, source):
    return os.path.normpath(os.path.join(compose_dir(source_dir), source))


def container_file(source_dir, service, container_path):
    """The repository file a container sees at `container_path`, through the bind mounts."""
    best = None
    for source, target, is_bind in mounts(service):
        if not is_bind:
            continue
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            if best is None or len(target) > len(best[1]):
                best = (source, target)
    if best is None:
        return None
    rest = container_path[len(best[1]):].lstrip("/")
    return os.path.join(host_path(source_dir, best[0]), rest) if rest else host_path(
        source_dir, best[0])


def find_service(services, predicate):
    found = [n for n, s in services.items() if predicate(s)]
    return found[0] if len(found) == 1 else None


def files(source_dir, problems):
    try:
        compose = load_compose(source_dir)
    except Exception as e:  # noqa: BLE001
        problems.add(f"compose.yaml does not parse: {e}")
        return
    services = compose.get("services", {})
    declared = set((compose.get("volumes") or {}).keys())

    def image(s):
        return s.get("image", "")

    bridge = find_service(services, lambda s: "ccmon-bridge" in s.get("command", [])[:1])
    daemon = find_service(services, lambda s: s.get("command", [])[:1] == ["ccmond"])
    prometheus = find_service(services, lambda s: image(s).startswith("prom/prometheus"))
    alertmanager = find_service(services, lambda s: image(s).startswith("prom/alertmanager"))
    grafana = find_service(services, lambda s: image(s).startswith("grafana/grafana"))
    for role, name in (("bridge", bridge), ("ccmond", daemon), ("Prometheus", prometheus),
                       ("Alertmanager", alertmanager), ("Grafana", grafana)):
        problems.check(name, f"compose.yaml needs exactly one {role} service")
    if not all((bridge, daemon, prometheus, alertmanager, grafana)):
        return

    for name, service in services.items():
        for source, target, is_bind in mounts(service):
            if not is_bind:
                problems.check(source in declared, f"{name}: volume {source} is not declared")
                continue
            path = host_path(source_dir, source)
            relative = os.path.relpath(path, source_dir)
            if relative.startswith(".."):
                problems.add(f"{name}: {source} is outside the repository")
            elif not os.path.exists(path):
                if relative.startswith(PENDING_PREFIX):
                    problems.note(f"{name}: {relative} does not exist yet")
                else:
                    problems.add(f"{name}: mounted {source} does not exist")
            elif os.path.isfile(path) and path.endswith((".yml", ".yaml")):
                try:
                    deploylib.load_yaml_documents(path)
                except Exception as e:  # noqa: BLE001
                    problems.add(f"{name}: {source} does not parse: {e}")
        if "build" in service:
            b = service["build"]
            context = host_path(source_dir, b["context"])
            problems.check(context == os.path.normpath(source_dir),
                           f"{name}: build context must be the repository root")
            problems.check(os.path.exists(os.path.join(context, b["dockerfile"])),
                           f"{name}: no Dockerfile {b['dockerfile']}")

    # The bridge: its TOML's one section is the subcommand it runs; the port it binds.
    b = services[bridge]
    cmd = b["command"]
    toml_path = container_file(source_dir, b, cmd[cmd.index("--config") + 1])
    bridge_port = None
    if problems.check(toml_path and os.path.exists(toml_path), "the bridge's TOML is not mounted"):
        with open(toml_path, "rb") as f:
            toml = tomllib.load(f)
        sections = [k for k, v in toml.items() if isinstance(v, dict)]
        problems.check(sections == [cmd[-1]], f"bridge runs {cmd[-1]}, its TOML has {sections}")
        binds = [p for p in toml.get(cmd[-1], {}).get("publish", []) if p.startswith("bind:")]
        ports = {int(m.group(1)) for p in binds for m in [re.search(r":(\d+)$", p)] if m}
        problems.check(len(ports) == 1, f"the bridge should bind one port: {binds}")
        bridge_port = next(iter(ports), None)
        problems.check(b.get("healthcheck", {}).get("disable") is True,
                       "the bridge has no HTTP: the image's health check must be disabled")

    # ccmond: mounted configuration, subscription to the bridge, listen port.
    d = services[daemon]
    config_arg = next((a.split("=", 1)[1] for a in d["command"]
                       if a.startswith("--config.file=")), None)
    config_path = container_file(source_dir, d, config_arg or "")
    listen_port = None
    if problems.check(config_path and os.path.exists(config_path),
                      f"ccmond's --config.file={config_arg} is not mounted"):
        config = deploylib.load_yaml(config_path)
        endpoints = [urlparse(s["endpoint"]) for s in config.get("subscriptions", [])]
        problems.check([(e.hostname, e.port) for e in endpoints] == [(bridge, bridge_port)],
                       f"ccmond must subscribe to tcp://{bridge}:{bridge_port}: "
                       f"{[e.geturl() for e in endpoints]}")
        listen = config.get("web", {}).get("listen_address", ":9464")
        listen_port = int(listen.rsplit(":", 1)[1])
        published = [p.rsplit(":", 1)[1] for p in d.get("ports", [])]
        problems.check(str(listen_port) in published,
                       f"ccmond listens on {listen_port}, publishes {published}")

    # Prometheus: job, targets, rule files.
    p = services[prometheus]
    config_arg = next((a.split("=", 1)[1] for a in p["command"]
                       if a.startswith("--config.file=")), None)
    prom_path = container_file(source_dir, p, config_arg or "")
    if problems.check(prom_path and os.path.exists(prom_path), "prometheus.yml is not mounted"):
        prom = deploylib.load_yaml(prom_path)
        jobs = {j["job_name"]: j for j in prom.get("scrape_configs", [])}
        expected = deploylib.alert_rule_job(source_dir)
        ccmond_jobs = [n for n, j in jobs.items()
                       if any(t.startswith(f"{daemon}:") for sc in j.get("static_configs", [])
                              for t in sc.get("targets", []))]
        problems.check(ccmond_jobs and set(ccmond_jobs) <= expected,
                       f"ccmond is scraped by jobs {ccmond_jobs}; the alert rules expect "
                       f"{sorted(expected)}")
        targets = [t for n in ccmond_jobs for sc in jobs[n]["static_configs"]
                   for t in sc["targets"]]
        problems.check(targets == [f"{daemon}:{listen_port}"],
                       f"ccmond targets {targets}, expected {daemon}:{listen_port}")
        am_targets = [t for a in prom.get("alerting", {}).get("alertmanagers", [])
                      for sc in a.get("static_configs", []) for t in sc.get("targets", [])]
        problems.check(am_targets == [f"{alertmanager}:9093"],
                       f"alerts go to {am_targets}, expected {alertmanager}:9093")
        base = os.path.dirname(config_arg)
        loaded = sorted(os.path.realpath(container_file(source_dir, p, os.path.join(base, r))
                                         or "") for r in prom.get("rule_files", []))
        wanted = sorted(os.path.realpath(os.path.join(source_dir, "deploy/prometheus", f))
                        for f in ("ccmon-alerts.yml", "ccmon-recording.yml"))
        problems.check(loaded == wanted,
                       f"Prometheus loads {loaded}, expected deploy/prometheus's {wanted}")

    # Grafana: the data source and the dashboards, with deploy/grafana's provisioning.
    g = services[grafana]
    provisioning = container_file(source_dir, g, "/etc/grafana/provisioning")
    if provisioning and not os.path.isdir(provisioning) and os.path.relpath(
            provisioning, source_dir).startswith(PENDING_PREFIX):
        return  # Noted above.
    if problems.check(provisioning and os.path.isdir(provisioning),
                      "Grafana's provisioning directory is not mounted"):
        urls, paths = [], []
        for path in glob.glob(os.path.join(provisioning, "datasources/*.yaml")):
            urls += [s.get("url") for s in deploylib.load_yaml(path).get("datasources", [])]
        for path in glob.glob(os.path.join(provisioning, "dashboards/*.yaml")):
            paths += [pr["options"]["path"]
                      for pr in deploylib.load_yaml(path).get("providers", [])]
        problems.check(urls == [f"http://{prometheus}:9090"],
                       f"Grafana's data source URLs {urls}, expected http://{prometheus}:9090")
        for path in paths:
            mounted = container_file(source_dir, g, path)
            problems.check(mounted and os.path.isdir(mounted) and glob.glob(
                os.path.join(mounted, "**/*.json"), recursive=True),
                           f"the dashboard provider reads {path}, where no dashboard is mounted")
        problems.check(paths, "no dashboard provider")


def promtool(source_dir, problems):
    tool = shutil.which("promtool")
    if not tool:
        deploylib.skip("promtool not found: run scripts/install-deps.sh (package prometheus)")
    compose = load_compose(source_dir)
    service = next(s for s in compose["services"].values()
                   if s.get("image", "").startswith("prom/prometheus"))
    config_arg = next(a.split("=", 1)[1] for a in service["command"]
                      if a.startswith("--config.file="))
    with tempfile.TemporaryDirectory() as root:
        # The container's file system as far as the bind mounts make it.
        for source, target, is_bind in mounts(service):
            if not is_bind:
                continue
            place = os.path.join(root, target.lstrip("/"))
            os.makedirs(os.path.dirname(place), exist_ok=True)
            os.symlink(host_path(source_dir, source), place)
        r = subprocess.run([tool, "check", "config", os.path.join(root, config_arg.lstrip("/"))],
                           capture_output=True, text=True, check=False)
        print(r.stdout + r.stderr)
        problems.check(r.returncode == 0, f"promtool check config: exit {r.returncode}")
        problems.check(r.stdout.count("SUCCESS") >= 3,
                       "promtool should report the config and both rule files as SUCCESS")


def amtool(source_dir, problems):
    tool = shutil.which("amtool")
    if not tool:
        deploylib.skip("amtool not found: run scripts/install-deps.sh "
                       "(package prometheus-alertmanager)")
    path = os.path.join(compose_dir(source_dir), "alertmanager/alertmanager.yml")
    r = subprocess.run([tool, "check-config", path], capture_output=True, text=True, check=False)
    print(r.stdout + r.stderr)
    problems.check(r.returncode == 0 and "SUCCESS" in r.stdout,
                   f"amtool check-config: exit {r.returncode}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    mode, source_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    problems = deploylib.Problems(f"check_compose {mode}")
    if mode == "files":
        files(source_dir, problems)
    elif mode == "promtool":
        promtool(source_dir, problems)
    elif mode == "amtool":
        amtool(source_dir, problems)
    else:
        print(__doc__)
        sys.exit(2)
    problems.exit()


if __name__ == "__main__":
    main()
