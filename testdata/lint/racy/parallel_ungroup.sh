#!/bin/bash
# -u turns off parallel's grouping: the curl outputs mix.
# expect: KL006 4
parallel -u -j 4 curl -fsS ::: $(cat urls.txt) > pages.html
