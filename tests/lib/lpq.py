#!/usr/bin/env python3
"""lpq.py - query a line-protocol file written by hoist-collector.

    lpq.py FILE MEASUREMENT FIELD [tag=value ...] [--last-sweep]
           [--since NS] [--until NS] [--mean]

Prints the FIELD value of the points of MEASUREMENT whose tags match, one
per line (with --last-sweep: only points carrying the newest timestamp;
--since/--until: only points with since <= timestamp <= until; --mean:
print the mean of the values instead).
Exit 1 when nothing matches.  A small parser following InfluxDB's
unescaping rules, enough for the collector's own output.
"""
import re
import sys


def split_unescaped(s, sep):
    """Split on sep when it is not preceded by a backslash."""
    out, cur, i = [], [], 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        if c == sep:
            out.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append(''.join(cur))
    return out


def unescape(s):
    return re.sub(r'\\([ ,=])', r'\1', s)


def parse_line(line):
    # key part (measurement+tags) ends at the first unescaped space
    parts = split_unescaped(line.rstrip('\n'), ' ')
    if len(parts) < 2:
        return None
    head = split_unescaped(parts[0], ',')
    meas = unescape(head[0])
    tags = {}
    for t in head[1:]:
        k, v = split_unescaped(t, '=')[:2]
        tags[unescape(k)] = unescape(v)
    ts = int(parts[-1]) if len(parts) >= 3 and parts[-1].isdigit() else None
    fieldstr = ' '.join(parts[1:-1] if ts is not None else parts[1:])
    fields = {}
    for f in re.finditer(r'((?:[^,=\\]|\\.)+)=("(?:[^"\\]|\\.)*"|[^,]+)', fieldstr):
        k, v = unescape(f.group(1)), f.group(2)
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"').replace('\\\\', '\\')
        elif v.endswith('i'):
            v = int(v[:-1])
        elif v in ('true', 'false'):
            v = v == 'true'
        else:
            v = float(v)
        fields[k] = v
    return meas, tags, fields, ts


def points(path):
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.strip() and not line.startswith('#'):
                p = parse_line(line)
                if p:
                    yield p


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, meas, field = argv[1:4]
    opts = {}
    rest = []
    args = argv[4:]
    i = 0
    while i < len(args):
        if args[i] in ('--since', '--until'):
            opts[args[i]] = int(args[i + 1])
            i += 2
            continue
        rest.append(args[i])
        i += 1
    argv = argv[:4] + rest
    want = dict(a.split('=', 1) for a in rest if '=' in a and not a.startswith('--'))
    allpts = list(points(path))
    pts = [p for p in allpts if p[0] == meas
           and all(p[1].get(k) == v for k, v in want.items())]
    if '--last-sweep' in argv and allpts:
        # The newest sweep of the whole file, not of the matching points.
        last = max(p[3] for p in allpts if p[3] is not None)
        pts = [p for p in pts if p[3] == last]
    if '--since' in opts:
        pts = [p for p in pts if p[3] is not None and p[3] >= opts['--since']]
    if '--until' in opts:
        pts = [p for p in pts if p[3] is not None and p[3] <= opts['--until']]
    vals = [p[2][field] for p in pts if field in p[2]]
    if not vals:
        return 1
    if '--mean' in argv:
        print(sum(vals) / len(vals))
    else:
        for v in vals:
            print(v)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
