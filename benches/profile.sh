#!/usr/bin/env bash
# Where mugai's CPU goes under the e2e load: `perf record` on a running
# `mugai serve` (and its converter children) while Postfix's smtp-source sends
# mail to it and smtp-sink takes the sanitized copies.
#
# RUN (as root for perf on another process; postfix tools as in e2e.sh):
#   bash benches/profile.sh                    # 5 KB, 8 sessions, 4000 messages
#   SIZE=204800 MSGS=1000 bash benches/profile.sh
#   CORPUS=dir bash benches/profile.sh         # send every *.eml in dir (send-corpus.py)
#   TMPDIR=/mnt/journaled bash benches/profile.sh   # data on another file system
# Knobs: SIZE [5120] SESSIONS [8] MSGS [4000] ISOLATION [true] TOP [40] CALLGRAPH [0]
#   SYSCALLS [0]: 1 counts system calls per message with strace -c instead of perf
#   MUGAI [target/release/mugai] PORT_BASE [42620] KEEP [0]
# Prints perf's flat profile (self time by thread/process name, then by
# symbol; recorded system-wide, so smtp-source and smtp-sink show apart) on
# stdout; CALLGRAPH=1 records call graphs (frame pointers: kernel stacks,
# which is where syscalls and file-system costs show).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE=${SIZE:-5120} SESSIONS=${SESSIONS:-8} MSGS=${MSGS:-4000}
ISOLATION=${ISOLATION:-true} TOP=${TOP:-40} KEEP=${KEEP:-0}
MUGAI=${MUGAI:-$REPO/target/release/mugai}
PORT_BASE=${PORT_BASE:-42620}
PORT=$((PORT_BASE + 1)) SINK=$((PORT_BASE + 2))
# shellcheck source=benches/relay-lib.sh
source "$REPO/benches/relay-lib.sh"
CORPUS=${CORPUS:-}

log() { printf '[profile %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
command -v perf > /dev/null || { log "perf missing: apt-get install linux-perf"; exit 1; }
command -v smtp-source > /dev/null || { log "smtp-source missing: run benches/e2e.sh once (it installs postfix)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mugai-profile.XXXXXX")
chmod 755 "$WORK"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    if [[ $KEEP == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

start_counting_sink "$SINK" "$WORK/sink.out"
PIDS+=("$SINK_PID")
mugai_config "$WORK/mugai.toml" "$PORT" "$SINK" "$WORK/data" "$ISOLATION"
"$MUGAI" serve --config "$WORK/mugai.toml" > "$WORK/mugai.log" 2>&1 &
MPID=$!
PIDS=("$MPID" "${PIDS[@]}")
wait_port "$PORT" || { log "mugai did not listen: $(tail -5 "$WORK/mugai.log")"; exit 1; }

delivered() { sink_count "$WORK/sink.out"; }
send_load() {
    if [[ -n $CORPUS ]]; then
        python3 "$REPO/benches/send-corpus.py" "$CORPUS" "127.0.0.1:$PORT" "$SESSIONS" > /dev/null
    else
        smtp-source -s "$SESSIONS" -m "$MSGS" -l "$SIZE" -M bench.example.com \
            -f sender@example.com -t user@example.lg.jp "127.0.0.1:$PORT" > /dev/null
    fi
}
expected=$MSGS
if [[ -n $CORPUS ]]; then expected=$(find "$CORPUS" -maxdepth 1 -name '*.eml' | wc -l); fi

log "warm-up"
smtp-source -s 4 -m 200 -l 5120 -f sender@example.com -t user@example.lg.jp "127.0.0.1:$PORT" > /dev/null
for _ in $(seq 300); do (($(delivered) >= 200)) && break; sleep 0.1; done
base=$(delivered)
CG=()
if [[ ${CALLGRAPH:-0} == 1 ]]; then CG=(-g); fi
log "recording: $expected messages (size ${SIZE}, $SESSIONS sessions, isolation $ISOLATION)"
if [[ ${SYSCALLS:-0} == 1 ]]; then
    strace -c -f -p "$MPID" -o "$WORK/strace.out" 2> "$WORK/perf.err" &
else
    # System-wide: the converter processes are children started before
    # recording, which -p would miss; smtp-source and smtp-sink show apart.
    perf record -F 999 "${CG[@]}" -a -o "$WORK/perf.data" 2> "$WORK/perf.err" &
fi
PERF=$!
sleep 0.5
send_load
for _ in $(seq 600); do (($(delivered) >= base + expected)) && break; sleep 0.1; done
kill -INT "$PERF"
wait "$PERF" || true
log "delivered $(($(delivered) - base)) of $expected"
if [[ ${SYSCALLS:-0} == 1 ]]; then
    sleep 0.5
    awk -v n="$expected" 'NR <= 2 || /^-/ { print; next } $4 ~ /^[0-9]+$/ { printf "%s  per-message %.2f\n", $0, $4 / n; next } { print }' "$WORK/strace.out" | head -n "$TOP"
    exit 0
fi
perf report -i "$WORK/perf.data" --no-children --sort comm,dso --stdio -g none 2> /dev/null | grep -v "^#" | grep -v "^$" | head -n 25
perf report -i "$WORK/perf.data" --no-children --sort comm,dso,sym --stdio -g "$( [[ ${CALLGRAPH:-0} == 1 ]] && echo caller,0.5,callee,function,percent || echo none )" --percent-limit 0.3 2> /dev/null |
    grep -v '^$' | head -n "$((TOP + 12))"
