#!/usr/bin/env python3
"""Checks deploy/kubernetes/ without a cluster: by parsing the manifests and cross-checking them.

Usage: check_kubernetes.py SOURCE_DIR (unit). What holds when it passes:

- Every manifest parses as YAML; every object has apiVersion, kind, metadata.name, the
  namespace ccmon (but the Namespace itself) and the label app.kubernetes.io/part-of=ccmon;
  kustomization.yaml lists exactly the manifest files of the directory.
- Workloads (StatefulSet, Deployment): the selector selects the pod template; every container
  has an image, CPU and memory requests and a memory limit, no privilege escalation, a read-only
  root file system and drops ALL capabilities; the pod runs as non-root with the Dockerfile's
  user; every volume mount names a volume or claim template; every ConfigMap volume names a
  ConfigMap of the directory; the StatefulSet's serviceName is a headless Service selecting it.
- ccmond's liveness and startup probes GET /-/healthy and its readiness probe /-/ready, on a
  named container port, and those paths (and the ServiceMonitor's) are paths ccmond registers
  (Route("...") in daemon/); its --config.file is the mounted ConfigMap key.
- Ports agree: each Service's targetPort is a container port of the pods it selects; the
  ServiceMonitor selects the ccmond Service by its labels and scrapes a port name of it, with
  the job label the alert rules expect (job="ccmond" = the Service name); ccmond's NetworkPolicy
  admits exactly the metrics port, from Prometheus pods, and lets out exactly the bridges'
  ZeroMQ container ports (to the bridge pods, found from the ConfigMap's subscription and replay
  endpoints through their Services) plus DNS; the bridge's NetworkPolicy admits ccmond on its ZeroMQ port.
- The PrometheusRule objects are current (generate.sh --check) and their spec.groups equal the
  groups of deploy/prometheus/ccmon-alerts.yml and ccmon-recording.yml.
- The bridge's args name the subcommand of the one [section] of its mounted TOML, from the path
  it is mounted at.

`ccmond --check-config` on the ConfigMap's configuration and the bridge TOML's keys are checked
by check_configs.py (they run the binaries).
"""

import glob
import os
import re
import subprocess
import sys
import tomllib
from urllib.parse import urlparse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib  # noqa: E402

NAMESPACE = "ccmon"
WORKLOADS = ("StatefulSet", "Deployment")


def selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def pod_labels(workload):
    return workload["spec"]["template"]["metadata"].get("labels", {})


def containers(workload):
    return workload["spec"]["template"]["spec"]["containers"]


def container_ports(workload):
    """{name: number} of every container port of a workload."""
    return {p.get("name"): p["containerPort"] for c in containers(workload)
            for p in c.get("ports", [])}


def load(source_dir, problems):
    directory = os.path.join(source_dir, "deploy/kubernetes")
    objects = []
    files = sorted(glob.glob(os.path.join(directory, "*.yaml")))
    for path in files:
        name = os.path.basename(path)
        try:
            docs = deploylib.load_yaml_documents(path)
        except Exception as e:  # noqa: BLE001 (any parse error is the finding)
            problems.add(f"{name}: does not parse: {e}")
            continue
        for d in docs:
            if not problems.check(isinstance(d, dict), f"{name}: a document is not a mapping"):
                continue
            d["__file__"] = name
            objects.append(d)
    return directory, files, objects


def common_fields(objects, files, problems):
    for o in objects:
        where = f"{o['__file__']}: {o.get('kind')}/{o.get('metadata', {}).get('name')}"
        if o.get("kind") == "Kustomization":
            names = sorted(os.path.basename(f) for f in files
                           if os.path.basename(f) != "kustomization.yaml")
            problems.check(sorted(o.get("resources", [])) == names,
                           f"kustomization.yaml resources {o.get('resources')} != {names}")
            continue
        for field in ("apiVersion", "kind", "metadata"):
            problems.check(field in o, f"{where}: no {field}")
        meta = o.get("metadata", {})
        problems.check(meta.get("name"), f"{where}: no metadata.name")
        if o.get("kind") != "Namespace":
            problems.check(meta.get("namespace") == NAMESPACE,
                           f"{where}: namespace {meta.get('namespace')!r}, expected {NAMESPACE}")
        problems.check(meta.get("labels", {}).get("app.kubernetes.io/part-of") == "ccmon",
                       f"{where}: label app.kubernetes.io/part-of=ccmon")


