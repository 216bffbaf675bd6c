#!/bin/sh
# Hostile index parse (issue 9, defect 6): an unsigned index.atom with tens of
# thousands of attributes on one element. Compares loaxa's reader (size cap +
# linear pre-scan + libxml2) with xmllint (libxml2 alone, what loaxad did
# before) on the same files. Usage: sh bench/index_parse.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen() {	# gen N FILE: one <entry> with N attributes
	python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write('<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry ' + ' '.join('a%d=\"x\"' % i for i in range(n)) + '/></feed>')" "$1" >"$2"
}
gen 20000 "$work/20k.atom"
gen 90000 "$work/90k.atom"
make -s -C "$here" ../build-bench/bench/index_parse >/dev/null
echo "| input | bytes | loaxa atom_parse | xmllint --noout |"
echo "| --- | --- | --- | --- |"
for f in 20k 90k; do
	line=$("$here/../build-bench/bench/index_parse" "$work/$f.atom")
	bytes=$(echo "$line" | awk '{print $2}')
	ms=$(echo "$line" | sed 's/.*ms=\([0-9]*\).*/\1/')
	t0=$(date +%s%N)
	timeout 300 xmllint --noout --nonet "$work/$f.atom" 2>/dev/null || true
	t1=$(date +%s%N)
	echo "| $f attributes on one element | $bytes | $ms ms (refused) | $(( (t1 - t0) / 1000000 )) ms |"
done
