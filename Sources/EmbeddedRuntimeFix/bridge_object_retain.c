// A fix for the Embedded Swift runtime of Swift 6.3 (linked into the firmware only).
//
// Its swift_bridgeObjectRetain(_n) returns the object with its tag bits masked off, but the
// compiler treats the result as the very object passed in (LLVM may use the returned register
// instead of the argument). A String's object word carries its discriminator in those bits, so a
// small or immortal string retained that way loses them: the aarch64 firmware crashed building
// the "no matching GPIO chip" message, its `gpio.chip` text turned from a small string into a
// bogus pointer. Fixed upstream in swiftlang/swift#91151 ("[Embedded] Don't corrupt the pointer
// returned from swift_bridgeObjectRetain_n", 2026-07); until the toolchain has it, these strong
// definitions replace the runtime's weak ones at link time, with its own swift_retain_n doing the
// counting. The mask is the runtime's HeapObject.bridgeObjectToPlainObjectMask on 64-bit targets.
// Remove this target once `swift --version` is a release containing that fix.
#include <stdint.h>

void *swift_retain_n(void *object, uint32_t n);

void *swift_bridgeObjectRetain_n(void *object, uint32_t n) {
    (void)swift_retain_n((void *)((uintptr_t)object & UINT64_C(0x8ffffffffffffff8)), n);
    return object;
}

void *swift_bridgeObjectRetain(void *object) {
    return swift_bridgeObjectRetain_n(object, 1);
}
