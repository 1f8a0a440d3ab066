#pragma once

#include <cerrno>
#include <cstdio>
#include <cstdlib>

// An invariant of a fuzz target: when it breaks, the target says which and aborts, which libFuzzer and
// the standalone driver record as a crash with the input that caused it.
inline void require(bool condition, const char* what)
{
    if (!condition) {
        std::fprintf(stderr, "%s: invariant broken: %s\n", program_invocation_short_name, what);
        std::abort();
    }
}
