#!/usr/bin/env python3
"""Where a page load's time went, from a Chrome trace (BENCHMARK_TRACE_PAGES, see README.md).

usage: trace-summary.py TRACE.json [--until MS]

Prints, for the renderer that navigated (the one with a navigationStart mark): each resource's request and
response times, the main thread's tasks longer than 2 ms on a timeline from navigation start, and the main thread's
self time per event name (ParseHTML, UpdateLayoutTree = style, Layout, Paint, EvaluateScript, ...) up to --until
(default: the end of the trace).
"""
import json
import sys
from collections import defaultdict


def load(path):
    with open(path) as f:
        data = json.load(f)
    return data["traceEvents"] if isinstance(data, dict) else data


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__)
        return 2
    until = float(args[args.index("--until") + 1]) if "--until" in args else None
    events = load(args[0])
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    # The page's own navigation (an SVG favicon has a navigationStart of its own, with no URL).
    starts = [e for e in events if e.get("name") == "navigationStart" and threads.get((e["pid"], e["tid"])) == "CrRendererMain"
              and e.get("args", {}).get("data", {}).get("documentLoaderURL", "").startswith("http")]
    if not starts:
        print("no navigationStart on a renderer main thread")
        return 1
    start = max(starts, key=lambda e: e["ts"])
    pid, origin = start["pid"], start["ts"]
    main_tid = start["tid"]
    end = origin + until * 1000 if until is not None else max(e.get("ts", 0) + e.get("dur", 0) for e in events)

    def ms(ts):
        return (ts - origin) / 1000

    print(f"renderer pid {pid}, navigation start at ts {origin}, window {ms(origin):.0f}–{ms(end):.0f} ms")
    marks = sorted((e for e in events if e.get("pid") == pid and origin <= e["ts"] <= end and e.get("name") in (
        "responseEnd", "unloadEventStart", "commitNavigationEnd", "domInteractive", "firstContentfulPaint", "domContentLoadedEventEnd",
        "MarkLoad")), key=lambda e: e["ts"])
    print("marks: " + ", ".join(f"{e['name']} {ms(e['ts']):.1f}" for e in marks))
    print("\nresources (send → response → finish, ms):")
    sends = {}
    for e in events:
        data = e.get("args", {}).get("data", {})
        if e.get("name") == "ResourceSendRequest" and e["ts"] >= origin:
            sends[data.get("requestId")] = [data.get("url", ""), ms(e["ts"]), None, None]
        elif e.get("name") == "ResourceReceiveResponse" and data.get("requestId") in sends:
            sends[data["requestId"]][2] = ms(e["ts"])
        elif e.get("name") == "ResourceFinish" and data.get("requestId") in sends:
            sends[data["requestId"]][3] = ms(e["ts"])
    for url, sent, response, finish in sorted(sends.values(), key=lambda r: r[1]):
        print(f"  {sent:7.1f} → {response if response is not None else float('nan'):7.1f} → {finish if finish is not None else float('nan'):7.1f}  {url[-90:]}")

    main = sorted((e for e in events if e.get("pid") == pid and e.get("tid") == main_tid and e.get("ph") == "X"
                   and origin <= e["ts"] <= end), key=lambda e: (e["ts"], -e.get("dur", 0)))
    # Self time: each event's duration minus its direct children's.
    stack, self_time, tops = [], defaultdict(float), []
    for e in main:
        e_end = e["ts"] + e.get("dur", 0)
        while stack and stack[-1][1] <= e["ts"]:
            stack.pop()
        if stack:
            parent = stack[-1][0]
            self_time[parent["name"]] -= min(e.get("dur", 0), stack[-1][1] - e["ts"])
            stack[-1][2].append(e)
        else:
            tops.append((e, []))
            stack.append((e, e_end, tops[-1][1]))
            self_time[e["name"]] += e.get("dur", 0)
            continue
        self_time[e["name"]] += e.get("dur", 0)
        stack.append((e, e_end, []))

    print("\nmain-thread tasks over 2 ms (start, duration, what is inside):")
    for task, children in tops:
        if task.get("dur", 0) < 2000:
            continue
        inner = defaultdict(float)
        for child in children:
            inner[child["name"]] += child.get("dur", 0)
        names = ", ".join(f"{n} {d / 1000:.1f}" for n, d in sorted(inner.items(), key=lambda kv: -kv[1])[:4])
        print(f"  {ms(task['ts']):7.1f}  {task['dur'] / 1000:6.1f} ms  {task['name']}: {names}")

    busy = sum(t.get("dur", 0) for t, _ in tops)
    print(f"\nmain thread busy {busy / 1000:.1f} ms of {ms(end):.0f} ms; self time by event (ms):")
    for name, total in sorted(self_time.items(), key=lambda kv: -kv[1])[:25]:
        if total >= 500:
            print(f"  {total / 1000:7.1f}  {name}")
    frames = [e for e in events if e.get("pid") == pid and e.get("name") in ("BeginMainThreadFrame", "FireAnimationFrame") and origin <= e["ts"] <= end]
    if frames:
        print("\nanimation frames at (ms): " + " ".join(f"{ms(e['ts']):.0f}" for e in frames[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
