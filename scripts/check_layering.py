#!/usr/bin/env python3
"""The runner stays free of the engine (`make test` runs this before building; dev/CI time only).

The runner (Pipeline), the stage interface, the generic `command` kind and the runner's tests must neither depend
on nor import the engine (Model, Kernels, Data, Stages) or the paper's report (Report). Checked twice: in the
package graph (`swift package describe --type json`, dependencies followed transitively) and in the sources
(`import` lines), because SwiftPM lets a file import a module that happens to be built already without declaring it.

    python3 scripts/check_layering.py            # runs `swift package describe` (SWIFT=... to choose the binary)
    python3 scripts/check_layering.py FILE.json  # checks a saved description instead
"""
import json
import os
import re
import subprocess
import sys

ENGINE_FREE = ["StageInterface", "CommandStage", "Pipeline", "TestSupport", "RunnerTests"]
FORBIDDEN = {"Model", "Kernels", "Data", "Stages", "Report"}
IMPORT = re.compile(r"^\s*(?:@\w+\s+)*import\s+(?:(?:struct|class|enum|protocol|func|var|let|typealias)\s+)?(\w+)", re.M)


def describe(argv):
    if len(argv) > 1:
        with open(argv[1]) as f:
            return json.load(f)
    swift = os.environ.get("SWIFT", "swift")
    out = subprocess.run([swift, "package", "describe", "--type", "json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv):
    package = describe(argv)
    targets = {t["name"]: t for t in package["targets"]}
    root = package["path"]
    problems = []
    for name in ENGINE_FREE:
        if name not in targets:
            problems.append(f"Package.swift: no target '{name}' (this check lists it as engine-free)")
            continue
        # Transitive target dependencies, with the path that reaches each one.
        via = {name: [name]}
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for dep in targets[current].get("target_dependencies") or []:
                if dep not in via:
                    via[dep] = via[current] + [dep]
                    frontier.append(dep)
        for bad in sorted(FORBIDDEN & via.keys()):
            problems.append(f"Package.swift: target {name} depends on {bad} ({' → '.join(via[bad])})")
        target = targets[name]
        for source in target.get("sources", []):
            path = os.path.join(root, target["path"], source)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for match in IMPORT.finditer(text):
                if match.group(1) in FORBIDDEN:
                    line = text.count("\n", 0, match.start()) + 1
                    problems.append(f"{os.path.relpath(path, root)}:{line}: target {name} imports {match.group(1)}")
    if problems:
        print("layering: the runner must not reach the engine or the report:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"layering: {', '.join(ENGINE_FREE)} reach none of {', '.join(sorted(FORBIDDEN))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
