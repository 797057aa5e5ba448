# npm package vsag (typescript/): an N-API addon in C over build/lib/libvsag.so, the TypeScript
# API compiled to typescript/dist, tests and examples. node and npm come from the system;
# node-gyp and typescript are devDependencies from the npm registry (typescript/package-lock.json).
#
#   make node-build   copy libvsag.so + vsag.h into the package, npm install, node-gyp (against
#                     the local Node headers, never downloaded), tsc; afterwards
#                     `node -e "require('./typescript')"` works from the repository root
#   make test-node    node --test, then npm pack + offline install into a fresh project + the
#                     examples of examples/typescript compiled with tsc and run
#   make bench-node   trivial-call cost and batch search from Node vs the Go API

NODE ?= node
NPM ?= npm
NODE_PKG := typescript

BUILD_TARGETS += node-build
TEST_TARGETS += test-node
BENCH_TARGETS += bench-node

.PHONY: node-build test-node bench-node

# npm install runs again only when the manifest or the lockfile changed (or node_modules is gone).
$(NODE_PKG)/node_modules/.package-lock.json: $(NODE_PKG)/package.json $(NODE_PKG)/package-lock.json
	cd $(NODE_PKG) && $(NPM) install --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# The library is replaced by rename, so a running process keeps the copy it mapped.
node-build: lib $(NODE_PKG)/node_modules/.package-lock.json
	@mkdir -p $(NODE_PKG)/lib $(NODE_PKG)/include
	@cmp -s build/lib/libvsag.so $(NODE_PKG)/lib/libvsag.so || \
	  { cp build/lib/libvsag.so $(NODE_PKG)/lib/.libvsag.so.tmp && mv -f $(NODE_PKG)/lib/.libvsag.so.tmp $(NODE_PKG)/lib/libvsag.so; }
	@cmp -s include/vsag.h $(NODE_PKG)/include/vsag.h || cp include/vsag.h $(NODE_PKG)/include/vsag.h
	cd $(NODE_PKG) && $(NODE) scripts/build-native.js
	cd $(NODE_PKG) && node_modules/.bin/tsc -p tsconfig.json
	@$(NODE) -e "require('./$(NODE_PKG)')"

test-node: node-build
	cd $(NODE_PKG) && $(NODE) --test test/*.test.js
	cd $(NODE_PKG) && $(NODE) scripts/check-package.js

bench-node: node-build
	cd $(NODE_PKG) && $(NODE) bench/bench.js
