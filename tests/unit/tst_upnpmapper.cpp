// UpnpMapper's decisions against a scripted IGD (UpnpIgd): which port it takes, which stale mappings
// it removes, when it renews and maps again, and that stop() is bounded. The real router is in
// tests/lab/tst_upnp.cpp.
#include "connectivity/upnpigd.h"
#include "connectivity/upnpmapper.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>
#include <condition_variable>
#include <mutex>

using pvc::core::Result;
using pvc::core::UpnpIgd;
using pvc::core::UpnpMapper;
using namespace std::chrono_literals;

namespace {

const QHostAddress lan(QStringLiteral("198.19.9.2"));
const QHostAddress neighbour(QStringLiteral("198.19.9.3"));
const QHostAddress wan(QStringLiteral("198.18.0.99"));
const QString ours = QStringLiteral("pvc unit-host");

// The router's side, shared between the test and the mapper's worker thread.
struct FakeRouter {
    std::mutex mutex;
    std::condition_variable released;
    bool present = true; // answers SSDP
    bool reachable = true; // answers SOAP
    bool igd2 = true; // has AddAnyPortMapping
    bool permanentOnly = false;
    bool holdDeletes = false; // DeletePortMapping blocks until cleared
    int adds = 0;
    QList<qint64> addTimesMs; // steady clock, one per add
    QList<UpnpIgd::Entry> table;

    UpnpIgd::Entry* find(quint16 port)
    {
        for (UpnpIgd::Entry& entry : table)
            if (entry.externalPort == port)
                return &entry;
        return nullptr;
    }
    QList<UpnpIgd::Entry> snapshot()
    {
        std::lock_guard lock(mutex);
        return table;
    }
    void set(bool FakeRouter::*flag, bool value)
    {
        std::lock_guard lock(mutex);
        this->*flag = value;
        released.notify_all();
    }
};

UpnpIgd::Entry entry(quint16 port, const QHostAddress& client, const QString& description)
{
    return { port, QStringLiteral("UDP"), client, port, description, 3600 };
}

class FakeIgd final : public UpnpIgd {
public:
    explicit FakeIgd(std::shared_ptr<FakeRouter> router)
        : m_router(std::move(router))
    {
    }

    Result<QHostAddress> discover(int) override
    {
        std::lock_guard lock(m_router->mutex);
        if (!m_router->present)
            return pvc::core::makeError("upnp.no_igd", QStringLiteral("nothing answered"));
        return lan;
    }
    int externalAddress(QHostAddress* address) override
    {
        std::lock_guard lock(m_router->mutex);
        if (!m_router->reachable)
            return -3;
        *address = wan;
        return 0;
    }
    int addPortMapping(quint16 externalPort, const QHostAddress& client, quint16 internalPort,
        const QString& description, int leaseSeconds) override
    {
        std::lock_guard lock(m_router->mutex);
        return add(externalPort, client, internalPort, description, leaseSeconds);
    }
    int addAnyPortMapping(quint16 externalPort, const QHostAddress& client, quint16 internalPort,
        const QString& description, int leaseSeconds, quint16* reservedPort) override
    {
        std::lock_guard lock(m_router->mutex);
        if (!m_router->reachable)
            return -3;
        if (!m_router->igd2)
            return 401; // Invalid Action
        quint16 port = externalPort;
        while (m_router->find(port))
            ++port;
        *reservedPort = port;
        return add(port, client, internalPort, description, leaseSeconds);
    }
    int deletePortMapping(quint16 externalPort, const QString&) override
    {
        std::unique_lock lock(m_router->mutex);
        m_router->released.wait(lock, [this] { return !m_router->holdDeletes; });
        if (!m_router->reachable)
            return -3;
        const qsizetype removed
            = m_router->table.removeIf([&](const UpnpIgd::Entry& e) { return e.externalPort == externalPort; });
        return removed ? 0 : NoSuchEntryInArray;
    }
    int specificEntry(quint16 externalPort, const QString&, Entry* result) override
    {
        std::lock_guard lock(m_router->mutex);
        if (!m_router->reachable)
            return -3;
        const Entry* found = m_router->find(externalPort);
        if (!found)
            return NoSuchEntryInArray;
        *result = *found;
        return 0;
    }
    int genericEntry(int index, Entry* result) override
    {
        std::lock_guard lock(m_router->mutex);
        if (!m_router->reachable)
            return -3;
        if (index >= m_router->table.size())
            return SpecifiedArrayIndexInvalid;
        *result = m_router->table.at(index);
        return 0;
    }

private:
    int add(quint16 port, const QHostAddress& client, quint16 internalPort, const QString& description, int lease)
    {
        if (!m_router->reachable)
            return -3;
        if (m_router->permanentOnly && lease != 0)
            return OnlyPermanentLeasesSupported;
        Entry* existing = m_router->find(port);
        if (existing && existing->internalClient != client)
            return ConflictInMappingEntry;
        ++m_router->adds;
        m_router->addTimesMs << QDeadlineTimer::current().deadline();
        const Entry added { port, QStringLiteral("UDP"), client, internalPort, description, lease };
        if (existing)
            *existing = added;
        else
            m_router->table.append(added);
        return 0;
    }

