#include "tunnel/replaywindow.h"

#include <algorithm>
#include <limits>

namespace pvc::core {

bool ReplayWindow::check(std::uint64_t counter) const
{
    // The top value cannot be represented as "highest + 1"; no sender gets near it (it rekeys).
    if (counter == std::numeric_limits<std::uint64_t>::max())
        return false;
    if (counter >= m_next)
        return true;
    if (m_next - counter > WindowSize)
        return false; // too old: older than the window's lower edge
    const std::uint64_t block = (counter / BlockBits) % Blocks;
    return !(m_bitmap[block] & (std::uint64_t(1) << (counter % BlockBits)));
}

bool ReplayWindow::update(std::uint64_t counter)
{
    if (!check(counter))
        return false;
    if (counter >= m_next) {
        // Clear the blocks the top slides into, at most the whole ring (a big jump). A reset ring is
        // already clear.
        if (m_next != 0) {
            const std::uint64_t top = (m_next - 1) / BlockBits;
            const std::uint64_t steps = std::min(counter / BlockBits - top, Blocks);
            for (std::uint64_t i = 1; i <= steps; ++i)
                m_bitmap[(top + i) % Blocks] = 0;
        }
        m_next = counter + 1;
    }
    m_bitmap[(counter / BlockBits) % Blocks] |= std::uint64_t(1) << (counter % BlockBits);
    return true;
}

void ReplayWindow::reset()
{
    m_bitmap.fill(0);
    m_next = 0;
}

} // namespace pvc::core
