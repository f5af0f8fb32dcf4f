#!/usr/bin/env python3
"""Checks deploy/docker/Dockerfile and .dockerignore without Docker (no image can be pulled or
built here): by parsing them, and against this machine, which is Debian 12 like both stages.

Usage: check_dockerfile.py MODE SOURCE_DIR BINARY_DIR, MODE one of

  structure    (unit) a Debian 12 build stage that runs scripts/install-deps.sh (so it installs
               exactly what a developer machine and CI install) before building; a Debian 12
               runtime stage that copies the three binaries the build stage builds, runs as a
               numeric non-root user, exposes 9464, has a HEALTHCHECK on /-/healthy, installs
               tzdata, starts ccmond on a configuration it ships; every file COPY takes from the
               context exists and is not excluded by .dockerignore, no source file the build
               needs is excluded, and build trees are.
  libraries    (e2e) every shared library that `ldd` lists for build/bin/ccmond, ccmon-bridge and
               ccmon comes from a Debian package (dpkg -S) that the runtime stage installs: the
               packages of directly linked libraries (ELF NEEDED) by name, the others through
               the Depends: of those packages. Packages that no binary loads (besides declared
               data packages: tzdata) are reported as a note.
  healthcheck  (e2e) the HEALTHCHECK command, run as Docker would (bash from its exec form),
               succeeds against a real ccmond and fails once it has stopped.

The e2e modes skip (exit 77) without ldd/dpkg/objdump or bash.
"""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploylib  # noqa: E402

BINARIES = ("ccmond", "ccmon-bridge", "ccmon")
# Packages the runtime stage installs for files rather than shared libraries.
DATA_PACKAGES = {"tzdata": "windows.time_zone reads /usr/share/zoneinfo"}


def dockerfile(source_dir):
    return os.path.join(source_dir, "deploy/docker/Dockerfile")


