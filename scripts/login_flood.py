#!/usr/bin/env python3
"""Anonymous login flood against a running `alerta serve`, on loopback only.

Fires N failed logins (distinct names) at concurrency C while a second thread posts signed
webhooks at a steady rate, then prints the server's memory (VmRSS now, VmHWM peak) and the
webhooks' latency percentiles. Issue 15 asks: 1,000 failed logins at concurrency 200 keep
the process under 200 MB and /webhook p99 under 50 ms.

    python3 scripts/login_flood.py --pid "$(pgrep -f 'alerta serve')" \
        --url http://127.0.0.1:8080 --secret dev-app-secret-change-me

Standard library only. Requests are bounded in count and time and go to 127.0.0.1 only.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def rss(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields.get("VmRSS", "?"), fields.get("VmHWM", "?")


def connect(url):
    u = urllib.parse.urlsplit(url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loopback only")
    return http.client.HTTPConnection(u.hostname, u.port or 80, timeout=60)


def login_form(url):
    c = connect(url)
    c.request("GET", "/login")
    r = c.getresponse()
    body = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf" value="([^"]+)"', body).group(1)
    return cookie, token


def one_login(url, cookie, token, i, statuses, samples):
    body = urllib.parse.urlencode(
        {"name": f"intruso{i}", "password": f"adivinanza-{i}", "csrf": token}
    )
    c = connect(url)
    try:
        c.request(
            "POST",
            "/login",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": cookie,
            },
        )
        r = c.getresponse()
        body = r.read().decode(errors="replace")
        statuses.append(r.status)
        if r.status not in samples:
            found = re.search(r'role="alert"[^>]*>([^<]+)<', body) or re.search(
                r'"message":\s*"([^"]+)"', body
            )
            samples[r.status] = found.group(1).strip() if found else body[:120]
    except OSError as e:
        statuses.append(type(e).__name__)
    finally:
        c.close()


def webhook_body(i):
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "526621234567",
                                    "phone_number_id": "106540352242922",
                                },
                                "messages": [
                                    {
                                        "from": "5216621000102",
                                        "id": f"wamid.flood.{time.time_ns()}.{i}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": "pueden mandar rondines en la noche"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def webhooks(url, secret, rate, stop, latencies, failures):
    c = connect(url)
    i = 0
    while not stop.is_set():
        body = webhook_body(i)
        sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        start = time.perf_counter()
        try:
            c.request(
                "POST",
                "/webhook",
                body=body,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig},
            )
            r = c.getresponse()
            r.read()
            if r.status != 200:
                failures.append(r.status)
        except OSError:
            failures.append("error")
            c = connect(url)
        latencies.append(time.perf_counter() - start)
        i += 1
        time.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - start)))


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--logins", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--webhook-rate", type=float, default=50.0)
    args = ap.parse_args()

    print("before:", "VmRSS", *rss(args.pid)[:1])
    cookie, token = login_form(args.url)
    stop = threading.Event()
    latencies, failures, statuses, samples = [], [], [], {}
    hooks = threading.Thread(
        target=webhooks,
        args=(args.url, args.secret, args.webhook_rate, stop, latencies, failures),
    )
    hooks.start()
    time.sleep(1.0)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        for i in range(args.logins):
            pool.submit(one_login, args.url, cookie, token, i, statuses, samples)
    took = time.perf_counter() - started
    time.sleep(1.0)
    stop.set()
    hooks.join()
    now, peak = rss(args.pid)
    by_status = {}
    for s in statuses:
        by_status[s] = by_status.get(s, 0) + 1
    print(f"logins: {len(statuses)} in {took:.1f}s, by status {by_status}")
    for status, text in sorted(samples.items(), key=lambda kv: str(kv[0])):
        print(f"  {status}: {text}")
    print(f"memory: VmRSS {now}, peak VmHWM {peak}")
    ms = [x * 1000 for x in latencies]
    print(
        f"webhooks: {len(ms)} sent, {len(failures)} not 200; "
        f"p50 {pct(ms, 50):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms, default=0):.1f} ms"
    )


if __name__ == "__main__":
    main()
