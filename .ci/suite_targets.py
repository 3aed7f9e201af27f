#!/usr/bin/env python3
"""Prints the ninja targets that the tests of the given suites need.

    .ci/suite_targets.py BUILD_DIR SUITE...

One path per line, relative to BUILD_DIR: every program a test of one of
the suites runs or names in its `depends`. A sanitizer build then compiles
only those, not the whole course (the runner, say, which no such test runs).
Exits 1 when no test is in the suites: a misspelt suite must not pass as
"nothing to build".
"""
import json
import os
import subprocess
import sys


def introspect(build, what):
    out = subprocess.run(["meson", "introspect", what, build],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.strip())
    build, wanted = os.path.realpath(sys.argv[1]), set(sys.argv[2:])
    files = {t["id"]: t["filename"] for t in introspect(build, "--targets")}
    needed = set()
    tests = [t for t in introspect(build, "--tests")
             if wanted & {s.split(":")[-1] for s in t["suite"]}]
    if not tests:
        sys.exit(f"no test in the suites {' '.join(sorted(wanted))}")
    for t in tests:
        for target in t.get("depends", []):
            needed.update(files.get(target, []))
    for path in sorted(needed):
        print(os.path.relpath(path, build))


if __name__ == "__main__":
    main()
