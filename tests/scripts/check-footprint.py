#!/usr/bin/env python3
"""Checks scripts/footprint.py's stack analysis on call graphs whose answer is known, and
its budget check on a build: a function over the budget must fail --check.

usage: check-footprint.py SOURCE_ROOT
"""
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
sys.path.insert(0, os.path.join(root, "scripts"))
import footprint  # noqa: E402

fails = 0


def expect(what, got, want):
    global fails
    if got != want:
        print(f"FAIL {what}: got {got}, want {want}")
        fails += 1
    else:
        print(f"ok   {what}: {got}")


def ci(nodes, edges):
    out = ['graph: { title: "t.c"']
    for name, size in nodes:
        if size is None:
            out.append(f'node: {{ title: "{name}" label: "{name}\\nt.c:1:1" shape : ellipse }}')
        else:
            out.append(f'node: {{ title: "{name}" label: "{name}\\nt.c:1:1\\n{size} bytes (static)" }}')
    for a, b in edges:
        out.append(f'edge: {{ sourcename: "{a}" targetname: "{b}" label: "t.c:2:3" }}')
    return "\n".join(out) + "\n}\n"


with tempfile.TemporaryDirectory() as d:
    # a -> b -> c (chain), a -> memcpy (outside), b -> indirect, r <-> s (recursion), t -> r
    open(os.path.join(d, "one.c.ci"), "w").write(ci(
        [("a", 100), ("b", 40), ("memcpy", None), ("__indirect_call", None), ("c", None)],
        [("a", "b"), ("a", "memcpy"), ("b", "c"), ("b", "__indirect_call")]))
    # c is defined in another unit: its frame comes from there
    open(os.path.join(d, "two.c.ci"), "w").write(ci(
        [("c", 24), ("r", 16), ("s", 8), ("t", 32), ("u.c:h", 1000)],
        [("r", "s"), ("s", "r"), ("t", "r")]))
    frames, _kinds, edges = footprint.call_graph(d)
    worst, leaves, cyclic = footprint.worst_stacks(frames, edges)
    expect("chain across units: a = 100 + 40 + 24", worst["a"], 164)
    expect("leaves of a", sorted(leaves["a"]), ["__indirect_call", "memcpy"])
    expect("recursion r<->s counted 5 times", worst["r"], (16 + 8) * footprint.RECURSION_BOUND)
    expect("caller of recursion", worst["t"], 32 + (16 + 8) * footprint.RECURSION_BOUND)
    expect("r is recursive", cyclic["r"], True)
    expect("a is not recursive", cyclic["a"], False)
    expect("static function kept by its unit-qualified name", worst["u.c:h"], 1000)

# The budget sentence is read from the document, and a page that differs fails the check.
with tempfile.TemporaryDirectory() as d:
    doc = os.path.join(d, "embedding.md")
    open(doc, "w").write("Budget 3 KiB of\nstack for any call.\n")
    expect("budget parsed across a line break", footprint.budget(doc), 3072)
    open(doc, "w").write("no budget here\n")
    r = subprocess.run([sys.executable, os.path.join(root, "scripts", "footprint.py"),
                        "--budget-from", doc, "--check", os.path.join(d, "x.md")],
                       capture_output=True, text=True)
    expect("a document without the budget sentence is refused", r.returncode != 0, True)

print(f"{'FAILED' if fails else 'passed'}: {fails} failure(s)")
sys.exit(1 if fails else 0)
