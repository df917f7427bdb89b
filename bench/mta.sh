#!/usr/bin/env bash
# MTA-integration benchmark (issue 5): Postfix relaying smtp-source load (20 parallel sessions,
# 4 KB messages, one message per session) to smtp-sink (a) alone, (z) with a null milter that skips
# every event (bench/null-milter.c: the floor of Postfix's milter client), (b) with the RelayWarden
# milter over TCP, (b') the milter over a Unix socket (a second RelayWarden), (c) with the
# RelayWarden policy server; then one session alone through (a) and (b) to catch delayed-ACK
# stalls. The setups run in alternating rounds; each is compared with Postfix alone in the same
# round and the medians are printed: messages/second, the whole machine's busy CPU per message
# (/proc/stat), the ratio and added CPU against (a), the filter's own CPU per message, and what the
# MTA and the kernel added besides. Loopback only; bounded in count and time.
#   bench/mta.sh [messages] [rounds]        (default 2000 messages, 5 rounds)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
messages="${1:-2000}"
rounds="${2:-5}"
sessions=20
size=4096
tmp="$(mktemp -d /tmp/relaywarden-mta.XXXXXX)"
chmod 755 "$tmp"
pids=()
source "$root/bench/lib.sh"
trap bench_cleanup EXIT
require_tools smtp-source smtp-sink postfix python3 dotnet cc
rw_jiffies() { local t=0 p; for p in "$rw_pid" "${rw2_pid:-}" "${null_pid:-}"; do [ -n "$p" ] && t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }   # the filters' own user+system time (both RelayWarden instances and the null milter; only one is busy at a time)
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
# The same milter on a Unix socket (a second instance, same configuration otherwise).
sed -e "s|^  milter: .*|  milter: unix:$tmp/milter.sock|" -e "/^  policy: /d" -e "s|^data_dir: .*|data_dir: $tmp/var2|" "$tmp/relaywarden.yaml" >"$tmp/relaywarden-unix.yaml"
"$root/relaywarden" serve --config "$tmp/relaywarden-unix.yaml" >"$tmp/relaywarden-unix.log" 2>&1 &
rw2_pid=$!
pids+=($rw2_pid)
for _ in $(seq 1 600); do [ -S "$tmp/milter.sock" ] && break; sleep 0.1; done

smtp-sink -u postfix 127.0.0.1:$sink_port 1000 >/dev/null 2>&1 &
pids+=($!)

# The floor: a milter that skips every event it may (bench/null-milter.c), on its own smtpd port.
null_port=$(free_port)
cc -O2 -pthread -o "$tmp/null-milter" "$root/bench/null-milter.c" || exit 1
"$tmp/null-milter" 127.0.0.1 "$null_port" &
null_pid=$!
pids+=($null_pid)

base=$(free_run 6)
log "starting a private Postfix on 127.0.0.1:$base-$((base + 3))"
export POSTFIX_EXTRA_MASTER="127.0.0.1:$((base + 4)) inet n - n - - smtpd -o smtpd_milters=unix:$tmp/milter.sock -o smtpd_relay_restrictions=permit_mynetworks,reject
127.0.0.1:$((base + 5)) inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$null_port -o smtpd_relay_restrictions=permit_mynetworks,reject"
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
run warm $((base + 3)) 500 "$sessions" >/dev/null
run warm $((base + 1)) 2000 "$sessions" >/dev/null
run warm $((base + 4)) 2000 "$sessions" >/dev/null
run warm $((base + 5)) 1000 "$sessions" >/dev/null
run warm $((base + 2)) 2000 "$sessions" >/dev/null

rows="$tmp/rounds.txt"; : >"$rows"
setups=("alone|$((base + 3))|$sessions|$messages" "null|$((base + 5))|$sessions|$messages" "milter|$((base + 1))|$sessions|$messages" "milter-unix|$((base + 4))|$sessions|$messages"
  "policy|$((base + 2))|$sessions|$messages" "alone-1|$((base + 3))|1|200" "null-1|$((base + 5))|1|200" "milter-1|$((base + 1))|1|200")
for round in $(seq 1 "$rounds"); do
  log "round $round/$rounds: $messages messages, $sessions sessions, $size-byte messages (and 200 in one session)"
  order=("${setups[@]}")
  if (( round % 2 == 0 )); then   # every other round in reverse order: a drift within the round hits both sides of a pair alike
    order=(); for ((i = ${#setups[@]} - 1; i >= 0; i--)); do order+=("${setups[$i]}"); done
  fi
  for setup in "${order[@]}"; do
    IFS='|' read -r name port parallel count <<<"$setup"
    echo "$round $name $(run "$name" "$port" "$count" "$parallel")" >>"$rows"
  done
done

# Each setup is compared with Postfix alone *in the same round* (the machine's speed drifts between
# rounds by up to a third); the table gives the medians of those paired ratios and differences.
python3 - "$rows" "$rounds" <<'PY'
import sys, statistics as st
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for r, name, rate, cpu, rw in rows:
    by.setdefault(name, {})[int(r)] = (float(rate), float(cpu), float(rw))
print(f"\nmedians of {sys.argv[2]} alternating rounds; ratio and +CPU against Postfix alone in the same round (msgs/s of each round in brackets)")
print(f"{'setup':<30} {'msgs/s':>8} {'CPU ms/msg':>11} {'ratio':>6} {'+CPU ms/msg':>12} {'filter ms/msg':>14} {'MTA+kernel':>11}   rounds")
labels = [("(a) Postfix alone", "alone", "alone"), ("(z) + null milter (TCP)", "null", "alone"), ("(b) + milter (TCP)", "milter", "alone"), ("(b') + milter (Unix socket)", "milter-unix", "alone"),
          ("(c) + policy server (TCP)", "policy", "alone"), ("one session, Postfix alone", "alone-1", None), ("one session, + null milter", "null-1", "alone-1"), ("one session, + milter (TCP)", "milter-1", "alone-1")]
for label, name, base in labels:
    runs = by.get(name, {})
    rate = st.median(v[0] for v in runs.values()); cpu = st.median(v[1] for v in runs.values()); rw = st.median(v[2] for v in runs.values())
    ratio = extra = mta = ""
    if base:
        pairs = [(v, by[base][r]) for r, v in runs.items() if r in by.get(base, {})]
        ratio = f"{st.median(v[0] / a[0] for v, a in pairs):.2f}"
        extra = f"{st.median(v[1] - a[1] for v, a in pairs):+.2f}"
        mta = f"{st.median(v[1] - a[1] - v[2] for v, a in pairs):+.2f}"  # what the MTA and the kernel added, the filter's own CPU taken out
    print(f"{label:<30} {rate:>8.0f} {cpu:>11.2f} {ratio:>6} {extra:>12} {rw:>14.3f} {mta:>11}   [{' '.join(f'{runs[r][0]:.0f}' for r in sorted(runs))}]")
print("\npaired ratios of each round (sorted), then the added CPU ms/msg of each round (sorted):")
for label, name, base in labels:
    if base and name in by:
        pairs = sorted((v, by[base][r]) for r, v in by[name].items() if r in by.get(base, {}))
        ratios = sorted(v[0] / a[0] for v, a in pairs); extras = sorted(v[1] - a[1] for v, a in pairs)
        print(f"  {label:<28} {' '.join(f'{x:.2f}' for x in ratios)}   |   {' '.join(f'{x:+.2f}' for x in extras)}")
PY
rejected=$(grep -c 'milter-reject\|Recipient address rejected' "$tmp/postfix/maillog" 2>/dev/null || true)
echo "refusals logged by Postfix (should be 0): $rejected"
