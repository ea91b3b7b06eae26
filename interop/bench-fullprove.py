#!/usr/bin/env python3
"""Whole-process proving and verifying: `conclave zk prove` / `zk verify` against
snarkjs `groth16 fullprove` / `groth16 verify` of the same statement (the circom
threshold circuit of circuits/tests/vectors/snarkjs), timed in alternation.

Prepare the snarkjs side once (circom2 and circomlib from npm, outside interop/):

    mkdir -p /tmp/circ && cd /tmp/circ && npm install circom2@0.2.23 circomlib@2.0.5
    cp <repo>/circuits/tests/vectors/snarkjs/{threshold.circom,input.json} .
    sed -i 's#include "\\(.*\\)circomlib/circuits/#include "node_modules/circomlib/circuits/#' threshold.circom
    node_modules/.bin/circom2 threshold.circom --r1cs --wasm --O2 -o .
    # then the powers of tau and zkey steps of interop/gen-snarkjs-vectors.sh, giving
    # t.zkey and verification_key.json (`snarkjs zkey export verificationkey`)

Run (from the repository root):

    python3 interop/bench-fullprove.py --circuit /tmp/circ -n 25

Prints, per operation, each side's median and quartiles and the median of the per-pair
ratios snarkjs / conclave. Both sides are fresh processes (node's and conclave's
start-up included), files on a warm page cache.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(command, cwd):
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {result.stderr.decode(errors='replace')}")
    return took


def quartiles(values):
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def compare(name, theirs, ours, n, cwd, baseline=None):
    """Times snarkjs, conclave (and a baseline conclave, if given) in rotation."""
    sides = [theirs, ours] + ([baseline] if baseline else [])
    for command in sides:  # one warm-up each, not recorded
        timed(command, cwd)
    times = [[] for _ in sides]
    for _ in range(n):
        for index, command in enumerate(sides):
            times[index].append(timed(command, cwd))

    def cell(values):
        q1, q2, q3 = quartiles(values)
        return f"{q2 * 1000:.1f} ms ({q1 * 1000:.1f}–{q3 * 1000:.1f})"

    def ratio(values):
        r1, r2, r3 = quartiles([a / b for a, b in zip(times[0], values)])
        return f"**{r2:.1f}×** ({r1:.1f}–{r3:.1f})"

    row = f"| {name} | {cell(times[0])} | {cell(times[1])} | {ratio(times[1])} |"
    if baseline:
        row += f" {cell(times[2])} | {ratio(times[2])} |"
    print(row + f" {n} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--circuit", required=True,
                        help="folder with threshold_js/threshold.wasm, t.zkey, verification_key.json, input.json")
    parser.add_argument("--conclave", default="target/release/conclave")
    parser.add_argument("--baseline", help="another conclave binary (e.g. the previous release) timed in the same rotation")
    parser.add_argument("--snarkjs", default="interop/node_modules/snarkjs/build/cli.cjs")
    parser.add_argument("--bits", type=int, default=32)
    parser.add_argument("-n", type=int, default=25)
    args = parser.parse_args()
    conclave = os.path.abspath(args.conclave)
    snarkjs = os.path.abspath(args.snarkjs)
    circuit = os.path.abspath(args.circuit)
    with tempfile.TemporaryDirectory(prefix="conclave-fullprove-") as work:
        subprocess.run([conclave, "zk", "setup", "--statement", "threshold", "--bits", str(args.bits),
                        "--out", "keys"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        baseline = os.path.abspath(args.baseline) if args.baseline else None
        if baseline:  # the baseline proves with a key in the format it writes itself
            subprocess.run([baseline, "zk", "setup", "--statement", "threshold", "--bits", str(args.bits),
                            "--out", "base-keys"], cwd=work, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([conclave, "zk", "commit", "--value", "712", "--out", "secret.json"],
                       cwd=work, check=True, stdout=subprocess.DEVNULL)
        print(f"conclave: {conclave}; snarkjs: {snarkjs}; n = {args.n} pairs, alternating")
        header = "| operation | snarkjs (median, q1–q3) | conclave (median, q1–q3) | snarkjs / conclave |"
        if baseline:
            header += " baseline conclave | snarkjs / baseline |"
        header += " runs each |"
        print(header)
        print("|---" * (header.count("|") - 1) + "|")
        compare(
            f"prove threshold({args.bits})",
            ["node", snarkjs, "groth16", "fullprove", os.path.join(circuit, "input.json"),
             os.path.join(circuit, "threshold_js/threshold.wasm"), os.path.join(circuit, "t.zkey"),
             "snark-proof.json", "snark-public.json"],
            [conclave, "--force", "zk", "prove", "--pk", "keys/threshold.pk", "--secret", "secret.json",
             "--threshold", "650", "--out", "proof.json"],
            args.n, work,
            baseline and [baseline, "--force", "zk", "prove", "--pk", "base-keys/threshold.pk",
                          "--secret", "secret.json", "--threshold", "650", "--out", "base-proof.json"])
        compare(
            "verify",
            ["node", snarkjs, "groth16", "verify", os.path.join(circuit, "verification_key.json"),
             "snark-public.json", "snark-proof.json"],
            [conclave, "zk", "verify", "--vk", "keys/threshold.vk", "--proof", "proof.json"],
            args.n, work,
            baseline and [baseline, "zk", "verify", "--vk", "base-keys/threshold.vk", "--proof", "base-proof.json"])


if __name__ == "__main__":
    main()
