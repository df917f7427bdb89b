#!/usr/bin/env bash
# (mynetworks is 0.0.0.0/0 because the listeners are bound to 127.0.0.1 only and XCLIENT presents test
# client addresses: the instance is reachable from this machine alone.)
# A private Postfix instance for tests and benchmarks: its own config, queue and data directories
# under DIR, loopback listeners only, its log in DIR/maillog, relaying to a next hop given by the
# caller (an smtp-sink or a capturing sink). Never touches the system's Postfix.
#
#   postfix-instance.sh start DIR SMTP_PORT NEXT_HOP_PORT [MILTER] [POLICY] [EXTRA_MAIN_CF_LINES...]
#       MILTER: inet:127.0.0.1:PORT or "-" for none; POLICY: inet:127.0.0.1:PORT or "-" for none.
#       Ports SMTP_PORT (milter and policy when given), SMTP_PORT+1 (milter only), SMTP_PORT+2
#       (policy only) and SMTP_PORT+3 (neither: Postfix alone) accept mail, with XCLIENT allowed
#       from 127.0.0.1.
#       POSTFIX_EXTRA_MASTER (environment): more master.cf lines, e.g. another smtpd port.
#   postfix-instance.sh stop DIR
set -euo pipefail
cmd=$1; dir=$(realpath -m "$2")

if [ "$cmd" = stop ]; then
  postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
  # master may take a moment to exit; make sure nothing is left listening.
  for _ in $(seq 50); do [ -f "$dir/data/master.lock" ] && pgrep -f "master -c $dir/etc|master.*$dir/etc" >/dev/null 2>&1 || break; sleep 0.1; done
  exit 0
fi

smtp_port=$3; next_port=$4; milter=${5:--}; policy=${6:--}; shift 6 2>/dev/null || shift $#
extra=("$@")
mkdir -p "$dir/etc" "$dir/queue" "$dir/data"
# postfix(1) reads the default main.cf first; on a machine where the Debian package was installed
# with "No configuration" there is none. A minimal one changes nothing for the system.
[ -f /etc/postfix/main.cf ] || printf '# Written by RelayWarden test scripts: the system Postfix is not configured here.\ncompatibility_level = 3.6\n' > /etc/postfix/main.cf
chown root:root "$dir/queue"
chown postfix:postfix "$dir/data"

restrictions_both="permit_mynetworks"
milter_line=""
[ "$milter" != "-" ] && milter_line="$milter"
policy_check=""
[ "$policy" != "-" ] && policy_check="check_policy_service $policy,"

cat > "$dir/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.relaywarden.test
mydomain = relaywarden.test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 0.0.0.0/0
relayhost = [127.0.0.1]:$next_port
smtp_tls_security_level = none
smtpd_tls_security_level = none
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_relay_restrictions = ${policy_check} permit_mynetworks, reject
smtpd_milters = $milter_line
milter_protocol = 6
milter_default_action = tempfail
milter_connect_timeout = 10s
milter_command_timeout = 10s
milter_content_timeout = 30s
smtpd_policy_service_timeout = 10s
smtpd_policy_service_default_action = 451 4.3.5 Policy service unavailable
smtp_destination_concurrency_limit = 20
default_destination_concurrency_limit = 20
notify_classes =
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
local_recipient_maps =
smtputf8_enable = yes
CF
for line in "${extra[@]}"; do echo "$line" >> "$dir/etc/main.cf"; done

cat > "$dir/etc/master.cf" <<CF
127.0.0.1:$smtp_port inet n - n - - smtpd
127.0.0.1:$((smtp_port + 1)) inet n - n - - smtpd -o smtpd_relay_restrictions=permit_mynetworks,reject
127.0.0.1:$((smtp_port + 2)) inet n - n - - smtpd -o smtpd_milters=
127.0.0.1:$((smtp_port + 3)) inet n - n - - smtpd -o smtpd_milters= -o smtpd_relay_restrictions=permit_mynetworks,reject
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF
# More services (benchmarks): lines of master.cf in POSTFIX_EXTRA_MASTER.
[ -n "${POSTFIX_EXTRA_MASTER:-}" ] && printf '%s\n' "$POSTFIX_EXTRA_MASTER" >> "$dir/etc/master.cf"

postfix -c "$dir/etc" check >/dev/null 2>&1 || postfix -c "$dir/etc" set-permissions >/dev/null 2>&1 || true
postfix -c "$dir/etc" start
for _ in $(seq 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/$smtp_port) 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "postfix-instance: Postfix did not start listening on 127.0.0.1:$smtp_port; log:" >&2
cat "$dir/maillog" >&2 2>/dev/null || true
exit 1
