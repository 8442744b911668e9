// The API tables' fields are marked _Nonnull, so Swift sees plain (not optional) function
// pointers once a table is bound. _Nonnull is Clang's (GCC, which runs the header check, lacks
// it), and Clang then wants every pointer in the file annotated: the other pointers are plain C
// pointers on purpose (Swift imports them as optionals).
#ifndef TANGLEMETER_CGPIOD_NONNULL_H
#define TANGLEMETER_CGPIOD_NONNULL_H
#ifdef __clang__
#pragma clang diagnostic ignored "-Wnullability-completeness"
#else
#define _Nonnull
#endif
#endif
