#!/usr/bin/env python3
"""Writes result-v1.json, the golden `conclave.result` record (version 1).

An implementation of docs/formats.md independent of the Rust code, so the golden file
checks the format, not just the code that wrote it. Deterministic: Ed25519 signatures
(RFC 8032) depend only on the key and the message, and the keys are fixed seeds.

Procedure:
  keys     = Ed25519 keys whose 32-byte seeds are [1]*32, [2]*32, [3]*32 (parties 1..3);
  body     = compact JSON (no spaces, fields in this order, non-ASCII kept as UTF-8) of
             {computation_id: "c0"*32, description: DESCRIPTION,
              input_commitments: ["11"*32, "22"*32, "33"*32],
              outputs: {"count": 3, "mean": "14", "sum": "42"},
              parties: [hex public key of each key]};
  message  = b"conclave-result-v1" || 0x00 || UTF-8 body;
  record   = {version: 1, kind: "conclave.result", body: body,
              signatures: [{public_key: hex, signature: hex Ed25519(key, message)} per key]},
             written as JSON with a 2-space indent and a final newline (what
             `ResultRecord::to_json` writes).

Run: python3 record/tests/vectors/make_result_v1.py   (needs the `cryptography` package)
The Rust test `golden::the_procedure_still_reproduces_the_golden_record` re-does this
procedure with the crate's own signer and requires the same bytes.
"""
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DESCRIPTION = 'golden vector: sum of three inputs ("quoted", unicode \u00e9 \u2713)'
TAG = b"conclave-result-v1"


def main():
    keys = [Ed25519PrivateKey.from_private_bytes(bytes([i]) * 32) for i in (1, 2, 3)]
    publics = [k.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex() for k in keys]
    body = json.dumps(
        {
            "computation_id": "c0" * 32,
            "description": DESCRIPTION,
            "input_commitments": ["11" * 32, "22" * 32, "33" * 32],
            "outputs": {"count": 3, "mean": "14", "sum": "42"},
            "parties": publics,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    message = TAG + b"\x00" + body.encode("utf-8")
    record = {
        "version": 1,
        "kind": "conclave.result",
        "body": body,
        "signatures": [
            {"public_key": p, "signature": k.sign(message).hex()} for k, p in zip(keys, publics)
        ],
    }
    text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "result-v1.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
