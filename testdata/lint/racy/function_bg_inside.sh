#!/bin/bash
# The & is inside the function; the loop is outside.
# expect: KL001 7
# expect: KL003 7
# expect: KL004 7
fetch() {
    curl -fsS "https://api.example.com/items/$1" >> items.json &
}
for id in $(seq 1 500); do
    fetch "$id"
done
wait
