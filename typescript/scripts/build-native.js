#!/usr/bin/env node
// Builds the addon (build/Release/vsag.node) with node-gyp against the headers of the Node
// that runs this script. Headers are never downloaded: --nodedir points node-gyp at the
// installation prefix of process.execPath, whose include/node holds node_api.h.
//
// Usage: node scripts/build-native.js [--rebuild]
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");

const pkg = path.resolve(__dirname, "..");

function fail(msg) {
    console.error(`vsag: ${msg}`);
    process.exit(1);
}

// nodeDir is the prefix whose include/node holds this Node's headers (/usr for /usr/bin/node).
function nodeDir() {
    const prefix = path.resolve(path.dirname(process.execPath), "..");
    const header = path.join(prefix, "include", "node", "node_api.h");
    if (!fs.existsSync(header)) {
        fail(
            `Node headers not found at ${header} (derived from ${process.execPath}). ` +
                "Install the headers of this Node (Debian: libnode-dev); they are never downloaded.",
        );
    }
    return prefix;
}

// Keep copies of libvsag.so and vsag.h inside the package, taken from a repository build when
// the package sits in the vsag-go tree.
function ensureLibrary() {
    const lib = path.join(pkg, "lib", "libvsag.so");
    const header = path.join(pkg, "include", "vsag.h");
    const repoLib = path.join(pkg, "..", "build", "lib", "libvsag.so");
    const repoHeader = path.join(pkg, "..", "include", "vsag.h");
    const copy = (from, to) => {
        if (!fs.existsSync(from)) return;
        if (fs.existsSync(to) && fs.readFileSync(from).equals(fs.readFileSync(to))) return;
        fs.mkdirSync(path.dirname(to), { recursive: true });
        // Replace by rename: a process that mapped the old library keeps its copy.
        const tmp = `${to}.tmp-${process.pid}`;
        fs.copyFileSync(from, tmp);
        fs.renameSync(tmp, to);
    };
    copy(repoLib, lib);
    copy(repoHeader, header);
    if (!fs.existsSync(lib)) fail(`${lib} is missing: build it with \`make lib\` in the repository`);
    if (!fs.existsSync(header)) fail(`${header} is missing`);
}

function nodeGyp() {
    try {
        return require.resolve("node-gyp/bin/node-gyp.js", { paths: [pkg] });
    } catch {
        // npm passes the node-gyp it bundles to lifecycle scripts.
        const bundled = process.env.npm_config_node_gyp;
        if (bundled && fs.existsSync(bundled)) return bundled;
    }
    return fail("node-gyp not found: run `npm install` in the package first");
}

function main() {
    ensureLibrary();
    const rebuild = process.argv.includes("--rebuild") || !fs.existsSync(path.join(pkg, "build", "config.gypi"));
    const args = [nodeGyp(), rebuild ? "rebuild" : "build", "--loglevel=warn"];
    if (rebuild) args.push(`--nodedir=${nodeDir()}`); // `build` reuses the configuration
    const r = spawnSync(process.execPath, args, { cwd: pkg, stdio: "inherit" });
    if (r.status !== 0) fail(`node-gyp ${args[1]} failed (status ${r.status})`);
}

main();
