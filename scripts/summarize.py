#!/usr/bin/env python3
"""Summarise meson test logs: Criterion syntheses per test program, and totals.

--runs DIR: print each Criterion program's synthesis line from DIR's last `meson test`.
--total DIR...: count tests over every DIR (a Criterion program counts its test cases, as does
a plain runner that prints 'NAME: N passed, N failed'; any other test counts once) and print
'libaxv: N passed, N failed'.
"""
import json
import os
import re
import sys

MARK = re.compile(r"^(freestanding:|libaxv.*external references|\d+ headers checked|consumer:|pkg-config:|\w[\w-]*: \d+ passed, \d+ failed)")
SYN = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
# A plain runner's summary (the loongarch64 test image: tests/la64-runner), counted by case.
PLAIN = re.compile(r"^(?:[\w.-]+: )?([\w-]+): (\d+) passed, (\d+) failed\s*$", re.M)


def load(d):
    path = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def count(entry):
    out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
    m = SYN.search(out)
    ok = entry.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
    if m:
        tested, passing, failing, crashing = map(int, m.groups())
        return passing, failing + crashing + (0 if ok else (1 if failing + crashing == 0 else 0)), m.group(0)
    m = PLAIN.search(out)
    if m:
        passing, failing = int(m.group(2)), int(m.group(3))
        return passing, failing + (0 if ok or failing else 1), m.group(0).strip()
    return (1, 0, None) if ok else (0, 1, None)


def main():
    args = sys.argv[1:]
    if args and args[0] == "--runs":
        for d in args[1:]:
            for e in load(d):
                _, _, syn = count(e)
                if syn and syn.startswith("Synthesis"):
                    print(f"  [criterion] {e['name']}: {syn}")
                for line in (e.get("stdout") or "").splitlines():
                    if MARK.search(line):
                        print(f"  [{e['name'].split(' / ')[-1]}] {line}")
        return 0
    if args and args[0] == "--total":
        passed = failed = 0
        for d in args[1:]:
            p = f = 0
            bad = []
            for e in load(d):
                a, b, _ = count(e)
                p += a
                f += b
                if b:
                    bad.append(e)
            if p or f:
                print(f"  {os.path.basename(d)}: {p} passed, {f} failed")
            # name each failing test, with its result, time and last line of output, so the
            # summary (the tail of a CI log) tells which one failed and how
            for e in bad:
                out = ((e.get("stdout") or "") + (e.get("stderr") or "")).strip().splitlines()
                last = out[-1][:200] if out else ""
                print(f"    FAILED {e['name']}: {e.get('result')} after {e.get('duration', 0):.0f} s: {last}")
            passed += p
            failed += f
        print(f"libaxv: {passed} passed, {failed} failed")
        return 0
    print(__doc__)
    return 2


sys.exit(main())
