#!/bin/bash
# Every job downloads to the same temporary file, then greps it.
# expect: KL003 8
# expect: KL004 8
# expect: KL005 9
# expect: KL001 10
for url in $(cat urls.txt); do
    (
        curl -fsS "$url" > /tmp/page.html
        grep -o '<title>.*</title>' /tmp/page.html >> titles.txt
    ) &
done
wait
