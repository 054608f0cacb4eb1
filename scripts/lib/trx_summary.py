#!/usr/bin/env python3
"""Sum the .trx files of one test.sh run and print the single summary line CI reads.

usage: trx_summary.py RESULTS_DIR [--project NAME=EXIT_CODE ...] [--extra NAME=EXIT_CODE ...]

--project  a `dotnet test` run expected to leave RESULTS_DIR/NAME.trx. A missing trx, or a non-zero
           exit code with no failed test to explain it (crashed test host, timeout), counts as one
           failed test so the summary line never says "0 failed" about a broken run.
--extra    a check that is not a test framework (the benchmark smoke run): one test, pass = exit 0.

Prints failed tests with the first lines of their error, then `N passed, N failed[, N skipped]`.
No test at all also counts as one failure. Exits 1 if anything failed.
"""
import argparse
import os
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FAILED = {"Failed", "Error", "Timeout", "Aborted"}
SKIPPED = {"NotExecuted", "Inconclusive", "Pending", "NotRunnable", "Disconnected", "Warning"}


def name_and_code(text):
    name, _, code = text.rpartition("=")
    return name, int(code)


def first_lines(text, count=3):
    lines = [line.rstrip() for line in (text or "").splitlines() if line.strip()]
    return lines[:count]


def read_trx(path):
    """(passed, failed, skipped, [(test name, error lines)]) for one trx file."""
    passed = failed = skipped = 0
    failures = []
    root = ET.parse(path).getroot()
    # Only top-level results: data-driven inner results would be counted twice.
    for result in root.findall("t:Results/t:UnitTestResult", NS):
        outcome = result.get("outcome", "")
        if outcome == "Passed":
            passed += 1
        elif outcome in SKIPPED:
            skipped += 1
        else:
            failed += 1
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS)
            failures.append((result.get("testName", "?"), first_lines(message)))
    return passed, failed, skipped, failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results_dir")
    parser.add_argument("--project", action="append", default=[], type=name_and_code)
    parser.add_argument("--extra", action="append", default=[], type=name_and_code)
    args = parser.parse_args()

    passed = failed = skipped = tests_run = 0
    problems = []
    for name, code in args.project:
        path = os.path.join(args.results_dir, name + ".trx")
        if not os.path.isfile(path):
            failed += 1
            problems.append(f"{name}: no test results (dotnet test exited {code})")
            continue
        try:
            p, f, s, failures = read_trx(path)
        except ET.ParseError as error:
            failed += 1
            problems.append(f"{name}: unreadable {path}: {error}")
            continue
        passed, failed, skipped, tests_run = passed + p, failed + f, skipped + s, tests_run + p + f
        if code != 0 and f == 0:
            failed += 1
            problems.append(f"{name}: dotnet test exited {code} although no test failed (crash or timeout?)")
        for test, lines in failures:
            print(f"FAILED {name}: {test}")
            for line in lines:
                print(f"    {line}")
    for name, code in args.extra:
        if code == 0:
            passed += 1
        else:
            failed += 1
            problems.append(f"{name}: exited {code}")
    if tests_run == 0:
        failed += 1
        problems.append("no test ran")
    for problem in problems:
        print(f"FAILED {problem}")

    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
