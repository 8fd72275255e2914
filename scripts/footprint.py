#!/usr/bin/env python3
"""Footprint of libaxv, measured from the build: code size per module library, the size of
every public struct, and the worst-case stack of every public function.

usage: footprint.py BUILD_DIR_OF_PORT... [--print-sizes] [--write FILE | --check FILE]
                    [--budget-from DOC]

Each BUILD_DIR is a minsize build of one port (scripts/size.sh makes them as
build/size-<port>). The script reads only files: the module archives (ELF section sizes,
Berkeley-style: text = allocated read-only or code, data = allocated writable, bss =
allocated without contents), an object compiled from a probe that holds one array per
public struct sized by sizeof (its symbol size is the struct's size), and, for ports built
with GCC's -fcallgraph-info=su, the per-translation-unit call graphs with each function's
frame size.

Worst-case stack of a function = its frame + the largest worst case of the functions it
calls. Calls that leave the library are counted as 0 and named: indirect calls (HAL hooks,
port operations, device callbacks: what doc/embedding.md calls "plus what the HAL hooks
use") and the four memory functions. A cycle (recursion) counts every frame in it
RECURSION_BOUND times; the only recursion the library may have is the page-table walk,
whose depth is bounded by the format's levels (at most 5).

--write FILE writes the Markdown page; --check FILE regenerates it and fails (exit 1) when
FILE differs or when a public function's worst case exceeds the budget that
doc/embedding.md states (--budget-from: a line "Budget N KiB of stack").
"""
import os
import re
import struct
import subprocess
import sys
import json
import tempfile

RECURSION_BOUND = 5
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = ["core", "frame", "addrspace", "exit", "irq", "vcpu", "virtio", "fdt"]
PORTS = ["x86_64", "aarch64", "loongarch64", "riscv64"]


