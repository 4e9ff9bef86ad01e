#!/usr/bin/env bash
# The tests where threads share the most — the four-hart SMP stress, pause, and the
# hypervisor with its workers and its web console — under ThreadSanitizer, in a build of their own
# (.build-tsan). Clean means no report at all, from the test process or from any
# `isola serve` or worker it starts (they inherit TSAN_OPTIONS); Tests/tsan-suppressions.txt
# says what is left out and why.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --sanitize=thread --build-tests --build-path .build-tsan
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
TSAN_OPTIONS="suppressions=$PWD/Tests/tsan-suppressions.txt log_path=$logs/race" \
    swift test -c release --sanitize=thread --skip-build --build-path .build-tsan \
    --filter 'fourHartsAndAtomicsAcrossThem|PauseTests|HypervisorTests|GDBStubTests|WebConsoleTests'
if compgen -G "$logs/race.*" >/dev/null; then
    cat "$logs"/race.*
    echo "tsan: ThreadSanitizer reported the data races above" >&2
    exit 1
fi
echo "tsan: no data race reported"
