#!/bin/sh
# -P 0: as many optipng processes as there are files.
# expect: KL003 4
find . -name '*.png' | xargs -P 0 -n 1 optipng -quiet
