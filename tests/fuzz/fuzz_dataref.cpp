// Fuzz target for pvc-data: references (core/data/dataref.h): they come from batch files, the command line
// and other members. What parses must print back to the same text and parse to the same reference.
#include "data/dataref.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto ref = pvc::core::DataRef::parse(text);
    if (ref.ok()) {
        const auto again = pvc::core::DataRef::parse(ref->toString());
        if (!again.ok() || !(again.value() == ref.value()) || ref->infoHash.size() != 20) {
            std::fprintf(stderr, "fuzz_dataref: invariant broken: a parsed reference does not round-trip\n");
            std::abort();
        }
    }
    return 0;
}
