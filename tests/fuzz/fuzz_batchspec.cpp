// Fuzz target for batch descriptions (core/batch/batchspec.h): an admin's file, but also whatever a
// careless script writes. It must parse or be refused with the field named; a parsed one holds its limits.
#include "batch/batchspec.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray json(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto spec = pvc::core::BatchSpec::parse(json, QStringLiteral("/nonexistent-pvc-fuzz"));
    if (!spec.ok()) {
        if (spec.error().code != QLatin1String("batch.bad_description") || spec.error().detail.isEmpty()) {
            std::fprintf(stderr, "fuzz_batchspec: a refusal without its reason\n");
            std::abort();
        }
        return 0;
    }
    const auto& c = spec->certification;
    if (spec->tasks.isEmpty() || c.quorum < 1 || c.maxReplicas < c.quorum
        || c.maxReplicas > pvc::core::BatchSpec::MaxReplicas) {
        std::fprintf(stderr, "fuzz_batchspec: invariant broken: a parsed batch outside its limits\n");
        std::abort();
    }
    for (const auto& task : spec->tasks)
        if (task.outputs.isEmpty() || task.command.isEmpty()) {
            std::fprintf(stderr, "fuzz_batchspec: invariant broken: a task without outputs or command\n");
            std::abort();
        }
    return 0;
}
