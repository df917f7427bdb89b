#!/usr/bin/env bash
# Relay benchmark (issue 3): Postfix's smtp-source (20 parallel sessions, 4 KB messages, one
# message per session) against RelayWarden and against a stock private Postfix instance, both
# relaying to the same smtp-sink, both fsyncing before 250. Prints messages/second, busy CPU of the
# whole machine per message (/proc/stat), the ratio, end-of-DATA-to-250 latency percentiles, and the
# relay's memory with 1,000 idle sessions. Loopback only; bounded in count and time.
#   bench/relay.sh [messages]        (default 2000)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
messages="${1:-2000}"
sessions=20
size=4096
tmp="$(mktemp -d /tmp/relaywarden-bench.XXXXXX)"
chmod 755 "$tmp"   # the private Postfix (user postfix) must reach its queue under it
pids=()
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
require_tools smtp-source smtp-sink postfix python3 dotnet

# The latency probe: 4 connections x 100 messages, time from the final CRLF.CRLF to the reply.
latency() {
  python3 - "$1" <<'PY'
import socket, sys, time, threading
port = int(sys.argv[1]); lat = []; lock = threading.Lock()
body = b"From: <alice@acme.example>\r\nTo: <bob@customer.example>\r\nSubject: probe\r\n\r\n" + (b"X" * 78 + b"\r\n") * 50
def reply(f):
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-": return line
def run():
    s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); f = s.makefile("rb"); reply(f)
    s.sendall(b"HELO probe\r\n"); reply(f)
    for _ in range(100):
        s.sendall(b"MAIL FROM:<alice@acme.example>\r\n"); reply(f)
        s.sendall(b"RCPT TO:<bob@customer.example>\r\n"); reply(f)
        s.sendall(b"DATA\r\n"); reply(f)
        s.sendall(body); t = time.perf_counter(); s.sendall(b".\r\n"); r = reply(f)
        with lock: lat.append((time.perf_counter() - t) * 1000)
        assert r.startswith(b"250"), r
    s.sendall(b"QUIT\r\n"); s.close()
ts = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
lat.sort(); p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{p(0.5):.2f} {p(0.99):.2f}")
PY
}

# run NAME PORT QUEUE_COUNT_COMMAND -> "msgs/s cpu_ms_per_msg"
run() {
  local name=$1 port=$2 queued=$3
  local j0 t0 j1 t1
  j0=$(busy_jiffies); t0=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$messages" -l "$size" -f alice@acme.example -t bob@customer.example "127.0.0.1:$port" \
    || { echo "bench/relay.sh: smtp-source against $name failed" >&2; return 1; }
  t1=$(date +%s.%N)
  # Include the drain to the sink in the CPU cost (not in the acceptance rate).
  for _ in $(seq 1 600); do [ "$(eval "$queued")" -eq 0 ] && break; sleep 0.1; done
  j1=$(busy_jiffies)
  python3 -c "m=$messages; el=$t1-$t0; cpu=($j1-$j0)/$hz; print(f'{m/el:.0f} {cpu*1000/m:.2f}')"
}

log "build"
./relaywarden --help >/dev/null || exit 2
dll="$root/.build/cli/relaywarden.dll"

sink_port=$(free_port)
smtp-sink -u nobody "127.0.0.1:$sink_port" 1024 & pids+=($!)
wait_port "$sink_port" || { echo "smtp-sink did not start" >&2; exit 1; }

# --- RelayWarden -----------------------------------------------------------------------------
relay_port=$(free_port)
mkdir -p "$tmp/relay"
cat >"$tmp/relay/relaywarden.yaml" <<YAML
data_dir: data
listen:
  smtp: 127.0.0.1:$relay_port
relay:
  next_hop: smtp://127.0.0.1:$sink_port
  hostname: bench.relay
  delivery_concurrency: 20
  limits: {max_connections: 5000, max_connections_per_ip: 5000}
