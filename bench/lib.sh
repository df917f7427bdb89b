# Shared helpers of the bench scripts (sourced, not run). Loopback only.
# The caller sets: root (repository root), tmp (a private temp dir), pids (array of processes to stop).

log() { printf '== %s\n' "$*" >&2; }

require_tools() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$(basename "$0"): $tool is required (./test.sh installs postfix)" >&2; exit 2; }
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A base port with N free consecutive ports (the private Postfix uses four).
free_run() { python3 - "$1" <<'PY'
import socket, random, sys
n = int(sys.argv[1])
for _ in range(100):
    base = random.randint(20000, 40000); socks = []
    try:
        for i in range(n):
            s = socket.socket(); s.bind(("127.0.0.1", base + i)); socks.append(s)
        print(base); break
    except OSError: pass
    finally: [s.close() for s in socks]
PY
}

wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

busy_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }   # user nice system irq softirq
hz=$(getconf CLK_TCK)

# The private Postfix instance (tests/RelayWarden.Conformance.Tests/postfix-instance.sh).
postfix_instance() { bash "$root/tests/RelayWarden.Conformance.Tests/postfix-instance.sh" "$@"; }

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  postfix_instance stop "$tmp/postfix" >/dev/null 2>&1
  sleep 0.5; rm -rf "$tmp"
}
