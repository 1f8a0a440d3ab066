#pragma once

#include "natlab.h"

// What the NAT grid's members see of each other, from `pvc peers --json`: each peer's path and technique,
// and the matrix printed from them.
class NatPeers {
public:
    using Peers = QHash<QString, QHash<QString, QJsonObject>>; // by member, then by peer name

    // `pvc peers --json` of every member.
    static Peers observe(LabGrid& grid);
    // "path/technique" (or "relay/udp", "relay/tcp") of `other` as `node` sees it.
    static QString cell(const Peers& peers, const QString& node, const QString& other);
    static bool bothOn(const Peers& peers, const natlab::Pair& pair, const QString& path);
    // The 6x6 matrix of cells, then one line per pair with both views, round trips and transfer times.
    static QString text(const QList<natlab::Pair>& pairs, const Peers& peers);
};

// Both transfers of every pair of the matrix, at most natlab::parallelTransfers at once; each one's result
// goes into its pair.
class PairTransfers {
public:
    explicit PairTransfers(LabGrid& grid)
        : m_grid(grid)
    {
    }
    void run(QList<natlab::Pair>& pairs, const QString& source);

private:
    LabGrid& m_grid;
};
