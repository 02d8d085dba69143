#!/usr/bin/env python3
"""tests/lib/backtest_trace.py URL FROM — the backtest tests' trace.

Writes to the InfluxDB at URL (database hoist), as the collector writes
them (container_cpu with cpu=cpu-total and a per-CPU line, container_mem;
tags marathon_app_id, mesos_task_id; a point every 5 s), 30 minutes from
the unix second FROM for the two tasks of /shop/web: CPU 50 %, 90 % from
minute 10, 50 % from minute 20.  Used by scaler_backtest.sh and
scaler_backtest_zk.sh; exits non-zero when InfluxDB refuses the write.
"""
import sys
import urllib.request

url, start = sys.argv[1], int(sys.argv[2])
lines = []
for k in range(0, 1800, 5):
    cpu = 90 if 600 <= k < 1200 else 50
    ts = (start + k + 2) * 10**9     # inside the bucket, never on its edge
    for task in ("shop_web.a1", "shop_web.b2"):
        tags = "marathon_app_id=/shop/web,mesos_task_id=%s" % task
        lines.append("container_cpu,%s,cpu=cpu-total usage_percent=%d,usage_percent_of_limit=%d %d" % (tags, cpu / 4, cpu, ts))
        lines.append("container_cpu,%s,cpu=cpu0 usage_total=1i %d" % (tags, ts))
        lines.append("container_mem,%s usage_percent=30,usage_bytes=1000i %d" % (tags, ts))
req = urllib.request.Request(url + "/write?db=hoist&precision=ns", "\n".join(lines).encode())
assert urllib.request.urlopen(req).status == 204
