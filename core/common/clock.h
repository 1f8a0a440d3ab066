#pragma once

#include <QtGlobal>

namespace pvc::core {

// Milliseconds on a monotonic clock, for timeouts and path timers: an NTP step of the wall clock
// never fires them. Code that times something takes a Clock&, so tests can drive time by hand.
class Clock {
public:
    virtual ~Clock() = default;
    virtual qint64 nowMs() const = 0;

    // CLOCK_MONOTONIC, through std::chrono::steady_clock; the one every daemon uses.
    static const Clock& steady();
};

} // namespace pvc::core
