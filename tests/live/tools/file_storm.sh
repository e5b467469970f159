#!/bin/sh
# A file storm: four workers copy (cp -a: reflink where the filesystem and
# cp can), rename and remove a tree of small files over and over, for SECS
# seconds.  Inodes are created, cloned, renamed and freed by the thousand:
# the xfs paths where a lock is taken through the VFS, released by a
# transaction commit, or held while i_mode changes.  POSIX sh: the guests
# run it under busybox.
#   usage: file_storm.sh DIR SECS [FILES]
set -u
dir=$1 secs=$2 files=${3:-3000}
mkdir -p "$dir/src" || exit 1
i=0
while [ $i -lt "$files" ]; do
	i=$((i + 1))
	echo "file $i" > "$dir/src/f$i"
done
end=$(($(date +%s) + secs))
for w in 1 2 3 4; do
	(
		while [ "$(date +%s)" -lt $end ]; do
			cp -a "$dir/src" "$dir/c$w" && mv "$dir/c$w" "$dir/m$w" && rm -rf "$dir/m$w"
		done
	) &
done
wait
rm -rf "$dir/src"
