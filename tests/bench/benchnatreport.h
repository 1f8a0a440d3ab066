#pragma once

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>

namespace pvc::bench {

// One pair of tests/bench/bench_nat.cpp: `stable` stays up, `newcomer` gets a new pvcd for every run.
struct Technique {
    QString name;
    QString stable;
    QString newcomer;
    bool expectDirect = false;
    bool underlay = false; // the newcomer can reach the stable member's own address
};

// One run: times in ms after the newcomer's pvcd was started, -1 when it did not happen.
struct Sample {
    QString error;
    double ttfbMs = -1;
    double directMs = -1; // both sides show `direct` in `pvc peers`
    double directStableMs = -1;
    double directNewcomerMs = -1;
    QString path; // as the stable member sees the newcomer at the end
    QString technique;
    QString newcomerTechnique;
    QString relay;
    double tunnelRttMs = -1;
    double tunnelConnectUs = -1; // fresh TCP connection and one byte each way, median of 20
    int tunnelConnectFailed = 0; // of those 20: no answer within 1 s
    double underlayConnectUs = -1;
    double referenceConnectUs = -1; // to a public host that is no member (the reference), in turn with the above
    // From the pvcd logs: started, tun, broker, session, tunnel, direct (the newcomer's), and the same prefixed with
    // "other " for the stable member's.
    QMap<QString, double> milestones;
};

// A fresh connection with one byte each way, to one "HOST:PORT", repeated.
struct ConnectFigure {
    double medianUs = -1;
    int failed = 0;
};
using ConnectFigures = QHash<QString, ConnectFigure>;

// One path of one throughput round.
struct PathFigures {
    QString label;
    QString path; // as `pvc peers` shows it on the client: direct, relay/udp, relay/tcp
    QString error;
    double mbits = -1;
    int retransmits = -1;
    double daemonCpu = -1; // both pvcds, % of one CPU during iperf3
    double brokerCpu = -1; // both brokers
    double connectUs = -1;
    double referenceConnectUs = -1; // to the reference host over the underlay, in turn with connectUs
    double tunnelRttMs = -1;
    QList<qint64> brokerPids;
};

// Milestones of a pvcd log (started, tun, broker, and session, tunnel and direct with `peer`), in ms after startWallMs,
// into `out` under prefix + name; the first occurrence of each counts.
void readMilestones(
    const QString& logFile, qint64 startWallMs, const QString& peer, const QString& prefix, QMap<QString, double>* out);
QString machineDescription();
QString loadAverage();
QString sampleLine(const Technique& technique, int run, int runs, const Sample& sample);
QString pathLine(int round, const PathFigures& figures);
// The Markdown tables for docs/benchmarks.md.
QString reportText(const QString& machine, const QList<Technique>& techniques,
    const QMap<QString, QList<Sample>>& samples, const QList<QList<PathFigures>>& rounds);

} // namespace pvc::bench
