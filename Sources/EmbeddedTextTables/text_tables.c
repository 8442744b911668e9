// The firmware's answers to the Unicode property lookups of the Embedded Swift stdlib (linked into
// the firmware only, in place of the toolchain's libswiftUnicodeDataTables.a).
//
// Why: String equality, hashing and Character iteration ask these functions about every non-ASCII
// scalar (normalisation for comparing and hashing canonically equivalent strings, grapheme
// breaking for Characters). The real tables are 37 KB of the firmware, 7 % of its 512 KB budget,
// and the daemon's text is ASCII by contract: config keys and values, socket commands, IOTA
// addresses, Modbus and HTTP text. So the firmware treats every scalar the way the stdlib treats
// ASCII: already normalised (combining class 0, no decomposition, no composition) and a grapheme
// of its own. Non-ASCII text still works as text; it is compared and hashed scalar by scalar, as
// bytes, the way C and the socket protocol's peers compare it. A precomposed "é" and "e" + U+0301
// are then two different strings, which for a key or a command is the answer we want.
// The answers are those the real tables give for ASCII: getNormData's fast path returns 0 below
// U+00C0, and a scalar absent from the grapheme table is "any" (0xFF). Signatures as in the
// stdlib's SwiftShims/UnicodeData.h.
#include <stdbool.h>
#include <stdint.h>

uint16_t _swift_stdlib_getNormData(uint32_t scalar) {
    (void)scalar;
    return 0;
}

// Read only for scalars whose normalisation data says they decompose, which none does here.
const uint8_t _swift_stdlib_nfd_decompositions_storage[1] = {0};
const uint8_t *const _swift_stdlib_nfd_decompositions = _swift_stdlib_nfd_decompositions_storage;

uint32_t _swift_stdlib_getDecompositionEntry(uint32_t scalar) {
    (void)scalar;
    return 0;
}

// No pair of scalars composes: UINT32_MAX is the stdlib's "no composition".
uint32_t _swift_stdlib_getComposition(uint32_t x, uint32_t y) {
    (void)x;
    (void)y;
    return UINT32_MAX;
}

uint8_t _swift_stdlib_getGraphemeBreakProperty(uint32_t scalar) {
    (void)scalar;
    return 0xFF;
}

bool _swift_stdlib_isExtendedPictographic(uint32_t scalar) {
    (void)scalar;
    return false;
}

bool _swift_stdlib_isInCB_Consonant(uint32_t scalar) {
    (void)scalar;
    return false;
}
