# Shared by the benchmark scripts (sourced, not run): a config for a
# `mugai serve` under load, Postfix's smtp-sink as its next hop, and the
# sink's count of delivered messages.

# mugai_config FILE LISTEN_PORT SINK_PORT DATA_DIR ISOLATION [SMTP_EXTRA [DELIVERY_EXTRA [STORAGE_EXTRA]]]
# Writes the relay's TOML: loopback only, warn-level logs, the web page on
# an ephemeral port (so notices carry request links, as in production).
mugai_config() {
    local file=$1 port=$2 sink=$3 data=$4 isolation=$5 smtp_extra=${6:-} delivery_extra=${7:-}
    local storage_extra=${8:-}
    if [[ -z $smtp_extra ]]; then
        smtp_extra='max_message_size = "25MiB"
max_connections = 500
max_connections_per_ip = 500'
    fi
    cat > "$file" << TOML
[smtp]
listen = "127.0.0.1:$port"
hostname = "mugai.bench.lg.jp"
accept_domains = ["example.lg.jp"]
$smtp_extra

[delivery]
mode = "smtp"
next_hop = "127.0.0.1:$sink"
postmaster = "postmaster@example.lg.jp"
$delivery_extra

[storage]
data_dir = "$data"
$storage_extra

[sanitize.isolation]
enabled = $isolation

[admin]
listen = "127.0.0.1:0"

[log]
level = "warn"
TOML
    mkdir -p "$data"
}

# start_counting_sink PORT OUT: smtp-sink on 127.0.0.1:PORT, counting every
# message into OUT ("sess=.. quit=.. mesg=N\r" after each); sets SINK_PID.
start_counting_sink() {
    local user_opt=()
    if ((EUID == 0)); then user_opt=(-u nobody); fi   # smtp-sink refuses root
    smtp-sink "${user_opt[@]}" -c "127.0.0.1:$1" 1024 > "$2" 2>&1 &
    SINK_PID=$!
}

# sink_count OUT: messages the sink writing OUT has received.
sink_count() { tr '\r' '\n' < "$1" | awk -F'mesg=' 'NF > 1 { n = $2 + 0 } END { print n + 0 }'; }

# wait_port PORT: until something listens on 127.0.0.1:PORT (at most 10 s).
wait_port() {
    local _
    for _ in $(seq 100); do
        if (: < "/dev/tcp/127.0.0.1/$1") 2> /dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}