    std::shared_ptr<FakeRouter> m_router;
};

} // namespace

class TstUpnpMapper : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() { m_router = std::make_shared<FakeRouter>(); }

    void mapsTheSamePortAndDeletesItOnStop();
    void removesOnlyOurStaleMappings();
    void takesAnotherPortOnConflict();
    void findsAFreePortOnAnIgd1();
    void acceptsPermanentOnlyRouters();
    void renewsAtHalfTheLease();
    void mapsTheSamePortAgainWhenTheRouterLosesIt();
    void reportsAnotherPortWhenTheOldOneWasTaken();
    void reportsNoIgd();
    void survivesARouterThatStopsAnswering();
    void stopIsBoundedWhenTheRouterHangs();
    void descriptionIsPlainAscii();

private:
    std::unique_ptr<UpnpMapper> makeMapper(int leaseSeconds = 3600)
    {
        UpnpMapper::Tuning tuning;
        tuning.makeIgd = [router = m_router] { return std::make_unique<FakeIgd>(router); };
        tuning.requestedLeaseSeconds = leaseSeconds;
        tuning.checkInterval = 100ms;
        tuning.firstRetry = 100ms;
        tuning.lastRetry = 200ms;
        return std::make_unique<UpnpMapper>(ours, tuning);
    }
    static QString state(const UpnpMapper& mapper)
    {
        return mapper.statusJson().value(QLatin1String("state")).toString();
    }

    std::shared_ptr<FakeRouter> m_router;
};

void TstUpnpMapper::mapsTheSamePortAndDeletesItOnStop()
{
    auto mapper = makeMapper();
    QSignalSpy changed(mapper.get(), &UpnpMapper::mappingChanged);
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    QCOMPARE(changed.count(), 1);
    const UpnpMapper::Mapping mapping = *mapper->mapping();
    QCOMPARE(mapping.externalAddress, wan);
    QCOMPARE(mapping.externalPort, quint16(5000));
    QCOMPARE(mapping.internalAddress, lan);
    QCOMPARE(mapping.internalPort, quint16(5000));
    QCOMPARE(mapping.leaseSeconds, 3600);
    const QJsonObject status = mapper->statusJson();
    QCOMPARE(status.value(QLatin1String("external")).toString(), QStringLiteral("198.18.0.99:5000"));
    QCOMPARE(status.value(QLatin1String("lease_s")).toInt(), 3600);
    QCOMPARE(status.value(QLatin1String("error")).toString(), QString());
    const QList<UpnpIgd::Entry> table = m_router->snapshot();
    QCOMPARE(table.size(), 1);
    QCOMPARE(table[0].description, ours);
    QCOMPARE(table[0].internalClient, lan);

    mapper->stop();
    QCOMPARE(m_router->snapshot().size(), 0);
    QCOMPARE(state(*mapper), QStringLiteral("off"));
    QVERIFY(!mapper->mapping());
    QCOMPARE(changed.count(), 2);
}

void TstUpnpMapper::removesOnlyOurStaleMappings()
{
    m_router->table = { entry(6000, lan, ours), entry(6001, neighbour, ours), entry(6002, lan, QStringLiteral("app")) };
    auto mapper = makeMapper();
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    QList<quint16> ports;
    for (const UpnpIgd::Entry& e : m_router->snapshot())
        ports << e.externalPort;
    std::sort(ports.begin(), ports.end());
    QCOMPARE(ports, (QList<quint16> { 5000, 6001, 6002 }));
}

void TstUpnpMapper::takesAnotherPortOnConflict()
{
    m_router->table = { entry(5000, neighbour, QStringLiteral("game")) };
    auto mapper = makeMapper();
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    QCOMPARE(mapper->mapping()->externalPort, quint16(5001));
    QCOMPARE(mapper->mapping()->internalPort, quint16(5000));
}

void TstUpnpMapper::findsAFreePortOnAnIgd1()
{
    m_router->igd2 = false;
    m_router->table = { entry(5000, neighbour, QStringLiteral("game")) };
    auto mapper = makeMapper();
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    QVERIFY(mapper->mapping()->externalPort >= 20000 && mapper->mapping()->externalPort < 60000);
    QCOMPARE(m_router->snapshot().size(), 2);
}

