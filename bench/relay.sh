#!/usr/bin/env bash
# Relay benchmark (issue 3): Postfix's smtp-source (20 parallel sessions, 4 KB messages, one
# message per session) against RelayWarden and against a stock private Postfix instance, both
# relaying to the same smtp-sink, both fsyncing before 250. Both run side by side and are measured
# in alternating rounds (the machine's noise hits both); the medians are printed: messages/second,
# busy CPU of the whole machine per message (/proc/stat), the ratio, and the end-of-DATA-to-250
# latency *at that load* — a probe (4 more connections) sends messages while smtp-source runs and
# times each final dot to its reply; for RelayWarden also its own histogram of the same interval
# (/metrics). Then both again at the same offered rate — Postfix's measured messages/second — with
# every message timed (bench/RelayWarden.Benchmarks smtp-load: paced, 20 sessions, one message per
# session), and the relay's memory with 1,000 idle sessions. Loopback only; bounded.
#   bench/relay.sh [messages] [rounds]        (default 2000 messages, 3 rounds)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
messages="${1:-2000}"
rounds="${2:-3}"
sessions=20
size=4096
tmp="$(mktemp -d /tmp/relaywarden-bench.XXXXXX)"
chmod 755 "$tmp"   # the private Postfix (user postfix) must reach its queue under it
pids=()
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
require_tools smtp-source smtp-sink postfix python3 dotnet

