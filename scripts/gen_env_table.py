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


STRING = r'"(?:[^"\\]|\\.)*"'


def c_fields(entry):
    """The top-level fields of one C initializer `{ ... }`: a field made of
    string literals is their joined, unescaped text; any other, its tokens."""
    out = []
    for field in re.findall(r'(?:%s|[^,"])+' % STRING, entry):
        literals = re.findall(STRING, field)
        out.append("".join(re.sub(r"\\(.)", r"\1", lit[1:-1]) for lit in literals)
                   if literals else " ".join(field.split()))
    return out


def entries():
    """(name, type, min, max, choices or None, default, what) of every variable of
    the table, in its order; type without its BT_ENV_ prefix."""
    text = SOURCE.read_text()
    body = re.search(r"const bt_env_var_t bt_env_vars\[\] = \{(.*?)\n\};", text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    for entry in re.findall(r"\{(.*?)\}\s*,", body, re.S):
        name, kind, lo, hi, choices, dflt, what = c_fields(entry)
        yield (name, kind.replace("BT_ENV_", ""), lo, hi, None if choices == "NULL" else choices,
               dflt, what)


def table():
    rows = ["| name | default | effect |", "| --- | --- | --- |"]
    for name, _kind, _lo, _hi, _choices, dflt, what in entries():
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
