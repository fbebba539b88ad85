#!/usr/bin/env bash
# Peak memory of a relay under many large messages at once: SESSIONS
# concurrent smtp-source sessions each send one SIZE-byte message to a
# running `mugai serve`, which sanitizes them and delivers to smtp-sink.
# The resident memory (VmRSS) of the relay and of its converter processes is
# sampled every 50 ms until the sink has every message; the peaks are
# printed beside the stated bound (see `bound` below), and the script fails
# when the peak is over it.
#
# RUN (postfix tools as in e2e.sh; as root or not):
#   bash benches/memory.sh                       # 100 sessions x 25 MiB
#   SESSIONS=16 SIZE=9909043 bash benches/memory.sh
# Knobs: SESSIONS [100] SIZE [26214400] CONCURRENCY [8: delivery.concurrency]
#   MUGAI [target/release/mugai] PORT_BASE [42640] TIMEOUT [600 s] KEEP [0]
# Set TMPDIR to put the spool on another file system (it needs
# SESSIONS x SIZE x 2 free: spool and originals share inodes, the sink
# keeps nothing).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SESSIONS=${SESSIONS:-100} SIZE=${SIZE:-26214400} CONCURRENCY=${CONCURRENCY:-8}
MUGAI=${MUGAI:-$REPO/target/release/mugai} PORT_BASE=${PORT_BASE:-42640}
TIMEOUT=${TIMEOUT:-600} KEEP=${KEEP:-0}
PORT=$((PORT_BASE + 1)) SINK=$((PORT_BASE + 2))
# shellcheck source=benches/relay-lib.sh
source "$REPO/benches/relay-lib.sh"
log() { printf '[memory %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
command -v smtp-source > /dev/null || { log "smtp-source missing: run benches/e2e.sh once (it installs postfix)"; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mugai-memory.XXXXXX")
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
mugai_config "$WORK/mugai.toml" "$PORT" "$SINK" "$WORK/data" true \
    "max_message_size = \"$((SIZE / 1048576 + 2))MiB\"
max_connections = $((SESSIONS + 10))
max_connections_per_ip = $((SESSIONS + 10))" \
    "concurrency = $CONCURRENCY"
"$MUGAI" serve --config "$WORK/mugai.toml" > "$WORK/mugai.log" 2>&1 &
MPID=$!
PIDS=("$MPID" "${PIDS[@]}")
wait_port "$PORT" || { log "mugai did not listen: $(tail -5 "$WORK/mugai.log")"; exit 1; }

delivered() { sink_count "$WORK/sink.out"; }
rss_kib() { awk '/^VmRSS:/ { print $2; exit }' "/proc/$1/status" 2> /dev/null || echo 0; }
children() {
    local p
    for p in /proc/[0-9]*; do
        [[ -r $p/stat ]] || continue
        local stat
        stat=$(< "$p/stat") 2> /dev/null || continue
        stat=${stat##*) }
        set -- $stat
        if [[ $2 == "$MPID" ]]; then echo "${p#/proc/}"; fi
    done
}

log "sending $SESSIONS messages of $SIZE bytes at once (delivery.concurrency $CONCURRENCY)"
start=$(date +%s.%N)
smtp-source -s "$SESSIONS" -m "$SESSIONS" -l "$SIZE" -M bench.example.com \
    -f sender@example.com -t user@example.lg.jp "127.0.0.1:$PORT" > "$WORK/source.out" 2>&1 &
SPID=$!
PIDS+=("$SPID")
peak_relay=0 peak_conv=0 peak_total=0 samples=0
deadline=$(($(date +%s) + TIMEOUT))
while (($(delivered) < SESSIONS)); do
    relay=$(rss_kib "$MPID") conv=0
    for c in $(children); do conv=$((conv + $(rss_kib "$c"))); done
    ((relay > peak_relay)) && peak_relay=$relay
    ((conv > peak_conv)) && peak_conv=$conv
    ((relay + conv > peak_total)) && peak_total=$((relay + conv))
    samples=$((samples + 1))
    if (($(date +%s) > deadline)); then log "timeout: $(delivered) of $SESSIONS delivered"; exit 1; fi
    sleep 0.05
done
end=$(date +%s.%N)
wait "$SPID" || true
log "delivered $(delivered) of $SESSIONS"
# The stated bound: each message inside a worker or a delivery (at most
# delivery.concurrency, which includes the workers' share) holds at most
# four copies of its size (original or kept text, converter frame, sanitized
# copy, one recipient's linked copy); each converter (one per core) as many;
# plus 128 MiB for the program, its buffers and the sessions' 64 KiB each.
bound=$(( (CONCURRENCY + $(nproc)) * 4 * SIZE / 1048576 + 128 ))
awk -v s="$SESSIONS" -v z="$SIZE" -v r="$peak_relay" -v c="$peak_conv" -v t="$peak_total" \
    -v a="$start" -v b="$end" -v n="$samples" -v bound="$bound" 'BEGIN {
    printf "| sessions | message | in flight | seconds | peak relay RSS | peak converters RSS | peak total | bound | samples |\n"
    printf "|---|---|---|---|---|---|---|---|---|\n"
    printf "| %d | %.1f MiB | %.0f MiB | %.1f | %.0f MiB | %.0f MiB | %.0f MiB | %d MiB | %d |\n",
        s, z / 1048576, s * z / 1048576, b - a, r / 1024, c / 1024, t / 1024, bound, n }'
if ((peak_total / 1024 > bound)); then
    log "peak $((peak_total / 1024)) MiB is over the bound of $bound MiB"
    exit 1
fi
