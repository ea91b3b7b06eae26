// Compiles ConclaveGroth16Verifier.sol with the solc pinned in interop/package-lock.json
// (soljson, offline) and prints {"abi": [...], "bytecode": "0x..."} on stdout.
// `node compile.mjs --write` also refreshes the committed ConclaveGroth16Verifier.abi.json
// and ConclaveGroth16Verifier.bin. The settings below are part of the bytecode's identity:
// change them only together with the committed files.
// `node compile.mjs ConclaveProofRegistry [--write]` does the same for another contract
// of this folder (default: ConclaveGroth16Verifier).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../interop/package.json"));
const solc = require("solc");

const name = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "ConclaveGroth16Verifier";
const input = {
  language: "Solidity",
  sources: { [`${name}.sol`]: { content: readFileSync(join(here, `${name}.sol`), "utf8") } },
  settings: {
    optimizer: { enabled: true, runs: 10000 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const problems = (output.errors || []).filter((e) => e.severity !== "info");
for (const problem of problems) console.error(problem.formattedMessage);
if (problems.some((e) => e.severity === "error")) process.exit(1);
const contract = output.contracts[`${name}.sol`][name];
const result = { compiler: solc.version(), abi: contract.abi, bytecode: "0x" + contract.evm.bytecode.object };
if (process.argv.includes("--write")) {
  writeFileSync(join(here, `${name}.abi.json`), JSON.stringify(contract.abi, null, 2) + "\n");
  writeFileSync(join(here, `${name}.bin`), result.bytecode + "\n");
}
console.log(JSON.stringify(result));