void TstUpnpMapper::acceptsPermanentOnlyRouters()
{
    m_router->permanentOnly = true;
    auto mapper = makeMapper();
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    QCOMPARE(mapper->mapping()->leaseSeconds, 0);
    QCOMPARE(mapper->statusJson().value(QLatin1String("lease_s")).toInt(), 0);
}

void TstUpnpMapper::renewsAtHalfTheLease()
{
    auto mapper = makeMapper(2); // a 2 s lease: renewed every second
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    // Waits for the renewals themselves, not for a time in which some should have come (load, ASan).
    const auto adds = [this] {
        std::lock_guard lock(m_router->mutex);
        return m_router->adds;
    };
    QTRY_VERIFY_WITH_TIMEOUT(adds() >= 4, 15000);
    std::lock_guard lock(m_router->mutex);
    for (qsizetype i = 1; i < 4; ++i) {
        const qint64 gap = m_router->addTimesMs.at(i) - m_router->addTimesMs.at(i - 1);
        // At half the lease: not early (a tight loop), and well before the lease ends.
        QVERIFY2(gap >= 800 && gap < 2000,
            qPrintable(QStringLiteral("renewal %1 came %2 ms after the last").arg(i).arg(gap)));
    }
}

void TstUpnpMapper::mapsTheSamePortAgainWhenTheRouterLosesIt()
{
    auto mapper = makeMapper();
    QSignalSpy changed(mapper.get(), &UpnpMapper::mappingChanged);
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    {
        std::lock_guard lock(m_router->mutex);
        m_router->table.clear();
    }
    QTRY_COMPARE(m_router->snapshot().size(), 1);
    QCOMPARE(m_router->snapshot().at(0).externalPort, quint16(5000));
    QTest::qWait(300);
    QCOMPARE(changed.count(), 1); // the same endpoint: nothing for peers to learn
}

void TstUpnpMapper::reportsAnotherPortWhenTheOldOneWasTaken()
{
    auto mapper = makeMapper();
    QSignalSpy changed(mapper.get(), &UpnpMapper::mappingChanged);
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    {
        std::lock_guard lock(m_router->mutex);
        m_router->table = { entry(5000, neighbour, QStringLiteral("game")) };
    }
    QTRY_COMPARE(changed.count(), 2);
    QCOMPARE(mapper->mapping()->externalPort, quint16(5001));
    QCOMPARE(state(*mapper), QStringLiteral("mapped"));
}

void TstUpnpMapper::reportsNoIgd()
{
    m_router->present = false;
    auto mapper = makeMapper();
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("unavailable"));
    QCOMPARE(mapper->statusJson().value(QLatin1String("error")).toString(), QStringLiteral("upnp.no_igd"));
    QCOMPARE(mapper->statusJson().value(QLatin1String("external")).toString(), QString());
    m_router->set(&FakeRouter::present, true); // a router that comes up later is found on a retry
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
}

void TstUpnpMapper::survivesARouterThatStopsAnswering()
{
    auto mapper = makeMapper();
    QSignalSpy changed(mapper.get(), &UpnpMapper::mappingChanged);
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    m_router->set(&FakeRouter::reachable, false);
    QTRY_COMPARE(state(*mapper), QStringLiteral("unavailable"));
    QCOMPARE(mapper->statusJson().value(QLatin1String("error")).toString(), QStringLiteral("upnp.igd_unreachable"));
    QVERIFY(!mapper->mapping());
    QCOMPARE(changed.count(), 2);
    m_router->set(&FakeRouter::reachable, true);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    QCOMPARE(changed.count(), 3);
    QCOMPARE(m_router->snapshot().size(), 1); // the earlier mapping was reclaimed, not doubled
}

void TstUpnpMapper::stopIsBoundedWhenTheRouterHangs()
{
    auto mapper = makeMapper();
    mapper->start(5000);
    QTRY_COMPARE(state(*mapper), QStringLiteral("mapped"));
    m_router->set(&FakeRouter::holdDeletes, true);
    QElapsedTimer timer;
    timer.start();
    mapper->stop();
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(elapsed >= 3500 && elapsed < 5000, qPrintable(QString::number(elapsed)));
    QCOMPARE(state(*mapper), QStringLiteral("off"));
    // The abandoned worker still deletes the mapping once the router answers.
    m_router->set(&FakeRouter::holdDeletes, false);
    QTRY_COMPARE(m_router->snapshot().size(), 0);
}

void TstUpnpMapper::descriptionIsPlainAscii()
{
    UpnpMapper mapper(QStringLiteral("pvc <b>&\u00e9t\u00e9 host.name_1-x"));
    QCOMPARE(mapper.description(), QStringLiteral("pvc _b___t_ host.name_1-x"));
    QCOMPARE(UpnpMapper(QString(100, QLatin1Char('a'))).description().size(), 60);
}

QTEST_GUILESS_MAIN(TstUpnpMapper)
#include "tst_upnpmapper.moc"
