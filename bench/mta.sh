#!/usr/bin/env bash
# MTA-integration benchmark (issue 5): Postfix relaying smtp-source load (20 parallel sessions,
# 4 KB messages, one message per session) to smtp-sink (a) alone, (b) with the RelayWarden milter,
# (c) with the RelayWarden policy server; then one session alone through (b) to catch delayed-ACK
# stalls. Prints messages/second, the whole machine's busy CPU per message (/proc/stat) and the
# ratios to (a). Loopback only; bounded in count and time.
#   bench/mta.sh [messages]        (default 2000)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
messages="${1:-2000}"
sessions=20
size=4096
tmp="$(mktemp -d /tmp/relaywarden-mta.XXXXXX)"
chmod 755 "$tmp"
pids=()
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
require_tools smtp-source smtp-sink postfix python3 dotnet
rw_jiffies() { awk '{print $14+$15}' "/proc/$rw_pid/stat" 2>/dev/null || echo 0; }   # RelayWarden's own user+system time
queue_empty() { [ -z "$(find "$tmp/postfix/queue/incoming" "$tmp/postfix/queue/active" "$tmp/postfix/queue/maildrop" -type f 2>/dev/null | head -n 1)" ]; }

# RelayWarden with only the milter and policy listeners; the sending tenant owns 127.0.0.1.
milter_port=$(free_port); policy_port=$(free_port); sink_port=$(free_port)
cat > "$tmp/relaywarden.yaml" <<YAML
data_dir: $tmp/var
listen:
  milter: inet:127.0.0.1:$milter_port
  policy: 127.0.0.1:$policy_port
# One synthetic account sends thousands of messages a minute: the monitor keeps counting (its cost
# is measured) but the rules such a load trips by design are switched off.
monitor:
  disable: [monitor.messages.rate, monitor.new-account.volume, monitor.new-account.recipients, monitor.recipients.daily]
tenants:
  - id: bench
    kind: paid
    domains: [bench.example]
    networks: [127.0.0.1/32]
YAML
log "building and starting relaywarden (milter :$milter_port, policy :$policy_port)"
"$root/relaywarden" serve --config "$tmp/relaywarden.yaml" >"$tmp/relaywarden.log" 2>&1 &
rw_pid=$!
pids+=($rw_pid)
for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/$policy_port) 2>/dev/null && break; sleep 0.1; done

smtp-sink -u postfix 127.0.0.1:$sink_port 1000 >/dev/null 2>&1 &
pids+=($!)

base=$(free_run 4)
log "starting a private Postfix on 127.0.0.1:$base-$((base + 3))"
postfix_instance start "$tmp/postfix" "$base" "$sink_port" \
  "inet:127.0.0.1:$milter_port" "inet:127.0.0.1:$policy_port" || exit 1

# run NAME PORT COUNT SESSIONS -> "msgs_per_s cpu_ms_per_msg"
run() {
  local port=$2 count=$3 parallel=$4
  local b0 t0 b1 t1 r0 r1
  b0=$(busy_jiffies); r0=$(rw_jiffies); t0=$(date +%s.%N)
  smtp-source -c -l "$size" -m "$count" -s "$parallel" -f alice@bench.example -t bob@customer.example "127.0.0.1:$port" >/dev/null 2>&1
  for _ in $(seq 1 1200); do queue_empty && break; sleep 0.05; done
  t1=$(date +%s.%N); b1=$(busy_jiffies); r1=$(rw_jiffies)
  python3 -c "import sys; c,t,b,r,hz=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]),int(sys.argv[4]),int(sys.argv[5]); print(f'{c/t:.0f} {b*1000/hz/c:.2f} {r*1000/hz/c:.3f}')" \
    "$count" "$(echo "$t1 - $t0" | bc -l)" "$((b1 - b0))" "$((r1 - r0))" "$hz"
}

# Warm up every path (Postfix process pools; RelayWarden's JIT: after 200 messages the tiered JIT was
# still compiling, a third of RelayWarden's CPU in a 1,000-message run by `perf record`).
run warm $((base + 3)) 200 "$sessions" >/dev/null
run warm $((base + 1)) 1000 "$sessions" >/dev/null
run warm $((base + 2)) 1000 "$sessions" >/dev/null

log "measuring $messages messages, $sessions sessions, $size-byte messages"
read -r a_rate a_cpu a_rw < <(run alone $((base + 3)) "$messages" "$sessions")
read -r b_rate b_cpu b_rw < <(run milter $((base + 1)) "$messages" "$sessions")
read -r c_rate c_cpu c_rw < <(run policy $((base + 2)) "$messages" "$sessions")
read -r d_rate d_cpu d_rw < <(run milter-1 $((base + 1)) 200 1)
read -r e_rate e_cpu e_rw < <(run alone-1 $((base + 3)) 200 1)

rejected=$(grep -c 'milter-reject\|Recipient address rejected' "$tmp/postfix/maillog" 2>/dev/null || true)
printf '\n%-28s %10s %12s %8s %13s %16s\n' "setup" "msgs/s" "CPU ms/msg" "ratio" "+CPU ms/msg" "RelayWarden ms/msg"
printf '%-28s %10s %12s %8s %13s %16s\n' "(a) Postfix alone" "$a_rate" "$a_cpu" "1.00" "-" "$a_rw"
for row in "(b) + RelayWarden milter|$b_rate|$b_cpu|$b_rw" "(c) + RelayWarden policy|$c_rate|$c_cpu|$c_rw"; do
  IFS='|' read -r name rate cpu rw <<<"$row"
  python3 -c "import sys; n,r,c,ar,ac,rw=sys.argv[1],float(sys.argv[2]),float(sys.argv[3]),float(sys.argv[4]),float(sys.argv[5]),sys.argv[6]; print(f'{n:<28} {r:>10.0f} {c:>12.2f} {r/ar:>8.2f} {c-ac:>+13.2f} {rw:>16}')" \
    "$name" "$rate" "$cpu" "$a_rate" "$a_cpu" "$rw"
done
printf '%-28s %10s %12s %8s %13s %16s\n' "one session, Postfix alone" "$e_rate" "$e_cpu" "" "" "$e_rw"
printf '%-28s %10s %12s %8s %13s %16s\n' "one session, + milter" "$d_rate" "$d_cpu" "" "" "$d_rw"
echo "refusals logged by Postfix (should be 0): $rejected"
