#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Summarises bench/run's measurements: medians, ratio, JSON.

Input: runs.tsv (workload, server, round, value or FAIL) and the
workload list of `bload list`. Prints the table; writes the JSON file.
Only formatting happens here: every number comes from the C load
generator."""
import argparse
import json
import socket
import statistics
import time


def main():
    ap = argparse.ArgumentParser()
    for k in ("runs", "workloads", "selected", "rounds", "fsync", "loopback",
              "cpu", "cores", "mem-mb", "dovecot", "elapsed", "json"):
        ap.add_argument("--" + k, required=True)
    a = ap.parse_args()

    workloads = []
    with open(a.workloads) as f:
        for line in f:
            name, unit, better, supported, desc = line.rstrip("\n").split("\t")
            workloads.append(dict(name=name, unit=unit, better=better,
                                  supported=supported == "yes",
                                  description=desc))
    runs = {}
    with open(a.runs) as f:
        for line in f:
            w, server, rnd, value = line.rstrip("\n").split("\t")
            runs.setdefault((w, server), []).append(value)

    selected = a.selected.split()
    machine = {
        "cpu": a.cpu, "cores": int(a.cores), "memory_mb": int(a.mem_mb),
        "fsync_per_s": float(a.fsync), "loopback_mb_per_s": float(a.loopback),
        "hostname": socket.gethostname(),
    }
    out = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "dovecot_version": a.dovecot, "rounds": int(a.rounds),
        "elapsed_s": int(a.elapsed), "machine": machine, "workloads": [],
    }

    print()
    print(f"machine: {a.cores} cores, {a.cpu}, {a.mem_mb} MB RAM; "
          f"fsync {float(a.fsync):.0f}/s on the mail dir's disk; "
          f"loopback {float(a.loopback):.0f} MB/s")
    print(f"Dovecot {a.dovecot}; {a.rounds} rounds, alternating "
          f"roost/Dovecot; medians; {a.elapsed} s of workloads")
    print()
    hdr = (f"{'workload':28} {'unit':9} {'roost':>10} {'dovecot':>10} "
           f"{'roost/dovecot':>13}  verdict")
    print(hdr)
    print("-" * len(hdr))
    failed = False
    for w in workloads:
        if w["name"] not in selected:
            continue
        entry = dict(w)
        if not w["supported"]:
            entry["status"] = "not supported by roost yet"
            print(f"{w['name']:28} {w['unit']:9} {'-':>10} {'-':>10} "
                  f"{'-':>13}  not supported by roost yet")
            out["workloads"].append(entry)
            continue
        med = {}
        for server in ("roost", "dovecot"):
            vals = runs.get((w["name"], server), [])
            entry[server + "_runs"] = [v if v == "FAIL" else float(v)
                                       for v in vals]
            if vals and "FAIL" not in vals:
                med[server] = statistics.median(float(v) for v in vals)
                entry[server + "_median"] = med[server]
            else:
                entry[server + "_median"] = None
        r, d = med.get("roost"), med.get("dovecot")
        if r is None or d is None:
            failed = True
            entry["status"] = "failed: " + " and ".join(
                s for s in ("roost", "dovecot") if med.get(s) is None)
            entry["ratio"] = None
            print(f"{w['name']:28} {w['unit']:9} "
                  f"{fmt(r):>10} {fmt(d):>10} {'-':>13}  "
                  f"{entry['status'].upper()}")
        else:
            ratio = r / d if d else float("inf")
            entry["status"] = "ok"
            entry["ratio"] = ratio
            entry["ratio_meaning"] = (
                "roost/dovecot; " +
                (">1 means roost is better" if w["better"] == "higher"
                 else "<1 means roost is better"))
            better = ratio > 1 if w["better"] == "higher" else ratio < 1
            factor = ratio if ratio >= 1 else (1 / ratio if ratio else 0)
            if abs(ratio - 1) < 0.05:
                verdict = "about even"
            else:
                verdict = (f"{'roost' if better else 'Dovecot'} "
                           f"{factor:.2f}x better")
            entry["verdict"] = verdict
            print(f"{w['name']:28} {w['unit']:9} {fmt(r):>10} {fmt(d):>10} "
                  f"{ratio:>13.2f}  {verdict} ({w['better']} is better)")
        out["workloads"].append(entry)
    with open(a.json, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print()
    print(f"JSON: {a.json}")
    return 1 if failed else 0


def fmt(v):
    if v is None:
        return "FAIL"
    if v >= 100:
        return f"{v:.0f}"
    return f"{v:.2f}" if v < 10 else f"{v:.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
