#!/usr/bin/env python3
"""Counts test cases across JUnit XML reports (GoogleTest via Bazel, pytest) and prints
the failures and a final line "N passed, N failed[, N skipped]". Exits 1 on any failure.

A Bazel test target without a report (it failed to build, or crashed before writing
one) counts as one failed case, so nothing is lost from the total."""

import argparse
import pathlib
import sys
import xml.etree.ElementTree as ET


def classify(case):
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    if case.find("skipped") is not None or case.get("result") in ("skipped", "suppressed"):
        return "skipped"
    return "passed"


def count_report(path, counts, failures, label):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        counts["failed"] += 1
        failures.append(f"{label}: unreadable report {path}: {error}")
        return
    for case in root.iter("testcase"):
        outcome = classify(case)
        counts[outcome] += 1
        if outcome == "failed":
            failures.append(f"{label}: {case.get('classname', '')}.{case.get('name', '')}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bazel_testlogs", type=pathlib.Path, required=True)
    parser.add_argument("--bazel_targets", type=pathlib.Path, required=True,
                        help="file listing the test targets, one label per line")
    parser.add_argument("--junit", type=pathlib.Path, action="append", default=[],
                        help="other JUnit reports (pytest)")
    args = parser.parse_args()

    counts = {"passed": 0, "failed": 0, "skipped": 0}
    failures = []
    for label in args.bazel_targets.read_text().split():
        package, _, name = label.lstrip("/").partition(":")
        report = args.bazel_testlogs / package / name / "test.xml"
        if report.is_file():
            count_report(report, counts, failures, label)
        else:
            counts["failed"] += 1
            failures.append(f"{label}: no test report (did not build or did not run)")
    for report in args.junit:
        if report.is_file():
            count_report(report, counts, failures, report.name)
        else:
            counts["failed"] += 1
            failures.append(f"{report}: missing")

    for failure in failures:
        print(f"FAILED {failure}")
    line = f"{counts['passed']} passed, {counts['failed']} failed"
    if counts["skipped"]:
        line += f", {counts['skipped']} skipped"
    print(line)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
