pragma circom 2.1.0;
include "node_modules/circomlib/circuits/poseidon.circom";
include "node_modules/circomlib/circuits/bitify.circom";
include "node_modules/circomlib/circuits/comparators.circom";

// The same statement as Conclave's 32-bit `threshold`: C = Poseidon(v, r), v < 2^32, v >= T.
template Threshold(bits) {
    signal input commitment;
    signal input threshold;
    signal input value;
    signal input blinding;
    component hash = Poseidon(2);
    hash.inputs[0] <== value;
    hash.inputs[1] <== blinding;
    hash.out === commitment;
    component width = Num2Bits(bits);
    width.in <== value;
    component ge = GreaterEqThan(bits);
    ge.in[0] <== value;
    ge.in[1] <== threshold;
    ge.out === 1;
}
component main {public [commitment, threshold]} = Threshold(32);
