# amavisd-new for benches/e2e.sh (sourced, not run): the content filter that
# municipalities commonly put behind Postfix, as the comparison for mugai.
# It runs as Debian ships it (01-debian's helper programs, 20-debian_defaults'
# limits, banned names and destinies) with virus and spam checks bypassed:
# no scanner is installed, and mugai scans for neither. It decodes every
# MIME part, unpacks archives, checks names and types, and passes the mail
# back to Postfix unchanged.
#
# Needs from e2e.sh: WORK, log, die, wait_listening. Knob: AMAVIS_SERVERS
# [2, Debian's $max_servers]: amavisd processes, and the Postfix transport's
# process limit to match.

AMAVIS_SERVERS=${AMAVIS_SERVERS:-2}

ensure_amavis() {
    if [[ -x /usr/sbin/amavisd ]]; then return; fi
    ((EUID == 0)) || die "amavisd-new missing and not root: apt-get install amavisd-new"
    log "installing amavisd-new (without recommends: no virus or spam scanner)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends amavisd-new >&2
    [[ -x /usr/sbin/amavisd ]] || die "amavisd-new installed but /usr/sbin/amavisd missing"
}

amavis_version() { /usr/sbin/amavisd -V 2> /dev/null | head -n 1; }

# start_amavis PORT FORWARD_PORT: amavisd on 127.0.0.1:PORT giving mail back
# to 127.0.0.1:FORWARD_PORT; sets AMAVIS_PID (its master, in the foreground).
start_amavis() {
    local port=$1 forward=$2
    # amavisd refuses a config file that is not root's or whose directory
    # its user could write; its home is its user's.
    local etc=$WORK/amavis-etc home=$WORK/amavis
    mkdir -p "$etc" "$home/tmp" "$home/db" "$home/virusmails"
    chmod 755 "$etc"
    chown -R amavis:amavis "$home"
    cat > "$etc/amavisd.conf" << PERL
use strict;
\$MYHOME = '$home';
do '/etc/amavis/conf.d/01-debian';
do '/etc/amavis/conf.d/20-debian_defaults';
\$TEMPBASE = "\$MYHOME/tmp";
\$db_home = "\$MYHOME/db";
\$helpers_home = \$MYHOME;
\$QUARANTINEDIR = "\$MYHOME/virusmails";
\$pid_file = "\$MYHOME/amavisd.pid";
\$lock_file = "\$MYHOME/amavisd.lock";
\$daemon_user = 'amavis';
\$daemon_group = 'amavis';
\$max_servers = $AMAVIS_SERVERS;
\$inet_socket_port = $port;
\$inet_socket_bind = '127.0.0.1';
@inet_acl = qw(127.0.0.1);
\$forward_method = 'smtp:[127.0.0.1]:$forward';
\$notify_method = \$forward_method;
@bypass_virus_checks_maps = (1);
@bypass_spam_checks_maps = (1);
@av_scanners = ();
@av_scanners_backup = ();
\$myhostname = 'amavis.bench.lg.jp';
\$mydomain = 'bench.lg.jp';
@local_domains_maps = (['.example.lg.jp']);
@mynetworks = qw(127.0.0.0/8);
\$DO_SYSLOG = 0;
\$LOGFILE = "\$MYHOME/amavis.log";
\$log_level = 0;
1;
PERL
    /usr/sbin/amavisd -c "$etc/amavisd.conf" foreground > "$home/foreground.log" 2>&1 &
    AMAVIS_PID=$!
    if ! wait_listening "$port" 60 "$AMAVIS_PID"; then
        tail -20 "$home/foreground.log" "$home/amavis.log" >&2 2> /dev/null || true
        die "amavisd did not listen on 127.0.0.1:$port"
    fi
    log "amavisd-new ($(amavis_version)) pid $AMAVIS_PID on 127.0.0.1:$port, back to 127.0.0.1:$forward"
}
