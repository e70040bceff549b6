#!/bin/bash
# set -e does not stop the script when a background job fails, and a bare
# wait returns 0.
# expect: KL004 7
# expect: KL004 8
set -euo pipefail
./build_frontend.sh &
./build_backend.sh &
wait
echo "build done"
