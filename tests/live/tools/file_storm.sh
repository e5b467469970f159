#!/bin/bash
# A file storm: four workers copy (cp -a: reflink where the filesystem can),
# rename and remove a tree of 3,000 small files over and over, for SECS
# seconds.  Inodes are created, cloned, renamed and freed by the thousand:
# the xfs paths where a lock is taken through the VFS, released by a
# transaction commit, or held while i_mode changes.
#   usage: file_storm.sh DIR SECS
set -u
dir=$1 secs=$2
mkdir -p "$dir/src" || exit 1
for i in $(seq 3000); do echo "file $i" > "$dir/src/f$i"; done
end=$((SECONDS + secs))
for w in 1 2 3 4; do
	(
		while [ $SECONDS -lt $end ]; do
			cp -a "$dir/src" "$dir/c$w" && mv "$dir/c$w" "$dir/m$w" && rm -rf "$dir/m$w"
		done
	) &
done
wait
rm -rf "$dir/src"