def install_deps_packages(source_dir):
    with open(os.path.join(source_dir, "scripts/install-deps.sh"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    body = "\n".join(line.split("#", 1)[0] for line in m.group(1).splitlines())
    return body.split()


def cmake_executables(source_dir):
    """{binary name: CMake target} of every ccmon_executable() in the tree."""
    out = {}
    for root, dirs, files in os.walk(source_dir):
        dirs[:] = [d for d in dirs if not d.startswith(("build", "."))]
        if "CMakeLists.txt" not in files:
            continue
        with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as f:
            text = f.read()
        for m in re.finditer(r"ccmon_executable\(\s*NAME\s+(\S+)(?:\s+OUTPUT_NAME\s+(\S+))?", text):
            out[m.group(2) or m.group(1)] = m.group(1)
    return out


def runtime_packages(stage):
    packages = []
    for run in stage.of("RUN"):
        packages += deploylib.apt_packages(run.args)
    return packages


def structure(source_dir, problems):
    stages = deploylib.parse_dockerfile(dockerfile(source_dir))
    if not problems.check(len(stages) >= 2, f"expected a build and a runtime stage: {stages}"):
        return
    build, runtime = stages[0], stages[-1]
    problems.check(build.base == "debian:12", f"build stage FROM {build.base}, expected debian:12")
    problems.check(runtime.base in ("debian:12", "debian:12-slim"),
                   f"runtime stage FROM {runtime.base}, expected Debian 12")
    problems.check(build.name == "build", "the build stage is named build")

    # The build stage installs what install-deps.sh installs: by running it.
    copied_script = None
    for copy in build.of("COPY"):
        sources, dest, _ = deploylib.copy_sources(copy)
        if sources == ["scripts/install-deps.sh"]:
            copied_script = dest
    runs = [r.args for r in build.of("RUN")]
    runs_script = [i for i, r in enumerate(runs) if copied_script and copied_script in r]
    builds = [i for i, r in enumerate(runs) if "cmake --build" in r]
    problems.check(copied_script is not None and runs_script,
                   "the build stage must COPY scripts/install-deps.sh and RUN it")
    problems.check(runs_script and builds and runs_script[0] < builds[0],
                   "install-deps.sh must run before the build")
    problems.check(install_deps_packages(source_dir),
                   "no package list found in scripts/install-deps.sh")
    build_run = runs[builds[0]] if builds else ""
    targets = set()
    m = re.search(r"--target((?:\s+[A-Za-z0-9_-]+)+)", build_run)
    if m:
        targets = set(m.group(1).split())
    executables = cmake_executables(source_dir)
    for b in BINARIES:
        problems.check(executables.get(b) in targets,
                       f"the build stage must build {b} (CMake target {executables.get(b)}): "
                       f"it builds {sorted(targets)}")

    copied = {}
    for copy in runtime.of("COPY"):
        sources, dest, from_stage = deploylib.copy_sources(copy)
        if from_stage == "build":
            for s in sources:
                copied[os.path.basename(s)] = (s, dest)
    for b in BINARIES:
        problems.check(b in copied and copied[b][0] == f"/build/bin/{b}",
                       f"the runtime stage must copy /build/bin/{b} from the build stage")

    users = [u.args for u in runtime.of("USER")]
    uid = users[-1].split(":")[0] if users else ""
    problems.check(uid.isdigit() and uid != "0",
                   f"the runtime stage must end as a numeric non-root USER: {users}")
    problems.check(any(f"--uid {uid}" in r.args for r in runtime.of("RUN")),
                   f"USER {uid} must be created (useradd --uid {uid})")
    exposed = " ".join(e.args for e in runtime.of("EXPOSE")).split()
    problems.check("9464/tcp" in exposed or "9464" in exposed, f"EXPOSE 9464: {exposed}")
    health = runtime.of("HEALTHCHECK")
    problems.check(health and "/-/healthy" in health[-1].args and "CMD" in health[-1].args,
                   "HEALTHCHECK must probe /-/healthy")
    problems.check("tzdata" in runtime_packages(runtime), "the runtime stage must install tzdata")
    cmd = deploylib.exec_form(runtime.of("CMD")[-1].args) if runtime.of("CMD") else None
    problems.check(cmd and cmd[0] == "ccmond", f"CMD must start ccmond: {cmd}")
    config = next((a.split("=", 1)[1] for a in (cmd or []) if a.startswith("--config.file=")),
                  None)
    runtime_dests = [deploylib.copy_sources(c)[1] for c in runtime.of("COPY")]
    problems.check(config in runtime_dests, f"CMD reads {config}, which no COPY provides")

    # The context: COPY sources exist and are not ignored; sources needed by the build are not
    # ignored; build trees are.
    patterns = deploylib.dockerignore_patterns(os.path.join(source_dir, ".dockerignore"))
    problems.check(patterns, ".dockerignore is missing or empty")
    for stage in stages:
        for copy in stage.of("COPY"):
            sources, _, from_stage = deploylib.copy_sources(copy)
            if from_stage:
                continue
            for s in sources:
                if s == ".":
                    continue
                problems.check(os.path.exists(os.path.join(source_dir, s)),
                               f"COPY {s}: no such file in the repository")
                problems.check(not deploylib.dockerignored(s.rstrip("/"), patterns),
                               f"COPY {s}: excluded by .dockerignore")
    needed = ["CMakeLists.txt", "cmake/CcmonHelpers.cmake", "proto/CMakeLists.txt",
              "daemon/main.cc", "common/CMakeLists.txt", "collectors/CMakeLists.txt",
              "bridges/main.cc", "tools/CMakeLists.txt", "tests/CMakeLists.txt",
              "scripts/install-deps.sh", "config/ccmond.yaml"]
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=source_dir, capture_output=True,
                                 text=True, check=True).stdout.split()
        needed += [t for t in tracked
                   if t.split("/")[0] in ("proto", "common", "daemon", "collectors", "bridges",
                                          "tools", "cmake", "config")]
    except (OSError, subprocess.CalledProcessError):
        problems.note("not a git checkout: checked a fixed list of source files only")
    for n in needed:
        problems.check(not deploylib.dockerignored(n, patterns),
                       f".dockerignore excludes {n}, which the build needs")
    for n in ("build/CMakeCache.txt", "build-deploy/bin/ccmond", ".git/HEAD"):
        problems.check(deploylib.dockerignored(n, patterns), f".dockerignore must exclude {n}")


def dpkg_owners(paths):
    """{path: Debian package} for the paths dpkg knows (tried as given, resolved, and with or
    without /usr for the merged-/usr layout), in one dpkg -S call."""
    candidates = {}
    for path in paths:
        options = [path, os.path.realpath(path)]
        for p in list(options):
            options.append(p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p)
        for o in options:
            candidates.setdefault(o, path)
    r = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True, check=False)
    owners = {}
    for line in r.stdout.splitlines():
        package, _, file = line.partition(": ")
        if file in candidates:
            owners.setdefault(candidates[file], package.split(":")[0].split(",")[0].strip())
    return owners


