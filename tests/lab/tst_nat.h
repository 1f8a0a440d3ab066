// The NAT grid test's class (tst_nat.cpp, tst_nat_tcpupnp.cpp); its data in natlab.h, what the members see of
// each other in natpeers.h.
#pragma once

#include "natlab.h"
#include "natpeers.h"

using namespace natlab;

class TstNat : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void cleanupTestCase();

    void matrix();
    void brokerKilled();
    void pathUpgrades();
    void pathFallsBack();
    void traversingTcp();
    void upnpCleansUp();

private:
    // Polls both sides until each sees the other on `path`; the elapsed ms, or -1.
    qint64 waitForBoth(const QString& a, const QString& b, const QString& path, int timeoutMs);
    // Waits until at least `bytes` of the transfer have arrived.
    static bool waitForBytes(const LabTransfer& transfer, qint64 bytes, int timeoutMs);

    std::unique_ptr<LabNetwork> m_lab;
    std::unique_ptr<LabGrid> m_grid;
    QString m_matrixSource;
    QString m_slowSource;
};
