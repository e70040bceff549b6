#!/bin/bash
# parallel groups each job's output: the pages do not mix.
parallel -j 4 curl -fsS ::: $(cat urls.txt) > pages.html
