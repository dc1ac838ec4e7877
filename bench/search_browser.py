#!/usr/bin/env python3
"""Times cairn's offline search in headless Chromium (bench/search.sh runs it).

Speaks W3C WebDriver to chromedriver over plain HTTP, with the standard
library only. For each page (the /search/ page and the header box of a
session page) and each state (cold: a new browser with a fresh profile;
warm: the same page opened again in a browser that has run the query), it
types the query with one WebDriver "send keys" and measures, in the page,
with performance.now(), from the last keystroke (its `input` event) to the
results: the status line ("N results") is written last when results are
shown; a MutationObserver stamps the change and the next animation frame
stamps the first frame that can show it. Prints JSON lines, then a summary.

Usage: search_browser.py BASE_URL SESSION_PATH [--runs 5] [--query "..."]
       [--site DIR]  (to add the gzipped size of each file fetched)
"""

import argparse
import gzip
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

CHROMIUM = os.environ.get("CAIRN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CAIRN_CHROMEDRIVER", "/usr/bin/chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# Installed before typing: stamps every `input` event of the box and the
# first status change (then the next frame) once the box holds the query.
HOOK = r"""
const [boxId, statusId, query] = arguments;
const box = document.getElementById(boxId);
const status = document.getElementById(statusId);
window.__t = {inputs: [], dom: null, frame: null, status: null};
box.addEventListener('input', () => window.__t.inputs.push(performance.now()));
new MutationObserver(() => {
  const t = window.__t;
  if (t.dom !== null || box.value !== query || !/result/.test(status.textContent)) return;
  t.dom = performance.now();
  t.status = status.textContent;
  requestAnimationFrame(() => { t.frame = performance.now(); });
}).observe(status, {childList: true, characterData: true, subtree: true});
"""

RESOURCES = r"""
return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
  .map(e => ({name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
              start: e.startTime, end: e.responseEnd}));
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """chromedriver and one headless Chromium session with a fresh profile."""

    def __init__(self):
        self.port = free_port()
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={self.port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.profile = tempfile.mkdtemp(prefix="cairn-bench-chromium-")
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-extensions",
            "--window-size=1280,900",
            f"--user-data-dir={self.profile}",
        ]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}}
        self.session = self.call("POST", "/session", caps)["sessionId"]
        self.post("timeouts", {"script": 30000, "pageLoad": 60000, "implicit": 0})

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.read().decode()[:500]}") from None

    def post(self, cmd, body):
        return self.call("POST", f"/session/{self.session}/{cmd}", body)

    def go(self, url):
        self.post("url", {"url": url})

    def exec(self, script, *args):
        return self.post("execute/sync", {"script": script, "args": list(args)})

    def type_into(self, element_id, text):
        el = self.post("element", {"using": "css selector", "value": f"#{element_id}"})[ELEMENT]
        self.post(f"element/{el}/value", {"text": text})

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except Exception:
            pass
        self.driver.terminate()
        self.driver.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def measure(browser, url, box, status, query):
    """Opens `url`, types `query` into `box`, waits for the results."""
    browser.go(url)
    browser.exec(HOOK, box, status, query)
    browser.type_into(box, query)
    deadline = time.time() + 30
    while True:
        t = browser.exec("return window.__t;")
        if t["frame"] is not None:
            break
        if time.time() > deadline:
            raise RuntimeError(f"no results within 30 s on {url}: {t}")
        time.sleep(0.05)
    last = t["inputs"][-1]
    gaps = [b - a for a, b in zip(t["inputs"], t["inputs"][1:])]
    # Where the time went: the requests the query made (started after the
    # last keystroke), index files then records.
    after = [e for e in browser.exec(RESOURCES) if e["start"] >= last]
    def done(part):
        ends = [e["end"] for e in after if part in e["name"]]
        return round(max(ends) - last, 1) if ends else None
    return {
        "dom_ms": round(t["dom"] - last, 1),
        "frame_ms": round(t["frame"] - last, 1),
        "first_request_ms": round(min(e["start"] for e in after) - last, 1) if after else None,
        "index_fetched_ms": done("/search/s/"),
        "records_fetched_ms": done("/search/r/"),
        "requests": len(after),
        "keys": len(t["inputs"]),
        "max_key_gap_ms": round(max(gaps, default=0), 1),
        "status": t["status"],
    }


def gzipped(site, url):
    path = urllib.parse.urlparse(url).path.lstrip("/")
    f = os.path.join(site, path)
    if os.path.isdir(f) or path == "" or path.endswith("/"):
        f = os.path.join(f, "index.html")
    try:
        with open(f, "rb") as fh:
            return len(gzip.compress(fh.read(), 6))
    except OSError:
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("session_path")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--query", default="budgets learning")
    ap.add_argument("--site")
    a = ap.parse_args()
    base = a.base.rstrip("/") + "/"
    pages = {
        "search page": (base + "search/", "search-page-q", "search-page-status"),
        "header box": (base + a.session_path.strip("/") + "/", "site-search-q", "site-search-status"),
    }
    results = {(p, s): [] for p in pages for s in ("cold", "warm")}
    bytes_report = None
    for run in range(a.runs):
        for name, (url, box, status) in pages.items():
            b = Browser()
            try:
                cold = measure(b, url, box, status, a.query)
                if name == "search page" and bytes_report is None:
                    bytes_report = b.exec(RESOURCES)
                warm = measure(b, url, box, status, a.query)
            finally:
                b.close()
            for state, r in (("cold", cold), ("warm", warm)):
                results[(name, state)].append(r)
                print(json.dumps({"run": run + 1, "page": name, "state": state, **r}), flush=True)

    print()
    print(f"query {a.query!r}, {a.runs} runs; ms from the last keystroke "
          "(its input event) to the results: DOM written / next frame")
    print("| page | state | median (DOM) | median (frame) | min–max (frame) |")
    print("|---|---|---:|---:|---:|")
    for (name, state), rs in results.items():
        dom = statistics.median(r["dom_ms"] for r in rs)
        frame = [r["frame_ms"] for r in rs]
        print(f"| {name} | {state} | {dom:.0f} | {statistics.median(frame):.0f} | "
              f"{min(frame):.0f}–{max(frame):.0f} |")
    print()
    print("medians, ms after the last keystroke: first request (the 120 ms debounce), "
          "last index file fetched, last record fetched, DOM written")
    print("| page | state | requests | first request | index fetched | records fetched | DOM |")
    print("|---|---|---:|---:|---:|---:|---:|")
    def med(rs, k):
        v = [r[k] for r in rs if r[k] is not None]
        return f"{statistics.median(v):.0f}" if v else "–"
    for (name, state), rs in results.items():
        print(f"| {name} | {state} | {med(rs, 'requests')} | {med(rs, 'first_request_ms')} | "
              f"{med(rs, 'index_fetched_ms')} | {med(rs, 'records_fetched_ms')} | {med(rs, 'dom_ms')} |")
    gaps = max(r["max_key_gap_ms"] for rs in results.values() for r in rs)
    print(f"largest gap between two keystrokes: {gaps:.0f} ms "
          "(under the 120 ms debounce: one search per query)")

    if bytes_report:
        print()
        print("Fetched to open /search/ and show the results (cold, fresh profile):")
        print("| file | transfer B | encoded B | decoded B | gzip -6 B |")
        print("|---|---:|---:|---:|---:|")
        tot = [0, 0, 0, 0]
        for e in bytes_report:
            gz = gzipped(a.site, e["name"]) if a.site else None
            short = urllib.parse.urlparse(e["name"]).path
            print(f"| {short} | {e['transfer']} | {e['encoded']} | {e['decoded']} | {gz if gz is not None else ''} |")
            for i, v in enumerate((e["transfer"], e["encoded"], e["decoded"], gz or 0)):
                tot[i] += v
        print(f"| **{len(bytes_report)} files** | {tot[0]} | {tot[1]} | {tot[2]} | {tot[3]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
