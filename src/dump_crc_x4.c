// SPDX-License-Identifier: GPL-2.0
/*
 * Four records' CRC-32s at once.  A dump is mostly event records of one
 * length (112 bytes without a stack): each is too short for ISA-L's wide
 * folding, which needs 256 bytes, so a call per record folds 16 bytes at a
 * time, one carry-less multiply after another (12 ns a record here).  With
 * AVX-512 and VPCLMULQDQ one instruction multiplies four 128-bit lanes: put
 * one record in each lane and the four fold side by side, with the
 * constants of Intel's "Fast CRC Computation for Generic Polynomials Using
 * PCLMULQDQ Instruction" (Gopal et al., 2009) for the reflected polynomial
 * 0x04C11DB7, as zlib's and Linux's crc32-pclmul use them.  Other CPUs and
 * other lengths take fl_crc32() per buffer: the same values.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define WIDE __attribute__((target("avx512f,avx512bw,vpclmulqdq")))

/* Each lane's 16 bytes at @off of its buffer. */
static inline WIDE __m512i load4(const unsigned char *const p[4], size_t off)
{
	__m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(p[0] + off)));

	v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p[1] + off)), 1);
	v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p[2] + off)), 2);
	return _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(p[3] + off)), 3);
}

/*
 * @crc are zlib's CRC values, the register is their inverse; @n is a
 * multiple of 16, at least 16.  Every step works within each 128-bit lane,
 * so the four lanes are four independent CRCs.
 */
static WIDE void crc4_wide(uint32_t crc[4], const unsigned char *const p[4], size_t n)
{
	/* x^(128+32) and x^(128-32) mod P: fold 128 bits onto the next 128 */
	const __m512i k3k4 = _mm512_broadcast_i32x4(_mm_set_epi64x(0x00ccaa009e, 0x01751997d0));
	/* x^64 mod P: 96 bits to 64 */
	const __m512i k5 = _mm512_broadcast_i32x4(_mm_set_epi64x(0, 0x0163cd6124));
	/* P and its Barrett constant mu: 64 bits to the 32-bit remainder */
	const __m512i poly = _mm512_broadcast_i32x4(_mm_set_epi64x(0x01f7011641, 0x01db710641));
	const __m512i low32 = _mm512_broadcast_i32x4(_mm_setr_epi32(~0, 0, ~0, 0));
	const __m512i dword1 = _mm512_setr_epi32(1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	__m512i x, t;

	x = _mm512_setr_epi32(~crc[0], 0, 0, 0, ~crc[1], 0, 0, 0, ~crc[2], 0, 0, 0, ~crc[3], 0, 0, 0);
	x = _mm512_xor_si512(x, load4(p, 0));
	for (size_t off = 16; off < n; off += 16) {
		t = _mm512_clmulepi64_epi128(x, k3k4, 0x00);
		x = _mm512_clmulepi64_epi128(x, k3k4, 0x11);
		x = _mm512_ternarylogic_epi64(x, t, load4(p, off), 0x96);	/* x ^ t ^ data */
	}
	/* 128 bits to 64 */
	t = _mm512_clmulepi64_epi128(x, k3k4, 0x10);
	x = _mm512_xor_si512(_mm512_bsrli_epi128(x, 8), t);
	t = _mm512_bsrli_epi128(x, 4);
	x = _mm512_clmulepi64_epi128(_mm512_and_si512(x, low32), k5, 0x00);
	x = _mm512_xor_si512(x, t);
	/* Barrett reduction to 32 bits, in dword 1 of each lane */
	t = _mm512_clmulepi64_epi128(_mm512_and_si512(x, low32), poly, 0x10);
	t = _mm512_clmulepi64_epi128(_mm512_and_si512(t, low32), poly, 0x00);
	x = _mm512_xor_si512(x, t);
	x = _mm512_permutexvar_epi32(dword1, x);
	_mm_storeu_si128((__m128i *)crc, _mm_xor_si128(_mm512_castsi512_si128(x), _mm_set1_epi32(-1)));
}

/* libgcc reads the CPU's features before main (static binaries too) */
bool fl_crc32_x4_wide(void)
{
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("vpclmulqdq");
}
#else
bool fl_crc32_x4_wide(void)
{
	return false;
}
#endif

void fl_crc32_x4(uint32_t crc[4], const unsigned char *const p[4], size_t n)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (n && !(n % 16) && fl_crc32_x4_wide()) {
		crc4_wide(crc, p, n);
		return;
	}
#endif
	for (int i = 0; i < 4; i++)
		crc[i] = fl_crc32(crc[i], p[i], n);
}
