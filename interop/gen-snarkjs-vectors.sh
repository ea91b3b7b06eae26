set -e
S="node node_modules/snarkjs/build/cli.cjs"
$S powersoftau new bn128 9 pot0.ptau >/dev/null
$S powersoftau contribute pot0.ptau pot1.ptau --name=conclave -e="conclave interop vectors" >/dev/null
$S powersoftau prepare phase2 pot1.ptau pot.ptau >/dev/null
$S groth16 setup threshold.r1cs pot.ptau t0.zkey >/dev/null
$S zkey contribute t0.zkey t.zkey --name=conclave -e="conclave zkey" >/dev/null
$S zkey export verificationkey t.zkey verification_key.json >/dev/null
node -e '
const {buildPoseidonReference} = require("circomlibjs");
(async () => { const p = await buildPoseidonReference(); const c = p.F.toObject(p([712n, 123456789n]));
require("fs").writeFileSync("input.json", JSON.stringify({commitment: c.toString(), threshold: "650", value: "712", blinding: "123456789"})); })();'
$S groth16 fullprove input.json threshold_js/threshold.wasm t.zkey proof.json public.json >/dev/null
$S groth16 verify verification_key.json public.json proof.json
