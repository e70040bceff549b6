#!/bin/bash
# GNU sem starts at most 4 encoders; sem --wait waits for them.
for f in *.flac; do
    sem -j 4 --id enc ffmpeg -loglevel error -i "$f" "${f%.flac}.mp3"
done
sem --wait --id enc