def depends_closure(packages):
    """Packages that installing `packages` brings in (first alternative of each dependency),
    from the dependencies of the packages installed here (Debian 12, like the image)."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Depends}, ${Pre-Depends}\n"],
                       capture_output=True, text=True, check=True)
    depends = {}
    for line in r.stdout.splitlines():
        name, _, deps = line.partition("\t")
        firsts = [d.split("|")[0].strip().split(" ")[0].split(":")[0] for d in deps.split(",")]
        depends[name] = [f for f in firsts if f]
    seen = set()
    todo = list(packages)
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo += depends.get(p, [])
    return seen


def libraries(source_dir, binary_dir, problems):
    for tool in ("ldd", "dpkg", "dpkg-query", "objdump"):
        if not shutil.which(tool):
            deploylib.skip(f"{tool} not found (Debian: libc-bin, dpkg, binutils)")
    runtime = deploylib.parse_dockerfile(dockerfile(source_dir))[-1]
    listed = runtime_packages(runtime)
    closure = depends_closure(listed)
    used = set()
    for b in BINARIES:
        path = os.path.join(binary_dir, "bin", b)
        if not problems.check(os.path.exists(path), f"{path} is not built"):
            continue
        ldd = subprocess.run(["ldd", path], capture_output=True, text=True, check=True).stdout
        resolved = {}
        for line in ldd.splitlines():
            m = re.match(r"\s*(\S+) => (\S+)", line)
            if m:
                resolved[m.group(1)] = m.group(2)
                problems.check(m.group(2) != "not", f"{b}: {m.group(1)} not found")
        objdump = subprocess.run(["objdump", "-p", path], capture_output=True, text=True,
                                 check=True).stdout
        needed = set(re.findall(r"^\s*NEEDED\s+(\S+)", objdump, re.M))
        owners = dpkg_owners(resolved.values())
        for soname, lib in sorted(resolved.items()):
            package = owners.get(lib)
            if not problems.check(package, f"{b}: {lib} belongs to no Debian package"):
                continue
            used.add(package)
            if soname in needed:
                problems.check(package in listed,
                               f"{b} links {soname} directly: the runtime stage must install "
                               f"{package}")
            else:
                problems.check(package in closure,
                               f"{b} loads {soname} ({package}), which no package of the runtime "
                               f"stage brings in")
        print(f"{b}: {len(resolved)} shared libraries, {len(needed)} linked directly")
    # Reported, not failed: the link line changes with the code (a library dropped in one change
    # may still be needed by the binaries of another), and an unused library costs only space.
    for p in listed:
        if p not in used and p not in DATA_PACKAGES:
            problems.note(f"the runtime stage installs {p}, which no binary of this build loads")
    print(f"runtime packages: {' '.join(listed)}")


def healthcheck(source_dir, binary_dir, problems):
    if not shutil.which("bash"):
        deploylib.skip("bash not found")
    runtime = deploylib.parse_dockerfile(dockerfile(source_dir))[-1]
    args = runtime.of("HEALTHCHECK")[-1].args
    argv = deploylib.exec_form(args[args.index("CMD") + len("CMD"):])
    if not problems.check(argv and argv[0] == "bash", f"exec-form bash HEALTHCHECK: {args}"):
        return
    daemon = deploylib.Child([os.path.join(binary_dir, "bin/ccmond"), "--web.listen-address",
                              "127.0.0.1:0", "--subscribe", "tcp://127.0.0.1:9"])
    try:
        port = daemon.wait_for(deploylib.LISTENING)
        if not problems.check(port, f"ccmond did not start:\n{daemon.output}"):
            return
        env = dict(os.environ, CCMON_HTTP_PORT=port)
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=10,
                           check=False)
        problems.check(r.returncode == 0,
                       f"HEALTHCHECK against a running ccmond: exit {r.returncode} {r.stderr}")
        problems.check(daemon.stop() == 0, f"ccmond did not stop cleanly:\n{daemon.output}")
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=10,
                           check=False)
        problems.check(r.returncode != 0, "HEALTHCHECK succeeded with ccmond stopped")
    finally:
        daemon.kill()


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    mode = sys.argv[1]
    source_dir, binary_dir = (os.path.abspath(p) for p in sys.argv[2:])
    problems = deploylib.Problems(f"check_dockerfile {mode}")
    if mode == "structure":
        structure(source_dir, problems)
    elif mode == "libraries":
        libraries(source_dir, binary_dir, problems)
    elif mode == "healthcheck":
        healthcheck(source_dir, binary_dir, problems)
    else:
        print(__doc__)
        sys.exit(2)
    problems.exit()


if __name__ == "__main__":
    main()
