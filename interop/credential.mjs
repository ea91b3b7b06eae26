// Credential hash layout and signatures, recomputed independently with circomlibjs
// (the pinned version in package-lock.json) and Node's SHA-256.
//
//   node interop/credential.mjs verify FILE
//       Reads a credential file written by `conclave cred issue`, recomputes its hash from
//       the layout in docs/credentials.md ("Hash layout") and prints
//       {"hash": "<decimal>", "valid": true|false}: circomlibjs eddsa.verifyPoseidon of the
//       file's signature (R8x, R8y, S) under its issuer key (Ax, Ay) over that hash.
//   node interop/credential.mjs circom-constants
//       Prints the tagged constants interop/circom/credit_predicate.circom is built with.
//   node interop/credential.mjs circom-input BUREAU.cred.json BANK.cred.json holder.key SCOPE DAY
//       Prints the input of that circuit (the snarkjs peer of the credentials benchmark):
//       the credentials' leaves and signatures, the holder secret k, scope, nullifier, day.
//   node interop/credential.mjs write-vectors
//       Builds two credentials (3 and 12 attributes: one Poseidon, and a two-level tree),
//       signs them with circomlibjs under fixed keys and writes
//       circuits/tests/vectors/credential_circomlibjs.json.
//
// Integers in credential files are read with JSON.parse, so values above 2^53 lose
// precision here (not in conclave); the vectors stay below.
// Used by circuits/src/credential (vectors) and cli/tests/suite/cred.rs (verify).
import { buildEddsa } from "circomlibjs";
import createBlakeHash from "blake-hash";
import { createHash } from "crypto";
import { readFileSync, writeFileSync } from "fs";

const eddsa = await buildEddsa();
const F = eddsa.F;
const poseidon = eddsa.poseidon;
const version = JSON.parse(
  readFileSync(new URL("./node_modules/circomlibjs/package.json", import.meta.url)),
).version;

const STRING_TAG = "conclave/credential/string/v1\0";
const SCHEMA_TAG = "conclave/credential/schema/v1\0";
const CREDENTIAL_TAG = "conclave/credential/hash/v1\0";

function taggedField(tag, data) {
  const h = createHash("sha256").update(Buffer.from(tag, "utf8")).update(data).digest();
  h[0] &= 0x1f;
  return BigInt("0x" + h.toString("hex"));
}

function u32be(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function schemaBytes(schema) {
  const id = Buffer.from(schema.id, "utf8");
  const parts = [u32be(id.length), id, u32be(schema.attributes.length)];
  for (const a of schema.attributes) {
    const name = Buffer.from(a.name, "utf8");
    const [code, bits] =
      a.type === "uint" ? [1, a.bits ?? 64] : a.type === "date" ? [2, 0] : [3, 0];
    parts.push(u32be(name.length), name, Buffer.from([code, bits]));
  }
  return Buffer.concat(parts);
}

function days(text) {
  const ms = Date.parse(text + "T00:00:00Z");
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(ms)) throw new Error(`bad date ${text}`);
  return BigInt(ms / 86400000);
}

function attributeField(spec, value) {
  if (spec.type === "uint") return BigInt(value);
  if (spec.type === "date") return days(value);
  return taggedField(STRING_TAG, Buffer.from(value, "utf8"));
}

function leaves(cred) {
  const s = cred.schema;
  return [
    taggedField(CREDENTIAL_TAG, Buffer.alloc(0)),
    taggedField(SCHEMA_TAG, schemaBytes(s)),
    BigInt(s.attributes.length),
    BigInt(cred.holder.Ax),
    BigInt(cred.holder.Ay),
    days(cred.issued),
    days(cred.expires),
    BigInt(cred.revocation_id),
    ...s.attributes.map((a) => attributeField(a, cred.attributes[a.name])),
  ];
}

function tree(values) {
  let level = values;
  while (level.length > 16) {
    const next = [];
    for (let i = 0; i < level.length; i += 16) {
      next.push(F.toObject(poseidon(level.slice(i, i + 16))));
    }
    level = next;
  }
  return F.toObject(poseidon(level));
}

function verify(cred) {
  const hash = tree(leaves(cred));
  const sig = {
    R8: [F.e(cred.signature.R8x), F.e(cred.signature.R8y)],
    S: BigInt(cred.signature.S),
  };
  const A = [F.e(cred.issuer.Ax), F.e(cred.issuer.Ay)];
  return { hash: hash.toString(), valid: eddsa.verifyPoseidon(F.e(hash), sig, A) };
}

function point(P) {
  return { Ax: F.toObject(P[0]).toString(), Ay: F.toObject(P[1]).toString() };
}

function build(issuerPrv, holderPrv, body) {
  const cred = { version: 1, ...body, holder: point(eddsa.prv2pub(holderPrv)) };
  const values = leaves(cred);
  const hash = tree(values);
  const sig = eddsa.signPoseidon(issuerPrv, F.e(hash));
  cred.issuer = point(eddsa.prv2pub(issuerPrv));
  cred.signature = {
    R8x: F.toObject(sig.R8[0]).toString(),
    R8y: F.toObject(sig.R8[1]).toString(),
    S: sig.S.toString(),
  };
  if (!verify(cred).valid) throw new Error("circomlibjs rejects its own credential");
  return {
    issuer_private_key: Buffer.from(issuerPrv).toString("hex"),
    holder_private_key: Buffer.from(holderPrv).toString("hex"),
    leaves: values.map(String),
    hash: hash.toString(),
    credential: cred,
  };
}

