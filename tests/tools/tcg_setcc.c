// SPDX-License-Identifier: GPL-2.0
/*
 * tcg_setcc: does this CPU execute `test; setg MEM; jle` right when the
 * setg's store takes a page fault?  QEMU 7.2's TCG (Debian 12's, which
 * runs the guest tests) does not: after the fault, the flags are those of
 * the instruction before the test, so setg stores 0 and jle is taken
 * although the tested value is 1.  gcc 12 emits exactly this for
 * fill_slots() in src/live.c, whose setg is the first write to a fresh
 * calloc()ed page: under such an emulator `watch --path` names no
 * filesystem and counts as if unfiltered, though the program is right.
 *
 * Exit 0 when the CPU is right both on a present page and on a fresh one,
 * 1 (and what went wrong on stdout) when it is not, 2 when it cannot tell.
 */
#include <stdio.h>
#include <sys/mman.h>

/*
 * int seq(const int *val, unsigned char *out): *out = (*val > 0) through
 * setg after `test`, the test preceded by a cmp that sets ZF; returns 1
 * when jle was taken.  The function as gcc emitted it, reduced.
 */
int seq(const int *val, unsigned char *out);
asm(".text\n"
    ".globl seq\n"
    "seq:\n"
    "	xor %ecx, %ecx\n"
    "	cmp $0, %ecx\n"			/* ZF = 1 */
    "	mov (%rdi), %eax\n"
    "	sete %cl\n"
    "	test %eax, %eax\n"		/* ZF = 0, SF = 0 for 1 */
    "	setg (%rsi)\n"			/* faults on a fresh page */
    "	jle 1f\n"
    "	xor %eax, %eax\n"
    "	ret\n"
    "1:	mov $1, %eax\n"
    "	ret\n");

static int trial(int fresh, int n)
{
	int one = 1, bad = 0;

	for (int i = 0; i < n; i++) {
		unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		int jle;

		if (page == MAP_FAILED) {
			perror("mmap");
			return -1;
		}
		if (!fresh)
			page[0] = 0x55;
		jle = seq(&one, page);
		if (page[0] != 1 || jle)
			bad++;
		munmap(page, 4096);
	}
	printf("%s page: setg/jle wrong %d times of %d\n", fresh ? "fresh" : "present", bad, n);
	return bad;
}

int main(void)
{
	int present = trial(0, 1000), fresh = trial(1, 1000);

	if (present < 0 || fresh < 0)
		return 2;
	return present || fresh;
}
