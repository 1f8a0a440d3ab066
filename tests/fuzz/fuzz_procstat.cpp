// Fuzz target for /proc/PID/stat lines (core/grid/sandboxprocesses.h): pvcd reads them for every process of
// a worker's sandbox, whose tasks choose their own names (comm), spaces and parentheses included.
#include "grid/sandboxprocesses.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char*>(data), qsizetype(size));
    const pvc::core::ProcessStat stat = pvc::core::ProcessStat::parse(text);
    if (stat.pid < 0 || (stat.pid > 0 && stat.name.size() > text.size())) {
        std::fprintf(stderr, "fuzz_procstat: invariant broken: a parsed line gave pid %lld\n", qlonglong(stat.pid));
        std::abort();
    }
    return 0;
}
