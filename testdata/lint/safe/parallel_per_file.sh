#!/bin/bash
# Each parallel job writes its own output file.
parallel -j 8 'convert {} -resize 50% small/{/}' ::: images/*.jpg
