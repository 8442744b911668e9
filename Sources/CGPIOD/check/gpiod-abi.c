// Compile-only proof that the prototypes Sources/CGPIOD declares for itself match a real libgpiod
// header: each function's type, and each constant the backend passes. Built twice by
// `make gpiod-abi`: with -DTM_GPIOD_V=1 against libgpiod-dev 1.6's /usr/include/gpiod.h, and with
// -DTM_GPIOD_V=2 against a 2.x gpiod.h unpacked from Debian's libgpiod-dev (never installed).
// A mismatch is a compile error naming the function.
#include <gpiod.h>
#include "../shim.h"

#define TM_SAME_TYPE(PREFIX, NAME) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(gpiod_##NAME), PREFIX##NAME##_fn), \
                   "gpiod_" #NAME ": the shim's prototype differs from <gpiod.h>");

#if TM_GPIOD_V == 1
#define TM_CHECK1(RET, NAME, PARAMS) TM_SAME_TYPE(tm_gpiod1_, NAME)
TM_GPIOD1_FUNCTIONS(TM_CHECK1)
_Static_assert((int)TM_GPIOD1_REQUEST_FLAG_ACTIVE_LOW == (int)GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW, "active-low flag");
#elif TM_GPIOD_V == 2
#define TM_CHECK2(RET, NAME, PARAMS) TM_SAME_TYPE(tm_gpiod2_, NAME)
TM_GPIOD2_FUNCTIONS(TM_CHECK2)
_Static_assert((int)TM_GPIOD2_DIRECTION_OUTPUT == (int)GPIOD_LINE_DIRECTION_OUTPUT, "direction output");
_Static_assert((int)TM_GPIOD2_VALUE_INACTIVE == (int)GPIOD_LINE_VALUE_INACTIVE, "value inactive");
_Static_assert((int)TM_GPIOD2_VALUE_ACTIVE == (int)GPIOD_LINE_VALUE_ACTIVE, "value active");
#else
#error "define TM_GPIOD_V as 1 or 2"
#endif
