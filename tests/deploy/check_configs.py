#!/usr/bin/env python3
"""Runs this build's binaries on the configuration files that deploy/ ships (e2e).

Usage: check_configs.py SOURCE_DIR BINARY_DIR. What holds when it passes:

- `ccmond --check-config` accepts the daemon configuration embedded in the Kubernetes ConfigMap
  ccmond-config and deploy/compose/ccmond.yaml.
- ccmond started on each of them (listening on port 0, subscribing to a local port) answers 200
  on every path the deployments probe or scrape: the Kubernetes probes and ServiceMonitor path,
  and the Dockerfile HEALTHCHECK's path.
- Every bridge TOML (the Kubernetes bridge ConfigMap, deploy/compose/bridges/*.toml) uses only
  long options of its subcommand (`ccmon-bridge SUBCOMMAND --help`; ccmon-bridge ignores unknown
  keys in a file, so a misspelt key would otherwise pass silently), and runs to completion
  through deploy/systemd/ccmon-bridge-instance with the real ccmon-bridge, after the paths
  inside the image are mapped back to the repository through the Dockerfile's COPY lines
  (publishing on a local port, 10 simulated minutes at 6000x).
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib  # noqa: E402


def k8s_objects(source_dir):
    objects = []
    for path in sorted(glob.glob(os.path.join(source_dir, "deploy/kubernetes/*.yaml"))):
        objects += [d for d in deploylib.load_yaml_documents(path) if isinstance(d, dict)]
    return objects


def daemon_configs(source_dir, objects):
    """[(label, text)] of every ccmond configuration deploy/ ships."""
    out = []
    for o in objects:
        if o.get("kind") == "ConfigMap" and o["metadata"]["name"] == "ccmond-config":
            out.append(("kubernetes ConfigMap ccmond-config", o["data"]["ccmond.yaml"]))
    with open(os.path.join(source_dir, "deploy/compose/ccmond.yaml"), encoding="utf-8") as f:
        out.append(("deploy/compose/ccmond.yaml", f.read()))
    return out


def probed_paths(source_dir, objects):
    paths = set()
    for o in objects:
        if o.get("kind") in ("StatefulSet", "Deployment"):
            for c in o["spec"]["template"]["spec"]["containers"]:
                for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                    get = c.get(probe, {}).get("httpGet")
                    if get:
                        paths.add(get["path"])
        if o.get("kind") == "ServiceMonitor":
            paths.update(e.get("path", "/metrics") for e in o["spec"]["endpoints"])
    runtime = deploylib.parse_dockerfile(os.path.join(source_dir, "deploy/docker/Dockerfile"))[-1]
    paths.update(re.findall(r"GET (/\S*) HTTP", runtime.of("HEALTHCHECK")[-1].args))
    return paths


def check_daemon(source_dir, binary_dir, objects, problems, tmp):
    ccmond = os.path.join(binary_dir, "bin/ccmond")
    paths = probed_paths(source_dir, objects)
    problems.check({"/-/healthy", "/-/ready", "/metrics"} <= paths,
                   f"expected the probes and the scrape among {sorted(paths)}")
    for label, text in daemon_configs(source_dir, objects):
        path = os.path.join(tmp, "ccmond.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        r = subprocess.run([ccmond, "--check-config", "--config.file", path],
                           capture_output=True, text=True, check=False)
        problems.check(r.returncode == 0 and "configuration OK" in r.stdout,
                       f"{label}: ccmond --check-config: exit {r.returncode} "
                       f"{r.stdout}{r.stderr}")
        print(f"{label}: {r.stdout.strip()}")
        daemon = deploylib.Child([ccmond, "--config.file", path, "--web.listen-address",
                                  "127.0.0.1:0", "--subscribe", "tcp://127.0.0.1:9"])
        try:
            port = daemon.wait_for(deploylib.LISTENING)
            if not problems.check(port, f"{label}: ccmond did not start:\n{daemon.output}"):
                continue
            for p in sorted(paths):
                status, _ = deploylib.http_get(int(port), p)
                problems.check(status == 200, f"{label}: GET {p} answered {status}")
            problems.check(daemon.stop() == 0, f"{label}: ccmond did not stop cleanly")
        finally:
            daemon.kill()


def image_paths(source_dir):
    """{path in the image: path in the repository} from the runtime stage's COPY lines."""
    runtime = deploylib.parse_dockerfile(os.path.join(source_dir, "deploy/docker/Dockerfile"))[-1]
    mapping = {}
    for copy in runtime.of("COPY"):
        sources, dest, from_stage = deploylib.copy_sources(copy)
        if from_stage is None and len(sources) == 1:
            mapping[dest] = os.path.join(source_dir, sources[0])
    return mapping


