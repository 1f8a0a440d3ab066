#include "tunnel/replaywindow.h"

#include <QRandomGenerator>
#include <QTest>
#include <limits>
#include <set>

using namespace pvc::core;

namespace {

// Accepts a counter through the window as the tunnel does: check, (decrypt), update.
bool accept(ReplayWindow& window, std::uint64_t counter)
{
    if (!window.check(counter))
        return false;
    return window.update(counter);
}

} // namespace

class TestReplayWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void inOrder()
    {
        ReplayWindow window;
        for (std::uint64_t counter = 0; counter < 10000; ++counter)
            QVERIFY2(accept(window, counter), qPrintable(QString::number(counter)));
        for (std::uint64_t counter = 10000 - 2048; counter < 10000; ++counter)
            QVERIFY2(!window.check(counter), qPrintable(QString::number(counter)));
    }

    void duplicateRefused()
    {
        ReplayWindow window;
        QVERIFY(accept(window, 0));
        QVERIFY(!accept(window, 0));
        QVERIFY(accept(window, 1));
        QVERIFY(!accept(window, 1));
        QVERIFY(!window.update(1)); // update() checks as well
    }

    void checkDoesNotRecord()
    {
        ReplayWindow window;
        QVERIFY(window.check(42));
        QVERIFY(window.check(42)); // a forged packet that fails to decrypt leaves no trace
        QVERIFY(window.update(42));
        QVERIFY(!window.check(42));
    }

    void outOfOrderWithinWindow()
    {
        ReplayWindow window;
        QVERIFY(accept(window, 3000));
        for (std::uint64_t counter = 2999; counter > 3000 - 2048; --counter)
            QVERIFY2(accept(window, counter), qPrintable(QString::number(counter)));
        for (std::uint64_t counter = 3000 - 2047; counter <= 3000; ++counter)
            QVERIFY2(!window.check(counter), qPrintable(QString::number(counter)));
        // Holes stay fillable: skip one, accept the rest, then the hole.
        QVERIFY(accept(window, 3002));
        QVERIFY(accept(window, 3001));
        QVERIFY(!accept(window, 3001));
    }

    void tooOldRefused()
    {
        ReplayWindow window;
        QVERIFY(accept(window, 5000));
        // The window is the 2048 counters ending at the highest seen.
        QVERIFY(window.check(5000 - 2047));
        QVERIFY(!window.check(5000 - 2048));
        QVERIFY(!window.check(0));
        QVERIFY(!accept(window, 100));
    }

    void bigJump()
    {
        ReplayWindow window;
        for (std::uint64_t counter = 0; counter < 100; ++counter)
            QVERIFY(accept(window, counter));
        const std::uint64_t far = 1'000'000'000'000ULL;
        QVERIFY(accept(window, far));
        QVERIFY(!window.check(99));
        QVERIFY(!window.check(far));
        // Everything just below the jump is new, none of it left over from before.
        QVERIFY(accept(window, far - 1));
        QVERIFY(accept(window, far - 2047));
        QVERIFY(!window.check(far - 2048));
        // A jump by less than the ring, across its end: the stale bits are cleared.
        QVERIFY(accept(window, far + 4000));
        for (std::uint64_t counter = far + 4000 - 2047; counter < far + 4000; ++counter)
            QVERIFY2(window.check(counter), qPrintable(QString::number(counter - far)));
    }

    void extremes()
    {
        ReplayWindow window;
        QVERIFY(!window.check(std::numeric_limits<std::uint64_t>::max()));
        QVERIFY(accept(window, std::numeric_limits<std::uint64_t>::max() - 1));
        QVERIFY(!window.check(std::numeric_limits<std::uint64_t>::max() - 1));
        window.reset();
        QVERIFY(accept(window, 0));
    }

    // Against a model that remembers every counter: the window must agree for every counter
    // within it, and refuse everything older.
    void matchesModel()
    {
        ReplayWindow window;
        std::set<std::uint64_t> seen;
        std::uint64_t top = 0;
        bool any = false;
        QRandomGenerator random(1234);
        for (int i = 0; i < 200000; ++i) {
            std::uint64_t counter;
            const int kind = random.bounded(10);
            if (kind < 6) // near the top, ahead or behind
                counter = top + 64 > 2100 ? top + 64 - random.bounded(2100) : random.bounded(2100);
            else if (kind < 9) // a replay of something recent
                counter = top > 3000 ? top - random.bounded(3000) : random.bounded(3000);
            else // a jump
                counter = top + random.bounded(5000);
            const bool fresh = !any || counter > top || (top - counter < 2048 && !seen.count(counter));
            QCOMPARE(window.check(counter), fresh);
            if (fresh && random.bounded(4) != 0) { // some never authenticate
                QVERIFY(window.update(counter));
                seen.insert(counter);
                if (!any || counter > top)
                    top = counter;
                any = true;
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestReplayWindow)
#include "tst_replaywindow.moc"
