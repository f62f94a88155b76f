#!/bin/sh
# Builds the delayer and its probe: native/netdelay/build.sh [OUT_DIR] (default: target/native).
# Output: OUT_DIR/netdelay (needs libnetfilter-queue-dev) and OUT_DIR/netprobe.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../target/native}
mkdir -p "$out"
CC=${CC:-gcc}
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$out/netdelay" "$here/netdelay.c" -lnetfilter_queue -lnfnetlink -lm
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$out/netprobe" "$here/netprobe.c" -lm
