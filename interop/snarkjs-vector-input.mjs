import { buildPoseidonReference } from "/work/main/interop/node_modules/circomlibjs/main.js";
import { writeFileSync } from "fs";
const p = await buildPoseidonReference();
const c = p.F.toObject(p([712n, 123456789n]));
writeFileSync("input.json", JSON.stringify({ commitment: c.toString(), threshold: "650", value: "712", blinding: "123456789" }));
