#!/bin/bash
# Each job is waited for before the next starts: nothing runs at once.
for f in *.iso; do
    sha256sum "$f" > "$f.sha256" &
    wait $! || exit 1
done
