// Gas of snarkjs's own Groth16 verifier, for comparison with Conclave's (docs/onchain.md).
// Renders snarkjs 0.7.6's verifier_groth16.sol.ejs with a verification_key.json exactly
// as `snarkjs zkey export solidityverifier` does, compiles it with the pinned solc (same
// settings as eth/contracts/compile.mjs), deploys it on a dev node (anvil: its first
// account is unlocked), sends verifyProof with the given calldata as a transaction and
// prints {"valid": bool, "gas_used": n, "deploy_gas_used": n}.
// Usage: node snarkjs-verifier-gas.mjs RPC_URL verification_key.json calldata.txt
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ejs = require("ejs");
const solc = require("solc");
const { keccak256 } = require("js-sha3");

const [rpcUrl, vkPath, calldataPath] = process.argv.slice(2);
const here = dirname(fileURLToPath(import.meta.url));
const template = readFileSync(
  join(here, "node_modules/snarkjs/templates/verifier_groth16.sol.ejs"),
  "utf8",
);
const source = ejs.render(template, JSON.parse(readFileSync(vkPath, "utf8")));
const output = JSON.parse(
  solc.compile(
    JSON.stringify({
      language: "Solidity",
      sources: { "Verifier.sol": { content: source } },
      settings: {
        optimizer: { enabled: true, runs: 10000 },
        evmVersion: "cancun",
        outputSelection: { "*": { "*": ["evm.bytecode.object"] } },
      },
    }),
  ),
);
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
const bytecode = "0x" + output.contracts["Verifier.sol"].Groth16Verifier.evm.bytecode.object;

let id = 0;
async function rpc(method, params) {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}
async function mined(hash) {
  for (;;) {
    const receipt = await rpc("eth_getTransactionReceipt", [hash]);
    if (receipt) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const [from] = await rpc("eth_accounts", []);
const deploy = await mined(await rpc("eth_sendTransaction", [{ from, data: bytecode, gas: "0x1000000" }]));
const args = JSON.parse(`[${readFileSync(calldataPath, "utf8")}]`);
const words = args.flat(2).map((v) => BigInt(v).toString(16).padStart(64, "0"));
const selector = keccak256(
  `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[${args[3].length}])`,
).slice(0, 8);
const data = "0x" + selector + words.join("");
const call = { from, to: deploy.contractAddress, data };
const valid = BigInt(await rpc("eth_call", [call, "latest"])) === 1n;
const receipt = await mined(await rpc("eth_sendTransaction", [{ ...call, gas: "0x100000" }]));
console.log(
  JSON.stringify({
    valid,
    gas_used: Number(BigInt(receipt.gasUsed)),
    deploy_gas_used: Number(BigInt(deploy.gasUsed)),
  }),
);
