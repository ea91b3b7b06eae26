pragma circom 2.2.3;

// The circom equivalent of Conclave's two-credential predicate statement (issue 16):
//
//   conclave zk setup --predicate "bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt" \
//       --schema bureau=examples/data/credit-score.schema.json --schema bank=examples/data/bank-account.schema.json
//
// written with circomlib 2.0.5 (npm), so that snarkjs can prove the same statement over the
// same credential files: each credential's hash with the layout of docs/credentials.md
// ("Hash layout": one Poseidon(8 + n) over [tag, schema, n, holder Ax, holder Ay, issued,
// expires, revocation id, attributes…]), its EdDSA-Poseidon signature under the issuer key
// named as a public input, expiry ≥ now, the attributes' widths, holder binding (the holder
// key computed from the secret) and the scoped nullifier Poseidon(domain, secret, scope).
// circomlib checks less than Conclave's circuit does (no small-order check of R8, no
// canonical secret k < l): it is the peer, not the reference.
//
// Compile: circom2 credit_predicate.circom --r1cs --wasm --O2 -l <interop>/node_modules
// Inputs:  node interop/credential.mjs circom-input BUREAU.cred.json BANK.cred.json holder.key SCOPE NOW
//
// The constants below are tagged SHA-256 values (docs/credentials.md) that
// `node interop/credential.mjs circom-constants` prints: the credential tag, the two
// example schemas and the nullifier domain.

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// One credential of `n` attributes signed by (issuerAx, issuerAy) for the holder key
// (holderAx, holderAy), valid on day `now`. BITS[i]: the range check of attribute i
// (uint: its width, date: 22, string: 0 for none).
template Credential(n, TAG, SCHEMA, BITS) {
    signal input issuerAx;
    signal input issuerAy;
    signal input holderAx;
    signal input holderAy;
    signal input now;
    signal input issued;
    signal input expires;
    signal input revocationId;
    signal input attributes[n];
    signal input R8x;
    signal input R8y;
    signal input S;

    for (var i = 0; i < n; i++) {
        if (BITS[i] > 0) {
            _ <== Num2Bits(BITS[i])(attributes[i]);
        }
    }
    // expires = now + d with d < 2^22: not expired.
    _ <== Num2Bits(22)(expires - now);

    component hash = Poseidon(8 + n);
    hash.inputs[0] <== TAG;
    hash.inputs[1] <== SCHEMA;
    hash.inputs[2] <== n;
    hash.inputs[3] <== holderAx;
    hash.inputs[4] <== holderAy;
    hash.inputs[5] <== issued;
    hash.inputs[6] <== expires;
    hash.inputs[7] <== revocationId;
    for (var i = 0; i < n; i++) {
        hash.inputs[8 + i] <== attributes[i];
    }

    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== issuerAx;
    signature.Ay <== issuerAy;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== hash.out;
}

template CreditPredicate(TAG, BUREAU_SCHEMA, BANK_SCHEMA, NULLIFIER_DOMAIN) {
    // Public, in this order.
    signal input bureauAx;
    signal input bureauAy;
    signal input bankAx;
    signal input bankAy;
    signal input now;
    signal input scope;
    signal input nullifier;
    // Private.
    signal input holderSecret;
    signal input bureauIssued;
    signal input bureauExpires;
    signal input bureauRevocationId;
    signal input bureauAttributes[3]; // score (uint 16), as_of (date), bureau (string)
    signal input bureauR8x;
    signal input bureauR8y;
    signal input bureauS;
    signal input bankIssued;
    signal input bankExpires;
    signal input bankRevocationId;
    signal input bankAttributes[4]; // income (uint 32), debt (uint 32), opened (date), bank (string)
    signal input bankR8x;
    signal input bankR8y;
    signal input bankS;

    _ <== Num2Bits(22)(now);
    component holder = BabyPbk();
    holder.in <== holderSecret;

    component bureau = Credential(3, TAG, BUREAU_SCHEMA, [16, 22, 0]);
    bureau.issuerAx <== bureauAx;
    bureau.issuerAy <== bureauAy;
    bureau.holderAx <== holder.Ax;
    bureau.holderAy <== holder.Ay;
    bureau.now <== now;
    bureau.issued <== bureauIssued;
    bureau.expires <== bureauExpires;
    bureau.revocationId <== bureauRevocationId;
    bureau.attributes <== bureauAttributes;
    bureau.R8x <== bureauR8x;
    bureau.R8y <== bureauR8y;
    bureau.S <== bureauS;

    component bank = Credential(4, TAG, BANK_SCHEMA, [32, 32, 22, 0]);
    bank.issuerAx <== bankAx;
    bank.issuerAy <== bankAy;
    bank.holderAx <== holder.Ax;
    bank.holderAy <== holder.Ay;
    bank.now <== now;
    bank.issued <== bankIssued;
    bank.expires <== bankExpires;
    bank.revocationId <== bankRevocationId;
    bank.attributes <== bankAttributes;
    bank.R8x <== bankR8x;
    bank.R8y <== bankR8y;
    bank.S <== bankS;

    signal scoped <== Poseidon(3)([NULLIFIER_DOMAIN, holderSecret, scope]);
    nullifier === scoped;

    // bureau.score >= 650 && bank.debt < 20000 && bank.income >= 3 * bank.debt
    signal scoreOk <== GreaterEqThan(16)([bureauAttributes[0], 650]);
    signal debtOk <== LessThan(32)([bankAttributes[1], 20000]);
    signal incomeOk <== GreaterEqThan(34)([bankAttributes[0], 3 * bankAttributes[1]]);
    signal both <== scoreOk * debtOk;
    both * incomeOk === 1;
}

component main {public [bureauAx, bureauAy, bankAx, bankAy, now, scope, nullifier]} = CreditPredicate(
    1138905558642901155754689140787915317870554411277449439969483602045840104071,
    5319173812666905061927447928110562964971511390094524386527422858805768935150,
    3429254350515950280510894816140672907567298067727329829532717783004657793691,
    3777749282526805414085880029103923704372210728466162778796519130100687680685
);
