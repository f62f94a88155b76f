#!/bin/sh
# Builds the virtual-clock shim and its C test: native/vclock/build.sh [OUT_DIR] (default: target/native).
# Output: OUT_DIR/libjntpd_vclock.so and OUT_DIR/test_vclock.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../target/native}
mkdir -p "$out"
CC=${CC:-gcc}
# -fno-delete-null-pointer-checks: glibc declares some of these functions nonnull, yet the kernel accepts NULL.
# -z nodelete: the log thread runs code from this library, so dlclose() must never unmap it.
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -fno-delete-null-pointer-checks \
    -Wl,-z,nodelete -o "$out/libjntpd_vclock.so" "$here/vclock.c" -ldl -lpthread -lm
$CC -std=gnu11 -O2 -g -Wall -Wextra -Werror -o "$out/test_vclock" "$here/test_vclock.c" -ldl -lpthread -lm
