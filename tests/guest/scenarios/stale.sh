# Stale extent maps (seed 002) against xfs's own validity check
# (xfs_iomap_invalid, 6.2+): every map xfs finds stale, faultline must have
# seen go stale through the extent changes it traces itself.
#
# attach: auto
# timeout: 120
# modules: loop xfs
# guest-bins: mkfs.xfs
# kernels: 6.12
. /lib/fl-guest.sh
fl_run stale demo --fs xfs --stale-maps --seconds "${FL_DEMO_SECONDS:-4}" \
	--json "$FL_RESULTS/stale.json" $FL_ATTACH_ARGS ${FL_VERBOSE:+-v}
rc=$?
kernel_facts
exit $rc
