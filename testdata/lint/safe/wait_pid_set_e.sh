#!/bin/bash
# With set -e, a failing "wait PID" stops the script: the status counts.
set -euo pipefail
./build_frontend.sh > frontend.log 2>&1 &
front=$!
./build_backend.sh > backend.log 2>&1 &
back=$!
wait "$front"
wait "$back"
echo "build done"
