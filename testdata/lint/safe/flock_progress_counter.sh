#!/bin/bash
# A progress counter updated under flock by each job, at most 2 jobs.
for f in *.mp4; do
  (
    ffmpeg -loglevel error -i "$f" "${f%.mp4}.webm"
    flock progress.lock bash -c 'n=$(cat progress); echo $((n+1)) > progress'
  ) &
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do sleep 1; done
done
for j in $(jobs -p); do wait "$j" || exit 1; done