function writeVectors() {
  const issuer = Buffer.from("0001020304050607080900010203040506070809000102030405060708090001", "hex");
  const holder = Buffer.from("a1a2a3a4a5a6a7a8a9b0b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6c7c8c9d0d1d2", "hex");
  const small = build(issuer, holder, {
    schema: {
      version: 1,
      id: "example.org/credit-score/v1",
      attributes: [
        { name: "score", type: "uint", bits: 16 },
        { name: "as_of", type: "date" },
        { name: "bureau", type: "string" },
      ],
    },
    attributes: { score: 712, as_of: "2026-11-30", bureau: "Example Credit Bureau" },
    issued: "2026-12-01",
    expires: "2027-12-31",
    revocation_id: "18446744073709551615",
  });
  const names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
  const big = build(issuer, holder, {
    schema: {
      version: 1,
      id: "example.org/wide/v1",
      attributes: names.map((n, i) =>
        i % 3 === 0 ? { name: n, type: "uint" } : i % 3 === 1 ? { name: n, type: "date" } : { name: n, type: "string" },
      ),
    },
    attributes: Object.fromEntries(
      names.map((n, i) => [n, i % 3 === 0 ? 1000 * i + 7 : i % 3 === 1 ? `20${10 + i}-0${1 + (i % 9)}-1${i % 10}` : `välue ${n}`]),
    ),
    issued: "1970-01-01",
    expires: "9999-12-31",
    revocation_id: "0",
  });
  const out = {
    source: `circomlibjs ${version} poseidon, eddsa.prv2pub/signPoseidon/verifyPoseidon (npm) and Node SHA-256, layout of docs/credentials.md, generated by interop/credential.mjs write-vectors`,
    cases: [small, big],
  };
  const path = new URL("../circuits/tests/vectors/credential_circomlibjs.json", import.meta.url);
  writeFileSync(path, JSON.stringify(out, null, 2) + "\n");
}

const NULLIFIER_TAG = "conclave/credential/nullifier/v1\0";
const SCOPE_TAG = "conclave/credential/scope/v1\0";

// The tagged constants interop/circom/credit_predicate.circom is instantiated with.
function circomConstants() {
  const schema = (name) =>
    taggedField(
      SCHEMA_TAG,
      schemaBytes(
        JSON.parse(readFileSync(new URL(`../examples/data/${name}.schema.json`, import.meta.url))),
      ),
    ).toString();
  return {
    tag: taggedField(CREDENTIAL_TAG, Buffer.alloc(0)).toString(),
    bureau_schema: schema("credit-score"),
    bank_schema: schema("bank-account"),
    nullifier_domain: taggedField(NULLIFIER_TAG, Buffer.alloc(0)).toString(),
  };
}

// The holder secret k = (s >> 3) mod l of a holder.key (circomlibjs prv2pub's scalar).
function holderSecret(keyFile) {
  const key = JSON.parse(readFileSync(keyFile, "utf8"));
  const s = eddsa.pruneBuffer(
    createBlakeHash("blake512").update(Buffer.from(key.private_key, "hex")).digest(),
  );
  const scalar = BigInt("0x" + Buffer.from(s.subarray(0, 32)).reverse().toString("hex"));
  return (scalar >> 3n) % eddsa.babyJub.subOrder;
}

// The input of interop/circom/credit_predicate.circom for two credentials of the example
// schemas, the holder's key, a scope and a day.
function circomInput(bureauFile, bankFile, keyFile, scopeText, now) {
  const read = (f) => JSON.parse(readFileSync(f, "utf8"));
  const [bureau, bank] = [read(bureauFile), read(bankFile)];
  const k = holderSecret(keyFile);
  const scope = taggedField(SCOPE_TAG, Buffer.from(scopeText, "utf8"));
  const domain = taggedField(NULLIFIER_TAG, Buffer.alloc(0));
  const nullifier = F.toObject(poseidon([domain, k, scope]));
  const part = (name, cred) => {
    const values = leaves(cred);
    return {
      [`${name}Issued`]: values[5].toString(),
      [`${name}Expires`]: values[6].toString(),
      [`${name}RevocationId`]: values[7].toString(),
      [`${name}Attributes`]: values.slice(8).map(String),
      [`${name}R8x`]: cred.signature.R8x,
      [`${name}R8y`]: cred.signature.R8y,
      [`${name}S`]: cred.signature.S,
    };
  };
  return {
    bureauAx: bureau.issuer.Ax,
    bureauAy: bureau.issuer.Ay,
    bankAx: bank.issuer.Ax,
    bankAy: bank.issuer.Ay,
    now: days(now).toString(),
    scope: scope.toString(),
    nullifier: nullifier.toString(),
    holderSecret: k.toString(),
    ...part("bureau", bureau),
    ...part("bank", bank),
  };
}

const [command, file, ...rest] = process.argv.slice(2);
if (command === "verify") {
  console.log(JSON.stringify(verify(JSON.parse(readFileSync(file, "utf8")))));
} else if (command === "write-vectors") {
  writeVectors();
} else if (command === "circom-constants") {
  console.log(JSON.stringify(circomConstants()));
} else if (command === "circom-input" && rest.length === 4) {
  console.log(JSON.stringify(circomInput(file, ...rest)));
} else {
  console.error(
    "usage: node interop/credential.mjs verify FILE | write-vectors | circom-constants | " +
      "circom-input BUREAU.cred.json BANK.cred.json holder.key SCOPE YYYY-MM-DD",
  );
  process.exit(2);
}