# One synthetic account sends thousands of messages a minute: the monitor keeps counting (its cost
# is measured) but the rules such a load trips by design are switched off.
monitor:
  disable: [monitor.messages.rate, monitor.new-account.volume, monitor.new-account.recipients, monitor.recipients.daily]
tenants:
  - id: acme
    domains: [acme.example]
    networks: [127.0.0.1/32]
YAML
DOTNET_gcServer=0 dotnet "$dll" serve --config "$tmp/relay/relaywarden.yaml" 2>"$tmp/relay/log" & relay_pid=$!; pids+=($relay_pid)
wait_port "$relay_port" || { cat "$tmp/relay/log" >&2; exit 1; }
spool="$tmp/relay/data/spool/queue"
log "warm-up relay"
smtp-source -s 4 -m 200 -l "$size" -f alice@acme.example -t bob@customer.example "127.0.0.1:$relay_port"
sleep 2
log "relay: $messages messages, $sessions sessions"
read -r relay_rate relay_cpu < <(run relaywarden "$relay_port" "ls $spool | wc -l")
read -r relay_p50 relay_p99 < <(latency "$relay_port")
rss() { awk '/VmRSS/{print int($2/1024)}' "/proc/$1/status"; }
rss_before=$(rss $relay_pid)
python3 - "$relay_port" <<'PY' & idle_pid=$!
import socket, sys, time
port = int(sys.argv[1]); socks = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port)); s.recv(200); socks.append(s)
time.sleep(6)
PY
sleep 4.5
rss_idle=$(rss $relay_pid)
wait $idle_pid
delivered_errors=$(grep -c 'status=deferred\|status=failed' "$tmp/relay/log")

# --- Postfix (stock, private instance) --------------------------------------------------------
# The same private instance the conformance tests use; its fourth port is plain Postfix.
pf_base=$(free_run 4); pf_port=$((pf_base + 3))
postfix_rate=""; postfix_cpu=""; pf_p50=""; pf_p99=""
# postfix(1) logs to stderr only on a terminal: script(1) gives it one, so failures are shown.
if postfix_instance start "$tmp/postfix" "$pf_base" "$sink_port" - - "default_process_limit = 100" "smtpd_client_connection_count_limit = 0" >"$tmp/pfcheck" 2>&1 && wait_port "$pf_port"; then
  log "warm-up postfix"
  smtp-source -s 4 -m 200 -l "$size" -f alice@acme.example -t bob@customer.example "127.0.0.1:$pf_port"
  sleep 2
  log "postfix: $messages messages, $sessions sessions"
  read -r postfix_rate postfix_cpu < <(run postfix "$pf_port" "find $tmp/postfix/queue/incoming $tmp/postfix/queue/active $tmp/postfix/queue/deferred $tmp/postfix/queue/maildrop -type f 2>/dev/null | wc -l")
  read -r pf_p50 pf_p99 < <(latency "$pf_port")
else
  echo "bench/relay.sh: the private Postfix did not start:" >&2; cat "$tmp/pfcheck" >&2
fi

echo
echo "RelayWarden vs Postfix: smtp-source -s $sessions -m $messages -l $size (one message per session), next hop smtp-sink, fsync before 250"
printf '%-12s %10s %16s %12s %12s\n' "" "msgs/s" "busy CPU ms/msg" "p50 ms" "p99 ms"
printf '%-12s %10s %16s %12s %12s\n' relaywarden "$relay_rate" "$relay_cpu" "$relay_p50" "$relay_p99"
[ -n "$postfix_rate" ] && printf '%-12s %10s %16s %12s %12s\n' postfix "$postfix_rate" "$postfix_cpu" "$pf_p50" "$pf_p99"
[ -n "$postfix_rate" ] && python3 -c "print(f'ratio relaywarden/postfix: {$relay_rate/$postfix_rate:.2f}x msgs/s, {$relay_cpu/$postfix_cpu:.2f}x CPU per message')"
echo "relaywarden memory: ${rss_before} MiB RSS after the run, ${rss_idle} MiB with 1,000 idle sessions; deferred/failed deliveries: $delivered_errors"
