# faultline probe in the guest: what the kernel allows and the attach plan.
# The BPF objects are really loaded there (verifier, CO-RE relocations).
#
# attach: auto tp fentry kprobe
# timeout: 120
# modules: loop xfs
# (xfs is a module in Debian kernels: loaded, its tracepoints exist for the plan)
. /lib/fl-guest.sh
fl_run probe probe -v $FL_ATTACH_ARGS
rc=$?
cp probe.stdout probe.txt
kernel_facts
exit $rc
