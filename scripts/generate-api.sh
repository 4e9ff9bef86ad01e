#!/bin/sh
# Regenerates the control API's server code (Sources/IsolaHypervisor/API/Generated/)
# from docs/api/openapi.yaml with swift-openapi-generator, built from
# scripts/openapi/ (its own package, so the main build never compiles the
# generator). Run it after changing the document; the output is committed, and a
# test fails while the document and the generated code disagree.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
# The line each generated file carries, which a test compares with the sources' digest now.
sources_digest() {
    echo "From docs/api/openapi.yaml and its configuration, SHA-256 $(cat "$1/docs/api/openapi.yaml" "$1/scripts/openapi/openapi-generator-config.yaml" | sha256sum | cut -d' ' -f1)"
}
swift build -c release --package-path "$repo/scripts/openapi" --product swift-openapi-generator >&2
generator=$(swift build -c release --package-path "$repo/scripts/openapi" --show-bin-path)/swift-openapi-generator
out="$repo/Sources/IsolaHypervisor/API/Generated"
rm -rf "$out"
mkdir -p "$out"
"$generator" generate "$repo/docs/api/openapi.yaml" --config "$repo/scripts/openapi/openapi-generator-config.yaml" \
    --output-directory "$out" --additional-file-comment "$(sources_digest "$repo")" >&2
# Only the files that hold declarations.
for f in "$out"/*.swift; do grep -q '^[a-z@].*\(struct\|enum\|protocol\|extension\|typealias\) ' "$f" || rm "$f"; done
echo "generated $(ls "$out" | tr '\n' ' ')" >&2
