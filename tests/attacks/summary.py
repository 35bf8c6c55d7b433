# -*- coding: utf-8 -*-
"""Before/after summary of an end-to-end run: one row per control area, coloured pass/fail.

    summary.py REPORT_DIR [--markdown]

REPORT_DIR holds what molecule/attack's converge (and scripts/demo.sh) leave behind:
attacks-vulnerable.xml / attacks-hardened.xml (pytest JUnit of tests/attacks) and
audit-before.json / audit-after.json (pbguard audit reports).  Exit status 0 only when every
attack worked before and failed after, and the audit after has no failure at or above high.
"""
from __future__ import annotations

import json
import os
import re
import sys
import xml.etree.ElementTree as ET

AREAS = [
    ("NET", "1 exposed admin / port", ["p1_dashboard", "p1_superuser_login", "p1_direct_port"]),
    ("RUL", "2-3 record rules, joins", ["p2_list_tickets", "p2_update_profile", "p3_enumerate_admins"]),
    ("AUT", "4 auth methods", ["p4_unverified_login"]),
    ("FIL", "5 files", ["p5_file_no_token"]),
    ("HOK", "6 hooks", ["p6_hook_escalation", "p6_ssrf"]),
    ("VER", "7 version / advisories", ["p7_version"]),
    ("MON", "brute force / rate limit", ["bruteforce"]),
    ("ADM", "superusers", []),
    ("IOC", "compromise indicators", []),
    ("SYS", "host hardening", []),
]
HIGH = ("critical", "high")


def colour(enabled):
    def c(text, code):
        return "\033[%sm%s\033[0m" % (code, text) if enabled else text
    return c


def attacks(path):
    """attack name -> True (test passed) / False (failed) / None (absent)."""
    out = {}
    if not os.path.exists(path):
        return out
    for tc in ET.parse(path).getroot().iter("testcase"):
        name = tc.get("name", "")
        m = re.search(r"\[(?:\w+-)?(\w+)\]$", name)
        key = m.group(1) if m and name.startswith("test_attack") else (
            "bruteforce" if "bruteforce" in name else None)
        if not key:
            continue
        if tc.find("skipped") is not None:
            out[key] = None
            continue
        out[key] = tc.find("failure") is None and tc.find("error") is None
    return out


def audit(path):
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        return json.load(fh)


def fails(report, area):
    if not report:
        return None
    return sorted({f["control"] for f in report.get("findings", [])
                   if f.get("status") == "fail" and f["control"].split("-")[1] == area})


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 2
    d = argv[0]
    c = colour(sys.stdout.isatty() or os.environ.get("PBG_COLOR") == "1")
    before, after = attacks(os.path.join(d, "attacks-vulnerable.xml")), attacks(
        os.path.join(d, "attacks-hardened.xml"))
    ab, aa = audit(os.path.join(d, "audit-before.json")), audit(os.path.join(d, "audit-after.json"))
    ok_all = True
    header = "%-4s %-26s %-24s %-24s %-26s %s" % (
        "area", "what", "attacks before", "attacks after", "audit fails before", "audit fails after")
    print(c(header, "1"))
    print("-" * len(header))
    for area, what, names in AREAS:
        if names:
            b = [before.get(n) for n in names]
            a = [after.get(n) for n in names]
            nb, na = sum(1 for x in b if x), sum(1 for x in a if x)
            good_b, good_a = nb == len(names), na == sum(1 for x in a if x is not None) and na > 0
            sb = "%d/%d succeeded" % (nb, len(names))
            sa = "%d/%d blocked" % (na, len(names)) + (
                " (%d n/a)" % a.count(None) if None in a else "")
            ok_all &= good_b and good_a
            sb = c("%-24s" % sb, "32" if good_b else "31")
            sa = c("%-24s" % sa, "32" if good_a else "31")
        else:
            sb = sa = "%-24s" % "-"
        fb, fa = fails(ab, area), fails(aa, area)
        high_after = [f for f in (aa or {}).get("findings", []) if f.get("status") == "fail"
                      and f["control"].split("-")[1] == area and f.get("severity") in HIGH]
        ok_all &= not high_after
        tb = "%-26s" % ("n/a" if fb is None else "%d %s" % (len(fb), " ".join(x[4:] for x in fb)[:22]))
        ta = "n/a" if fa is None else ("%d %s" % (len(fa), " ".join(x[4:] for x in fa)) if fa else "0")
        ta = c(ta, "31" if high_after else ("33" if fa else "32"))
        print("%-4s %-26s %s %s %s %s" % (area, what, sb, sa, c(tb, "33" if fb else "0"), ta))
    if ab and aa:
        print()
        print("audit summary before: %s" % ab.get("summary"))
        print("audit summary after:  %s" % aa.get("summary"))
    print()
    print(c("RESULT: %s" % ("PASS: every attack worked before and is blocked after; no high/critical "
                            "finding left" if ok_all else "FAIL (see the red cells)"),
            "1;32" if ok_all else "1;31"))
    if "--markdown" in argv:
        md = os.path.join(d, "audit-after.markdown")
        if os.path.exists(md):
            print()
            with open(md) as fh:
                print(fh.read())
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
