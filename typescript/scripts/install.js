#!/usr/bin/env node
// npm "install" hook: the package normally ships its addon prebuilt (build/Release/vsag.node,
// linked to lib/libvsag.so through an $ORIGIN rpath), so there is nothing to do. Without a
// prebuilt addon it is compiled from src/addon.c against the local Node headers.
"use strict";

const fs = require("fs");
const path = require("path");

const pkg = path.resolve(__dirname, "..");
const addon = path.join(pkg, "build", "Release", "vsag.node");

if (fs.existsSync(addon)) process.exit(0);
if (!fs.existsSync(path.join(pkg, "lib", "libvsag.so")) &&
    !fs.existsSync(path.join(pkg, "..", "build", "lib", "libvsag.so"))) {
    // A bare source checkout: `make build` in the repository builds the library, then the addon.
    console.warn("vsag: libvsag.so is not built yet; run `make build` in the repository");
    process.exit(0);
}
require("./build-native.js");
