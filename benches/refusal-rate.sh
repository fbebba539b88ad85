#!/usr/bin/env bash
# How much ordinary mail mugai refuses as a whole: runs `mugai sanitize`
# (isolated, as in serve) over every file under the given directories and
# counts the messages refused (exit 3), with the reason of each.
#
#   cargo build --release
#   benches/refusal-rate.sh DIR [DIR...]
#
# Public collections used for BENCHMARKS.md: the test mails mail-parser
# ships (~/.cargo/registry/src/*/mail-parser-*/resources) and CPython's
# test_email data (Debian package libpython3.11-testsuite,
# usr/lib/python3.11/test/test_email/data/msg_*.txt). They are read where
# they are, never copied into this repository.
set -euo pipefail
MUGAI="${MUGAI:-$(dirname "$0")/../target/release/mugai}"
[ $# -gt 0 ] || { echo "usage: $0 DIR [DIR...]" >&2; exit 2; }
total=0
refused=0
report=$(mktemp)
trap 'rm -f "$report"' EXIT
while IFS= read -r -d '' file; do
    total=$((total + 1))
    rc=0
    "$MUGAI" sanitize --report-json "$report" "$file" >/dev/null 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        refused=$((refused + 1))
        reason=$(sed -n 's/^  "reason": "\(.*\)",$/\1/p' "$report" 2>/dev/null | head -1)
        echo "refused (exit $rc, ${reason:-?}): $file"
    fi
done < <(find "$@" -type f \( -name '*.eml' -o -name 'msg_*.txt' \) -print0 | sort -z)
echo "$refused of $total refused ($(awk "BEGIN { printf \"%.1f\", $total ? 100 * $refused / $total : 0 }") %)"