def workloads_ok(source_dir, objects, problems):
    by_kind = {}
    for o in objects:
        by_kind.setdefault(o.get("kind"), []).append(o)
    configmaps = {c["metadata"]["name"]: c for c in by_kind.get("ConfigMap", [])}
    services = by_kind.get("Service", [])
    runtime = deploylib.parse_dockerfile(os.path.join(source_dir, "deploy/docker/Dockerfile"))[-1]
    image_uid = int(runtime.of("USER")[-1].args.split(":")[0])

    for w in (o for o in objects if o.get("kind") in WORKLOADS):
        name = f"{w['kind']}/{w['metadata']['name']}"
        spec = w["spec"]
        problems.check(selects(spec["selector"]["matchLabels"], pod_labels(w)),
                       f"{name}: selector does not select its pod template")
        pod = spec["template"]["spec"]
        psc = pod.get("securityContext", {})
        problems.check(psc.get("runAsNonRoot") is True, f"{name}: runAsNonRoot: true")
        problems.check(psc.get("runAsUser") == image_uid,
                       f"{name}: runAsUser {psc.get('runAsUser')} != the image's USER {image_uid}")
        problems.check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
                       f"{name}: seccompProfile RuntimeDefault")
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
        for v in volumes.values():
            if "configMap" in v:
                problems.check(v["configMap"]["name"] in configmaps,
                               f"{name}: volume {v['name']} names a ConfigMap not in the "
                               f"directory: {v['configMap']['name']}")
        for c in containers(w):
            where = f"{name} container {c['name']}"
            problems.check(c.get("image"), f"{where}: no image")
            res = c.get("resources", {})
            problems.check(res.get("requests", {}).get("cpu") and
                           res.get("requests", {}).get("memory") and
                           res.get("limits", {}).get("memory"),
                           f"{where}: resources need cpu and memory requests and a memory limit")
            sc = c.get("securityContext", {})
            problems.check(sc.get("allowPrivilegeEscalation") is False,
                           f"{where}: allowPrivilegeEscalation: false")
            problems.check(sc.get("readOnlyRootFilesystem") is True,
                           f"{where}: readOnlyRootFilesystem: true")
            problems.check(sc.get("capabilities", {}).get("drop") == ["ALL"],
                           f"{where}: capabilities drop [ALL]")
            for m in c.get("volumeMounts", []):
                problems.check(m["name"] in volumes or m["name"] in claims,
                               f"{where}: mount {m['name']} has no volume")
        if w["kind"] == "StatefulSet":
            governing = [s for s in services if s["metadata"]["name"] == spec.get("serviceName")]
            problems.check(governing and governing[0]["spec"].get("clusterIP") == "None" and
                           selects(governing[0]["spec"].get("selector"), pod_labels(w)),
                           f"{name}: serviceName must be a headless Service selecting it")