# The latency probe: 4 connections sending one message after another until STOPFILE exists (and at
# least 50 each); each sample is the time from the final CRLF.CRLF to the reply. Prints all samples.
probe() {
  python3 - "$1" "$2" <<'PY'
import os, socket, sys, threading, time
port, stop = int(sys.argv[1]), sys.argv[2]; lat = []; lock = threading.Lock()
body = b"From: <alice@acme.example>\r\nTo: <bob@customer.example>\r\nSubject: probe\r\n\r\n" + (b"X" * 78 + b"\r\n") * 50
def reply(f):
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-": return line
def run():
    s = socket.create_connection(("127.0.0.1", port)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); f = s.makefile("rb"); reply(f)
    s.sendall(b"HELO probe\r\n"); reply(f); n = 0
    while n < 50 or not os.path.exists(stop):
        s.sendall(b"MAIL FROM:<alice@acme.example>\r\n"); reply(f)
        s.sendall(b"RCPT TO:<bob@customer.example>\r\n"); reply(f)
        s.sendall(b"DATA\r\n"); reply(f)
        s.sendall(body); t = time.perf_counter(); s.sendall(b".\r\n"); r = reply(f)
        with lock: lat.append((time.perf_counter() - t) * 1000)
        assert r.startswith(b"250"), r
        n += 1
    s.sendall(b"QUIT\r\n"); s.close()
ts = [threading.Thread(target=run) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(" ".join(f"{x:.3f}" for x in lat))
PY
}

# RelayWarden's histogram of end-of-DATA to reply (relaywarden_smtp_data_seconds): "le count" lines.
histogram() { curl -s "http://127.0.0.1:$web_port/metrics" | awk -F'[{}" ]+' -v name="${1:-relaywarden_smtp_data_seconds}_bucket" '$1==name{for(i=1;i<=NF;i++) if($i=="le=") print $(i+1), $NF}'; }

# run NAME PORT QUEUE_COUNT_COMMAND -> "msgs/s cpu_ms_per_msg", probe samples in $tmp/probe.NAME
run() {
  local name=$1 port=$2 queued=$3
  local j0 t0 j1 t1 probe_pid
  rm -f "$tmp/stop"
  probe "$port" "$tmp/stop" >>"$tmp/probe.$name" & probe_pid=$!
  j0=$(busy_jiffies); t0=$(date +%s.%N)
  smtp-source -s "$sessions" -m "$messages" -l "$size" -f alice@acme.example -t bob@customer.example "127.0.0.1:$port" \
    || { echo "bench/relay.sh: smtp-source against $name failed" >&2; touch "$tmp/stop"; return 1; }
  t1=$(date +%s.%N)
  touch "$tmp/stop"; wait "$probe_pid"
  # Include the drain to the sink in the CPU cost (not in the acceptance rate).
  for _ in $(seq 1 600); do [ "$(eval "$queued")" -eq 0 ] && break; sleep 0.1; done
  j1=$(busy_jiffies)
  python3 -c "m=$messages; el=$t1-$t0; cpu=($j1-$j0)/$hz; print(f'{m/el:.0f} {cpu*1000/m:.2f}')"
}

# Percentiles of the probe samples of NAME (all rounds): "p50 p99 count".
percentiles() { tr ' ' '\n' <"$tmp/probe.$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{i50=int(NR*0.5); i99=int(NR*0.99); if(i50<1)i50=1; if(i99<1)i99=1; printf "%.2f %.2f %d\n", a[i50+0], a[i99+0], NR}'; }
median() { tr ' ' '\n' <<<"$*" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

log "build"
./relaywarden --help >/dev/null || exit 2
dotnet build "$root/bench/RelayWarden.Benchmarks" -c Release --nologo -v quiet >"$tmp/bench-build.log" 2>&1 || { cat "$tmp/bench-build.log" >&2; exit 2; }
load_dll="$root/bench/RelayWarden.Benchmarks/bin/Release/net10.0/RelayWarden.Benchmarks.dll"
dll="$root/.build/cli/relaywarden.dll"

sink_port=$(free_port)
smtp-sink -u nobody "127.0.0.1:$sink_port" 1024 & pids+=($!)
wait_port "$sink_port" || { echo "smtp-sink did not start" >&2; exit 1; }

# --- RelayWarden -----------------------------------------------------------------------------
relay_port=$(free_port); web_port=$(free_port)
mkdir -p "$tmp/relay"
cat >"$tmp/relay/relaywarden.yaml" <<YAML
data_dir: data
listen:
  smtp: 127.0.0.1:$relay_port
  web: 127.0.0.1:$web_port          # only for /metrics (the server-side latency histogram)
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
(cd "$tmp/relay" && DOTNET_gcServer="${DOTNET_gcServer:-1}" exec dotnet "$dll" serve --config relaywarden.yaml 2>"$tmp/relay/log") & relay_pid=$!; pids+=($relay_pid)
wait_port "$relay_port" && wait_port "$web_port" || { cat "$tmp/relay/log" >&2; exit 1; }
spool="$tmp/relay/data/spool/queue"
relay_queued="ls $spool | wc -l"

# --- Postfix (stock, private instance) --------------------------------------------------------
# The same private instance the conformance tests use; its fourth port is plain Postfix.
pf_base=$(free_run 4); pf_port=$((pf_base + 3))
have_postfix=1
if ! { postfix_instance start "$tmp/postfix" "$pf_base" "$sink_port" - - "default_process_limit = 100" "smtpd_client_connection_count_limit = 0" >"$tmp/pfcheck" 2>&1 && wait_port "$pf_port"; }; then
  echo "bench/relay.sh: the private Postfix did not start:" >&2; cat "$tmp/pfcheck" >&2; have_postfix=0
fi
pf_queued="find $tmp/postfix/queue/incoming $tmp/postfix/queue/active $tmp/postfix/queue/deferred $tmp/postfix/queue/maildrop -type f 2>/dev/null | wc -l"

# Warm-up: enough traffic for the JIT's tiers to settle and Postfix's process pools to fill.
log "warm-up ($messages messages each)"
smtp-source -s "$sessions" -m "$messages" -l "$size" -f alice@acme.example -t bob@customer.example "127.0.0.1:$relay_port"
[ "$have_postfix" = 1 ] && smtp-source -s "$sessions" -m "$messages" -l "$size" -f alice@acme.example -t bob@customer.example "127.0.0.1:$pf_port"
sleep 2
rm -f "$tmp"/probe.*

for h in smtp_data spool_store spool_write spool_commit_wait spool_flush; do histogram "relaywarden_${h}_seconds" >"$tmp/hist.$h.before"; done
rw_rates=(); rw_cpus=(); pf_rates=(); pf_cpus=()
for round in $(seq 1 "$rounds"); do
  log "round $round/$rounds: relaywarden, $messages messages, $sessions sessions (+ probe)"
  read -r rate cpu < <(run relaywarden "$relay_port" "$relay_queued") && { rw_rates+=("$rate"); rw_cpus+=("$cpu"); }
  if [ "$have_postfix" = 1 ]; then
    log "round $round/$rounds: postfix, $messages messages, $sessions sessions (+ probe)"
    read -r rate cpu < <(run postfix "$pf_port" "$pf_queued") && { pf_rates+=("$rate"); pf_cpus+=("$cpu"); }
  fi
done
for h in smtp_data spool_store spool_write spool_commit_wait spool_flush; do histogram "relaywarden_${h}_seconds" >"$tmp/hist.$h.after"; done
read -r relay_p50 relay_p99 relay_n < <(percentiles relaywarden)
# The server's own view: share of end-of-DATA replies within 10 ms, and the bucket holding the p99.
summary() {
  python3 - "$tmp/hist.$1.before" "$tmp/hist.$1.after" <<'PY'
import sys
def load(p):
    d = {}
    for line in open(p):
        le, n = line.split(); d[le] = float(n)
    return d
b, a = load(sys.argv[1]), load(sys.argv[2])
keys = sorted((k for k in a if k != "+Inf"), key=float) + ["+Inf"]
c = [(k, a[k] - b.get(k, 0)) for k in keys]
total = c[-1][1] if c else 0
if not total:
    print("no samples"); sys.exit()
within = next(n for k, n in c if k == "0.01")
p50 = next(k for k, n in c if n >= 0.5 * total)
p99 = next(k for k, n in c if n >= 0.99 * total)
print(f"{int(total)} samples, {100 * within / total:.2f}% within 10 ms, p50 <= {float(p50) * 1000:g} ms, p99 <= {float(p99) * 1000:g} ms")
PY
}

# The same offered load for both: Postfix's median rate (or 500 msgs/s without Postfix), 10 s each,
# alternating; every message's end-of-DATA latency counts.
paced_rate=500
[ "$have_postfix" = 1 ] && [ ${#pf_rates[@]} -gt 0 ] && paced_rate=$(median "${pf_rates[@]}")
paced() { dotnet "$load_dll" smtp-load --target "127.0.0.1:$1" --rate "$paced_rate" --seconds 10 --sessions "$sessions" --size "$size" | awk '/^result/{print $2, $3, $4, $5, $6}'; }
for h in smtp_data spool_store spool_write spool_commit_wait spool_flush; do histogram "relaywarden_${h}_seconds" >"$tmp/hist.paced_$h.before"; done
gcstat() { curl -s "http://127.0.0.1:$web_port/metrics" | awk '/^relaywarden_gc_pause_seconds_total/{p=$NF} /^relaywarden_gc_collections_total/{c=c" "$NF} END{print p c}'; }
gc_before=$(gcstat)
for round in 1 2; do
  log "paced round $round/2: $paced_rate msgs/s for 10 s against relaywarden, then postfix"
  paced "$relay_port" >>"$tmp/paced.relaywarden"
  for _ in $(seq 1 600); do [ "$(eval "$relay_queued")" -eq 0 ] && break; sleep 0.1; done
  if [ "$have_postfix" = 1 ]; then
    paced "$pf_port" >>"$tmp/paced.postfix"
    for _ in $(seq 1 600); do [ "$(eval "$pf_queued")" -eq 0 ] && break; sleep 0.1; done
  fi
done
for h in smtp_data spool_store spool_write spool_commit_wait spool_flush; do histogram "relaywarden_${h}_seconds" >"$tmp/hist.paced_$h.after"; done
gc_after=$(gcstat)
# "rate p50 p99 p99.9 failures" per round -> the rounds side by side
paced_summary() { awk '{r=r sep $1; p50=p50 sep $2; p99=p99 sep $3; p999=p999 sep $4; f+=$5; sep=" / "} END{printf "%s msgs/s, p50 %s ms, p99 %s ms, p99.9 %s ms, %d failed\n", r, p50, p99, p999, f}' "$tmp/paced.$1"; }

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

relay_rate=$(median "${rw_rates[@]}"); relay_cpu=$(median "${rw_cpus[@]}")
echo
echo "RelayWarden vs Postfix: smtp-source -s $sessions -m $messages -l $size (one message per session), next hop smtp-sink, fsync before 250"
echo "medians of $rounds alternating rounds; latency = end of DATA to reply, probe of 4 connections during the load"
printf '%-12s %10s %16s %12s %12s %9s   %s\n' "" "msgs/s" "busy CPU ms/msg" "p50 ms" "p99 ms" "samples" "rounds (msgs/s)"
printf '%-12s %10s %16s %12s %12s %9s   %s\n' relaywarden "$relay_rate" "$relay_cpu" "$relay_p50" "$relay_p99" "$relay_n" "${rw_rates[*]}"
if [ "$have_postfix" = 1 ]; then
  read -r pf_p50 pf_p99 pf_n < <(percentiles postfix)
  postfix_rate=$(median "${pf_rates[@]}"); postfix_cpu=$(median "${pf_cpus[@]}")
  printf '%-12s %10s %16s %12s %12s %9s   %s\n' postfix "$postfix_rate" "$postfix_cpu" "$pf_p50" "$pf_p99" "$pf_n" "${pf_rates[*]}"
  python3 -c "print(f'ratio relaywarden/postfix: {$relay_rate/$postfix_rate:.2f}x msgs/s, {$relay_cpu/$postfix_cpu:.2f}x CPU per message')"
fi
echo "relaywarden's own histograms over the measured rounds:"
echo "  end of DATA to reply:             $(summary smtp_data)"
echo "  of which spool write + commit:    $(summary spool_store)"
echo "    of which the file write + rename: $(summary spool_write)"
echo "    and the wait for the group commit: $(summary spool_commit_wait)"
echo "  group commits (flush of a batch): $(summary spool_flush)"
echo "the same offered load for both, $paced_rate msgs/s (Postfix's median), every message timed from the final dot to the reply (two rounds):"
echo "  relaywarden: $(paced_summary relaywarden)"
[ "$have_postfix" = 1 ] && echo "  postfix:     $(paced_summary postfix)"
echo "  relaywarden's own histograms in those rounds: end of DATA to reply: $(summary paced_smtp_data)"
echo "    spool write + commit: $(summary paced_spool_store)"
echo "    of which the file write + rename: $(summary paced_spool_write)"
echo "    and the wait for the group commit: $(summary paced_spool_commit_wait)"
echo "    group commits: $(summary paced_spool_flush)"
python3 - "$gc_before" "$gc_after" <<'PY'
import sys
b, a = [list(map(float, x.split())) for x in sys.argv[1:3]]
if len(a) == 4 and len(b) == 4:
    print(f"  relaywarden's garbage collections in those rounds: {a[1]-b[1]:.0f} (gen1 {a[2]-b[2]:.0f}, gen2 {a[3]-b[3]:.0f}), paused {1000*(a[0]-b[0]):.0f} ms in all")
PY
echo "relaywarden memory: ${rss_before} MiB RSS after the runs, ${rss_idle} MiB with 1,000 idle sessions; deferred/failed deliveries: $delivered_errors"