# ---------------------------------------------------------------- ELF, archives
def ar_members(path):
    """Yield (name, bytes) for each member of a System V / GNU archive."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"!<arch>\n"):
        raise SystemExit(f"{path}: not an archive")
    off = 8
    names = b""
    while off + 60 <= len(data):
        hdr = data[off:off + 60]
        name = hdr[:16].decode().strip()
        size = int(hdr[48:58].decode().strip())
        body = data[off + 60:off + 60 + size]
        off += 60 + size + (size & 1)
        if name == "//":
            names = body
            continue
        if name in ("/", "/SYM64/"):
            continue
        if name.startswith("/") and name[1:].isdigit():
            start = int(name[1:])
            name = names[start:names.index(b"/\n", start)].decode()
        yield name.rstrip("/"), body


def elf_sections(obj):
    """[(name, type, flags, size)] of a 64-bit little-endian ELF object."""
    if obj[:4] != b"\x7fELF" or obj[4] != 2 or obj[5] != 1:
        raise SystemExit("not a 64-bit little-endian ELF object")
    shoff, = struct.unpack_from("<Q", obj, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", obj, 0x3a)
    secs = []
    for i in range(shnum):
        name, typ, flags, _addr, off, size, link, _info, _align, entsize = struct.unpack_from(
            "<IIQQQQIIQQ", obj, shoff + i * shentsize)
        secs.append([name, typ, flags, off, size, link, entsize])
    stroff = secs[shstrndx][3]

    def cstr(base, i):
        return obj[base + i:obj.index(b"\0", base + i)].decode()
    return [(cstr(stroff, s[0]), s[1], s[2], s[3], s[4], s[5], s[6]) for s in secs]


SHF_WRITE, SHF_ALLOC, SHF_EXEC = 1, 2, 4
SHT_NOBITS, SHT_SYMTAB = 8, 2


def berkeley(obj):
    text = data = bss = 0
    for _name, typ, flags, _off, size, _link, _ent in elf_sections(obj):
        if not flags & SHF_ALLOC:
            continue
        if typ == SHT_NOBITS:
            bss += size
        elif flags & SHF_WRITE:
            data += size
        else:
            text += size
    return text, data, bss


def symbol_sizes(obj):
    secs = elf_sections(obj)
    out = {}
    for _name, typ, _flags, off, size, link, ent in secs:
        if typ != SHT_SYMTAB:
            continue
        stroff = secs[link][3]
        for i in range(size // ent):
            st_name, _info, _other, _shndx, _value, st_size = struct.unpack_from(
                "<IBBHQQ", obj, off + i * ent)
            if st_name:
                out[obj[stroff + st_name:obj.index(b"\0", stroff + st_name)].decode()] = st_size
    return out


# ---------------------------------------------------------------- headers
def public_headers(port):
    inc = os.path.join(ROOT, "include", "axv")
    hs = sorted(f for f in os.listdir(inc) if f.endswith(".h"))
    arch = os.path.join(inc, "arch")
    return [os.path.join(inc, h) for h in hs] + [
        os.path.join(arch, h) for h in sorted(os.listdir(arch))
        if h.endswith(".h") and (h == port + ".h" or h.startswith(port + "_"))]


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def public_structs(headers):
    names = []
    for h in headers:
        for m in re.finditer(r"^struct (axv_\w+)\s*\{", strip_comments(open(h).read()), re.M):
            if m.group(1) not in names:
                names.append(m.group(1))
    return names


def public_functions(headers):
    names = set()
    for h in headers:
        text = strip_comments(open(h).read())
        text = re.sub(r"#define[^\n]*(\\\n[^\n]*)*", " ", text)
        for m in re.finditer(r"\b(axv_\w+)\s*\(", text):
            names.add(m.group(1))
    return names


# ---------------------------------------------------------------- probes
def compiler_of(build):
    """The C compiler command and flags the build used for a library file."""
    for e in json.load(open(os.path.join(build, "compile_commands.json"))):
        if "lib/core/" in e["file"] or "lib_core" in e["output"]:
            args = e["command"].split()
            keep, skip = [], False
            for a in args:
                if skip:
                    skip = False
                    continue
                if a in ("-o", "-MQ", "-MF", "-c"):
                    skip = True
                    continue
                if a == "-MD" or a.endswith(".c") or a.startswith("-fcallgraph-info") \
                        or a.startswith("-fdiagnostics-color"):
                    continue
                keep.append(a)
            return keep
    raise SystemExit(f"{build}: no library compile command in compile_commands.json")


def struct_sizes(build, port):
    headers = public_headers(port)
    names = public_structs(headers)
    src = "".join(f'#include "{h}"\n' for h in headers)
    src += "".join(f"extern const char probe_{n}[];\nconst char probe_{n}[sizeof(struct {n})] = {{1}};\n"
                   for n in names)
    with tempfile.TemporaryDirectory() as d:
        c, o = os.path.join(d, "probe.c"), os.path.join(d, "probe.o")
        open(c, "w").write(src)
        cmd = compiler_of(build) + ["-Wno-missing-prototypes", "-c", c, "-o", o]
        r = subprocess.run(cmd, cwd=build, capture_output=True, text=True)
        if r.returncode:
            raise SystemExit(f"probe compile failed:\n{' '.join(cmd)}\n{r.stderr}")
        syms = symbol_sizes(open(o, "rb").read())
    return [(n, syms[f"probe_{n}"]) for n in names]


# ---------------------------------------------------------------- call graphs
NODE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def call_graph(build):
    frames, kinds, edges = {}, {}, {}
    for d, _dirs, files in os.walk(build):
        if "meson-private" in d:
            continue
        for f in files:
            if not f.endswith(".ci"):
                continue
            for line in open(os.path.join(d, f)):
                m = NODE.search(line)
                if m:
                    m2 = re.search(r"\\n(\d+) bytes \(([^)]*)\)", m.group(2))
                    if m2:
                        frames[m.group(1)] = int(m2.group(1))
                        kinds[m.group(1)] = m2.group(2)
                    continue
                m = EDGE.search(line)
                if m:
                    edges.setdefault(m.group(1), set()).add(m.group(2))
    return frames, kinds, edges


def worst_stacks(frames, edges):
    """Worst-case stack per function; cycles count each frame RECURSION_BOUND times."""
    index, low, on, stack, sccs, comp = {}, {}, set(), [], [], {}
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            c = []
            while True:
                w = stack.pop()
                on.discard(w)
                c.append(w)
                if w == v:
                    break
            for w in c:
                comp[w] = len(sccs)
            sccs.append(c)

    nodes = set(frames) | set(edges) | {w for s in edges.values() for w in s}
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    # Tarjan emits components callees first: one pass in that order suffices.
    cost, outside, cyclic = {}, {}, {}
    for i, c in enumerate(sccs):
        rec = len(c) > 1 or c[0] in edges.get(c[0], ())
        own = sum(frames.get(v, 0) for v in c) * (RECURSION_BOUND if rec else 1)
        best, leaves = 0, set()
        for v in c:
            for w in edges.get(v, ()):
                j = comp[w]
                if j == i:
                    continue
                if w not in frames:
                    leaves.add(w)
                best = max(best, cost[j])
                leaves |= outside[j]
        cost[i], outside[i], cyclic[i] = own + best, leaves, rec
    return ({v: cost[comp[v]] for v in nodes}, {v: outside[comp[v]] for v in nodes},
            {v: cyclic[comp[v]] for v in nodes})


def stack_table(build, port):
    frames, kinds, edges = call_graph(build)
    if not frames:
        return None
    worst, leaves, cyclic = worst_stacks(frames, edges)
    public = public_functions(public_headers(port))
    rows = []
    for f in sorted(public):
        if f not in frames:
            continue  # declared but not built into this port (another port's function)
        out = sorted(x.replace("__indirect_call", "indirect") for x in leaves[f])
        note = []
        if kinds[f] != "static":
            note.append(kinds[f])
        if cyclic[f]:
            note.append("recursion")
        rows.append((f, frames[f], worst[f], ", ".join(out), ", ".join(note)))
    return rows


# ---------------------------------------------------------------- page
def code_sizes(build, port):
    rows = []
    for m in MODULES + [port]:
        lib = os.path.join(build, f"libaxv_{m}.a")
        if not os.path.exists(lib):
            continue
        t = d = b = 0
        for _name, obj in ar_members(lib):
            x, y, z = berkeley(obj)
            t, d, b = t + x, d + y, b + z
        rows.append(("port" if m == port else m, t, d, b))
    return rows


def port_of(build):
    for p in PORTS:
        if os.path.exists(os.path.join(build, f"libaxv_{p}.a")):
            return p
    raise SystemExit(f"{build}: no port library")


def budget(doc):
    m = re.search(r"Budget (\d+) KiB of\s+stack", open(doc).read())
    if not m:
        raise SystemExit(f"{doc}: no 'Budget N KiB of stack' sentence")
    return int(m.group(1)) * 1024


def page(builds, limit):
    ports = [(port_of(b), b) for b in builds]
    out = ["# Footprint {#footprint}", "",
           "Generated by `scripts/size.sh` (`scripts/footprint.py`) from minsize builds",
           "(`-Os`, debug checks off) of each port; `scripts/test.sh` regenerates it and fails when",
           "this page differs from the build or a public function needs more stack than the",
           f"budget in [Embedding](embedding.md) ({limit} bytes). Do not edit by hand.", "",
           "## Code size (bytes)", "",
           "`text` is code and read-only data, `data` writable initialised data, `bss` zeroed data",
           "(none: the library has no mutable globals).", "",
           "| port | library | text | data | bss |", "|---|---|---:|---:|---:|"]
    for p, b in ports:
        rows = code_sizes(b, p)
        for name, t, d, z in rows:
            out.append(f"| {p} | {name} | {t} | {d} | {z} |")
        out.append(f"| {p} | **total** | {sum(r[1] for r in rows)} | {sum(r[2] for r in rows)} | "
                   f"{sum(r[3] for r in rows)} |")
    out += ["", "## Public structs (bytes, `sizeof`)", "",
            "Every object is caller storage: this is what an embedder allocates for it.", "",
            "| struct | " + " | ".join(p for p, _ in ports) + " |",
            "|---|" + "---:|" * len(ports)]
    sizes = {p: dict(struct_sizes(b, p)) for p, b in ports}
    names = []
    for p, _ in ports:
        names += [n for n in sizes[p] if n not in names]
    for n in names:
        out.append(f"| `{n}` | " + " | ".join(str(sizes[p].get(n, "-")) for p, _ in ports) + " |")
    over = []
    for p, b in ports:
        rows = stack_table(b, p)
        if rows is None:
            out += ["", f"## Stack: {p}", "",
                    "Not measured: this port is built with clang, which has no call-graph output",
                    "(GCC's `-fcallgraph-info=su`)."]
            continue
        out += ["", f"## Stack: {p} (bytes)", "",
                "`frame`: the function's own frame; `worst`: the deepest chain of library frames",
                "below it (recursion counted " + str(RECURSION_BOUND) + " times); `leaves`: calls that leave the",
                "library, whose stack comes on top (`indirect`: a HAL hook, a port operation or a",
                "device callback).", "",
                "| function | frame | worst | leaves | note |", "|---|---:|---:|---|---|"]
        for f, fr, w, lv, note in sorted(rows, key=lambda r: (-r[2], r[0])):
            out.append(f"| `{f}` | {fr} | {w} | {lv} | {note} |")
            if w > limit:
                over.append(f"{p}: {f} needs {w} bytes of stack, over the {limit}-byte budget")
    return "\n".join(out) + "\n", over


def main(argv):
    builds, write, check, doc, print_sizes = [], None, None, os.path.join(ROOT, "doc", "embedding.md"), False
    it = iter(argv)
    for a in it:
        if a == "--write":
            write = next(it)
        elif a == "--check":
            check = next(it)
        elif a == "--budget-from":
            doc = next(it)
        elif a == "--print-sizes":
            print_sizes = True
        else:
            builds.append(a)
    if print_sizes:
        print("%-12s %-10s %9s %7s %7s" % ("port", "library", "text", "data", "bss"))
        for b in builds:
            p = port_of(b)
            rows = code_sizes(b, p)
            for name, t, d, z in rows:
                print("%-12s %-10s %9d %7d %7d" % (p, name, t, d, z))
            print("%-12s %-10s %9d %7d %7d" % (p, "total", sum(r[1] for r in rows),
                                               sum(r[2] for r in rows), sum(r[3] for r in rows)))
    if not (write or check):
        return 0
    text, over = page(builds, budget(doc))
    for o in over:
        print("footprint: " + o, file=sys.stderr)
    if write:
        open(write, "w").write(text)
        print(f"footprint: wrote {write}")
    if check:
        old = open(check).read() if os.path.exists(check) else ""
        if old != text:
            import difflib
            sys.stderr.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), check, "generated"))
            print(f"footprint: {check} differs from the build: run scripts/size.sh --write",
                  file=sys.stderr)
            return 1
        print(f"footprint: {check} matches the build")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
