"""Side-by-side baseline: the same workloads in mpyc (3 local parties, Shamir, honest majority).

Run (after `pip install -r requirements.txt` into a venv):
    MULS=100000 CMPS=10000 STATS=1000 python bench_mpyc.py -M3
mpyc starts the other parties as local processes. Prints one JSON line (party 0).
"""
import json
import os
import time

from mpyc.runtime import mpc

MULS = int(os.environ.get("MULS", "100000"))
CMPS = int(os.environ.get("CMPS", "10000"))
STATS = int(os.environ.get("STATS", "1000"))


async def main():
    await mpc.start()
    secint = mpc.SecInt(32)
    out = {"mpyc": mpc.version if hasattr(mpc, "version") else "", "parties": len(mpc.parties)}

    # Multiplications: one vectorised Schur product.
    a = [secint(i % 1000 - 500) for i in range(MULS)]
    b = [secint(i % 777 - 300) for i in range(MULS)]
    t = time.perf_counter()
    c = mpc.schur_prod(a, b)
    await mpc.output(c[0])
    out["muls"] = MULS
    out["mul_s"] = time.perf_counter() - t

    # Comparisons of 32-bit values.
    x = [secint(i * 7919 % 100000 - 50000) for i in range(CMPS)]
    y = [secint(i * 104729 % 100000 - 50000) for i in range(CMPS)]
    t = time.perf_counter()
    lt = [xi < yi for xi, yi in zip(x, y)]
    await mpc.output(mpc.sum(lt))
    out["cmps"] = CMPS
    out["cmp_s"] = time.perf_counter() - t

    # Stats over 3 x STATS values: sum, sum of squares, count >= 650, min, max.
    mine = [secint(300 + (i * 7919 + mpc.pid * 104729) % 550) for i in range(STATS)]
    t = time.perf_counter()
    vals = mpc.input(mine)  # every party inputs its list
    allv = [v for party in vals for v in party]
    s = mpc.sum(allv)
    sq = mpc.in_prod(allv, allv)
    above = mpc.sum([v >= 650 for v in allv])
    mn = mpc.min(allv)
    mx = mpc.max(allv)
    res = await mpc.output([s, sq, above, mn, mx])
    out["stats_values_per_party"] = STATS
    out["stats_s"] = time.perf_counter() - t
    out["stats"] = [int(r) for r in res]

    # Latency of one multiplication and one comparison (median of 20).
    lat_m, lat_c = [], []
    u, v = secint(3), secint(5)
    for _ in range(20):
        t = time.perf_counter()
        await mpc.output(u * v)
        lat_m.append(time.perf_counter() - t)
        t = time.perf_counter()
        await mpc.output(u < v)
        lat_c.append(time.perf_counter() - t)
    lat_m.sort()
    lat_c.sort()
    out["mul_latency_ms"] = lat_m[10] * 1e3
    out["cmp_latency_ms"] = lat_c[10] * 1e3
    await mpc.shutdown()
    if mpc.pid == 0:
        print(json.dumps(out))


mpc.run(main())
