#!/usr/bin/env python3
"""Writes a synthetic Postfix log (RFC 3164, two hosts interleaved) for bench/hunt.sh.

Deterministic for a seed. Benign SASL users send a few dozen messages a day to their usual correspondents;
inbound mail from the Internet arrives without a login; a few RCPT rejects, deferrals, bounces and garbage
lines are mixed in. With --compromised N, N accounts turn into malspam senders for an hour (to thousands of
never-seen domains) half-way through the day.

usage: gen-maillog.py OUT --lines N [--users U] [--compromised N] [--seed S] [--start 'Nov 20 00:00:00']
"""
import argparse, random, sys

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--lines", type=int, default=2_000_000)
p.add_argument("--users", type=int, default=5000)
p.add_argument("--compromised", type=int, default=3)
p.add_argument("--seed", type=int, default=20261122)
a = p.parse_args()
rnd = random.Random(a.seed)

MONTH = "Nov"
DAY0 = 20
partner_domains = [f"partner{i}.example" for i in range(300)]
users = [f"user{i:05d}" for i in range(a.users)]
contacts = {}
for u in users:
    own = [f"{u}@uni.example"]
    peers = [f"{rnd.choice(users)}@uni.example" for _ in range(rnd.randint(3, 15))]
    ext = [f"p{rnd.randint(0, 5000)}@{rnd.choice(partner_domains)}" for _ in range(rnd.randint(2, 12))]
    contacts[u] = peers + ext
bad = set(rnd.sample(users, a.compromised)) if a.compromised else set()

# Lines per message ~ 7.3; spread the messages over one day (86,400 s).
messages = a.lines // 7
day = 86_400
events = []
for i in range(messages):
    events.append(rnd.randrange(day))
events.sort()
attack_start = day // 2
qn = [0x1A2B3C000]
pid = [1000]

def qid():
    qn[0] += rnd.randint(1, 97)
    return f"{qn[0]:X}"

def stamp(t):
    d, rest = divmod(t, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"{MONTH} {DAY0 + d:2d} {h:02d}:{m:02d}:{s:02d}"

out = open(a.out, "w", buffering=1 << 20)
written = 0
def w(line):
    global written
    out.write(line)
    out.write("\n")
    written += 1

def message(t, host, login, ip, sender, rcpts, subject=None, bounce_share=0.0):
    ts = stamp(t)
    q = qid()
    pid[0] = 1000 + (pid[0] + 7) % 30000
    sp, cp, qp, dp = pid[0], pid[0] + 1, 900, pid[0] + 2
    w(f"{ts} {host} postfix/smtpd[{sp}]: connect from client{ip.split('.')[-1]}.example[{ip}]")
    if login:
        w(f"{ts} {host} postfix/smtpd[{sp}]: {q}: client=client{ip.split('.')[-1]}.example[{ip}], sasl_method=PLAIN, sasl_username={login}")
    else:
        w(f"{ts} {host} postfix/smtpd[{sp}]: {q}: client=mail{ip.split('.')[-1]}.example[{ip}]")
    if subject:
        w(f"{ts} {host} postfix/cleanup[{cp}]: {q}: warning: header Subject: {subject} from client.example[{ip}]; from=<{sender}> to=<{rcpts[0]}> proto=ESMTP helo=<client>")
    w(f"{ts} {host} postfix/cleanup[{cp}]: {q}: message-id=<{q}.{t}@{sender.split('@')[-1]}>")
    w(f"{ts} {host} postfix/qmgr[{qp}]: {q}: from=<{sender}>, size={rnd.randint(900, 90000)}, nrcpt={len(rcpts)} (queue active)")
    w(f"{ts} {host} postfix/smtpd[{sp}]: disconnect from client.example[{ip}] ehlo=1 mail=1 rcpt={len(rcpts)} data=1 quit=1 commands=5")
    t2 = stamp(t + rnd.randint(0, 1))
    for r in rcpts:
        dom = r.split("@")[1]
        roll = rnd.random()
        if roll < bounce_share:
            w(f"{t2} {host} postfix/smtp[{dp}]: {q}: to=<{r}>, relay=mx.{dom}[192.0.2.{rnd.randint(1, 254)}]:25, delay=0.9, delays=0.01/0/0.4/0.5, dsn=5.1.1, status=bounced (host mx.{dom} said: 550 5.1.1 No such user (in reply to RCPT TO command))")
        elif roll < bounce_share + 0.01:
            w(f"{t2} {host} postfix/smtp[{dp}]: {q}: to=<{r}>, relay=none, delay=30, delays=0.01/0/30/0, dsn=4.4.1, status=deferred (connect to mx.{dom}[192.0.2.9]:25: Connection timed out)")
        else:
            w(f"{t2} {host} postfix/smtp[{dp}]: {q}: to=<{r}>, relay=mx.{dom}[192.0.2.{rnd.randint(1, 254)}]:25, delay=0.42, delays=0.01/0/0.2/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {rnd.randint(10**8, 10**9)})")
    w(f"{t2} {host} postfix/qmgr[{qp}]: {q}: removed")

attack = {u: 0 for u in bad}
for t in events:
    if written >= a.lines:
        break
    host = "mx1" if rnd.random() < 0.5 else "mx2"
    roll = rnd.random()
    if roll < 0.004:
        w(f"{stamp(t)} {host} postfix/smtpd[{pid[0]}]: NOQUEUE: reject: RCPT from unknown[203.0.113.{rnd.randint(1, 254)}]: 554 5.7.1 <x{rnd.randint(0, 99)}@elsewhere.example>: Relay access denied; from=<spam@bad.example> to=<x@elsewhere.example> proto=ESMTP helo=<bad>")
        continue
    if roll < 0.005:
        w(f"{stamp(t)} {host} garbage \x01 line without a tag")
        continue
    if roll < 0.30:
        # Inbound from the Internet: no login.
        u = rnd.choice(users)
        message(t, host, None, f"198.51.100.{rnd.randint(1, 254)}", f"news@list{rnd.randint(0, 500)}.example", [f"{u}@uni.example"])
        continue
    u = rnd.choice(users)  # compromised accounts have their owner's benign traffic too
    n = 1 if rnd.random() < 0.7 else rnd.randint(2, 4)
    rcpts = rnd.sample(contacts[u], min(n, len(contacts[u])))
    message(t, host, u, f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}", f"{u}@uni.example", rcpts,
            subject="Re: meeting" if rnd.random() < 0.1 else None)
    # Malspam: compromised accounts send in the hour after attack_start, interleaved with benign traffic.
    if attack_start <= t < attack_start + 3600:
        for b in bad:
            if rnd.random() < 0.12:
                attack[b] += 1
                rc = [f"victim{rnd.randint(0, 10**7)}@d{rnd.randint(0, 50_000_000)}.example" for _ in range(rnd.randint(1, 3))]
                message(t, host, b, f"185.220.101.{rnd.randint(1, 254)}", f"{b}@uni.example", rc, subject="Invoice overdue", bounce_share=0.3)
out.close()
print(f"{written} lines, compromised: {' '.join(sorted(bad))} ({' '.join(str(attack[b]) for b in sorted(bad))} messages)", file=sys.stderr)
