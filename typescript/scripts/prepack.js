#!/usr/bin/env node
// npm "prepack" hook: refuse to pack a package whose addon, library or JavaScript is missing.
"use strict";

const fs = require("fs");
const path = require("path");

const pkg = path.resolve(__dirname, "..");
const need = ["dist/index.js", "dist/index.d.ts", "build/Release/vsag.node", "lib/libvsag.so", "include/vsag.h"];
const missing = need.filter((f) => !fs.existsSync(path.join(pkg, f)));
if (missing.length > 0) {
    console.error(`vsag: cannot pack, missing ${missing.join(", ")}; run \`make build\` in the repository first`);
    process.exit(1);
}
