#pragma once

#include <array>
#include <cstdint>

// Anti-replay for the counters of one receive key: a sliding window over the last 2048 counters,
// kept as a ring of 64-bit blocks (RFC 6479), so that a jump ahead clears whole blocks instead of
// shifting the bitmap bit by bit.
//
// check() is cheap and runs before decryption; update() runs only after the packet authenticated,
// so a forged counter can never move the window.
namespace pvc::core {

class ReplayWindow {
public:
    static constexpr std::uint64_t WindowSize = 2048;

    // True when the counter is new: above everything seen, or within the window and not seen yet.
    bool check(std::uint64_t counter) const;
    // Records an authenticated counter. Returns false (and changes nothing) if check() fails.
    bool update(std::uint64_t counter);
    void reset();

private:
    static constexpr int BlockBits = 64;
    // A power of two, and one block more than the window needs, so the block being refilled
    // never holds bits still inside the window (RFC 6479 section 2).
    static constexpr std::uint64_t Blocks = 64;
    static_assert((Blocks - 1) * BlockBits >= WindowSize);

    std::array<std::uint64_t, Blocks> m_bitmap {};
    std::uint64_t m_next = 0; // highest counter seen + 1; 0 means nothing seen yet
};

} // namespace pvc::core
