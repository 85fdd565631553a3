#!/usr/bin/env python3
"""Where a GPU decode step's time goes: sums an Nsight Compute CSV (`ncu --csv` with the
metrics gpu__time_duration.sum and dram__bytes.sum) by kernel, and prints each kernel's
launches, total time, share of the total and the DRAM bandwidth it reached.

  ncu --clock-control none --profile-from-start off --csv \\
      --metrics gpu__time_duration.sum,dram__bytes.sum --log-file PROFILE.csv \\
      gpu_decode --layers 4 --steps 3 --batches 32
  ncu_summary.py PROFILE.csv
"""

import collections
import csv
import re
import sys

# ncu names units either way, by version.
TIME = {"nsecond": 1e-9, "ns": 1e-9, "usecond": 1e-6, "us": 1e-6, "msecond": 1e-3, "ms": 1e-3,
        "second": 1.0, "s": 1.0}
BYTES = {"byte": 1.0, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "Tbyte": 1e12, "B": 1.0, "KB": 1e3,
         "MB": 1e6, "GB": 1e9, "TB": 1e12}


def short_name(kernel):
    """'void llm::kernels::(anonymous namespace)::Foo<T, 16>(...)' -> 'Foo'."""
    name = re.split(r"[<(]", re.sub(r"\(anonymous namespace\)::|<unnamed>::", "", kernel))[0]
    return name.split()[-1].split("::")[-1][:60]


def main():
    # ncu prints its own messages (==PROF==) before the CSV header.
    with open(sys.argv[1], newline="") as f:
        lines = [line for line in f if line.startswith('"')]
    seconds, traffic, launches = (collections.Counter(), collections.Counter(),
                                  collections.Counter())
    for row in csv.DictReader(lines):
        name = short_name(row["Kernel Name"])
        value = float(row["Metric Value"].replace(",", ""))
        if row["Metric Name"] == "gpu__time_duration.sum":
            seconds[name] += value * TIME[row["Metric Unit"]]
            launches[name] += 1
        elif row["Metric Name"] == "dram__bytes.sum":
            traffic[name] += value * BYTES[row["Metric Unit"]]
    total = sum(seconds.values())
    print(f"{'kernel':60}  launches  total_us  share  DRAM_GB/s")
    for name, spent in seconds.most_common():
        print(f"{name:60}  {launches[name]:8d}  {spent * 1e6:8.1f}  {spent / total:5.1%}"
              f"  {traffic[name] / spent / 1e9 if spent else 0:9.0f}")
    print(f"{'all':60}  {sum(launches.values()):8d}  {total * 1e6:8.1f}")


if __name__ == "__main__":
    main()
