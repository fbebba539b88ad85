#!/usr/bin/env bash
# End-to-end relay throughput: mugai versus a plain Postfix relay, on loopback.
#
# WHAT IT MEASURES
#   For each message size (5 KB, 200 KB) and each number of concurrent client
#   sessions (1, 8, 32), Postfix's load generator `smtp-source` sends a fixed
#   number of messages (-m) to a relay, which forwards them over SMTP to
#   Postfix's `smtp-sink` (the "next hop"). Two relays are measured in the same
#   run, interleaved per configuration (the order alternates, so a drift of
#   the machine hurts neither side systematically):
#     postfix  a private Postfix instance configured as a plain relay
#              (relay_domains = example.lg.jp, relayhost = the sink)
#     mugai    `target/release/mugai serve` with a generated TOML config
#              (conversion in locked-down converter processes, the default)
#     mugai-inproc  the same binary with [sanitize.isolation] enabled = false
#              (conversion in the relay's own threads): the pair gives the
#              cost of isolation, measured in the same run
#     mugai-pg        (only when named in RELAYS) mugai with its index,
#                     originals and audit chain in a throwaway PostgreSQL
#                     (benches/postgres.sh), as the nodes of a cluster run
#     postfix-amavis  (only when named in RELAYS) a second private Postfix
#              with content_filter to amavisd-new (benches/amavis.sh: as
#              Debian ships it, virus and spam checks bypassed) and back
#              on a reinjection listener, the usual content-filter set-up;
#              its CPU is both process trees
#   Reported per run: messages, seconds, messages/s and relay CPU ms/message,
#   plus ratio rows (each mugai / postfix, and mugai / mugai-inproc: what
#   isolation costs) per configuration, as a Markdown table
#   on stdout. Progress and diagnostics go to stderr.
#
# HOW
#   * Completion counts messages DELIVERED TO THE SINK, not accepted by the
#     relay. Each relay has its own sink, run with `-c`, which writes
#     "sess=.. quit=.. mesg=N\r" to a file after every message; the script
#     follows that file (incremental reads on an open descriptor, no forks)
#     every 10 ms until the count reaches base+N. (`smtp-sink -M N` is not
#     usable: it exits right after reading the N-th message's final dot,
#     BEFORE sending its 250, so the relay defers the last message.)
#   * Seconds = from just before smtp-source starts (first connection) until
#     the sink has all N messages (+ at most one 10 ms poll).
#   * CPU = user+system time of the relay's whole process tree, from
#     /proc/PID/stat: for the root (Postfix `master`, or the mugai process)
#     and every live descendant, utime+stime+cutime+cstime. Children that
#     exit during a run (Postfix daemons retire after max_use/max_idle) are
#     reaped by their parent, which moves their whole CPU time into the
#     parent's cutime/cstime, so the sum never loses them; the difference
#     of two snapshots (before the run; after the sink has everything, the
#     Postfix queue is empty and SETTLE seconds passed) is the run's CPU.
#     Threads are included (stat is per process). smtp-source, smtp-sink and
#     this script are not counted. Resolution: one clock tick (10 ms) per
#     process, so tiny QUICK runs are coarse.
#   * smtp-source opens a new connection per message (its default; add
#     SOURCE_ARGS=-d to reuse one per session). It speaks HELO, not EHLO,
#     and does not pipeline. The payload is lines of "XXXX..." (no MIME).
#   * Postfix runs from its own config_directory/queue_directory/
#     data_directory under the temp dir: chroot off, no DNS, no local
#     delivery, logging to a file (maillog_file) at its normal level,
#     default_process_limit 200 and no anvil connection/rate limits. Other
#     queue-manager settings (in_flow_delay, destination concurrency 20,
#     connection cache) are Postfix defaults. mugai logs at "warn".
#     Both fsync queue files; the temp dir's file system is printed.
#   * Traps met running a second Postfix as root in a temp dir: its commands
#     log fatal errors to syslog only (no tty), so maillog_file is set, and
#     it must match maillog_file_prefixes; `postfix check` creates the queue
#     subdirectories with postfix/postdrop ownership but data_directory must
#     be chowned to postfix by hand; mktemp's 0700 dir blocks the daemons
#     after they drop to the postfix user (chmod 755); Debian's master.cf
#     chroots every daemon (ours says "n"); smtp-sink refuses to run as root
#     without -u; `postfix start` detaches master to PID 1, which in a
#     container may never reap it or the daemons it orphans on SIGTERM, so
#     master runs under `postfix start-fg` inside a small perl subreaper.
#
# RUN (as root: a private Postfix instance needs root; installs postfix if
# smtp-source is missing, with the Debian "No configuration" preseed so no
# system MTA is set up or started):
#   bash benches/e2e.sh                # full run (Postfix half: ~30 s on 2 cores)
#   QUICK=1 bash benches/e2e.sh        # smoke run with small counts
#   BUILD=1 bash benches/e2e.sh        # cargo build --release first
# Environment knobs (defaults in brackets):
#   QUICK [0]  BUILD [0]  RELAYS ["postfix mugai mugai-inproc"]  SIZES ["5120 204800"]
#   SESSIONS ["1 8 32"]  MSGS_SMALL [2000, QUICK 200]  MSGS_LARGE [500, QUICK 40]
#   (SMALL applies to sizes < 64 KiB)  WARMUP [200, QUICK 20]
#   PORT_BASE [42520]: postfix +5, mugai +6, postfix's sink +7, mugai's sink +8,
#   mugai-inproc +9, its sink +10, postfix-amavis +11, its sink +12,
#   amavisd +13, the reinjection listener +14, mugai-pg +15, its sink +16,
#   its PostgreSQL +17   AMAVIS_SERVERS [2]
#   MUGAI [target/release/mugai]  RUN_TIMEOUT [300, QUICK 60] seconds per run
#   STALL [30] seconds without sink progress after smtp-source finished
#   SETTLE [0.3] seconds before the CPU "after" snapshot
#   SOURCE_ARGS [] extra smtp-source options   KEEP [0] keep the temp dir
#   CORPUS [] a directory of *.eml (examples/mixed_corpus.rs writes one): sent
#   instead of smtp-source's payloads, by benches/send-corpus.py (SESSIONS
#   connections, each reused); replaces SIZES
#   JOURNAL_FS [1] run both relays on a fresh journaled ext4 in a loop file
#   (0: in $TMPDIR as it is). Why: this VM's root ext4 has no journal, and
#   there every new file scans the inode table for recently deleted inodes
#   (ext4 `recently_deleted`, only without a journal) that the other
#   relay's deletions left: 40 % of mugai's CPU in one profile.
set -euo pipefail
export LC_ALL=C   # EPOCHREALTIME must use '.' as the decimal point

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMMAND_LINE=""
for v in QUICK BUILD RELAYS SIZES SESSIONS MSGS_SMALL MSGS_LARGE WARMUP PORT_BASE MUGAI \
         RUN_TIMEOUT STALL SETTLE SOURCE_ARGS KEEP JOURNAL_FS CORPUS AMAVIS_SERVERS; do
    if [[ -n ${!v+x} ]]; then printf -v COMMAND_LINE '%s%s=%q ' "$COMMAND_LINE" "$v" "${!v}"; fi
