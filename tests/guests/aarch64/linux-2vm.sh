# Sourced by the two-VM runs with Debian's Linux in vm-a (run-reset.sh, run-2linux.sh), which
# set $here to their directory.
# linux_2vm OUT HYPERVISOR DTB LINUX_DIR [qemu.sh OPTIONS for vm-b...]: fetch Debian's arm64
# kernel and busybox initramfs (cached in LINUX_DIR), boot them in vm-a of a two-VM
# hypervisor on QEMU virt with 4 cpus (scripts/qemu.sh, 200 s at most), vm-b from the
# options; QEMU's output, carriage returns dropped, goes to OUT. Returns QEMU's status.
linux_2vm() {
	l2_out=$1 l2_hyp=$2 l2_dtb=$3 l2_dir=$4
	shift 4
	bash "$here/../../../scripts/fetch-linux.sh" "$l2_dir" >/dev/null ||
		{ echo "linux_2vm: fetching Debian's kernel failed"; return 1; }
	l2_raw=$(mktemp)
	timeout 200 bash "$here/../../../scripts/qemu.sh" aarch64-hyp "$l2_hyp" "$l2_dir/Image" \
		"$l2_dtb" --smp 4 --initrd "$l2_dir/initrd.cpio" "$@" </dev/null >"$l2_raw" 2>&1
	l2_status=$?
	tr -d '\r' <"$l2_raw" >"$l2_out"
	rm -f "$l2_raw"
	return $l2_status
}

# linux_2vm_markers OUT NAME: both Linux VMs of aarch64-virt-2linux.elf (vm-a with 2 vcpus,
# vm-b with 1) printed their markers and sleeps behind their prefixes and shut down; says
# what is missing (prefixed with NAME) and fails if anything is.
linux_2vm_markers() {
	l2m_out=$1 l2m_name=$2 l2_ok=0
	for l2_want in 'vm-a 2' 'vm-b 1'; do
		set -- $l2_want
		for l2_re in "^\[$1\] LIBAXV-LINUX-MARKER uname=.* nproc=$2" "^\[$1\] LIBAXV-LINUX-SLEPT" \
			"^aarch64-virt: $1: shut down and destroyed"; do
			grep -q "$l2_re" "$l2m_out" || { echo "$l2m_name: nothing matches '$l2_re'"; l2_ok=1; }
		done
	done
	return $l2_ok
}

