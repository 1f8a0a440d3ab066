#include "natpeers.h"

#include <QThread>
#include <vector>

using namespace natlab;

NatPeers::Peers NatPeers::observe(LabGrid& grid)
{
    QHash<QString, QHash<QString, QJsonObject>> all;
    for (const QString& node : allMembers())
        for (const QJsonValue& value : grid.peers(node))
            all[node].insert(str(value.toObject(), "name"), value.toObject());
    return all;
}

QString NatPeers::cell(
    const QHash<QString, QHash<QString, QJsonObject>>& peers, const QString& node, const QString& other)
{
    const QJsonObject peer = peers.value(node).value(other);
    if (peer.isEmpty())
        return QStringLiteral("(unknown)");
    // "direct/udp-punch", or "relay/udp" / "relay/tcp" (the broker's UDP relay, or the peer session's TCP relay).
    const QString path = str(peer, "path");
    const QString how = path == QLatin1String("relay") ? str(peer, "relay") : str(peer, "technique");
    return path + QLatin1Char('/') + (how.isEmpty() ? QStringLiteral("-") : how);
}

bool NatPeers::bothOn(const QHash<QString, QHash<QString, QJsonObject>>& peers, const Pair& pair, const QString& path)
{
    return str(peers.value(pair.left).value(pair.right), "path") == path
        && str(peers.value(pair.right).value(pair.left), "path") == path;
}

void PairTransfers::run(QList<Pair>& pairs, const QString& source)
{
    struct Job {
        qsizetype pair;
        bool back;
        std::unique_ptr<LabTransfer> transfer;
    };
    QList<std::pair<qsizetype, bool>> queue;
    for (qsizetype i = 0; i < pairs.size(); ++i)
        queue << std::pair { i, false } << std::pair { i, true };
    std::vector<Job> running;
    while (!queue.isEmpty() || !running.empty()) {
        while (!queue.isEmpty() && running.size() < size_t(parallelTransfers)) {
            const auto [index, back] = queue.takeFirst();
            Pair& pair = pairs[index];
            auto transfer = back ? m_grid.startTransfer(pair.right, pair.left, source)
                                 : m_grid.startTransfer(pair.left, pair.right, source);
            if (transfer)
                running.push_back({ index, back, std::move(transfer) });
            else
                (back ? pair.back : pair.there).error = m_grid.error();
        }
        // Polled in turn rather than waited for in order, so that each one's time is its own.
        for (auto it = running.begin(); it != running.end();) {
            if (it->transfer->poll() || it->transfer->elapsedMs() > 60000) {
                Pair& pair = pairs[it->pair];
                (it->back ? pair.back : pair.there) = it->transfer->wait(0);
                it = running.erase(it);
            } else {
                ++it;
            }
        }
        QThread::msleep(10);
    }
}

QString NatPeers::text(const QList<Pair>& pairs, const Peers& peers)
{
    // Cell (row, column): the technique and path of the column's member as the row's member sees it.
    QHash<QPair<int, int>, QString> cells;
    for (const Pair& pair : pairs) {
        cells.insert({ pair.row, pair.column }, cell(peers, pair.left, pair.right));
        if (pair.row != pair.column)
            cells.insert({ pair.column, pair.row }, cell(peers, pair.right, pair.left));
    }
    constexpr int width = 18;
    QString text = QStringLiteral("path/technique of the column's member as the row's member sees it\n\n");
    text += QStringLiteral("%1").arg(QString(), -11);
    for (const Kind& kind : kinds)
        text += QStringLiteral("%1").arg(kind.name, -width);
    text += QLatin1Char('\n');
    for (int row = 0; row < kinds.size(); ++row) {
        text += QStringLiteral("%1").arg(kinds[row].name, -11);
        for (int column = 0; column < kinds.size(); ++column)
            text += QStringLiteral("%1").arg(cells.value({ row, column }), -width);
        text += QLatin1Char('\n');
    }
    text += QStringLiteral("\nPairs (path/technique as each side sees the other; rtt; %1 KiB each way):\n")
                .arg(matrixBytes / 1024);
    for (const Pair& pair : pairs) {
        const auto rtt = [&](const QString& node, const QString& other) {
            const QJsonValue value = peers.value(node).value(other).value(QLatin1String("tunnel_rtt_ms"));
            return value.isDouble() ? QStringLiteral("%1 ms").arg(value.toDouble(), 0, 'f', 2) : QStringLiteral("-");
        };
        const auto outcome = [](const TransferResult& r) {
            return r.ok() ? QStringLiteral("%1 s").arg(r.seconds, 0, 'f', 2) : QStringLiteral("FAILED");
        };
        text += QStringLiteral("  %1 %2 - %3 %4: %5 (%6) | %7 (%8) | transfers %9, %10%11\n")
                    .arg(kinds[pair.row].name, pair.left, kinds[pair.column].name, pair.right,
                        cell(peers, pair.left, pair.right), rtt(pair.left, pair.right),
                        cell(peers, pair.right, pair.left), rtt(pair.right, pair.left), outcome(pair.there))
                    .arg(outcome(pair.back), pair.expectDirect ? QStringLiteral("; must be direct") : QString());
    }
    return text;
}
