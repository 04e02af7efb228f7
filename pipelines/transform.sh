#!/bin/sh
# Used by pipelines/commands.json: reads numbers on stdin, applies $1 (square|double), adds seed $2.
op="$1"; seed="$2"
while read -r n; do
  if [ "$op" = square ]; then echo $((n * n + seed)); else echo $((2 * n + seed)); fi
done
