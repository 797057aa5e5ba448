#!/usr/bin/env node
// Checks the package as a user gets it: `npm pack`, install the tarball (and the folder) into
// a fresh project without the network, compile the TypeScript examples of examples/typescript
// against the installed package with tsc, and run them.
//
// Usage: node scripts/check-package.js [--keep]   (--keep leaves the temporary project)
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

const pkg = path.resolve(__dirname, "..");
const examples = path.resolve(pkg, "..", "examples", "typescript");
const npm = process.env.NPM || "npm";
const quiet = ["--no-audit", "--no-fund", "--loglevel=error"];

function run(cmd, args, cwd, opts = {}) {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", ...opts });
    if (r.status !== 0) {
        process.stderr.write(r.stdout || "");
        process.stderr.write(r.stderr || "");
        throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd} (status ${r.status})`);
    }
    return r.stdout;
}

function step(what, fn) {
    const t = Date.now();
    const out = fn();
    console.log(`ok   ${what} (${Date.now() - t} ms)`);
    return out;
}

function newProject(dir) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        path.join(dir, "package.json"),
        JSON.stringify({ name: path.basename(dir), version: "0.0.0", private: true }, null, 2),
    );
}

const smoke = `
const v = require("vsag");
const i = new v.Index("brute_force", {dtype: "float32", metric_type: "l2", dim: 2, index_param: {}});
i.build(new Float32Array([0, 0, 1, 1]), new BigInt64Array([1n, 2n]), 2, 2);
const r = i.knnSearch(new Float32Array([0.9, 0.9]), 1);
if (r.ids[0] !== 2n) throw new Error("wrong neighbour " + r.ids[0]);
i.close();
console.log(require.resolve("vsag"));
`;

function hgraphAvailable(cwd) {
    const probe = `
const v = require("vsag");
try { new v.Index("hgraph", {dtype: "float32", metric_type: "l2", dim: 4, index_param: {base_quantization_type: "fp32", max_degree: 16, ef_construction: 100}}).close(); console.log("yes"); }
catch (e) { if (e.code === v.ErrorCode.UNSUPPORTED_INDEX) console.log("no"); else throw e; }`;
    return run(process.execPath, ["-e", probe], cwd).trim() === "yes";
}

function main() {
    const keep = process.argv.includes("--keep");
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vsag-npm-check-"));
    try {
        // 1. npm pack: the tarball holds the compiled JavaScript, types, addon and library.
        const packed = step("npm pack", () => JSON.parse(run(npm, ["pack", "--json", "--pack-destination", tmp, ...quiet], pkg)));
        const files = new Set(packed[0].files.map((f) => f.path));
        for (const f of ["package.json", "dist/index.js", "dist/index.d.ts", "build/Release/vsag.node", "lib/libvsag.so", "src/addon.c", "src/libvsag.c", "src/libvsag.h", "binding.gyp"]) {
            if (!files.has(f)) throw new Error(`the tarball lacks ${f}`);
        }
        for (const f of files) {
            if (f.startsWith("node_modules/") || f.startsWith("test/") || f.includes("/obj.target/")) {
                throw new Error(`the tarball should not hold ${f}`);
            }
        }
        const tarball = path.join(tmp, packed[0].filename);
        console.log(`     ${packed[0].filename}: ${files.size} files, ${(packed[0].size / 1e6).toFixed(1)} MB`);

        // 2. Install the tarball, and the folder, into fresh projects, offline.
        const app = path.join(tmp, "app");
        newProject(app);
        step("npm install <tarball> --offline", () => run(npm, ["install", "--offline", ...quiet, tarball], app));
        step("require('vsag') from the tarball install", () => run(process.execPath, ["-e", smoke], app));
        const linked = path.join(tmp, "linked");
        newProject(linked);
        step("npm install <folder> --offline", () => run(npm, ["install", "--offline", ...quiet, pkg], linked));
        step("require('vsag') from the folder install", () => run(process.execPath, ["-e", smoke], linked));

        // The library is found next to the package first, then through VSAG_LIBRARY_PATH
        // (file or directory), then the system's search path.
        const bare = path.join(tmp, "bare");
        fs.cpSync(path.join(app, "node_modules"), path.join(bare, "node_modules"), { recursive: true, dereference: true });
        const bareLib = path.join(bare, "node_modules", "vsag", "lib", "libvsag.so");
        const libDir = path.join(tmp, "libdir");
        fs.mkdirSync(libDir);
        fs.renameSync(bareLib, path.join(libDir, "libvsag.so"));
        const where = `console.log(require("vsag").libraryPath())`;
        step("library lookup: VSAG_LIBRARY_PATH, LD_LIBRARY_PATH, none", () => {
            const env = { ...process.env, VSAG_LIBRARY_PATH: "", LD_LIBRARY_PATH: "" };
            const want = fs.realpathSync(path.join(libDir, "libvsag.so"));
            for (const [what, extra] of [
                ["VSAG_LIBRARY_PATH=<dir>", { VSAG_LIBRARY_PATH: libDir }],
                ["VSAG_LIBRARY_PATH=<file>", { VSAG_LIBRARY_PATH: path.join(libDir, "libvsag.so") }],
                ["LD_LIBRARY_PATH=<dir>", { LD_LIBRARY_PATH: libDir }],
            ]) {
                const got = run(process.execPath, ["-e", smoke + where], bare, { env: { ...env, ...extra } });
                if (!got.trim().endsWith(want)) throw new Error(`${what}: loaded ${got.trim()}, want ${want}`);
            }
            const r = spawnSync(process.execPath, ["-e", where], { cwd: bare, env, encoding: "utf8" });
            if (r.status === 0 || !/cannot load libvsag\.so; tried: .*VSAG_LIBRARY_PATH/s.test(r.stderr)) {
                throw new Error(`without a library: status ${r.status}, ${r.stderr}`);
            }
        });

        // 3. Compile the examples against the installed package's types.
        const sources = fs.readdirSync(examples).filter((f) => f.endsWith(".ts"));
        for (const f of sources) fs.copyFileSync(path.join(examples, f), path.join(app, f));
        const tsconfig = JSON.parse(fs.readFileSync(path.join(examples, "tsconfig.json"), "utf8"));
        tsconfig.compilerOptions.typeRoots = [path.join(pkg, "node_modules", "@types")];
        tsconfig.compilerOptions.skipLibCheck = true; // @types/node is checked upstream; saves seconds
        fs.writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
        const tsc = path.join(pkg, "node_modules", "typescript", "bin", "tsc");
        step(`tsc (${sources.length} examples)`, () => run(process.execPath, [tsc, "-p", "tsconfig.json"], app));

        // 4. Run them.
        const hgraph = hgraphAvailable(app);
        for (const f of sources) {
            const js = path.join("dist", f.replace(/\.ts$/, ".js"));
            if (!hgraph && f.includes("hgraph")) {
                console.log(`skip ${f}: hgraph is not registered in libvsag.so yet`);
                continue;
            }
            const out = step(`node ${js}`, () => run(process.execPath, [js], app));
            if (out.trim()) console.log(out.trimEnd().replace(/^/gm, "     | "));
        }
    } finally {
        if (keep) console.log(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    }
}

try {
    main();
} catch (e) {
    console.error(`FAIL ${e.message}`);
    process.exit(1);
}
