#!/bin/bash
# Uploads started in the background and never waited for.
# expect: KL003 6
# expect: KL004 6
for host in $(cat hosts.txt); do
    scp build.tar.gz "$host":/opt/releases/ &
done
echo "uploads started"
