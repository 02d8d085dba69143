#!/usr/bin/env python3
"""check-keys.py - hold the man pages to the code (run by `make check-man`).

    python3 man/check-keys.py [--build DIR] [--top DIR]

For each program it compares what the code has with what the pages say,
both ways, and prints one line per difference naming the key or flag,
the program and the page:

  keys   The configuration keys the program declares: its conf_opt
         tables, printed by the hidden flag --dump-config-keys
         ("name<TAB>type<TAB>default<TAB>min<TAB>max[<TAB>scope]"; a key
         with a scope, e.g. "section", belongs to "PROGRAM[scope]"); for
         hoist-deploy, while it has no table, the keys
         deploy/deploy_conf.c compares (strcmp(k, "KEY")).
         Each must be an ".It Cm KEY" item of man/hoist.conf.5 inside a
         list marked ".\\" check-keys: PROGRAM ..." (or PROGRAM[scope])
         for that program, and
         must appear in the program's own page (as ".It Fl -KEY" or
         ".It Cm KEY"); and the other way round.  When the table gives the
         type, range and default, the line after ".It Cm KEY" in
         hoist.conf(5) must state them ("Integer from 1 to 3600; default
         30.", "Boolean; default no.", "String; no default.", ...; a
         remark in parentheses may precede the final period).
  flags  Every option the program's --help lists must be an ".It Fl" item
         of its page, and every ".It Fl" option of the page must be in
         --help (--version excepted: the pages name it before every build
         has it).
  synopsis
         The options of the usage line (--help, up to the first blank line)
         must be the options of the page's SYNOPSIS, as mandoc renders it.

Exit status 0 when everything agrees, 1 otherwise.
"""
import os
import re
import subprocess
import sys

PROGRAMS = [
    # (program, page, has a conf_opt table)
    ("hoist-collector", "hoist-collector.8", True),
    ("hoist-scaler", "hoist-scaler.8", True),
    ("hoist-deploy", "hoist-deploy.1", True),
]
CONF_PAGE = "hoist.conf.5"
# Options a page may document that --help need not list.
# The flags of `hoist-scaler backtest` (a subcommand: its flags are not
# the daemon's, scaler/backtest_cli.c) are documented in its BACKTEST
# section and SYNOPSIS.
PAGE_ONLY_FLAGS = {"--version", "--app", "--rule", "--from", "--to",
                   "--step", "--format", "--plot", "--scale-delay"}
# Options --help may list that a page must not document.
HIDDEN_FLAGS = {"--dump-config-keys"}

errors = []


def err(msg):
    errors.append(msg)


def norm(flag):
    """--cgroup_root and --cgroup-root are the same option."""
    return flag.replace("_", "-")


