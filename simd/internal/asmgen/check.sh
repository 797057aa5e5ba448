#!/bin/sh
# check.sh regenerates the simd assembly into a temporary directory and fails
# if it differs from the committed files. Run from anywhere:
#   sh simd/internal/asmgen/check.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
simd=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$here" && go run . -dir "$tmp")
status=0
for f in "$tmp"/*; do
	name=$(basename "$f")
	if ! diff -u "$simd/$name" "$f"; then
		echo "check.sh: $name is stale; run 'go generate ./simd'" >&2
		status=1
	fi
done
exit $status
