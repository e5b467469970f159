// SPDX-License-Identifier: GPL-2.0
/*
 * fl_crc32_x4 (src/dump_crc_x4.c) against zlib's crc32: four buffers of
 * every length a dump's records have in multiples of 16 and beyond, from
 * any starting CRC, equal lane by lane, with the CPU's wide path when it
 * has one and through fl_crc32 otherwise (and for lengths it cannot fold).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "dump.h"

#define MAXLEN	4096

static void check_len(const unsigned char *buf, size_t n, unsigned int seed)
{
	const unsigned char *p[4];
	uint32_t crc[4], want[4];

	srand(seed);
	for (int i = 0; i < 4; i++) {
		/* any alignment: records follow 12-byte headers back to back */
		p[i] = buf + i * (MAXLEN + 64) + rand() % 61;
		crc[i] = i == 0 ? 0 : (uint32_t)rand() * 2654435761u;
		want[i] = (uint32_t)crc32(crc[i], p[i], n);
	}
	fl_crc32_x4(crc, p, n);
	for (int i = 0; i < 4; i++)
		if (crc[i] != want[i])
			fail_msg("length %zu lane %d: %08x, zlib %08x", n, i, crc[i], want[i]);
}

static void test_x4_matches_zlib(void **state)
{
	unsigned char *buf = malloc(4 * (MAXLEN + 64));

	(void)state;
	assert_non_null(buf);
	srand(1);
	for (size_t i = 0; i < 4 * (MAXLEN + 64); i++)
		buf[i] = rand();
	print_message("wide path (AVX-512 VPCLMULQDQ): %s\n", fl_crc32_x4_wide() ? "yes" : "no");
	for (size_t n = 0; n <= MAXLEN; n++)
		check_len(buf, n, n);
	/* all zeros and all ones: no lane may leak into another */
	memset(buf, 0, 4 * (MAXLEN + 64));
	check_len(buf, 112, 7);
	memset(buf, 0xff, 4 * (MAXLEN + 64));
	check_len(buf, 112, 8);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x4_matches_zlib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
