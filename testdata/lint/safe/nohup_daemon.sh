#!/bin/sh
# nohup starts a daemon on purpose; nobody waits for it.
nohup ./agent --config /etc/agent.conf > agent.log 2>&1 &
echo "agent started"
