#!/usr/bin/env bash
# On the GPU machine: joins the two halves bundle.sh packed and unpacks them into
# .device/bin, lib, model and whl (Python's tarfile: the image may lack xz).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cat .device/part-aa .device/part-ab | python3 -c '
import sys, tarfile
safe = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
tarfile.open(fileobj=sys.stdin.buffer, mode="r|xz").extractall(".device", **safe)'