def bridge_tomls(source_dir, objects):
    out = []
    for o in objects:
        if o.get("kind") == "ConfigMap":
            for key, text in o.get("data", {}).items():
                if key.endswith(".toml"):
                    out.append((f"kubernetes ConfigMap {o['metadata']['name']} {key}", text))
    for path in sorted(glob.glob(os.path.join(source_dir, "deploy/compose/bridges/*.toml"))):
        with open(path, encoding="utf-8") as f:
            out.append((os.path.relpath(path, source_dir), f.read()))
    return out


def check_bridges(source_dir, binary_dir, objects, problems, tmp):
    bridge = os.path.join(binary_dir, "bin/ccmon-bridge")
    wrapper = os.path.join(source_dir, "deploy/systemd/ccmon-bridge-instance")
    mapping = image_paths(source_dir)
    for label, text in bridge_tomls(source_dir, objects):
        toml = tomllib.loads(text)
        sections = [k for k, v in toml.items() if isinstance(v, dict)]
        if not problems.check(len(sections) == 1, f"{label}: sections {sections}"):
            continue
        source = sections[0]
        r = subprocess.run([bridge, source, "--help"], capture_output=True, text=True,
                           check=False)
        options = set(re.findall(r"--([a-z0-9][a-z0-9.-]*)", r.stdout))
        unknown = sorted(set(toml[source]) - options)
        problems.check(r.returncode == 0 and not unknown,
                       f"{label}: keys that are not options of `ccmon-bridge {source}`: {unknown}")

        def mapped(value):
            if isinstance(value, str):
                for image_path, repo_path in mapping.items():
                    if image_path.endswith("/") and value.startswith(image_path):
                        return os.path.join(repo_path, value[len(image_path):])
                    if value == image_path:
                        return repo_path
            return value

        local = os.path.join(tmp, "bridge.toml")
        with open(local, "w", encoding="utf-8") as f:
            f.write(f"[{source}]\n")
            for key, value in toml[source].items():
                # JSON strings, numbers, booleans and arrays of them are valid TOML values.
                f.write(f"{key} = {json.dumps(mapped(value))}\n")
        extra = []
        if source == "simulate":
            # 10 simulated minutes, at most a fraction of a second of wall time.
            extra = ["--duration", "10m"] + ([] if toml[source].get("fast") else
                                              ["--speed", "6000"])
        run = deploylib.Child([wrapper, local, "--publish", "bind:tcp://127.0.0.1:*", *extra],
                              env=dict(os.environ, CCMON_BRIDGE=bridge))
        code = run.wait(120)
        if problems.check(code == 0,
                          f"{label}: ccmon-bridge-instance exited {code}:\n{run.output}"):
            print(f"{label}: ccmon-bridge {source} ran to completion")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    source_dir, binary_dir = (os.path.abspath(p) for p in sys.argv[1:])
    problems = deploylib.Problems("check_configs")
    objects = k8s_objects(source_dir)
    with tempfile.TemporaryDirectory() as tmp:
        check_daemon(source_dir, binary_dir, objects, problems, tmp)
        check_bridges(source_dir, binary_dir, objects, problems, tmp)
    problems.exit()


if __name__ == "__main__":
    main()
