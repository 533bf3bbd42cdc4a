#!/usr/bin/env python3
"""Writes the README's table of environment variables from the one table in
src/util/env.c (name, type, range, default, what it does), between the README's
markers. `--check` writes nothing and exits 1 when the README differs.

    scripts/gen_env_table.py [--check]
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "util" / "env.c"
README = ROOT / "README.md"
BEGIN = "<!-- generated from src/util/env.c by scripts/gen_env_table.py: edit there -->"
END = "<!-- end of the generated table -->"


def c_fields(entry):
    """The top-level fields of one C initializer `{ ... }`, adjacent string
    literals joined, strings unescaped."""
    fields, cur, i = [], [], 0
    while i < len(entry):
        ch = entry[i]
        if ch == '"':
            j, lit = i + 1, []
            while entry[j] != '"':
                if entry[j] == "\\":
                    j += 1
                lit.append(entry[j])
                j += 1
            cur.append(("str", "".join(lit)))
            i = j + 1
            continue
        if ch == ",":
            fields.append(cur)
            cur = []
        elif not ch.isspace():
            if cur and cur[-1][0] == "tok":
                cur[-1] = ("tok", cur[-1][1] + ch)
            else:
                cur.append(("tok", ch))
        elif cur and cur[-1][0] == "tok":
            cur.append(("sep", " "))
        i += 1
    if cur:
        fields.append(cur)
    out = []
    for f in fields:
        parts = [v for k, v in f if k != "sep"]
        if f and all(k in ("str", "sep") for k, _ in f):
            out.append("".join(v for k, v in f if k == "str"))
        else:
            out.append(" ".join(parts))
    return out


def variables():
    text = SOURCE.read_text()
    body = re.search(r"const bt_env_var_t bt_env_vars\[\] = \{(.*?)\n\};", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    for entry in re.findall(r"\{(.*?)\}\s*,", body, re.S):
        name, _type, _lo, _hi, _choices, dflt, what = c_fields(entry)
        yield name, dflt, what


def table():
    rows = ["| name | default | effect |", "| --- | --- | --- |"]
    for name, dflt, what in variables():
        if what.startswith("(internal)"):
            continue
        shown = name + "<NAME>" if name.endswith("_") else name
        rows.append("| `%s` | %s | %s |" % (shown, dflt, what))
    return "\n".join(rows)


def main():
    text = README.read_text()
    start, stop = text.index(BEGIN) + len(BEGIN), text.index(END)
    new = text[:start] + "\n\n" + table() + "\n\n" + text[stop:]
    if "--check" in sys.argv[1:]:
        if new != text:
            sys.stderr.write("README.md's table of variables differs from src/util/env.c: "
                             "run scripts/gen_env_table.py\n")
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
