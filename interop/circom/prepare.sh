#!/usr/bin/env bash
# Prepares the snarkjs peer of `conclave bench credentials --compare`: compiles
# credit_predicate.circom (the circom equivalent of the two-credential predicate, circomlib
# 2.0.5, circom 2.2.3 --O2 from the circom2 npm package) and runs a Groth16 setup for it
# (a fresh 2^14 powers of tau with one local contribution: fine for timing, not for
# production keys).
#
#   bash interop/circom/prepare.sh [OUT]      # OUT defaults to interop/circom/build
#
# Needs `npm ci --prefix interop` first. Takes a few minutes on 2 cores (the powers of tau).
# `conclave bench credentials --compare` does the same steps itself, once, into its peer
# cache (docs/benchmarks.md, "The snarkjs prover peer"); this script is for use by hand.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
interop="$(dirname "$here")"
out="${1:-$here/build}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
snarkjs=(node "$interop/node_modules/snarkjs/build/cli.cjs")
# circom2 runs under WASI with only its working folder and that folder's parents opened, as
# relative paths: compile from the folder holding the real node_modules (it may be a link to
# another checkout's), with every path relative to it.
modules="$(cd "$interop/node_modules" && pwd -P)"
base="$(dirname "$modules")"
src="$(realpath --relative-to="$base" "$here/credit_predicate.circom")"
dst="$(realpath --relative-to="$base" "$out")"
(cd "$base" && node node_modules/circom2/cli.js "$src" \
  --r1cs --wasm --O2 -l node_modules -o "$dst" >"$out/circom.log")
cd "$out"
"${snarkjs[@]}" powersoftau new bn128 14 pot0.ptau >/dev/null
"${snarkjs[@]}" powersoftau contribute pot0.ptau pot1.ptau --name=conclave \
  -e="conclave bench peer $(date +%s%N)" >/dev/null
"${snarkjs[@]}" powersoftau prepare phase2 pot1.ptau pot.ptau >/dev/null
"${snarkjs[@]}" groth16 setup credit_predicate.r1cs pot.ptau credit_predicate0.zkey >/dev/null
"${snarkjs[@]}" zkey contribute credit_predicate0.zkey credit_predicate.zkey --name=conclave \
  -e="conclave bench zkey $(date +%s%N)" >/dev/null
"${snarkjs[@]}" zkey export verificationkey credit_predicate.zkey verification_key.json >/dev/null
rm -f pot0.ptau pot1.ptau credit_predicate0.zkey
echo "prepared $out: credit_predicate_js/credit_predicate.wasm, credit_predicate.zkey, verification_key.json"