def run(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    return p.stdout.decode("utf-8", "replace"), p.returncode


def dump_keys(binary, prog):
    """{scope: {key: (type, default, min, max)}} from --dump-config-keys,
    or None.  The scope is the program ("hoist-deploy"), or for keys
    printed with a sixth field the program and that field
    ("hoist-deploy[section]"), as the check-keys markers name them."""
    out, _ = run([binary, "--dump-config-keys"])
    if out is None:
        return None
    keys = {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) in (5, 6):
            scope = prog if len(f) == 5 else "%s[%s]" % (prog, f[5])
            keys.setdefault(scope, {})[f[0]] = tuple(f[1:5])
    return keys or None


def deploy_source_keys(top, prog):
    """hoist-deploy's keys as deploy/deploy_conf.c compares them (before it
    has a conf_opt table): names only."""
    path = os.path.join(top, "deploy", "deploy_conf.c")
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        return None
    keys = re.findall(r'strcmp\(\s*k\s*,\s*"([a-z0-9_]+)"\s*\)', text)
    return {prog: {k: None for k in keys}} if keys else None


def help_text(binary):
    out, _ = run([binary, "--help"])
    return out or ""


def help_flags(text):
    """Options of the option lines of --help ("  -i, --interval SEC ...")."""
    flags = set()
    for line in text.splitlines():
        m = re.match(r"^\s{2,}(-[A-Za-z0-9])?(?:,\s*)?(--[a-z0-9][a-z0-9_-]*)?", line)
        if m is None:
            continue
        for g in m.groups():
            if g:
                flags.add(norm(g))
    return flags - HIDDEN_FLAGS


def usage_flags(text):
    """Options named in the usage line(s): up to the first blank line."""
    block = text.split("\n\n", 1)[0]
    return set(norm(f) for f in re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", block))


def read_page(top, page):
    try:
        return open(os.path.join(top, "man", page), encoding="utf-8").read()
    except OSError as e:
        err("man/%s: cannot read it: %s" % (page, e))
        return ""


def fl_args(rest):
    """'i Ar SEC , Fl -interval Ar SEC' -> {'-i', '--interval'}."""
    flags, want = set(), True
    for tok in rest.split():
        if tok == "Fl":
            want = True
            continue
        if tok == ",":
            continue
        if re.match(r"^[A-Z][a-z][a-z]?$", tok):   # another macro: Ar, Op, Ns
            want = tok == "Fl"
            continue
        if want and re.match(r"^-?[A-Za-z0-9][\w-]*$", tok):
            flags.add(norm("-" + tok))
    return flags


def page_items(text):
    """(.It Fl options, .It Cm keys) of a page."""
    fl, cm = set(), set()
    for line in text.splitlines():
        m = re.match(r"^\.It Fl (.*)$", line)
        if m:
            fl |= fl_args(m.group(1))
        for k in re.findall(r"(?:^\.It |\s)Cm ([a-z0-9_]+)", line if line.startswith(".It") else ""):
            cm.add(k)
    return fl, cm


def conf_page_keys(text):
    """{program: {key: line after .It}} from the check-keys markers."""
    per, progs, want_next = {}, [], None
    for line in text.splitlines():
        m = re.match(r'^\.\\" check-keys:\s*(.*)$', line)
        if m:
            progs = [] if m.group(1).strip() == "end" else m.group(1).split()
            for p in progs:
                per.setdefault(p, {})
            want_next = None
            continue
        if want_next is not None:
            for p in progs:
                per[p][want_next] = line.strip()
            want_next = None
            continue
        m = re.match(r"^\.It Cm ([a-z0-9_]+)", line)
        if m and progs:
            want_next = m.group(1)
            for p in progs:
                per[p][want_next] = ""
    return per


def expected_line(kind, default, lo, hi):
    d = None if default == "-" else default
    if kind in ("integer", "number"):
        head = "%s from %s to %s" % (kind.capitalize(), lo, hi)
    else:
        head = kind.capitalize()
    return "%s; %s." % (head, "default %s" % d if d is not None else "no default")


def line_states(line, want):
    """Does the line after ".It Cm KEY" state `want` ("Integer from 1 to
    3600; default 30.")?  A parenthesised remark may come before the final
    period: "String; default . (the current folder)."."""
    if line == want:
        return True
    head = want[:-1]
    return line.startswith(head + " (") and line.endswith(").")


def check_program(top, build, conf_keys, prog, page, has_table):
    binary = os.path.join(top, build, prog)
    if not os.access(binary, os.X_OK):
        err("%s: %s is not built (run make first)" % (prog, binary))
        return
    keys = dump_keys(binary, prog)
    if keys is None and not has_table:
        keys = deploy_source_keys(top, prog)
    text = read_page(top, page)
    fl, cm = page_items(text)
    if keys is None:
        err("%s: cannot list its configuration keys (%s --dump-config-keys "
            "printed none: does its main() handle cli.dump_keys?)"
            % (prog, binary))
    else:
        scopes = set(keys) | set(s for s in conf_keys
                                 if s == prog or s.startswith(prog + "["))
        for scope in sorted(scopes):
            check_keys(prog, scope, page, keys.get(scope, {}),
                       conf_keys.get(scope, {}), fl, cm)
        every = set(k for scope in keys.values() for k in scope)
        for k in sorted(cm - every):
            err("%s: man/%s documents key '%s', which the code does not "
                "have" % (prog, page, k))
    check_flags(top, prog, page, binary, fl)


def check_keys(prog, scope, page, keys, documented, fl, cm):
    """Keys of one scope of the code against hoist.conf(5) and the
    program's page."""
    for k in sorted(keys):
        if k not in documented:
            err("%s: key '%s' is in the code but not in man/%s (the "
                "'check-keys: %s' list)" % (prog, k, CONF_PAGE, scope))
        elif keys[k] is not None:
            want = expected_line(*keys[k])
            if not line_states(documented[k], want):
                err("%s: key '%s': man/%s says '%s', the code says '%s'"
                    % (scope, k, CONF_PAGE, documented[k], want))
        if norm("--" + k) not in fl and k not in cm:
            err("%s: key '%s' is in the code but not in man/%s (want "
                "'.It Fl -%s' or '.It Cm %s')" % (prog, k, page,
                                                  k.replace("_", "-"), k))
    for k in sorted(set(documented) - set(keys)):
        err("%s: man/%s documents key '%s' (the 'check-keys: %s' list), "
            "which the code does not have" % (prog, CONF_PAGE, k, scope))


def check_flags(top, prog, page, binary, fl):
    """--help against the page's options, its usage line against SYNOPSIS."""
    help_ = help_text(binary)
    hf = help_flags(help_)
    if not hf:
        err("%s: %s --help printed no options" % (prog, binary))
    for f in sorted(hf - fl):
        err("%s: --help lists %s, man/%s does not document it (.It Fl)"
            % (prog, f, page))
    for f in sorted(fl - hf - PAGE_ONLY_FLAGS):
        err("%s: man/%s documents %s, which %s --help does not list"
            % (prog, page, f, prog))

    rendered, _ = run(["mandoc", "-Tascii", os.path.join(top, "man", page)])
    if rendered is None:
        err("%s: cannot run mandoc on man/%s" % (prog, page))
        return
    plain = re.sub(r".\x08", "", rendered)
    m = re.search(r"^SYNOPSIS\n(.*?)^\S", plain, re.S | re.M)
    syn = set(norm(f) for f in re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*",
                                          m.group(1) if m else ""))
    use = usage_flags(help_)
    for f in sorted(use - syn):
        err("%s: the usage line of --help has %s, the SYNOPSIS of man/%s "
            "does not" % (prog, f, page))
    for f in sorted(syn - use - PAGE_ONLY_FLAGS):
        err("%s: the SYNOPSIS of man/%s has %s, the usage line of --help "
            "does not" % (prog, page, f))


def main():
    args = sys.argv[1:]
    build, top = "build", os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    while args:
        a = args.pop(0)
        if a == "--build" and args:
            build = args.pop(0)
        elif a == "--top" and args:
            top = args.pop(0)
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    conf_keys = conf_page_keys(read_page(top, CONF_PAGE))
    for prog, page, has_table in PROGRAMS:
        check_program(top, build, conf_keys, prog, page, has_table)
    for e in errors:
        print("check-man: " + e)
    if errors:
        print("check-man: %d difference(s) between the man pages and the code"
              % len(errors))
        return 1
    print("check-man: the man pages agree with the code (%d programs)"
          % len(PROGRAMS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
