# Sourced by benches/e2e.sh: a throwaway PostgreSQL cluster for the
# `mugai-pg` relay (mugai with `[storage] database = "postgres://…"`, so
# every message's index row, original and audit lines go to PostgreSQL),
# on 127.0.0.1 only, in the run's work directory (the same journaled file
# system as the spools), with PostgreSQL's defaults (fsync and
# synchronous_commit on: a commit is on disk, as mugai's SQLite commits
# are). Started and stopped by its postmaster's PID.

PG_PID="" PG_DIR="" PG_BIN=""

# start_postgres PORT: initdb, start, create database `mugai`; sets PG_PID.
start_postgres() {
    local port=$1 runas=() pid
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -1)
    [[ -x $PG_BIN/initdb ]] || die "mugai-pg needs PostgreSQL's server (apt install postgresql)"
    PG_DIR=$WORK/postgres
    mkdir -p "$PG_DIR"
    if ((EUID == 0)); then chown postgres "$PG_DIR"; runas=(runuser -u postgres --); fi
    "${runas[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U mugai -A trust > "$WORK/postgres-initdb.log" 2>&1 \
        || die "initdb failed: $(tail -3 "$WORK/postgres-initdb.log")"
    "${runas[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
        -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=50" start > /dev/null \
        || die "PostgreSQL did not start: $(tail -3 "$PG_DIR/log")"
    read -r pid < "$PG_DIR/data/postmaster.pid"
    PG_PID=$pid
    "${runas[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U mugai mugai
    log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') pid $PG_PID on 127.0.0.1:$port"
}

# stop_postgres: fast shutdown of the cluster started above.
stop_postgres() {
    [[ -n $PG_PID ]] || return 0
    kill -INT "$PG_PID" 2> /dev/null || true
    local _
    for _ in $(seq 100); do kill -0 "$PG_PID" 2> /dev/null || break; nap 0.1; done
    PG_PID=""
}
