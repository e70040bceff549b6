#!/bin/bash
# A test server in the background, killed at exit: its status is not the
# point.
python3 -m http.server 8000 > server.log 2>&1 &
server=$!
trap 'kill $server' EXIT
sleep 1
./run_tests.sh
