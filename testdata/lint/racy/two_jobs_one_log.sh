#!/bin/bash
# Two different jobs, one log file.
# expect: KL001 5
# expect: KL001 7
./backup_db.sh >> /var/log/nightly.log 2>&1 &
db=$!
./backup_files.sh >> /var/log/nightly.log 2>&1 &
files=$!
wait "$db" || exit 1
wait "$files" || exit 1
