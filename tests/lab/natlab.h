// The NAT grid test's data (tst_nat.cpp, tst_nat_tcpupnp.cpp): the kinds of network, the matrix's pairs and
// what each must end on, and the bounds.
#pragma once

#include "labcut.h"
#include "labgrid.h"
#include "labshaper.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QStandardPaths>
#include <QTest>
#include <QThread>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <memory>

using pvc::test::LabCut;
using pvc::test::LabGrid;
using pvc::test::LabNetwork;
using pvc::test::LabShaper;
using pvc::test::LabTransfer;
using pvc::test::RunResult;
using pvc::test::TransferResult;

using namespace Qt::StringLiterals;

namespace natlab {

struct Kind {
    QString name;
    QStringList members;
};

// The order of the matrix's rows and columns.
inline const QList<Kind> kinds {
    { QStringLiteral("public"), { QStringLiteral("pub1"), QStringLiteral("pub2") } },
    { QStringLiteral("firewall"), { QStringLiteral("hfw1"), QStringLiteral("hfw2") } },
    { QStringLiteral("cone"), { QStringLiteral("hcone1"), QStringLiteral("hcone2") } },
    { QStringLiteral("symmetric"), { QStringLiteral("hsym1"), QStringLiteral("hsym2") } },
    { QStringLiteral("upnp"), { QStringLiteral("hupnp1"), QStringLiteral("hupnp2") } },
    { QStringLiteral("noudp"), { QStringLiteral("hnoudp1"), QStringLiteral("hnoudp2") } },
};
inline const QStringList brokers { QStringLiteral("broker1"), QStringLiteral("broker2") };
inline const QStringList upnpRouters { QStringLiteral("rupnp1"), QStringLiteral("rupnp2") };
inline const QString allowAll
    = QStringLiteral(R"({"format":"pvc-policy-1","rules":[{"from":"any","to":"any","proto":"any","ports":"any"}]})");
inline const QString direct = QStringLiteral("direct");
inline const QString relay = QStringLiteral("relay");

inline constexpr qint64 matrixBytes = 256 * 1024; // each way, for each pair
inline constexpr int parallelTransfers = 4;
inline constexpr int settleMs = 30000; // for every pair that can be direct to be direct, after the transfers
inline constexpr qint64 slowBytes = 3 * 1024 * 1024; // at slowRate: about 13 s
inline const QString slowRate = QStringLiteral("2mbit");
inline constexpr qint64 upgradeBoundMs = 10000;
inline constexpr qint64 fallbackPathBoundMs = 10000;
inline constexpr qint64 fallbackFlowBoundMs = 15000;

inline QString str(const QJsonObject& object, const char* key)
{
    return object.value(QLatin1String(key)).toString();
}

inline QStringList allMembers()
{
    QStringList nodes;
    for (const Kind& kind : kinds)
        nodes << kind.members;
    return nodes;
}

// One cell of the matrix: two kinds, and the member of each that carries their transfer.
struct Pair {
    int row = 0;
    int column = 0;
    QString left;
    QString right;
    QString expected; // "direct/upnp", "relay/tcp": expectedCells
    bool expectDirect = false;
    TransferResult there; // left -> right
    TransferResult back; // right -> left
};

// What each pair of kinds must end on, path and technique, as both members see each other (docs/connectivity.md):
// written out, not derived, so that a broken technique cannot hide behind another one (were UPnP broken, the upnp
// pairs would still be direct, by punching). Rows and columns in the order of `kinds`.
inline const QString expectedCells[6][6] = {
    // public, firewall, cone, symmetric, upnp, noudp
    { u"direct/public"_s, u"direct/public"_s, u"direct/public"_s, u"direct/public"_s, u"direct/public"_s,
        u"direct/tcp-punch"_s }, // public
    { u"direct/public"_s, u"direct/public"_s, u"direct/public"_s, u"direct/udp-punch"_s, u"direct/public"_s,
        u"direct/tcp-punch"_s }, // firewall
    { u"direct/public"_s, u"direct/public"_s, u"direct/udp-punch"_s, u"direct/udp-punch"_s, u"direct/upnp"_s,
        u"direct/tcp-punch"_s }, // cone
    { u"direct/public"_s, u"direct/udp-punch"_s, u"direct/udp-punch"_s, u"relay/udp"_s, u"direct/upnp"_s,
        u"relay/tcp"_s }, // symmetric
    { u"direct/public"_s, u"direct/public"_s, u"direct/upnp"_s, u"direct/upnp"_s, u"direct/upnp"_s,
        u"direct/tcp-punch"_s }, // upnp
    { u"direct/tcp-punch"_s, u"direct/tcp-punch"_s, u"direct/tcp-punch"_s, u"relay/tcp"_s, u"direct/tcp-punch"_s,
        u"direct/tcp-punch"_s }, // noudp
};

inline QList<Pair> matrixPairs()
{
    QList<Pair> pairs;
    for (int i = 0; i < kinds.size(); ++i) {
        for (int j = i; j < kinds.size(); ++j) {
            Pair pair;
            pair.row = i;
            pair.column = j;
            // Same kind: its two members. Otherwise alternate the members, so that each one has several peers.
            pair.left = kinds[i].members[i == j ? 0 : j % 2];
            pair.right = kinds[j].members[i == j ? 1 : i % 2];
            pair.expected = expectedCells[i][j];
            pair.expectDirect = pair.expected.startsWith(QLatin1String("direct/"));
            pairs << pair;
        }
    }
    return pairs;
}

// Dead, or a zombie: miniupnpd is started by lab.sh in the background, so init, not this process, reaps it.
inline bool processGone(qint64 pid)
{
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
        return true;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    const QByteArray text = stat.open(QIODevice::ReadOnly) ? stat.readAll() : QByteArray();
    const qsizetype name = text.lastIndexOf(')'); // "pid (comm) state ..."
    return name >= 0 && text.mid(name + 1).trimmed().startsWith('Z');
}

inline bool writeFile(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

} // namespace natlab
