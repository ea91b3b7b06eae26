#!/usr/bin/env python3
"""Whole-process `conclave zk prove` of the issue-16 two-credential predicate, several
binaries timed in rotation (fresh processes; wall time and CPU time of each child).

Prepare one directory per binary (each binary proves with a key it wrote itself):

    D=/tmp/pred-new; BIN=target/release/conclave
    mkdir -p $D && cp examples/data/{credit-score.schema.json,bank-account.schema.json,alice-score.json,alice-bank.json} $D && cd $D
    $BIN cred issuer-keygen --out bureau; $BIN cred issuer-keygen --out bank; $BIN cred holder-keygen --out alice
    $BIN cred issue --issuer-key bureau/issuer.key --schema credit-score.schema.json --attributes alice-score.json \\
        --holder alice/holder.pub.json --issued 2026-11-01 --expires 2027-12-31 --out score.cred.json
    $BIN cred issue --issuer-key bank/issuer.key --schema bank-account.schema.json --attributes alice-bank.json \\
        --holder alice/holder.pub.json --issued 2026-11-01 --expires 2027-12-31 --out bank.cred.json
    $BIN zk setup --predicate "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt" \\
        --schema bureau=credit-score.schema.json --schema bank=bank-account.schema.json --out keys

Run: `python3 benches/zk-prove-rotation.py 21 /tmp/pred-new:/path/new/conclave /tmp/pred-base:/path/base/conclave`
(binary paths absolute). Prints each side's wall median and quartiles, CPU median, and the
median of the per-rotation ratios side 2 / side 1. Figures: docs/benchmarks.md,
"Predicate statement: whole-process proving".
"""

import resource
import statistics
import subprocess
import sys
import time


def command(binary):
    return [binary, "zk", "prove", "--pk", "keys/predicate.pk",
            "--credential", "bureau=score.cred.json", "--credential", "bank=bank.cred.json",
            "--holder-key", "alice/holder.key", "--scope", "lender-x/2026",
            "--param", "now=2026-12-02", "--out", "proof.json", "--force"]


def main():
    n = int(sys.argv[1])
    sides = [arg.split(":", 1) for arg in sys.argv[2:]]
    wall = [[] for _ in sides]
    cpu = [[] for _ in sides]
    for directory, binary in sides:  # one warm-up each, not recorded
        subprocess.run(command(binary), cwd=directory, check=True, stdout=subprocess.DEVNULL)
    for _ in range(n):
        for index, (directory, binary) in enumerate(sides):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command(binary), cwd=directory, check=True, stdout=subprocess.DEVNULL)
            wall[index].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[index].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    for index, (_, binary) in enumerate(sides):
        q1, q2, q3 = statistics.quantiles(wall[index], n=4, method="inclusive")
        print(f"{binary}: wall median {statistics.median(wall[index]) * 1000:.0f} ms "
              f"(q1–q3 {q1 * 1000:.0f}–{q3 * 1000:.0f}), cpu median {statistics.median(cpu[index]) * 1000:.0f} ms")
    if len(sides) > 1:
        ratios = [b / a for a, b in zip(wall[0], wall[1])]
        print(f"per-rotation ratio side 2 / side 1: median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