def mounted_file(workload, path):
    """(ConfigMap name, key) of the file at `path` in the workload's first container."""
    pod = workload["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for m in containers(workload)[0].get("volumeMounts", []):
        mount = m["mountPath"].rstrip("/") + "/"
        if path.startswith(mount):
            v = volumes.get(m["name"], {})
            if "configMap" in v:
                return v["configMap"]["name"], path[len(mount):]
    return None, None


def daemon_ok(source_dir, objects, problems):
    served = deploylib.daemon_http_paths(source_dir)
    problems.check({"/-/healthy", "/-/ready", "/metrics"} <= served,
                   f"could not find ccmond's routes in daemon/: {sorted(served)}")
    daemons = [o for o in objects if o.get("kind") in WORKLOADS and
               o["metadata"]["name"] == "ccmond"]
    if not problems.check(len(daemons) == 1, "exactly one ccmond workload"):
        return None
    d = daemons[0]
    c = containers(d)[0]
    ports = container_ports(d)
    for probe, path in (("livenessProbe", "/-/healthy"), ("startupProbe", "/-/healthy"),
                        ("readinessProbe", "/-/ready")):
        get = c.get(probe, {}).get("httpGet", {})
        problems.check(get.get("path") == path, f"ccmond {probe} must GET {path}: {get}")
        problems.check(get.get("path") in served,
                       f"ccmond {probe} path {get.get('path')} is not served by ccmond")
        problems.check(get.get("port") in ports or get.get("port") in ports.values(),
                       f"ccmond {probe} port {get.get('port')} is not a container port")
    args = c.get("args", []) + c.get("command", [])
    config = next((a.split("=", 1)[1] for a in args if a.startswith("--config.file=")), None)
    cm_name, key = mounted_file(d, config or "")
    configmaps = {o["metadata"]["name"]: o for o in objects if o.get("kind") == "ConfigMap"}
    problems.check(cm_name in configmaps and key in configmaps[cm_name].get("data", {}),
                   f"ccmond --config.file={config} is not a mounted ConfigMap key")
    return d, configmaps.get(cm_name, {}).get("data", {}).get(key)


def ports_ok(source_dir, objects, daemon, daemon_config, problems):
    services = [o for o in objects if o.get("kind") == "Service"]
    workloads = [o for o in objects if o.get("kind") in WORKLOADS]

    def pods_of(service):
        return [w for w in workloads if selects(service["spec"].get("selector"), pod_labels(w))]

    def target_number(service, port):
        """The container port a Service port leads to, in every pod it selects."""
        numbers = set()
        for w in pods_of(service):
            ports = container_ports(w)
            t = port.get("targetPort", port["port"])
            numbers.add(ports.get(t) if isinstance(t, str) else
                        (t if t in ports.values() else None))
        return numbers

    for s in services:
        problems.check(pods_of(s), f"Service/{s['metadata']['name']} selects no workload")
        for p in s["spec"]["ports"]:
            problems.check(None not in target_number(s, p),
                           f"Service/{s['metadata']['name']} port {p.get('name')}: targetPort "
                           f"{p.get('targetPort')} is not a container port of its pods")

    http_port = container_ports(daemon).get("http")
    daemon_services = [s for s in services if selects(s["spec"]["selector"], pod_labels(daemon))]
    monitors = [o for o in objects if o.get("kind") == "ServiceMonitor"]
    if problems.check(len(monitors) == 1 and len(daemon_services) == 1,
                      "one ServiceMonitor and one Service for ccmond"):
        m, svc = monitors[0], daemon_services[0]
        problems.check(selects(m["spec"]["selector"]["matchLabels"], svc["metadata"]["labels"]),
                       "the ServiceMonitor does not select the ccmond Service")
        problems.check(NAMESPACE in m["spec"].get("namespaceSelector", {}).get("matchNames", []),
                       "the ServiceMonitor must look in namespace ccmon")
        names = {p.get("name"): p for p in svc["spec"]["ports"]}
        served = deploylib.daemon_http_paths(source_dir)
        for e in m["spec"]["endpoints"]:
            problems.check(e.get("port") in names,
                           f"ServiceMonitor port {e.get('port')} is not a ccmond Service port")
            if e.get("port") in names:
                problems.check(target_number(svc, names[e["port"]]) == {http_port},
                               "the ServiceMonitor must scrape ccmond's http port")
            problems.check(e.get("path", "/metrics") in served,
                           f"ServiceMonitor path {e.get('path')} is not served by ccmond")
        job = m["spec"].get("jobLabel")
        job_value = svc["metadata"]["labels"].get(job) if job else svc["metadata"]["name"]
        expected = deploylib.alert_rule_job(source_dir)
        problems.check(job_value in expected,
                       f"the scrape's job label would be {job_value!r}; the alert rules expect "
                       f"{sorted(expected)}")

    # Subscriptions → bridge Services → bridge pods and their container ports.
    config = deploylib.yaml_text(daemon_config or "{}") or {}
    bridge_ports = {}  # container port → bridge workload
    endpoints = []
    for sub in config.get("subscriptions", []):
        endpoints.append(sub["endpoint"])
        replay = sub.get("replay")  # The bridge's replay endpoint: "tcp://..." or {endpoint: ...}
        if replay:
            endpoints.append(replay["endpoint"] if isinstance(replay, dict) else replay)
    for endpoint in endpoints:
        sub = {"endpoint": endpoint}
        url = urlparse(sub["endpoint"])
        host = url.hostname or ""
        svc_name = host.split(".")[0]
        svc = [s for s in services if s["metadata"]["name"] == svc_name]
        if not problems.check(svc and (host == svc_name or host.startswith(
                f"{svc_name}.{NAMESPACE}.")),
                              f"subscription {sub['endpoint']}: no Service {svc_name}"):
            continue
        ports = [p for p in svc[0]["spec"]["ports"] if p["port"] == url.port]
        if not problems.check(ports, f"subscription {sub['endpoint']}: Service {svc_name} has "
                                     f"no port {url.port}"):
            continue
        for number in target_number(svc[0], ports[0]):
            for w in pods_of(svc[0]):
                bridge_ports[number] = w
    problems.check(bridge_ports, "no subscription leads to a bridge workload")

    policies = {p["metadata"]["name"]: p for p in objects if p.get("kind") == "NetworkPolicy"}
    policy = policies.get("ccmond")
    if problems.check(policy is not None, "no NetworkPolicy ccmond"):
        spec = policy["spec"]
        problems.check(selects(spec["podSelector"]["matchLabels"], pod_labels(daemon)),
                       "NetworkPolicy ccmond does not select the ccmond pods")
        problems.check(sorted(spec.get("policyTypes", [])) == ["Egress", "Ingress"],
                       "NetworkPolicy ccmond must restrict Ingress and Egress")
        ingress_ports = [p["port"] for r in spec.get("ingress", []) for p in r.get("ports", [])]
        problems.check(ingress_ports == [http_port],
                       f"ccmond ingress ports {ingress_ports}, expected only [{http_port}]")
        for r in spec.get("ingress", []):
            sources = r.get("from", [])
            problems.check(sources and all(
                f.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name") ==
                "prometheus" for f in sources), "ccmond ingress only from Prometheus pods")
        zmq_rules = [r for r in spec.get("egress", [])
                     if any(p["port"] != 53 for p in r.get("ports", []))]
        egress_ports = sorted(p["port"] for r in zmq_rules for p in r["ports"])
        problems.check(egress_ports == sorted(bridge_ports),
                       f"ccmond egress ports {egress_ports}, expected the bridges' "
                       f"{sorted(bridge_ports)} (and DNS)")
        for r in zmq_rules:
            for port in r["ports"]:
                w = bridge_ports.get(port["port"])
                problems.check(w is not None and any(
                    selects(t.get("podSelector", {}).get("matchLabels"), pod_labels(w))
                    for t in r.get("to", [])),
                               f"ccmond egress to port {port['port']} must go to the bridge pods")
        for r in spec.get("egress", []):
            if r not in zmq_rules:
                problems.check(all(p["port"] == 53 for p in r.get("ports", [])),
                               f"ccmond egress beyond the bridges and DNS: {r}")
    for port, w in bridge_ports.items():
        covering = [p for p in policies.values()
                    if selects(p["spec"]["podSelector"]["matchLabels"], pod_labels(w))]
        problems.check(covering, f"no NetworkPolicy for bridge {w['metadata']['name']}")
        for p in covering:
            ingress = p["spec"].get("ingress", [])
            problems.check(
                [q["port"] for r in ingress for q in r.get("ports", [])] == [port] and all(
                    selects(f.get("podSelector", {}).get("matchLabels"), pod_labels(daemon))
                    for r in ingress for f in r.get("from", [])),
                f"NetworkPolicy {p['metadata']['name']}: only ccmond, only on port {port}")


def rules_ok(source_dir, directory, objects, problems):
    r = subprocess.run([os.path.join(directory, "generate.sh"), "--check"], capture_output=True,
                       text=True, check=False)
    problems.check(r.returncode == 0, f"ccmond-prometheusrule.yaml is not current:\n{r.stdout}"
                                      f"{r.stderr}")
    rules = {o["metadata"]["name"]: o for o in objects if o.get("kind") == "PrometheusRule"}
    for name in ("ccmon-alerts", "ccmon-recording"):
        source = deploylib.load_yaml(os.path.join(source_dir, f"deploy/prometheus/{name}.yml"))
        embedded = rules.get(name, {}).get("spec", {}).get("groups")
        problems.check(embedded == source["groups"],
                       f"PrometheusRule {name}: spec.groups differ from "
                       f"deploy/prometheus/{name}.yml")
    problems.check(sorted(rules) == ["ccmon-alerts", "ccmon-recording"],
                   f"PrometheusRule objects: {sorted(rules)}")


def bridges_ok(objects, problems):
    configmaps = {o["metadata"]["name"]: o for o in objects if o.get("kind") == "ConfigMap"}
    for w in (o for o in objects if o.get("kind") in WORKLOADS and
              o["metadata"]["name"] != "ccmond"):
        args = containers(w)[0].get("args", [])
        name = w["metadata"]["name"]
        if not problems.check(args[:2] == ["ccmon-bridge", "--config"] and len(args) == 4,
                              f"{name}: args must be ccmon-bridge --config FILE SOURCE: {args}"):
            continue
        cm, key = mounted_file(w, args[2])
        text = configmaps.get(cm, {}).get("data", {}).get(key)
        if not problems.check(text is not None, f"{name}: {args[2]} is not a mounted key"):
            continue
        sections = [k for k, v in tomllib.loads(text).items() if isinstance(v, dict)]
        problems.check(sections == [args[3]],
                       f"{name}: runs {args[3]} but its TOML has sections {sections}")
        publish = tomllib.loads(text)[args[3]].get("publish", [])
        bound = {int(m.group(1)) for p in publish for m in [re.search(r":(\d+)$", p)] if m}
        problems.check(bound == set(container_ports(w).values()),
                       f"{name}: binds {sorted(bound)}, declares container ports "
                       f"{sorted(container_ports(w).values())}")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    source_dir = os.path.abspath(sys.argv[1])
    problems = deploylib.Problems("check_kubernetes")
    directory, files, objects = load(source_dir, problems)
    common_fields(objects, files, problems)
    workloads_ok(source_dir, objects, problems)
    found = daemon_ok(source_dir, objects, problems)
    if found:
        ports_ok(source_dir, objects, found[0], found[1], problems)
    rules_ok(source_dir, directory, objects, problems)
    bridges_ok(objects, problems)
    print(f"{len(files)} files, {len(objects)} objects")
    problems.exit()


if __name__ == "__main__":
    main()
