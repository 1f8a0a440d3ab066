#include "common/clock.h"

#include <chrono>

namespace pvc::core {

namespace {
class SteadyClock final : public Clock {
public:
    qint64 nowMs() const override
    {
        // steady_clock is CLOCK_MONOTONIC on Linux: it never jumps with the wall clock.
        const auto since = std::chrono::steady_clock::now().time_since_epoch();
        return std::chrono::duration_cast<std::chrono::milliseconds>(since).count();
    }
};
} // namespace

const Clock& Clock::steady()
{
    static const SteadyClock clock;
    return clock;
}

} // namespace pvc::core
