#!/usr/bin/env bash
# check_symbols.sh HEADER LIBRARY TEST_SOURCE [MORE_TEST_SOURCES...]
# Fails unless the functions declared in the header and the symbols exported by the library are
# the same set, and the C test programs call every one of them.
set -euo pipefail
header=${1:-include/vsag.h}
lib=${2:-build/lib/libvsag.so}
test_src=${3:-tests/capi/capi_test.c}
test_srcs=("$test_src" "${@:4}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Declarations: every "vsag_name(" left once comments are stripped by the preprocessor.
${CC:-cc} -fpreprocessed -dD -E -P "$header" \
  | grep -oE '\bvsag_[a-z0-9_]+[[:space:]]*\(' | sed -E 's/[[:space:]]*\($//' | sort -u >"$tmp/header"
# Every defined dynamic symbol, whatever its type.
nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/lib"

status=0
if ! cmp -s "$tmp/header" "$tmp/lib"; then
  echo "exported symbols and header declarations differ:"
  comm -23 "$tmp/header" "$tmp/lib" | sed 's/^/  declared, not exported: /'
  comm -13 "$tmp/header" "$tmp/lib" | sed 's/^/  exported, not declared: /'
  status=1
fi
while read -r fn; do
  if ! grep -qE "\b$fn\b" "${test_srcs[@]}"; then
    echo "  not called by ${test_srcs[*]}: $fn"
    status=1
  fi
done <"$tmp/header"
if [ "$status" = 0 ]; then
  echo "symbols: $(wc -l <"$tmp/header") functions declared, exported and tested"
fi
exit $status