done
printf -v COMMAND_LINE '%sbash %q' "$COMMAND_LINE" "$0"
if (($#)); then printf -v COMMAND_LINE '%s %q' "$COMMAND_LINE" "$@"; fi

QUICK=${QUICK:-0}
BUILD=${BUILD:-0}
RELAYS=${RELAYS:-postfix mugai mugai-inproc}
SIZES=${SIZES:-5120 204800}
SESSIONS=${SESSIONS:-1 8 32}
if [[ $QUICK == 1 ]]; then
    MSGS_SMALL=${MSGS_SMALL:-200}; MSGS_LARGE=${MSGS_LARGE:-40}; WARMUP=${WARMUP:-20}
    RUN_TIMEOUT=${RUN_TIMEOUT:-60}
else
    MSGS_SMALL=${MSGS_SMALL:-2000}; MSGS_LARGE=${MSGS_LARGE:-500}; WARMUP=${WARMUP:-200}
    RUN_TIMEOUT=${RUN_TIMEOUT:-300}
fi
PORT_BASE=${PORT_BASE:-42520}
MUGAI=${MUGAI:-$REPO/target/release/mugai}
STALL=${STALL:-30}
SETTLE=${SETTLE:-0.3}
SOURCE_ARGS=${SOURCE_ARGS:-}
KEEP=${KEEP:-0}
JOURNAL_FS=${JOURNAL_FS:-1}
CORPUS=${CORPUS:-}

PORT_PF=$((PORT_BASE + 5)) PORT_MG=$((PORT_BASE + 6))
PORT_SINK_PF=$((PORT_BASE + 7)) PORT_SINK_MG=$((PORT_BASE + 8))
PORT_MI=$((PORT_BASE + 9)) PORT_SINK_MI=$((PORT_BASE + 10))
PORT_PA=$((PORT_BASE + 11)) PORT_SINK_PA=$((PORT_BASE + 12))
PORT_AMAVIS=$((PORT_BASE + 13)) PORT_REINJECT=$((PORT_BASE + 14))
PORT_MP=$((PORT_BASE + 15)) PORT_SINK_MP=$((PORT_BASE + 16)) PORT_PG=$((PORT_BASE + 17))
RCPT=user@example.lg.jp SENDER=sender@example.com
CLK_TCK=$(getconf CLK_TCK)

# shellcheck source=benches/relay-lib.sh
source "$REPO/benches/relay-lib.sh"
# shellcheck source=benches/amavis.sh
source "$REPO/benches/amavis.sh"
# shellcheck source=benches/postgres.sh
source "$REPO/benches/postgres.sh"

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- helpers

# sleep without forking: read with a timeout on a pipe nobody writes to
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }

# now_us: set NOW to the wall clock in integer microseconds (no fork)
now_us() { NOW=${EPOCHREALTIME/./}; }

# alive PID: process exists and is not a zombie
alive() {
    local line
    { IFS= read -r line < "/proc/$1/stat"; } 2>/dev/null || return 1
    line=${line##*) }
    [[ ${line:0:1} != Z ]]
}

# stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL; reap if our child
stop_pid() {
    local pid=$1 i
    alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
    log "stopping $2 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do alive "$pid" || break; nap 0.1; done
    if alive "$pid"; then kill -KILL "$pid" 2>/dev/null; fi
    wait "$pid" 2>/dev/null
    return 0
}

# port_listening PORT: true if something listens on TCP PORT (any address)
port_listening() {
    local hex f sl local_addr rem st rest
    printf -v hex '%04X' "$1"
    for f in /proc/net/tcp /proc/net/tcp6; do
        [[ -r $f ]] || continue
        while read -r sl local_addr rem st rest; do
            if [[ $st == 0A && ${local_addr##*:} == "$hex" ]]; then return 0; fi
        done < "$f"
    done
    return 1
}

# wait_listening PORT SECONDS PID: wait until PORT listens; fail early if PID dies
wait_listening() {
    local port=$1 deadline pid=${3:-}
    now_us; deadline=$((NOW + $2 * 1000000))
    while ! port_listening "$port"; do
        if [[ -n $pid ]] && ! alive "$pid"; then return 1; fi
        now_us; if (( NOW > deadline )); then return 1; fi
        nap 0.05
    done
}

# tree_ticks PID...: utime+stime+cutime+cstime (clock ticks) of each PID and
# all its live descendants (Postfix with amavisd-new is two trees).
# Exited-and-reaped children are inside their parent's cutime/cstime, so
# the value only grows while the tree runs.
tree_ticks() {
    local f line pid p depth total=0
    local -A parent=() ticks=() root=()
    for p in "$@"; do root[$p]=1; done
    local -a a
    for f in /proc/[0-9]*/stat; do
        { IFS= read -r line < "$f"; } 2>/dev/null || continue
        pid=${line%% *}
        read -r -a a <<< "${line##*) }"   # a[0] is field 3 (state)
        parent[$pid]=${a[1]}
        ticks[$pid]=$(( a[11] + a[12] + a[13] + a[14] ))
    done
    for pid in "${!ticks[@]}"; do
        p=$pid depth=0
        while [[ -z ${root[$p]:-} ]] && (( p > 1 && depth < 64 )); do
            p=${parent[$p]:-0}; depth=$((depth + 1))
        done
        if [[ -n ${root[$p]:-} ]]; then total=$(( total + ticks[$pid] )); fi
    done
    echo "$total"
}

# Sink counters. Each sink writes "sess=A quit=B mesg=N\r" per event to its
# file; SINK_FD[relay] is a read descriptor that we advance incrementally.
declare -A SINK_FD=() SINK_PID=() SINK_COUNT=() SINK_PART=() SINK_PORT=() RELAY_PORT=() RELAY_PID=()
sink_poll() {   # update SINK_COUNT[$1] from the records written since the last call
    local relay=$1 rec
    while :; do
        if IFS= read -r -d $'\r' -u "${SINK_FD[$relay]}" rec; then
            rec=${SINK_PART[$relay]}$rec
            SINK_PART[$relay]=""
            if [[ $rec =~ ^sess=[0-9]+\ quit=[0-9]+\ mesg=([0-9]+)$ ]]; then
                SINK_COUNT[$relay]=${BASH_REMATCH[1]}
            fi
        else
            SINK_PART[$relay]+=$rec   # a record still being written: keep its start
            return 0
        fi
    done
}

start_sink() {   # start_sink RELAY PORT
    local relay=$1 port=$2 out=$WORK/sink-$1.out
    : > "$out"
    local user_opt=() fd
    if (( EUID == 0 )); then user_opt=(-u nobody); fi   # smtp-sink refuses root
    smtp-sink "${user_opt[@]}" -c "127.0.0.1:$port" 1024 > "$out" 2> "$WORK/sink-$relay.err" &
    SINK_PID[$relay]=$!
    exec {fd}< "$out"
    SINK_FD[$relay]=$fd
    SINK_COUNT[$relay]=0 SINK_PART[$relay]=""
    SINK_PORT[$relay]=$port
    wait_listening "$port" 10 "${SINK_PID[$relay]}" \
        || die "smtp-sink on port $port did not start: $(cat "$WORK/sink-$relay.err")"
}

# ---------------------------------------------------------------- cleanup

WORK="" LOOP_DIR=""
declare -A PF_MASTER=() PF_SCRIPT=() PF_DIR=()
AMAVIS_PID="" SOURCE_PID=""
FAILURES=0
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    set +e
    # Only processes this script started, each by its own PID.
    if [[ -n $SOURCE_PID ]]; then stop_pid "$SOURCE_PID" "smtp-source"; fi
    for name in "${!PF_MASTER[@]}"; do   # each master stops its children
        stop_pid "${PF_MASTER[$name]}" "$name: Postfix master"
    done
    for name in "${!PF_SCRIPT[@]}"; do stop_pid "${PF_SCRIPT[$name]}" "$name: postfix start-fg wrapper"; done
    if [[ -n $AMAVIS_PID ]]; then stop_pid "$AMAVIS_PID" "amavisd"; fi   # it stops its children
    for name in mugai mugai-inproc mugai-pg; do
        if [[ -n ${RELAY_PID[$name]:-} ]]; then stop_pid "${RELAY_PID[$name]%% *}" "$name"; fi
    done
    stop_postgres
    for pid in "${SINK_PID[@]}"; do stop_pid "$pid" "smtp-sink"; done
    if [[ -n $WORK && -d $WORK ]]; then
        if [[ $KEEP == 1 || $rc != 0 ]]; then log "work dir kept: $WORK"
        else rm -rf "$WORK"; fi
    fi
    if [[ -n $LOOP_DIR ]]; then
        # Postfix's daemons may still be leaving after their master.
        for _ in $(seq 50); do umount "$LOOP_DIR" 2> /dev/null && break; nap 0.2; done
        if mountpoint -q "$LOOP_DIR"; then umount -l "$LOOP_DIR"; fi
        rmdir "$LOOP_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- setup

ensure_postfix_tools() {
    if [[ -x /usr/sbin/smtp-source && -x /usr/sbin/smtp-sink && -x /usr/sbin/postfix ]]; then return; fi
    (( EUID == 0 )) || die "smtp-source/smtp-sink missing and not root: apt-get install postfix"
    log "installing postfix (Debian preseed: No configuration, no system MTA)"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postfix >&2
    [[ -x /usr/sbin/smtp-source ]] || die "postfix installed but /usr/sbin/smtp-source missing"
}

# start_postfix NAME PORT SINK_PORT [FILTER_PORT REINJECT_PORT]: a private
# Postfix instance relaying 127.0.0.1:PORT to the sink; with FILTER_PORT,
# every message first goes through the content filter there (amavisd-new)
# and comes back on 127.0.0.1:REINJECT_PORT, as in amavisd-new's README.postfix.
start_postfix() {
    local name=$1 port=$2 sink_port=$3 filter_port=${4:-} reinject_port=${5:-}
    local dir=$WORK/$name
    PF_DIR[$name]=$dir
    local etc=$dir/etc
    mkdir -p "$etc" "$dir/spool" "$dir/data"
    # data_directory is used after the daemons drop to the postfix user.
    chown postfix:postfix "$dir/data"
    cat > "$etc/main.cf" <<EOF
# generated by benches/e2e.sh: a plain relay, nothing else
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = $name-bench
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = postfix.bench.lg.jp
mydomain = bench.lg.jp
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 local delivery disabled
alias_maps =
alias_database =
relay_domains = example.lg.jp
relayhost = [127.0.0.1]:$sink_port
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
default_process_limit = 200
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
smtpd_client_new_tls_session_rate_limit = 0
message_size_limit = 26214400
biff = no
append_dot_mydomain = no
EOF
    # Our own master.cf: only what a relay needs, chroot column "n" everywhere
    # (Debian's default chroots into the queue dir and expects etc/ copies there).
    cat > "$etc/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
cleanup   unix  n - n -    0 cleanup
qmgr      unix  n - n 300  1 qmgr
rewrite   unix  - - n -    - trivial-rewrite
bounce    unix  - - n -    0 bounce
defer     unix  - - n -    0 bounce
trace     unix  - - n -    0 bounce
verify    unix  - - n -    1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -    - proxymap
smtp      unix  - - n -    - smtp
relay     unix  - - n -    - smtp
showq     unix  n - n -    - showq
error     unix  - - n -    - error
retry     unix  - - n -    - error
discard   unix  - - n -    - discard
anvil     unix  - - n -    1 anvil
scache    unix  - - n -    1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
    if [[ -n $filter_port ]]; then
        echo "content_filter = smtp-amavis:[127.0.0.1]:$filter_port" >> "$etc/main.cf"
        # The filter's transport (as many as amavisd has servers) and the
        # listener it gives mail back to, which does no filtering again.
        cat >> "$etc/master.cf" <<EOF
smtp-amavis unix - - n - $AMAVIS_SERVERS smtp
  -o smtp_data_done_timeout=1200
  -o smtp_send_xforward_command=yes
  -o max_use=20
127.0.0.1:$reinject_port inet n - n - - smtpd
  -o content_filter=
  -o local_recipient_maps=
  -o relay_recipient_maps=
  -o smtpd_restriction_classes=
  -o smtpd_delay_reject=no
  -o smtpd_client_restrictions=permit_mynetworks,reject
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_data_restrictions=reject_unauth_pipelining
  -o smtpd_end_of_data_restrictions=
  -o smtpd_error_sleep_time=0
  -o smtpd_soft_error_limit=1001
  -o smtpd_hard_error_limit=1000
  -o receive_override_options=no_header_body_checks,no_unknown_recipient_checks,no_milters
EOF
    fi
    # `postfix check` creates the queue subdirectories with the right owners
    # (postfix, postdrop). Postfix commands report fatal errors only to
    # syslog/maillog_file when stderr is not a tty: show the maillog on failure.
    if ! postfix -c "$etc" check >&2; then
        tail -20 "$dir/maillog" >&2 2>/dev/null || true
        die "'postfix -c $etc check' failed"
    fi
    # start-fg keeps master as a child of postfix-script, itself our child:
    # with plain "start" the master detaches to PID 1, and a container's PID 1
    # may never reap it (its zombie then looks alive to kill -0). The perl
    # wrapper is a child subreaper, so the daemons that master's SIGTERM
    # orphans at the end are reaped too instead of piling up as zombies.
    perl -MPOSIX -e '
        my %sys_prctl = (x86_64 => 157, aarch64 => 167);
        my $nr = $sys_prctl{(POSIX::uname())[4]};
        syscall($nr, 36, 1, 0, 0, 0) if $nr;    # PR_SET_CHILD_SUBREAPER
        my $pid = fork() // die "fork: $!";
        if ($pid == 0) { exec @ARGV or die "exec $ARGV[0]: $!" }
        $SIG{TERM} = sub { kill TERM => $pid };
        while (1) { last if wait() == -1 && $!{ECHILD} }
    ' postfix -c "$etc" start-fg > "$dir/start-fg.log" 2>&1 &
    PF_SCRIPT[$name]=$!
    local pid="" i
    for ((i = 0; i < 150; i++)); do
        if [[ -s $dir/spool/pid/master.pid ]]; then
            read -r pid < "$dir/spool/pid/master.pid" || true
            if [[ -n $pid ]] && alive "$pid"; then break; fi
            pid=""
        fi
        alive "${PF_SCRIPT[$name]}" || break
        nap 0.1
    done
    if [[ -z $pid ]]; then
        cat "$dir/start-fg.log" >&2 || true
        tail -20 "$dir/maillog" >&2 2>/dev/null || true
        die "could not start the private Postfix instance"
    fi
    PF_MASTER[$name]=$pid
    RELAY_PID[$name]=$pid
    RELAY_PORT[$name]=$port
    if ! wait_listening "$port" 15 "$pid"; then
        tail -20 "$dir/maillog" >&2 || true
        die "Postfix ($name) did not listen on $port"
    fi
    log "$name: postfix $(postconf -c "$etc" -h mail_version) master $pid listening on 127.0.0.1:$port"
}

pf_queue_count() {   # pf_queue_count NAME: messages in that instance's queue (no fork)
    local q=${PF_DIR[$1]}/spool
    local -a files
    shopt -s nullglob
    files=("$q"/incoming/* "$q"/active/* "$q"/deferred/*/* "$q"/hold/* "$q"/maildrop/*)
    shopt -u nullglob
    echo "${#files[@]}"
}

MUGAI_NOTE=""
BUILT=0
# start_mugai NAME PORT SINK_PORT ISOLATION(true|false) [STORAGE_EXTRA]
start_mugai() {
    local name=$1 port=$2 sink_port=$3 isolation=$4 storage_extra=${5:-}
    if [[ $BUILD == 1 && $BUILT == 0 ]]; then
        BUILT=1
        log "cargo build --release"
        (cd "$REPO" && cargo build --release >&2)
    fi
    if [[ ! -x $MUGAI ]]; then
        MUGAI_NOTE="skipped: $MUGAI not found (build it, or run with BUILD=1)"; return 1
    fi
    if ! "$MUGAI" serve --help > /dev/null 2>&1; then
        MUGAI_NOTE="skipped: $MUGAI has no working 'serve' subcommand yet"; return 1
    fi
    local conf=$WORK/$name.toml
    mugai_config "$conf" "$port" "$sink_port" "$WORK/$name-data" "$isolation" "" "" "$storage_extra"
    "$MUGAI" serve --config "$conf" > "$WORK/$name.log" 2>&1 &
    RELAY_PID[$name]=$!
    RELAY_PORT[$name]=$port
    if ! wait_listening "$port" 30 "${RELAY_PID[$name]}"; then
        tail -20 "$WORK/$name.log" >&2 || true
        MUGAI_NOTE="skipped: 'mugai serve' did not listen on 127.0.0.1:$port within 30 s (log above)"
        stop_pid "${RELAY_PID[$name]}" "$name"
        unset "RELAY_PID[$name]"
        return 1
    fi
    log "$name $("$MUGAI" --version 2>/dev/null || true) pid ${RELAY_PID[$name]} listening on 127.0.0.1:$port (isolation $isolation)"
}

# ---------------------------------------------------------------- one run

# run_one RELAY SIZE SESSIONS MSGS: sets R_SECS R_RATE R_CPU (or R_FAIL)
run_one() {
    local relay=$1 size=$2 sess=$3 n=$4
    local port=${RELAY_PORT[$relay]} root=${RELAY_PID[$relay]}
    local srcout=$WORK/source-$relay.out spid t0 t1 cpu0 cpu1 target base
    local rc="" last_count last_change now deadline i
    R_FAIL="" R_SECS="" R_RATE="" R_CPU=""

    if [[ -n ${PF_DIR[$relay]:-} ]] && (( $(pf_queue_count "$relay") > 0 )); then
        log "$relay: Postfix queue not empty before run: purging"
        postsuper -c "${PF_DIR[$relay]}/etc" -d ALL >&2 2>/dev/null || true
    fi
    sink_poll "$relay"
    base=${SINK_COUNT[$relay]}
    target=$((base + n))
    # shellcheck disable=SC2086 # root may list two process trees
    cpu0=$(tree_ticks $root)

    now_us; t0=$NOW
    # shellcheck disable=SC2086 # SOURCE_ARGS is a list of options
    if [[ $size == corpus ]]; then
        timeout "$RUN_TIMEOUT" python3 "$REPO/benches/send-corpus.py" "$CORPUS" \
            "127.0.0.1:$port" "$sess" > "$srcout" 2>&1 &
    else
        timeout "$RUN_TIMEOUT" smtp-source $SOURCE_ARGS -s "$sess" -m "$n" -l "$size" \
            -M bench.example.com -f "$SENDER" -t "$RCPT" "127.0.0.1:$port" > "$srcout" 2>&1 &
    fi
    spid=$! SOURCE_PID=$!
    deadline=$((t0 + RUN_TIMEOUT * 1000000))
    last_count=$base last_change=$t0
    while :; do
        sink_poll "$relay"
        now_us; now=$NOW
        if (( SINK_COUNT[$relay] >= target )); then t1=$now; break; fi
        if (( SINK_COUNT[$relay] != last_count )); then last_count=${SINK_COUNT[$relay]}; last_change=$now; fi
        if [[ -z $rc ]] && ! alive "$spid"; then
            rc=0; wait "$spid" || rc=$?
            if (( rc != 0 )); then R_FAIL="smtp-source exit $rc: $(head -c 200 "$srcout" | tr '\n' ' ')"; break; fi
        fi
        if [[ -n $rc ]] && (( now - last_change > STALL * 1000000 )); then
            R_FAIL="no delivery for ${STALL}s after smtp-source finished: $((last_count - base))/$n at the sink"
            if [[ -s $srcout ]]; then R_FAIL+="; smtp-source said: $(head -c 200 "$srcout" | tr '\n' ' ')"; fi
            break
        fi
        if (( now > deadline )); then R_FAIL="timeout after ${RUN_TIMEOUT}s at $((last_count - base))/$n"; break; fi
        nap 0.01
    done
    if [[ -z $rc ]]; then
        # sink has everything, smtp-source is only saying QUIT
        for ((i = 0; i < 500; i++)); do alive "$spid" || break; nap 0.01; done
        kill -TERM "$spid" 2>/dev/null || true
        wait "$spid" 2>/dev/null || true
    fi
    SOURCE_PID=""
    if [[ -s $srcout ]]; then log "$relay: smtp-source said: $(head -c 300 "$srcout" | tr '\n' ' ')"; fi
    [[ -z $R_FAIL ]] || return 1

    if [[ -n ${PF_DIR[$relay]:-} ]]; then   # let qmgr finish its bookkeeping
        for ((i = 0; i < 200; i++)); do (( $(pf_queue_count "$relay") == 0 )) && break; nap 0.05; done
        if (( $(pf_queue_count "$relay") > 0 )); then log "$relay: $(pf_queue_count "$relay") messages still queued after run"; fi
    fi
    nap "$SETTLE"
    # shellcheck disable=SC2086
    cpu1=$(tree_ticks $root)
    sink_poll "$relay"
    if (( SINK_COUNT[$relay] > target )); then
        log "$relay: sink got $((SINK_COUNT[$relay] - base)) messages for $n sent (duplicates?)"
    fi
    read -r R_SECS R_RATE R_CPU < <(awk -v t0="$t0" -v t1="$t1" -v n="$n" -v c0="$cpu0" -v c1="$cpu1" -v hz="$CLK_TCK" \
        'BEGIN { s = (t1 - t0) / 1e6; printf "%.2f %.1f %.3f\n", s, n / s, (c1 - c0) * 1000 / hz / n }')
}

# ---------------------------------------------------------------- main

(( EUID == 0 )) || die "run as root (a private Postfix instance and smtp-sink need it)"
ensure_postfix_tools
for p in "$PORT_PF" "$PORT_MG" "$PORT_SINK_PF" "$PORT_SINK_MG" "$PORT_MI" "$PORT_SINK_MI" \
         "$PORT_PA" "$PORT_SINK_PA" "$PORT_AMAVIS" "$PORT_REINJECT"; do
    if port_listening "$p"; then die "port $p is in use; choose another PORT_BASE"; fi
done
read -r LOAD_START _ < /proc/loadavg
if awk -v l="$LOAD_START" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average $LOAD_START before start: the machine is not idle, figures will be noisy"
fi
if [[ $JOURNAL_FS == 1 ]]; then
    # A fresh journaled ext4 (Debian's default file system) in a sparse
    # file, for both relays alike.
    LOOP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mugai-e2e-fs.XXXXXX")
    truncate -s 16G "$LOOP_DIR.img"
    mkfs.ext4 -q -F "$LOOP_DIR.img"
    mount -o loop "$LOOP_DIR.img" "$LOOP_DIR" || die "cannot mount a loop file system (JOURNAL_FS=0 runs without)"
    rm -f "$LOOP_DIR.img"   # freed when unmounted
    chmod 755 "$LOOP_DIR"
    TMPDIR=$LOOP_DIR
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mugai-e2e.XXXXXX")
chmod 755 "$WORK"   # mktemp makes it 0700; Postfix daemons run as 'postfix'

ACTIVE=()
for r in $RELAYS; do
    case $r in
        postfix)
            start_sink postfix "$PORT_SINK_PF"
            start_postfix postfix "$PORT_PF" "$PORT_SINK_PF"
            ACTIVE+=(postfix) ;;
        postfix-amavis)
            ensure_amavis
            start_sink postfix-amavis "$PORT_SINK_PA"
            start_amavis "$PORT_AMAVIS" "$PORT_REINJECT"
            start_postfix postfix-amavis "$PORT_PA" "$PORT_SINK_PA" "$PORT_AMAVIS" "$PORT_REINJECT"
            RELAY_PID[postfix-amavis]+=" $AMAVIS_PID"
            ACTIVE+=(postfix-amavis) ;;
        mugai)
            start_sink mugai "$PORT_SINK_MG"
            if start_mugai mugai "$PORT_MG" "$PORT_SINK_MG" true; then ACTIVE+=(mugai); else log "mugai $MUGAI_NOTE"; fi ;;
        mugai-inproc)
            start_sink mugai-inproc "$PORT_SINK_MI"
            if start_mugai mugai-inproc "$PORT_MI" "$PORT_SINK_MI" false; then ACTIVE+=(mugai-inproc); else log "mugai-inproc $MUGAI_NOTE"; fi ;;
        mugai-pg)
            start_sink mugai-pg "$PORT_SINK_MP"
            start_postgres "$PORT_PG"
            if start_mugai mugai-pg "$PORT_MP" "$PORT_SINK_MP" true \
                "database = \"postgres://mugai@127.0.0.1:$PORT_PG/mugai\""; then
                # Its CPU counts PostgreSQL's processes too.
                RELAY_PID[mugai-pg]+=" $PG_PID"
                ACTIVE+=(mugai-pg)
            else log "mugai-pg $MUGAI_NOTE"; fi ;;
        *) die "unknown relay '$r' (postfix, postfix-amavis, mugai, mugai-inproc, mugai-pg)" ;;
    esac
done
((${#ACTIVE[@]})) || die "no relay to measure"

msgs_for() {
    if [[ $1 == corpus ]]; then find "$CORPUS" -maxdepth 1 -name '*.eml' | wc -l
    elif (( $1 < 65536 )); then echo "$MSGS_SMALL"; else echo "$MSGS_LARGE"; fi
}
human() {
    if [[ $1 == corpus ]]; then echo "corpus"
    elif (( $1 % 1024 == 0 )); then echo "$(($1 / 1024)) KB"; else echo "$1 B"; fi
}
if [[ -n $CORPUS ]]; then SIZES=corpus; fi

ROWS=() NOTES=() WARM=()
for r in "${ACTIVE[@]}"; do
    log "warm-up $r: $WARMUP messages, 5 KB, 8 sessions"
    if run_one "$r" 5120 8 "$WARMUP"; then WARM+=("$r"); continue; fi
    log "$r: warm-up FAILED, not measured: $R_FAIL"
    FAILURES=$((FAILURES + 1))
    NOTES+=("- $r, warm-up (not measured): $R_FAIL")
done
ACTIVE=("${WARM[@]}")
((${#ACTIVE[@]})) || die "no relay passed the warm-up"
cfg=0
for size in $SIZES; do
    for sess in $SESSIONS; do
        n=$(msgs_for "$size")
        # Rotate the order per configuration: no relay always goes first.
        order=("${ACTIVE[@]:cfg % ${#ACTIVE[@]}}" "${ACTIVE[@]:0:cfg % ${#ACTIVE[@]}}")
        declare -A RATE=() CPU=()
        for r in "${order[@]}"; do
            log "$r: $(human "$size") x $n messages, $sess sessions"
            if run_one "$r" "$size" "$sess" "$n"; then
                log "$r: ${R_SECS}s  ${R_RATE} msgs/s  ${R_CPU} CPU ms/msg"
                RATE[$r]=$R_RATE CPU[$r]=$R_CPU
                ROWS+=("| $r | $(human "$size") | $sess | $n | $R_SECS | $R_RATE | $R_CPU |")
            else
                log "$r: FAILED: $R_FAIL"
                FAILURES=$((FAILURES + 1))
                ROWS+=("| $r | $(human "$size") | $sess | $n | FAIL | – | – |")
                NOTES+=("- $r, $(human "$size"), $sess sessions: $R_FAIL")
            fi
        done
        for pair in mugai/postfix mugai-inproc/postfix mugai/postfix-amavis mugai/mugai-inproc; do
            a=${pair%/*} b=${pair#*/}
            if [[ -n ${RATE[$a]:-} && -n ${RATE[$b]:-} ]]; then
                ROWS+=("$(awk -v p="$pair" -v s="$(human "$size")" -v k="$sess" -v ra="${RATE[$a]}" -v rb="${RATE[$b]}" \
                    -v ca="${CPU[$a]}" -v cb="${CPU[$b]}" 'BEGIN {
                        cr = (cb > 0) ? sprintf("%.2f×", ca / cb) : "–"
                        printf "| **%s** | %s | %s | | | **%.2f×** | **%s** |\n", p, s, k, ra / rb, cr }')")
            fi
        done
        unset RATE CPU
        cfg=$((cfg + 1))
    done
done

# ---------------------------------------------------------------- report

read -r LOAD_END _ < /proc/loadavg

cat <<EOF
# mugai end-to-end relay benchmark

\`\`\`
$COMMAND_LINE
\`\`\`

- machine: $(nproc) CPUs, $(uname -sr), work dir on $(df --output=fstype "$WORK" | tail -n 1)$([[ $JOURNAL_FS == 1 ]] && echo " (fresh, journaled, loop file)"), 1-min load average $LOAD_START before, $LOAD_END after (other load skews both relays)
- postfix: $(if ((${#PF_DIR[@]})); then postconf -c "$(printf '%s\n' "${PF_DIR[@]}" | head -n 1)/etc" -h mail_version; else echo "not requested"; fi) (private instances: plain relay; postfix-amavis: the same with content_filter to amavisd-new and back)
- amavisd-new: $(if [[ -n $AMAVIS_PID ]]; then echo "$(amavis_version), $AMAVIS_SERVERS servers, virus and spam checks bypassed"; else echo "not requested"; fi)
- mugai: $(if [[ -n ${RELAY_PID[mugai]:-}${RELAY_PID[mugai-inproc]:-} ]]; then "$MUGAI" --version 2>/dev/null || echo "$MUGAI"; else echo "${MUGAI_NOTE:-not requested}"; fi) (mugai: converter processes; mugai-inproc: isolation off)
- load: $(if [[ -n $CORPUS ]]; then echo "benches/send-corpus.py $CORPUS (SESSIONS reused connections)"; else echo "smtp-source -s SESSIONS -m MESSAGES -l SIZE ${SOURCE_ARGS:+$SOURCE_ARGS }(one connection per message unless -d)"; fi) → relay → smtp-sink
- seconds: first connection until the sink has received all messages; CPU: relay process tree (user+system, /proc)

| relay | size | sessions | messages | seconds | msgs/s | CPU ms/msg |
|---|---|---|---|---|---|---|
EOF
printf '%s\n' "${ROWS[@]}"
if ((${#NOTES[@]})); then printf '\nFailures:\n'; printf '%s\n' "${NOTES[@]}"; fi
if (( FAILURES > 0 )); then exit 1; fi
