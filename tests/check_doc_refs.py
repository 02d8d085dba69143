#!/usr/bin/env python3
"""check_doc_refs.py - no reference to a missing document (make check-docs).

    python3 tests/check_doc_refs.py [TOP]

Checks, from the top folder of the repository:
  - every "docs/NAME.md" named in a source file (*.c, *.h, *.sh, *.py,
    Makefile, bootstrap), in README.md, in docs/*.md or in man/* exists;
  - every relative link "[text](path)" or "[text](path#anchor)" in
    README.md and docs/*.md names a file that exists, and its anchor (also
    a bare "#anchor") a heading of that file, spelled as GitHub spells
    heading anchors.
Prints one line per broken reference; exit status 1 when there is one.
"""
import os
import re
import sys

SOURCE_EXT = (".c", ".h", ".sh", ".py")
SKIP_DIRS = {".git", "build", "build-san", "build-deb", "fixtures"}


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path, cache={}):
    if path not in cache:
        found, seen = set(), {}
        in_code = False
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("```"):
                    in_code = not in_code
                m = None if in_code else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
                if m:
                    a = slug(m.group(1))
                    n = seen.get(a, 0)
                    seen[a] = n + 1
                    found.add(a if n == 0 else "%s-%d" % (a, n))
        cache[path] = found
    return cache[path]


def files(top):
    for d, dirs, names in os.walk(top):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
        for n in names:
            p = os.path.join(d, n)
            rel = os.path.relpath(p, top)
            if (n.endswith(SOURCE_EXT) or n in ("Makefile", "bootstrap")
                    or rel == "README.md" or rel.startswith("docs" + os.sep)
                    or rel.startswith("man" + os.sep)):
                yield rel


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    bad = []
    for rel in sorted(files(top)):
        path = os.path.join(top, rel)
        try:
            text = open(path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError):
            continue
        for lineno, line in enumerate(text.splitlines(), 1):
            for ref in re.findall(r"(?<![\w/.-])docs/[a-z0-9_-]+\.md", line):
                if not os.path.exists(os.path.join(top, ref)):
                    bad.append("%s:%d: names %s, which does not exist"
                               % (rel, lineno, ref))
            if not rel.endswith(".md"):
                continue
            for target in re.findall(r"\]\(([^)\s]+)\)", line):
                if re.match(r"^[a-z]+:", target):
                    continue
                file_part, _, anchor = target.partition("#")
                dest = (os.path.normpath(os.path.join(os.path.dirname(path),
                                                      file_part))
                        if file_part else path)
                if not os.path.exists(dest):
                    bad.append("%s:%d: link to %s, which does not exist"
                               % (rel, lineno, target))
                elif anchor and dest.endswith(".md") and \
                        anchor not in anchors(dest):
                    bad.append("%s:%d: link to %s: no heading with anchor "
                               "#%s there" % (rel, lineno, target, anchor))
    for b in bad:
        print("check-docs: " + b)
    if bad:
        return 1
    print("check-docs: every document reference resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
