// SPDX-License-Identifier: GPL-2.0
/*
 * The dump's record checksum: CRC-32 (IEEE, reflected: zlib's and gzip's).
 * ISA-L computes the same value with carry-less multiplication several
 * times faster than zlib 1.2's tables (the CRC was 86% of a report's time);
 * builds without ISA-L (the static binary: Debian ships no libisal.a) use
 * zlib.  Dumps are interchangeable between the two.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef FL_HAVE_ISAL
#include <isa-l/crc.h>
#else
#include <zlib.h>
#endif

#include "dump.h"

uint32_t fl_crc32(uint32_t crc, const void *p, size_t n)
{
#ifdef FL_HAVE_ISAL
	return crc32_gzip_refl(crc, p, n);
#else
	return crc32(crc, p, n);
#endif
}
