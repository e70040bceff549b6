#!/bin/bash
# sed -i reads config.env and renames a new copy over it: concurrent edits
# lose each other's changes.
# expect: KL002 8
# expect: KL003 8
# expect: KL004 8
for key in $(cut -d= -f1 defaults.env); do
    sed -i "s/^$key=.*/$key=$(lookup "$key")/" config.env &
done
wait
