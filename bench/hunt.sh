#!/usr/bin/env bash
# Log-hunt benchmark (issue 6). Generates (or takes) a Postfix log of >= 2 million lines and prints, in one
# run: `relaywarden hunt` lines/second and peak memory (/usr/bin/time -v), pflogsumm on the same file, an awk
# one-liner counting distinct recipient domains per SASL login, `wc -l` as the I/O floor, and the resident
# memory of `hunt --follow` while the same log is appended to a live file in four steps.
#   bench/hunt.sh [LOG]        (default: generate 2,200,000 lines, 5,000 SASL users, 3 compromised)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
tmp="$(mktemp -d /tmp/relaywarden-hunt-bench.XXXXXX)"
follow_pid=""
cleanup() { [ -n "$follow_pid" ] && kill "$follow_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
log() { printf '== %s\n' "$*" >&2; }

need_deb() {  # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  log "installing Debian package $2"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends "$2") >"$tmp/apt.log" 2>&1 \
    || { cat "$tmp/apt.log" >&2; echo "bench/hunt.sh: cannot install $2" >&2; exit 2; }
}
[ -x /usr/bin/time ] || need_deb /usr/bin/time time
need_deb pflogsumm pflogsumm
for tool in python3 dotnet awk; do command -v "$tool" >/dev/null || { echo "bench/hunt.sh: $tool is required" >&2; exit 2; }; done

if [ $# -ge 1 ]; then
  logfile="$1"
else
  logfile="$tmp/maillog"
  log "generating a Postfix log (2,200,000 lines)"
  python3 bench/gen-maillog.py "$logfile" --lines 2200000 --users 5000 --compromised 3
fi

log "building the CLI (Release, through the ./relaywarden launcher, which sets the batch GC/JIT settings for hunt)"
./relaywarden --help >/dev/null || exit 1
cli="$root/relaywarden"

lines=$(wc -l < "$logfile")
bytes=$(stat -c %s "$logfile")
cat "$logfile" > /dev/null   # warm the page cache: every run reads from memory

# measure NAME CMD...: elapsed seconds, user+sys CPU seconds, peak RSS (KB)
measure() {
  local name=$1; shift
  /usr/bin/time -v -o "$tmp/$name.time" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
  local wall user sys rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tmp/$name.time")
  user=$(awk -F': ' '/User time/{print $2}' "$tmp/$name.time")
  sys=$(awk -F': ' '/System time/{print $2}' "$tmp/$name.time")
  rss=$(awk -F': ' '/Maximum resident/{print $2}' "$tmp/$name.time")
  printf '%s %s %s %s\n' "$name" "$wall" "$(echo "$user + $sys" | bc -l 2>/dev/null || python3 -c "print($user+$sys)")" "$rss" >> "$tmp/results"
}

log "relaywarden hunt --json (shipped rules)"
measure hunt "$cli" hunt --json "$logfile"
log "pflogsumm"
measure pflogsumm pflogsumm "$logfile"
log "awk: distinct recipient domains per SASL login"
measure awk awk '
  / postfix\/smtpd\[/ && /sasl_username=/ { q=$6; sub(/:$/,"",q); u=$0; sub(/.*sasl_username=/,"",u); sub(/,.*/,"",u); login[$4 q]=u; next }
  / to=</ { q=$6; sub(/:$/,"",q); k=$4 q; if (k in login) { d=$7; sub(/^to=<[^@]*@/,"",d); sub(/>,$/,"",d); if (!((login[k], d) in seen)) { seen[login[k], d]=1; n[login[k]]++ } } next }
  /: removed$/ { q=$6; sub(/:$/,"",q); delete login[$4 q] }
  END { for (u in n) { users++; if (n[u] > max) { max=n[u]; who=u } } print users " logins; most distinct recipient domains: " who " " max }' "$logfile"
log "wc -l"
measure wc wc -l "$logfile"

# --follow: the same log appended to a live file in four steps; resident memory after each step.
log "relaywarden hunt --follow (RSS after each quarter of the log is appended)"
live="$tmp/live.log"; : > "$live"
split -n l/4 "$logfile" "$tmp/part."
"$cli" hunt --follow --json "$live" > "$tmp/follow.out" 2> "$tmp/follow.err" &
follow_pid=$!
follow_rss=()
for part in "$tmp"/part.*; do
  cat "$part" >> "$live"
  # Wait until the reader is idle (CPU time stops growing), then sample VmRSS.
  prev=-100
  for _ in $(seq 240); do
    sleep 0.5
    cpu=$(awk '{print $14+$15}' /proc/$follow_pid/stat 2>/dev/null || echo 0)
    [ $((cpu - prev)) -le 2 ] && break   # at most 20 ms of CPU in half a second: idle (polling)
    prev=$cpu
  done
  follow_rss+=("$(awk '/VmRSS/{print $2}' /proc/$follow_pid/status) KB")
done
kill -TERM "$follow_pid"; wait "$follow_pid" 2>/dev/null; follow_pid=""   # background jobs ignore SIGINT

echo
printf 'Input: %s, %s lines, %s MB\n' "$logfile" "$lines" "$((bytes / 1048576))"
printf '%-12s %10s %10s %14s %12s\n' tool "wall (s)" "cpu (s)" "lines/s" "peak RSS"
while read -r name wall cpu rss; do
  printf '%-12s %10.2f %10.2f %14s %9s MB\n' "$name" "$wall" "$cpu" "$(python3 -c "print(f'{$lines/max($wall,0.001):,.0f}')")" "$((rss / 1024))"
done < "$tmp/results"
echo
echo "hunt: $(tail -n 1 "$tmp/hunt.err")"
echo "hunt alerts: $(sed -E 's/^\{"account":"([^"]*)","detected_at":"([^"]*)","rule":"([^"]*)".*/\1 \2 \3;/' "$tmp/hunt.out" | tr '\n' ' ')"
echo "awk: $(cat "$tmp/awk.out")"
echo "pflogsumm: $(grep -m1 -E 'delivered' "$tmp/pflogsumm.out" | xargs)"
echo "hunt --follow: $(tail -n 1 "$tmp/follow.err")"
echo "hunt --follow RSS after 1/4, 2/4, 3/4, 4/4 of the log: ${follow_rss[*]}; alerts printed: $(wc -l < "$tmp/follow.out")"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
